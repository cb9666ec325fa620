// A small seeded PRNG for the bootstrap. Math.random cannot be seeded, and the gate must give the
// same verdict for the same inputs on every run (docs/policy.md), so we carry our own generator.
// mulberry32 (Tommy Ettinger, public domain): 32-bit state, period 2^32, passes PractRand to a few
// GB — far more than 10,000 resamples x a few hundred questions need.

const TWO_POW_32 = 4294967296;
const GOLDEN = 0x6d2b79f5;

/** One mulberry32 output step from the (already advanced) state. */
function mix(state: number): number {
  let t = state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return (t ^ (t >>> 14)) >>> 0;
}

/** A seeded generator. A class (not a closure) so V8 keeps its call sites monomorphic. */
export class Rng {
  private state: number;

  /** `seed`: any number; only its low 32 bits are used. */
  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Next raw 32-bit unsigned integer. */
  nextUint32(): number {
    this.state = (this.state + GOLDEN) >>> 0;
    return mix(this.state);
  }

  /** Next uniform float in [0, 1), 32 bits of resolution. */
  next(): number {
    return this.nextUint32() / TWO_POW_32;
  }

  /** Next uniform integer in [0, n), 1 <= n <= 2^21. Multiply-then-floor: bias <= n / 2^32. */
  nextInt(n: number): number {
    return Math.floor(this.nextUint32() * (n / TWO_POW_32));
  }

  /**
   * Fill `out` with uniform integers in [0, n): the same values as out.length calls of nextInt(n),
   * with the state kept in a local so the bootstrap's hot loop allocates and dispatches nothing.
   */
  fillInts(out: Uint32Array, n: number): void {
    const scale = n / TWO_POW_32;
    let state = this.state;
    for (let i = 0; i < out.length; i++) {
      state = (state + GOLDEN) >>> 0;
      out[i] = Math.floor(mix(state) * scale);
    }
    this.state = state;
  }
}

/** A mulberry32 generator started from `seed`. */
export function createRng(seed: number): Rng {
  return new Rng(seed);
}
