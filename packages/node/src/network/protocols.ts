/**
 * Names of the gossip topic and stream protocols. Every name carries the network id, so two networks
 * sharing peers, hosts or even a libp2p connection never exchange records (DESIGN.md, Network).
 */

/** Prefix of every trustmesh topic and protocol. */
export const TRUSTMESH_PROTOCOL_PREFIX = '/trustmesh';

/**
 * Network ids become one path segment of a topic or protocol id: letters, digits, `.`, `_` and `-`,
 * 1 to 64 characters, starting with a letter or digit. Checked here so a name can never be ambiguous
 * (`a/records` vs `a` + `/records`).
 */
export const NETWORK_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** True when `networkId` may be used in topic and protocol names. */
export function isValidNetworkId(networkId: string): boolean {
  return NETWORK_ID_PATTERN.test(networkId);
}

function segment(networkId: string): string {
  if (!isValidNetworkId(networkId)) {
    throw new TypeError(`network id ${JSON.stringify(networkId)} must match ${NETWORK_ID_PATTERN}`);
  }
  return networkId;
}

/** The gossipsub topic on which records of `networkId` travel: `/trustmesh/<networkId>/records/1`. */
export function recordsTopic(networkId: string): string {
  return `${TRUSTMESH_PROTOCOL_PREFIX}/${segment(networkId)}/records/1`;
}

/** The stream protocol reserved for anti-entropy of `networkId`: `/trustmesh/<networkId>/sync/1.0.0`. */
export function syncProtocol(networkId: string): string {
  return `${TRUSTMESH_PROTOCOL_PREFIX}/${segment(networkId)}/sync/1.0.0`;
}

/** The Kademlia DHT protocol of `networkId` (peer discovery only): `/trustmesh/<networkId>/kad/1.0.0`. */
export function dhtProtocol(networkId: string): string {
  return `${TRUSTMESH_PROTOCOL_PREFIX}/${segment(networkId)}/kad/1.0.0`;
}
