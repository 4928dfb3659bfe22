/**
 * Names in path validation: RFC 5280 §7.1 comparison and the name-constraint rules of §4.2.1.10 for
 * each processed form, on names built in memory.
 */
import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  AttributeTypeAndValue,
  AttributeValue,
  GeneralName,
  GeneralSubtree,
  GeneralSubtrees,
  Name,
  NameConstraints,
  RelativeDistinguishedName,
} from '@peculiar/asn1-x509';
import { CERTIFICATE_PATH_CODES as CODES } from '../../src/x509/path/codes.ts';
import {
  addNameConstraints,
  checkNameConstraints,
  formatName,
  initialNameConstraints,
  namesEqual,
} from '../../src/x509/path/names.ts';

const OID: Record<string, string> = { C: '2.5.4.6', O: '2.5.4.10', CN: '2.5.4.3', E: '1.2.840.113549.1.9.1' };

/** A Name from [type, value, string kind] triples, most significant first. */
function dn(...avas: [string, string, ('printableString' | 'utf8String' | 'ia5String')?][]): Name {
  return new Name(
    avas.map(
      ([t, v, kind]) =>
        new RelativeDistinguishedName([
          new AttributeTypeAndValue({ type: OID[t]!, value: new AttributeValue({ [kind ?? 'utf8String']: v }) }),
        ]),
    ),
  );
}

function constraints(
  permitted: Partial<GeneralName>[],
  excluded: Partial<GeneralName>[] = [],
  critical = true,
): { value: NameConstraints; critical: boolean } {
  const subtrees = (list: Partial<GeneralName>[]) =>
    list.length ? new GeneralSubtrees(list.map((g) => new GeneralSubtree({ base: new GeneralName(g) }))) : undefined;
  const value = new NameConstraints({});
  const p = subtrees(permitted);
  const e = subtrees(excluded);
  if (p) value.permittedSubtrees = p;
  if (e) value.excludedSubtrees = e;
  return { value, critical };
}

function check(nc: ReturnType<typeof constraints>[], subject: Name, san?: Partial<GeneralName>[]): string | null {
  const state = initialNameConstraints();
  for (const c of nc) assert.equal(addNameConstraints(state, c), null);
  return (
    checkNameConstraints(state, { subject, ...(san ? { subjectAltName: san.map((g) => new GeneralName(g)) } : {}) })
      ?.code ?? null
  );
}

const EMPTY = new Name([]);

describe('RFC 5280 §7.1 name comparison', () => {
  it('case, surrounding and repeated spaces, and PrintableString vs UTF8String do not matter', () => {
    assert.ok(
      namesEqual(dn(['C', 'JP', 'printableString'], ['O', 'JPKI  Example']), dn(['C', 'jp'], ['O', ' jpki example '])),
    );
    assert.ok(!namesEqual(dn(['C', 'JP'], ['O', 'A']), dn(['C', 'JP'], ['O', 'B'])));
    assert.ok(!namesEqual(dn(['C', 'JP']), dn(['C', 'JP'], ['O', 'A'])));
    assert.ok(!namesEqual(dn(['O', 'A'], ['C', 'JP']), dn(['C', 'JP'], ['O', 'A'])));
  });

  it('RFC 4514 strings, most specific first, with escapes', () => {
    assert.equal(formatName(dn(['C', 'JP'], ['O', 'A, B'], ['CN', 'x'])), 'CN=x,O=A\\, B,C=JP');
  });
});

describe('name constraints (§4.2.1.10, §6.1.3 (b)(c))', () => {
  it('dNSName: the name and its subdomains; a leading dot admits subdomains only', () => {
    const nc = [constraints([{ dNSName: 'example.jp' }])];
    assert.equal(check(nc, EMPTY, [{ dNSName: 'example.jp' }, { dNSName: 'a.b.EXAMPLE.jp' }]), null);
    assert.equal(check(nc, EMPTY, [{ dNSName: 'badexample.jp' }]), CODES.NAME_NOT_PERMITTED);
    assert.equal(
      check([constraints([{ dNSName: '.example.jp' }])], EMPTY, [{ dNSName: 'example.jp' }]),
      CODES.NAME_NOT_PERMITTED,
    );
    assert.equal(
      check([constraints([], [{ dNSName: 'bad.example.jp' }])], EMPTY, [{ dNSName: 'x.bad.example.jp' }]),
      CODES.NAME_EXCLUDED,
    );
  });

  it('rfc822Name: a mailbox, a host, or subdomains; emailAddress in the subject when there is no subjectAltName', () => {
    assert.equal(check([constraints([{ rfc822Name: 'example.jp' }])], EMPTY, [{ rfc822Name: 'a@EXAMPLE.jp' }]), null);
    assert.equal(
      check([constraints([{ rfc822Name: 'example.jp' }])], EMPTY, [{ rfc822Name: 'a@x.example.jp' }]),
      CODES.NAME_NOT_PERMITTED,
    );
    assert.equal(
      check([constraints([{ rfc822Name: '.example.jp' }])], EMPTY, [{ rfc822Name: 'a@x.example.jp' }]),
      null,
    );
    assert.equal(
      check([constraints([{ rfc822Name: 'Ann@example.jp' }])], EMPTY, [{ rfc822Name: 'ann@example.jp' }]),
      CODES.NAME_NOT_PERMITTED,
    );
    const subject = dn(['C', 'JP'], ['E', 'mallory@evil.example', 'ia5String']);
    assert.equal(check([constraints([{ rfc822Name: 'example.jp' }])], subject), CODES.NAME_NOT_PERMITTED);
    assert.equal(check([constraints([{ rfc822Name: 'example.jp' }])], subject, []), null);
  });

  it('uniformResourceIdentifier: the host; a URI without a domain host is refused under any URI constraint', () => {
    const nc = [constraints([{ uniformResourceIdentifier: '.example.jp' }])];
    assert.equal(check(nc, EMPTY, [{ uniformResourceIdentifier: 'https://id.example.jp/x' }]), null);
    assert.equal(check(nc, EMPTY, [{ uniformResourceIdentifier: 'https://example.com/' }]), CODES.NAME_NOT_PERMITTED);
    assert.equal(check(nc, EMPTY, [{ uniformResourceIdentifier: 'https://192.0.2.1/' }]), CODES.NAME_NOT_PERMITTED);
    const ex = [constraints([], [{ uniformResourceIdentifier: 'evil.example' }])];
    assert.equal(check(ex, EMPTY, [{ uniformResourceIdentifier: 'urn:isbn:1' }]), CODES.NAME_EXCLUDED);
  });

  it('iPAddress: address and mask, per family', () => {
    const nc = [constraints([{ iPAddress: '192.0.2.0/24' }], [{ iPAddress: '192.0.2.128/25' }])];
    assert.equal(check(nc, EMPTY, [{ iPAddress: '192.0.2.7' }]), null);
    assert.equal(check(nc, EMPTY, [{ iPAddress: '192.0.2.200' }]), CODES.NAME_EXCLUDED);
    assert.equal(check(nc, EMPTY, [{ iPAddress: '198.51.100.1' }]), CODES.NAME_NOT_PERMITTED);
    // The permitted iPAddress subtrees are IPv4 only: an IPv6 address falls in none of them.
    assert.equal(check(nc, EMPTY, [{ iPAddress: '2001:db8::1' }]), CODES.NAME_NOT_PERMITTED);
    assert.equal(
      check([constraints([{ iPAddress: '2001:db8::/32' }])], EMPTY, [{ iPAddress: '2001:db9::1' }]),
      CODES.NAME_NOT_PERMITTED,
    );
  });

  it('directoryName: a prefix of the subject and of subjectAltName directoryNames', () => {
    const nc = [constraints([{ directoryName: dn(['C', 'JP'], ['O', 'Example Corp']) }])];
    assert.equal(check(nc, dn(['C', 'JP'], ['O', 'example corp'], ['CN', 'www'])), null);
    assert.equal(check(nc, dn(['C', 'JP'], ['O', 'Other'], ['CN', 'www'])), CODES.NAME_NOT_PERMITTED);
    assert.equal(check(nc, dn(['C', 'JP'])), CODES.NAME_NOT_PERMITTED);
    assert.equal(check(nc, EMPTY, [{ directoryName: dn(['C', 'US']) }]), CODES.NAME_NOT_PERMITTED);
  });

  it('constraints of successive CAs intersect; excluded ones accumulate', () => {
    const nc = [
      constraints([{ dNSName: 'example.jp' }]),
      constraints([{ dNSName: 'a.example.jp' }, { dNSName: 'example.com' }]),
    ];
    assert.equal(check(nc, EMPTY, [{ dNSName: 'x.a.example.jp' }]), null);
    assert.equal(check(nc, EMPTY, [{ dNSName: 'b.example.jp' }]), CODES.NAME_NOT_PERMITTED);
    assert.equal(check(nc, EMPTY, [{ dNSName: 'example.com' }]), CODES.NAME_NOT_PERMITTED);
  });

  it('a critical constraint on an unprocessed form → NAME_CONSTRAINT_UNSUPPORTED; non-critical is ignored', () => {
    const registered = { registeredID: '1.2.3.4' };
    assert.equal(
      addNameConstraints(initialNameConstraints(), constraints([registered]))?.code,
      CODES.NAME_CONSTRAINT_UNSUPPORTED,
    );
    assert.equal(
      addNameConstraints(initialNameConstraints(), constraints([], [registered]))?.code,
      CODES.NAME_CONSTRAINT_UNSUPPORTED,
    );
    assert.equal(
      check([constraints([registered, { dNSName: 'example.jp' }], [], false)], EMPTY, [{ dNSName: 'example.jp' }]),
      null,
    );
    const withMax = constraints([{ dNSName: 'example.jp' }]);
    withMax.value.permittedSubtrees![0]!.maximum = 3;
    assert.equal(addNameConstraints(initialNameConstraints(), withMax)?.code, CODES.NAME_CONSTRAINT_UNSUPPORTED);
  });
});
