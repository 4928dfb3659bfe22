/**
 * @trustmesh/node — a trustmesh peer: libp2p wiring, the admission layer, record gossip,
 * anti-entropy, the HTTP API and issuer mode, over the registry.
 */

export {
  defaultPendingRecordsOptions,
  type PendingDropReason,
  type PendingRecord,
  PendingRecords,
  type PendingRecordsModules,
  type PendingRecordsOptions,
} from './admission/pending-records.ts';
export {
  ADMISSION_CODES,
  type AdmissionCounters,
  type AdmissionPath,
  type AdmissionSource,
  type AdmitOutcome,
  type BatchOutcome,
  defaultRecordAdmissionOptions,
  RecordAdmission,
  type RecordAdmissionModules,
  type RecordAdmissionOptions,
  type Recovery,
} from './admission/record-admission.ts';
// The HTTP API and the issuer modes on their own, for embedding a node's API over a registry
// (and for the CLI's tests against a real API).
export { createApi, createMetrics, IssuerService, TokenStatusIssuer } from './api/index.ts';
export {
  contentMessageId,
  decayFactor,
  defaultRecordGossipsubOptions,
  messageIdToHex,
  RECORD_SCORE_THRESHOLDS,
  type RecordGossipsubOptions,
  recordGossipsubInit,
  recordScoreParams,
  recordTopicScoreParams,
  SCORE_DECAY_INTERVAL_MS,
} from './gossip/gossipsub-config.ts';
export {
  defaultRecordGossipOptions,
  GOSSIP_CODES,
  type GossipAdmission,
  type GossipCounters,
  type GossipLogger,
  type PublishReport,
  RecordGossip,
  type RecordGossipModules,
  type RecordGossipOptions,
} from './gossip/record-gossip.ts';
export type { MessageListOptions } from './issuer/message-list.ts';
export {
  defaultListSourcePollerOptions,
  LIST_SOURCE_CODES,
  type ListSource,
  ListSourcePoller,
  type ListSourcePollerOptions,
  type ListSourceState,
} from './mirror/list-source-poller.ts';
export {
  KNOWN_PEERS_FILE,
  type KnownPeer,
  knownPeerAddresses,
  knownPeersPath,
  MAX_KNOWN_PEERS,
  readKnownPeers,
  snapshotKnownPeers,
  writeKnownPeers,
} from './network/known-peers.ts';
export {
  type ConnectionLimits,
  createLibp2pNode,
  defaultLibp2pNodeOptions,
  defaultListenAddresses,
  type Libp2pNodeModules,
  type Libp2pNodeOptions,
  type Libp2pTransportFactory,
  type TrustmeshLibp2p,
  type TrustmeshServices,
} from './network/libp2p.ts';
export {
  createNetworkFile,
  MAX_BOOTSTRAP_PEERS,
  MAX_NETWORK_FILE_BYTES,
  type NetworkFile,
  NetworkFileError,
  type NetworkFileErrorCode,
  parseNetworkFile,
  parseNetworkFileText,
  readNetworkFile,
} from './network/network-file.ts';
export {
  defaultPeerIdentityOptions,
  loadOrCreatePeerIdentity,
  type PeerIdentity,
  PeerIdentityError,
  type PeerIdentityErrorCode,
  type PeerIdentityOptions,
} from './network/peer-identity.ts';
export {
  defaultPeerKeeperOptions,
  PeerKeeper,
  type PeerKeeperModules,
  type PeerKeeperOptions,
} from './network/peer-keeper.ts';
export {
  dhtProtocol,
  isValidNetworkId,
  NETWORK_ID_PATTERN,
  recordsTopic,
  syncProtocol,
  TRUSTMESH_PROTOCOL_PREFIX,
} from './network/protocols.ts';
export {
  defaultTrustmeshNodeOptions,
  TrustmeshNode,
  TrustmeshNodeError,
  type TrustmeshNodeErrorCode,
  type TrustmeshNodeModules,
  type TrustmeshNodeOptions,
} from './trustmesh-node.ts';
