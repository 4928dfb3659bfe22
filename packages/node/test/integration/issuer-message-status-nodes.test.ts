/**
 * The node-managed `message` list between whole nodes (issue 12 item 9; Bitstring Status List §2.2):
 * an issuer node on LevelDB with a 2-bit message list and a verifying node, linked over the
 * in-memory transport. Each value the issuer sets through POST /credentials/status reaches the other
 * node as a new list version (gossip, anti-entropy) and is reported by its /credentials/verify with
 * its message; a restart of the issuer node keeps its credentials and values; the credential's
 * revocation entry revokes as before.
 */
import * as assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { readStatus } from '@trustmesh/registry';
import type { MessageListOptions } from '../../src/issuer/message-list.ts';
import type { TrustmeshNode } from '../../src/trustmesh-node.ts';
import { waitFor } from '../helpers.ts';
import { BASE, entry, link, post, REVOCATION, TOKEN, unsignedCredential, World } from './durability-fixtures.ts';

const MESSAGES = [
  { status: '0x0', message: 'valid' },
  { status: '0x1', message: 'under review' },
  { status: '0x2', message: 'pending renewal' },
  { status: '0x3', message: 'closed' },
];
const MESSAGE_LIST_ID = `${BASE}/status/messages`;
const ISSUER_OPTIONS = {
  startupSyncTimeoutMs: 0,
  messageList: { statusSize: 2, messages: MESSAGES } satisfies MessageListOptions,
};

/** The 2-bit value of entry `index` of the message list as `node` holds it, or null. */
function messageValue(node: TrustmeshNode, index: number): number | null {
  const held = node.registry.statusList(MESSAGE_LIST_ID);
  return held ? readStatus(held.list.bits, index, 2) : null;
}

describe('issuer mode: message list between nodes (in-memory transport, LevelDB)', () => {
  let world: World;
  let issuing: TrustmeshNode;
  let verifying: TrustmeshNode;
  let issuingDir: string;
  let vc: Record<string, unknown>;
  let credentialId: string;
  let index: number;
  let revocationIndex: number;

  before(async () => {
    world = await World.create();
    issuingDir = await world.dir();
    issuing = await world.start(issuingDir, { issuer: true, issuerOptions: ISSUER_OPTIONS });
    verifying = await world.start(await world.dir(), { api: { port: 0, writeToken: TOKEN } });
    await world.seed(issuing);
    await world.seed(verifying);
    await link(issuing, verifying);
  });
  after(() => world.close());

  const setStatus = (status: string) =>
    post(issuing, '/credentials/status', {
      credentialId,
      credentialStatus: [{ type: 'BitstringStatusListCredential', status }],
    });
  const verifiedMessage = async () => {
    const { status, body } = await post(verifying, '/credentials/verify', { verifiableCredential: vc });
    const checks = body.checkResults as {
      check: string;
      outcome: string;
      code?: string;
      message: string;
      details?: Record<string, unknown>;
    }[];
    const message = checks.find((c) => c.check === 'status' && c.details?.statusPurpose === 'message');
    const revocation = checks.find((c) => c.check === 'status' && c.details?.statusPurpose === 'revocation');
    assert.ok(message && revocation, JSON.stringify(checks));
    return { status, value: message.details?.value, message: message.message, revocation: revocation.code ?? 'pass' };
  };
  const waitForValue = (value: number, what: string) =>
    waitFor(() => messageValue(verifying, index) === value, what, { timeoutMs: 8_000 });

  it('issues with a message entry; the other node holds the list and reports 0x0', async () => {
    const issued = await post(issuing, '/credentials/issue', { credential: unsignedCredential() });
    assert.equal(issued.status, 201, JSON.stringify(issued.body));
    vc = issued.body.verifiableCredential as Record<string, unknown>;
    credentialId = issued.body.credentialId as string;
    const entries = vc.credentialStatus as { statusPurpose: string; statusListIndex: string; statusSize?: number }[];
    const message = entries.find((e) => e.statusPurpose === 'message');
    const revocation = entries.find((e) => e.statusPurpose === 'revocation');
    assert.ok(message && revocation, JSON.stringify(entries));
    assert.equal(message.statusSize, 2);
    index = Number(message.statusListIndex);
    revocationIndex = Number(revocation.statusListIndex);
    await waitForValue(0, 'the verifying node holds the message list');
    assert.deepEqual(await verifiedMessage(), { status: 200, value: 0, message: 'valid', revocation: 'pass' });
  });

  it('0x2 then 0x1 (back down): each value reaches the other node, which reports its message', async () => {
    for (const [status, value, message] of [
      ['0x2', 2, 'pending renewal'],
      ['0x1', 1, 'under review'],
    ] as const) {
      const response = await setStatus(status);
      assert.equal(response.status, 200, JSON.stringify(response.body));
      await waitForValue(value, `the verifying node holds ${status}`);
      assert.deepEqual(await verifiedMessage(), { status: 200, value, message, revocation: 'pass' });
    }
  });

  it('after a restart of the issuer node the credential and its value are kept, and it moves on to 0x3', async () => {
    await world.stop(issuing);
    issuing = await world.start(issuingDir, { issuer: true, issuerOptions: ISSUER_OPTIONS });
    await link(issuing, verifying);
    assert.equal(messageValue(issuing, index), 1);
    // The same value again: known, nothing to publish.
    const same = await setStatus('0x1');
    assert.equal(same.status, 200, JSON.stringify(same.body));
    assert.equal((same.body.updates as { changed: boolean }[])[0]?.changed, false);
    const next = await setStatus('0x3');
    assert.equal(next.status, 200, JSON.stringify(next.body));
    await waitForValue(3, 'the verifying node holds 0x3');
    assert.deepEqual(await verifiedMessage(), { status: 200, value: 3, message: 'closed', revocation: 'pass' });
  });

  it('control: the revocation entry of the same credential revokes it on the other node', async () => {
    const revoked = await setStatus('revoked');
    assert.equal(revoked.status, 200, JSON.stringify(revoked.body));
    await waitFor(() => entry(verifying, REVOCATION, revocationIndex) === 1, 'revoked on the verifying node', {
      timeoutMs: 8_000,
    });
    assert.deepEqual(await verifiedMessage(), {
      status: 400,
      value: 3,
      message: 'closed',
      revocation: 'CREDENTIAL_REVOKED',
    });
  });
});
