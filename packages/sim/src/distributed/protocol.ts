/**
 * The control protocol between a coordinator and its agents (HTTP + JSON, bearer token):
 *
 *     GET  /hello                       → { clock, pid, nodes }           (readiness, clock offset)
 *     POST /call { method, args }       → { result } | { error }          (a NodeHost method)
 *     GET  /events?after=<seq>          → { events, next, dropped }       (HostEvents since seq)
 *
 * Records cross as JSON; their canonical bytes as base64 (`bytes64`).
 */
import type { StoredRecord } from '@trustmesh/registry';
import type { HostEvent, HostSetup, NodeHost } from '../harness/node-host.ts';

/** The NodeHost methods an agent serves (everything but `label`). */
export const HOST_METHODS = [
  'addresses',
  'setup',
  'seed',
  'start',
  'stop',
  'counters',
  'link',
  'partition',
  'heal',
  'addLinkFault',
  'removeLinkFault',
  'clearLinkFaults',
  'setClockSkew',
  'publish',
  'verify',
  'syncSize',
  'status',
  'peerScores',
  'startMeasuring',
  'finishMeasuring',
  'close',
] as const satisfies readonly Exclude<keyof NodeHost, 'label'>[];

export type HostMethod = (typeof HOST_METHODS)[number];

/** Environment variable holding the shared control token. */
export const TOKEN_ENV = 'TRUSTMESH_SIM_TOKEN';

/** The line an agent prints once it listens (a coordinator that spawned it waits for it). */
export const READY_PREFIX = 'trustmesh sim agent listening on ';

/** An answer of `GET /events`. */
export interface EventsPage {
  events: HostEvent[];
  /** The sequence number to ask after next. */
  next: number;
  /** Events dropped because nobody fetched them in time (the buffer is bounded). */
  dropped: number;
}

type WireRecord = Omit<StoredRecord, 'bytes'> & { bytes64: string };
type WireSetup = Omit<HostSetup, 'baseRecords'> & { baseRecords: WireRecord[] };

/** HostSetup → JSON-safe form. */
export function encodeSetup(setup: HostSetup): WireSetup {
  return {
    ...setup,
    baseRecords: setup.baseRecords.map(({ bytes, ...rest }) => ({
      ...rest,
      bytes64: Buffer.from(bytes).toString('base64'),
    })),
  };
}

/** JSON form → HostSetup. */
export function decodeSetup(wire: WireSetup): HostSetup {
  return {
    ...wire,
    baseRecords: wire.baseRecords.map(({ bytes64, ...rest }) => ({
      ...rest,
      bytes: new Uint8Array(Buffer.from(bytes64, 'base64')),
    })),
  };
}
