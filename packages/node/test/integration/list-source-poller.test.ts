/**
 * Mirroring an issuer that runs no node (issue 13): the poller fetches an operator-configured URL
 * from a real HTTP server, submits what it serves through the registry, revalidates with the ETag,
 * and refuses what an attacker-controlled source would try: a redirect to another host, an
 * oversized body (cut off, not read whole), a record the registry rejects (counted as failures
 * until /health names the source). Every assertion reads the registry or the poller's state.
 */
import * as assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import {
  canonicalBytes,
  createCertificateAuthority,
  createSampleNetwork,
  issueAccreditation,
  issueStatusList,
  MemoryRecordStore,
  Registry,
  type SampleNetwork,
  signCrl,
  writeStatus,
} from '@trustmesh/registry';
import {
  defaultListSourcePollerOptions,
  LIST_SOURCE_CODES,
  ListSourcePoller,
} from '../../src/mirror/list-source-poller.ts';

const T0 = Date.parse('2026-06-01T00:00:00Z');

describe('list source poller', () => {
  let net: SampleNetwork;
  let registry: Registry;
  let server: Server;
  let base: string;
  let served: Uint8Array;
  let bigRequests = 0;
  let crlAccept = '';
  let caCrl: Uint8Array = new Uint8Array();
  const clock = { now: T0 + 60_000 };

  before(async () => {
    net = await createSampleNetwork({ now: new Date(T0) });
    registry = await Registry.open(
      { networkId: net.networkId, genesisDigest: net.genesisDigest },
      { store: new MemoryRecordStore(), now: () => clock.now },
    );
    for (const record of net.records) assert.equal((await registry.submit(record)).status, 'accept');
    const listId = net.lists.jpHealthInsurer;
    const bits = new Uint8Array(registry.statusList(listId)?.list.bits ?? new Uint8Array(16_384));
    writeStatus(bits, 42, 1, 1);
    const next = await issueStatusList(
      {
        issuer: net.keys.jpHealthInsurer,
        id: listId,
        statusPurpose: 'revocation',
        bits,
        validFrom: new Date(clock.now),
      },
      net.documentLoader,
    );
    served = canonicalBytes(next);
    server = createServer((request: IncomingMessage, response: ServerResponse) => {
      const etag = '"v2"';
      if (request.url === '/list') {
        if (request.headers['if-none-match'] === etag) return void response.writeHead(304).end();
        return void response
          .writeHead(200, { 'content-type': 'application/json', etag, 'cache-control': 'max-age=30' })
          .end(served);
      }
      if (request.url === '/elsewhere') {
        return void response.writeHead(302, { location: 'http://attacker.invalid/list' }).end();
      }
      if (request.url === '/same-host') return void response.writeHead(301, { location: '/list' }).end();
      if (request.url === '/big') {
        bigRequests++;
        // No content-length: the poller must stop reading at its limit.
        response.writeHead(200, { 'content-type': 'application/json' });
        response.write(Buffer.alloc(64 * 1024, 0x20));
        response.write(Buffer.alloc(64 * 1024, 0x20));
        return void response.end();
      }
      if (request.url === '/crl') {
        crlAccept = request.headers.accept ?? '';
        // A CA's CRL distribution point: larger than the record limit, with its length declared.
        const body = Buffer.alloc(128 * 1024, 0x30);
        return void response
          .writeHead(200, { 'content-type': 'application/pkix-crl', 'content-length': body.byteLength })
          .end(body);
      }
      if (request.url === '/ca.crl') {
        return void response.writeHead(200, { 'content-type': 'application/pkix-crl' }).end(caCrl);
      }
      if (request.url === '/garbage') return void response.writeHead(200).end('{"type":["VerifiableCredential"]}');
      response.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    await registry.close();
    // fetch keeps connections alive; close them, or the server waits for their idle timeout.
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const poller = (paths: string[], maxBytes = defaultListSourcePollerOptions.maxBytes) =>
    new ListSourcePoller(
      {
        ...defaultListSourcePollerOptions,
        maxBytes,
        sources: paths.map((p) => ({ url: `${base}${p}`, allowHttp: true })),
      },
      { submit: (bytes) => registry.submit(bytes), logger: { warn: () => undefined } },
    );

  it('control: fetches the list, the registry admits it; the next poll is a 304 by ETag', async () => {
    const p = poller(['/list']);
    const first = await p.poll(0);
    assert.equal(first.lastOutcome, 'accept', JSON.stringify(first));
    assert.equal(registry.statusList(net.lists.jpHealthInsurer)?.list.bits[42 >> 3] !== 0, true);
    const second = await p.poll(0);
    assert.equal(second.lastOutcome, 'not-modified');
    assert.equal(second.consecutiveFailures, 0);
  });

  it('follows a redirect on the same host, refuses one to another host', async () => {
    const p = poller(['/same-host', '/elsewhere']);
    assert.notEqual((await p.poll(0)).lastOutcome, 'fault');
    const refused = await p.poll(1);
    assert.deepEqual([refused.lastOutcome, refused.lastCode], ['fault', LIST_SOURCE_CODES.REDIRECT_REFUSED]);
  });

  it('cuts off a body beyond the limit, and names a source that keeps failing in health', async () => {
    const p = poller(['/big', '/garbage'], 64 * 1024);
    for (let i = 0; i < 3; i++) {
      const big = await p.poll(0);
      assert.deepEqual([big.lastOutcome, big.lastCode], ['fault', LIST_SOURCE_CODES.TOO_LARGE]);
      const garbage = await p.poll(1);
      assert.equal(garbage.lastOutcome, 'reject');
    }
    assert.equal(bigRequests, 3);
    const warnings = p.healthWarnings();
    assert.equal(warnings.length, 2);
    assert.match(warnings[0] ?? '', /LIST_SOURCE_FAILING: .*\/big failed 3 polls in a row \(SOURCE_TOO_LARGE\)/);
  });

  it('takes a larger body from a source given its own maxBytes (a CRL distribution point, issue 14)', async () => {
    const sources = (maxBytes?: number) =>
      new ListSourcePoller(
        {
          ...defaultListSourcePollerOptions,
          maxBytes: 64 * 1024,
          sources: [{ url: `${base}/crl`, allowHttp: true, ...(maxBytes ? { maxBytes } : {}) }],
        },
        { submit: (bytes) => registry.submit(bytes), logger: { warn: () => undefined } },
      );
    // The poller's own limit refuses it from its declared length, before reading it.
    const refused = await sources().poll(0);
    assert.deepEqual([refused.lastOutcome, refused.lastCode], ['fault', LIST_SOURCE_CODES.TOO_LARGE]);
    // With the source's limit it is read whole and reaches the registry (which judges the bytes).
    const read = await sources(256 * 1024).poll(0);
    assert.equal(read.lastOutcome, 'reject', JSON.stringify(read));
    assert.match(crlAccept, /application\/pkix-crl/);
    // Still bounded: below its size the source's own limit cuts it off.
    const cut = await sources(100 * 1024).poll(0);
    assert.deepEqual([cut.lastOutcome, cut.lastCode], ['fault', LIST_SOURCE_CODES.TOO_LARGE]);
  });

  it("mirrors an accredited CA's CRL distribution point (issue 14): the DER CRL is admitted as a record", async () => {
    const validFrom = new Date(T0);
    const validUntil = new Date(T0 + 365 * 24 * 3600 * 1000);
    const ca = await createCertificateAuthority({
      name: 'CN=Mirror Test CA, C=JP',
      notBefore: validFrom,
      notAfter: validUntil,
    });
    const accreditation = await issueAccreditation(
      {
        accreditor: net.keys.jpAgency,
        role: 'ca',
        subjectCertificate: ca.certificate,
        accreditedFor: [{ certificatePolicies: ['1.2.392.200149.8.5.1.3.10'], jurisdiction: 'JP' }],
        holdFinal: true,
        validFrom,
        validUntil,
      },
      net.documentLoader,
    );
    assert.equal((await registry.submit(accreditation)).status, 'accept');
    caCrl = await signCrl({
      issuer: ca,
      crlNumber: 1n,
      thisUpdate: new Date(clock.now - 1000),
      nextUpdate: new Date(clock.now + 3600_000),
      entries: [{ serial: '0badc0de', revokedAt: new Date(clock.now - 1000), reason: 'keyCompromise' }],
    });
    const p = new ListSourcePoller(
      {
        ...defaultListSourcePollerOptions,
        sources: [{ url: `${base}/ca.crl`, allowHttp: true, maxBytes: 1024 * 1024 }],
      },
      { submit: (bytes) => registry.submit(bytes), logger: { warn: () => undefined } },
    );
    const polled = await p.poll(0);
    assert.equal(polled.lastOutcome, 'accept', JSON.stringify(polled));
    assert.equal(registry.crls().length, 1);
  });

  it('refuses a source URL that is plain http without allowHttp, or carries credentials', () => {
    const make = (url: string) => () =>
      new ListSourcePoller(
        { ...defaultListSourcePollerOptions, sources: [{ url }] },
        { submit: (bytes) => registry.submit(bytes), logger: { warn: () => undefined } },
      );
    assert.throws(make('http://issuer.example/list'), /must be an https URL/);
    assert.throws(make('https://user:pw@issuer.example/list'), /no credentials/);
    assert.throws(
      () =>
        new ListSourcePoller(
          { ...defaultListSourcePollerOptions, sources: [{ url: 'https://ca.example/crl', maxBytes: -1 }] },
          { submit: (bytes) => registry.submit(bytes), logger: { warn: () => undefined } },
        ),
      /maxBytes must be a positive whole number/,
    );
  });
});
