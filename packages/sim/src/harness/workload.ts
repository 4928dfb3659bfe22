/**
 * The workload of a run (scenario `workload`): issuers revoke credentials at random times through
 * the node they publish from, and verifier nodes verify credentials — some recently revoked, the
 * ones whose answers can be stale — each as a Poisson process drawn from the scenario's seed. It
 * records what the run measures about them: when each revocation was published (by the publishing
 * host's clock), every verification and whether it was stale, and the records byzantine peers replay.
 */
import type { Rng } from '../random.ts';
import type { Scenario } from '../scenario/scenario.ts';
import type { TrustWorld } from '../world/trust-world.ts';
import type { ByzantineModules } from './byzantine.ts';
import type { DeliveryTracker } from './delivery-tracker.ts';
import type { SimEvent } from './event-log.ts';
import type { VerificationRecord } from './run-types.ts';
import type { SimNode } from './sim-node.ts';

/** What the workload needs from the coordinator. */
export interface WorkloadModules {
  scenario: Scenario;
  rng: Rng;
  /** The trust world (made during set-up, before the workload starts). */
  world: () => TrustWorld;
  nodes: readonly SimNode[];
  tracker: DeliveryTracker;
  /** Agency nodes whose issuers publish through another node while they are offline. */
  reroute: ReadonlyMap<number, number>;
  /** Runs `run` at `ms` since t = 0. */
  at: (ms: number, run: () => Promise<void> | void) => void;
  /** ms since t = 0. */
  t: () => number;
  /** A host's timestamp as ms since t = 0 of this process. */
  hostTime: (host: number, at: number) => number;
  log: (event: Omit<SimEvent, 't'> & { t?: number }) => void;
}

/** Revocations and verifications of a run, and what they recorded. */
export class Workload {
  /** Every verification made, in the order answered. */
  readonly verifications: VerificationRecord[] = [];
  private readonly revokedAt = new Map<string, number>();
  private readonly latest = new Map<number, Record<string, unknown>>();
  private readonly older: Record<string, unknown>[] = [];

  constructor(private readonly m: WorkloadModules) {}

  /**
   * What a byzantine peer replays (harness/byzantine.ts): an issuer's latest list version, a
   * superseded one, or a second content for the latest version (equivocation), drawn with `rng`.
   */
  replaySources(rng: Rng): Pick<ByzantineModules, 'latestRecord' | 'olderRecord' | 'equivocation'> {
    return {
      latestRecord: () => {
        const keys = [...this.latest.keys()];
        return keys.length > 0 ? (this.latest.get(rng.pick(keys)) ?? null) : null;
      },
      olderRecord: () => (this.older.length > 0 ? rng.pick(this.older) : null),
      equivocation: async () => {
        const issuers = [...this.latest.keys()];
        if (issuers.length === 0) return null;
        return this.m.world().equivocation(rng.pick(issuers), 100_000 + rng.int(30_000));
      },
    };
  }

  /** Schedules the scenario's revocations and each verifier's verifications (Poisson arrivals). */
  start(): void {
    const { workload } = this.m.scenario;
    const stopAt = Math.min(workload.stopAt, this.m.scenario.duration) * 1000;
    if (workload.revocationsPerSecond > 0) {
      const rng = this.m.rng.fork('revocations');
      const tick = (from: number) => {
        const next = from + rng.exponential(workload.revocationsPerSecond) * 1000;
        if (next >= stopAt) return;
        this.m.at(next, async () => {
          tick(next);
          await this.revoke(rng);
        });
      };
      tick(0);
    }
    if (workload.verificationsPerSecond > 0) {
      for (const sim of this.m.nodes.filter((x) => x.role === 'verifier')) {
        const rng = this.m.rng.fork(`verifications-${sim.index}`);
        const tick = (from: number) => {
          const next = from + rng.exponential(workload.verificationsPerSecond) * 1000;
          if (next >= this.m.scenario.duration * 1000) return;
          this.m.at(next, async () => {
            tick(next);
            await this.verify(sim, rng);
          });
        };
        tick(0);
      }
    }
  }

  /** The node an issuer publishes through now: its home, a reroute, or any node that is up. */
  private publisher(issuer: number, rng: Rng): SimNode | null {
    const hosts = this.m.nodes.filter((x) => x.role === 'issuer-host');
    const agencies = this.m.nodes.filter((x) => x.role === 'agency');
    const agencyNode = agencies[this.m.world().issuers[issuer]!.agency % agencies.length];
    let home = hosts.length > 0 ? hosts[issuer % hosts.length]! : agencyNode!;
    const rerouted = this.m.reroute.get(home.index);
    if (rerouted !== undefined) home = this.m.nodes[rerouted]!;
    if (home.up && !home.silent) return home;
    // The issuer's own node is down: it publishes through any node it can reach (another
    // agency's API), as an operator would.
    const up = this.m.nodes.filter((x) => x.up && !x.silent);
    return up.length > 0 ? rng.pick(up) : null;
  }

  private async revoke(rng: Rng): Promise<void> {
    const { workload } = this.m.scenario;
    const issuer = rng.int(this.m.world().issuers.length);
    const state = this.m.world().issuers[issuer]!;
    if (state.revoked.size >= workload.credentialsPerIssuer) return;
    let credential = rng.int(workload.credentialsPerIssuer);
    while (state.revoked.has(credential)) credential = (credential + 1) % workload.credentialsPerIssuer;
    const via = this.publisher(issuer, rng);
    if (!via) {
      this.m.log({ type: 'publish-skipped', issuer, reason: 'no node up' });
      return;
    }
    const previous = this.latest.get(issuer);
    const revocation = await this.m.world().revoke(issuer, credential, Date.now());
    if (previous) this.older.push(previous);
    this.latest.set(issuer, revocation.record);
    const publishedAt = this.m.t();
    this.revokedAt.set(`${issuer}:${credential}`, publishedAt);
    const update = this.m.tracker.publish({
      issuer,
      listId: revocation.listId,
      credential,
      validFrom: revocation.validFrom,
      publishedAt,
      via: via.index,
    });
    this.m.log({ type: 'publish', update: update.id, issuer, credential, via: via.index, listId: revocation.listId });
    const outcome = await via.host.publish(via.index, revocation.record);
    // Publication is when the node took the record, by its host's clock: a call to another process
    // may wait in that process's event loop, and that wait is not propagation.
    update.publishedAt = this.m.hostTime(via.hostIndex, outcome.at);
    this.revokedAt.set(`${issuer}:${credential}`, update.publishedAt);
    if (outcome.status === 'refused') {
      this.m.log({ type: 'publish-refused', update: update.id, code: outcome.code });
    } else if (outcome.status === 'failed') {
      this.m.log({ type: 'publish-failed', update: update.id, error: outcome.error });
    } else {
      this.m.log({
        type: 'announce',
        update: update.id,
        via: via.index,
        recipients: outcome.recipients,
        ...(outcome.code ? { code: outcome.code } : {}),
      });
    }
  }

  private async verify(sim: SimNode, rng: Rng): Promise<void> {
    const { workload } = this.m.scenario;
    if (!sim.up) return;
    let issuer: number;
    let credential: number;
    const recent = this.m.tracker.updates.slice(-20);
    if (recent.length > 0 && rng.chance(workload.revokedShare)) {
      // Probe a recent revocation: the credentials whose answers can be stale right now.
      const update = rng.pick(recent);
      issuer = update.issuer;
      credential = update.credential;
    } else {
      issuer = rng.int(this.m.world().issuers.length);
      credential = rng.int(workload.credentialsPerIssuer);
    }
    const vc = await this.m.world().credential(issuer, credential);
    const answer = await sim.host.verify(sim.index, vc, workload.verification);
    if (!answer) return;
    const t = this.m.hostTime(sim.hostIndex, answer.at);
    const { outcome } = answer;
    const revokedAt = this.revokedAt.get(`${issuer}:${credential}`);
    const before = revokedAt !== undefined && revokedAt <= t ? revokedAt : null;
    const stale = outcome === 'valid' && before !== null;
    this.verifications.push({ t, node: sim.index, issuer, credential, outcome, revokedAt: before, stale });
    this.m.log({ type: 'verify', node: sim.index, issuer, credential, outcome, stale });
  }
}
