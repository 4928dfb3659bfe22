/**
 * A trust view with CRLs (issue 14), for tests written before the CRL record kind wires
 * `TrustView.revocationSource` into the Registry: the view's own answers, plus a revocation source
 * over real CRLs (openssl-made, read by the registry's CRL reader into its compact index). A fake of
 * the interface member, not a module mock: when the Registry implements it, tests drop this wrapper.
 */
import { readFileSync } from 'node:fs';
import type { TrustView } from '../../src/verification/trust-view.ts';
import { crlRevocationSource, type HeldCrl, heldFromCrl, readCrl } from '../../src/x509/crl/index.ts';
import { parseCertificate } from '../../src/x509/path/parse-certificate.ts';
import type { RevocationSource } from '../../src/x509/types.ts';

/** A fixture file's bytes, relative to test/fixtures/x509/. */
export function x509Fixture(path: string): Uint8Array {
  return new Uint8Array(readFileSync(new URL(`../fixtures/x509/${path}`, import.meta.url)));
}

/** A revocation source holding `crl` (DER or PEM bytes) for each CA certificate (DER) given. */
export function crlSource(pairs: readonly [caCertificate: Uint8Array, crl: Uint8Array][]): RevocationSource {
  const held = new Map<string, HeldCrl>();
  for (const [ca, crl] of pairs) {
    const parsed = parseCertificate(ca);
    if (!parsed.ok) throw new Error(parsed.message);
    const der = crl[0] === 0x2d ? pemToDer(Buffer.from(crl).toString('latin1')) : crl;
    held.set(parsed.cert.spkiSha256, heldFromCrl(readCrl(der)));
  }
  return crlRevocationSource((spki) => held.get(spki) ?? null);
}

function pemToDer(pem: string): Uint8Array {
  const body = pem.replace(/-----(BEGIN|END) X509 CRL-----/g, '').replace(/\s+/g, '');
  return new Uint8Array(Buffer.from(body, 'base64'));
}

/** `view`, answering `revocationSource()` with `source` (every other member is the view's own). */
export function withRevocation(view: TrustView, source: RevocationSource): TrustView {
  return new Proxy(view, {
    get(target, property) {
      if (property === 'revocationSource') return () => source;
      const value = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
