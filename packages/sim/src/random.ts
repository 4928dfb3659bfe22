/**
 * Seeded pseudo-random numbers: every random choice of a simulation (topology, workload, churn, link
 * jitter and loss, peer choice in anti-entropy) is drawn from streams derived from the scenario's
 * seed, so a scenario file and a seed name one experiment. gossipsub's own internal choices (mesh
 * peers) use Math.random and are outside this: runs over wall-clock time are not bit-exact anyway,
 * which is why results are reported over several seeds.
 *
 * Generator: mulberry32 (Tommy Ettinger, public domain), a 32-bit state generator that passes
 * PractRand to 2^32 outputs; streams are separated by hashing (seed, label) with splitmix32-style
 * mixing, so adding a consumer never shifts the numbers another consumer draws.
 */

/** Mixes a 32-bit value (the splitmix32 finaliser). */
function mix32(value: number): number {
  let z = (value + 0x9e3779b9) | 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/** A 32-bit hash of a string (FNV-1a, then mixed). */
function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return mix32(h >>> 0);
}

/** A seeded random stream with the distributions a simulation needs. */
export class Rng {
  private state: number;

  /** A stream for `seed`, optionally separated by a `label` (e.g. `"churn"`, `"node-3"`). */
  constructor(seed: number, label = '') {
    this.state = mix32((seed >>> 0) ^ hashString(label));
  }

  /** An independent stream derived from this one's seed material and `label`. */
  fork(label: string): Rng {
    return new Rng(this.state, label);
  }

  /** Uniform in [0, 1) (mulberry32). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) | 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** A function drawing from this stream, for modules that take `() => number`. */
  asFunction(): () => number {
    return () => this.next();
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Uniform in [lo, hi). */
  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  /** Exponentially distributed with the given rate (events per unit); the gap of a Poisson process. */
  exponential(rate: number): number {
    // 1 - next() is in (0, 1], so the logarithm is finite.
    return -Math.log(1 - this.next()) / rate;
  }

  /** Standard normal (Box–Muller). */
  normal(): number {
    const u = 1 - this.next();
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** A uniformly chosen element; throws on an empty array. */
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from an empty array');
    return items[this.int(items.length)]!;
  }

  /** A shuffled copy (Fisher–Yates). */
  shuffle<T>(items: readonly T[]): T[] {
    const out = [...items];
    for (let i = out.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      [out[i], out[j]] = [out[j]!, out[i]!];
    }
    return out;
  }

  /** 32 random bytes (e.g. a key seed). */
  bytes(length: number): Uint8Array {
    const out = new Uint8Array(length);
    for (let i = 0; i < length; i++) out[i] = this.int(256);
    return out;
  }
}
