/**
 * Round-trips the reference builders of test/helpers/reference-jose.ts through the reference
 * readers and verifiers, so that fixtures built with them are known to be honest.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { inflateSync } from 'node:zlib';
import { decodeProtectedHeader, importJWK, jwtVerify } from 'jose';
import {
  refIssueSdJwtVc,
  refKeyPair,
  refPresentWithKb,
  refReadTokenStatusList,
  refTokenStatusListJwt,
  refVerifySdJwtVc,
} from './helpers/reference-jose.ts';

const IAT = 1_760_000_000;
const NOW = IAT + 60;
const LIST_URI = 'https://status.example/lists/1';

function lstBytes(jwt: string): { lst: string; bytes: Buffer } {
  const payload = JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8'));
  const lst: string = payload.status_list.lst;
  return { lst, bytes: inflateSync(Buffer.from(lst, 'base64url')) };
}

describe('reference Token Status List JWT', () => {
  it('emits typ statuslist+jwt, the required claims, and verifies with jose', async () => {
    const key = await refKeyPair('ES256');
    const jwt = await refTokenStatusListJwt({
      privateJwk: key.privateJwk,
      kid: key.kid,
      iss: 'https://issuer.example',
      sub: LIST_URI,
      iat: IAT,
      exp: IAT + 3600,
      ttl: 300,
      bits: 1,
      statuses: [1, 0, 0, 1],
    });
    const header = decodeProtectedHeader(jwt);
    assert.equal(header.typ, 'statuslist+jwt');
    assert.equal(header.kid, key.kid);
    const { payload } = await jwtVerify(jwt, await importJWK(key.publicJwk, 'ES256'), {
      typ: 'statuslist+jwt',
      currentDate: new Date(NOW * 1000),
    });
    assert.equal(payload.sub, LIST_URI);
    assert.equal(payload.iat, IAT);
    assert.equal(payload.exp, IAT + 3600);
    assert.equal(payload.ttl, 300);
    assert.deepEqual(Object.keys(payload.status_list as object).sort(), ['bits', 'lst']);
  });

  it('encodes lst as base64url without padding over a ZLIB (RFC 1950) stream', async () => {
    const key = await refKeyPair('EdDSA');
    const jwt = await refTokenStatusListJwt({
      privateJwk: key.privateJwk,
      kid: key.kid,
      sub: LIST_URI,
      iat: IAT,
      bits: 1,
      statuses: Array.from({ length: 100 }, (_, i) => (i % 3 === 0 ? 1 : 0)),
    });
    const { lst } = lstBytes(jwt);
    assert.match(lst, /^[A-Za-z0-9_-]+$/);
    // RFC 1950 §2.2: CMF 0x78 = deflate with a 32K window; (CMF*256 + FLG) % 31 == 0.
    const raw = Buffer.from(lst, 'base64url');
    assert.equal(raw[0], 0x78);
    assert.equal(((raw[0] ?? 0) * 256 + (raw[1] ?? 0)) % 31, 0);
  });

  it('matches the draft-ietf-oauth-status-list §4.1 bit order (LSB first), 1-bit example', async () => {
    const key = await refKeyPair('ES256');
    const statuses = [1, 0, 0, 1, 1, 1, 0, 1, 1, 1, 0, 0, 0, 1, 0, 1];
    const jwt = await refTokenStatusListJwt({
      privateJwk: key.privateJwk,
      kid: key.kid,
      sub: LIST_URI,
      iat: IAT,
      bits: 1,
      statuses,
    });
    assert.deepEqual([...lstBytes(jwt).bytes], [0xb9, 0xa3]);
    for (const [i, s] of statuses.entries()) assert.equal(refReadTokenStatusList(jwt, i), s);
  });

  it('round-trips a 2-bit list, including the §4.1 2-bit example bytes', async () => {
    const key = await refKeyPair('ES256');
    const statuses = [1, 2, 0, 3, 0, 1, 0, 1, 1, 2, 3, 3];
    const jwt = await refTokenStatusListJwt({
      privateJwk: key.privateJwk,
      kid: key.kid,
      sub: LIST_URI,
      iat: IAT,
      bits: 2,
      statuses,
    });
    assert.deepEqual([...lstBytes(jwt).bytes], [0xc9, 0x44, 0xf9]);
    for (const [i, s] of statuses.entries()) assert.equal(refReadTokenStatusList(jwt, i), s);
    assert.throws(() => refReadTokenStatusList(jwt, 12), /Index out of bounds/);
  });

  it('round-trips 4-bit and 8-bit lists', async () => {
    const key = await refKeyPair('EdDSA');
    for (const [bits, statuses] of [
      [4, [0, 15, 3, 12, 1]],
      [8, [0, 255, 2, 128]],
    ] as const) {
      const jwt = await refTokenStatusListJwt({
        privateJwk: key.privateJwk,
        kid: key.kid,
        sub: LIST_URI,
        iat: IAT,
        bits,
        statuses: [...statuses],
      });
      for (const [i, s] of statuses.entries()) assert.equal(refReadTokenStatusList(jwt, i), s);
    }
  });
});

describe('reference SD-JWT VC', () => {
  async function fixture(status?: number) {
    const issuer = await refKeyPair('ES256');
    const holder = await refKeyPair('EdDSA');
    const sdjwt = await refIssueSdJwtVc({
      issuerKey: issuer,
      iss: 'https://issuer.example',
      vct: 'https://credentials.example/identity',
      iat: IAT,
      claims: { given_name: 'Aiko', family_name: 'Sato', nationalities: ['JP', 'TW'] },
      disclosureFrame: { _sd: ['given_name', 'family_name'], nationalities: { _sd: [1] } },
      holderPublicJwk: holder.publicJwk,
      status: { idx: 3, uri: LIST_URI },
    });
    const tsl = await refTokenStatusListJwt({
      privateJwk: issuer.privateJwk,
      kid: issuer.kid,
      sub: LIST_URI,
      iat: IAT,
      exp: IAT + 3600,
      bits: 2,
      statuses: [0, 0, 0, status ?? 0],
    });
    const fetched: string[] = [];
    const statusListFetcher = async (uri: string) => {
      fetched.push(uri);
      return tsl;
    };
    return { issuer, holder, sdjwt, statusListFetcher, fetched };
  }

  it('issues dc+sd-jwt by default with the holder cnf and status claim in the clear', async () => {
    const { sdjwt, holder, issuer } = await fixture();
    const jwt = sdjwt.split('~')[0] ?? '';
    assert.ok(sdjwt.endsWith('~'));
    const header = decodeProtectedHeader(jwt);
    assert.equal(header.typ, 'dc+sd-jwt');
    assert.equal(header.kid, issuer.kid);
    const payload = JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8'));
    assert.equal(payload._sd_alg, 'sha-256');
    assert.equal(payload._sd.length, 2);
    assert.deepEqual(payload.status, { status_list: { idx: 3, uri: LIST_URI } });
    assert.equal(payload.cnf.jwk.x, holder.publicJwk.x);
    assert.equal(payload.cnf.jwk.d, undefined);
    assert.equal(payload.given_name, undefined);
  });

  it('issues the legacy vc+sd-jwt typ when asked', async () => {
    const issuer = await refKeyPair('EdDSA');
    const sdjwt = await refIssueSdJwtVc({
      issuerKey: issuer,
      iss: 'https://issuer.example',
      vct: 'urn:example:vct',
      claims: { a: 1 },
      disclosureFrame: { _sd: ['a'] },
      typ: 'vc+sd-jwt',
    });
    assert.equal(decodeProtectedHeader(sdjwt.split('~')[0] ?? '').typ, 'vc+sd-jwt');
    const result = await refVerifySdJwtVc(sdjwt, { issuerPublicJwk: issuer.publicJwk });
    assert.equal(result.payload.a, 1);
  });

  it('verifies a KB presentation, checking the status list through the fetcher', async () => {
    const { sdjwt, holder, issuer, statusListFetcher, fetched } = await fixture(0);
    const presented = await refPresentWithKb(sdjwt, {
      holderKey: holder,
      nonce: 'n-123',
      aud: 'https://verifier.example',
      iat: NOW,
      presentationFrame: { given_name: true },
    });
    const kbJwt = presented.split('~').at(-1) ?? '';
    assert.equal(decodeProtectedHeader(kbJwt).typ, 'kb+jwt');
    const result = await refVerifySdJwtVc(presented, {
      issuerPublicJwk: issuer.publicJwk,
      statusListFetcher,
      kb: { nonce: 'n-123', aud: 'https://verifier.example' },
      currentDate: NOW,
    });
    assert.deepEqual(fetched, [LIST_URI]);
    assert.equal(result.payload.given_name, 'Aiko');
    assert.equal(result.payload.family_name, undefined);
    assert.equal(result.kb?.payload.nonce, 'n-123');
    assert.equal(result.kb?.header.typ, 'kb+jwt');
  });

  it('rejects the wrong nonce, the wrong aud and the wrong issuer key', async () => {
    const { sdjwt, holder, issuer, statusListFetcher } = await fixture(0);
    const presented = await refPresentWithKb(sdjwt, {
      holderKey: holder,
      nonce: 'n-123',
      aud: 'https://verifier.example',
      iat: NOW,
    });
    const base = { issuerPublicJwk: issuer.publicJwk, statusListFetcher, currentDate: NOW };
    await assert.rejects(
      refVerifySdJwtVc(presented, { ...base, kb: { nonce: 'other', aud: 'https://verifier.example' } }),
      /Invalid Nonce/,
    );
    await assert.rejects(
      refVerifySdJwtVc(presented, { ...base, kb: { nonce: 'n-123', aud: 'https://evil.example' } }),
      /aud mismatch/,
    );
    const stranger = await refKeyPair('ES256');
    await assert.rejects(
      refVerifySdJwtVc(presented, { ...base, issuerPublicJwk: stranger.publicJwk }),
      /Invalid JWT Signature/,
    );
  });

  it('rejects a KB-JWT signed by a key other than cnf', async () => {
    const { sdjwt, issuer, statusListFetcher } = await fixture(0);
    const thief = await refKeyPair('EdDSA');
    const presented = await refPresentWithKb(sdjwt, {
      holderKey: thief,
      nonce: 'n',
      aud: 'https://verifier.example',
      iat: NOW,
    });
    await assert.rejects(
      refVerifySdJwtVc(presented, {
        issuerPublicJwk: issuer.publicJwk,
        statusListFetcher,
        kb: { nonce: 'n', aud: 'https://verifier.example' },
        currentDate: NOW,
      }),
      /Invalid JWT Signature/,
    );
  });

  it('rejects a credential whose status is INVALID (0x01) or SUSPENDED (0x02)', async () => {
    for (const status of [1, 2]) {
      const { sdjwt, issuer, statusListFetcher } = await fixture(status);
      await assert.rejects(
        refVerifySdJwtVc(sdjwt, { issuerPublicJwk: issuer.publicJwk, statusListFetcher, currentDate: NOW }),
        /Status is not valid/,
      );
    }
  });

  it('fails closed when a status is referenced and no fetcher is given', async () => {
    const { sdjwt, issuer } = await fixture(0);
    await assert.rejects(
      refVerifySdJwtVc(sdjwt, { issuerPublicJwk: issuer.publicJwk, currentDate: NOW }),
      /no statusListFetcher/,
    );
  });
});
