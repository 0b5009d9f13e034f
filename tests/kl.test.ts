/**
 * The divergences on every backend: agreement with the reference on random inputs
 * (fast-check, seeded: set FC_SEED to replay), the identities, and edge cases.
 */
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { referenceKL, type KL } from "../src/index.js";
import { klTerm } from "../src/engines/reference/terms.js";
import type { DivergenceOptions, Space } from "../src/core/types.js";
import { backendNames, loadBackend } from "./backends.js";
import { logitsLike, probabilityLike, toF32 } from "./generate.js";

const seed = Number(process.env.FC_SEED ?? 20261125);
fc.configureGlobal({ seed, numRuns: 200 });

/**
 * Agreement as the contract states it: relative, with infinities and zeros exact.
 * `absolute` admits the rounding of a row's log-sum-exp where inputs are rescaled in log
 * space: an error e in it moves the value by e·(1 + D), however small D is.
 */
function expectAgrees(got: number | Float64Array, want: number | Float64Array, tolerance: number, context = "", absolute = 0): void {
  const gotValues = typeof got === "number" ? [got] : Array.from(got);
  const wantValues = typeof want === "number" ? [want] : Array.from(want);
  expect(gotValues.length).toBe(wantValues.length);
  gotValues.forEach((g, i) => {
    const w = wantValues[i]!;
    if (!Number.isFinite(w) || w === 0) expect(g, `${context} [${i}]`).toBe(w);
    else expect(Math.abs(g - w), `${context} [${i}]: got ${g}, want ${w}`).toBeLessThanOrEqual(tolerance * Math.abs(w) + absolute);
  });
}

const methods = ["kl", "forward", "reverse", "crossEntropy", "jsd", "entropy"] as const;
type Method = (typeof methods)[number];

function call(kl: KL, method: Method, p: Float64Array | Float32Array, q: Float64Array | Float32Array, options: DivergenceOptions) {
  return method === "entropy" ? kl.entropy(p, options) : kl[method](p, q, options);
}

/** An input in a given space, built from a random shape; every row keeps some probability. */
function inSpace(space: Space, length: number, seed: number, zeros: number, decades: number, rows = 1): Float64Array {
  if (space === "logits") return logitsLike(length, seed, 1 + decades);
  const p = probabilityLike({ length, seed, zeros, decades });
  for (let start = 0; start < length; start += length / rows) p[start] ||= 0.5;
  return space === "log" ? p.map(Math.log) : p;
}

const caseArbitrary = fc.record({
  method: fc.constantFrom(...methods),
  cols: fc.integer({ min: 1, max: 150 }),
  rows: fc.integer({ min: 1, max: 4 }),
  pSpace: fc.constantFrom<Space>("prob", "log", "logits"),
  qSpace: fc.constantFrom<Space>("prob", "log", "logits"),
  reduction: fc.constantFrom("sum", "mean", "none") as fc.Arbitrary<"sum" | "mean" | "none">,
  normalize: fc.boolean(),
  base: fc.constantFrom(Math.E, 2, 10),
  f32: fc.boolean(),
  seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
  zeros: fc.constantFrom(0, 0, 0.3),
  decades: fc.constantFrom(1, 6, 30),
});

describe.each(backendNames)("%s", (name) => {
  let kl: KL;
  beforeAll(async () => {
    kl = await loadBackend(name);
  });

  it("agrees with the reference on random inputs, options and spaces", () => {
    fc.assert(
      fc.property(caseArbitrary, (c) => {
        const n = c.rows * c.cols;
        // Zeros in q only where q is given as probabilities and p has none there, so values stay finite.
        const p = inSpace(c.pSpace, n, c.seed, c.zeros, c.decades, c.rows);
        const q = inSpace(c.qSpace, n, c.seed + 1, 0, c.decades, c.rows);
        const options = { rows: c.rows, pSpace: c.pSpace, qSpace: c.qSpace, reduction: c.reduction, normalize: c.normalize, base: c.base };
        const [x, y] = c.f32 ? [toF32(p), toF32(q)] : [p, q];
        const want = call(referenceKL, c.method, x, y, options);
        const got = call(kl, c.method, x, y, options);
        // A few ulps of the log-sum-exp, whose size follows the largest |log value|.
        const rescaled = [[c.pSpace, p], [c.qSpace, q]] as const;
        const lseScale = Math.max(0, ...rescaled
          .filter(([space]) => space === "logits" || (space === "log" && c.normalize))
          .map(([, values]) => 1 + Math.max(...values.filter(Number.isFinite).map(Math.abs))));
        expectAgrees(got, want, c.f32 ? 1e-5 : 1e-12, JSON.stringify(c), 4 * Number.EPSILON * lseScale);
      }),
    );
  });

  it("D(P‖P) = 0 exactly, in every space", () => {
    fc.assert(
      fc.property(caseArbitrary, (c) => {
        const p = inSpace(c.pSpace, c.rows * c.cols, c.seed, c.zeros, c.decades, c.rows);
        const x = c.f32 ? toF32(p) : p;
        const options = { rows: c.rows, space: c.pSpace, normalize: c.normalize && c.pSpace !== "prob" };
        expect(kl.kl(x, x, options)).toBe(0);
      }),
    );
  });

  it("D(P‖Q) ≥ 0 for distributions, reverse(t, a) = forward(a, t), JSD symmetric and ≤ log 2", () => {
    fc.assert(
      fc.property(caseArbitrary, (c) => {
        const n = c.rows * c.cols;
        const p = probabilityLike({ length: n, seed: c.seed, zeros: c.zeros, decades: c.decades }).map((v, i) => v + (i === 0 ? 1 : 0));
        const q = probabilityLike({ length: n, seed: c.seed + 1, zeros: 0, decades: c.decades });
        const options = { rows: 1, normalize: true };
        expect(kl.kl(p, q, options)).toBeGreaterThanOrEqual(-1e-15);
        expect(kl.reverse(p, q, options)).toBe(kl.forward(q, p, options));
        const jsd = kl.jsd(p, q, options);
        expect(jsd).toBe(kl.jsd(q, p, options));
        expect(jsd).toBeLessThanOrEqual(Math.LN2 + 1e-15);
        expect(jsd).toBeGreaterThanOrEqual(-1e-15);
      }),
    );
  });

  it("base 2 gives nats / ln 2", () => {
    fc.assert(
      fc.property(caseArbitrary, (c) => {
        const p = probabilityLike({ length: c.cols, seed: c.seed, zeros: 0, decades: c.decades });
        const q = probabilityLike({ length: c.cols, seed: c.seed + 1, zeros: 0, decades: c.decades });
        const nats = kl.kl(p, q, { normalize: true });
        expectAgrees(kl.kl(p, q, { normalize: true, base: 2 }), nats / Math.LN2, 1e-15);
      }),
    );
  });

  describe("edge cases", () => {
    const lengths = [...Array.from({ length: 67 }, (_, i) => i + 1), 100_003];

    /** A distribution: the values rescaled to sum 1 (the contract's domain). */
    const distribution = (values: Float64Array) => {
      const total = values.reduce((s, v) => s + v, 0);
      return total > 0 ? values.map((v) => v / total) : values.map(() => 1 / values.length);
    };

    it.each(lengths)("length %i: every method agrees with the reference, f64 and f32", (length) => {
      const p = distribution(probabilityLike({ length, seed: length, zeros: 0.2, decades: 8 }));
      const q = distribution(probabilityLike({ length, seed: length + 7, zeros: 0, decades: 8 }));
      for (const method of methods) {
        expectAgrees(call(kl, method, p, q, {}), call(referenceKL, method, p, q, {}), 1e-12, `${method} f64`);
        expectAgrees(call(kl, method, toF32(p), toF32(q), {}), call(referenceKL, method, toF32(p), toF32(q), {}), 1e-5, `${method} f32`);
      }
    });

    it.each(lengths.slice(0, 67))("length %i: q = 0 where p > 0 gives Infinity, p = 0 gives 0 whatever q is", (length) => {
      const p = probabilityLike({ length, seed: length, zeros: 0, decades: 3 });
      const q = probabilityLike({ length, seed: length + 1, zeros: 0, decades: 3 });
      const last = length - 1;
      q[last] = 0;
      expect(kl.kl(p, q)).toBe(Infinity);
      expect(kl.kl(toF32(p), toF32(q))).toBe(Infinity);
      expect(kl.crossEntropy(p, q)).toBe(Infinity);
      p[last] = 0;
      expectAgrees(kl.kl(p, q), referenceKL.kl(p, q), 1e-12);
      expect(kl.relEntr(p, q)[last]).toBe(0);
    });

    it.each([
      ["subnormal p", [5e-324, 1e-310, 0.5, 2.5e-308, 0.25], [0.2, 0.2, 0.2, 0.2, 0.2]],
      ["subnormal q", [0.2, 0.2, 0.2, 0.2, 0.2], [5e-324, 1e-310, 0.5, 2.5e-308, 0.25]],
      ["tiny and huge", [1e-300, 1e300, 1e-200, 1, 3], [1e300, 1e-300, 1e-100, 1, 1e-320]],
      ["near 1", [1 - 2 ** -52, 1, 1 - 1e-9, 1 + 1e-12, 0.999999], [1, 1 - 2 ** -53, 1, 1, 1]],
      ["at the exponent-range edges of the fast path", [8.9e-308, 4.5e307, 2 ** -1020, 2 ** 1021, 1], [1, 1, 2 ** -1022, 2 ** 1023, 2 ** -1000]],
    ])("%s: every method agrees with the reference", (_label, pValues, qValues) => {
      const p = Float64Array.from(pValues);
      const q = Float64Array.from(qValues);
      for (const method of methods) expectAgrees(call(kl, method, p, q, {}), call(referenceKL, method, p, q, {}), 1e-12, method);
      expectAgrees(kl.relEntr(p, q) as Float64Array, referenceKL.relEntr(p, q) as Float64Array, 1e-12, "relEntr");
    });

    it("f32 subnormals and extremes agree with the reference", () => {
      const p = Float32Array.from([1e-45, 1e-40, 1e-38, 3e38, 0.5, 0, 1, 2 ** -124, 2 ** 126]);
      const q = Float32Array.from([0.5, 1e-45, 1, 1e-38, 1e-40, 0.5, 3e38, 1, 2 ** -126]);
      for (const method of methods) expectAgrees(call(kl, method, p, q, {}), call(referenceKL, method, p, q, {}), 1e-5, method);
    });

    it("rows with one column", () => {
      const p = probabilityLike({ length: 9, seed: 1, zeros: 0.2, decades: 3 });
      const q = probabilityLike({ length: 9, seed: 2, zeros: 0, decades: 3 });
      const perRow = kl.kl(p, q, { rows: 9, reduction: "none" });
      expectAgrees(perRow, Float64Array.from(p, (v, i) => klTerm(v, q[i]!)), 1e-15);
      expect(Array.from(kl.kl(p.map((v) => v + 1), q, { rows: 9, reduction: "none", normalize: true }))).toEqual(Array(9).fill(0));
    });

    it("reductions: mean is sum / rows, none gives one value per row", () => {
      const p = probabilityLike({ length: 60, seed: 3, zeros: 0, decades: 3 });
      const q = probabilityLike({ length: 60, seed: 4, zeros: 0, decades: 3 });
      const perRow = kl.kl(p, q, { rows: 6, reduction: "none" });
      expect(perRow).toBeInstanceOf(Float64Array);
      expect(perRow.length).toBe(6);
      const total = kl.kl(p, q, { rows: 6 });
      expectAgrees(total, perRow.reduce((a, b) => a + b, 0), 1e-14);
      expectAgrees(kl.kl(p, q, { rows: 6, reduction: "mean" }), total / 6, 1e-15);
    });

    it("mixed spaces: a teacher's log-probabilities against a student's logits", () => {
      const teacher = logitsLike(300, 5, 4);
      const student = logitsLike(300, 6, 4);
      const lse = (x: Float64Array) => Math.log(x.reduce((s, v) => s + Math.exp(v), 0));
      const logProbs = teacher.map((v) => v - lse(teacher));
      const asLogits = kl.forward(teacher, student, { rows: 3, space: "logits" });
      const mixed = kl.forward(logProbs, student, { rows: 1, pSpace: "log", qSpace: "logits" });
      expect(Number.isFinite(asLogits)).toBe(true);
      expectAgrees(mixed, referenceKL.forward(logProbs, student, { pSpace: "log", qSpace: "logits" }), 1e-12);
    });
  });
});

describe.each(backendNames)("%s: generalised JSD", (name) => {
  let kl: KL;
  beforeAll(async () => {
    kl = await loadBackend(name);
  });
  const p = probabilityLike({ length: 50, seed: 31, zeros: 0.2, decades: 3 });
  const q = probabilityLike({ length: 50, seed: 32, zeros: 0, decades: 3 });
  const options = { normalize: true };

  it("β = ½ is the JSD; β·D(P‖M) + (1 − β)·D(Q‖M) agrees with the reference for every β", () => {
    expect(kl.jsd(p, q, { ...options, beta: 0.5 })).toBe(kl.jsd(p, q, options));
    for (const beta of [0, 1e-6, 0.1, 0.3, 0.5, 0.9, 1 - 1e-6, 1]) {
      expectAgrees(kl.jsd(p, q, { ...options, beta }), referenceKL.jsd(p, q, { ...options, beta }), 1e-12, `β = ${beta}`);
    }
    expect(kl.jsd(p, q, { ...options, beta: 0 })).toBe(0);
    expect(kl.jsd(p, q, { ...options, beta: 1 })).toBe(0);
  });

  it("scaled: D(P‖Q) at β = 0 and D(Q‖P) at β = 1 exactly, and continuous towards them", () => {
    // P without zeros, so that D(Q‖P) is finite and the limit at β = 1 is approached.
    const p = probabilityLike({ length: 50, seed: 31, zeros: 0, decades: 3 });
    const forward = kl.kl(p, q, options);
    const reverse = kl.kl(q, p, options);
    expect(kl.jsd(p, q, { ...options, beta: 0, scaled: true })).toBe(forward);
    expect(kl.jsd(p, q, { ...options, beta: 1, scaled: true })).toBe(reverse);
    // The scaled JSD is D(P‖Q) + O(β) near β = 0 and D(Q‖P) + O(1 − β) near 1.
    expectAgrees(kl.jsd(p, q, { ...options, beta: 1e-6, scaled: true }), forward, 1e-4);
    expectAgrees(kl.jsd(p, q, { ...options, beta: 1 - 1e-6, scaled: true }), reverse, 1e-4);
    expectAgrees(kl.jsd(p, q, { ...options, beta: 0.3, scaled: true }), kl.jsd(p, q, { ...options, beta: 0.3 }) / (0.3 * 0.7), 1e-15);
  });

  it("rejects β outside [0, 1] and a non-boolean scaled", () => {
    expect(() => kl.jsd(p, q, { beta: 1.5 })).toThrow(/beta/);
    expect(() => kl.jsd(p, q, { beta: Number.NaN })).toThrow(/beta/);
    expect(() => kl.jsd(p, q, { scaled: "yes" as never })).toThrow(/scaled/);
  });
});

describe.each(backendNames)("%s: sums that overflow part-way", (name) => {
  let kl: KL;
  beforeAll(async () => {
    kl = await loadBackend(name);
  });
  const e708 = Math.exp(708);
  const e709 = Math.exp(709);

  const many = (count: number, value: number) => Array<number>(count).fill(value);

  // Each case: log-probabilities used as given (≤ 709.78), and the value by mathematics: the
  // exact sum of the terms, rounded (±Infinity only where it is beyond the largest double),
  // taken here a quarter at a time where a partial sum would overflow.
  it.each([
    // KL: 3·e^709 (> max: the term is +Infinity alone) and 1000 terms of −e^708.7 (partial sums
    // < −max): −6.1e310 overall, −Infinity. Before: NaN in SIMD lanes, +Infinity elsewhere.
    ["kl: a +∞ term and a −∞ partial sum, −∞ overall", [709, ...many(1000, 708.7)], [706, ...many(1000, 709.7)], -Infinity],
    // KL: 3·e^709 − 3·e^708.7, finite.
    ["kl: a term beyond max, finite overall", [709, 708.7, 708.7, 708.7], [706, 709.7, 709.7, 709.7], 4 * ((e709 / 4) * (709 - 706) + 3 * (Math.exp(708.7) / 4) * (708.7 - 709.7))],
    // KL: 5·e^708 + 5·e^708 (a partial sum beyond max) − 3·e^708.7, finite.
    ["kl: a partial sum beyond max, finite overall", [708, 708, 708.7, 708.7, 708.7], [703, 703, 709.7, 709.7, 709.7], 4 * (2 * (e708 / 4) * (708 - 703) + 3 * (Math.exp(708.7) / 4) * (708.7 - 709.7))],
    // Cross-entropy −Σ e^a·b: 3·e^709 (> max) − 700·e^709: −Infinity.
    ["crossEntropy: +∞ and −∞ terms, −∞ overall", [709, 709], [-3, 700], -Infinity],
    // Cross-entropy: 2·e^709 + e^709 (a partial sum beyond max) − 2·e^709, finite.
    ["crossEntropy: a partial sum beyond max, finite overall", [709, 709, 709], [-2, -1, 2], e709],
  ] as const)("%s", (label, p, q, want) => {
    const got = label.startsWith("crossEntropy") ? kl.crossEntropy(p, q, { space: "log" }) : kl.kl(p, q, { space: "log" });
    if (!Number.isFinite(want)) expect(got).toBe(want);
    else expect(Math.abs((got as number) - want) / Math.abs(want), `got ${got}, want ${want}`).toBeLessThanOrEqual(1e-13);
    if (label.startsWith("kl")) expect(kl.forwardGrad(p, q, { space: "log" }).value).toBe(got);
  });

  it("probabilities: partial sums beyond max, finite overall, in every form", () => {
    // Two terms 1.75e308·log 1.75 (their sum beyond max) and three of 6.6e307·log(6.6e307/1.797e308).
    const p = [1.75e308, 1.75e308, 6.6e307, 6.6e307, 6.6e307];
    const q = [1e308, 1e308, 1.797e308, 1.797e308, 1.797e308];
    // Taken a quarter at a time: the sum of the first two terms alone is beyond max.
    const want = 4 * (2 * (1.75e308 / 4) * Math.log(1.75) + 3 * (6.6e307 / 4) * Math.log(6.6e307 / 1.797e308));
    expect(Number.isFinite(want)).toBe(true);
    for (const precision of ["accurate", "fast"] as const) {
      const got = kl.kl(p, q, { precision });
      expect(Math.abs(got - want) / Math.abs(want), `${precision}: got ${got}, want ${want}`).toBeLessThanOrEqual(1e-13);
      expect(kl.forwardGrad(p, q, { precision }).value).toBe(got);
    }
    // Across rows: each row finite, their sum beyond max part-way.
    const rows = kl.kl(p, q, { rows: 5 });
    expect(Math.abs(rows - want) / Math.abs(want), `rows: got ${rows}, want ${want}`).toBeLessThanOrEqual(1e-13);
  });

  it("across rows: rows beyond the largest double whose sum or mean is not", () => {
    const e = Math.exp(708.78);
    // Row 0: 2·e^709.78·1 (beyond max: +Infinity alone); row 1: 4·e^708.78·(−1) (−Infinity alone).
    const a = [709.78, 709.78, -Infinity, -Infinity, 708.78, 708.78, 708.78, 708.78];
    const b = [708.78, 708.78, 0, 0, 709.78, 709.78, 709.78, 709.78];
    const want = e * (2 * Math.E - 4);
    const o = { space: "log", rows: 2 } as const;
    for (const [label, got] of [
      ["sum", kl.kl(a, b, o)], ["mean × 2", 2 * (kl.kl(a, b, { ...o, reduction: "mean" }) as number)],
      ["forwardGrad", kl.forwardGrad(a, b, o).value], ["one row", kl.kl(a, b, { space: "log" })],
    ] as const) {
      expect(Math.abs((got as number) - want) / want, `${label}: got ${got}, want ${want}`).toBeLessThanOrEqual(1e-13);
    }
    // Each row finite, their sum beyond max, their mean not: e^709.5·1.2 per row.
    const mean = kl.kl([709.5, 709.5], [708.3, 708.3], { space: "log", rows: 2, reduction: "mean" });
    expect(Math.abs(mean - Math.exp(709.5) * 1.2) / mean).toBeLessThanOrEqual(1e-13);
    expect(kl.kl([709.5, 709.5], [708.3, 708.3], { space: "log", rows: 2 })).toBe(Infinity);
    // Probabilities: row 0 beyond max (1.7e308·log 17 + 7 zeros), row 1 a large negative sum.
    const p = [1.7e308, 0, 0, 0, 0, 0, 0, 0, ...Array<number>(8).fill(1e308)];
    const q = [1e307, 1, 1, 1, 1, 1, 1, 1, ...Array<number>(8).fill(1.79e308)];
    const exact = 4 * ((1.7e308 / 4) * Math.log(17) + 2 * (1e308 * Math.log(1e308 / 1.79e308)));
    for (const precision of ["accurate", "fast"] as const) {
      const got = kl.kl(p, q, { rows: 2, precision });
      expect(Math.abs(got - exact) / exact, `${precision}: got ${got}, want ${exact}`).toBeLessThanOrEqual(1e-13);
      expect(kl.forwardGrad(p, q, { rows: 2, precision }).value).toBe(got);
    }
    // A true +Infinity (q = 0 < p) stays +Infinity in a mean.
    expect(kl.kl([1, 1e308, 1e308, 1], [0, 1, 1, 1], { rows: 2, reduction: "mean" })).toBe(Infinity);
  });

  it("across rows, as a property: the sum over rows is the one-row sum, and the mean its share", () => {
    const huge = fc.constantFrom(0, 1, 1e300, 1e308, 1.7e308, 1.79e308);
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 4 }), fc.integer({ min: 1, max: 6 }), fc.array(fc.tuple(huge, huge), { minLength: 24, maxLength: 24 }), (rows, cols, pairs) => {
        const n = rows * cols;
        const p = pairs.slice(0, n).map(([x]) => x);
        const q = pairs.slice(0, n).map(([, y]) => (y === 0 ? 1 : y));
        const whole = kl.kl(p, q);
        const sum = kl.kl(p, q, { rows });
        const mean = kl.kl(p, q, { rows, reduction: "mean" });
        const wantMean = ((whole * 2 ** -64) / rows) * 2 ** 64;
        if (!Number.isFinite(whole)) expect(sum).toBe(whole);
        else expect(Math.abs(sum - whole), `sum ${sum}, one row ${whole}`).toBeLessThanOrEqual(1e-13 * Math.abs(whole));
        if (Number.isFinite(whole)) expect(Math.abs(mean - wantMean)).toBeLessThanOrEqual(1e-13 * Math.abs(wantMean));
      }),
      { numRuns: 200 },
    );
  });

  it("the JSD near the largest double: c·JSD(P, Q) = JSD(cP, cQ), scaled by a power of two", () => {
    // Homogeneity of degree 1: the JSD of the inputs times 2^-600 (exact), times 2^600.
    const p = [1.75e308, 1e308, 1.79e308, 3e307, 0];
    const q = [1e308, 1.75e308, 1.78e308, 0, 2e307];
    const down = (v: number[]) => v.map((x) => x * 2 ** -600);
    for (const beta of [0.5, 0.1, 1e-9]) {
      const want = kl.jsd(down(p), down(q), { beta }) * 2 ** 600;
      const got = kl.jsd(p, q, { beta });
      expect(Number.isFinite(got), `β = ${beta}: ${got}`).toBe(true);
      expect(Math.abs(got - want) / want, `β = ${beta}: got ${got}, want ${want}`).toBeLessThanOrEqual(1e-13);
      expect(kl.jsdGrad(p, q, { beta }).value).toBe(got);
    }
  });
});
