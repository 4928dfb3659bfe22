/**
 * Operator-added contexts end to end (issue 9, strict contexts; docs/operators.md, Adding an
 * issuer's context): an issuer with its own vocabulary is accredited and issues; a verifier node that
 * pins the context file answers `verified: true` over real HTTP, and a node without it answers "not
 * verified" with a code naming the context. Real keys, real signatures, whole nodes.
 */
import * as assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import {
  createDocumentLoader,
  createSampleNetwork,
  generateKeyPair,
  issueAccreditation,
  issueStatusList,
  type PinnedContext,
  type SampleNetwork,
  sha256Hex,
  signCredential,
  VC_V2_CONTEXT_URL,
} from '@trustmesh/registry';
import { createNetworkFile } from '../../src/network/network-file.ts';
import { TrustmeshNode } from '../../src/trustmesh-node.ts';

const T0 = Date.parse('2026-06-01T00:00:00Z');
const YEAR = 365 * 24 * 3600 * 1000;
const CONTEXT_URL = 'https://mhlw.example.jp/ns/pharmacy/v1';
const CONTEXT_FILE = JSON.stringify({
  '@context': {
    '@version': 1.1,
    '@protected': true,
    PharmacyLicenceCredential: 'https://mhlw.example.jp/ns/pharmacy#PharmacyLicenceCredential',
    pharmacyName: 'https://mhlw.example.jp/ns/pharmacy#pharmacyName',
  },
});
const PINNED: PinnedContext = {
  url: CONTEXT_URL,
  document: new TextEncoder().encode(CONTEXT_FILE),
  sha256: sha256Hex(new TextEncoder().encode(CONTEXT_FILE)),
};

describe('operator-added contexts on a node (issue 9)', () => {
  let sample: SampleNetwork;
  let records: object[];
  let credential: object;
  const nodes: TrustmeshNode[] = [];

  before(async () => {
    sample = await createSampleNetwork({ now: new Date(T0) });
    const issuer = await generateKeyPair('P-256');
    const list = 'https://mhlw.example.jp/status/pharmacy/1';
    const accreditation = await issueAccreditation(
      {
        accreditor: sample.keys.jpAgency,
        subject: issuer.did,
        role: 'issuer',
        accreditedFor: [{ types: ['PharmacyLicenceCredential'], jurisdiction: 'JP' }],
        subjectKeys: [issuer],
        validFrom: new Date(T0),
        validUntil: new Date(T0 + YEAR),
      },
      sample.documentLoader,
    );
    const statusList = await issueStatusList(
      {
        issuer,
        id: list,
        statusPurpose: 'revocation',
        bits: new Uint8Array(131_072 / 8),
        validFrom: new Date(T0 + 1000),
      },
      sample.documentLoader,
    );
    records = [...sample.records.slice(1), accreditation, statusList];
    // The issuer signs with a loader that knows its own context.
    const issuerLoader = createDocumentLoader({ contexts: [PINNED] }, {});
    credential = await signCredential(
      {
        '@context': [VC_V2_CONTEXT_URL, CONTEXT_URL],
        id: `urn:uuid:${crypto.randomUUID()}`,
        type: ['VerifiableCredential', 'PharmacyLicenceCredential'],
        issuer: issuer.did,
        validFrom: new Date(T0 + 2000).toISOString(),
        credentialSubject: { id: 'did:example:pharmacy', pharmacyName: 'Kanda Pharmacy' },
        credentialStatus: {
          id: `${list}#3`,
          type: 'BitstringStatusListEntry',
          statusPurpose: 'revocation',
          statusListIndex: '3',
          statusListCredential: list,
        },
      },
      issuer,
      { documentLoader: issuerLoader },
    );
  });
  after(async () => {
    await Promise.allSettled(nodes.map((n) => n.stop()));
  });

  async function verifierNode(contexts: PinnedContext[]): Promise<string> {
    const network = createNetworkFile({
      networkId: sample.networkId,
      genesis: sample.genesis as unknown as Record<string, unknown>,
    });
    const node = await TrustmeshNode.create(
      {
        network,
        transport: 'memory',
        store: 'memory',
        api: { host: '127.0.0.1', port: 0 },
        registry: { contexts },
        metrics: { processMetrics: false },
      },
      { now: () => T0 + 10_000 },
    );
    nodes.push(node);
    for (const record of records) {
      const outcome = await node.registry.submit(record);
      assert.equal(outcome.status, 'accept', outcome.status === 'accept' ? '' : outcome.error.message);
    }
    const address = node.api?.app.server.address() as AddressInfo;
    return `http://127.0.0.1:${address.port}`;
  }

  async function verifyOver(base: string) {
    const response = await fetch(`${base}/credentials/verify`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ verifiableCredential: credential }),
    });
    return { status: response.status, body: (await response.json()) as { verified: boolean } };
  }

  it('a verifier node that pins the context verifies the issuer’s credential', async () => {
    const { status, body } = await verifyOver(await verifierNode([PINNED]));
    assert.equal(status, 200);
    assert.equal(body.verified, true, JSON.stringify(body));
  });

  it('a node without it answers not verified, with CONTEXT_NOT_ALLOWED naming the context', async () => {
    // (The status code of a "not verified" answer is issue 12's: VC-API conformance.)
    const { body } = await verifyOver(await verifierNode([]));
    assert.equal(body.verified, false);
    const text = JSON.stringify(body);
    assert.match(text, /CONTEXT_NOT_ALLOWED/);
    assert.ok(text.includes(CONTEXT_URL), text);
  });
});
