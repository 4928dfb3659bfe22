/**
 * The admission layer over a fake registry (test records `{ id, requires?, unknownSigner? }`):
 * batch order and retries, the one pending buffer and its release by any path, who may fill it,
 * store faults, and re-announcing a repair.
 */
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type Admission,
  ignore,
  type ParsedAccreditation,
  type ParsedGovernance,
  type StatusListState,
  StoreError,
  type SubmitOutcome,
  unresolved,
} from '@trustmesh/registry';
import { RecordAdmission, type RecordAdmissionOptions } from '../../src/admission/record-admission.ts';
import type { PublishReport } from '../../src/gossip/record-gossip.ts';

const encode = (value: Record<string, unknown>) => new TextEncoder().encode(JSON.stringify(value));

/** A registry fake: admits `{id}` once, holds back a record until what it `requires` is held. */
class FakeRegistry {
  readonly held = new Set<string>();
  readonly submitted: string[] = [];
  failing = false;
  /** CPU time each submission burns (a stand-in for canonicalisation and signature checks). */
  busyMs = 0;

  /** While set, answers wait for it (as the registry's wait for disk); `outstanding` counts them. */
  gate: Promise<void> | null = null;
  outstanding = 0;
  maxOutstanding = 0;

  async submit(input: Uint8Array | unknown): Promise<SubmitOutcome> {
    this.outstanding++;
    this.maxOutstanding = Math.max(this.maxOutstanding, this.outstanding);
    try {
      return await this.answer(input);
    } finally {
      this.outstanding--;
    }
  }

  private async answer(input: Uint8Array | unknown): Promise<SubmitOutcome> {
    if (this.failing) throw new StoreError('STORE_IO', 'disk on fire');
    for (const start = performance.now(); performance.now() - start < this.busyMs; );
    const value = JSON.parse(new TextDecoder().decode(input as Uint8Array)) as {
      id: string;
      requires?: string;
      unknownSigner?: boolean;
    };
    this.submitted.push(value.id);
    if (this.held.has(value.id)) return { status: 'ignore', error: ignore('DUPLICATE', undefined, 'held') };
    if (value.requires && !this.held.has(value.requires)) {
      const error = unresolved(
        'STATUS_LIST_ISSUER_UNKNOWN',
        'issuer',
        `needs ${value.requires}`,
        `list:${value.requires}`,
        {
          signerKnown: !value.unknownSigner,
        },
      );
      return { status: 'ignore', error };
    }
    this.held.add(value.id);
    if (this.gate) await this.gate;
    const bytes = input as Uint8Array;
    const parsed = { id: value.id } as unknown as Extract<Admission, { kind: 'status-list' }>['parsed'];
    return {
      status: 'accept',
      value: { kind: 'status-list', parsed, key: `status-list/${value.id}`, version: '0', digest: value.id, bytes },
    };
  }

  governance(): ParsedGovernance | null {
    return null;
  }
  accreditationsOf(): readonly ParsedAccreditation[] {
    return [];
  }
  statusList(): StatusListState | null {
    return null;
  }
  statusListVersions(): StatusListState[] {
    return [];
  }
}

function setup(options: Partial<RecordAdmissionOptions> = {}, trusted = true) {
  const registry = new FakeRegistry();
  const announced: string[] = [];
  const refused: string[] = [];
  const admission = new RecordAdmission(options, {
    registry,
    now: () => 0,
    trustedPeer: () => trusted,
    onRefused: (_bytes, code) => refused.push(code),
    announce: async (a): Promise<PublishReport> => {
      announced.push((a as { parsed: { id: string } }).parsed.id);
      return { status: 'published', digest: a.digest, recipients: 1 };
    },
  });
  return { registry, admission, announced, refused };
}

describe('record admission', () => {
  it('admits a batch whose records depend on each other, retrying until a pass admits nothing', async () => {
    const { admission, registry } = setup();
    const batch = [encode({ id: 'c', requires: 'b' }), encode({ id: 'b', requires: 'a' }), encode({ id: 'a' })];
    const outcome = await admission.submitBatch(batch, { path: 'pull', peer: 'p' });
    assert.deepEqual(outcome, { accept: 3, ignore: 0, reject: 0, fault: 0, unresolved: 0, buffered: 0 });
    assert.deepEqual([...registry.held].sort(), ['a', 'b', 'c']);
  });

  it('buffers what a pull left unresolved and releases it when another path admits its dependency', async () => {
    const { admission, registry } = setup();
    const released: string[] = [];
    admission.onRecovered(({ outcome }) => {
      if (outcome.status === 'accept') released.push((outcome.value as { parsed: { id: string } }).parsed.id);
    });
    const pulled = await admission.submitBatch([encode({ id: 'child', requires: 'parent' })], {
      path: 'pull',
      peer: 'p',
    });
    assert.deepEqual([pulled.unresolved, pulled.buffered], [1, 1]);
    assert.equal(admission.counters().pending.size, 1);
    assert.deepEqual(admission.pendingSlots(), [], 'a test record names no slot');
    // The dependency arrives through the API: the child is retried and admitted.
    assert.equal((await admission.submitAndPublish(encode({ id: 'parent' }))).status, 'accept');
    for (let i = 0; i < 10 && released.length === 0; i++) await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(released, ['child']);
    assert.ok(registry.held.has('child'));
    assert.deepEqual([admission.counters().pending.size, admission.counters().pending.recovered], [0, 1]);
  });

  it('never buffers pushed records, and reports them unresolved', async () => {
    const { admission } = setup();
    const outcome = await admission.submitBatch([encode({ id: 'child', requires: 'parent' })], {
      path: 'push',
      peer: 'p',
    });
    assert.deepEqual([outcome.unresolved, outcome.buffered, outcome.ignore], [1, 0, 1]);
    assert.equal(admission.counters().pending.size, 0);
  });

  it('buffers a record whose signer is unknown only from a trusted peer (control: a known signer)', async () => {
    const untrusted = setup({}, false);
    const attack = await untrusted.admission.submit(encode({ id: 'bomb', requires: 'x', unknownSigner: true }), {
      path: 'gossip',
      peer: 'stranger',
    });
    assert.equal(attack.status === 'ignore' && attack.buffered, false);
    assert.equal(untrusted.admission.counters().pending.untrusted, 1);
    // Control: a record whose signer is known but whose dependency is missing is still buffered.
    const honest = await untrusted.admission.submit(encode({ id: 'list', requires: 'x' }), {
      path: 'gossip',
      peer: 'stranger',
    });
    assert.equal(honest.status === 'ignore' && honest.buffered, true);
    // And from a trusted peer, an unknown signer's record is buffered too.
    const trusted = setup({}, true);
    const relayed = await trusted.admission.submit(encode({ id: 'list', requires: 'x', unknownSigner: true }), {
      path: 'gossip',
      peer: 'friend',
    });
    assert.equal(relayed.status === 'ignore' && relayed.buffered, true);
  });

  it('a store fault is a fault, not a verdict: no buffer, no refusal reported, the batch stops', async () => {
    const { admission, registry, refused } = setup();
    registry.failing = true;
    const one = await admission.submit(encode({ id: 'a' }), { path: 'gossip', peer: 'p' });
    assert.equal(one.status, 'fault');
    assert.equal(one.status === 'fault' && one.error.code, 'STORE_IO');
    const batch = await admission.submitBatch([encode({ id: 'a' }), encode({ id: 'b' })], { path: 'pull', peer: 'p' });
    assert.equal(batch.fault, 1);
    assert.deepEqual(refused, []);
    await assert.rejects(admission.submitAndPublish(encode({ id: 'a' })), /disk on fire/);
  });

  it('announces the records a small pull admitted (a repair), not a bulk catch-up', async () => {
    const repair = setup({ maxAnnouncedPerPull: 2 });
    await repair.admission.submitBatch([encode({ id: 'a' }), encode({ id: 'b' })], { path: 'pull', peer: 'p' });
    assert.deepEqual(repair.announced.sort(), ['a', 'b']);
    const bulk = setup({ maxAnnouncedPerPull: 2 });
    await bulk.admission.submitBatch([encode({ id: 'a' }), encode({ id: 'b' }), encode({ id: 'c' })], {
      path: 'pull',
      peer: 'p',
    });
    assert.deepEqual(bulk.announced, []);
    // Gossip itself and pushes are not re-announced by this layer (gossipsub forwards, the pusher has them).
    await bulk.admission.submitBatch([encode({ id: 'd' })], { path: 'push', peer: 'p' });
    assert.deepEqual(bulk.announced, []);
  });

  it('keeps up to maxInFlight records of a batch submitted at once, in batch order, answers in order', async () => {
    const { admission, registry } = setup({ maxInFlight: 4 });
    let open = () => {};
    registry.gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    const batch = Array.from({ length: 10 }, (_, i) => encode({ id: `r${i}` }));
    const done = admission.submitBatch(batch, { path: 'pull', peer: 'p' });
    // Nothing is answered while the gate is shut, so the window fills and stops there.
    while (registry.submitted.length < 4) await new Promise<void>((resolve) => setImmediate(resolve));
    await new Promise<void>((resolve) => setImmediate(resolve));
    assert.equal(registry.submitted.length, 4);
    open();
    assert.deepEqual(await done, { accept: 10, ignore: 0, reject: 0, fault: 0, unresolved: 0, buffered: 0 });
    assert.equal(registry.maxOutstanding, 4);
    assert.deepEqual(
      registry.submitted,
      batch.map((_, i) => `r${i}`),
    );
  });

  it('a long batch yields to the event loop, so other work (health, gossip) runs in between', async () => {
    const { admission, registry } = setup({ sliceMs: 10 });
    registry.busyMs = 2;
    let submittedWhenOtherWorkRan = -1;
    setImmediate(() => {
      submittedWhenOtherWorkRan = registry.submitted.length;
    });
    const batch = Array.from({ length: 50 }, (_, i) => encode({ id: `r${i}` }));
    await admission.submitBatch(batch, { path: 'pull', peer: 'p' });
    // Without yielding, the callback would run only after all 50 (100 ms of CPU).
    assert.ok(
      submittedWhenOtherWorkRan >= 0 && submittedWhenOtherWorkRan < 50,
      `other work ran after ${submittedWhenOtherWorkRan} of 50`,
    );
  });
});
