/**
 * Test helpers: waiting for conditions (never fixed sleeps), a fake record sink, and small gossip
 * peers over the in-memory libp2p transport.
 */
import { createHash } from 'node:crypto';
import type { PrivateKey } from '@libp2p/interface';
import { defaultRecordGossipsubOptions, recordGossipsubInit } from '../src/gossip/gossipsub-config.ts';
import {
  type Admission,
  type ParsedAccreditation,
  type ParsedGovernance,
  reject,
  type SubmitOutcome,
  type StatusListState,
  ignore,
  unresolved,
} from '@trustmesh/registry';
import { RecordAdmission, type RecordAdmissionOptions } from '../src/admission/record-admission.ts';
import { type GossipLogger, RecordGossip, type RecordGossipOptions } from '../src/gossip/record-gossip.ts';
import { createLibp2pNode, type TrustmeshLibp2p } from '../src/network/libp2p.ts';
import { recordsTopic } from '../src/network/protocols.ts';

/** Polls `condition` until it holds, failing with `message` after `timeoutMs`. */
export async function waitFor(
  condition: () => boolean | Promise<boolean>,
  message: string,
  options: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<void> {
  const deadline = Date.now() + (options.timeoutMs ?? 10_000);
  const interval = options.intervalMs ?? 20;
  for (;;) {
    if (await condition()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${message}`);
    await new Promise((resolve) => setTimeout(resolve, interval));
  }
}

/** Encodes a test record. */
export function record(value: Record<string, unknown>): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(value));
}

/** Hex SHA-256, as the gossip layer and the registry compute it. */
export function digest(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * A fake of the registry's admission pipeline over test records `{ id, requires?, evidenceOf? }`:
 * - not JSON → reject RECORD_NOT_JSON;
 * - an id already held → ignore DUPLICATE;
 * - `requires` an id not held (and `checkDependencies`) → ignore STATUS_LIST_ISSUER_UNKNOWN,
 *   retryable, awaiting `list:<requires>` (what an admitted test record provides);
 * - an id listed in `equivocations` → accept as evidence, with different bytes;
 * - otherwise accept, as a `status-list`.
 */
export class FakeSink {
  /** Every input, in order of submission. */
  readonly submitted: Uint8Array[] = [];
  /** Ids admitted. */
  readonly held = new Set<string>();
  /** Evidence bytes admitted. */
  readonly evidence: Uint8Array[] = [];
  readonly equivocations = new Set<string>();

  constructor(private readonly options: { checkDependencies?: boolean } = {}) {}

  /** Whether any submitted input equals `bytes`. */
  saw(bytes: Uint8Array): boolean {
    return this.submitted.some((s) => Buffer.from(s).equals(bytes));
  }

  async submit(input: Uint8Array | unknown): Promise<SubmitOutcome> {
    const bytes = input instanceof Uint8Array ? input : record(input as Record<string, unknown>);
    this.submitted.push(bytes);
    let value: { id?: unknown; requires?: unknown; type?: unknown };
    try {
      value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
    } catch {
      return { status: 'reject', error: reject('RECORD_NOT_JSON', undefined, 'not JSON') };
    }
    if (value.type === 'evidence') {
      const key = digest(bytes);
      if (this.held.has(key)) return { status: 'ignore', error: ignore('DUPLICATE', undefined, 'held') };
      this.held.add(key);
      this.evidence.push(bytes);
      return { status: 'accept', value: evidenceAdmission(key, bytes) };
    }
    if (typeof value.id !== 'string')
      return { status: 'reject', error: reject('RECORD_KIND_UNKNOWN', undefined, 'no id') };
    if (this.held.has(value.id)) return { status: 'ignore', error: ignore('DUPLICATE', undefined, 'held') };
    if (this.options.checkDependencies && typeof value.requires === 'string' && !this.held.has(value.requires)) {
      return {
        status: 'ignore',
        error: unresolved('STATUS_LIST_ISSUER_UNKNOWN', undefined, `needs ${value.requires}`, `list:${value.requires}`),
      };
    }
    if (this.equivocations.has(value.id)) {
      const evidence = record({ type: 'evidence', of: value.id });
      this.held.add(digest(evidence));
      this.evidence.push(evidence);
      return { status: 'accept', value: evidenceAdmission(digest(evidence), evidence) };
    }
    this.held.add(value.id);
    // Only what the admission layer reads of an admission: kind, digest, bytes, and the list id.
    const parsed = { id: value.id } as unknown as Extract<Admission, { kind: 'status-list' }>['parsed'];
    return {
      status: 'accept',
      value: {
        kind: 'status-list',
        parsed,
        key: `status-list/${value.id}`,
        version: '0',
        digest: digest(bytes),
        bytes,
      },
    };
  }

  // The trust view the admission layer orders batches by: this fake holds no governance or accreditation.
  governance(): ParsedGovernance | null {
    return null;
  }
  statusList(): StatusListState | null {
    return null;
  }
  accreditationsOf(): readonly ParsedAccreditation[] {
    return [];
  }
  statusListVersions(): StatusListState[] {
    return [];
  }
}

function evidenceAdmission(id: string, bytes: Uint8Array): Admission {
  return {
    kind: 'evidence',
    evidence: {
      id,
      key: 'status-list/x',
      signer: 'did:example:x',
      version: '0',
      records: [bytes, bytes],
      receivedAt: 0,
    },
    digest: id,
    bytes,
  };
}

/** A libp2p host and record gossip over the memory transport, with a fake sink. */
export interface GossipPeer {
  libp2p: TrustmeshLibp2p;
  /** The admission layer over the fake sink: `admission.publish` is how a test publishes. */
  admission: RecordAdmission;
  gossip: RecordGossip;
  sink: FakeSink;
  stop(): Promise<void>;
}

/** Starts a gossip peer on network `networkId`. */
export async function startGossipPeer(
  networkId: string,
  options: {
    sink?: FakeSink;
    gossip?: Partial<RecordGossipOptions>;
    admission?: Partial<RecordAdmissionOptions>;
    privateKey?: PrivateKey;
    logger?: GossipLogger;
  } = {},
): Promise<GossipPeer> {
  const sink = options.sink ?? new FakeSink();
  const libp2p = await createLibp2pNode(
    {
      transport: 'memory',
      gossipsub: recordGossipsubInit({ ...defaultRecordGossipsubOptions, topic: recordsTopic(networkId) }),
    },
    options.privateKey ? { privateKey: options.privateKey } : {},
  );
  // Test peers trust each other to relay records whose signer is not known yet.
  const admission = new RecordAdmission(options.admission ?? {}, {
    registry: sink,
    now: Date.now,
    trustedPeer: () => true,
  });
  const gossip = new RecordGossip(
    { ...options.gossip, networkId },
    { pubsub: libp2p.services.pubsub, admission, ...(options.logger ? { logger: options.logger } : {}) },
  );
  admission.setAnnouncer((a) => gossip.announce(a));
  gossip.start();
  return {
    libp2p,
    admission,
    gossip,
    sink,
    async stop() {
      await gossip.stop();
      await admission.stop();
      await libp2p.stop();
    },
  };
}

/** Dials `b` from `a`. */
export async function dial(a: { libp2p: TrustmeshLibp2p }, b: { libp2p: TrustmeshLibp2p }): Promise<void> {
  const address = b.libp2p.getMultiaddrs()[0];
  if (!address) throw new Error('peer b has no listen address');
  await a.libp2p.dial(address, { signal: AbortSignal.timeout(10_000) });
}

/** Connects `a` to `b` and waits until each sees the other subscribed to its topic. */
export async function connect(a: GossipPeer, b: GossipPeer): Promise<void> {
  await dial(a, b);
  await waitFor(
    () =>
      a.gossip.subscribers().some((p) => p.equals(b.libp2p.peerId)) &&
      b.gossip.subscribers().some((p) => p.equals(a.libp2p.peerId)),
    'both peers subscribed',
  );
}

/** Stops every peer, ignoring peers already stopped. */
export async function stopAll(peers: { stop(): Promise<void> }[]): Promise<void> {
  await Promise.allSettled(peers.map((p) => p.stop()));
}
