/**
 * Misbehaving peers: raw libp2p hosts with gossipsub on the records topic (the production gossipsub
 * settings, so honest peers treat them as any other peer) but no registry and no validation — they
 * publish whatever their behaviour dictates:
 *
 * - `forged`: the newest genuine version of a victim's list with its revocation bits cleared and a
 *   later validFrom, keeping the now-invalid proof (an "un-revoke" attempt): must be rejected;
 * - `rollback`: replays of older, genuinely signed versions: must be ignored (stale), never admitted
 *   over a newer version, and never penalised as invalid;
 * - `equivocate`: a compromised issuer key signs a second, different version with the same validFrom:
 *   honest nodes must turn it into equivocation evidence and spread that;
 * - `flood`: distinct garbage messages at a high rate: must be rejected, and the sender's score must
 *   fall until gossipsub graylists it.
 */
import type { PrivateKey } from '@libp2p/interface';
import {
  createLibp2pNode,
  defaultRecordGossipsubOptions,
  type Libp2pTransportFactory,
  recordGossipsubInit,
  recordsTopic,
  type TrustmeshLibp2p,
} from '@trustmesh/node';
import { canonicalBytes, createStatusList, encodeStatusList, sha256Hex } from '@trustmesh/registry';

/** Misbehaviours. */
export type Behaviour = 'forged' | 'rollback' | 'equivocate' | 'flood';

/** What a byzantine peer needs from the simulation. */
export interface ByzantineModules {
  transport: Libp2pTransportFactory;
  privateKey: PrivateKey;
  /** The newest genuine record of some list (forged builds on it), or null if none yet. */
  latestRecord: () => Record<string, unknown> | null;
  /** An older genuine version of some list (rollback), or null. */
  olderRecord: () => Record<string, unknown> | null;
  /** A conflicting version signed with a compromised issuer key (equivocate). */
  equivocation: () => Promise<Record<string, unknown> | null>;
  random: () => number;
}

/** Counts of what a byzantine peer did. */
export interface ByzantineCounters {
  sent: number;
  /** Publications gossipsub refused locally (no peers, duplicate: e.g. a replay it already sent). */
  notSent: number;
}

/** One misbehaving host. */
export class ByzantinePeer {
  readonly counters: ByzantineCounters = { sent: 0, notSent: 0 };
  /** Digests of records this peer sent that no honest node may admit (forged, flood, rollback). */
  readonly badDigests = new Set<string>();
  private nonce = 0;
  // encodedList of an all-zero list of the minimum length: what an "un-revoke" forgery carries.
  private readonly emptyList = encodeStatusList(createStatusList(131_072));

  private constructor(
    readonly libp2p: TrustmeshLibp2p,
    readonly behaviour: Behaviour,
    private readonly topic: string,
    private readonly modules: ByzantineModules,
  ) {}

  /** Starts a host listening at `address` and subscribed to the network's records topic. */
  static async start(
    options: { networkId: string; address: string; behaviour: Behaviour },
    modules: ByzantineModules,
  ): Promise<ByzantinePeer> {
    const topic = recordsTopic(options.networkId);
    const libp2p = await createLibp2pNode(
      {
        transport: 'memory',
        listen: [options.address],
        gossipsub: recordGossipsubInit({ ...defaultRecordGossipsubOptions, topic }),
      },
      { transport: modules.transport, privateKey: modules.privateKey },
    );
    libp2p.services.pubsub.subscribe(topic);
    return new ByzantinePeer(libp2p, options.behaviour, topic, modules);
  }

  /** Sends one misbehaving message. */
  async act(): Promise<void> {
    const bytes = await this.message();
    if (!bytes) return;
    if (this.behaviour !== 'equivocate') this.badDigests.add(sha256Hex(bytes));
    try {
      await this.libp2p.services.pubsub.publish(this.topic, bytes);
      this.counters.sent++;
    } catch {
      this.counters.notSent++;
    }
  }

  private async message(): Promise<Uint8Array | null> {
    switch (this.behaviour) {
      case 'flood': {
        // Distinct bytes each time: gossipsub's seen cache would otherwise drop repeats for free.
        const junk = {
          type: 'BitstringStatusListCredential',
          nonce: this.nonce++,
          pad: 'x'.repeat(64 + Math.floor(this.modules.random() * 512)),
        };
        return new TextEncoder().encode(JSON.stringify(junk));
      }
      case 'forged': {
        const latest = this.modules.latestRecord();
        if (!latest) return null;
        const forged = structuredClone(latest) as Record<string, unknown> & {
          credentialSubject?: Record<string, unknown>;
        };
        const validFrom = Date.parse(String(forged.validFrom)) + 1 + this.nonce++;
        forged.validFrom = new Date(validFrom).toISOString();
        // An all-zero list (no revocations), still carrying the issuer's old proof.
        if (forged.credentialSubject) forged.credentialSubject.encodedList = this.emptyList;
        return canonicalBytes(forged);
      }
      case 'rollback': {
        const older = this.modules.olderRecord();
        return older ? canonicalBytes(older) : null;
      }
      case 'equivocate': {
        const record = await this.modules.equivocation();
        return record ? canonicalBytes(record) : null;
      }
    }
  }

  async stop(): Promise<void> {
    await this.libp2p.stop();
  }
}
