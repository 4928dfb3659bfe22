/**
 * Token Status Lists in CWT form (draft-ietf-oauth-status-list §5.2) for the record-kind tests: the
 * list bytes (`lst`) come from the reference library (@sd-jwt/jwt-status-list `StatusList`, the
 * same ZLIB byte array as the JWT form, §4.1), the claims and COSE_Sign1 from cbor-x and this
 * project's COSE signer (no library issues CWT status lists), and the signer is an accredited
 * issuer whose P-256 key is pinned as a JWK with its `kid` (jose's thumbprint).
 */
import * as assert from 'node:assert/strict';
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { StatusList } from '@sd-jwt/jwt-status-list';
import { Tag } from 'cbor-x';
import { COSE_ALG, signCoseSign1 } from '../../src/cose/cose-sign1.ts';
import { importPrivateJwk, issueAccreditation, proveKeyPossession } from '../../src/index.ts';
import type { World } from '../fixtures.ts';
import { T0 } from '../fixtures.ts';
import { encode } from './mdoc-fixtures.ts';
import { type RefKeyPair, refKeyPair } from './reference-jose.ts';

const YEAR = 365 * 24 * 3600 * 1000;

/** An accredited CWT list signer: its key for COSE and the `kid` its accreditation pins. */
export interface CwtSigner {
  did: string;
  kid: string;
  key: KeyObject;
  ref: RefKeyPair;
}

/** Accredits `did` as an issuer (TW, urn:eudi:pid:1) with a fresh P-256 JWK pinned under its thumbprint `kid`. */
export async function accreditCwtSigner(world: World, did: string): Promise<CwtSigner> {
  const ref = await refKeyPair('ES256');
  const pair = await importPrivateJwk(ref.privateJwk, { did, verificationMethod: `${did}#${ref.kid}` });
  const id = `urn:uuid:${crypto.randomUUID()}`;
  const possessed = await proveKeyPossession(pair, id, { jwk: { kid: ref.kid } });
  const accreditation = await issueAccreditation(
    {
      accreditor: world.net.keys.twMinistry,
      subject: did,
      role: 'issuer',
      accreditedFor: [{ types: ['urn:eudi:pid:1'], jurisdiction: 'TW' }],
      subjectKeys: [possessed],
      validFrom: new Date(T0),
      validUntil: new Date(T0 + YEAR),
      id,
    },
    world.net.documentLoader,
  );
  const outcome = await world.registry.submit(accreditation);
  assert.equal(outcome.status, 'accept', JSON.stringify(outcome));
  return { did, kid: ref.kid, key: createPrivateKey({ key: ref.privateJwk as never, format: 'jwk' }), ref };
}

/** Inputs of {@link cwtList}. */
export interface CwtListInput {
  signer: KeyObject;
  /** COSE `kid` (label 4, unprotected as ISO 18013-5 issuers put it); null for none. */
  kid: string | null;
  iss?: string;
  sub: string;
  iat: number;
  exp?: number;
  ttl?: number;
  bits?: 1 | 2 | 4 | 8;
  statuses?: number[];
  /** The compressed list as is (a bomb, a truncated stream). */
  lst?: Uint8Array;
  typ?: string;
  /** An x5chain (label 33) in the unprotected header. */
  x5chain?: Uint8Array[];
  /** Put `kid` in the protected header instead. */
  kidProtected?: boolean;
}

/** The `lst` of `statuses` at `bits`, by the reference library (ZLIB, draft §4.1). */
export function refLst(statuses: number[], bits: 1 | 2 | 4 | 8): Uint8Array {
  return new Uint8Array(Buffer.from(new StatusList([...statuses], bits).compressStatusList(), 'base64url'));
}

/** A COSE_Sign1_Tagged Status List Token (draft §5.2). */
export function cwtList(o: CwtListInput): Uint8Array {
  const bits = o.bits ?? 2;
  const header = new Map<number, unknown>([
    [1, COSE_ALG.ES256],
    [16, o.typ ?? 'application/statuslist+cwt'],
  ]);
  const unprotected = new Map<number, unknown>();
  const kid = o.kid === null ? undefined : new Uint8Array(Buffer.from(o.kid, 'utf8'));
  if (kid) (o.kidProtected ? header : unprotected).set(4, kid);
  if (o.x5chain) unprotected.set(33, o.x5chain.length === 1 ? o.x5chain[0] : o.x5chain);
  const protectedBytes = encode(header);
  const claims = new Map<number, unknown>();
  if (o.iss !== undefined) claims.set(1, o.iss);
  claims.set(2, o.sub);
  claims.set(6, o.iat);
  if (o.exp !== undefined) claims.set(4, o.exp);
  if (o.ttl !== undefined) claims.set(65534, o.ttl);
  claims.set(
    65533,
    new Map<string, unknown>([
      ['bits', bits],
      ['lst', o.lst ?? refLst(o.statuses ?? [0], bits)],
    ]),
  );
  const payload = encode(claims);
  const signature = signCoseSign1(COSE_ALG.ES256, protectedBytes, payload, o.signer);
  return encode(new Tag([protectedBytes, unprotected, payload, signature], 18));
}
