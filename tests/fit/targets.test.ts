/**
 * The targets of the fits, discretised (src/fit/targets.ts): a mixture's grid, moments and
 * (log-)density, a density on a grid, a Gaussian target on a product grid, and the limit on
 * their size.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { KLError, referenceKL } from "../../src/index.js";
import { fitDiagGaussian, fitGaussian } from "../../src/fit/fit.js";
import { GRID_DEFAULTS, gridMoments, mixtureDensity, mixtureGrid, mixtureLogDensity, mixtureMoments } from "../../src/fit/targets.js";
import { expectNear, forwardMixtures, moments } from "./mixtures.js";

describe("a mixture's grid", () => {
  it("discretises a mixture so that its grid moments are the closed forms", () => {
    for (const [, m] of forwardMixtures) {
      const { mean, sigma } = moments(m);
      const x = mixtureGrid(m);
      expect(x.length).toBeGreaterThanOrEqual(1000);
      expect(x[0]).toBeLessThanOrEqual(mean - 6 * sigma + 1e-9);
      expect(x[x.length - 1]).toBeGreaterThanOrEqual(mean + 6 * sigma - 1e-9);
      Array.from(m.means).forEach((mk, k) => {
        expect(x[0]).toBeLessThanOrEqual(mk - 6 * m.sigmas[k]! + 1e-9);
        expect(x[x.length - 1]).toBeGreaterThanOrEqual(mk + 6 * m.sigmas[k]! - 1e-9);
      });
      // Cutting a Gaussian at ±6σ loses 2·(6φ(6) + Φ(−6)) ≈ 7.5e-8 of its variance.
      const grid = gridMoments(x, mixtureDensity(m, x));
      expectNear(grid.mean, mean, sigma, 1e-7, "grid mean");
      expectNear(grid.sigma, sigma, sigma, 1e-7, "grid sigma");
      expect(mixtureMoments(m)).toEqual({ mean: expect.closeTo(mean, 12), sigma: expect.closeTo(sigma, 12) });
    }
  });
});

describe("a mixture's density", () => {
  const bimodal = forwardMixtures[0]![1];

  it("is Σ w_k·N(x; m_k, s_k²), its log taken without underflow in the tails", () => {
    const normal = (x: number, m: number, s: number) => Math.exp(-0.5 * ((x - m) / s) ** 2) / (s * Math.sqrt(2 * Math.PI));
    const x = [-3, -2, 0, 1.5, 2, 4];
    const want = x.map((v) => 0.5 * normal(v, -2, 0.6) + 0.5 * normal(v, 2, 0.6));
    mixtureDensity(bimodal, x).forEach((p, i) => expect(Math.abs(p - want[i]!)).toBeLessThanOrEqual(1e-15 * want[i]!));
    mixtureLogDensity(bimodal, x).forEach((l, i) => expect(Math.abs(l - Math.log(want[i]!))).toBeLessThanOrEqual(1e-14 * Math.abs(Math.log(want[i]!))));
    // At x = 40 the density underflows to 0; its log is the log of the nearer component, exactly.
    const far = 40;
    expect(mixtureDensity(bimodal, [far])[0]).toBe(0);
    const nearer = Math.log(0.5) - Math.log(0.6) - 0.5 * Math.log(2 * Math.PI) - 0.5 * ((far - 2) / 0.6) ** 2;
    expect(Math.abs(mixtureLogDensity(bimodal, [far])[0]! - nearer)).toBeLessThanOrEqual(1e-15 * Math.abs(nearer));
  });

  it("normalises the weights", () => {
    const scaled = { ...bimodal, weights: [3, 3] };
    expect(Array.from(mixtureDensity(scaled, [0, 2]))).toEqual(Array.from(mixtureDensity(bimodal, [0, 2])));
  });
});

describe("GRID_DEFAULTS", () => {
  it("are what mixtureGrid uses when the grid is left out", () => {
    const m = forwardMixtures[1]![1];
    const { mean, sigma } = mixtureMoments(m);
    const x = mixtureGrid(m);
    expect(x.length).toBe(GRID_DEFAULTS.points);
    expect(x[0]).toBeLessThanOrEqual(mean - GRID_DEFAULTS.reach * sigma);
    expect(Object.isFrozen(GRID_DEFAULTS)).toBe(true);
  });
});

describe("gridMoments", () => {
  it("weights an uneven grid by its cells", () => {
    // A uniform density on [0, 1] given on points crowded near 0: mean ½ and variance 1/12,
    // up to the end cells (a full spacing, 1e-3 at x = 1); unweighted, the points' mean is ⅓.
    const x = Float64Array.from({ length: 2001 }, (_, i) => (i / 2000) ** 2);
    const { mean, sigma } = gridMoments(x, x.map(() => 1));
    expect(Math.abs(mean - 0.5)).toBeLessThan(1e-3);
    expect(Math.abs(sigma - Math.sqrt(1 / 12))).toBeLessThan(1e-3);
  });
});

describe("grids larger than a fit can hold are TOO_LARGE at once, before anything is allocated", () => {
  const bimodal = { weights: [0.5, 0.5], means: [-2, 2], sigmas: [0.6, 0.6] };
  /** Runs `call`, which must throw TOO_LARGE naming options.grid.points within a second. */
  function expectTooLarge(call: () => unknown, argument = "options.grid.points"): void {
    const start = performance.now();
    let thrown: unknown;
    try {
      call();
    } catch (error) {
      thrown = error;
    }
    expect(performance.now() - start).toBeLessThan(1000);
    expect(thrown).toBeInstanceOf(KLError);
    expect({ code: (thrown as KLError).code, argument: (thrown as KLError).argument }).toEqual({ code: "TOO_LARGE", argument });
  }

  it("is 2^26 points in all", () => {
    expect(GRID_DEFAULTS.maxPoints).toBe(2 ** 26);
  });

  it("a mixture's grid: mixtureGrid, fitGaussian", () => {
    // mixtureGrid's own parameter is `grid`; a fit's is `options.grid`.
    expectTooLarge(() => mixtureGrid(bimodal, { points: 1e9 }), "grid.points");
    expectTooLarge(() => mixtureGrid(bimodal, { points: 2 ** 26 + 1 }), "grid.points");
    expectTooLarge(() => fitGaussian(referenceKL, bimodal, { grid: { points: 1e9 } }));
  });

  it("a Gaussian target's product grid: the default one in 7 dimensions (16^7 points), and given ones", () => {
    const target = (d: number) => ({ mean: new Array(d).fill(0), cov: Array.from({ length: d * d }, (_, i) => (i % (d + 1) === 0 ? 1 : 0)) });
    expectTooLarge(() => fitDiagGaussian(referenceKL, target(7), { steps: 0 }));
    expectTooLarge(() => fitDiagGaussian(referenceKL, target(2), { steps: 0, grid: { points: [1e9, 2] } }));
    expectTooLarge(() => fitDiagGaussian(referenceKL, target(3), { steps: 0, grid: { points: 407 } })); // 407³ > 2^26
  });

  it("any grid whose product of points per axis exceeds 2^26 (fast-check)", () => {
    const d3 = { mean: [0, 0, 0], cov: [1, 0, 0, 0, 1, 0, 0, 0, 1] };
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 2, max: 2 ** 27 }), { minLength: 3, maxLength: 3 }), (points) => {
        fc.pre(points.reduce((a, b) => a * b, 1) > 2 ** 26);
        expectTooLarge(() => fitDiagGaussian(referenceKL, d3, { steps: 0, grid: { points } }));
      }),
      { numRuns: 200 },
    );
  });
});
