import * as assert from 'node:assert/strict';
import { chmod, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { loadOrCreatePeerIdentity, PeerIdentityError } from '../../src/network/peer-identity.ts';

describe('peer identity', () => {
  const dirs: string[] = [];
  after(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));
  async function tempDir(): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), 'trustmesh-identity-'));
    dirs.push(dir);
    return dir;
  }

  it('is created on first start with mode 0600 and reloaded after', async () => {
    const dataDir = join(await tempDir(), 'data');
    const first = await loadOrCreatePeerIdentity({ dataDir });
    assert.equal(first.created, true);
    assert.equal(first.privateKey.type, 'Ed25519');
    assert.equal((await stat(first.path)).mode & 0o777, 0o600);
    const second = await loadOrCreatePeerIdentity({ dataDir });
    assert.equal(second.created, false);
    assert.ok(second.peerId.equals(first.peerId));
  });

  it('tightens a key file readable by others', async () => {
    const dataDir = await tempDir();
    const { path } = await loadOrCreatePeerIdentity({ dataDir });
    await chmod(path, 0o644);
    await loadOrCreatePeerIdentity({ dataDir });
    assert.equal((await stat(path)).mode & 0o777, 0o600);
  });

  it('refuses a corrupt key file instead of silently taking a new identity', async () => {
    const dataDir = await tempDir();
    await writeFile(join(dataDir, 'peer-key'), 'garbage', { mode: 0o600 });
    await assert.rejects(
      loadOrCreatePeerIdentity({ dataDir }),
      (error: unknown) => error instanceof PeerIdentityError && error.code === 'PEER_KEY_INVALID',
    );
  });

  it('gives concurrent first starts one identity', async () => {
    const dataDir = await tempDir();
    const [a, b] = await Promise.all([loadOrCreatePeerIdentity({ dataDir }), loadOrCreatePeerIdentity({ dataDir })]);
    assert.ok(a.peerId.equals(b.peerId));
  });
});
