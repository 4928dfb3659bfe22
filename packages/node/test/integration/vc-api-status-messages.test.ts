/**
 * Multi-bit status through VC-API (Bitstring Status List §2.1 statusSize / statusMessage, §2.2 the
 * `message` purpose; issue 12 item 9), for eddsa-rdfc-2022 and ecdsa-rdfc-2019: the issuer publishes
 * a 2-bit message list (POST /records), issues a credential carrying its own message entry (POST
 * /credentials/issue signs it as it is), and moves the entry through its states with new list
 * versions; another node answers each state's message. A malformed entry is refused at issuance.
 */
import * as assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  createStatusList,
  EXAMPLES_CONTEXT_V1_URL,
  issueStatusList,
  MIN_STATUS_LIST_ENTRIES,
  nextStatusListVersion,
} from '@trustmesh/registry';
import { AUTH, makeVcApiWorld, post, SUITES, type VcApiWorld } from './vc-api-world.ts';

const MESSAGES = [
  { status: '0x0', message: 'valid' },
  { status: '0x1', message: 'under review' },
  { status: '0x2', message: 'pending renewal' },
  { status: '0x3', message: 'closed' },
];

for (const { cryptosuite, party, base } of SUITES) {
  describe(`VC-API multi-bit message status (${cryptosuite})`, () => {
    let world: VcApiWorld;
    const list = `${base}/status/messages`;
    before(async () => {
      world = await makeVcApiWorld(party, base);
      world.clock.now += 1000;
      const record = await issueStatusList(
        {
          issuer: world.issuerKey,
          id: list,
          statusPurpose: 'message',
          bits: createStatusList(MIN_STATUS_LIST_ENTRIES, { statusSize: 2 }),
          statusSize: 2,
          statusMessage: MESSAGES,
          validFrom: new Date(world.clock.now),
        },
        world.net.documentLoader,
      );
      const published = await post(world.issuing.api, '/records', record, AUTH);
      assert.equal(published.status, 202, JSON.stringify(published.body));
    });
    after(() => world.close());

    const entry = (extra: Record<string, unknown> = {}) => ({
      id: `${list}#17`,
      type: 'BitstringStatusListEntry',
      statusPurpose: 'message',
      statusListIndex: '17',
      statusListCredential: list,
      statusSize: 2,
      statusMessage: MESSAGES,
      ...extra,
    });
    const issue = (credentialStatus: unknown) =>
      post(
        world.issuing.api,
        '/credentials/issue',
        {
          credential: {
            '@context': ['https://www.w3.org/ns/credentials/v2', EXAMPLES_CONTEXT_V1_URL],
            type: ['VerifiableCredential', 'HealthInsuranceCredential'],
            credentialSubject: { id: 'did:example:holder', insuredNumber: '87654321' },
            credentialStatus,
          },
        },
        AUTH,
      );
    const statusOf = async (vc: unknown) => {
      const { status, body } = await post(world.verifying.api, '/credentials/verify', { verifiableCredential: vc });
      const check = body.checkResults.find((c: { check: string }) => c.check === 'status');
      return { status, verified: body.verified, value: check.details.value, message: check.message };
    };

    it('issued with its own message entry; each state the issuer publishes is answered with its message', async () => {
      const issued = await issue(entry());
      assert.equal(issued.status, 201, JSON.stringify(issued.body));
      const vc = issued.body.verifiableCredential;
      assert.deepEqual(await statusOf(vc), { status: 200, verified: true, value: 0, message: 'valid' });
      for (const [value, message] of [
        [2, 'pending renewal'],
        [3, 'closed'],
      ] as const) {
        const held = world.issuing.registry.statusList(list);
        assert.ok(held);
        world.clock.now += 1000;
        const next = await nextStatusListVersion(held.list, [{ index: 17, value }], world.issuerKey, {
          now: world.clock.now,
          documentLoader: world.net.documentLoader,
        });
        assert.ok(next.changed);
        const published = await post(world.issuing.api, '/records', next.credential, AUTH);
        assert.equal(published.status, 202, JSON.stringify(published.body));
        // A message is information, not a failure: still verified, with the state's message.
        assert.deepEqual(await statusOf(vc), { status: 200, verified: true, value, message });
      }
    });

    it('refuses at issuance an entry whose statusMessage does not have 2^statusSize messages', async () => {
      const { status, body } = await issue(entry({ statusMessage: MESSAGES.slice(0, 3) }));
      assert.equal(status, 400);
      assert.deepEqual(
        [body.code, body.field],
        ['MALFORMED_VALUE_ERROR', 'credential.credentialStatus.statusMessage'],
        JSON.stringify(body),
      );
    });
  });
}
