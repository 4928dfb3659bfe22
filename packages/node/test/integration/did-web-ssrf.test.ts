/**
 * Issue 9, class 8: did:web opted in must not become a way for a credential to make the node connect
 * inside its own network (SSRF), and partial options must not crash it.
 *
 * A real HTTPS server on 127.0.0.1 (certificate: test/fixtures/did-web-tls, made by openssl) plays
 * both the attacker's target (an internal service a credential points the node at) and, with the
 * operator's `allowPrivateAddresses` opt-in, an intranet did:web host that must work.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import {
  createDidResolver as createRegistryDidResolver,
  type DidResolverOptions,
  type DidWebLookup,
  defaultDidResolverOptions,
  judgeAddress,
  ValidationError,
} from '@trustmesh/registry';
import { createPinnedHttpsFetch, systemLookup } from '../../src/network/did-web-fetch.ts';

// The registry's resolver with the node's network modules, as TrustmeshNode wires it.
function createDidResolver(options: Partial<DidResolverOptions> = {}, modules: { lookup?: DidWebLookup } = {}) {
  return createRegistryDidResolver(options, {
    lookup: modules.lookup ?? systemLookup,
    fetch: createPinnedHttpsFetch({ caCertificates: options.caCertificates ?? [] }),
  });
}

const FIXTURES = new URL('../fixtures/did-web-tls/', import.meta.url);
const CERT = readFileSync(new URL('cert.pem', FIXTURES), 'utf8');
const KEY = readFileSync(new URL('key.pem', FIXTURES), 'utf8');

function hasCode(code: string) {
  return (error: unknown) => {
    assert.ok(error instanceof ValidationError, String(error));
    assert.equal(error.code, code, error.message);
    return true;
  };
}

let server: Server;
let port = 0;
let requests = 0;
let connections = 0;

before(async () => {
  server = createServer({ cert: CERT, key: KEY }, (req, res) => {
    requests++;
    const did = `did:web:127.0.0.1%3A${port}`;
    if (req.url === '/.well-known/did.json') {
      res.setHeader('content-type', 'application/did+json');
      res.end(JSON.stringify({ '@context': 'https://www.w3.org/ns/did/v1', id: did, assertionMethod: [] }));
    } else if (req.url === '/moved/did.json') {
      res.statusCode = 302;
      res.setHeader('location', 'https://169.254.169.254/latest/meta-data/');
      res.end();
    } else {
      res.statusCode = 404;
      res.end();
    }
  });
  server.on('secureConnection', () => {
    connections++;
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

after(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe('adversarial: did:web SSRF (issue 9, class 8)', () => {
  it('a credential naming a loopback did:web host makes no connection when private addresses are not allowed', async () => {
    const before = connections;
    const resolver = createDidResolver({ allowWeb: true, caCertificates: [CERT] });
    await assert.rejects(resolver.resolve(`did:web:127.0.0.1%3A${port}`), hasCode('DID_WEB_ADDRESS_REFUSED'));
    // `localhost` goes through the system resolver and is refused on its answer.
    await assert.rejects(resolver.resolve(`did:web:localhost%3A${port}`), hasCode('DID_WEB_ADDRESS_REFUSED'));
    assert.equal(connections, before, 'no TLS connection reached the internal server');
  });

  it('control: the operator’s intranet opt-in resolves the same host over real TLS', async () => {
    const resolver = createDidResolver({ allowWeb: true, allowPrivateAddresses: true, caCertificates: [CERT] });
    const document = await resolver.resolve(`did:web:127.0.0.1%3A${port}`);
    assert.equal(document.id, `did:web:127.0.0.1%3A${port}`);
  });

  it('a redirect to the cloud metadata address is not followed', async () => {
    const before = requests;
    const resolver = createDidResolver({ allowWeb: true, allowPrivateAddresses: true, caCertificates: [CERT] });
    await assert.rejects(resolver.resolve(`did:web:127.0.0.1%3A${port}:moved`), hasCode('DID_NOT_FOUND'));
    assert.equal(requests, before + 1, 'one request, the redirect itself; nothing followed');
  });

  it('a certificate the node does not trust fails the resolution (TLS is verified against the name)', async () => {
    const resolver = createDidResolver({ allowWeb: true, allowPrivateAddresses: true });
    await assert.rejects(resolver.resolve(`did:web:127.0.0.1%3A${port}`), hasCode('DID_NOT_FOUND'));
  });

  it('DNS rebinding: a host answering one public and one loopback address is refused before connecting', async () => {
    const before = connections;
    const rebinding: DidWebLookup = async () => [
      { address: '93.184.215.14', family: 4 },
      { address: '127.0.0.1', family: 4 },
    ];
    const resolver = createDidResolver({ allowWeb: true, caCertificates: [CERT] }, { lookup: rebinding });
    await assert.rejects(resolver.resolve(`did:web:rebind.example%3A${port}`), hasCode('DID_WEB_ADDRESS_REFUSED'));
    assert.equal(connections, before);
  });

  it('the connection goes to the vetted address, never to a second DNS answer', async () => {
    // The lookup vouches for 127.0.0.1 (private allowed); the name itself would resolve nowhere.
    let lookups = 0;
    const once: DidWebLookup = async () => {
      lookups++;
      return [{ address: '127.0.0.1', family: 4 }];
    };
    const resolver = createDidResolver(
      { allowWeb: true, allowPrivateAddresses: true, caCertificates: [CERT] },
      { lookup: once },
    );
    // The certificate names localhost, so TLS passes for that name at the pinned address; the
    // document's id does not match (it is served for 127.0.0.1), which proves the fetch happened.
    await assert.rejects(resolver.resolve(`did:web:localhost%3A${port}`), hasCode('DID_DOCUMENT_INVALID'));
    assert.equal(lookups, 1);
  });

  it('every special-purpose range is refused, IPv4 and IPv6 and mapped forms; public unicast passes', () => {
    const refused = [
      '127.0.0.1',
      '127.255.255.254',
      '10.0.0.1',
      '172.16.5.4',
      '192.168.1.1',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
      '224.0.0.1',
      '255.255.255.255',
      '192.0.2.1',
      '::1',
      '::',
      'fe80::1',
      'fe80::1%eth0',
      'fc00::1',
      'fd12:3456::1',
      'ff02::1',
      '::ffff:127.0.0.1',
      '::ffff:7f00:1',
      '::ffff:10.0.0.1',
      '::ffff:169.254.169.254',
      '::7f00:1',
      '64:ff9b::7f00:1',
      '2002:7f00:1::',
      '2001::1',
      'not-an-address',
    ];
    for (const address of refused) {
      assert.equal(judgeAddress(address, false).allowed, false, address);
    }
    for (const address of ['0.0.0.0', '::', '224.0.0.1', 'ff02::1', '255.255.255.255']) {
      assert.equal(judgeAddress(address, true).allowed, false, `${address} even with private allowed`);
    }
    for (const address of ['127.0.0.1', '10.0.0.1', 'fd12:3456::1', '::ffff:192.168.1.1']) {
      assert.equal(judgeAddress(address, true).allowed, true, `${address} with private allowed`);
    }
    for (const address of ['93.184.215.14', '8.8.8.8', '2606:4700:4700::1111', '::ffff:8.8.8.8']) {
      assert.equal(judgeAddress(address, false).allowed, true, address);
    }
  });

  it('partial options are merged with the defaults; options out of range are a typed error', async () => {
    const resolver = createDidResolver({ allowWeb: true, webTimeoutMs: undefined });
    await assert.rejects(resolver.resolve('did:web:10.1.2.3'), hasCode('DID_WEB_ADDRESS_REFUSED'));
    assert.equal(defaultDidResolverOptions.webTimeoutMs, 5_000);
    assert.throws(
      () => createDidResolver({ allowWeb: true, webTimeoutMs: -1 }),
      hasCode('DID_RESOLVER_OPTIONS_INVALID'),
    );
    assert.throws(
      () => createDidResolver({ allowWeb: true, maxResponseBytes: 2 ** 40 }),
      hasCode('DID_RESOLVER_OPTIONS_INVALID'),
    );
    // Off by default: no option at all resolves did:key only.
    await assert.rejects(createDidResolver().resolve(`did:web:127.0.0.1%3A${port}`), hasCode('DID_WEB_DISABLED'));
  });
});
