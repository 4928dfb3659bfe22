import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isValidNetworkId, recordsTopic, syncProtocol } from '../../src/network/protocols.ts';

describe('protocol names', () => {
  it('carry the network id', () => {
    assert.equal(recordsTopic('jp-mynumber'), '/trustmesh/jp-mynumber/records/1');
    assert.equal(syncProtocol('jp-mynumber'), '/trustmesh/jp-mynumber/sync/1.0.0');
  });

  it('differ between networks', () => {
    assert.notEqual(recordsTopic('a'), recordsTopic('b'));
    assert.notEqual(syncProtocol('a'), syncProtocol('b'));
  });

  it('refuse ids that could make names ambiguous', () => {
    for (const id of ['', 'a/records', '../x', ' a', '-a', 'a'.repeat(65), 'jp mynumber']) {
      assert.equal(isValidNetworkId(id), false, id);
      assert.throws(() => recordsTopic(id), TypeError);
    }
    assert.equal(isValidNetworkId('tw.diw_2025-test'), true);
  });
});
