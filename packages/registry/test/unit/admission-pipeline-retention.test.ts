/**
 * The admission pipeline keeps no answer alive once it has been given (issue 14): an admitted
 * record's answer carries its bytes — a national CRL's are tens of MB — and the pipeline's ordering
 * chains used to hold the last one until the next submission came (the node grew by a CRL's size for
 * as long as it stayed idle). Checked with a WeakRef and a full GC.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { AdmissionPipeline } from '../../src/admission-pipeline.ts';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

describe('admission pipeline retention', () => {
  it('drops a settled answer (and what it carries) once the caller has let go of it', async () => {
    const pipeline = new AdmissionPipeline({}, { commit: async () => undefined, resync: () => undefined });
    let answer: { bytes: Uint8Array } | null = await pipeline.run(async () => ({
      value: { bytes: new Uint8Array(4 * 1024 * 1024) },
      change: { batch: {}, stage: () => undefined, apply: () => undefined },
    }));
    assert.equal(answer.bytes.byteLength, 4 * 1024 * 1024);
    const held = new WeakRef(answer.bytes);
    answer = null;
    // A WeakRef keeps its target through the current job: let it end before collecting.
    await delay(10);
    gc();
    assert.equal(held.deref(), undefined, 'the last answer is still reachable from the pipeline');
    // Control: an answer the caller still holds stays alive.
    const kept = await pipeline.run(async () => ({ value: { bytes: new Uint8Array(16) } }));
    const keptRef = new WeakRef(kept.bytes);
    await delay(10);
    gc();
    assert.equal(keptRef.deref(), kept.bytes);
  });
});
