/**
 * fitGaussian / fitDiagGaussian with direction "alpha" (Amari's α-divergence A_α(P‖Q)): the
 * forward fit at α = 1 and the reverse fit at α = 0, bit for bit; between them, for
 * P = 0.6·N(−2, 0.6²) + 0.4·N(2, 0.8²), the optima found by a brute-force grid search over
 * (μ, log σ) of A_α computed here by plain quadrature, apart from the library: the heavy
 * mode at α = 0.25, both modes covered at α = 0.5, both local minima from 0.35 to 0.45.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { KLError, referenceKL, type KL } from "../../src/index.js";
import { fitDiagGaussian, fitGaussian } from "../../src/fit/fit.js";
import { mixtureDensity, mixtureGrid } from "../../src/fit/targets.js";
import type { FitOptions } from "../../src/fit/types.js";
import { backendNames, loadBackend } from "../backends.js";
import { amariByQuadrature, heavyAndLight as HEAVY, separated } from "./mixtures.js";

interface Minimum {
  mu: number;
  logSigma: number;
  value: number;
}

/** The brute-force search's cells: the fine grid around each coarse local minimum. */
const FINE = { mu: 0.001, logSigma: 0.0005, reach: 50 };

/**
 * Every local minimum of f over μ ∈ [−3.5, 3.5], log σ ∈ [log 0.3, log 4]: the points of a
 * coarse grid (0.05 × 0.02) below their 8 neighbours, each refined by a fine grid (FINE) of
 * ±50 cells around it, lowest value first.
 */
function localMinima(f: (mu: number, logSigma: number) => number): Minimum[] {
  const mus = Array.from({ length: 141 }, (_, i) => -3.5 + 0.05 * i);
  const logSigmas = Array.from({ length: Math.floor((Math.log(4) - Math.log(0.3)) / 0.02) + 1 }, (_, j) => Math.log(0.3) + 0.02 * j);
  const values = mus.map((mu) => logSigmas.map((s) => f(mu, s)));
  const minima: Minimum[] = [];
  for (let i = 1; i < mus.length - 1; i++) {
    for (let j = 1; j < logSigmas.length - 1; j++) {
      const v = values[i]![j]!;
      let lowest = true;
      for (let di = -1; di <= 1; di++) for (let dj = -1; dj <= 1; dj++) if ((di || dj) && values[i + di]![j + dj]! <= v) lowest = false;
      if (!lowest) continue;
      let best: Minimum = { mu: mus[i]!, logSigma: logSigmas[j]!, value: v };
      const centre = { ...best };
      for (let a = -FINE.reach; a <= FINE.reach; a++) {
        for (let b = -FINE.reach; b <= FINE.reach; b++) {
          const [mu, logSigma] = [centre.mu + a * FINE.mu, centre.logSigma + b * FINE.logSigma];
          const value = f(mu, logSigma);
          if (value < best.value) best = { mu, logSigma, value };
        }
      }
      // The fine grid's own minimum, not its edge: the coarse neighbours bracket it.
      expect(Math.abs(best.mu - centre.mu)).toBeLessThan(FINE.reach * FINE.mu);
      expect(Math.abs(best.logSigma - centre.logSigma)).toBeLessThan(FINE.reach * FINE.logSigma);
      minima.push(best);
    }
  }
  return minima.sort((a, b) => a.value - b.value);
}

/** The fit landed within one cell of the fine grid of the independent optimum, with A_α there. */
function expectAt(fit: { mu: number; sigma: number; kl: number; converged: boolean }, want: Minimum, what: string): void {
  expect(fit.converged, what).toBe(true);
  expect(Math.abs(fit.mu - want.mu), `${what}: μ ${fit.mu}, want ${want.mu}`).toBeLessThanOrEqual(FINE.mu);
  expect(Math.abs(Math.log(fit.sigma) - want.logSigma), `${what}: σ ${fit.sigma}, want ${Math.exp(want.logSigma)}`).toBeLessThanOrEqual(FINE.logSigma);
  // The fit's A_α on its grid of 2001 points is the integral's, to the quadratures' accuracy.
  expect(Math.abs(fit.kl - want.value), `${what}: A_α`).toBeLessThanOrEqual(1e-6);
}

/** The independent optima, searched once for all backends. */
const optima = new Map<number, Minimum[]>();
beforeAll(() => {
  for (const alpha of [0.25, 0.35, 0.4, 0.45, 0.5]) optima.set(alpha, localMinima(amariByQuadrature(HEAVY, alpha)));
});

describe("the independent optimiser", () => {
  it("puts the global optimum on the heavy mode at α = 0.25 and across both modes at α = 0.5, and finds two local minima at α = 0.4", () => {
    const at = (alpha: number) => optima.get(alpha)!.map((m) => ({ mu: m.mu, sigma: Math.exp(m.logSigma), value: m.value }));
    const [heavy] = at(0.25);
    expect(Math.abs(heavy!.mu - -1.986)).toBeLessThan(0.001);
    expect(Math.abs(heavy!.sigma - 0.621)).toBeLessThan(0.001);
    const [covering] = at(0.5);
    expect(Math.abs(covering!.mu - -0.236)).toBeLessThan(0.001);
    expect(Math.abs(covering!.sigma - 2.021)).toBeLessThan(0.001);
    // From 0.35 to 0.45 the wide minimum is the lower one and the mode a local one, 0.1 nats and more above.
    for (const alpha of [0.35, 0.4, 0.45]) {
      const both = at(alpha);
      expect(both, `α = ${alpha}`).toHaveLength(2);
      expect(both[0]!.sigma).toBeGreaterThan(1.9);
      expect(Math.abs(both[1]!.mu - -2)).toBeLessThan(0.05);
      expect(both[1]!.value - both[0]!.value).toBeGreaterThan(0.1);
    }
  });
});

describe.each(backendNames)("%s: direction \"alpha\"", (name) => {
  let kl: KL;
  beforeAll(async () => {
    kl = await loadBackend(name);
  });

  it("is the forward fit at α = 1 and the reverse fit at α = 0, bit for bit", () => {
    const x = Float64Array.from({ length: 801 }, (_, i) => -2 + (4 * i) / 800);
    const epanechnikov = { x, density: x.map((v) => Math.max(0, 0.75 * (1 - v * v))) };
    const targets = [HEAVY, separated, epanechnikov];
    for (const target of targets) {
      for (const [alpha, direction] of [[1, "forward"], [0, "reverse"]] as const) {
        for (const init of [undefined, { mu: 0.3, sigma: 0.9 }]) {
          const options: FitOptions = { steps: 400, ...(init && { init }) };
          expect(fitGaussian(kl, target, { ...options, direction: "alpha", alpha }), `${direction}`).toEqual(fitGaussian(kl, target, { ...options, direction }));
        }
      }
    }
    const correlated = { mean: [1, -1], cov: [1, 1.6, 1.6, 4] };
    for (const [alpha, direction] of [[1, "forward"], [0, "reverse"]] as const) {
      const options = { grid: { points: 33 }, steps: 300 };
      expect(fitDiagGaussian(kl, correlated, { ...options, direction: "alpha", alpha })).toEqual(fitDiagGaussian(kl, correlated, { ...options, direction }));
    }
  });

  it("moves continuously into them: α = 1 − 10⁻⁶ and α = 10⁻⁶ land where forward and reverse do", () => {
    for (const [alpha, direction] of [[1 - 1e-6, "forward"], [1e-6, "reverse"]] as const) {
      const near = fitGaussian(kl, HEAVY, { direction: "alpha", alpha });
      const at = fitGaussian(kl, HEAVY, { direction });
      expect(Math.abs(near.mu - at.mu), direction).toBeLessThan(1e-4);
      expect(Math.abs(near.sigma - at.sigma), direction).toBeLessThan(1e-4);
      expect(Math.abs(near.kl - at.kl), direction).toBeLessThan(1e-5);
    }
  });

  it("lands on the independent global optimum: the heavy mode at α = 0.25, both modes at α = 0.5 (default starts)", () => {
    expectAt(fitGaussian(kl, HEAVY, { direction: "alpha", alpha: 0.25 }), optima.get(0.25)![0]!, "α = 0.25");
    expectAt(fitGaussian(kl, HEAVY, { direction: "alpha", alpha: 0.5 }), optima.get(0.5)![0]!, "α = 0.5");
  });

  it.each([0.35, 0.4, 0.45])("at α = %s finds either local minimum, as the start decides", (alpha) => {
    const [wide, mode] = optima.get(alpha)!;
    expectAt(fitGaussian(kl, HEAVY, { direction: "alpha", alpha, init: { mu: 0, sigma: 2 } }), wide!, "started wide");
    expectAt(fitGaussian(kl, HEAVY, { direction: "alpha", alpha, init: { mu: -2, sigma: 0.6 } }), mode!, "started on the mode");
    // The default start below ½ is the heaviest component's: the mode.
    expectAt(fitGaussian(kl, HEAVY, { direction: "alpha", alpha }), mode!, "default start");
  });

  it("agrees with the reference step by step", () => {
    for (const alpha of [0.4, -0.5, 1.5]) {
      const options: FitOptions = { direction: "alpha", alpha, init: { mu: -1, sigma: 1 } };
      const [got, want] = [fitGaussian(kl, HEAVY, options), fitGaussian(referenceKL, HEAVY, options)];
      expect(got.converged && want.converged, `α = ${alpha}`).toBe(true);
      for (let step = 0; step < Math.min(got.history.length, want.history.length); step++) {
        const [a, b] = [got.history[step]!, want.history[step]!];
        const where = `α = ${alpha}, step ${step}`;
        expect(Math.abs(a.kl - b.kl), where).toBeLessThanOrEqual(1e-10 * b.kl + 1e-14);
        expect(Math.abs(a.mu - b.mu), where).toBeLessThanOrEqual(1e-10 * (1 + Math.abs(b.mu)));
        expect(Math.abs(a.sigma - b.sigma), where).toBeLessThanOrEqual(1e-10 * b.sigma);
      }
    }
  });

  it("starts as forward does for α ≥ ½ and as reverse does below", () => {
    const first = (options: FitOptions) => fitGaussian(kl, HEAVY, { ...options, steps: 0 }).history[0]!;
    expect(first({ direction: "alpha", alpha: 0.5 })).toMatchObject({ mu: first({ direction: "forward" }).mu, sigma: first({ direction: "forward" }).sigma });
    expect(first({ direction: "alpha", alpha: 0.4999 })).toMatchObject({ mu: -2, sigma: 0.6 });
  });

  it("fits a factorised Gaussian target exactly at any α: A_α = 0 at Q = P", () => {
    for (const alpha of [-0.5, 0.3, 0.7, 2]) {
      const fit = fitDiagGaussian(kl, { mean: [1, -1], cov: [1, 0, 0, 4] }, { direction: "alpha", alpha, grid: { points: 65 }, init: { mu: [0, 0], sigma: [1.5, 1.5] } });
      expect(fit.converged, `α = ${alpha}`).toBe(true);
      fit.mu.forEach((mu, k) => expect(Math.abs(mu - [1, -1][k]!), `α = ${alpha}: μ${k}`).toBeLessThan(1e-4));
      fit.sigma.forEach((sigma, k) => expect(Math.abs(sigma - [1, 2][k]!), `α = ${alpha}: σ${k}`).toBeLessThan(1e-4));
      expect(Math.abs(fit.kl)).toBeLessThan(1e-8);
    }
  });

  it("for α < 0, drops the points where P underflows, and descends from a start where A_α is 1e142", () => {
    // Modes at 0 and 40 with σ = 1: the default grid reaches from −100 to 140, where log p is
    // −5000 and less. A Q as wide as σ = 2 has mass there: A_α would be infinite on every point.
    const apart = { weights: [0.5, 0.5], means: [0, 40], sigmas: [1, 1] };
    for (const alpha of [-0.5, -1]) {
      const fit = fitGaussian(kl, apart, { direction: "alpha", alpha, init: { mu: 1, sigma: 2 } });
      expect(fit.converged, `α = ${alpha}`).toBe(true);
      expect(fit.history[0]!.kl).toBeGreaterThan(1e30);
      expect(fit.history[0]!.kl).toBeLessThan(Infinity);
      // Q = the first component: ∫ p^α q^(1−α) = 0.5^α, A_α = (1 − 0.5^α)/(α(1 − α)).
      expect(Math.abs(fit.mu), `α = ${alpha}: μ`).toBeLessThan(1e-4);
      expect(Math.abs(fit.sigma - 1), `α = ${alpha}: σ`).toBeLessThan(1e-4);
      expect(Math.abs(fit.kl - (1 - 0.5 ** alpha) / (alpha * (1 - alpha))), `α = ${alpha}: A_α`).toBeLessThan(1e-8);
    }
  });

  it("for α ≤ 0 on a density with zeros, works on P's support, as the reverse fit does", () => {
    const x = mixtureGrid(HEAVY, { min: -4, max: 4, points: 801 });
    const density = mixtureDensity(HEAVY, x).map((d, i) => (x[i]! > 0.5 ? 0 : d));
    const fit = fitGaussian(kl, { x, density }, { direction: "alpha", alpha: -0.5, init: { mu: -1, sigma: 1 } });
    expect(fit.converged).toBe(true);
    expect(Number.isFinite(fit.kl)).toBe(true);
    expect(fit.mu).toBeLessThan(-1.5);
  });
});

describe("the options of direction \"alpha\"", () => {
  it("require alpha with direction \"alpha\", refuse it with the others, and refuse unknown keys", () => {
    const cases: Array<[() => unknown, string]> = [
      [() => fitGaussian(referenceKL, HEAVY, { direction: "alpha" }), "options.alpha"],
      [() => fitGaussian(referenceKL, HEAVY, { alpha: 0.5 }), "options.alpha"],
      [() => fitGaussian(referenceKL, HEAVY, { direction: "forward", alpha: 1 }), "options.alpha"],
      [() => fitGaussian(referenceKL, HEAVY, { direction: "reverse", alpha: 0 }), "options.alpha"],
      [() => fitGaussian(referenceKL, HEAVY, { direction: "alpha", alpha: NaN }), "options.alpha"],
      [() => fitGaussian(referenceKL, HEAVY, { direction: "alpha", alpha: Infinity }), "options.alpha"],
      [() => fitGaussian(referenceKL, HEAVY, { direction: "alpha", alpha: "0.5" as never }), "options.alpha"],
      [() => fitGaussian(referenceKL, HEAVY, { direction: "alpha", alfa: 0.5 } as never), "options.alfa"],
      [() => fitDiagGaussian(referenceKL, { mean: [0, 0], cov: [1, 0, 0, 1] }, { direction: "alpha" }), "options.alpha"],
      [() => fitDiagGaussian(referenceKL, { mean: [0, 0], cov: [1, 0, 0, 1] }, { alpha: 0.5 }), "options.alpha"],
    ];
    for (const [call, argument] of cases) {
      let error: unknown;
      try { call(); } catch (e) { error = e; }
      expect(error, argument).toBeInstanceOf(KLError);
      expect(error, argument).toMatchObject({ code: "BAD_OPTION", argument });
    }
  });
});
