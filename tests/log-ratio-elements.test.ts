/**
 * logRatioElements (assembly/elementwise.ts), the JSD gradient's log(q/m), on every build: the
 * vector log-ratio where its lane check passes, the exact scalar form elsewhere, so that
 * zeros, subnormals, huge values and NaN come out right in any lane and any tail.
 */
import { describe, expect, it } from "vitest";
import { loadKernels, type RawExports } from "./backends.js";
import { mulberry32 } from "./random.mjs";
import { ulpDistanceF64, ulpErrorF32 } from "./ulp.js";

type ArrayType = typeof Float64Array | typeof Float32Array;

/** x = m·2^e with m ∈ [1, 2), exactly, for positive finite x (subnormals included). */
function split(x: number): [number, number] {
  let e = 0;
  while (x < 1) { x *= 2 ** 64; e -= 64; }
  while (x >= 2 ** 64) { x /= 2 ** 64; e += 64; }
  while (x >= 2) { x /= 2; e += 1; }
  while (x < 1) { x *= 2; e -= 1; }
  return [x, e];
}

/**
 * log(x/y) without rounding x/y: x/y = (mx/my)·2^k with mx/my brought into [√½, √2), so
 * that mx − my is exact and the two parts of the sum barely cancel (within 2 ulp).
 */
function logRatio(x: number, y: number): number {
  if (x === 0) return -Infinity; // no mass in x: −Infinity whatever y
  if (Number.isNaN(x) || Number.isNaN(y) || x < 0 || y < 0) return NaN;
  if (y === 0) return Infinity;
  if (x === Infinity) return y === Infinity ? NaN : Infinity;
  if (y === Infinity) return -Infinity;
  let [mx, ex] = split(x);
  const [my, ey] = split(y);
  if (mx / my >= Math.SQRT2) { mx /= 2; ex += 1; } else if (mx / my < Math.SQRT1_2) { mx *= 2; ex -= 1; }
  return (ex - ey) * Math.LN2 + Math.log1p((mx - my) / my);
}

function run(k: RawExports, type: ArrayType, x: ArrayLike<number>, y: ArrayLike<number>): Float64Array | Float32Array {
  const n = x.length;
  const bytes = Math.ceil((n * type.BYTES_PER_ELEMENT) / 16) * 16 + 16;
  const base = k.heapBase();
  // Misaligned starts too: the kernel may be handed any element of an arena.
  const [xAt, yAt, outAt] = [base + type.BYTES_PER_ELEMENT, base + bytes + type.BYTES_PER_ELEMENT, base + 2 * bytes];
  const needed = base + 3 * bytes + 64;
  if (needed > k.memory.buffer.byteLength) k.memory.grow(Math.ceil((needed - k.memory.buffer.byteLength) / 65536));
  new type(k.memory.buffer, xAt, n).set(x);
  new type(k.memory.buffer, yAt, n).set(y);
  new type(k.memory.buffer, outAt, n).fill(12345);
  (type === Float64Array ? k.logRatioElementsF64 : k.logRatioElementsF32)(xAt, yAt, n, outAt);
  return new type(k.memory.buffer, outAt, n).slice();
}

/** Largest error over the elements: f64 in ulps of the double, f32 in ulps of the exact value. */
function worst(type: ArrayType, x: ArrayLike<number>, y: ArrayLike<number>, got: ArrayLike<number>): number {
  let error = 0;
  for (let i = 0; i < got.length; i++) {
    const exact = logRatio(x[i]!, y[i]!);
    const e = Object.is(got[i], exact) || (Number.isNaN(got[i]) && Number.isNaN(exact)) ? 0
      : type === Float64Array ? ulpDistanceF64(got[i]!, exact) : ulpErrorF32(got[i]!, exact);
    error = Math.max(error, e);
  }
  return error;
}

const SPECIALS = {
  f64: [0, 5e-324, 2.2e-308, 1e-310, 2 ** -1021, 1e-300, 1e-30, 0.3, 1, 1e30, 2 ** 1021, 1e300, 1.7e308, Infinity, NaN, -1],
  f32: [0, 1e-45, 1e-40, 1.1e-38, 2 ** -125, 1e-30, 0.3, 1, 1e30, 2 ** 125, 3e38, Infinity, NaN, -1],
};

describe.each(["simd", "relaxed", "scalar"] as const)("logRatioElements (%s build)", (build) => {
  const k = loadKernels(build);

  it.each([[Float64Array, "f64"], [Float32Array, "f32"]] as const)("is right for every pair of special values (%o)", (type, name) => {
    const values = SPECIALS[name].map((v) => (type === Float32Array ? Math.fround(v) : v));
    const x = values.flatMap((a) => values.map(() => a));
    const y = values.flatMap(() => values);
    const got = run(k, type, x, y);
    for (let i = 0; i < x.length; i++) {
      const exact = logRatio(x[i]!, y[i]!);
      if (!Number.isFinite(exact)) expect(got[i], `log(${x[i]}/${y[i]})`).toBe(exact);
    }
    expect(worst(type, x, y, got)).toBeLessThanOrEqual(2);
    expect(got[0]).toBe(-Infinity); // 0/0: no mass in x, −Infinity whatever y
  });

  it.each([[Float64Array, "f64"], [Float32Array, "f32"]] as const)("is right in every lane and every tail, n = 0 … 8 and 16 … 24 (%o)", (type, name) => {
    const random = mulberry32(name === "f64" ? 61 : 62);
    const specials = SPECIALS[name].map((v) => (type === Float32Array ? Math.fround(v) : v));
    for (const n of [0, 1, 2, 3, 4, 5, 6, 7, 8, 16, 17, 18, 19, 20, 21, 22, 23, 24]) {
      for (let trial = 0; trial < 20; trial++) {
        const pick = () => (random() < 0.3 ? specials[Math.floor(random() * specials.length)]! : random() * 10 ** (-random() * 6));
        const x = Array.from({ length: n }, pick);
        const y = Array.from({ length: n }, (_, i) => (random() < 0.3 ? x[i]! * (1 + (random() - 0.5) * 1e-6) : pick()));
        const got = run(k, type, type.from(x), type.from(y));
        expect(got.length).toBe(n);
        expect(worst(type, type.from(x), type.from(y), got), `n = ${n}`).toBeLessThanOrEqual(2);
      }
    }
  });
});
