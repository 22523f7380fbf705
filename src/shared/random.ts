// A small seeded PRNG, so data splits, shuffles and anything else that must be reproducible from
// `run.seed` give the same result on every machine and runtime (Math.random cannot be seeded).

/** mulberry32: 32-bit state, fast, and good enough for shuffling and sampling (not for cryptography). */
export function makeRng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Derives an independent seed for one purpose, so that e.g. the data split and the weight init
 * drawn from the same `run.seed` are not the same stream.
 */
export function deriveSeed(seed: number, purpose: string): number {
  // FNV-1a over the purpose, then splitmix-style finalisation mixed with the seed.
  let h = 0x811c9dc5;
  for (let i = 0; i < purpose.length; i++) h = Math.imul(h ^ purpose.charCodeAt(i), 0x01000193);
  let z = (h ^ (seed >>> 0)) >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

interface Shuffleable {
  length: number;
  [index: number]: unknown;
}

/** Fisher–Yates; works on arrays and typed arrays alike. Returns `arr` for chaining. */
export function shuffleInPlace<A extends Shuffleable>(arr: A, rng: () => number): A {
  for (let i = arr.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    const tmp = arr[i];
    arr[i] = arr[j];
    arr[j] = tmp;
  }
  return arr;
}
