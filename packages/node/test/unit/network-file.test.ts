import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { contentHash } from '@trustmesh/registry';
import fc from 'fast-check';
import {
  createNetworkFile,
  NetworkFileError,
  parseNetworkFile,
  parseNetworkFileText,
} from '../../src/network/network-file.ts';

const PEER = '12D3KooWDpJ7As7BWAwRMfu1VU2WCqNjvq387JEYKDBj4kx6nXTN';
const genesis = { type: 'TrustmeshGovernance', networkId: 'jp-test', version: 1, authorities: [], signatures: [] };
const valid = {
  networkId: 'jp-test',
  genesis,
  genesisDigest: contentHash(genesis),
  bootstrap: [`/ip4/192.0.2.1/tcp/4001/p2p/${PEER}`],
};

function fails(value: unknown, code: string, field: string | undefined): void {
  assert.throws(
    () => parseNetworkFile(value),
    (error: unknown) => {
      assert.ok(error instanceof NetworkFileError);
      assert.equal(error.code, code);
      assert.equal(error.field, field);
      if (field) assert.match(error.message, new RegExp(field.replace(/[[\].]/g, '\\$&')));
      return true;
    },
  );
}

describe('network file', () => {
  it('parses a valid file', () => {
    assert.deepEqual(parseNetworkFile(valid), valid);
    assert.deepEqual(parseNetworkFileText(JSON.stringify(valid)), valid);
  });

  it('accepts a file without bootstrap peers', () => {
    const { bootstrap: _, ...rest } = valid;
    assert.deepEqual(parseNetworkFile(rest).bootstrap, []);
  });

  it('verifies the genesis digest', () => {
    fails({ ...valid, genesisDigest: 'a'.repeat(64) }, 'NETWORK_FILE_DIGEST_MISMATCH', 'genesisDigest');
    fails({ ...valid, genesis: { ...genesis, version: 2 } }, 'NETWORK_FILE_DIGEST_MISMATCH', 'genesisDigest');
  });

  it('names the offending field', () => {
    fails(null, 'NETWORK_FILE_INVALID', undefined);
    fails({ ...valid, networkId: 7 }, 'NETWORK_FILE_INVALID', 'networkId');
    fails({ ...valid, networkId: 'has/slash' }, 'NETWORK_FILE_INVALID', 'networkId');
    fails({ ...valid, genesis: [] }, 'NETWORK_FILE_INVALID', 'genesis');
    fails({ ...valid, genesis: { ...genesis, networkId: 'other' } }, 'NETWORK_FILE_INVALID', 'genesis.networkId');
    fails({ ...valid, genesisDigest: 'ABC' }, 'NETWORK_FILE_INVALID', 'genesisDigest');
    fails({ ...valid, bootstrap: 'x' }, 'NETWORK_FILE_INVALID', 'bootstrap');
    fails({ ...valid, bootstrap: [valid.bootstrap[0], 3] }, 'NETWORK_FILE_INVALID', 'bootstrap[1]');
    fails({ ...valid, bootstrap: ['not a multiaddr'] }, 'NETWORK_FILE_INVALID', 'bootstrap[0]');
    fails({ ...valid, bootstrap: ['/ip4/192.0.2.1/tcp/4001'] }, 'NETWORK_FILE_INVALID', 'bootstrap[0]');
  });

  it('reports text that is not JSON', () => {
    assert.throws(() => parseNetworkFileText('{'), { code: 'NETWORK_FILE_NOT_JSON' });
    assert.throws(() => parseNetworkFileText(' '.repeat(1024 * 1024 + 1)), { code: 'NETWORK_FILE_TOO_LARGE' });
  });

  it('round-trips any genesis object through createNetworkFile, and detects any change to it', () => {
    // Through JSON once: JSON has no -0 (it serialises as 0), so a network file never carries one.
    const json = fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.parse(JSON.stringify(v))) as fc.Arbitrary<unknown>;
    fc.assert(
      fc.property(fc.dictionary(fc.string(), json, { maxKeys: 6 }), fc.string({ minLength: 1 }), (extra, key) => {
        const g = { ...extra, networkId: 'net' };
        const file = createNetworkFile({ networkId: 'net', genesis: g });
        assert.deepEqual(parseNetworkFile(JSON.parse(JSON.stringify(file))), file);
        const changed = { ...g, [key === 'networkId' ? 'x' : key]: 'changed-value-\u0000' };
        if (contentHash(changed) !== contentHash(g)) {
          assert.throws(() => parseNetworkFile({ ...file, genesis: changed }), {
            code: 'NETWORK_FILE_DIGEST_MISMATCH',
          });
        }
      }),
    );
  });
});
