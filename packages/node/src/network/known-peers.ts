/**
 * The persisted part of a node's peer store: the peers it knew (id and addresses), written to
 * `<dataDir>/known-peers.json` while running and at stop, read at start. A restarted node dials them
 * as well as its bootstrap list, so it rejoins the network even when every bootstrap peer is down
 * (issue 15). The file holds public information only (peer ids and listen addresses).
 */
import { mkdir, open, readFile, rename } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Libp2p } from '@libp2p/interface';
import { syncDirectory } from '@trustmesh/registry';

/** File name of the known peers inside the data directory. */
export const KNOWN_PEERS_FILE = 'known-peers.json';

/** One known peer: its id and multiaddrs (without the /p2p suffix). */
export interface KnownPeer {
  id: string;
  addrs: string[];
}

/** At most this many peers are kept: a node needs a mesh, not the whole network. */
export const MAX_KNOWN_PEERS = 64;

/** The path of the known-peers file in `dataDir`. */
export function knownPeersPath(dataDir: string): string {
  return join(dataDir, KNOWN_PEERS_FILE);
}

/**
 * Reads the known peers; a missing or unreadable file is an empty list (the node falls back to its
 * bootstrap list, it does not refuse to start over a cache).
 */
export async function readKnownPeers(dataDir: string): Promise<KnownPeer[]> {
  let text: string;
  try {
    text = await readFile(knownPeersPath(dataDir), 'utf8');
  } catch {
    return [];
  }
  try {
    const parsed: unknown = JSON.parse(text);
    if (!Array.isArray(parsed)) return [];
    return parsed
      .filter(
        (p): p is KnownPeer =>
          typeof p === 'object' &&
          p !== null &&
          typeof (p as KnownPeer).id === 'string' &&
          Array.isArray((p as KnownPeer).addrs) &&
          (p as KnownPeer).addrs.every((a) => typeof a === 'string'),
      )
      .slice(0, MAX_KNOWN_PEERS);
  } catch {
    return [];
  }
}

/** The dialable form of each known peer's addresses: `<addr>/p2p/<id>`. */
export function knownPeerAddresses(peers: readonly KnownPeer[]): string[] {
  return peers.flatMap((p) => p.addrs.map((a) => (a.includes('/p2p/') ? a : `${a}/p2p/${p.id}`)));
}

/**
 * Snapshot of the peers worth remembering: connected peers first, then others of the peer store
 * with addresses, at most {@link MAX_KNOWN_PEERS}, never this node itself.
 */
export async function snapshotKnownPeers(
  libp2p: Pick<Libp2p, 'getConnections' | 'peerStore' | 'peerId'>,
): Promise<KnownPeer[]> {
  const self = libp2p.peerId.toString();
  const connected = new Set(libp2p.getConnections().map((c) => c.remotePeer.toString()));
  const all = await libp2p.peerStore.all();
  const peers = all
    .filter((p) => p.id.toString() !== self && p.addresses.length > 0)
    .map((p) => ({
      id: p.id.toString(),
      addrs: p.addresses.map((a) => a.multiaddr.toString()).filter((a) => !a.includes('/p2p-circuit')),
    }))
    .filter((p) => p.addrs.length > 0);
  peers.sort((a, b) => Number(connected.has(b.id)) - Number(connected.has(a.id)));
  return peers.slice(0, MAX_KNOWN_PEERS);
}

/**
 * Writes the known peers atomically: a synced temporary file renamed into place, then the directory
 * synced, so a power cut leaves the old list or the new one, never an empty file.
 */
export async function writeKnownPeers(dataDir: string, peers: readonly KnownPeer[]): Promise<void> {
  const path = knownPeersPath(dataDir);
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  const handle = await open(tmp, 'w');
  try {
    await handle.writeFile(`${JSON.stringify(peers, null, 2)}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(tmp, path);
  await syncDirectory(dirname(path));
}
