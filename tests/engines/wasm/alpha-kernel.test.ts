/**
 * The α family's row reductions beneath the engine (assembly/ops.ts ALPHA_DIVERGENCE,
 * GRAD_ALPHA_DIVERGENCE, TOTAL_VARIATION) on every build, against the reference's terms
 * (src/engines/reference/alpha.ts amariTerm, amariGradientTerm) summed compensated: random rows
 * of every SIMD tail length and across the 256-element block, f64 and f32 elements, the listed
 * orders and random ones, rows far apart and nearly equal, zeros, tiny and huge values; rows whose
 * sum overflows part-way; invalid input.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { amariGradientTerm, amariTerm } from "../../../src/engines/reference/alpha.js";
import { compensatedSum } from "../../../src/numeric/compensated-sum.js";
import { loadKernels, type RawExports } from "../../backends.js";
import { mulberry32 } from "../../random.mjs";

fc.configureGlobal({ seed: Number(process.env.FC_SEED ?? 20261130), numRuns: 300 });

type Elements = typeof Float64Array | typeof Float32Array;

/** The orders every property draws from first (0 and 1 are the KL's two directions, 1 − 1e-9 and 1e-12 their neighbours). */
const ORDERS = [-1, -0.5, 0, 1e-12, 0.25, 0.5, 1 - 1e-9, 1, 1.5, 2, 3];
const order = fc.oneof(fc.constantFrom(...ORDERS), fc.double({ min: -2, max: 3, noNaN: true }));

/** Values to 1e-13 of each row's (f64 elements), 1e-5 (f32 elements, whose terms are rounded to f32). */
const VALUE_TOLERANCE = { f64: 1e-13, f32: 1e-5 };
/** Gradient elements to this much of the row's largest finite |g|. */
const GRADIENT_TOLERANCE = { f64: 1e-13, f32: 1e-5 };

/**
 * The rounding the reference's own term carries beyond the tolerances: an ulp of d = log(q/p)
 * is |c·d| ulps of e^(c·d) (c = α, β), and the kernels' d and exponentials are not the
 * reference's (V8's Math.log and Math.exp, or their own), so a row whose terms are dominated by
 * e^(c·d) with |c·d| in the hundreds (operands 1e100 apart and more) may differ from it by
 * about 2^-52·|c·d| (measured: 1.15e-13 at |c·d| = 540). That much is allowed on top.
 */
function conditionFloor(p: Float64Array, q: Float64Array, from: number, to: number, alpha: number): number {
  let largest = 0;
  for (let i = from; i < to; i++) {
    if (p[i]! > 0 && q[i]! > 0) largest = Math.max(largest, Math.abs(Math.log(q[i]!) - Math.log(p[i]!)) * Math.max(Math.abs(alpha), Math.abs(1 - alpha)));
  }
  return 2 ** -52 * largest;
}

interface Reduction {
  status: number;
  values: Float64Array;
  /** The gradient as written (NaN where nothing was). */
  gradient: Float64Array;
  /** The operands as the kernel read them (rounded to f32 for f32 elements). */
  p: Float64Array;
  q: Float64Array;
}

/**
 * Lays out p, q, the gradient, out and one order per row in the module's memory (16-byte
 * aligned, growing it if needed), runs reduceRows and reads everything back.
 */
function reduce(
  k: RawExports, type: Elements, op: number, p: ArrayLike<number>, q: ArrayLike<number>, rows: number,
  options: { alphas?: number[]; grad?: boolean; scale?: number } = {},
): Reduction {
  const n = p.length;
  const cols = n / rows;
  const align = (bytes: number) => Math.ceil(bytes / 16) * 16;
  const bytes = align(n * type.BYTES_PER_ELEMENT);
  const x = k.heapBase();
  const y = x + bytes, grad = y + bytes, out = grad + bytes, params = out + align(rows * 8);
  const needed = params + rows * 8;
  if (needed > k.memory.buffer.byteLength) k.memory.grow(Math.ceil((needed - k.memory.buffer.byteLength) / 65536));
  const buffer = k.memory.buffer;
  new type(buffer, x, n).set(p);
  new type(buffer, y, n).set(q);
  new type(buffer, grad, n).fill(NaN);
  new Float64Array(buffer, out, rows).fill(NaN);
  if (options.alphas !== undefined) new Float64Array(buffer, params, rows).set(options.alphas);
  const reduceRows = k[type === Float64Array ? "reduceRowsF64" : "reduceRowsF32"] as (...args: number[]) => number;
  const status = reduceRows(op, x, y, rows, cols, 0, 0, options.alphas === undefined ? 0 : params, options.scale ?? 1, options.grad ? grad : 0, out);
  return {
    status,
    values: new Float64Array(buffer, out, rows).slice(),
    gradient: Float64Array.from(new type(buffer, grad, n)),
    p: Float64Array.from(new type(buffer, x, n)),
    q: Float64Array.from(new type(buffer, y, n)),
  };
}

/**
 * Amari's term of p and q times 2^-64. The reference's term is +∞ wherever p^α q^β passes the
 * largest double, though the term need not (α = −1: it is (p − q)²/(2p), p^α q^β = q²/p), and
 * the kernels take such rows again rescaled: there it is taken from the definition,
 * [α·p + β·q − p^α q^β]/(αβ), with p^α q^β·2^-64 from logarithms.
 */
function rescaledTerm(p: number, q: number, alpha: number): number {
  const DOWN = 2 ** -64;
  const term = amariTerm(p, q, alpha);
  if (term < Infinity || !(p > 0 && q > 0)) return term * DOWN;
  const beta = 1 - alpha;
  const u = Math.exp(alpha * Math.log(p) + beta * Math.log(q) - 64 * Math.LN2);
  return (alpha * (p * DOWN) + beta * (q * DOWN) - u) / (alpha * beta);
}

/**
 * The reference's per-row sums of `term(p_i, q_i, α_r)` (where that is +∞, 2^64 times the sum of
 * rescaledTerm's, +∞ only if the sum itself passes the largest double), and its gradient terms.
 */
function referenceRows(p: Float64Array, q: Float64Array, rows: number, alphas: number[]) {
  const cols = p.length / rows;
  const sum = (r: number, term: (p: number, q: number, alpha: number) => number) =>
    compensatedSum(Array.from({ length: cols }, (_, j) => term(p[r * cols + j]!, q[r * cols + j]!, alphas[r]!)));
  const values = alphas.map((_, r) => {
    const value = sum(r, amariTerm);
    return value === Infinity ? sum(r, rescaledTerm) * 2 ** 64 : value;
  });
  const gradient = Float64Array.from(p, (pi, i) => amariGradientTerm(pi, q[i]!, alphas[Math.floor(i / cols)]!));
  return { values, gradient };
}

/**
 * |got − want| over |want|, with a floor of two subnormal spacings per element (a sum of terms
 * that fall into the subnormals keeps only their spacing); 0 for equal values (infinities
 * included), Infinity where one is not finite and the other differs.
 */
function relativeError(got: number, want: number, cols: number, type: Elements): number {
  if (Object.is(got, want) || got === want) return 0;
  if (!Number.isFinite(got) || !Number.isFinite(want)) return Infinity;
  const spacing = type === Float64Array ? Number.MIN_VALUE : 2 ** -149;
  return Math.max(0, Math.abs(got - want) - 2 * cols * spacing) / Math.abs(want);
}

/** The worst gradient error of one row: over the row's largest finite |reference|; infinities must match. */
function gradientError(got: Float64Array, want: Float64Array, from: number, to: number): number {
  let largest = 0;
  for (let i = from; i < to; i++) if (Number.isFinite(want[i])) largest = Math.max(largest, Math.abs(want[i]!));
  let worst = 0;
  for (let i = from; i < to; i++) {
    if (got[i] === want[i]) continue;
    if (!Number.isFinite(got[i]!) || !Number.isFinite(want[i]!)) return Infinity;
    worst = Math.max(worst, Math.abs(got[i]! - want[i]!) / largest);
  }
  return worst;
}

type Kind = "far" | "near" | "zeros" | "extreme" | "scaled" | "mixed";

/** Magnitudes the extreme rows mix in: tiny, subnormal and huge in each element type. */
const EXTREMES = {
  f64: [1e-300, 5e-324, 2.5e-310, 1e-200, 1e300, 1e200, 1e-20],
  f32: [1e-40, 1e-45, 1e-30, 1e-38, 1e30, 1e37, 1e-10],
};

/**
 * One pair of rows: far apart (independent), nearly equal (q = p·(1 + ε), |ε| from 1e-12 to
 * 1e-2 as the row draws it), with zeros in p and in q, with extreme magnitudes among ordinary
 * ones, far or near rows times a power of two far from 1, or mixed: runs of four elements
 * (two f64 vectors, one f32 vector) each near, far or with a zero, so that the vectors the
 * kernel takes in lockstep need different forms of the term.
 */
function rowPair(kind: Kind, cols: number, f32: boolean, random: () => number): [number[], number[]] {
  const ordinary = () => 10 ** (-4 * random()) * (0.5 + random());
  const p = Array.from({ length: cols }, ordinary);
  if (kind === "near" || (kind === "scaled" && random() < 0.5)) {
    const epsilon = 10 ** (-12 + 10 * random());
    const q = p.map((pi) => pi * (1 + (random() < 0.5 ? -1 : 1) * epsilon * (0.25 + random())));
    if (kind === "near") return [p, q];
    const scale = 2 ** Math.round((f32 ? 110 : 950) * (2 * random() - 1));
    return [p.map((v) => v * scale), q.map((v) => v * scale)];
  }
  const q = Array.from({ length: cols }, ordinary);
  if (kind === "zeros") {
    for (let i = 0; i < cols; i++) {
      const u = random();
      if (u < 0.3) p[i] = 0;
      else if (u < 0.6) q[i] = 0;
      else if (u < 0.7) p[i] = q[i] = 0;
    }
  } else if (kind === "extreme") {
    const magnitudes = EXTREMES[f32 ? "f32" : "f64"];
    const pick = () => magnitudes[Math.floor(random() * magnitudes.length)]! * (0.5 + random());
    for (let i = 0; i < cols; i++) {
      const u = random();
      if (u < 0.25) p[i] = pick();
      else if (u < 0.5) q[i] = pick();
      else if (u < 0.6) [p[i], q[i]] = [pick(), pick()];
      else if (u < 0.65) p[i] = 0;
      else if (u < 0.7) q[i] = 0;
    }
  } else if (kind === "mixed") {
    let run = 0;
    for (let i = 0; i < cols; i++) {
      if (i % 4 === 0) run = random();
      if (run < 0.4) q[i] = p[i]! * (1 + 1e-3 * (random() - 0.5));
      else if (run < 0.5 && random() < 0.5) p[i] = 0;
      else if (run < 0.6 && random() < 0.5) q[i] = 0;
    }
  } else if (kind === "scaled") {
    const scale = 2 ** Math.round((f32 ? 110 : 950) * (2 * random() - 1));
    return [p.map((v) => v * scale), q.map((v) => v * scale)];
  }
  return [p, q];
}

const rowsOfPairs = fc.record({
  rows: fc.integer({ min: 1, max: 3 }),
  cols: fc.oneof(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 250, max: 600 })),
  kind: fc.constantFrom<Kind>("far", "near", "zeros", "extreme", "scaled", "mixed"),
  f32: fc.boolean(),
  alphas: fc.array(order, { minLength: 3, maxLength: 3 }),
  seed: fc.integer({ min: 0, max: 2 ** 30 }),
}).map(({ rows, cols, kind, f32, alphas, seed }) => {
  const random = mulberry32(seed);
  const p: number[] = [], q: number[] = [];
  for (let r = 0; r < rows; r++) {
    const [pr, qr] = rowPair(kind, cols, f32, random);
    p.push(...pr);
    q.push(...qr);
  }
  return { rows, cols, kind, p, q, type: f32 ? Float32Array : Float64Array, alphas: alphas.slice(0, rows) };
});

describe.each(["simd", "relaxed", "scalar"] as const)("the α family's kernels (%s build)", (build) => {
  const k = loadKernels(build);
  const op = (name: string) => (k[`OP_${name}`] as WebAssembly.Global).value as number;

  it("appends its codes to the op table: ALPHA_DIVERGENCE 18, GRAD_ALPHA_DIVERGENCE 19, TOTAL_VARIATION 20", () => {
    expect([op("ALPHA_DIVERGENCE"), op("GRAD_ALPHA_DIVERGENCE"), op("TOTAL_VARIATION")]).toEqual([18, 19, 20]);
  });

  it("Amari's sums and gradients agree with the reference's terms, to 1e-13 (f64) and 1e-5 (f32); infinities exactly", () => {
    fc.assert(
      fc.property(rowsOfPairs, fc.integer({ min: -3, max: 3 }), ({ rows, cols, kind, p, q, type, alphas }, scaleExponent) => {
        const name = type === Float64Array ? "f64" : "f32";
        const scale = 2 ** scaleExponent;
        const value = reduce(k, type, op("ALPHA_DIVERGENCE"), p, q, rows, { alphas });
        const withGradient = reduce(k, type, op("GRAD_ALPHA_DIVERGENCE"), p, q, rows, { alphas, grad: true, scale });
        expect(value.status).toBe(0);
        expect(withGradient.status).toBe(0);
        const want = referenceRows(value.p, value.q, rows, alphas);
        for (let r = 0; r < rows; r++) {
          const label = `${name} row ${r} of ${kind} rows, α = ${alphas[r]}, cols ${cols}: got ${value.values[r]}, reference ${want.values[r]}`;
          const floor = type === Float64Array ? conditionFloor(value.p, value.q, r * cols, (r + 1) * cols, alphas[r]!) : 0;
          expect(relativeError(value.values[r]!, want.values[r]!, cols, type), label).toBeLessThanOrEqual(VALUE_TOLERANCE[name] + floor);
          // The gradient op's value is the same sum, not multiplied by the gradient's scale.
          expect(withGradient.values[r], label).toBe(value.values[r]);
          // (f32 elements: the gradient as f32 holds it, +∞ beyond its largest value.)
          const scaled = Float64Array.from(new type(want.gradient.map((g) => g * scale)));
          expect(gradientError(withGradient.gradient, scaled, r * cols, (r + 1) * cols), `gradient of ${label}`).toBeLessThanOrEqual(GRADIENT_TOLERANCE[name] + floor);
        }
      }),
    );
  });

  it("takes orders far from [0, 1] (their rows by the exact scalar path) as the reference does", () => {
    const random = mulberry32(7);
    for (const alpha of [-30, 17.5, 40]) {
      for (const kind of ["far", "near", "zeros"] as const) {
        for (const type of [Float64Array, Float32Array]) {
          const [p, q] = rowPair(kind, 37, type === Float32Array, random);
          const value = reduce(k, type, op("GRAD_ALPHA_DIVERGENCE"), p, q, 1, { alphas: [alpha], grad: true });
          const want = referenceRows(value.p, value.q, 1, [alpha]);
          const floor = conditionFloor(value.p, value.q, 0, 37, alpha);
          const label = `α = ${alpha}, ${kind} row: got ${value.values[0]}, reference ${want.values[0]}`;
          expect(relativeError(value.values[0]!, want.values[0]!, 37, type), label).toBeLessThanOrEqual(1e-13 + floor);
          expect(gradientError(value.gradient, Float64Array.from(new type(want.gradient)), 0, 37), label).toBeLessThanOrEqual(type === Float64Array ? 1e-13 + floor : 2 ** -24);
        }
      }
    }
  });

  it("ALPHA_DIVERGENCE multiplies each row's value by `scale` and writes no gradient", () => {
    const p = [0.1, 0.2, 0.3, 0.4, 0.05, 0.15, 0.25, 0.3, 0.3];
    const q = [0.25, 0.25, 0.25, 0.25, 0.2, 0.2, 0.2, 0.2, 0.2];
    for (const type of [Float64Array, Float32Array]) {
      const plain = reduce(k, type, op("ALPHA_DIVERGENCE"), p, q, 1, { alphas: [0.5] });
      const scaled = reduce(k, type, op("ALPHA_DIVERGENCE"), p, q, 1, { alphas: [0.5], scale: 2 ** -10 });
      expect(scaled.values[0]).toBe(plain.values[0]! * 2 ** -10);
      expect(Array.from(scaled.gradient).every(Number.isNaN)).toBe(true);
    }
  });

  it("takes every order at its exact conventions where p or q is 0, and equal rows to exactly 0", () => {
    // p = 0 < q: q/α (α > 0) or +∞; q = 0 < p: p/(1 − α) (α < 1) or +∞; p = q: 0. Gradients: p = 0: 1/α or +∞; q = 0 < p: −∞ (α ≥ 0) or 1/α.
    for (const type of [Float64Array, Float32Array]) {
      for (const alpha of ORDERS) {
        for (const cols of [1, 3, 8, 37]) {
          const onlyQ = reduce(k, type, op("GRAD_ALPHA_DIVERGENCE"), new Array(cols).fill(0), new Array(cols).fill(0.5), 1, { alphas: [alpha], grad: true });
          // (f32 elements: each term q/α rounded to f32 in its lane.)
          const tolerance = type === Float64Array ? 1e-15 : 2 ** -24;
          const expected = alpha > 0 ? compensatedSum(new Array(cols).fill(0.5 / alpha)) : Infinity;
          expect(relativeError(onlyQ.values[0]!, expected, cols, type), `p = 0, α = ${alpha}`).toBeLessThanOrEqual(tolerance);
          for (const g of onlyQ.gradient) expect(g).toBe(alpha > 0 ? new type([1 / alpha])[0] : Infinity);
          const onlyP = reduce(k, type, op("GRAD_ALPHA_DIVERGENCE"), new Array(cols).fill(0.25), new Array(cols).fill(0), 1, { alphas: [alpha], grad: true });
          const expectedP = 1 - alpha > 0 ? compensatedSum(new Array(cols).fill(0.25 / (1 - alpha))) : Infinity;
          expect(relativeError(onlyP.values[0]!, expectedP, cols, type), `q = 0, α = ${alpha}`).toBeLessThanOrEqual(tolerance);
          for (const g of onlyP.gradient) expect(g).toBe(alpha >= 0 ? -Infinity : new type([1 / alpha])[0]);
          const row = Array.from({ length: cols }, (_, j) => (j + 1) / 64);
          const equal = reduce(k, type, op("GRAD_ALPHA_DIVERGENCE"), row, row, 1, { alphas: [alpha], grad: true });
          expect(equal.values[0]).toBe(0);
          for (const g of equal.gradient) expect(g).toBe(0);
        }
      }
    }
  });

  it("sums a row that overflows part-way again rescaled: +∞ only beyond the largest double, finite times 2^-64", () => {
    const p = new Array(16).fill(5e307), q = new Array(16).fill(1e300);
    for (const alpha of [0.5, 0.25, -0.5, 2]) {
      // The terms are homogeneous of degree 1: 2^-64 times each is the term of p and q times 2^-64
      // (finite also at α = 2, where the term itself, p²/(2q), passes the largest double).
      const terms = p.map((pi, i) => amariTerm(pi * 2 ** -64, q[i]! * 2 ** -64, alpha));
      const plain = reduce(k, Float64Array, op("ALPHA_DIVERGENCE"), p, q, 1, { alphas: [alpha] });
      const scaled = reduce(k, Float64Array, op("ALPHA_DIVERGENCE"), p, q, 1, { alphas: [alpha], scale: 2 ** -64 });
      expect(plain.values[0]).toBe(Infinity);
      expect(relativeError(scaled.values[0]!, compensatedSum(terms), 16, Float64Array), `α = ${alpha}`).toBeLessThanOrEqual(1e-13);
    }
  });

  it("takes a term whose p^α q^β passes the largest double, and the term does not, from the row rescaled", () => {
    // α = −0.5: p^α q^β = q·(q/p)^0.5 ≈ 1.9e308, the term (p^α q^β + p/2 − 1.5q)/0.75 ≈ 2.3e306.
    const [p, q] = [1.48e308, 1.75e308];
    const want = amariTerm(p / 4, q / 4, -0.5) * 4;
    for (const cols of [1, 2, 5]) {
      const result = reduce(k, Float64Array, op("ALPHA_DIVERGENCE"), new Array(cols).fill(p), new Array(cols).fill(q), 1, { alphas: [-0.5] });
      expect(relativeError(result.values[0]!, want * cols, cols, Float64Array), `cols ${cols}: ${result.values[0]}`).toBeLessThanOrEqual(1e-12);
    }
  });

  it("returns status 1 for NaN, negative or infinite input, in p or q, in a vector block or the tail", () => {
    for (const type of [Float64Array, Float32Array]) {
      for (const name of ["ALPHA_DIVERGENCE", "GRAD_ALPHA_DIVERGENCE", "TOTAL_VARIATION"]) {
        for (const bad of [NaN, -0.25, -Infinity, Infinity]) {
          for (const at of [0, 5, 38]) {
            for (const second of [false, true]) {
              const p = new Array(39).fill(0.02), q = new Array(39).fill(0.03);
              // A zero beside the bad value: a zero operand must not hide its partner.
              (second ? p : q)[at] = 0;
              (second ? q : p)[at] = bad;
              const result = reduce(k, type, op(name), p, q, 1, { alphas: [0.5], grad: name.startsWith("GRAD") });
              expect(result.status, `${name} with ${bad} in ${second ? "q" : "p"} at ${at}`).toBe(1);
            }
          }
        }
      }
    }
  });

  it("TOTAL_VARIATION is Σ|p − q| to the rounding of its compensated sum (f64), of its f32 differences (f32)", () => {
    fc.assert(
      fc.property(rowsOfPairs, ({ rows, cols, kind, p, q, type }) => {
        const result = reduce(k, type, op("TOTAL_VARIATION"), p, q, rows);
        expect(result.status).toBe(0);
        for (let r = 0; r < rows; r++) {
          const want = compensatedSum(Array.from({ length: cols }, (_, j) => Math.abs(result.p[r * cols + j]! - result.q[r * cols + j]!)));
          expect(relativeError(result.values[r]!, want, cols, type), `${kind} row ${r}, cols ${cols}`).toBeLessThanOrEqual(type === Float64Array ? 1e-14 : 2 ** -23);
        }
      }),
    );
  });

  it("TOTAL_VARIATION of rows beyond the largest double: +∞, and the exact sum times 2^-64 with that scale", () => {
    const p = [1e308, 1.5e308, 0, 3e-320, 1e308, 0.5], q = [0, 0, 1.7e308, 0, 1e307, 0.25];
    expect(reduce(k, Float64Array, op("TOTAL_VARIATION"), p, q, 1).values[0]).toBe(Infinity);
    const scaled = reduce(k, Float64Array, op("TOTAL_VARIATION"), p, q, 1, { scale: 2 ** -64 }).values[0]!;
    expect(relativeError(scaled, compensatedSum(p.map((pi, i) => Math.abs(pi - q[i]!) * 2 ** -64)), 6, Float64Array)).toBeLessThanOrEqual(1e-15);
  });
});
