// Identities of the α family on random rows (fast-check), on every backend: the definitions
// against independent sums, D_½ = −2·log BC = 2·bhattacharyya, D_2 = log(1 + χ²), Rényi's
// divergence non-decreasing in α, Pinsker's and the Hellinger–total-variation inequalities,
// Amari's divergence tending to the KL at both ends (continuously to 1e-12 at ε = 1e-12), Amari's
// symmetry, D_1 = KL, Jeffreys = KL + reverse KL, χ² = 2·A_2, and exact zeros for identical rows.
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import type { KL } from "../../src/index.js";
import type { Space } from "../../src/core/types.js";
import { backendNames, loadBackend } from "../backends.js";
import { asArray, distributions, fsum, inputsOf, logits, rowProbabilities, rowShapes } from "./helpers.js";

fc.configureGlobal({ seed: Number(process.env.FC_SEED ?? 20261130), numRuns: 100 });

/** |got − want| ≤ relative·|want| + absolute, element by element (infinities exactly). */
function expectNear(got: number | ArrayLike<number>, want: number | ArrayLike<number>, relative: number, absolute: number, context: string): void {
  const [g, w] = [typeof got === "number" ? [got] : Array.from(got), typeof want === "number" ? [want] : Array.from(want)];
  expect(g.length, context).toBe(w.length);
  g.forEach((x, i) => {
    if (!Number.isFinite(w[i]!)) expect(x, `${context} [${i}]`).toBe(w[i]);
    else expect(Math.abs(x - w[i]!), `${context} [${i}]: got ${x}, want ${w[i]}`).toBeLessThanOrEqual(relative * Math.abs(w[i]!) + absolute);
  });
}

/** Rows of the probability forms with zeros in p and q (independently placed). */
const withZeros = rowShapes(["given", "normalize"], [0, 0.2]);
/** Rows that are distributions by construction, or doubles summing to 1 but for rounding. */
const anyRows = rowShapes(["given", "normalize", "logits"]);
/** Rows that are distributions by construction (their mass is exactly 1). */
const exactDistributions = rowShapes(["normalize", "logits"]);

describe.each(backendNames)("%s: identities of the α family", (name) => {
  let kl: KL;
  beforeAll(async () => {
    kl = await loadBackend(name);
  });

  it("totalVariation, hellinger, chiSquare and jeffreys are their definitions, summed independently (1e-12)", () => {
    fc.assert(
      fc.property(withZeros, (shape) => {
        const { p, q, options } = inputsOf(shape);
        const [ps, qs] = [rowProbabilities(p, shape), rowProbabilities(q, shape)];
        const none = { ...options, reduction: "none" } as const;
        const perRow = (term: (x: number, y: number) => number) => ps.map((row, r) => fsum(row.map((x, i) => term(x, qs[r]![i]!))));
        expectNear(kl.totalVariation(p, q, none), perRow((x, y) => Math.abs(x - y) / 2), 1e-12, 0, "½Σ|p − q|");
        // (√p − √q)² = (p − q)²/(√p + √q)²: no cancellation where p ≈ q.
        const squared = perRow((x, y) => (x === y ? 0 : ((x - y) / (Math.sqrt(x) + Math.sqrt(y))) ** 2));
        expectNear(kl.hellinger(p, q, none), squared.map((s) => Math.sqrt(s / 2)), 1e-12, 0, "√(½Σ(√p − √q)²)");
        const chi = perRow((x, y) => (y === 0 ? (x > 0 ? Infinity : 0) : (x - y) ** 2 / y));
        expectNear(kl.chiSquare(p, q, none), chi, 1e-12, 0, "Σ(p − q)²/q");
        const relEntr = (x: number, y: number) => (x === 0 ? 0 : y === 0 ? Infinity : x * Math.log(x / y));
        const jeffreys = perRow((x, y) => relEntr(x, y) + relEntr(y, x));
        expectNear(kl.jeffreys(p, q, none), jeffreys, 1e-12, 1e-15 * Math.max(0, ...jeffreys.filter(Number.isFinite)), "Σ(p − q)·log(p/q)");
      }),
    );
  });

  it("D_½ = −2·log(Σ√(pq)/Σp) = 2·bhattacharyya; D_2 = log(1 + χ²) for distributions", () => {
    fc.assert(
      fc.property(anyRows, (shape) => {
        const { p, q, options } = inputsOf(shape);
        const none = { ...options, reduction: "none" } as const;
        const [ps, qs] = [rowProbabilities(p, shape), rowProbabilities(q, shape)];
        const half = kl.renyi(p, q, { ...none, alpha: 0.5 });
        expectNear(half, asArray(kl.bhattacharyya(p, q, none)).map((b) => 2 * b), 1e-14, 0, "D_½ = 2·bhattacharyya");
        // The mass: exactly 1 for normalize and logits, the rows' own sum as given.
        const bc = ps.map((row, r) => fsum(row.map((x, i) => Math.sqrt(x * qs[r]![i]!))) / (shape.form === "given" ? fsum(row) : 1));
        expectNear(half, bc.map((b) => -2 * Math.log(b)), 1e-12, 1e-15, "D_½ = −2·log BC");
        if (shape.form !== "given") {
          const chi = asArray(kl.chiSquare(p, q, none));
          expectNear(kl.renyi(p, q, { ...none, alpha: 2 }), chi.map(Math.log1p), 1e-12, 1e-300, "D_2 = log(1 + χ²)");
        }
      }),
    );
  });

  it("Rényi's divergence is non-decreasing in α over [0, ∞], through α = 1 ± 1e-9", () => {
    fc.assert(
      fc.property(withZeros, fc.array(fc.double({ min: 0, max: 60, noNaN: true }), { minLength: 1, maxLength: 6 }), (shape, orders) => {
        const { p, q, options } = inputsOf(shape);
        const none = { ...options, reduction: "none" } as const;
        const sorted = [...new Set([0, 1e-12, 0.5, 1 - 1e-9, 1, 1 + 1e-9, 2, ...orders, 1e6, Infinity])].sort((a, b) => a - b);
        const values = sorted.map((alpha) => asArray(kl.renyi(p, q, { ...none, alpha })));
        for (let k = 1; k < values.length; k++) {
          values[k]!.forEach((v, r) => {
            const before = values[k - 1]![r]!;
            const context = `row ${r}, α ${sorted[k - 1]} → ${sorted[k]}: ${before} → ${v}`;
            if (before === Infinity) expect(v, context).toBe(Infinity);
            // Equal in exact arithmetic at most: each within 1e-12 of its own exact value.
            else if (v !== Infinity) expect(v, context).toBeGreaterThanOrEqual(before - 1e-12 * (Math.abs(before) + Math.abs(v)));
          });
        }
      }),
    );
  });

  it("Pinsker: TV ≤ √(KL/2); and H² ≤ TV ≤ √2·H, for distributions", () => {
    fc.assert(
      fc.property(exactDistributions, (shape) => {
        const { p, q, options } = inputsOf(shape);
        const none = { ...options, reduction: "none" } as const;
        const tv = asArray(kl.totalVariation(p, q, none));
        const klValues = asArray(kl.kl(p, q, none));
        const h = asArray(kl.hellinger(p, q, none));
        tv.forEach((t, r) => {
          expect(t, "Pinsker").toBeLessThanOrEqual(Math.sqrt(klValues[r]! / 2) * (1 + 1e-12) + 1e-300);
          expect(h[r]! * h[r]!, "H² ≤ TV").toBeLessThanOrEqual(t * (1 + 1e-12) + 1e-300);
          expect(t, "TV ≤ √2·H").toBeLessThanOrEqual(Math.SQRT2 * h[r]! * (1 + 1e-12) + 1e-300);
          expect(t).toBeLessThanOrEqual(1);
          expect(h[r]!).toBeLessThanOrEqual(1);
        });
      }),
    );
  });

  it("Amari's divergence is KL(Q‖P) at α = 0 and KL(P‖Q) at α = 1, and tends to them linearly (to 1e-12 at ε = 1e-12)", () => {
    // Ratios p/q within e^±7 (3 decades): the slope in α stays moderate.
    fc.assert(
      fc.property(exactDistributions, (shape) => {
        const { p, q, options } = inputsOf(shape);
        const none = { ...options, reduction: "none" } as const;
        const amari = (alpha: number) => asArray(kl.alphaDivergence(p, q, { ...none, alpha }));
        const ends = [
          { at: 0, kl: asArray(kl.kl(q, p, none)) },
          { at: 1, kl: asArray(kl.kl(p, q, none)) },
        ];
        for (const { at, kl: want } of ends) {
          const end = amari(at);
          expectNear(end, want, 1e-12, 1e-300, `A at α = ${at} against the KL`);
          // t: the distance from the end toward the other one (exact: 1 − α is, for α near 1).
          const orderAt = (t: number) => (at === 0 ? t : 1 - t);
          // The slope at the end from t = 1e-4 and 2e-4 (one-sided, second order), and the
          // curvature that bounds the rest; then A(t) = A(0) + t·slope + O(t²) down to t = 1e-12.
          const step = 1e-4;
          const [one, two] = [amari(orderAt(step)), amari(orderAt(2 * step))];
          end.forEach((a0, r) => {
            const slope = (4 * one[r]! - two[r]! - 3 * a0) / (2 * step);
            const curvature = Math.abs(two[r]! - 2 * one[r]! + a0) / (step * step);
            for (const epsilon of [1e-6, 1e-9, 1e-12]) {
              const alpha = orderAt(epsilon);
              const t = at === 0 ? alpha : 1 - alpha;
              const got = amari(alpha)[r]!;
              const predicted = a0 + t * slope;
              const room = 10 * curvature * t * t + 1e-3 * Math.abs(slope) * t + 1e-12 * a0 + 1e-300;
              expect(Math.abs(got - predicted), `row ${r}, α = ${alpha}: ${got} against ${predicted}`).toBeLessThanOrEqual(room);
            }
            // Continuity at ε = 1e-12: within 1e-12 of the end's value (relative, plus the slope's part).
            const near = amari(at === 0 ? 1e-12 : 1 - 1e-12)[r]!;
            expect(Math.abs(near - a0)).toBeLessThanOrEqual(1e-12 * (a0 + Math.abs(slope)) + 1e-300);
          });
        }
      }),
      { numRuns: 40 },
    );
  });

  it("Amari's symmetry: A_α(P‖Q) = A_{1−α}(Q‖P)", () => {
    // Orders k/16 and any doubles whose complement 1 − α is exact (not α = 1e-300, whose
    // complement rounds to 1: the order the swapped call gets would be another).
    const orders = fc.oneof(fc.integer({ min: -48, max: 64 }).map((k) => k / 16), fc.double({ min: -3, max: 4, noNaN: true }));
    fc.assert(
      fc.property(withZeros, orders, (shape, alpha) => {
        fc.pre(1 - (1 - alpha) === alpha);
        const { p, q, options } = inputsOf(shape);
        const none = { ...options, reduction: "none" } as const;
        const forward = kl.alphaDivergence(p, q, { ...none, alpha });
        const swapped = kl.alphaDivergence(q, p, { ...none, alpha: 1 - alpha });
        expectNear(forward, swapped, 1e-12, 1e-300, `α = ${alpha}`);
      }),
    );
  });

  it("renyi at α = 1 is the KL for distributions (and KL/Σp for rows as given); jeffreys is kl(p, q) + kl(q, p)", () => {
    fc.assert(
      fc.property(withZeros, (shape) => {
        const { p, q, options } = inputsOf(shape);
        const none = { ...options, reduction: "none" } as const;
        const forward = asArray(kl.kl(p, q, none));
        const reverse = asArray(kl.kl(q, p, none));
        const masses = rowProbabilities(p, shape).map((row) => (shape.form === "given" ? fsum(row) : 1));
        expectNear(kl.renyi(p, q, { ...none, alpha: 1 }), forward.map((v, r) => v / masses[r]!), 1e-12, 1e-300, "D_1 = KL");
        const both = forward.map((f, r) => f + reverse[r]!);
        expectNear(kl.jeffreys(p, q, none), both, 1e-12, 1e-300, "jeffreys = kl + reverse kl");
      }),
    );
    fc.assert(
      fc.property(rowShapes(["logits"]), (shape) => {
        const { p, q, options } = inputsOf(shape);
        const none = { ...options, reduction: "none" } as const;
        expectNear(kl.renyi(p, q, { ...none, alpha: 1 }), kl.kl(p, q, none), 1e-12, 1e-300, "D_1 = KL from logits");
        expectNear(kl.jeffreys(p, q, none), asArray(kl.kl(p, q, none)).map((f, r) => f + asArray(kl.kl(q, p, none))[r]!), 1e-12, 1e-300, "jeffreys from logits");
      }),
    );
  });

  it("chiSquare is twice Amari's divergence at α = 2, bhattacharyya half renyi at ½, hellinger √(A_½)/2", () => {
    fc.assert(
      fc.property(anyRows, (shape) => {
        const { p, q, options } = inputsOf(shape);
        const none = { ...options, reduction: "none" } as const;
        expectNear(kl.chiSquare(p, q, none), asArray(kl.alphaDivergence(p, q, { ...none, alpha: 2 })).map((a) => 2 * a), 1e-14, 0, "χ² = 2·A_2");
        expectNear(kl.bhattacharyya(p, q, none), asArray(kl.renyi(p, q, { ...none, alpha: 0.5 })).map((d) => d / 2), 1e-14, 0, "B = D_½/2");
        expectNear(kl.hellinger(p, q, none), asArray(kl.alphaDivergence(p, q, { ...none, alpha: 0.5 })).map((a) => Math.sqrt(a) / 2), 1e-14, 0, "H = √(A_½)/2");
        // and the reductions: "sum" is the rows' sum, "mean" their mean
        const rows = asArray(kl.chiSquare(p, q, none));
        expectNear(kl.chiSquare(p, q, options), fsum(rows), 1e-14, 0, "sum");
        expectNear(kl.chiSquare(p, q, { ...options, reduction: "mean" }), fsum(rows) / shape.rows, 1e-14, 0, "mean");
      }),
    );
  });

  it("identical rows give exactly 0: hellinger(p, p) === 0, and every other divergence at every order", () => {
    const shapes = fc.record({
      rows: fc.integer({ min: 1, max: 3 }),
      n: fc.integer({ min: 1, max: 40 }),
      seed: fc.integer({ min: 0, max: 2 ** 30 }),
      space: fc.constantFrom<Space>("prob", "log", "logits"),
      normalize: fc.boolean(),
      f32: fc.boolean(),
      zeros: fc.constantFrom(0, 0.3),
    });
    fc.assert(
      fc.property(shapes, ({ rows, n, seed, space, normalize, f32, zeros }) => {
        const values = space === "logits" ? logits(rows * n, seed) : space === "log" ? distributions(rows, n, seed, 3, zeros).map(Math.log) : distributions(rows, n, seed, 3, zeros);
        const p = f32 ? Float32Array.from(values) : values;
        const options = { rows, space, normalize, reduction: "none" } as const;
        const zeroRows = (v: number | Float64Array, what: string) => asArray(v).forEach((x, r) => expect(x === 0, `${what}, row ${r}: ${x}`).toBe(true));
        zeroRows(kl.hellinger(p, p, options), "hellinger");
        zeroRows(kl.hellinger(p, p.slice(), options), "hellinger of a copy");
        zeroRows(kl.bhattacharyya(p, p, options), "bhattacharyya");
        zeroRows(kl.totalVariation(p, p, options), "totalVariation");
        zeroRows(kl.chiSquare(p, p, options), "chiSquare");
        zeroRows(kl.jeffreys(p, p, options), "jeffreys");
        for (const alpha of [0, 1e-12, 0.5, 1, 2, 1e6, Infinity]) zeroRows(kl.renyi(p, p, { ...options, alpha }), `renyi α = ${alpha}`);
        for (const alpha of [-1, 0, 0.5, 1, 2, 5]) zeroRows(kl.alphaDivergence(p, p, { ...options, alpha }), `alphaDivergence α = ${alpha}`);
      }),
    );
  });

  it("the README's examples", () => {
    const [p, q] = [[0.5, 0.5], [0.9, 0.1]];
    expect(kl.renyi(p, q, { alpha: 2 })).toBeCloseTo(Math.log((0.25 / 0.9 + 0.25 / 0.1) / 1), 15);
    expect(kl.hellinger(p, q, { rows: 1 })).toBeCloseTo(0.32491969623290634, 15);
    expect(kl.bhattacharyya(p, q)).toBeCloseTo(-Math.log(Math.sqrt(0.45) + Math.sqrt(0.05)), 15);
    expect(kl.totalVariation(p, q)).toBeCloseTo(0.4, 15);
    expect(kl.totalVariation(p, q, { rows: 1 })).toBeCloseTo(0.4, 15);
    expect(kl.chiSquare(p, q)).toBeCloseTo(0.16 / 0.9 + 0.16 / 0.1, 14);
    expect(kl.hellinger([0.5, 0.5], [0.5, 0.5])).toBe(0);
    expect(kl.alphaDivergence(p, q, { alpha: 0 })).toBeCloseTo(0.9 * Math.log(1.8) + 0.1 * Math.log(0.2), 15);
  });
});
