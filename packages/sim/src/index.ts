/**
 * @trustmesh/sim — the outage simulator: real trustmesh nodes in one process over a simulated
 * network with fault injection, driven by scenario files; metrics, plots and an HTML report.
 * Depends on @trustmesh/node and @trustmesh/registry; nothing depends on it.
 */
export { type CliModules, runSimulationCli, SCENARIOS_DIR, type SimOutput } from './cli.ts';
export { type Agent, type AgentOptions, startAgent } from './distributed/agent.ts';
export { agentDeployment, processDeployment } from './distributed/deployments.ts';
export { type EventsPage, HOST_METHODS, TOKEN_ENV } from './distributed/protocol.ts';
export { AgentError, RemoteNodeHost } from './distributed/remote-host.ts';
export {
  type ExperimentModules,
  type ExperimentOptions,
  type ExperimentResult,
  type ExperimentRun,
  REPORT_NOTES,
  runExperiment,
} from './experiment.ts';
export {
  type ConditionedTcpComponents,
  type ConditionedTcpModules,
  conditionedTcp,
} from './fabric/conditioned-tcp.ts';
export { GossipMetricsRegister, type GossipTraffic } from './fabric/gossip-metrics.ts';
export { abortableDelay, DelayQueue, type DelayQueueModules, linkDelay } from './fabric/link-delay.ts';
export { LinkModel, type LinkModelModules } from './fabric/link-model.ts';
export { type LinkState, SimNetwork, type SimNetworkModules, type WireCounters } from './fabric/sim-network.ts';
export { type Behaviour, type ByzantineCounters, type ByzantineModules, ByzantinePeer } from './harness/byzantine.ts';
export { DeliveryTracker, type TrackedUpdate } from './harness/delivery-tracker.ts';
export { EventLog, type SimEvent } from './harness/event-log.ts';
export {
  emptyTotals,
  type HostEvent,
  type HostNodeSpec,
  type HostPeer,
  type HostResources,
  type HostSetup,
  type HostStatus,
  hostClock,
  type LinkFaultSpec,
  LocalNodeHost,
  type LocalNodeHostOptions,
  type NodeHost,
  type PublishOutcome,
  type VerifyOutcome,
} from './harness/node-host.ts';
export {
  type Deployment,
  type DeployNodes,
  type FaultMarker,
  localDeployment,
  type NodeTotals,
  type ProgressSnapshot,
  type RawRun,
  type RoundRecord,
  type RunModules,
  type RunOptions,
  type VerificationOutcome,
  type VerificationRecord,
} from './harness/run-types.ts';
export { runSimulation } from './harness/simulation.ts';
export { isKnownMetricPath, METRIC_PATHS, metricAt, WINDOW_METRICS } from './metrics/metric-paths.ts';
export { type MeanCi, mean, meanCi, quantile, tQuantile95 } from './metrics/stats.ts';
export {
  type AssertionResult,
  checkAssertions,
  type RunMetrics,
  type RunSeries,
  summarize,
  type WindowMetrics,
} from './metrics/summary.ts';
export { Rng } from './random.ts';
export { formatValue, type ReportInput, type ReportRun, renderHtmlReport } from './report/html.ts';
export { type PlotRun, renderPlots, renderSvg } from './report/plots.ts';
export {
  type LinkConditions,
  loadScenario,
  type NodeRole,
  type NodeSelector,
  type NodeSettings,
  parseScenario,
  resolveScenario,
  type Scenario,
  ScenarioError,
  type ScenarioFile,
  type ScenarioIssue,
  type TimelineAction,
  type TopologySpec,
  validateScenario,
  withValue,
} from './scenario/scenario.ts';
export { SCENARIO_SCHEMA } from './scenario/schema.ts';
export { generateTopology, randomRegular, scaleFree, scenarioTopology, type Topology } from './topology.ts';
export { type Revocation, type SimIssuer, TrustWorld, type TrustWorldOptions } from './world/trust-world.ts';
