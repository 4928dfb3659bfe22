import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createProgress } from '../src/progress.ts';

function stream(isTTY: boolean) {
  const writes: string[] = [];
  return { writes, isTTY, write: (text: string) => writes.push(text) };
}

describe('progress', () => {
  it('prints a line at every tenth when not on a terminal', () => {
    const out = stream(false);
    const progress = createProgress(out, 'importing records', 200);
    for (let done = 1; done <= 200; done++) progress.update(done);
    progress.finish();
    assert.equal(out.writes.length, 10);
    assert.equal(out.writes[0], 'importing records: 20/200 (10%)\n');
    assert.equal(out.writes.at(-1), 'importing records: 200/200 (100%)\n');
  });

  it('redraws one bar in place on a terminal, and clears it at the end', () => {
    const out = stream(true);
    const progress = createProgress(out, 'importing', 1000);
    for (let done = 1; done <= 1000; done++) progress.update(done);
    progress.finish();
    assert.ok(out.writes.length <= 102, `${out.writes.length} redraws`);
    assert.ok(out.writes.every((w) => w.startsWith('\r')));
    assert.match(out.writes.at(-2) ?? '', /\[#{30}\] 1000\/1000 100%$/);
    assert.equal(out.writes.at(-1), '\r\u001b[2K');
  });

  it('stays silent for short work', () => {
    const out = stream(true);
    const progress = createProgress(out, 'importing', 7);
    for (let done = 1; done <= 7; done++) progress.update(done);
    progress.finish();
    assert.deepEqual(out.writes, []);
  });
});
