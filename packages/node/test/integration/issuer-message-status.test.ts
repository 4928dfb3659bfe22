/**
 * The node-managed `message` list of issuer mode (Bitstring Status List §2.1 statusSize,
 * statusMessage, statusReference; §2.2 the `message` purpose; issue 12 item 9), for eddsa-rdfc-2022
 * and ecdsa-rdfc-2019: an issuer configured with a 2-bit message list gives each credential a
 * `message` entry beside its revocation entry, sets its value through POST /credentials/status, and
 * another node answers each value's message. Values go both ways, a value outside the list is
 * refused with the field named, the journal keeps the value across a restart onto an older store,
 * and the credential's revocation entry works as before.
 */
import * as assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  createSampleNetwork,
  EXAMPLES_CONTEXT_V1_URL,
  type KeyPair,
  MemoryRecordStore,
  Registry,
  type SampleNetwork,
} from '@trustmesh/registry';
import pino from 'pino';
import { type ApiServer, createApi, createMetrics, IssuerService } from '../../src/api/index.ts';
import type { MessageListOptions } from '../../src/issuer/message-list.ts';
import { AUTH, post, SUITES, T0, TOKEN } from './vc-api-world.ts';

const MESSAGES = [
  { status: '0x0', message: 'valid' },
  { status: '0x1', message: 'under review' },
  { status: '0x2', message: 'pending renewal' },
  { status: '0x3', message: 'closed' },
];
const REFERENCE = 'https://issuer.example/status-codes';
const MESSAGE_LIST: MessageListOptions = { statusSize: 2, messages: MESSAGES, statusReference: REFERENCE };

const logger = pino({ level: 'silent' });

async function openRegistry(net: SampleNetwork, clock: { now: number }, records: object[]): Promise<Registry> {
  const registry = await Registry.open(
    { networkId: net.networkId, genesisDigest: net.genesisDigest },
    { store: new MemoryRecordStore(), now: () => clock.now },
  );
  for (const record of records) assert.equal((await registry.submit(record)).status, 'accept');
  return registry;
}

function nodeInfo(net: SampleNetwork, peerId: string) {
  return { peerId, networkId: net.networkId, peers: () => [], syncState: () => ({ rounds: 0 }) };
}

/** An issuing node with a message list, which can be restarted onto another store, and a verifying node. */
class World {
  net!: SampleNetwork;
  readonly clock = { now: T0 + 60_000 };
  issuerKey!: KeyPair;
  dataDir!: string;
  issuing!: { registry: Registry; api: ApiServer; issuer: IssuerService };
  verifying!: { registry: Registry; api: ApiServer };
  /** Every record the issuer published, in order. */
  readonly published: object[] = [];

  static async create(party: 'jpHealthInsurer' | 'twHealthInsurer', base: string): Promise<World> {
    const world = new World();
    world.net = await createSampleNetwork({ now: new Date(T0) });
    world.issuerKey = world.net.keys[party];
    world.dataDir = await mkdtemp(join(tmpdir(), 'trustmesh-message-list-'));
    const verifyingRegistry = await openRegistry(world.net, world.clock, world.net.records);
    world.verifying = {
      registry: verifyingRegistry,
      api: await createApi(
        { writeToken: TOKEN, publicBaseUrl: 'https://verifier.example', port: 0 },
        {
          registry: verifyingRegistry,
          publish: (record) => verifyingRegistry.submit(record),
          node: nodeInfo(world.net, '12D3KooWVerifying'),
          metrics: createMetrics({ processMetrics: false }),
          now: () => world.clock.now,
          logger,
        },
      ),
    };
    await world.startIssuer(base, await openRegistry(world.net, world.clock, world.net.records));
    return world;
  }

  /** (Re)starts the issuing node on `registry`, with the same data directory (its journal). */
  async startIssuer(base: string, registry: Registry): Promise<void> {
    const now = () => this.clock.now;
    // As gossip would: what the issuer publishes reaches the verifying node too.
    const publish = async (record: object) => {
      const outcome = await registry.submit(record);
      if (outcome.status === 'accept') this.published.push(record);
      await this.verifying.registry.submit(record);
      return outcome;
    };
    const issuer = await IssuerService.open(
      { publicBaseUrl: base, dataDir: this.dataDir, messageList: MESSAGE_LIST },
      { keyPair: this.issuerKey, registry, publish, now, logger },
    );
    const api = await createApi(
      { writeToken: TOKEN, publicBaseUrl: base, port: 0 },
      {
        registry,
        publish,
        node: nodeInfo(this.net, '12D3KooWIssuing'),
        issuer,
        metrics: createMetrics({ processMetrics: false }),
        now,
        logger,
      },
    );
    this.issuing = { registry, api, issuer };
  }

  async stopIssuer(): Promise<void> {
    await this.issuing.api.close();
    await this.issuing.issuer.close();
    await this.issuing.registry.close();
  }

  async close(): Promise<void> {
    await this.stopIssuer();
    await this.verifying.api.close();
    await this.verifying.registry.close();
    await rm(this.dataDir, { recursive: true, force: true });
  }
}

type Check = { check: string; outcome: string; code?: string; message: string; details?: Record<string, unknown> };

for (const { cryptosuite, party, base } of SUITES) {
  describe(`issuer mode: node-managed message list (${cryptosuite})`, () => {
    let world: World;
    const messageList = `${base}/status/messages`;
    let vc: Record<string, unknown>;
    let credentialId: string;

    before(async () => {
      world = await World.create(party, base);
    });
    after(() => world.close());

    const setStatus = (status: string, type = 'BitstringStatusListCredential') =>
      post(world.issuing.api, '/credentials/status', { credentialId, credentialStatus: [{ type, status }] }, AUTH);
    /** The verdict of `api` (the verifying node unless named) and its status checks by purpose. */
    const verify = async (api: ApiServer = world.verifying.api) => {
      const { status, body } = await post(api, '/credentials/verify', { verifiableCredential: vc });
      const checks = (body.checkResults as Check[]).filter((c) => c.check === 'status');
      const byPurpose = (purpose: string) => {
        const check = checks.find((c) => c.details?.statusPurpose === purpose);
        assert.ok(check, `a ${purpose} status check: ${JSON.stringify(checks)}`);
        return check;
      };
      return {
        status,
        verified: body.verified as boolean,
        message: byPurpose('message'),
        revocation: byPurpose('revocation'),
      };
    };
    const messageOf = async (api?: ApiServer) => {
      const { message } = await verify(api);
      return { outcome: message.outcome, value: message.details?.value, message: message.message };
    };

    it('adds a message entry (statusSize, statusMessage, statusReference) beside the revocation entry; another node reports 0x0', async () => {
      world.clock.now += 1000;
      const issued = await post(
        world.issuing.api,
        '/credentials/issue',
        {
          credential: {
            '@context': ['https://www.w3.org/ns/credentials/v2', EXAMPLES_CONTEXT_V1_URL],
            type: ['VerifiableCredential', 'HealthInsuranceCredential'],
            credentialSubject: { id: 'did:example:holder', insuredNumber: '87654321' },
          },
        },
        AUTH,
      );
      assert.equal(issued.status, 201, JSON.stringify(issued.body));
      vc = issued.body.verifiableCredential;
      credentialId = issued.body.credentialId;
      const entries = vc.credentialStatus as Record<string, unknown>[];
      assert.deepEqual(
        entries.map((e) => e.statusPurpose),
        ['revocation', 'message'],
      );
      const entry = entries[1];
      assert.ok(entry);
      assert.equal(entry.statusListCredential, messageList);
      assert.equal(entry.statusSize, 2);
      assert.deepEqual(entry.statusMessage, MESSAGES);
      assert.equal(entry.statusReference, REFERENCE);
      // §2.2: the list carries the `message` purpose, its statusSize and its messages; the other
      // node admitted it (it holds it).
      const held = world.verifying.registry.statusList(messageList);
      assert.ok(held);
      assert.deepEqual(held.list.statusPurpose, ['message']);
      assert.equal(held.list.statusSize, 2);
      assert.deepEqual(
        held.list.statusMessage?.map(({ status, message }) => ({ status, message })),
        MESSAGES,
      );
      // 131,072 entries of 2 bits (§3.2 step 9 counts entries of the entry's width).
      assert.equal(held.list.bits.length * 8, 131_072 * 2);
      const verdict = await verify();
      assert.equal(verdict.status, 200);
      assert.equal(verdict.verified, true);
      assert.deepEqual(await messageOf(), { outcome: 'pass', value: 0, message: 'valid' });
    });

    it('sets the message value to 0x2, then back to 0x1 (reversible); another node reports each', async () => {
      for (const [status, value, message] of [
        ['0x2', 2, 'pending renewal'],
        ['0x1', 1, 'under review'],
      ] as const) {
        world.clock.now += 1000;
        const { status: code, body } = await setStatus(status);
        assert.equal(code, 200, JSON.stringify(body));
        assert.equal(body.updates.length, 1);
        assert.deepEqual(
          [body.updates[0].statusPurpose, body.updates[0].value, body.updates[0].message, body.updates[0].changed],
          ['message', value, message, true],
        );
        // A message is information, not a failure: still verified, with that value's message.
        assert.deepEqual(await messageOf(), { outcome: 'pass', value, message });
        assert.equal((await verify()).verified, true);
      }
      // The same value again publishes nothing.
      const again = await setStatus('0x1', 'BitstringStatusListEntry');
      assert.equal(again.status, 200);
      assert.equal(again.body.updates[0].changed, false);
    });

    it('refuses a value outside the list (≥ 2^statusSize, or not hexadecimal) with the field named; the value stays', async () => {
      const before = world.published.length;
      for (const status of ['0x4', '0xff', '0xzz']) {
        const { status: code, body } = await setStatus(status);
        assert.equal(code, 400, JSON.stringify(body));
        assert.deepEqual([body.code, body.field], ['STATUS_MESSAGE_VALUE_INVALID', 'credentialStatus[0].status']);
      }
      assert.equal(world.published.length, before, 'no list version was published');
      assert.deepEqual(await messageOf(), { outcome: 'pass', value: 1, message: 'under review' });
    });

    it('keeps the journaled value across a restart onto a store that lost the later versions', async () => {
      // The store comes back holding the message list's first version (0x0 everywhere), as after a
      // restored backup: the journal's 0x1 is re-published on top of it at start.
      const firstVersion = world.published.find((r) => (r as { id?: string }).id === messageList);
      assert.ok(firstVersion);
      const revocationVersions = world.published.filter((r) => (r as { id?: string }).id !== messageList);
      await world.stopIssuer();
      world.clock.now += 1000;
      const restored = await openRegistry(world.net, world.clock, [
        ...world.net.records,
        ...revocationVersions,
        firstVersion,
      ]);
      assert.equal(
        restored.statusList(messageList)?.list.bits.some((b) => b !== 0),
        false,
        'the restored list is all 0x0',
      );
      await world.startIssuer(base, restored);
      assert.deepEqual(await messageOf(world.issuing.api), { outcome: 'pass', value: 1, message: 'under review' });
      // The credential's entries survived too: it can still be moved, and the other node follows.
      world.clock.now += 1000;
      const { status, body } = await setStatus('0x3');
      assert.equal(status, 200, JSON.stringify(body));
      assert.deepEqual(await messageOf(), { outcome: 'pass', value: 3, message: 'closed' });
    });

    it('control: the revocation entry of the same credential still revokes; the message entry is still reported', async () => {
      world.clock.now += 1000;
      const revoked = await setStatus('revoked');
      assert.equal(revoked.status, 200, JSON.stringify(revoked.body));
      assert.deepEqual(
        revoked.body.updates.map((u: { statusPurpose: string }) => u.statusPurpose),
        ['revocation'],
      );
      const verdict = await verify();
      assert.equal(verdict.status, 400);
      assert.equal(verdict.verified, false);
      assert.deepEqual([verdict.revocation.outcome, verdict.revocation.code], ['fail', 'CREDENTIAL_REVOKED']);
      assert.deepEqual(await messageOf(), { outcome: 'pass', value: 3, message: 'closed' });
      // Revocation stays final whatever the message does.
      const reinstate = await setStatus('active');
      assert.deepEqual([reinstate.status, reinstate.body.code], [409, 'CREDENTIAL_REVOKED']);
    });
  });
}

describe('issuer mode: message list configuration (§2.1)', () => {
  it('a held list with other messages than the configuration takes no entries (ISSUER_MESSAGE_LIST_MISMATCH)', async () => {
    const net = await createSampleNetwork({ now: new Date(T0) });
    const clock = { now: T0 + 60_000 };
    const registry = await openRegistry(net, clock, net.records);
    const dataDir = await mkdtemp(join(tmpdir(), 'trustmesh-message-list-'));
    const open = (messageList: MessageListOptions) =>
      IssuerService.open(
        { publicBaseUrl: 'https://jp-issuer.example', dataDir, messageList },
        { keyPair: net.keys.jpHealthInsurer, registry, publish: (r) => registry.submit(r), now: () => clock.now },
      );
    const credential = (id: string) => ({
      '@context': ['https://www.w3.org/ns/credentials/v2', EXAMPLES_CONTEXT_V1_URL],
      id,
      type: ['VerifiableCredential', 'HealthInsuranceCredential'],
      credentialSubject: { id: 'did:example:holder', insuredNumber: '87654321' },
    });
    try {
      const first = await open(MESSAGE_LIST);
      assert.deepEqual(first.listProblems(), []);
      assert.equal((await first.issue(credential('urn:example:one'))).entries.length, 2);
      await first.close();
      // Same name, other text for 0x3: the held list (and the entries handed out) say otherwise.
      const renamed = MESSAGES.map((m) => (m.status === '0x3' ? { ...m, message: 'withdrawn' } : m));
      const second = await open({ statusSize: 2, messages: renamed });
      try {
        assert.deepEqual(
          second.listProblems().map((p) => p.code),
          ['ISSUER_MESSAGE_LIST_MISMATCH'],
        );
        await assert.rejects(second.issue(credential('urn:example:two')), { code: 'ISSUER_MESSAGE_LIST_MISMATCH' });
      } finally {
        await second.close();
      }
    } finally {
      await registry.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('refuses a message list whose messages do not cover every value, naming the field', async () => {
    const net = await createSampleNetwork({ now: new Date(T0) });
    const clock = { now: T0 + 60_000 };
    const registry = await openRegistry(net, clock, net.records);
    const dataDir = await mkdtemp(join(tmpdir(), 'trustmesh-message-list-'));
    try {
      const open = (messageList: MessageListOptions) =>
        IssuerService.open(
          { publicBaseUrl: 'https://jp-issuer.example', dataDir, messageList },
          { keyPair: net.keys.jpHealthInsurer, registry, publish: (r) => registry.submit(r), now: () => clock.now },
        );
      await assert.rejects(open({ statusSize: 2, messages: MESSAGES.slice(0, 3) }), {
        code: 'ISSUER_MESSAGE_LIST_INVALID',
        field: 'issuer.messageList.messages',
      });
      await assert.rejects(open({ statusSize: 2, messages: MESSAGES, statusReference: 'not a url' }), {
        code: 'ISSUER_MESSAGE_LIST_INVALID',
        field: 'issuer.messageList.statusReference',
      });
      await assert.rejects(open({ statusSize: 2, messages: MESSAGES, name: 'revocation' }), {
        code: 'ISSUER_MESSAGE_LIST_INVALID',
        field: 'issuer.messageList.name',
      });
      await assert.rejects(open({ statusSize: 9, messages: MESSAGES }), {
        code: 'ISSUER_MESSAGE_LIST_INVALID',
        field: 'issuer.messageList.statusSize',
      });
    } finally {
      await registry.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
