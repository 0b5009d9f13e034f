/**
 * Seeded random numbers for the Monte Carlo fits: the same seed gives the same stream, bit for
 * bit, on every engine that rounds Math.log, Math.sqrt, Math.cos and Math.sin the same way (every
 * engine ships fdlibm-derived versions; a different one could move the last bit).
 */

/**
 * Uniform numbers in [0, 1) from mulberry32 (Tommy Ettinger's 32-bit generator, as in
 * tests/random.mjs): a 32-bit state, period 2³², fast, and good enough for Monte Carlo gradients
 * (it passes gjrand's tests up to 2³² outputs, its full period). Not for cryptography.
 */
export function mulberry32(seed: number): () => number {
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
 * Standard normal draws by the Box–Muller transform (Box & Muller 1958): two uniforms give two
 * independent N(0, 1) values, √(−2 log u₁)·cos(2πu₂) and √(−2 log u₁)·sin(2πu₂); the second is
 * kept for the next call. u₁ is taken as 1 − u ∈ (0, 1] so that log u₁ is finite.
 */
export function normalGenerator(seed: number): () => number {
  const uniform = mulberry32(seed);
  let spare = NaN;
  return () => {
    if (!Number.isNaN(spare)) {
      const value = spare;
      spare = NaN;
      return value;
    }
    const radius = Math.sqrt(-2 * Math.log(1 - uniform()));
    const angle = 2 * Math.PI * uniform();
    spare = radius * Math.sin(angle);
    return radius * Math.cos(angle);
  };
}
