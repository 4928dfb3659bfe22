/**
 * Names in path validation: distinguished-name comparison (RFC 5280 §7.1), RFC 4514 strings for
 * messages, and name constraints (§4.2.1.10, §6.1.3 (b)(c), §6.1.4 (g)) over directoryName, dNSName,
 * rfc822Name, uniformResourceIdentifier and iPAddress.
 */
import type { AttributeValue, GeneralName, Name, NameConstraints } from '@peculiar/asn1-x509';
import ipaddr from 'ipaddr.js';
import { CERTIFICATE_PATH_CODES as CODES } from './codes.ts';

const EMAIL_ADDRESS = '1.2.840.113549.1.9.1';

/** The name forms whose constraints are processed; a critical constraint on another form fails. */
export type NameForm = 'directoryName' | 'dNSName' | 'rfc822Name' | 'uniformResourceIdentifier' | 'iPAddress';
const FORMS: readonly NameForm[] = ['directoryName', 'dNSName', 'rfc822Name', 'uniformResourceIdentifier', 'iPAddress'];

function stringOf(value: AttributeValue): string | undefined {
  return (
    value.utf8String ??
    value.printableString ??
    value.ia5String ??
    value.teletexString ??
    value.bmpString ??
    value.universalString
  );
}

// §7.1: PrintableString and UTF8String values compare by RFC 4518 (LDAP StringPrep): here NFKC,
// case folding and insignificant-space handling (trim, runs of spaces as one).
function prepared(text: string): string {
  return text.normalize('NFKC').toLowerCase().trim().replace(/\s+/g, ' ');
}

function valuesEqual(a: AttributeValue, b: AttributeValue): boolean {
  const sa = stringOf(a);
  const sb = stringOf(b);
  if (sa !== undefined && sb !== undefined) return prepared(sa) === prepared(sb);
  if (sa !== undefined || sb !== undefined || !a.anyValue || !b.anyValue) return false;
  return Buffer.from(a.anyValue).equals(Buffer.from(b.anyValue));
}

function rdnEqual(a: Name[number], b: Name[number]): boolean {
  if (a.length !== b.length) return false;
  return a.every((x) => b.some((y) => x.type === y.type && valuesEqual(x.value, y.value)));
}

/** RFC 5280 §7.1: the same RDNs in the same order, each attribute value compared as prepared strings. */
export function namesEqual(a: Name, b: Name): boolean {
  return a.length === b.length && a.every((rdn, i) => rdnEqual(rdn, b[i]!));
}

/** §4.2.1.10 directoryName: `base`'s RDNs are the first RDNs of `name`. */
function dnWithin(name: Name, base: Name): boolean {
  return base.length <= name.length && base.every((rdn, i) => rdnEqual(rdn, name[i]!));
}

const SHORT: Record<string, string> = {
  '2.5.4.3': 'CN',
  '2.5.4.6': 'C',
  '2.5.4.7': 'L',
  '2.5.4.8': 'ST',
  '2.5.4.10': 'O',
  '2.5.4.11': 'OU',
  '2.5.4.9': 'STREET',
  '2.5.4.5': 'SERIALNUMBER',
  '0.9.2342.19200300.100.1.25': 'DC',
  [EMAIL_ADDRESS]: 'E',
};

/** RFC 4514 string of a name (most specific RDN first), for messages and stamps. */
export function formatName(name: Name): string {
  return [...name]
    .reverse()
    .map((rdn) =>
      rdn
        .map((ava) => {
          const text = stringOf(ava.value);
          const value =
            text === undefined
              ? `#${Buffer.from(ava.value.anyValue ?? new ArrayBuffer(0)).toString('hex')}`
              : text
                  .replace(/([,+"\\<>;=])/g, '\\$1')
                  .replace(/^([ #])/, '\\$1')
                  .replace(/ $/, '\\ ');
          return `${SHORT[ava.type] ?? ava.type}=${value}`;
        })
        .join('+'),
    )
    .join(',');
}

function formOf(name: GeneralName): NameForm | undefined {
  for (const form of FORMS) if (name[form] !== undefined) return form;
  return undefined;
}

/** The names of one certificate that constraints apply to, by form (§6.1.3 (b)(c)). */
export interface CertificateNames {
  subject: Name;
  subjectAltName?: GeneralName[];
}

/** working permitted_subtrees / excluded_subtrees (§6.1.2 (b)(c)). */
export interface NameConstraintState {
  /**
   * One entry per constraining certificate: a name of a form must fall in one subtree of that form
   * in every entry that has that form. This is the intersection of §6.1.4 (g)(1), kept unexpanded.
   */
  permitted: Map<NameForm, GeneralName[]>[];
  /** §6.1.4 (g)(2): the union of every excluded subtree. */
  excluded: Map<NameForm, GeneralName[]>;
}

/** §6.1.2 (b)(c): permitted = the set of all names, excluded = empty. */
export function initialNameConstraints(): NameConstraintState {
  return { permitted: [], excluded: new Map() };
}

/** A failure of a name rule: its code and what it concerns. */
export interface NameFailure {
  code: string;
  message: string;
}

/** §6.1.4 (g): adds a certificate's nameConstraints; a failure when it cannot be processed. */
export function addNameConstraints(
  state: NameConstraintState,
  constraints: { value: NameConstraints; critical: boolean },
): NameFailure | null {
  const group = (subtrees: NameConstraints['permittedSubtrees']) => {
    const byForm = new Map<NameForm, GeneralName[]>();
    for (const subtree of subtrees ?? []) {
      const form = formOf(subtree.base);
      // §4.2.1.10: minimum MUST be zero and maximum absent; a form not processed here.
      if (form === undefined || (subtree.minimum ?? 0) !== 0 || subtree.maximum !== undefined) {
        if (constraints.critical) return null;
        continue;
      }
      byForm.set(form, [...(byForm.get(form) ?? []), subtree.base]);
    }
    return byForm;
  };
  const permitted = group(constraints.value.permittedSubtrees);
  const excluded = group(constraints.value.excludedSubtrees);
  if (!permitted || !excluded) {
    return {
      code: CODES.NAME_CONSTRAINT_UNSUPPORTED,
      message: 'critical nameConstraints with a name form (or minimum / maximum) not processed here',
    };
  }
  if (permitted.size > 0) state.permitted.push(permitted);
  for (const [form, list] of excluded) state.excluded.set(form, [...(state.excluded.get(form) ?? []), ...list]);
  return null;
}

/** §6.1.3 (b)(c): every name of the certificate within the permitted and outside the excluded subtrees. */
export function checkNameConstraints(state: NameConstraintState, cert: CertificateNames): NameFailure | null {
  if (state.permitted.length === 0 && state.excluded.size === 0) return null;
  const names: GeneralName[] = [];
  if (cert.subject.length > 0) names.push({ directoryName: cert.subject } as GeneralName);
  for (const name of cert.subjectAltName ?? []) names.push(name);
  // §4.2.1.10: without a subjectAltName, rfc822Name constraints apply to emailAddress in the subject.
  if (cert.subjectAltName === undefined) {
    for (const rdn of cert.subject) {
      for (const ava of rdn) {
        const email = ava.type === EMAIL_ADDRESS ? stringOf(ava.value) : undefined;
        if (email !== undefined) names.push({ rfc822Name: email } as GeneralName);
      }
    }
  }
  for (const name of names) {
    const form = formOf(name);
    if (form === undefined) continue; // no constraint of an unprocessed form is ever held (see above)
    for (const level of state.permitted) {
      const subtrees = level.get(form);
      if (subtrees && !subtrees.some((base) => within(form, name, base))) {
        return {
          code: CODES.NAME_NOT_PERMITTED,
          message: `${form} ${describe(form, name)} is outside the permitted subtrees`,
        };
      }
    }
    const excluded = state.excluded.get(form);
    if (excluded?.some((base) => within(form, name, base) || unconstrainable(form, name))) {
      return { code: CODES.NAME_EXCLUDED, message: `${form} ${describe(form, name)} is within an excluded subtree` };
    }
  }
  return null;
}

function describe(form: NameForm, name: GeneralName): string {
  return form === 'directoryName' ? `"${formatName(name.directoryName!)}"` : `"${String(name[form])}"`;
}

function within(form: NameForm, name: GeneralName, base: GeneralName): boolean {
  switch (form) {
    case 'directoryName':
      return dnWithin(name.directoryName!, base.directoryName!);
    case 'dNSName':
      return dnsWithin(name.dNSName!, base.dNSName!);
    case 'rfc822Name':
      return emailWithin(name.rfc822Name!, base.rfc822Name!);
    case 'uniformResourceIdentifier': {
      const host = uriHost(name.uniformResourceIdentifier!);
      return host !== null && hostWithin(host, base.uniformResourceIdentifier!.toLowerCase());
    }
    case 'iPAddress':
      return ipWithin(name.iPAddress!, base.iPAddress!);
  }
}

// §4.2.1.10: a URI without a host given as a fully qualified domain name MUST be rejected when URI
// constraints apply: it falls in no permitted subtree, and counts as excluded by any excluded one.
function unconstrainable(form: NameForm, name: GeneralName): boolean {
  return form === 'uniformResourceIdentifier' && uriHost(name.uniformResourceIdentifier!) === null;
}

// §4.2.1.10 dNSName: any name made by adding zero or more labels to the left of the constraint
// satisfies it; a leading "." (common practice, as in rfc822Name) admits subdomains only.
function dnsWithin(name: string, base: string): boolean {
  const n = name.toLowerCase().replace(/\.$/, '');
  const b = base.toLowerCase().replace(/\.$/, '');
  if (b === '') return true;
  if (b.startsWith('.')) return n.endsWith(b);
  return n === b || n.endsWith(`.${b}`);
}

// §4.2.1.10 rfc822Name: "user@host" is one mailbox, "host" all mailboxes on host, ".host" those on
// its subdomains. Local parts are case-sensitive, hosts are not (RFC 5280 §7.5).
function emailWithin(name: string, base: string): boolean {
  const at = name.lastIndexOf('@');
  if (at <= 0) return false;
  const host = name.slice(at + 1).toLowerCase();
  if (base.includes('@')) {
    const bat = base.lastIndexOf('@');
    return name.slice(0, at) === base.slice(0, bat) && host === base.slice(bat + 1).toLowerCase();
  }
  return hostWithin(host, base.toLowerCase());
}

function hostWithin(host: string, base: string): boolean {
  return base.startsWith('.') ? host.endsWith(base) : host === base;
}

// §4.2.1.10 uniformResourceIdentifier: constraints apply to the host part of the authority; an IP
// literal or a missing host has no fully qualified domain name.
function uriHost(uri: string): string | null {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return null;
  }
  const host = url.hostname.toLowerCase();
  if (host === '' || host.startsWith('[') || ipaddr.IPv4.isValidFourPartDecimal(host)) return null;
  return host;
}

// §4.2.1.10 iPAddress: the constraint is an address and a mask (8 octets for IPv4, 32 for IPv6);
// a name of the other family never matches it.
function ipWithin(name: string, base: string): boolean {
  try {
    const address = ipaddr.parse(name);
    const [range, bits] = ipaddr.parseCIDR(base);
    return address.kind() === range.kind() && address.match(range, bits);
  } catch {
    return false;
  }
}
