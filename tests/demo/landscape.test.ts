/**
 * The demo's landscape (demo/landscape.ts): one alphaDivergence call over 60 × 60 Gaussians
 * gives A_α at every cell as plain quadrature does, on every backend; the map holds the fits'
 * optima, and its lowest cells are where the independent optimiser puts them; the colour scale
 * is the values' ranks.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { colourScale, Landscape, LANDSCAPE, landscapeAxes } from "../../demo/landscape.js";
import { mixtureMoments, type KL } from "../../src/index.js";
import { backendNames, loadBackend } from "../backends.js";
import { amariByQuadrature, heavyAndLight, mixtureLogDensityOf } from "../fit/mixtures.js";

describe("landscapeAxes", () => {
  it("holds every mode m ± 2s, P's mean ± σ, and σ from half the narrowest mode's to twice P's", () => {
    const { mean, sigma } = mixtureMoments(heavyAndLight);
    const axes = landscapeAxes(heavyAndLight);
    expect(axes.muMin).toBeCloseTo(Math.min(-2 - 1.2, mean - sigma), 12);
    expect(axes.muMax).toBeCloseTo(Math.max(2 + 1.6, mean + sigma), 12);
    expect(axes.logSigmaMin).toBeCloseTo(Math.log(0.3), 12);
    expect(axes.logSigmaMax).toBeCloseTo(Math.log(2 * sigma), 12);
  });
});

describe("colourScale", () => {
  it("is each value's rank, 0 to 1, with Infinity and NaN at the top", () => {
    expect(Array.from(colourScale(Float64Array.of(3, 1e200, -1, 2, Infinity, NaN)))).toEqual([2 / 3, 1, 0, 1 / 3, 1, 1]);
  });
});

describe.each(backendNames)("%s: Landscape", (name) => {
  let kl: KL;
  const landscape = new Landscape(heavyAndLight);
  beforeAll(async () => {
    kl = await loadBackend(name);
  });

  it("discretises the Gaussians on at least 2 points per σ of the narrowest, over the fit's grid range", () => {
    const { x, axes } = landscape;
    expect(x.length).toBeGreaterThanOrEqual(LANDSCAPE.minPoints);
    expect(x[1]! - x[0]!).toBeLessThanOrEqual(Math.exp(axes.logSigmaMin) / LANDSCAPE.pointsPerSigma);
  });

  it.each([0.25, 0.4, 0.5])("at α = %s is A_α of P and each cell's Q normalised on the grid, and the integral's where Q lies inside it", (alpha) => {
    const values = landscape.values(kl, alpha);
    expect(values).toHaveLength(LANDSCAPE.cells ** 2);
    const { x } = landscape;
    const integral = amariByQuadrature(heavyAndLight, alpha);
    // The plain sums: p_i and q_i normalised over the grid's points, Σ p^α q^(1−α).
    const normalised = (logs: Float64Array) => {
      const values = logs.map(Math.exp);
      const total = values.reduce((a, b) => a + b, 0);
      return values.map((v) => v / total);
    };
    const p = normalised(mixtureLogDensityOf(heavyAndLight, x));
    let [worstSum, worstIntegral, inside] = [0, 0, 0];
    values.forEach((value, row) => {
      const { mu, logSigma } = landscape.cell(row);
      const sigma = Math.exp(logSigma);
      const q = normalised(x.map((v) => -0.5 * ((v - mu) / sigma) ** 2));
      const sum = (1 - p.reduce((total, pi, i) => total + pi ** alpha * q[i]! ** (1 - alpha), 0)) / (alpha * (1 - alpha));
      worstSum = Math.max(worstSum, Math.abs(value - sum) / sum);
      // Where Q's mass beyond the grid is below e^−18 (6σ inside), the grid's sum is the integral.
      if (mu - 6 * sigma > x[0]! && mu + 6 * sigma < x[x.length - 1]!) {
        inside++;
        worstIntegral = Math.max(worstIntegral, Math.abs(value - integral(mu, logSigma)) / value);
      }
    });
    expect(worstSum).toBeLessThanOrEqual(1e-12);
    expect(inside).toBeGreaterThan(LANDSCAPE.cells ** 2 / 2);
    expect(worstIntegral).toBeLessThanOrEqual(1e-8);
  });

  it("has its lowest cell within a cell of the optimum: the heavy mode at α = 0.25, both modes at 0.5 (tests/fit/alpha-fit.test.ts)", () => {
    const { axes } = landscape;
    const cell = { mu: (axes.muMax - axes.muMin) / LANDSCAPE.cells, logSigma: (axes.logSigmaMax - axes.logSigmaMin) / LANDSCAPE.cells };
    for (const [alpha, mu, sigma] of [[0.25, -1.986, 0.621], [0.5, -0.236, 2.021]] as const) {
      const values = landscape.values(kl, alpha);
      let lowest = 0;
      values.forEach((v, k) => { if (v < values[lowest]!) lowest = k; });
      const at = landscape.cell(lowest);
      expect(Math.abs(at.mu - mu), `α = ${alpha}`).toBeLessThanOrEqual(cell.mu);
      expect(Math.abs(at.logSigma - Math.log(sigma)), `α = ${alpha}`).toBeLessThanOrEqual(cell.logSigma);
    }
  });
});
