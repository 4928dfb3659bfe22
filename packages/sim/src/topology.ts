/**
 * Topology generators: who dials whom at start (each node's bootstrap list), and the base latency of
 * every pair of nodes. Nodes only ever learn peers from their bootstrap list (no PX, no DHT), so the
 * generated graph is the overlay the network starts with.
 */
import { Rng } from './random.ts';
import type { Scenario, TopologySpec } from './scenario/scenario.ts';

/** A generated topology over nodes 0..n-1. */
export interface Topology {
  /** Undirected links, each once, as [lower, higher]. */
  edges: [number, number][];
  /** Region name of each node ("" without regions). */
  regions: string[];
  /** Base one-way latency between two nodes, ms (0 without regions). */
  latencyMs(a: number, b: number): number;
  /** Base jitter of a link, ms. */
  jitterMs(a: number, b: number): number;
}

class EdgeSet {
  readonly edges: [number, number][] = [];
  private readonly seen = new Set<string>();
  has(a: number, b: number): boolean {
    return this.seen.has(a < b ? `${a}:${b}` : `${b}:${a}`);
  }
  add(a: number, b: number): boolean {
    if (a === b || this.has(a, b)) return false;
    this.seen.add(a < b ? `${a}:${b}` : `${b}:${a}`);
    this.edges.push(a < b ? [a, b] : [b, a]);
    return true;
  }
}

/**
 * A random d-regular graph over `nodes` (Steger–Wormald pairing: pick two free stubs uniformly among
 * the suitable ones, restart on a dead end). With n·d odd one node gets d − 1 links.
 */
export function randomRegular(nodes: readonly number[], degree: number, rng: Rng): [number, number][] {
  const d = Math.min(degree, nodes.length - 1);
  for (let attempt = 0; attempt < 50; attempt++) {
    const set = new EdgeSet();
    let stubs = nodes.flatMap((n) => Array<number>(d).fill(n));
    if (stubs.length % 2 === 1) stubs.pop();
    let stuck = false;
    while (stubs.length > 0 && !stuck) {
      stuck = true;
      for (let tries = 0; tries < 200; tries++) {
        const i = rng.int(stubs.length);
        const j = rng.int(stubs.length);
        const a = stubs[i]!;
        const b = stubs[j]!;
        if (i === j || a === b || set.has(a, b)) continue;
        set.add(a, b);
        stubs = stubs.filter((_, k) => k !== i && k !== j);
        stuck = false;
        break;
      }
    }
    if (!stuck) return set.edges;
  }
  // Dense corner cases (d close to n): fall back to a ring lattice, which is d-regular.
  const set = new EdgeSet();
  for (let i = 0; i < nodes.length; i++) {
    for (let k = 1; k <= Math.floor(d / 2); k++) set.add(nodes[i]!, nodes[(i + k) % nodes.length]!);
  }
  return set.edges;
}

/** A Barabási–Albert scale-free graph: each new node links to m existing nodes chosen ∝ degree. */
export function scaleFree(nodes: readonly number[], m: number, rng: Rng): [number, number][] {
  const set = new EdgeSet();
  const core = nodes.slice(0, m + 1);
  for (const a of core) for (const b of core) if (a < b) set.add(a, b);
  // Each node appears once per link it has: drawing uniformly from this list is drawing ∝ degree.
  const ends: number[] = set.edges.flat();
  for (const node of nodes.slice(m + 1)) {
    const targets = new Set<number>();
    while (targets.size < m) targets.add(ends[rng.int(ends.length)]!);
    for (const t of targets) {
      set.add(node, t);
      ends.push(node, t);
    }
  }
  return set.edges;
}

/** Generates the topology over the first `initial` nodes of `count` (the rest join later). */
export function generateTopology(spec: TopologySpec, count: number, initial: number, rng: Rng): Topology {
  const ids = Array.from({ length: initial }, (_, i) => i);
  if (spec.kind === 'random-regular') {
    return {
      edges: randomRegular(ids, spec.degree, rng),
      regions: Array(count).fill(''),
      latencyMs: () => 0,
      jitterMs: () => 0,
    };
  }
  if (spec.kind === 'scale-free') {
    return {
      edges: scaleFree(ids, spec.m, rng),
      regions: Array(count).fill(''),
      latencyMs: () => 0,
      jitterMs: () => 0,
    };
  }
  // Regions: contiguous blocks of node indices by share (the last region takes the remainder).
  const regionIndex: number[] = [];
  let start = 0;
  spec.regions.forEach((region, r) => {
    const size = r === spec.regions.length - 1 ? count - start : Math.round(region.share * count);
    for (let i = 0; i < size && start + i < count; i++) regionIndex.push(r);
    start += size;
  });
  while (regionIndex.length < count) regionIndex.push(spec.regions.length - 1);
  const set = new EdgeSet();
  spec.regions.forEach((_, r) => {
    const members = ids.filter((i) => regionIndex[i] === r);
    if (members.length < 2) return;
    for (const [a, b] of randomRegular(members, spec.degree ?? 4, rng)) set.add(a, b);
  });
  const inter = spec.interRegionLinks ?? 1;
  for (const a of ids) {
    const others = ids.filter((b) => regionIndex[b] !== regionIndex[a]);
    for (let k = 0; k < inter && others.length > 0; k++) set.add(a, rng.pick(others));
  }
  const names = regionIndex.map((r) => spec.regions[r]!.name);
  return {
    edges: set.edges,
    regions: names,
    latencyMs: (a, b) => spec.latencyMs[regionIndex[a]!]?.[regionIndex[b]!] ?? 0,
    jitterMs: () => spec.jitterMs ?? 0,
  };
}

/**
 * The topology of a scenario, drawn from its seed: every host of a multi-process run derives the same
 * graph and link latencies from the scenario alone.
 */
export function scenarioTopology(scenario: Scenario): Topology {
  const { count, joiners } = scenario.nodes;
  return generateTopology(
    scenario.topology,
    count,
    count - joiners,
    new Rng(scenario.seed, scenario.name).fork('topology'),
  );
}
