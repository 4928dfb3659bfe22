/**
 * Which IP addresses a did:web resolution may connect to (DESIGN.md, Principle 6: fetches refuse
 * private, loopback and link-local addresses unless the operator allows them). A DID comes from a
 * credential, i.e. from anyone: without this check a credential naming `did:web:127.0.0.1%3A6379`
 * or a host resolving to 169.254.169.254 would make the node connect inside its own network (SSRF).
 *
 * Classification is ipaddr.js's (IANA special-purpose registries, RFC 6890); only public unicast
 * passes. IPv4-mapped IPv6 addresses (`::ffff:127.0.0.1`, `::ffff:7f00:1`) are judged as the IPv4
 * address they carry; other IPv6 addresses must be global unicast (2000::/3), which leaves out
 * IPv4-compatible (`::7f00:1`), NAT64, 6to4 and Teredo forms that embed an IPv4 address.
 */
import ipaddr from 'ipaddr.js';

/** Ranges an operator may open up with `allowPrivateAddresses` (an intranet did:web host). */
export const PRIVATE_ADDRESS_RANGES: ReadonlySet<string> = new Set([
  'loopback',
  'private',
  'linkLocal',
  'carrierGradeNat',
  'uniqueLocal',
]);

const GLOBAL_UNICAST_V6 = ipaddr.parseCIDR('2000::/3');

/** How an address was judged: its ipaddr.js range (`unicast`, `loopback`, `private`, …) and the verdict. */
export interface AddressVerdict {
  /** The address as judged (an IPv4-mapped IPv6 address as its IPv4 form). */
  address: string;
  /** ipaddr.js range name, `nonGlobal` for IPv6 outside 2000::/3, or `invalid` for an unparsable string. */
  range: string;
  /** Whether a did:web resolution may connect to it. */
  allowed: boolean;
}

/**
 * Judges one resolved address.
 * @param address - An IPv4 or IPv6 address as DNS lookup returns it (an IPv6 zone id is accepted).
 * @param allowPrivateAddresses - Operator opt-in: loopback, RFC 1918, link-local, CGNAT and ULA pass
 *   too. Unspecified, multicast, broadcast and reserved addresses never do.
 */
export function judgeAddress(address: string, allowPrivateAddresses: boolean): AddressVerdict {
  let parsed: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    parsed = ipaddr.parse(address);
  } catch {
    return { address, range: 'invalid', allowed: false };
  }
  if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) {
    parsed = (parsed as ipaddr.IPv6).toIPv4Address();
  }
  let range: string = parsed.range();
  if (range === 'unicast' && parsed.kind() === 'ipv6' && !(parsed as ipaddr.IPv6).match(GLOBAL_UNICAST_V6)) {
    range = 'nonGlobal';
  }
  const allowed = range === 'unicast' || (allowPrivateAddresses && PRIVATE_ADDRESS_RANGES.has(range));
  return { address: parsed.toString(), range, allowed };
}
