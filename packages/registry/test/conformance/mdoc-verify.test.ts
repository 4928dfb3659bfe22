/**
 * mdoc reading and verification (src/mdoc/) on documents issued by @auth0/mdl (the reference
 * issuer) and by buildMdoc (cbor-x + this project's COSE signer, for what the library cannot add: a
 * status reference in the MSO). Honest documents verify; device authentication is reported as not
 * requested without a session transcript, and verified with one.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MDOC_CODES, type MdocCheck, type MdocVerification, readMdoc, verifyMdoc } from '../../src/mdoc/index.ts';
import {
  AT_MS,
  auth0DeviceResponse,
  auth0Mdoc,
  buildMdoc,
  ELEMENTS,
  MDL,
  MDL_NS,
  MYNUMBER,
  MYNUMBER_NS,
  PREVALIDATED_CHAIN,
  sessionTranscript,
} from '../helpers/mdoc-fixtures.ts';

const byName = (r: MdocVerification, name: MdocCheck['check']) => r.checks.find((c) => c.check === name);

describe('verifyMdoc — honest documents', () => {
  it('an @auth0/mdl mDL (JP) verifies; device auth is not requested, never passed', async () => {
    const mdoc = readMdoc(await auth0Mdoc());
    assert.equal(mdoc.form, 'device-response');
    const r = verifyMdoc(mdoc, { atMs: AT_MS, validateChain: PREVALIDATED_CHAIN });
    assert.equal(r.verified, true);
    assert.equal(r.docType, MDL);
    assert.equal(r.issuingCountry, 'JP');
    assert.equal(r.deviceAuth, 'not-requested');
    const device = byName(r, 'device-auth');
    assert.equal(device?.outcome, 'undetermined');
    assert.equal(device?.code, MDOC_CODES.DEVICE_AUTH_NOT_REQUESTED);
    for (const c of r.checks.filter((c) => c.check !== 'device-auth')) assert.equal(c.outcome, 'pass', c.check);
    assert.deepEqual(r.disclosed, { [MDL_NS]: Object.keys(ELEMENTS) });
    // Names only: no element value appears anywhere in the result.
    assert.ok(!JSON.stringify(r).includes('Yamada'));
  });

  it('a My Number-like docType verifies, and the chain callback is told docType × issuing_country', async () => {
    const seen: unknown[] = [];
    const mdoc = readMdoc(await auth0Mdoc(MYNUMBER, MYNUMBER_NS));
    const r = verifyMdoc(mdoc, {
      atMs: AT_MS,
      validateChain: (chain, ctx) => {
        seen.push({ n: chain.length, ...ctx });
        return PREVALIDATED_CHAIN(chain, ctx);
      },
      expectedDocType: MYNUMBER,
    });
    assert.equal(r.verified, true);
    assert.deepEqual(seen, [{ n: 1, docType: MYNUMBER, atMs: AT_MS, issuingCountry: 'JP' }]);
  });

  it('the chain verdict is reported as given (fail and undetermined are not verified)', async () => {
    const mdoc = readMdoc(await auth0Mdoc());
    const failing = verifyMdoc(mdoc, {
      atMs: AT_MS,
      validateChain: () => ({ outcome: 'fail', code: 'X509_UNTRUSTED_ROOT', message: 'no accredited IACA' }),
    });
    assert.equal(failing.verified, false);
    assert.equal(byName(failing, 'issuer-chain')?.code, 'X509_UNTRUSTED_ROOT');
    const throwing = verifyMdoc(mdoc, {
      atMs: AT_MS,
      validateChain: () => {
        throw new Error('boom');
      },
    });
    assert.equal(byName(throwing, 'issuer-chain')?.outcome, 'undetermined');
    assert.equal(byName(throwing, 'issuer-chain')?.code, MDOC_CODES.CHAIN_CALLBACK_FAILED);
  });

  it('the status reference of the MSO is returned (draft-ietf-oauth-status-list §6.3)', () => {
    const status = { idx: 4242, uri: 'https://status.example.jp/lists/1' };
    const r = verifyMdoc(readMdoc(buildMdoc({ status })), { atMs: AT_MS, validateChain: PREVALIDATED_CHAIN });
    assert.equal(r.verified, true);
    assert.deepEqual(r.status, status);
  });

  it('the IssuerSigned form (no DeviceResponse around it) verifies, docType from the MSO', () => {
    const mdoc = readMdoc(buildMdoc({ issuerSignedOnly: true, docType: MYNUMBER, namespace: MYNUMBER_NS }));
    assert.equal(mdoc.form, 'issuer-signed');
    const r = verifyMdoc(mdoc, { atMs: AT_MS, validateChain: PREVALIDATED_CHAIN });
    assert.equal(r.verified, true);
    assert.equal(r.docType, MYNUMBER);
  });

  it('SHA-384 and SHA-512 digests verify', () => {
    for (const digestAlgorithm of ['SHA-384', 'SHA-512'] as const) {
      const r = verifyMdoc(readMdoc(buildMdoc({ digestAlgorithm })), {
        atMs: AT_MS,
        validateChain: PREVALIDATED_CHAIN,
      });
      assert.equal(r.verified, true, digestAlgorithm);
    }
  });
});

describe('verifyMdoc — device authentication (ISO 18013-5 §9.1.3)', () => {
  it('an @auth0/mdl DeviceResponse verifies over its session transcript (bytes built independently)', async () => {
    const transcript = sessionTranscript('nonce-1');
    const response = await auth0DeviceResponse(await auth0Mdoc(), transcript);
    const r = verifyMdoc(readMdoc(response), {
      atMs: AT_MS,
      validateChain: PREVALIDATED_CHAIN,
      sessionTranscript: transcript,
    });
    assert.equal(r.deviceAuth, 'verified');
    assert.equal(r.verified, true);
  });

  it('SessionTranscriptBytes (tag 24 wrapped) is accepted as well as SessionTranscript', () => {
    const transcript = sessionTranscript('nonce-2');
    const mdoc = readMdoc(buildMdoc({ sessionTranscript: transcript }));
    const wrapped = new Uint8Array([0xd8, 0x18, 0x58, transcript.length, ...transcript]);
    const r = verifyMdoc(mdoc, { atMs: AT_MS, validateChain: PREVALIDATED_CHAIN, sessionTranscript: wrapped });
    assert.equal(r.deviceAuth, 'verified');
  });
});
