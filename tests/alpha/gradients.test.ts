// alphaGrad and renyiGrad on every backend: the gradient with respect to approx against central
// finite differences of the matching divergence (Richardson-extrapolated), with approx in
// probability, log and logits space, at α = −1, 0, 0.5, 1, 2 (Amari) and 0, 0.5, 1, 2, ∞ (Rényi,
// ∞ where the arg max of p/q is clear), f64; the value is the divergence's; "mean" divides value
// and gradient by the rows, `base` by ln(base); `out` is written and returned.
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import type { KL } from "../../src/index.js";
import type { Space } from "../../src/core/types.js";
import { backendNames, loadBackend } from "../backends.js";
import { distributions, logits, positives, probabilitiesOf, rowOf } from "./helpers.js";

fc.configureGlobal({ seed: Number(process.env.FC_SEED ?? 20261130), numRuns: 25 });

type Method = "alphaGrad" | "renyiGrad";
const ORDERS: Record<Method, number[]> = { alphaGrad: [-1, 0, 0.5, 1, 2], renyiGrad: [0, 0.5, 1, 2, Infinity] };

interface Setup {
  rows: number;
  n: number;
  seed: number;
  /** approx's space; the target is in "prob" (or "logits" beside logits approx, half the time). */
  qSpace: Space;
  logitsTarget: boolean;
}

const setups = fc.record({
  rows: fc.integer({ min: 1, max: 3 }),
  n: fc.integer({ min: 1, max: 8 }),
  seed: fc.integer({ min: 0, max: 2 ** 30 }),
  qSpace: fc.constantFrom<Space>("prob", "log", "logits"),
  logitsTarget: fc.boolean(),
});

/**
 * Target and approx for a setup: approx's probabilities all > 0 (the gradient is a derivative
 * there), target with zeros only where the divergence stays finite and smooth (Amari's at α ≤ 0
 * is +∞ where p = 0 < q).
 */
function inputs({ rows, n, seed, qSpace, logitsTarget }: Setup, method: Method, alpha: number) {
  const zeros = method === "renyiGrad" || alpha > 0 ? 0.25 : 0;
  const pSpace: Space = qSpace === "logits" && logitsTarget ? "logits" : "prob";
  const target = pSpace === "logits" ? logits(rows * n, seed) : distributions(rows, n, seed, 2, zeros);
  const approx = qSpace === "logits" ? logits(rows * n, seed + 1) : qSpace === "log" ? positives(rows * n, seed + 1, 2).map(Math.log) : positives(rows * n, seed + 1, 2);
  return { target, approx, pSpace };
}

/**
 * Whether the arg max of log(p/q) is clear in every row (by 0.05, far more than the steps move
 * it): at α = ∞ the divergence is log max p/q, whose gradient is that of the arg max's term.
 */
function clearArgMax(target: Float64Array, approx: Float64Array, { rows, n, qSpace }: Setup, pSpace: Space): boolean {
  for (let r = 0; r < rows; r++) {
    const p = probabilitiesOf(rowOf(target, r, n), pSpace);
    const q = probabilitiesOf(rowOf(approx, r, n), qSpace);
    const ratios = p.flatMap((x, i) => (x > 0 ? [Math.log(x / q[i]!)] : [])).sort((a, b) => b - a);
    if (ratios.length > 1 && ratios[0]! - ratios[1]! < 0.05) return false;
  }
  return true;
}

/**
 * The derivative of f at element i by central differences at steps h and h/2, extrapolated
 * (Richardson: the O(h²) terms cancel), with the bound of its rounding error.
 */
function centralDifference(f: (x: Float64Array) => number, x: Float64Array, i: number, h: number): { slope: number; rounding: number } {
  const at = (step: number) => {
    const [plus, minus] = [x.slice(), x.slice()];
    plus[i]! += step;
    minus[i]! -= step;
    const [fp, fm] = [f(plus), f(minus)];
    return { d: (fp - fm) / (2 * step), size: Math.abs(fp) + Math.abs(fm) };
  };
  const [coarse, fine] = [at(h), at(h / 2)];
  // Each f within ~1e-15 of its exact value (relative, and ~1e-16 absolute from log-sum-exps and
  // the rows' masses): the quotients carry that over h.
  const rounding = (1e-14 * (coarse.size + fine.size) + 1e-15) / h;
  return { slope: (4 * fine.d - coarse.d) / 3, rounding };
}

describe.each(backendNames)("%s: gradients of the α family", (name) => {
  let kl: KL;
  beforeAll(async () => {
    kl = await loadBackend(name);
  });

  const divergence = (method: Method) => (method === "alphaGrad" ? kl.alphaDivergence.bind(kl) : kl.renyi.bind(kl));

  describe.each([
    ...ORDERS.alphaGrad.map((alpha) => ["alphaGrad", alpha] as const),
    ...ORDERS.renyiGrad.map((alpha) => ["renyiGrad", alpha] as const),
  ])("%s at α = %s", (method, alpha) => {
    it("matches central finite differences of the divergence in prob, log and logits space", () => {
      fc.assert(
        fc.property(setups, (setup) => {
          const { target, approx, pSpace } = inputs(setup, method, alpha);
          if (alpha === Infinity) fc.pre(clearArgMax(target, approx, setup, pSpace));
          const options = { alpha, rows: setup.rows, pSpace, qSpace: setup.qSpace };
          const f = (a: Float64Array) => divergence(method)(target, a, options);
          const { value, grad } = kl[method](target, approx, options);
          const context = JSON.stringify({ ...setup, pSpace, alpha });
          expect(grad, context).toBeInstanceOf(Float64Array);
          expect(Math.abs(value - f(approx)), `${context}: the value is the divergence's`).toBeLessThanOrEqual(1e-14 * Math.abs(value));
          for (let i = 0; i < approx.length; i++) {
            // A relative step in probability space (q stays > 0), an absolute one in log and logits.
            const h = setup.qSpace === "prob" ? 1e-3 * approx[i]! : 1e-3;
            const { slope, rounding } = centralDifference(f, approx, i, h);
            const room = 1e-6 * Math.max(Math.abs(slope), Math.abs(grad[i]!)) + rounding + 1e-300;
            expect(Math.abs(grad[i]! - slope), `${context} [${i}]: grad ${grad[i]}, differences ${slope}`).toBeLessThanOrEqual(room);
          }
        }),
      );
    });
  });

  it("reduction \"mean\" divides value and gradient by the rows; \"none\" gives the rows' values and the same gradient as \"sum\"", () => {
    fc.assert(
      fc.property(setups, fc.constantFrom<Method>("alphaGrad", "renyiGrad"), fc.constantFrom(0, 0.5, 1, 2, -1, Infinity), (setup, method, order) => {
        const alpha = method === "alphaGrad" && order === Infinity ? 3 : method === "renyiGrad" && order < 0 ? 0.25 : order;
        const { target, approx, pSpace } = inputs(setup, method, alpha);
        const options = { alpha, rows: setup.rows, pSpace, qSpace: setup.qSpace };
        const sum = kl[method](target, approx, options);
        const mean = kl[method](target, approx, { ...options, reduction: "mean" });
        const none = kl[method](target, approx, { ...options, reduction: "none" });
        expect(Math.abs(mean.value - sum.value / setup.rows)).toBeLessThanOrEqual(1e-15 * Math.abs(sum.value));
        expect(none.value).toBeInstanceOf(Float64Array);
        expect(none.value.length).toBe(setup.rows);
        expect(none.value).toEqual(divergence(method)(target, approx, { ...options, reduction: "none" }));
        sum.grad.forEach((g, i) => {
          expect(none.grad[i]).toBe(g);
          if (Number.isFinite(g)) expect(Math.abs(mean.grad[i]! - g / setup.rows), `[${i}]`).toBeLessThanOrEqual(1e-15 * Math.abs(g));
          else expect(mean.grad[i]).toBe(g);
        });
      }),
    );
  });

  it("base divides value and gradient by ln(base) (renyiGrad; alphaGrad, not in nats, refuses it)", () => {
    expect(() => kl.alphaGrad([0.5, 0.5], [0.9, 0.1], { alpha: 0.7, base: 2 } as never)).toThrow(/options\.base/);
    for (const method of ["renyiGrad"] as const) {
      const target = distributions(2, 5, 11);
      const approx = logits(10, 12);
      const options = { alpha: 0.7, rows: 2, pSpace: "prob", qSpace: "logits" } as const;
      const nats = kl[method](target, approx, options);
      const bits = kl[method](target, approx, { ...options, base: 2 });
      expect(Math.abs(bits.value - nats.value / Math.LN2)).toBeLessThanOrEqual(1e-15 * Math.abs(bits.value));
      nats.grad.forEach((g, i) => expect(Math.abs(bits.grad[i]! - g / Math.LN2), `${method} [${i}]`).toBeLessThanOrEqual(1e-15 * Math.abs(g / Math.LN2) + 1e-300));
    }
  });

  it("writes the gradient into out (f64 and f32) and returns it; the same numbers as without out", () => {
    for (const method of ["alphaGrad", "renyiGrad"] as const) {
      for (const qSpace of ["prob", "log", "logits"] as const) {
        const target = distributions(3, 7, 21, 2, 0.2);
        const approx64 = qSpace === "logits" ? logits(21, 22) : qSpace === "log" ? positives(21, 22, 2).map(Math.log) : positives(21, 22, 2);
        for (const approx of [approx64, Float32Array.from(approx64)]) {
          const options = { alpha: 0.5, rows: 3, qSpace };
          const fresh = kl[method](target, approx, options);
          const out = approx instanceof Float32Array ? new Float32Array(21).fill(NaN) : new Float64Array(21).fill(NaN);
          const given = kl[method](target, approx, { ...options, out });
          expect(given.grad, `${method} ${qSpace} ${out.constructor.name}`).toBe(out);
          expect(fresh.grad).toBeInstanceOf(out.constructor as typeof Float64Array);
          expect(Array.from(out)).toEqual(Array.from(fresh.grad));
          expect(given.value).toBe(fresh.value);
        }
      }
    }
  });

  it("Rényi's logits gradient q − w sums to 0 in every row; Amari's logits gradient too", () => {
    const target = logits(4 * 30, 31);
    const approx = logits(4 * 30, 32);
    for (const method of ["alphaGrad", "renyiGrad"] as const) {
      for (const alpha of [0.5, 2]) {
        const { grad } = kl[method](target, approx, { alpha, rows: 4, space: "logits" });
        for (let r = 0; r < 4; r++) {
          const row = rowOf(grad, r, 30);
          const scale = Math.max(...row.map(Math.abs));
          expect(Math.abs(row.reduce((s, g) => s + g, 0)), `${method} α = ${alpha} row ${r}`).toBeLessThanOrEqual(1e-14 * scale + 1e-300);
        }
      }
    }
  });
});
