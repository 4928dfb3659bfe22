/**
 * Scenario files: YAML or JSON, checked against {@link SCENARIO_SCHEMA} (Ajv), then against the rules
 * a schema cannot state (roles fit the node count, the latency matrix is square, windows are ordered,
 * assertions name known metrics). Every problem is reported with its path and the rule it breaks.
 */
import { readFile } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { Ajv, type ErrorObject } from 'ajv';
import { parse as parseYaml } from 'yaml';
import { isKnownMetricPath } from '../metrics/metric-paths.ts';
import { SCENARIO_SCHEMA } from './schema.ts';

/** Node roles. Agencies hold governance keys and host their own issuers; relays only relay. */
export type NodeRole = 'agency' | 'issuer-host' | 'verifier' | 'relay';

/** Which honest nodes an action applies to (all given properties hold). */
export interface NodeSelector {
  ids?: number[];
  region?: string;
  role?: NodeRole;
  exclude?: number[];
  /** Pick this fraction of the matching nodes at random (seeded). */
  fraction?: number;
  /** Pick this many of the matching nodes at random (seeded). */
  count?: number;
}

/** Per-link network conditions. */
export interface LinkConditions {
  /** One-way delay per direction, ms. */
  latencyMs?: number;
  /** Extra uniform delay in [0, jitterMs), ms. */
  jitterMs?: number;
  /** Probability that a write is lost and retransmitted after a retransmission timeout. */
  loss?: number;
}

interface ActionBase {
  /** Seconds since t = 0. */
  at: number;
  note?: string;
}

/** Timeline actions (faults and repairs). */
export type TimelineAction =
  | (ActionBase & { action: 'partition'; groups: NodeSelector[]; until?: number })
  | (ActionBase & { action: 'heal' })
  | (ActionBase & {
      action: 'link';
      nodes?: NodeSelector;
      between?: [NodeSelector, NodeSelector];
      until?: number;
    } & LinkConditions)
  | (ActionBase & { action: 'link-reset' })
  | (ActionBase & { action: 'crash'; nodes: NodeSelector; mode?: 'abrupt' | 'graceful'; restartAfter?: number })
  | (ActionBase & { action: 'restart'; nodes: NodeSelector })
  | (ActionBase & {
      action: 'churn';
      nodes: NodeSelector;
      meanUpSeconds: number;
      meanDownSeconds: number;
      mode?: 'abrupt' | 'graceful';
      until: number;
    })
  | (ActionBase & { action: 'clock-skew'; nodes: NodeSelector; offsetMs: number })
  | (ActionBase & {
      action: 'agency-offline';
      agency: number;
      mode?: 'down' | 'silent';
      via?: NodeSelector;
      until?: number;
    })
  | (ActionBase & {
      action: 'byzantine';
      behaviour?: 'forged' | 'rollback' | 'equivocate' | 'flood';
      peers?: number;
      connect?: NodeSelector;
      ratePerSecond?: number;
      until?: number;
    })
  | (ActionBase & { action: 'join'; count?: number });

/** A topology generator. */
export type TopologySpec =
  | { kind: 'random-regular'; degree: number }
  | { kind: 'scale-free'; m: number }
  | {
      kind: 'regions';
      regions: { name: string; share: number }[];
      latencyMs: number[][];
      jitterMs?: number;
      degree?: number;
      interRegionLinks?: number;
    };

/** Node settings a scenario may change (production defaults otherwise). */
export interface NodeSettings {
  syncIntervalMs?: number;
  syncOnConnect?: boolean;
  peerKeeperIntervalMs?: number;
  peerKeeperMinConnections?: number;
  maxConnections?: number;
  maxClockSkewMs?: number;
}

/** A scenario as written (after schema validation). */
export interface ScenarioFile {
  name: string;
  description?: string;
  seed: number;
  /** Fewest seeds `simulate-all` runs for this scenario. */
  seeds?: number;
  duration: number;
  drain?: number;
  warmup?: number;
  nodes: {
    count: number;
    store?: 'memory' | 'level';
    roles?: { agency?: number; 'issuer-host'?: number; verifier?: number };
    joiners?: number;
    options?: NodeSettings;
  };
  topology: TopologySpec;
  workload: {
    issuers: number;
    credentialsPerIssuer?: number;
    revocationsPerSecond?: number;
    verificationsPerSecond?: number;
    revokedShare?: number;
    verification?: 'full' | 'status';
    preloadLists?: number;
    stopAt?: number;
  };
  timeline?: TimelineAction[];
  windows?: { name: string; from: number; to: number }[];
  assertions?: string[];
  sweep?: { path: string; values: number[] };
}

/** A scenario with every default filled in: what a run uses, and what its run directory records. */
export interface Scenario {
  name: string;
  description: string;
  seed: number;
  /** Fewest seeds `simulate-all` runs for this scenario (1 unless the file says). */
  seeds: number;
  duration: number;
  drain: number;
  warmup: number;
  nodes: {
    count: number;
    store: 'memory' | 'level';
    roles: { agency: number; 'issuer-host': number; verifier: number };
    joiners: number;
    options: NodeSettings;
  };
  topology: TopologySpec;
  workload: {
    issuers: number;
    credentialsPerIssuer: number;
    revocationsPerSecond: number;
    verificationsPerSecond: number;
    revokedShare: number;
    verification: 'full' | 'status';
    preloadLists: number;
    stopAt: number;
  };
  timeline: TimelineAction[];
  windows: { name: string; from: number; to: number }[];
  assertions: string[];
  sweep: { path: string; values: number[] } | null;
}

/** One problem found in a scenario file. */
export interface ScenarioIssue {
  /** JSON path of the offending value, e.g. `/timeline/2/groups`. */
  path: string;
  /** The rule broken (a schema keyword such as `required`, or a named semantic rule). */
  rule: string;
  message: string;
}

/** A scenario file that cannot be run; `issues` says where and why. */
export class ScenarioError extends Error {
  readonly code = 'SCENARIO_INVALID';
  readonly issues: ScenarioIssue[];
  constructor(source: string, issues: ScenarioIssue[]) {
    super(
      `${source}: invalid scenario\n${issues.map((i) => `  ${i.path || '/'}: ${i.message} [${i.rule}]`).join('\n')}`,
    );
    this.name = 'ScenarioError';
    this.issues = issues;
  }
}

// The values each discriminator accepts, read from the schema, for messages that list them.
const TAG_VALUES: Readonly<Record<string, readonly string[]>> = {
  kind: SCENARIO_SCHEMA.properties.topology.oneOf.map((o) => o.properties.kind.const),
  action: SCENARIO_SCHEMA.properties.timeline.items.oneOf.map((o) => o.properties.action.const),
};

function schemaIssue(error: ErrorObject): ScenarioIssue {
  let message = error.message ?? 'is invalid';
  if (error.keyword === 'discriminator') {
    const { tag, tagValue } = error.params as { tag: string; tagValue: unknown };
    const allowed = (TAG_VALUES[tag] ?? []).map((v) => `"${v}"`).join(', ');
    return {
      path: `${error.instancePath}/${tag}`,
      rule: 'discriminator',
      message:
        tagValue === undefined
          ? `"${tag}" is required`
          : `unknown ${tag} ${JSON.stringify(tagValue)}; expected one of ${allowed}`,
    };
  }
  if (error.keyword === 'additionalProperties') {
    message = `unknown property "${(error.params as { additionalProperty: string }).additionalProperty}"`;
  } else if (error.keyword === 'enum') {
    message = `must be one of ${(error.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')}`;
  }
  return { path: error.instancePath, rule: error.keyword, message };
}

/** Validates a parsed scenario object against the schema and the semantic rules. */
export function validateScenario(value: unknown, source = 'scenario'): ScenarioFile {
  const ajv = new Ajv({ allErrors: true, discriminator: true, strict: true, strictRequired: false });
  const validate = ajv.compile(SCENARIO_SCHEMA);
  if (!validate(value)) throw new ScenarioError(source, (validate.errors ?? []).map(schemaIssue));
  const file = value as unknown as ScenarioFile;
  const issues = semanticIssues(file);
  if (issues.length > 0) throw new ScenarioError(source, issues);
  return file;
}

function semanticIssues(file: ScenarioFile): ScenarioIssue[] {
  const issues: ScenarioIssue[] = [];
  const n = file.nodes.count;
  const roles = file.nodes.roles ?? {};
  const assigned = (roles.agency ?? 1) + (roles['issuer-host'] ?? 0) + (roles.verifier ?? 0);
  const joiners = file.nodes.joiners ?? 0;
  if (assigned + joiners > n) {
    issues.push({
      path: '/nodes/roles',
      rule: 'roles-fit',
      message: `roles (${assigned}) and joiners (${joiners}) need more than the ${n} nodes`,
    });
  }
  if (file.topology.kind === 'random-regular' && file.topology.degree >= n - joiners) {
    issues.push({ path: '/topology/degree', rule: 'degree-below-n', message: `degree must be below the node count` });
  }
  if (file.topology.kind === 'scale-free' && file.topology.m >= n - joiners) {
    issues.push({ path: '/topology/m', rule: 'm-below-n', message: `m must be below the node count` });
  }
  if (file.topology.kind === 'regions') {
    const r = file.topology.regions.length;
    const square = file.topology.latencyMs.length === r && file.topology.latencyMs.every((row) => row.length === r);
    if (!square) {
      issues.push({
        path: '/topology/latencyMs',
        rule: 'square-matrix',
        message: `must be a ${r}×${r} matrix (one row and column per region)`,
      });
    }
    const total = file.topology.regions.reduce((a, x) => a + x.share, 0);
    if (Math.abs(total - 1) > 0.01) {
      issues.push({ path: '/topology/regions', rule: 'shares-sum-to-1', message: `shares sum to ${total}, not 1` });
    }
  }
  const regionNames = new Set(file.topology.kind === 'regions' ? file.topology.regions.map((r) => r.name) : []);
  const duration = file.duration + (file.drain ?? 0);
  (file.timeline ?? []).forEach((event, i) => {
    if (event.at > duration) {
      issues.push({ path: `/timeline/${i}/at`, rule: 'within-run', message: `${event.at} s is after the run ends` });
    }
    if ('until' in event && event.until !== undefined && event.until < event.at) {
      issues.push({ path: `/timeline/${i}/until`, rule: 'until-after-at', message: 'must not be before "at"' });
    }
    const selectors: [string, NodeSelector | undefined][] = [];
    if ('nodes' in event) selectors.push(['nodes', event.nodes]);
    if ('via' in event) selectors.push(['via', event.via]);
    if ('connect' in event) selectors.push(['connect', event.connect]);
    if (event.action === 'partition') {
      for (const [j, g] of event.groups.entries()) selectors.push([`groups/${j}`, g]);
    }
    if (event.action === 'link' && event.between) {
      for (const [j, g] of event.between.entries()) selectors.push([`between/${j}`, g]);
    }
    for (const [where, selector] of selectors) {
      if (!selector) continue;
      if (selector.region !== undefined && !regionNames.has(selector.region)) {
        issues.push({
          path: `/timeline/${i}/${where}/region`,
          rule: 'known-region',
          message: `no region "${selector.region}" in the topology`,
        });
      }
      for (const id of [...(selector.ids ?? []), ...(selector.exclude ?? [])]) {
        if (id >= n)
          issues.push({ path: `/timeline/${i}/${where}/ids`, rule: 'node-exists', message: `no node ${id}` });
      }
    }
    if (event.action === 'link' && !event.nodes && !event.between) {
      issues.push({ path: `/timeline/${i}`, rule: 'link-target', message: 'give "nodes" or "between"' });
    }
    if (event.action === 'agency-offline' && event.agency >= (roles.agency ?? 1)) {
      issues.push({ path: `/timeline/${i}/agency`, rule: 'agency-exists', message: `no agency ${event.agency}` });
    }
    if (event.action === 'join' && joiners === 0) {
      issues.push({ path: `/timeline/${i}`, rule: 'joiners-declared', message: 'nodes.joiners is 0' });
    }
  });
  (file.windows ?? []).forEach((w, i) => {
    if (w.to <= w.from)
      issues.push({ path: `/windows/${i}/to`, rule: 'to-after-from', message: 'must be after "from"' });
  });
  const windowNames = new Set((file.windows ?? []).map((w) => w.name));
  (file.assertions ?? []).forEach((text, i) => {
    const metric = text.trim().split(/\s*(?:<=|>=|==|<|>)\s*/)[0] ?? '';
    if (!isKnownMetricPath(metric, windowNames)) {
      issues.push({ path: `/assertions/${i}`, rule: 'known-metric', message: `unknown metric "${metric}"` });
    }
  });
  return issues;
}

/** Fills in every default. */
export function resolveScenario(file: ScenarioFile): Scenario {
  const roles = file.nodes.roles ?? {};
  const duration = file.duration;
  return {
    name: file.name,
    description: file.description ?? '',
    seed: file.seed,
    seeds: file.seeds ?? 1,
    duration,
    drain: file.drain ?? 10,
    warmup: file.warmup ?? 3,
    nodes: {
      count: file.nodes.count,
      store: file.nodes.store ?? 'memory',
      roles: { agency: roles.agency ?? 1, 'issuer-host': roles['issuer-host'] ?? 0, verifier: roles.verifier ?? 0 },
      joiners: file.nodes.joiners ?? 0,
      options: { ...file.nodes.options },
    },
    topology: file.topology,
    workload: {
      issuers: file.workload.issuers,
      credentialsPerIssuer: file.workload.credentialsPerIssuer ?? 100,
      revocationsPerSecond: file.workload.revocationsPerSecond ?? 0,
      verificationsPerSecond: file.workload.verificationsPerSecond ?? 0,
      revokedShare: file.workload.revokedShare ?? 0.5,
      verification: file.workload.verification ?? 'full',
      preloadLists: file.workload.preloadLists ?? 0,
      stopAt: file.workload.stopAt ?? duration,
    },
    timeline: [...(file.timeline ?? [])].sort((a, b) => a.at - b.at),
    windows: file.windows ?? [],
    assertions: file.assertions ?? [],
    sweep: file.sweep ?? null,
  };
}

/** Parses scenario text (YAML, of which JSON is a subset) and validates it. */
export function parseScenario(text: string, source = 'scenario'): Scenario {
  let value: unknown;
  try {
    value = parseYaml(text, { prettyErrors: true });
  } catch (error) {
    throw new ScenarioError(source, [{ path: '', rule: 'syntax', message: (error as Error).message }]);
  }
  return resolveScenario(validateScenario(value, source));
}

/** Reads and validates a scenario file (.yaml, .yml or .json). */
export async function loadScenario(path: string): Promise<Scenario> {
  const ext = extname(path).toLowerCase();
  if (!['.yaml', '.yml', '.json'].includes(ext)) {
    throw new ScenarioError(basename(path), [
      { path: '', rule: 'file-type', message: `expected .yaml, .yml or .json, got "${ext}"` },
    ]);
  }
  return parseScenario(await readFile(path, 'utf8'), basename(path));
}

/** A copy of `scenario` with the numeric field at dotted `path` set to `value` (sweeps). */
export function withValue(scenario: Scenario, path: string, value: number): Scenario {
  const copy = structuredClone(scenario) as unknown as Record<string, unknown>;
  const parts = path.split('.');
  let cursor: Record<string, unknown> = copy;
  for (const part of parts.slice(0, -1)) {
    const next = cursor[part];
    if (typeof next !== 'object' || next === null) throw new Error(`sweep path ${path}: no "${part}"`);
    cursor = next as Record<string, unknown>;
  }
  const last = parts.at(-1)!;
  if (typeof cursor[last] !== 'number') throw new Error(`sweep path ${path} is not a number in the scenario`);
  cursor[last] = value;
  const result = copy as unknown as Scenario;
  result.timeline.sort((a, b) => a.at - b.at);
  return result;
}
