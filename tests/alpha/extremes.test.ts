// The α family at the extremes, on every backend: rows long enough that spreading them into a
// call's arguments would overflow the stack; orders up to Number.MAX_VALUE (values and gradients
// on the arg max of p/q); identical rows whose every method gives 0 exactly (never −0); nearly
// proportional counts in jeffreys with normalize (the PSI), against mpmath; and the pool, which
// must not split a long row of the Rényi divergence (a log of a sum) into pieces.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { KL } from "../../src/index.js";
// The pool's workers run the built worker script, so the pool is the built package's.
import { createKL, createKLPool, type KLPool } from "../../dist/index.js";
import { backendNames, loadBackend } from "../backends.js";
import { mulberry32 } from "../random.mjs";

/** A random distribution of n elements. */
function distribution(n: number, seed: number): Float64Array {
  const random = mulberry32(seed);
  const values = Float64Array.from({ length: n }, () => random() + 1e-3);
  const total = values.reduce((s, v) => s + v, 0);
  return values.map((v) => v / total);
}

describe.each(backendNames)("%s: the α family at the extremes", (backend) => {
  let kl: KL;
  beforeAll(async () => {
    kl = await loadBackend(backend);
  });

  it("takes rows of 200 000 elements at every order and in logits space (no stack overflow), with the limits' values", () => {
    const n = 200_000;
    const [p, q] = [distribution(n, 1), distribution(n, 2)];
    const uniform = new Float64Array(n).fill(1 / n);
    // D_0 of full support is 0; D_∞ is log max p/q; at 1e6 it is within 1e-5 of it here.
    expect(kl.renyi(uniform, uniform, { alpha: 0 })).toBe(0);
    let top = -Infinity;
    for (let i = 0; i < n; i++) top = Math.max(top, Math.log(p[i]! / q[i]!));
    expect(Math.abs(kl.renyi(p, q, { alpha: Infinity }) - top)).toBeLessThanOrEqual(1e-15 * top);
    expect(Math.abs(kl.renyi(p, q, { alpha: 1e6 }) - top)).toBeLessThanOrEqual(1e-5 * top);
    const logits = { space: "logits" } as const;
    const [x, y] = [p.map(Math.log), q.map(Math.log)];
    expect(Math.abs(kl.hellinger(x, y, logits) - kl.hellinger(p, q))).toBeLessThanOrEqual(1e-12 * kl.hellinger(p, q));
    expect(Math.abs(kl.renyi(x, y, { ...logits, alpha: 0.5 }) - kl.renyi(p, q, { alpha: 0.5 }))).toBeLessThanOrEqual(1e-12 * kl.renyi(p, q, { alpha: 0.5 }));
    const { grad } = kl.renyiGrad(p, y, { alpha: Infinity, qSpace: "logits" });
    expect(grad.every(Number.isFinite)).toBe(true);
    expect(Number.isFinite(kl.forward(x, y, logits))).toBe(true);
  });

  it("takes orders up to Number.MAX_VALUE: the value and gradient of log max p/q", () => {
    const [p, q] = [[0.5, 0.5], [0.9, 0.1]];
    for (const alpha of [1e16, 1e300, Number.MAX_VALUE, Infinity]) {
      expect(kl.renyi(p, q, { alpha }), `α = ${alpha}`).toBeCloseTo(Math.log(5), 15);
      const { grad } = kl.renyiGrad(p, q, { alpha });
      // −(p/q)^α/S is all on the arg max of p/q: −1/q there.
      expect(Array.from(grad), `α = ${alpha}`).toEqual([expect.closeTo(0, 15), expect.closeTo(-10, 12)]);
    }
  });

  it("gives 0 exactly (never −0) for identical rows, tiny elements included", () => {
    const v = [2.2e-12, 3.9e-13, 1.2e-5, 9.6e-12, 0.59, 6.8e-18];
    const counts = [3, 0, 7, 1];
    for (const [p, options] of [[v, {}], [counts, { normalize: true }], [[0, 1, 2], { space: "logits" }]] as const) {
      for (const alpha of [0, 0.5, 1, 2, Infinity]) expect(Object.is(kl.renyi(p, p, { ...options, alpha }), 0), `renyi α = ${alpha} ${JSON.stringify(options)}`).toBe(true);
      for (const alpha of [-1, 0, 0.5, 1, 3]) expect(Object.is(kl.alphaDivergence(p, p, { ...options, alpha }), 0), `alphaDivergence α = ${alpha}`).toBe(true);
      for (const method of ["hellinger", "bhattacharyya", "totalVariation", "chiSquare", "jeffreys"] as const) {
        expect(Object.is(kl[method](p, p, options), 0), `${method} ${JSON.stringify(options)}`).toBe(true);
      }
    }
  });

  it("keeps the digits of nearly proportional counts in jeffreys with normalize (the PSI), against mpmath", () => {
    // mpmath at 60 digits of Σ (p̂ − q̂)·log(p̂/q̂), p̂ = p/Σp, q̂ = q/Σq.
    expect(kl.jeffreys([1, 2, 3], [1, 2, 3.0000000000003], { normalize: true })).toBeCloseTo(2.5034062571127848e-27, 38);
  });
});

describe("the pool on one long row of the Rényi divergence", () => {
  let pool: KLPool;
  let kl: KL;
  beforeAll(async () => {
    [pool, kl] = await Promise.all([createKLPool({ threads: 2 }), createKL()]);
  });
  afterAll(async () => {
    await pool?.terminate();
  });

  it("gives createKL's results bit for bit (a log of a sum is not the sum of its pieces)", async () => {
    const [p, q] = [distribution(200_000, 3), distribution(200_000, 4)];
    for (const alpha of [0, 0.5, 2, Infinity]) expect(await pool.renyi(p, q, { alpha }), `α = ${alpha}`).toBe(kl.renyi(p, q, { alpha }));
    expect(await pool.bhattacharyya(p, q)).toBe(kl.bhattacharyya(p, q));
    const [fromPool, here] = [await pool.renyiGrad(p, q, { alpha: 0.5 }), kl.renyiGrad(p, q, { alpha: 0.5 })];
    expect(fromPool.value).toBe(here.value);
    expect(fromPool.grad).toEqual(here.grad);
  });
});
