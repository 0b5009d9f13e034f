/**
 * fitGaussian / fitDiagGaussian on every backend: forward KL matches moments, reverse KL
 * seeks a mode, the factorised fits of a correlated Gaussian land on Σ_kk (forward) and
 * 1/Λ_kk (reverse). Every expected value comes from the closed forms, never from a run.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { KLError, referenceKL, type KL } from "../../src/index.js";
import { fitDiagGaussian, fitGaussian, fitGaussianSteps } from "../../src/fit/fit.js";
import { mixtureDensity, mixtureGrid } from "../../src/fit/targets.js";
import type { DiagGaussianFit, GaussianFit } from "../../src/fit/types.js";
import { backendNames, loadBackend } from "../backends.js";
import { expectNear, forwardMixtures, moments, separated } from "./mixtures.js";

/** The inverse of a symmetric positive definite matrix (row-major d×d), by Gauss–Jordan. */
function inverse(a: number[], d: number): number[] {
  const m = a.slice();
  const inv = Array.from({ length: d * d }, (_, i) => (i % (d + 1) === 0 ? 1 : 0));
  for (let c = 0; c < d; c++) {
    const pivot = m[c * d + c]!;
    for (let j = 0; j < d; j++) {
      m[c * d + j]! /= pivot;
      inv[c * d + j]! /= pivot;
    }
    for (let r = 0; r < d; r++) {
      if (r === c) continue;
      const f = m[r * d + c]!;
      for (let j = 0; j < d; j++) {
        m[r * d + j]! -= f * m[c * d + j]!;
        inv[r * d + j]! -= f * inv[c * d + j]!;
      }
    }
  }
  return inv;
}

function determinant(a: number[], d: number): number {
  if (d === 2) return a[0]! * a[3]! - a[1]! * a[2]!;
  return a[0]! * (a[4]! * a[8]! - a[5]! * a[7]!) - a[1]! * (a[3]! * a[8]! - a[5]! * a[6]!) + a[2]! * (a[3]! * a[7]! - a[4]! * a[6]!);
}


describe.each(backendNames)("%s", (name) => {
  let kl: KL;
  beforeAll(async () => {
    kl = await loadBackend(name);
  });

  describe("forward KL matches moments", () => {
    it.each(forwardMixtures)("%s", (_, mixture) => {
      const { mean, sigma } = moments(mixture);
      const fit = fitGaussian(kl, mixture, { direction: "forward" });
      expect(fit.converged).toBe(true);
      expectNear(fit.mu, mean, sigma, 1e-3, "mu");
      expectNear(fit.sigma, sigma, sigma, 1e-3, "sigma");
    });

    it("covers both modes even when started on one (zero-avoiding)", () => {
      const mixture = forwardMixtures[0]![1];
      const { mean, sigma } = moments(mixture);
      const fit = fitGaussian(kl, mixture, { direction: "forward", init: { mu: 2, sigma: 0.6 } });
      expect(fit.history[0]).toMatchObject({ mu: 2, sigma: 0.6 });
      expectNear(fit.mu, mean, sigma, 1e-3, "mu");
      expectNear(fit.sigma, sigma, sigma, 1e-3, "sigma");
    });

    it("on a density given on an even grid and on an uneven one", () => {
      const mixture = forwardMixtures[1]![1];
      const { mean, sigma } = moments(mixture);
      const even = Float64Array.from({ length: 1501 }, (_, i) => -20 + (40 * i) / 1500);
      // Dense near the modes, sparse in the tails: cell widths from 0.006 to 0.3.
      const uneven = Float64Array.from({ length: 3001 }, (_, i) => 2 * Math.sinh((6 * (i - 1500)) / 1500));
      for (const x of [even, uneven]) {
        const fit = fitGaussian(kl, { x, density: mixtureDensity(mixture, x) }, { direction: "forward" });
        expect(fit.converged).toBe(true);
        expectNear(fit.mu, mean, sigma, 1e-3, "mu");
        expectNear(fit.sigma, sigma, sigma, 1e-3, "sigma");
      }
    });

    it("on a density with zeros: the Epanechnikov kernel ¾(1 − x²), variance 1/5", () => {
      const x = Float64Array.from({ length: 2001 }, (_, i) => -2 + (4 * i) / 2000);
      const density = x.map((v) => Math.max(0, 0.75 * (1 - v * v)));
      const fit = fitGaussian(kl, { x, density }, { direction: "forward", init: { mu: 0.5, sigma: 1 } });
      expectNear(fit.mu, 0, Math.sqrt(0.2), 1e-3, "mu");
      expectNear(fit.sigma, Math.sqrt(0.2), Math.sqrt(0.2), 1e-3, "sigma");
      // Reverse KL keeps Q inside P's support (the grid points where P = 0 are dropped): finite, centred.
      const reverse = fitGaussian(kl, { x, density }, { direction: "reverse", init: { mu: 0.5, sigma: 1 } });
      expect(Number.isFinite(reverse.kl)).toBe(true);
      expectNear(reverse.mu, 0, Math.sqrt(0.2), 1e-3, "reverse mu");
    });
  });

  describe("reverse KL seeks a mode", () => {
    it.each([0, 1, 2])("started near mode %i, it settles on that mode", (k) => {
      const [m, s, w] = [separated.means[k]!, separated.sigmas[k]!, separated.weights[k]!];
      const fit = fitGaussian(kl, separated, { direction: "reverse", init: { mu: m + 0.8 * s, sigma: 1.5 * s } });
      expect(fit.converged).toBe(true);
      expect(Math.abs(fit.mu - m)).toBeLessThan(0.1);
      expectNear(fit.sigma, s, s, 0.05, "sigma");
      // Q = the component alone gives D(Q‖P) ≈ −log w (the other components are many σ away);
      // the optimum can only be lower, and not by much.
      expect(fit.kl).toBeLessThanOrEqual(-Math.log(w) + 1e-6);
      expect(fit.kl).toBeGreaterThan(-Math.log(w) - 0.01);
    });

    it("starts on the largest-weight mode by default", () => {
      const fit = fitGaussian(kl, separated, { direction: "reverse" });
      expect(fit.history[0]).toMatchObject({ mu: separated.means[1], sigma: separated.sigmas[1] });
      expect(Math.abs(fit.mu - separated.means[1]!)).toBeLessThan(0.1);
    });

    it("on a grid density, starts at its highest point, σ where it falls to e^(−1/2) of that", () => {
      // Peak heights w/(s·√2π): 0.171, 0.180, 0.199: the narrow mode at 5 is the highest.
      const x = mixtureGrid(separated);
      const fit = fitGaussian(kl, { x, density: mixtureDensity(separated, x) }, { direction: "reverse" });
      const step = x[1]! - x[0]!;
      expect(Math.abs(fit.history[0]!.mu - 5)).toBeLessThanOrEqual(step);
      expect(Math.abs(fit.history[0]!.sigma - 0.5)).toBeLessThanOrEqual(step);
      expect(Math.abs(fit.mu - 5)).toBeLessThan(0.1);
    });

    it("on two modes 4σ_P apart as given on a grid", () => {
      const mixture = { weights: [0.5, 0.5], means: [-2, 2], sigmas: [0.6, 0.6] };
      const x = mixtureGrid(mixture);
      const fit = fitGaussian(kl, { x, density: mixtureDensity(mixture, x) }, { direction: "reverse", init: { mu: 1, sigma: 1 } });
      expect(Math.abs(fit.mu - 2)).toBeLessThan(0.1);
    });
  });

  describe("factorised Gaussian on a correlated Gaussian", () => {
    const cases: Array<[string, number[], number[]]> = [
      ["2-D, ρ = 0.8", [1, -1], [1, 1.6, 1.6, 4]],
      ["2-D, ρ = −0.9", [-2, 0.5], [2, -0.9, -0.9, 0.5]],
      ["3-D", [0.5, 0, -1], [1, 0.5, 0.2, 0.5, 2, 0.3, 0.2, 0.3, 1.5]],
    ];
    it.each(cases)("%s: forward gives Σ_kk, reverse 1/Λ_kk, and D = ½ log(Π Σ_kk / det Σ) for both", (_, mean, cov) => {
      const d = mean.length;
      const precision = inverse(cov, d);
      // Q* differs from P only in its covariance S = diag(v): D = ½(tr(·) − d + log det ratio),
      // where the trace term is d at both optima.
      const want = {
        forward: { variance: mean.map((_, k) => cov[k * d + k]!), kl: 0 },
        reverse: { variance: mean.map((_, k) => 1 / precision[k * d + k]!), kl: 0 },
      };
      const detCov = determinant(cov, d);
      want.forward.kl = 0.5 * Math.log(want.forward.variance.reduce((a, b) => a * b, 1) / detCov);
      want.reverse.kl = 0.5 * Math.log(detCov / want.reverse.variance.reduce((a, b) => a * b, 1));
      const points = d === 2 ? 65 : 17;
      for (const direction of ["forward", "reverse"] as const) {
        const fit: DiagGaussianFit = fitDiagGaussian(kl, { mean, cov }, {
          direction, grid: { points }, init: { mu: mean.map((m, k) => m + 0.5 * Math.sqrt(cov[k * d + k]!)), sigma: mean.map(() => 1) },
        });
        expect(fit.converged, direction).toBe(true);
        for (let k = 0; k < d; k++) {
          const sd = Math.sqrt(want[direction].variance[k]!);
          expectNear(fit.mu[k]!, mean[k]!, sd, 1e-3, `${direction} mu[${k}]`);
          expectNear(fit.sigma[k]!, sd, sd, 1e-3, `${direction} sigma[${k}]`);
        }
        expectNear(fit.kl, want[direction].kl, want[direction].kl, 1e-3, `${direction} kl`);
      }
    });
  });

  describe("agrees with the reference", () => {
    const mixture = forwardMixtures[1]![1];
    // Starts away from every optimum: Adam scales each gradient to a unit step, so at a
    // start where a gradient is ~0 it would follow rounding noise, differently per backend.
    const run = (backend: KL) => ({
      forward: fitGaussian(backend, mixture, { direction: "forward", init: { mu: -1, sigma: 1 } }),
      reverse: fitGaussian(backend, mixture, { direction: "reverse", init: { mu: -1, sigma: 1 } }),
      diag: fitDiagGaussian(backend, { mean: [1, -1], cov: [1, 1.6, 1.6, 4] }, { direction: "reverse", grid: { points: 33 }, init: { mu: [0, 0], sigma: [1, 1] } }),
    });
    let reference: ReturnType<typeof run>;
    beforeAll(() => {
      reference = run(referenceKL);
    });

    it("step by step, and in the result", () => {
      const got = run(kl);
      for (const key of ["forward", "reverse", "diag"] as const) {
        const [a, b] = [got[key], reference[key]] as [GaussianFit | DiagGaussianFit, GaussianFit | DiagGaussianFit];
        expect(a.converged && b.converged).toBe(true);
        for (let step = 0; step < Math.min(a.history.length, b.history.length); step++) {
          const [x, y] = [a.history[step]!, b.history[step]!];
          expect(Math.abs(x.kl - y.kl), `${key} kl at step ${step}`).toBeLessThanOrEqual(1e-10 * Math.abs(y.kl) + 1e-14);
          for (const param of ["mu", "sigma"] as const) {
            const [u, v] = [[x[param]].flat(), [y[param]].flat()];
            u.forEach((value, k) => expect(Math.abs(value - v[k]!), `${key} ${param} at step ${step}`).toBeLessThanOrEqual(1e-10 * (1 + Math.abs(v[k]!))));
          }
        }
        // Should the stopping step differ by one, the results still agree to the tolerance.
        for (const param of ["mu", "sigma"] as const) {
          const [u, v] = [[a[param]].flat(), [b[param]].flat()];
          u.forEach((value, k) => expect(Math.abs(value - v[k]!), `${key} ${param}`).toBeLessThanOrEqual(1e-8 * (1 + Math.abs(v[k]!))));
        }
        expect(Math.abs(a.kl - b.kl)).toBeLessThanOrEqual(1e-9);
      }
    });
  });
});

describe("the fitting interface", () => {
  const mixture = forwardMixtures[0]![1];

  it("records every evaluation, calls onStep for each, and stops when it returns false", () => {
    const seen: number[] = [];
    const fit = fitGaussian(referenceKL, mixture, { onStep: (state) => { seen.push(state.step); } });
    expect(seen).toEqual(fit.history.map((_, i) => i));
    expect(fit.steps).toBe(fit.history.length - 1);
    expect(fit.history[fit.history.length - 1]).toEqual({ mu: fit.mu, sigma: fit.sigma, kl: fit.kl });
    // The start: the grid's centre, σ an eighth of its width.
    const x = mixtureGrid(mixture);
    expect(fit.history[0]!.mu).toBeCloseTo((x[0]! + x[x.length - 1]!) / 2, 12);
    expect(fit.history[0]!.sigma).toBeCloseTo((x[x.length - 1]! - x[0]!) / 8, 12);

    const stopped = fitGaussian(referenceKL, mixture, { onStep: (state) => state.step < 5 });
    expect(stopped).toMatchObject({ steps: 5, converged: false });
    expect(stopped.history).toHaveLength(6);
  });

  it("stops at the step limit without converging, and never with tolerance 0", () => {
    expect(fitGaussian(referenceKL, mixture, { steps: 10 })).toMatchObject({ steps: 10, converged: false });
    expect(fitGaussian(referenceKL, mixture, { steps: 0 }).history).toHaveLength(1);
    expect(fitGaussian(referenceKL, mixture, { steps: 2000, tolerance: 0 })).toMatchObject({ steps: 2000, converged: false });
  });

  it("runs step by step, and next(false) ends the run with the result so far", () => {
    const run = fitGaussianSteps(referenceKL, mixture, { direction: "reverse" });
    expect(run.next().value).toMatchObject({ step: 0, mu: -2, sigma: 0.6 });
    run.next();
    const end = run.next(false);
    expect(end.done).toBe(true);
    expect(end.value).toMatchObject({ steps: 1, converged: false });
  });

  it("rejects bad targets and options with a KLError naming the argument", () => {
    const cases: Array<[() => unknown, string, string]> = [
      [() => fitGaussian(referenceKL, mixture, { direction: "sideways" as "forward" }), "BAD_OPTION", "options.direction"],
      [() => fitGaussian(referenceKL, mixture, { learningRate: 0 }), "BAD_OPTION", "options.learningRate"],
      [() => fitGaussian(referenceKL, mixture, { steps: 1.5 }), "BAD_OPTION", "options.steps"],
      [() => fitGaussian(referenceKL, mixture, { init: { sigma: -1 } }), "BAD_OPTION", "options.init.sigma"],
      [() => fitGaussian(referenceKL, mixture, { grid: { min: 1, max: 0 } }), "BAD_OPTION", "options.grid"],
      [() => fitGaussian(referenceKL, { weights: [1, 1], means: [0], sigmas: [1, 1] }), "LENGTH_MISMATCH", "target.means"],
      [() => fitGaussian(referenceKL, { weights: [1], means: [0], sigmas: [0] }), "BAD_OPTION", "target.sigmas"],
      [() => fitGaussian(referenceKL, { weights: [-1], means: [0], sigmas: [1] }), "NEGATIVE", "target.weights"],
      [() => fitGaussian(referenceKL, { x: [0, 1, 1], density: [1, 1, 1] }), "BAD_OPTION", "target.x"],
      [() => fitGaussian(referenceKL, { x: [0, 1, 2], density: [0, 0, 0] }), "ZERO_SUM", "target.density"],
      // Not symmetric positive definite: NOT_SPD, as mvnKL says (tests/numeric/cholesky.test.ts).
      [() => fitDiagGaussian(referenceKL, { mean: [0, 0], cov: [1, 2, 2, 1] }), "NOT_SPD", "target.cov"],
      [() => fitDiagGaussian(referenceKL, { mean: [0, 0], cov: [1, 0, 0.5, 1] }), "NOT_SPD", "target.cov"],
      [() => fitDiagGaussian(referenceKL, { mean: [0, 0], cov: [1, 0, 0] }), "LENGTH_MISMATCH", "target.cov"],
      [() => fitGaussian(referenceKL, null as never), "BAD_OPTION", "target"],
      [() => fitGaussian(referenceKL, { x: [0, 1] } as never), "BAD_OPTION", "target"],
      [() => fitGaussian(referenceKL, mixture, { tolerance: -1 }), "BAD_OPTION", "options.tolerance"],
      [() => fitGaussian(referenceKL, mixture, { grid: { points: 1 } }), "BAD_OPTION", "options.grid.points"],
      [() => fitGaussian(referenceKL, mixture, { init: { mu: Infinity } }), "BAD_OPTION", "options.init.mu"],
      [() => fitGaussian(referenceKL, { weights: [1, Infinity], means: [0, 1], sigmas: [1, 1] }), "INFINITE", "target.weights"],
      [() => fitDiagGaussian(referenceKL, { axes: 3, density: [1] } as never), "NOT_A_VECTOR", "target.axes"],
      [() => fitDiagGaussian(referenceKL, { mean: [0, 0], cov: [1, 0, 0, 1] }, { grid: { points: [5, 1.5] } }), "BAD_OPTION", "options.grid.points"],
      [() => fitDiagGaussian(referenceKL, { mean: [0, 0], cov: [1, 0, 0, 1] }, { grid: { min: 1, max: [2, 0] } }), "BAD_OPTION", "options.grid"],
      [() => fitDiagGaussian(referenceKL, { mean: [0, 0], cov: [1, 0, 0, 1] }, { init: { sigma: [1, 0] } }), "BAD_OPTION", "options.init.sigma"],
    ];
    for (const [call, code, argument] of cases) {
      let error: unknown;
      try { call(); } catch (e) { error = e; }
      expect(error, argument).toBeInstanceOf(KLError);
      expect(error, argument).toMatchObject({ code, argument });
    }
  });
});

describe.each(backendNames)("%s: fitGaussian(kl, …)", (name) => {
  it("is fitGaussian on this instance: forward KL lands on the mixture's moments", async () => {
    const kl = await loadBackend(name);
    const mixture = { weights: [0.3, 0.7], means: [-1.5, 2], sigmas: [0.5, 0.8] };
    const mean = 0.3 * -1.5 + 0.7 * 2;
    const variance = 0.3 * (0.25 + 1.5 ** 2) + 0.7 * (0.64 + 4) - mean ** 2;
    const fit = fitGaussian(kl, mixture, { direction: "forward" });
    expect(Math.abs(fit.mu - mean)).toBeLessThanOrEqual(1e-3 * Math.abs(mean));
    expect(Math.abs(fit.sigma - Math.sqrt(variance))).toBeLessThanOrEqual(1e-3 * Math.sqrt(variance));
  });
});

