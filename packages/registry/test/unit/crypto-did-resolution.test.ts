import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createDidResolver, didWebUrl, generateKeyPair } from '../../src/crypto/index.ts';
import { ValidationError } from '../../src/errors.ts';
import { fakeFetch, PUBLIC_ADDRESS, untilAborted } from './crypto-fixtures.ts';

const DID = 'did:web:issuer.example.jp';
const OPTIONS = { allowWeb: true, webTimeoutMs: 25, maxResponseBytes: 4096 };
const DOCUMENT = { '@context': 'https://www.w3.org/ns/did/v1', id: DID, assertionMethod: [] };

function hasCode(code: string) {
  return (error: unknown) => error instanceof ValidationError && error.code === code;
}

describe('didWebUrl (did:web spec, Read)', () => {
  it('maps domains, paths and ports', () => {
    assert.equal(didWebUrl('did:web:example.com')?.href, 'https://example.com/.well-known/did.json');
    assert.equal(didWebUrl('did:web:example.com:user:alice')?.href, 'https://example.com/user/alice/did.json');
    assert.equal(didWebUrl('did:web:localhost%3A8443')?.href, 'https://localhost:8443/.well-known/did.json');
    assert.equal(didWebUrl('did:web:Example.COM')?.href, 'https://example.com/.well-known/did.json');
  });

  it('refuses DIDs that would not map to the host they name', () => {
    for (const did of [
      'did:web:example.com:..:admin',
      'did:web:example.com:a%2F..%2Fb',
      'did:web:exa%2Fmple.com',
      'did:web:user%40evil.example@example.com',
      'did:web:example.com%3A80%2Fpath',
      'did:web:example.com::x',
      'did:web:%E0%A4%A',
      'did:key:z6Mk',
    ]) {
      assert.equal(didWebUrl(did), null, did);
    }
  });
});

describe('createDidResolver', () => {
  it('resolves did:key locally without fetch', async () => {
    const keyPair = await generateKeyPair('P-256');
    const resolver = createDidResolver({ ...OPTIONS, allowWeb: false }, {});
    const document = await resolver.resolve(keyPair.did);
    assert.equal(document.id, keyPair.did);
    assert.deepEqual(document.assertionMethod, [keyPair.verificationMethod]);
    await assert.rejects(resolver.resolve(keyPair.verificationMethod), hasCode('DID_INVALID'));
    await assert.rejects(resolver.resolve('did:example:123'), hasCode('DID_METHOD_UNSUPPORTED'));
  });

  it('DID_WEB_DISABLED when did:web is not allowed, without fetching', async () => {
    const web = fakeFetch(async () => Response.json(DOCUMENT));
    const resolver = createDidResolver({ ...OPTIONS, allowWeb: false }, { fetch: web.fetch, lookup: web.lookup });
    await assert.rejects(resolver.resolve(DID), hasCode('DID_WEB_DISABLED'));
    assert.equal(web.calls.length, 0);
    // The registry does no networking: did:web on needs the node's lookup and fetch.
    assert.throws(() => createDidResolver(OPTIONS, {}), hasCode('DID_WEB_FETCH_MISSING'));
  });

  it('fetches the spec URL with a signal and no redirects, and checks the document id', async () => {
    const web = fakeFetch(async () => Response.json(DOCUMENT));
    const resolver = createDidResolver(OPTIONS, { fetch: web.fetch, lookup: web.lookup });
    assert.deepEqual(await resolver.resolve(DID), DOCUMENT);
    assert.equal(web.calls.length, 1);
    const [call] = web.calls;
    assert.equal(call?.url, 'https://issuer.example.jp/.well-known/did.json');
    assert.equal(call?.init?.redirect, 'error');
    assert.ok(call?.init?.signal instanceof AbortSignal);
    assert.deepEqual(call?.init?.address, PUBLIC_ADDRESS);

    const other = fakeFetch(async () => Response.json({ ...DOCUMENT, id: 'did:web:elsewhere.example' }));
    await assert.rejects(
      createDidResolver(OPTIONS, { fetch: other.fetch, lookup: other.lookup }).resolve(DID),
      hasCode('DID_DOCUMENT_INVALID'),
    );
    const notJson = fakeFetch(async () => new Response('<html>hello</html>'));
    await assert.rejects(
      createDidResolver(OPTIONS, { fetch: notJson.fetch, lookup: notJson.lookup }).resolve(DID),
      hasCode('DID_DOCUMENT_INVALID'),
    );
    await assert.rejects(
      createDidResolver(OPTIONS, { fetch: web.fetch, lookup: web.lookup }).resolve('did:web:example.com:..:x'),
      hasCode('DID_INVALID'),
    );
  });

  it('DID_NOT_FOUND on an HTTP error or an unreachable host', async () => {
    const missing = fakeFetch(async () => new Response('not found', { status: 404 }));
    await assert.rejects(
      createDidResolver(OPTIONS, { fetch: missing.fetch, lookup: missing.lookup }).resolve(DID),
      hasCode('DID_NOT_FOUND'),
    );
    const down = fakeFetch(async () => {
      throw new TypeError('fetch failed');
    });
    await assert.rejects(
      createDidResolver(OPTIONS, { fetch: down.fetch, lookup: down.lookup }).resolve(DID),
      hasCode('DID_NOT_FOUND'),
    );
  });

  it('DID_RESOLUTION_TIMEOUT when the server never answers (the fetch honours the abort signal)', async () => {
    const hang = fakeFetch(async (_url, init) => untilAborted(init?.signal));
    await assert.rejects(
      createDidResolver(OPTIONS, { fetch: hang.fetch, lookup: hang.lookup }).resolve(DID),
      hasCode('DID_RESOLUTION_TIMEOUT'),
    );
  });

  it('DID_RESOLUTION_TIMEOUT when the body never ends, even if the stream ignores the signal', async () => {
    const stall = fakeFetch(async () => {
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(new TextEncoder().encode('{"id":'));
          // …and nothing more, ever.
        },
      });
      return new Response(body);
    });
    await assert.rejects(
      createDidResolver(OPTIONS, { fetch: stall.fetch, lookup: stall.lookup }).resolve(DID),
      hasCode('DID_RESOLUTION_TIMEOUT'),
    );
  });

  it('DID_RESPONSE_TOO_LARGE by declared length and by bytes actually read', async () => {
    const padding = 'x'.repeat(OPTIONS.maxResponseBytes);
    const declared = fakeFetch(
      async () =>
        new Response(JSON.stringify({ ...DOCUMENT, padding }), {
          headers: { 'content-length': String(padding.length + 100) },
        }),
    );
    await assert.rejects(
      createDidResolver(OPTIONS, { fetch: declared.fetch, lookup: declared.lookup }).resolve(DID),
      hasCode('DID_RESPONSE_TOO_LARGE'),
    );

    let pulled = 0;
    const endless = fakeFetch(async () => {
      const body = new ReadableStream<Uint8Array>({
        pull(controller) {
          pulled++;
          controller.enqueue(new Uint8Array(1024).fill(0x20));
        },
      });
      return new Response(body);
    });
    await assert.rejects(
      createDidResolver(OPTIONS, { fetch: endless.fetch, lookup: endless.lookup }).resolve(DID),
      hasCode('DID_RESPONSE_TOO_LARGE'),
    );
    assert.ok(pulled <= OPTIONS.maxResponseBytes / 1024 + 2, `stopped reading early (pulled ${pulled} chunks)`);
  });
});
