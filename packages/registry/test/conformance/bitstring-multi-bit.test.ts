/**
 * Bitstring Status List v1.0 (https://www.w3.org/TR/vc-bitstring-status-list/) multi-bit status:
 * `statusSize` > 1 with `statusMessage` (§2.1), the `message` purpose (§2.2: the list carries its
 * statusSize and status messages), `statusReference`, and the validate algorithm's (§3.2) reading
 * and error names — for lists and credentials signed with eddsa-rdfc-2022 and ecdsa-rdfc-2019.
 * The list's statusSize / statusMessage are signed under the bundled trustmesh status-list context
 * (contexts/index.ts), which the VCDM 2.0 context lacks for lists.
 */
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  createStatusList,
  EXAMPLES_CONTEXT_V1_URL,
  issueStatusList,
  type KeyPair,
  MIN_STATUS_LIST_ENTRIES,
  signCredential,
  writeStatus,
} from '../../src/index.ts';
import { expectOutcome, makeWorld, T0, type World } from '../fixtures.ts';
import { verify } from './helpers.ts';

type Json = Record<string, unknown>;

const MESSAGES = [
  { status: '0x0', message: 'valid' },
  { status: '0x1', message: 'under review' },
  { status: '0x2', message: 'pending renewal' },
  { status: '0x3', message: 'closed' },
];

async function messageList(world: World, issuer: KeyPair, id: string, values: Record<number, number>, size = 2) {
  const bits = createStatusList(MIN_STATUS_LIST_ENTRIES, { statusSize: size });
  for (const [index, value] of Object.entries(values)) writeStatus(bits, Number(index), size, value);
  world.clock.now += 1000;
  return issueStatusList(
    {
      issuer,
      id,
      statusPurpose: 'message',
      bits,
      statusSize: size,
      statusMessage: MESSAGES.slice(0, 2 ** size),
      validFrom: new Date(world.clock.now),
    },
    world.net.documentLoader,
  );
}

async function credentialWith(world: World, issuer: KeyPair, entry: Json): Promise<Json> {
  return signCredential(
    {
      '@context': ['https://www.w3.org/ns/credentials/v2', EXAMPLES_CONTEXT_V1_URL],
      id: `urn:uuid:${crypto.randomUUID()}`,
      type: ['VerifiableCredential', 'HealthInsuranceCredential'],
      issuer: issuer.did,
      validFrom: new Date(T0 + 1000).toISOString(),
      credentialSubject: { id: 'did:example:holder', insuredNumber: '12345678' },
      credentialStatus: entry,
    },
    issuer,
    { documentLoader: world.net.documentLoader },
  );
}

const entryAt = (list: string, index: number, extra: Json = {}): Json => ({
  id: `${list}#${index}`,
  type: 'BitstringStatusListEntry',
  statusPurpose: 'message',
  statusListIndex: String(index),
  statusListCredential: list,
  statusSize: 2,
  statusMessage: MESSAGES,
  ...extra,
});

for (const [party, suite] of [
  ['jpHealthInsurer', 'eddsa-rdfc-2022'],
  ['twHealthInsurer', 'ecdsa-rdfc-2019'],
] as const) {
  describe(`Bitstring Status List multi-bit status (${suite})`, () => {
    async function setup() {
      const world = await makeWorld();
      const issuer = world.net.keys[party];
      const list = `https://status.example/lists/${party}/messages`;
      const record = await messageList(world, issuer, list, { 7: 2, 8: 3 });
      assert.equal((record.proof as Json).cryptosuite, suite);
      await expectOutcome(world, record, 'accept');
      return { world, issuer, list };
    }

    it('§2.2 a message-purpose list with statusSize 2 and its messages is signed and admitted', async () => {
      const { world, list } = await setup();
      const held = world.registry.statusList(list);
      assert.equal(held?.list.statusSize, 2);
      assert.deepEqual(
        held?.list.statusMessage?.map((m) => m.message),
        MESSAGES.map((m) => m.message),
      );
    });

    it('§3.2 reads statusSize bits and answers the entry’s message; a message status is not a failure', async () => {
      const { world, issuer, list } = await setup();
      for (const [index, value, message] of [
        [7, 2, 'pending renewal'],
        [8, 3, 'closed'],
        [9, 0, 'valid'],
      ] as const) {
        const credential = await credentialWith(
          world,
          issuer,
          entryAt(list, index, { statusReference: 'https://status.example/help' }),
        );
        const result = await verify(world, credential);
        assert.equal(result.verified, true, JSON.stringify(result.checks));
        const status = result.checks.find((c) => c.check === 'status');
        assert.deepEqual([status?.details?.value, status?.message], [value, message]);
      }
    });

    it('§2.1 statusMessage MUST be present when statusSize > 1, with 2^statusSize messages', async () => {
      const { world, issuer, list } = await setup();
      const { statusMessage: _m, ...noMessages } = entryAt(list, 7);
      for (const entry of [noMessages, entryAt(list, 7, { statusMessage: MESSAGES.slice(0, 3) })]) {
        const result = await verify(
          world,
          { ...(await credentialWith(world, issuer, entryAt(list, 7))), credentialStatus: entry },
          ['status'],
        );
        const status = result.checks.find((c) => c.check === 'status');
        assert.equal(status?.code, 'MALFORMED_VALUE_ERROR', JSON.stringify(status));
      }
    });

    it('an entry MUST be read at the list’s width: another statusSize is STATUS_VERIFICATION_ERROR', async () => {
      const { world, issuer, list } = await setup();
      const { statusMessage: _m, statusSize: _s, ...oneBit } = entryAt(list, 7);
      const credential = await credentialWith(world, issuer, oneBit);
      const status = (await verify(world, credential)).checks.find((c) => c.check === 'status');
      assert.equal(status?.code, 'STATUS_VERIFICATION_ERROR');
    });

    it('§3.2 errors: purpose mismatch STATUS_VERIFICATION_ERROR, index past the end RANGE_ERROR, short list STATUS_LIST_LENGTH_ERROR', async () => {
      const { world, issuer, list } = await setup();
      const wrongPurpose = await credentialWith(
        world,
        issuer,
        entryAt(list, 7, { statusPurpose: 'revocation', statusSize: 2 }),
      );
      assert.equal(
        (await verify(world, wrongPurpose)).checks.find((c) => c.check === 'status')?.code,
        'STATUS_VERIFICATION_ERROR',
      );
      const past = await credentialWith(world, issuer, entryAt(list, MIN_STATUS_LIST_ENTRIES));
      assert.equal((await verify(world, past)).checks.find((c) => c.check === 'status')?.code, 'RANGE_ERROR');
      // §2.2: a message-purpose list MUST declare its statusSize (a 1-bit list omits it): refused.
      const short = `https://status.example/lists/${party}/short`;
      world.clock.now += 1000;
      await expectOutcome(
        world,
        await issueStatusList(
          {
            issuer,
            id: short,
            statusPurpose: 'message',
            bits: createStatusList(MIN_STATUS_LIST_ENTRIES),
            statusSize: 1,
            statusMessage: MESSAGES.slice(0, 2),
            validFrom: new Date(world.clock.now),
          },
          world.net.documentLoader,
        ),
        'reject',
        'MALFORMED_VALUE_ERROR',
      );
      // A 1-bit list of the minimum length read as 4-bit entries holds too few of them (§3.2 step 9).
      const wide = await credentialWith(world, issuer, {
        ...entryAt(world.net.lists[party], 7, { statusPurpose: 'revocation', statusSize: 4 }),
        statusMessage: Array.from({ length: 16 }, (_, i) => ({ status: `0x${i.toString(16)}`, message: `m${i}` })),
      });
      assert.equal(
        (await verify(world, wide)).checks.find((c) => c.check === 'status')?.code,
        'STATUS_LIST_LENGTH_ERROR',
      );
    });
  });
}
