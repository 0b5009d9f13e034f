/**
 * KL against 50-digit values of the exact divergence of the given floating-point inputs
 * (tests/fixtures/make_exact.py): ordinary, near-identical and wide-range inputs, f64 and f32;
 * the generalised JSD against 80-digit values (tests/fixtures/make_jsd.py), a closed form and
 * the reference over random nearly equal rows; from logits, log-probabilities and unnormalised
 * measures (tests/fixtures/make_kl_exact.py); and no negative value where the exact one is not
 * (from logits, with normalize).
 */
import { readFileSync } from "node:fs";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { referenceKL, type KL } from "../src/index.js";
import type { Space } from "../src/core/types.js";
import { backendNames, loadBackend } from "./backends.js";
import { klInputs } from "./exact-inputs.mjs";
import { logitsLike, toF32 } from "./generate.js";
import { mulberry32 } from "./random.mjs";

type KLRecipe = import("./exact-inputs.mjs").KLRecipe;

fc.configureGlobal({ seed: Number(process.env.FC_SEED ?? 20261130), numRuns: 150 });

const { kl: recipes } = JSON.parse(readFileSync(new URL("./fixtures/exact.json", import.meta.url), "utf8")) as { kl: KLRecipe[] };

/** The bounds the library states (README, Accuracy). */
function bound(recipe: KLRecipe): number {
  if (recipe.f32) return 1e-6;
  return recipe.kind === "near" ? 1e-10 : 1e-14;
}

describe.each(backendNames)("%s", (name) => {
  let kl: KL;
  beforeAll(async () => {
    kl = await loadBackend(name);
  });

  it.each(recipes.map((r) => [`${r.name} (${r.f32 ? "f32" : "f64"})`, r] as const))("%s", (_label, recipe) => {
    const [p, q] = klInputs(recipe);
    // One vector, and the same numbers as 50 rows summed (the exact value is the same sum).
    for (const rows of [1, 50]) {
      const got = kl.kl(p, q, { rows });
      const error = Math.abs(got - recipe.exact) / Math.abs(recipe.exact);
      expect(error, `rows ${rows}: got ${got}, exact ${recipe.exact}`).toBeLessThanOrEqual(bound(recipe));
    }
  });
});

const { gradients } = JSON.parse(readFileSync(new URL("./fixtures/exact.json", import.meta.url), "utf8")) as { gradients: number[][] };

/** Ulps between a and b. */
function ulps(a: number, b: number): number {
  if (a === b) return 0;
  const view = new DataView(new ArrayBuffer(16));
  view.setFloat64(0, a);
  view.setFloat64(8, b);
  const ordered = (bits: bigint) => (bits < 0n ? -(bits & 0x7fffffffffffffffn) : bits);
  const d = ordered(view.getBigInt64(0)) - ordered(view.getBigInt64(8));
  return Number(d < 0n ? -d : d);
}

describe.each(backendNames)("%s: gradients element by element against 50-digit values", (name) => {
  let kl: KL;
  beforeAll(async () => {
    kl = await loadBackend(name);
  });
  const column = (i: number) => Float64Array.from(gradients, (row) => row[i]!);

  it.each([
    ["forward, prob", "forwardGrad", "prob", 0, 1, 2],
    ["reverse, prob", "reverseGrad", "prob", 0, 1, 3],
    ["forward, log", "forwardGrad", "log", 4, 5, 6],
    ["reverse, log", "reverseGrad", "log", 4, 5, 7],
  ] as const)("%s: within 4 ulp (of the gradient's parts where they cancel)", (_label, method, space, target, approx, exact) => {
    const { grad } = kl[method](column(target), column(approx), { rows: gradients.length, space });
    const want = column(exact);
    let worst = 0;
    grad.forEach((g, i) => {
      // Where log(q/p) + 1 is near 0 the gradient is a difference of larger parts: measure the
      // error in ulps of those parts (for the other gradients the part is the gradient itself).
      const row = gradients[i]!;
      const part = method === "reverseGrad" ? Math.max(Math.abs(want[i]!), space === "prob" ? 1 : Math.exp(row[5]!)) : Math.abs(want[i]!);
      const error = ulps(g, want[i]!) <= 4 ? 0 : Math.abs(g - want[i]!) / (part * Number.EPSILON);
      worst = Math.max(worst, error);
    });
    expect(worst).toBeLessThanOrEqual(4);
  });
});

interface JSDCase {
  name: string;
  p: number[];
  q: number[];
  beta: number;
  f32: boolean;
  /** Absent for probabilities; logits and log-probabilities give p and q as log-space rows. */
  space?: Space;
  /** Unnormalised rows taken with `normalize: true` (value only: grad is all null). */
  normalize?: boolean;
  /** null where the exact J is subnormal (at the tiniest β): only its scaled value is checked. */
  value: number | null;
  scaled: number;
  grad: Array<number | null>;
}
const jsdCases = (JSON.parse(readFileSync(new URL("./fixtures/jsd.json", import.meta.url), "utf8")) as { cases: JSDCase[] }).cases;

const relativeError = (got: number, exact: number) => (got === exact ? 0 : Math.abs(got - exact) / Math.abs(exact));

/**
 * The generalised JSD of two-point rows [x, y] and [y, x] at β = ½, by its closed form:
 * M = [s/2, s/2] with s = x + y, and with t = (x − y)/s,
 * J = (s/2)·[(1 + t)·log(1 + t) + (1 − t)·log(1 − t)] = (s/2)·Σ_k t^{2k}/(k(2k − 1)).
 */
function twoPointJSD(x: number, y: number): number {
  const s = x + y;
  const t = (x - y) / s;
  if (Math.abs(t) > 0.1) return (s / 2) * ((1 + t) * Math.log1p(t) + (1 - t) * Math.log1p(-t));
  let total = 0;
  for (let k = 1, power = t * t; k < 30; k++, power *= t * t) total += power / (k * (2 * k - 1));
  return (s / 2) * total;
}

/** A row and another close to it: relative distance 10^-exponent per element, some zeros shared. */
const nearlyEqualRows = fc
  .record({
    values: fc.array(fc.double({ min: 1e-6, max: 1, noNaN: true }), { minLength: 1, maxLength: 40 }),
    zeros: fc.array(fc.boolean(), { minLength: 40, maxLength: 40 }),
    moves: fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: 40, maxLength: 40 }),
    exponent: fc.integer({ min: 4, max: 17 }),
  })
  .map(({ values, zeros, moves, exponent }) => {
    const p = values.map((v, i) => (zeros[i] ? 0 : v));
    return { p, q: p.map((v, i) => v * (1 + moves[i]! * 10 ** -exponent)) };
  });

/** β anywhere in [0, 1], often within 1e-15 … 1e-6 of either end. */
const weights = fc.oneof(
  fc.double({ min: 0, max: 1, noNaN: true }),
  fc.double({ min: 1e-15, max: 1e-6, noNaN: true }),
  fc.double({ min: 2.2250738585072014e-308, max: 1e-200, noNaN: true }),
  fc.double({ min: 1e-15, max: 1e-6, noNaN: true }).map((e) => 1 - e),
);

describe.each(backendNames)("%s: the JSD against 80-digit values (tests/fixtures/make_jsd.py)", (name) => {
  let kl: KL;
  beforeAll(async () => {
    kl = await loadBackend(name);
  });

  it.each(jsdCases.map((c) => [`${c.name}, β = ${c.beta} (${c.space ?? (c.f32 ? "f32" : "f64")})`, c] as const))("%s", (_label, c) => {
    const type = c.f32 ? Float32Array : Float64Array;
    const [p, q] = [type.from(c.p), type.from(c.q)];
    const space = c.space ?? "prob";
    const normalize = c.normalize ?? false;
    // Both element types run in f64 lanes by default: the value of the given inputs to 1e-8,
    // the scaled value to 1e-9, however close P and Q are and however close β is to 0 or 1.
    if (c.value !== null) expect(relativeError(kl.jsd(p, q, { beta: c.beta, space, normalize }), c.value)).toBeLessThanOrEqual(1e-8);
    expect(relativeError(kl.jsd(p, q, { beta: c.beta, space, normalize, scaled: true }), c.scaled)).toBeLessThanOrEqual(1e-9);
    // (the gradients refuse a probability-space approx with normalize)
    if (!normalize) {
      const { value, grad } = kl.jsdGrad(p, q, { beta: c.beta, space });
      if (c.value !== null) expect(relativeError(value, c.value), "jsdGrad's value").toBeLessThanOrEqual(1e-8);
      // Through the log-softmax, q·(g − Σ q·g) cancels in Σ q·g: to 1e-9 of the largest element.
      const largest = Math.max(...c.grad.map((g) => Math.abs(g ?? 0)));
      c.grad.forEach((exact, i) => {
        if (exact === null) return;
        if (space === "logits") expect(Math.abs(grad[i]! - exact), `grad[${i}]`).toBeLessThanOrEqual(1e-9 * largest);
        else expect(relativeError(grad[i]!, exact), `grad[${i}]`).toBeLessThanOrEqual(c.f32 ? 1e-6 : 1e-9);
      });
    }
    if (c.f32 && c.value !== null) {
      // f32 lanes: never negative, and within the f32 contract.
      const fast = kl.jsd(p, q, { beta: c.beta, precision: "fast" });
      expect(fast).toBeGreaterThanOrEqual(0);
      expect(relativeError(fast, c.value)).toBeLessThanOrEqual(1e-5);
    }
  });

  it("from logits, normalised log-probabilities or rescaled probabilities a few ulps to 1e-9 apart: ≥ 0, within 1e-8 of the reference, and jsdGrad's value is jsd's", () => {
    const logitRows = fc.record({
      cols: fc.integer({ min: 1, max: 200 }),
      rows: fc.integer({ min: 1, max: 3 }),
      centre: fc.constantFrom(0, 3, 1e4),
      closeness: fc.constantFrom(0, 2 ** -52, 1e-15, 1e-12, 1e-9),
      seed: fc.integer({ min: 0, max: 2 ** 30 }),
    }).map(({ cols, rows, centre, closeness, seed }) => {
      const x = logitsLike(cols * rows, seed, 3).map((v) => v + centre);
      const random = mulberry32(seed + 1);
      return { x, y: x.map((v) => v + Math.abs(v) * closeness * (2 * random() - 1)), rows };
    });
    fc.assert(
      fc.property(logitRows, weights, fc.constantFrom("logits", "log", "prob"), ({ x, y, rows }, beta, space) => {
        // Probabilities: e^(x − x₀) and 3·e^(y − x₀), unnormalised, rescaled by normalize.
        const [p, q] = space === "prob" ? [x.map((v) => Math.exp(v - x[0]!)), y.map((v) => 3 * Math.exp(v - x[0]!))] : [x, y];
        const options = { beta, rows, space, normalize: space !== "logits", reduction: "none" } as const;
        const want = referenceKL.jsd(p, q, options);
        const got = kl.jsd(p, q, options);
        // (the gradients refuse a probability-space approx with normalize)
        const value = space === "prob" ? got : kl.jsdGrad(p, q, options).value;
        got.forEach((v, r) => {
          expect(v).toBeGreaterThanOrEqual(0);
          expect(relativeError(v, want[r]!), `row ${r}: got ${v}, reference ${want[r]}`).toBeLessThanOrEqual(1e-8);
          expect(value[r]).toBe(v);
        });
      }),
      { numRuns: 100 },
    );
  });

  it("[x, 1 − x] against [1 − x, x], x just below ½: +1.54e-33, not negative", () => {
    const x = 0.49999999999999994;
    expect(relativeError(kl.jsd([x, 1 - x], [1 - x, x]), 1.5407439555097887e-33)).toBeLessThanOrEqual(1e-12);
  });

  it("two-point rows [x, y] against [y, x] agree with the closed form to 1e-12", () => {
    fc.assert(
      fc.property(fc.double({ min: 1e-3, max: 1, noNaN: true }), fc.integer({ min: 0, max: 17 }), fc.double({ min: -1, max: 1, noNaN: true }), (x, exponent, move) => {
        const y = x * (1 + move * 10 ** -exponent);
        const exact = twoPointJSD(x, y);
        const got = kl.jsd([x, y], [y, x]);
        expect(got).toBeGreaterThanOrEqual(0);
        if (exact === 0) expect(got).toBe(0);
        else expect(relativeError(got, exact)).toBeLessThanOrEqual(1e-12);
      }),
    );
  });

  it("is never negative and within 1e-8 of the reference for nearly equal rows, any β, f64 and f32, with and without normalize", () => {
    fc.assert(
      fc.property(nearlyEqualRows, weights, fc.boolean(), fc.boolean(), ({ p, q }, beta, normalize, scaled) => {
        fc.pre(p.some((v) => v > 0));
        // Scaled: a subnormal β is refused (tests/core/options.test.ts); unscaled, the value at
        // β below 1e-200 may itself be subnormal, where no relative bound holds.
        fc.pre(scaled ? beta === 0 || beta >= 2.2250738585072014e-308 : beta === 0 || beta >= 1e-200);
        const options = { beta, normalize, scaled };
        const exact = referenceKL.jsd(p, q, options);
        const got = kl.jsd(p, q, options);
        expect(got).toBeGreaterThanOrEqual(0);
        expect(relativeError(got, exact), `got ${got}, reference ${exact}`).toBeLessThanOrEqual(1e-8);
        const [p32, q32] = [Float32Array.from(p), Float32Array.from(q)];
        const exact32 = referenceKL.jsd(p32, q32, options);
        expect(relativeError(kl.jsd(p32, q32, options), exact32)).toBeLessThanOrEqual(1e-8);
        const fast = kl.jsd(p32, q32, { ...options, precision: "fast" });
        expect(fast).toBeGreaterThanOrEqual(0);
        // (normalize in f32 lanes rescales the rows in f32: other rows, another exact value)
        if (!normalize) expect(relativeError(fast, exact32), `fast: got ${fast}, reference ${exact32}`).toBeLessThanOrEqual(1e-5);
      }),
    );
  });
});

/** tests/fixtures/make_kl_exact.py: given inputs and their exact D(P‖Q), D(Q‖P) (strings for ±Infinity). */
interface KLExactCase {
  name: string;
  space: Space;
  x: number[];
  y: number[];
  forward: number | string;
  reverse: number | string;
  /** Probabilities taken with normalize (no gradient calls: a probability-space approx is refused there). */
  normalize?: boolean;
  /** f32 values, taken as Float32Array as well (f32 lanes by default). */
  f32?: boolean;
  /** A tighter bound than exactBound's. */
  bound?: number;
}
const { cases: exactCases } = JSON.parse(readFileSync(new URL("./fixtures/kl_exact.json", import.meta.url), "utf8")) as { cases: KLExactCase[] };

/** The goals: 1e-13 relative for the default form on any magnitudes; 1e-6 relative from logits or log-probabilities. */
function exactBound(c: KLExactCase): number {
  return c.bound ?? (c.space === "prob" ? 1e-13 : 1e-6);
}

describe.each(backendNames)("%s: KL of logits, log-probabilities and unnormalised measures against 60-digit values", (name) => {
  let kl: KL;
  beforeAll(async () => {
    kl = await loadBackend(name);
  });

  it.each(exactCases.flatMap((c) => (c.f32 ? [[c.name, c, Float64Array], [`${c.name} (Float32Array)`, c, Float32Array]] : [[c.name, c, Float64Array]]) as Array<[string, KLExactCase, typeof Float64Array | typeof Float32Array]>))("%s", (_label, c, type) => {
    const x = type.from(c.x);
    const y = type.from(c.y);
    const o = { space: c.space, normalize: c.normalize ?? false };
    const gradients = c.normalize ? [] : ([
      ["forwardGrad", kl.forwardGrad(x, y, o).value, Number(c.forward)],
      ["reverseGrad", kl.reverseGrad(x, y, o).value, Number(c.reverse)],
    ] as const);
    for (const [label, got, want] of [
      ["D(P‖Q)", kl.kl(x, y, o), Number(c.forward)],
      ["D(Q‖P)", kl.kl(y, x, o), Number(c.reverse)],
      ["forward", kl.forward(x, y, o), Number(c.forward)],
      ["reverse", kl.reverse(x, y, o), Number(c.reverse)],
      ...gradients,
    ] as const) {
      if (!Number.isFinite(want) || want === 0) expect(got, label).toBe(want);
      else expect(Math.abs(got - want) / Math.abs(want), `${label}: got ${got}, exact ${want}`).toBeLessThanOrEqual(exactBound(c));
    }
  });
});

describe.each(backendNames)("%s: no negative KL where the exact value is not", (name) => {
  let kl: KL;
  beforeAll(async () => {
    kl = await loadBackend(name);
  });
  /** Rows of logits near `centre`, and a copy moved by up to `closeness` relative (or the same row shifted). */
  const pair = fc.record({
    cols: fc.integer({ min: 1, max: 300 }),
    rows: fc.integer({ min: 1, max: 3 }),
    centre: fc.constantFrom(0, 1, 30, 1e4, 1e6),
    closeness: fc.constantFrom(0, 1e-15, 1e-12, 1e-9, 1e-6, 1e-2),
    shift: fc.constantFrom(0, 0, 3, -1e3),
    seed: fc.integer({ min: 0, max: 2 ** 30 }),
    f32: fc.boolean(),
    precision: fc.constantFrom("accurate", "fast"),
  }).map(({ cols, rows, centre, closeness, shift, seed, f32, precision }) => {
    const x = logitsLike(cols * rows, seed, 3).map((v) => v + centre);
    const random = mulberry32(seed + 1);
    const y = x.map((v) => v + shift + Math.abs(v) * closeness * (2 * random() - 1));
    return { x: f32 ? toF32(x) : x, y: f32 ? toF32(y) : y, rows, precision } as const;
  });

  it("from logits, and from log-probabilities or probabilities with normalize: true", () => {
    fc.assert(
      fc.property(pair, ({ x, y, rows, precision }) => {
        const probabilities = (v: Float64Array | Float32Array) => v.map((value) => Math.exp(value / 1e6));
        for (const [p, q, o] of [
          [x, y, { space: "logits" }],
          [x, y, { space: "log", normalize: true }],
          [probabilities(x), probabilities(y), { normalize: true }],
        ] as const) {
          const options = { ...o, rows, precision, reduction: "none" } as const;
          for (const values of [kl.kl(p, q, options), kl.kl(q, p, options)]) {
            for (const v of values) expect(v, `${JSON.stringify(o)}: ${v}`).toBeGreaterThanOrEqual(0);
          }
          for (const method of ["forwardGrad", "reverseGrad"] as const) {
            if (o.space === undefined) continue; // a probability-space approx is not rescaled
            const { value } = kl[method](p, q, { ...o, rows, precision, reduction: "sum" });
            expect(value).toBeGreaterThanOrEqual(0);
          }
        }
      }),
      { numRuns: 60 },
    );
  });
});

describe.each(backendNames)("%s: logits of any magnitude", (name) => {
  let kl: KL;
  beforeAll(async () => {
    kl = await loadBackend(name);
  });
  /**
   * Logits C + k·ulp(C) for integers k (exact doubles) against the same logits moved to 0,
   * k·ulp(C): softmax ignores the common C, so every value is the moved logits' value. C runs to
   * ±1e308, where max + log-sum would lose the log-sum and differences of logits overflow.
   */
  const rows = fc.record({
    cols: fc.integer({ min: 1, max: 40 }),
    centreP: fc.constantFrom(0, 1e6, -1e12, 2 ** 60, 1e200, -1e300, 1e308),
    centreQ: fc.constantFrom(0, 1e6, 1e12, -(2 ** 60), 1e300, -1e308),
    seed: fc.integer({ min: 0, max: 2 ** 30 }),
  }).map(({ cols, centreP, centreQ, seed }) => {
    const random = mulberry32(seed);
    // A step of at least 2^-13 (both powers of two: C + k·step is exact), so that logits near 0
    // keep differences of order 1.
    const steps = (centre: number) => Float64Array.from({ length: cols }, () => Math.round((random() - 0.5) * 40_000) * Math.max(ulp(centre), 2 ** -13));
    const u = steps(centreP), v = steps(centreQ);
    return { u, v, x: u.map((k) => centreP + k), y: v.map((k) => centreQ + k) };
  });

  it("gives the values of the logits moved to 0: KL both ways, gradient values and gradients, entropy, JSD", () => {
    fc.assert(
      fc.property(rows, ({ u, v, x, y }) => {
        const o = { space: "logits" } as const;
        const close = (got: number, want: number, label: string) => {
          if (!Number.isFinite(want) || want === 0) expect(got, label).toBe(want);
          else expect(Math.abs(got - want) / Math.abs(want), `${label}: ${got} vs ${want}`).toBeLessThanOrEqual(1e-12);
        };
        close(kl.kl(x, y, o), kl.kl(u, v, o), "D(P‖Q)");
        close(kl.kl(y, x, o), kl.kl(v, u, o), "D(Q‖P)");
        close(kl.forwardGrad(x, y, o).value, kl.forwardGrad(u, v, o).value, "forwardGrad value");
        close(kl.reverseGrad(x, y, o).value, kl.reverseGrad(u, v, o).value, "reverseGrad value");
        close(kl.entropy(x, o), kl.entropy(u, o), "entropy");
        close(kl.jsd(x, y, o), kl.jsd(u, v, o), "JSD");
        const [moved, given] = [kl.forwardGrad(u, v, o).grad, kl.forwardGrad(x, y, o).grad];
        for (let i = 0; i < u.length; i++) expect(Math.abs(given[i]! - moved[i]!), `grad[${i}]`).toBeLessThanOrEqual(1e-15);
      }),
      { numRuns: 100 },
    );
  });
});

describe.each(backendNames)("%s: rows taken with normalize whose sum passes the largest double (closed forms)", (name) => {
  it("rescale as P/ΣP all the same: KL, JSD, entropy and cross-entropy of [1e308, 1e308] and [1, 2]", async () => {
    const kl = await loadBackend(name);
    const o = { normalize: true };
    // (1e-14: the closed forms below are themselves evaluated in doubles)
    // P = [⅓, ⅔], Q = [½, ½].
    const forward = (1 / 3) * Math.log(2 / 3) + (2 / 3) * Math.log(4 / 3);
    const reverse = 0.5 * Math.log(1.5) + 0.5 * Math.log(0.75);
    expect(relativeError(kl.kl([1, 2], [1e308, 1e308], o), forward)).toBeLessThanOrEqual(1e-14);
    expect(relativeError(kl.kl([1e308, 1e308], [1, 2], o), reverse)).toBeLessThanOrEqual(1e-14);
    expect(relativeError(kl.jsd([1, 2], [1e308, 1e308], o), 0.014362591564146662)).toBeLessThanOrEqual(1e-14); // mpmath, 60 digits
    expect(kl.entropy([1e308, 1e308], o)).toBe(Math.LN2);
    expect(relativeError(kl.crossEntropy([1, 2], [1e308, 1e308], o), Math.LN2)).toBeLessThanOrEqual(1e-14);
    expect(relativeError(kl.crossEntropy([1e308, 1e308], [1, 2], o), -0.5 * Math.log(1 / 3) - 0.5 * Math.log(2 / 3))).toBeLessThanOrEqual(1e-14);
  });

  it("a near row beside a logit more than the largest double below its maximum: KL of [1e300, −MAX] against [0, −50] is log1p(e^−50), not NaN", async () => {
    const kl = await loadBackend(name);
    const want = Math.log1p(Math.exp(-50));
    expect(relativeError(kl.kl([1e300, -Number.MAX_VALUE], [0, -50], { space: "logits" }), want)).toBeLessThanOrEqual(1e-15);
    expect(relativeError(kl.reverse([0, -50], [1e300, -Number.MAX_VALUE], { space: "logits" }), want)).toBeLessThanOrEqual(1e-15);
  });
});

describe.each(backendNames)("%s: entropy of nearly one-hot logits", (name) => {
  it("is log(1 + e^−a) + a·e^−a/(1 + e^−a) for logits [0, −a], to 1e-13, where the row's sum rounds to 1 too (closed form)", async () => {
    const kl = await loadBackend(name);
    for (const a of [10, 20, 30, 40, 50, 100, 700]) {
      const e = Math.exp(-a);
      const want = Math.log1p(e) + (a * e) / (1 + e);
      for (const options of [{ space: "logits" }, { space: "log", normalize: true }] as const) {
        expect(relativeError(kl.entropy([0, -a], options), want), `a = ${a}`).toBeLessThanOrEqual(1e-13);
        // H(P, P) is the entropy: the cross-entropy of the same row takes the same log-sum.
        expect(relativeError(kl.crossEntropy([0, -a], [0, -a], options), want), `a = ${a}`).toBeLessThanOrEqual(1e-13);
      }
    }
  });
});

describe.each(backendNames)("%s: cross-entropy and reverse gradient of logits more than the largest double apart", (name) => {
  it("reverseGrad of target logits [c, −c] against [0, 0]: D = c − ln 2 → c, gradient [−c/2, c/2], not Infinity (closed form)", async () => {
    const kl = await loadBackend(name);
    for (const c of [1e308, 9e307]) {
      // P = [1, e^(−2c)], Q = [½, ½]: q·(log q − log p − D) = ½·(−ln 2 − D) and ½·(−ln 2 + 2c − D).
      const { value, grad } = kl.reverseGrad([c, -c], [0, 0], { space: "logits", reduction: "sum" });
      expect(value).toBe(c);
      expect(Array.from(grad)).toEqual([-c / 2, c / 2]);
    }
  });

  it("is −Σ p·log q with log q = −2c for q's logits [c, −c]: c itself, not Infinity (closed form)", async () => {
    const kl = await loadBackend(name);
    for (const c of [1e308, 9e307, 1e300]) {
      // P = [½, ½], log Q = [0, −2c] (e^(−2c) is 0 beside 1): H(P, Q) = ½·2c = c.
      expect(kl.crossEntropy([0, 0], [c, -c], { space: "logits" })).toBe(c);
      expect(kl.crossEntropy([0, 0], [c, -c], { space: "log", normalize: true })).toBe(c);
    }
    // q = 0 given (−Infinity) stays +Infinity.
    expect(kl.crossEntropy([0, 0], [0, -Infinity], { space: "logits" })).toBe(Infinity);
  });
});

/** The spacing of doubles at x (a power of two): the gap from |x| to the next double away from 0. */
function ulp(x: number): number {
  const a = Math.abs(x);
  if (a === 0) return Number.MIN_VALUE;
  const exponent = Math.floor(Math.log2(a));
  return 2 ** Math.max(exponent - 52, -1074) * (2 ** exponent > a ? 0.5 : 1);
}
