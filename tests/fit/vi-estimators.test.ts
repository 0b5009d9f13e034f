/**
 * The pieces of fitGaussianVI on their own: the per-sample gradients (STL's variance vanishes at
 * the optimum when the family holds the target, the reparameterisation gradient's does not; both
 * are unbiased), the families' algebra, the seeded normal generator, and Pareto-k̂ on weights
 * with a known tail.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { addSampleGradient, fullRank, meanField, renyiEstimate, type GaussianFamily } from "../../src/fit/vi-estimators.js";
import { generalisedParetoFit, paretoK } from "../../src/numeric/pareto-k.js";
import { mulberry32 as mulberry32Numeric, normalGenerator } from "../../src/numeric/random.js";
import { mulberry32 } from "../random.mjs";
import { gaussianTarget } from "./vi-gaussians.js";

/** One step's gradient estimate (mean over `samples` draws) at θ, for a Gaussian target. */
function stepGradient(family: GaussianFamily, theta: Float64Array, d: number, stl: boolean, samples: number, seed: number, grad: (z: Float64Array, out: Float64Array) => void): Float64Array {
  const normal = normalGenerator(seed);
  const eps = new Float64Array(d);
  const z = new Float64Array(d);
  const g = new Float64Array(d);
  const scratch = new Float64Array(d);
  const gradient = new Float64Array(family.size);
  family.prepare(theta);
  for (let k = 0; k < samples; k++) {
    for (let i = 0; i < d; i++) eps[i] = normal();
    family.draw(theta, eps, z);
    grad(z, g);
    addSampleGradient(family, stl, g, eps, 1 / samples, gradient, scratch);
  }
  return gradient;
}

/** Per-coordinate mean and variance of gradient estimates over seeds. */
function spread(run: (seed: number) => Float64Array, seeds: number) {
  const draws = Array.from({ length: seeds }, (_, s) => run(s + 1));
  const size = draws[0]!.length;
  const mean = Array.from({ length: size }, (_, j) => draws.reduce((t, x) => t + x[j]!, 0) / seeds);
  const variance = Array.from({ length: size }, (_, j) => draws.reduce((t, x) => t + (x[j]! - mean[j]!) ** 2, 0) / (seeds - 1));
  return { mean, variance };
}

describe("the gradient estimators at the optimum", () => {
  const target = gaussianTarget([1, -2, 0.5], [2, 0.9, -0.4, 0.9, 1, 0.3, -0.4, 0.3, 0.8]);
  const d = 3;
  // θ = P's own parameters: μ = m, L = chol(Σ) (log of its diagonal, then the strict lower triangle).
  const l = [Math.SQRT2, 0, 0, 0.9 / Math.SQRT2, 0, 0, -0.4 / Math.SQRT2, 0, 0];
  l[4] = Math.sqrt(1 - l[3]! ** 2);
  l[7] = (0.3 - l[6]! * l[3]!) / l[4]!;
  l[8] = Math.sqrt(0.8 - l[6]! ** 2 - l[7]! ** 2);
  const optimum = Float64Array.from([1, -2, 0.5, Math.log(l[0]!), Math.log(l[4]!), Math.log(l[8]!), l[3]!, l[6]!, l[7]!]);

  it("full-rank: STL's variance is ~0 (rounding), the reparameterisation gradient's is not; both means are ~0", () => {
    const family = fullRank(d);
    const stl = spread((seed) => stepGradient(family, optimum, d, true, 16, seed, target.gradLogDensity), 200);
    const reparam = spread((seed) => stepGradient(family, optimum, d, false, 16, seed, target.gradLogDensity), 200);
    for (const v of stl.variance) expect(v).toBeLessThan(1e-24);
    for (const x of stl.mean) expect(Math.abs(x)).toBeLessThan(1e-12);
    expect(Math.min(...reparam.variance)).toBeGreaterThan(1e-3);
    // Unbiased: the mean over 200 × 16 draws is 0 within 4 standard errors.
    reparam.mean.forEach((x, j) => expect(Math.abs(x)).toBeLessThan(4 * Math.sqrt(reparam.variance[j]! / 200)));
  });

  it("mean-field on an axis-aligned Gaussian: the same", () => {
    const diagonal = gaussianTarget([0.5, -1], [0.25, 0, 0, 4]);
    const theta = Float64Array.from([0.5, -1, Math.log(0.5), Math.log(2)]);
    const family = meanField(2);
    const stl = spread((seed) => stepGradient(family, theta, 2, true, 16, seed, diagonal.gradLogDensity), 200);
    const reparam = spread((seed) => stepGradient(family, theta, 2, false, 16, seed, diagonal.gradLogDensity), 200);
    for (const v of stl.variance) expect(v).toBeLessThan(1e-24);
    expect(Math.min(...reparam.variance)).toBeGreaterThan(1e-3);
  });

  it("away from the optimum both estimate the same gradient", () => {
    const family = fullRank(d);
    const theta = optimum.map((x, j) => x + 0.3 * Math.sin(j + 1));
    const stl = spread((seed) => stepGradient(family, theta, d, true, 16, seed, target.gradLogDensity), 400);
    const reparam = spread((seed) => stepGradient(family, theta, d, false, 16, seed, target.gradLogDensity), 400);
    stl.mean.forEach((x, j) => {
      const error = Math.sqrt((stl.variance[j]! + reparam.variance[j]!) / 400);
      expect(Math.abs(x - reparam.mean[j]!)).toBeLessThan(4 * error + 1e-9);
    });
  });
});

describe("the families", () => {
  it("full-rank's scoreOfZ solves Lᵀx = ε", () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 0, max: 2 ** 31 }), (d, seed) => {
      const uniform = mulberry32(seed);
      const family = fullRank(d);
      const theta = Float64Array.from({ length: family.size }, () => 2 * uniform() - 1);
      family.prepare(theta);
      const l = family.scale(theta);
      const eps = Float64Array.from({ length: d }, () => 2 * uniform() - 1);
      const x = new Float64Array(d);
      family.scoreOfZ(eps, x);
      for (let i = 0; i < d; i++) {
        let s = 0;
        for (let k = 0; k < d; k++) s += l[k * d + i]! * x[k]!;
        expect(s).toBeCloseTo(eps[i]!, 10);
      }
    }), { seed: 42, numRuns: 100 });
  });

  it("the Rényi estimate is the mean log-weight at α = 1 and the log-mean-weight at α = 0", () => {
    const logWeights = [-1, 0.5, 2, -3];
    expect(renyiEstimate(logWeights, 1)).toBe(-0.375);
    expect(renyiEstimate(logWeights, 0)).toBeCloseTo(Math.log(logWeights.reduce((s, x) => s + Math.exp(x), 0) / 4), 14);
    expect(renyiEstimate(logWeights, 0.5)).toBeGreaterThan(-0.375);
    expect(renyiEstimate(logWeights, 0.5)).toBeLessThan(renyiEstimate(logWeights, 0));
  });
});

describe("the seeded generators", () => {
  it("mulberry32 is tests/random.mjs's, and the normals repeat per seed", () => {
    const a = mulberry32Numeric(99);
    const b = mulberry32(99);
    for (let i = 0; i < 100; i++) expect(a()).toBe(b());
    const x = normalGenerator(5);
    const y = normalGenerator(5);
    for (let i = 0; i < 101; i++) expect(x()).toBe(y());
  });

  it("draws standard normals (mean, variance, fourth moment)", () => {
    const normal = normalGenerator(7);
    const n = 200_000;
    let m1 = 0, m2 = 0, m4 = 0;
    for (let i = 0; i < n; i++) {
      const z = normal();
      m1 += z / n;
      m2 += (z * z) / n;
      m4 += z ** 4 / n;
    }
    expect(Math.abs(m1)).toBeLessThan(4 / Math.sqrt(n));
    expect(Math.abs(m2 - 1)).toBeLessThan(4 * Math.sqrt(2 / n));
    expect(Math.abs(m4 - 3)).toBeLessThan(4 * Math.sqrt(96 / n));
  });
});

describe("Pareto-k̂", () => {
  it("fits the generalised Pareto as ArviZ's _gpdfit does (Zhang & Stephens with Vehtari's prior)", () => {
    // Exceedances at the quantiles ((1 − p)^(−ξ) − 1)/ξ, p = (i + ½)/n; expected values from
    // ArviZ's _gpdfit (stats/diagnostics.py) run in NumPy 2.4 on the same numbers.
    const cases = [[0.3, 50, 0.3506351275266247, 0.9711711466786718], [0.9, 120, 0.862274378341638, 1.0020405450947794], [-0.2, 80, -0.09132242131361669, 0.9640245698451936]] as const;
    for (const [xi, n, shape, scale] of cases) {
      const x = Array.from({ length: n }, (_, i) => ((1 - (i + 0.5) / n) ** -xi - 1) / xi);
      const fit = generalisedParetoFit(x);
      expect(fit.shape).toBeCloseTo(shape, 12);
      expect(fit.scale).toBeCloseTo(scale, 12);
    }
  });

  it("recovers the tail index of Pareto weights w = u^(−ξ), on average over seeds", () => {
    // k̂ from the 190 largest of 4000 weights has a standard error near (1 + ξ)/√190 ≈ 0.1 per seed.
    for (const xi of [0.2, 0.5, 0.8, 1.2]) {
      let sum = 0;
      for (const seed of [17, 18, 19, 20, 21, 22, 23, 24]) {
        const uniform = mulberry32(seed);
        sum += paretoK(Array.from({ length: 4000 }, () => -xi * Math.log(1 - uniform()))) / 8;
      }
      expect(Math.abs(sum - xi)).toBeLessThan(0.1);
    }
  });

  it("is below 0.5 for light-tailed weights, ignores zero weights, and needs a tail", () => {
    const normal = normalGenerator(3);
    const light = Array.from({ length: 4000 }, () => 0.3 * normal());
    expect(paretoK(light)).toBeLessThan(0.5);
    expect(paretoK([...light, -Infinity, -Infinity])).toBeLessThan(0.5);
    // Equal weights (Q = P): a flat tail, bounded weights.
    expect(paretoK([0, 0, 0, 0, 0, 0])).toBe(-Infinity);
    expect(paretoK([1])).toBeNaN();
  });
});
