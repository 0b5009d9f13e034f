/**
 * The demo's x-range (demo/range.ts) follows the target: P is drawn whole, wide or narrow,
 * anywhere the sliders put it, and the narrowest mode gets enough points to look smooth.
 */
import { describe, expect, it } from "vitest";
import { plotRange, PLOT_POINTS } from "../../demo/range.js";
import type { Mixture } from "../../src/index.js";
import { moments } from "../fit/mixtures.js";
import { mulberry32 } from "../random.mjs";

/** P's density at x, written out here: Σ w·φ((x − m)/s)/s with the weights normalised. */
function density(target: Mixture, x: number): number {
  const w = Array.from(target.weights);
  const total = w.reduce((a, b) => a + b, 0);
  return w.reduce((sum, wk, k) => {
    const [m, s] = [target.means[k]!, target.sigmas[k]!];
    return sum + ((wk / total) * Math.exp(-0.5 * ((x - m) / s) ** 2)) / (s * Math.sqrt(2 * Math.PI));
  }, 0);
}

/** A mixture of 1–3 modes as the demo's sliders make them: weight 0.05–1, mean −8–8, σ 0.2–3. */
function sliderMixture(next: () => number): Mixture {
  const count = 1 + Math.floor(3 * next());
  const pick = (lo: number, hi: number, step: number) => lo + step * Math.round((next() * (hi - lo)) / step);
  const modes = Array.from({ length: count }, () => [pick(0.05, 1, 0.05), pick(-8, 8, 0.1), pick(0.2, 3, 0.05)] as const);
  return { weights: modes.map((m) => m[0]), means: modes.map((m) => m[1]), sigmas: modes.map((m) => m[2]) };
}

describe("plotRange", () => {
  it("is P's mean ± 4σ for the default two modes (σ² = 0.6² + 2²)", () => {
    const { xMin, xMax, points } = plotRange({ weights: [0.5, 0.5], means: [-2, 2], sigmas: [0.6, 0.6] });
    expect(xMin).toBeCloseTo(-4 * Math.sqrt(4.36), 12);
    expect(xMax).toBeCloseTo(4 * Math.sqrt(4.36), 12);
    expect(points).toBe(PLOT_POINTS.min);
  });

  it("draws wide targets whole: modes at ±8 with σ = 3 reach ±4·√(3² + 8²), far beyond the old fixed ±12", () => {
    const { xMin, xMax } = plotRange({ weights: [0.5, 0.5], means: [-8, 8], sigmas: [3, 3] });
    expect(xMin).toBeCloseTo(-4 * Math.sqrt(73), 12);
    expect(xMax).toBeCloseTo(4 * Math.sqrt(73), 12);
  });

  it("follows a narrow target off-centre, and a lone mode's range is its m ± 4s", () => {
    expect(plotRange({ weights: [1], means: [7.5], sigmas: [0.2] })).toEqual({ xMin: 7.5 - 0.8, xMax: 7.5 + 0.8, points: PLOT_POINTS.min });
  });

  it("holds all of P at every slider setting: the density at both ends is under 3·e⁻⁸ of P's peak", () => {
    const next = mulberry32(14);
    for (let trial = 0; trial < 500; trial++) {
      const target = sliderMixture(next);
      const { xMin, xMax, points } = plotRange(target);
      const { mean, sigma } = moments(target);
      const label = JSON.stringify(target);
      // Each mode, and the forward fit's N(mean, σ²), within the range.
      for (let k = 0; k < target.means.length; k++) {
        expect(xMin, label).toBeLessThanOrEqual(target.means[k]! - 4 * target.sigmas[k]! + 1e-12);
        expect(xMax, label).toBeGreaterThanOrEqual(target.means[k]! + 4 * target.sigmas[k]! - 1e-12);
      }
      expect(xMin, label).toBeLessThanOrEqual(mean - 4 * sigma + 1e-12);
      expect(xMax, label).toBeGreaterThanOrEqual(mean + 4 * sigma - 1e-12);
      // Each mode contributes at most e⁻⁸ of its own peak at an end, and there are at most three.
      let peak = 0;
      for (let i = 0; i <= 20_000; i++) peak = Math.max(peak, density(target, xMin + ((xMax - xMin) * i) / 20_000));
      expect(density(target, xMin), label).toBeLessThanOrEqual(3 * Math.exp(-8) * peak);
      expect(density(target, xMax), label).toBeLessThanOrEqual(3 * Math.exp(-8) * peak);
      // Ten points per σ of the narrowest mode (the sliders never need more than the cap).
      expect((xMax - xMin) / (points - 1), label).toBeLessThanOrEqual(Math.min(...Array.from(target.sigmas)) / PLOT_POINTS.perSigma + 1e-12);
      expect(points).toBeLessThanOrEqual(PLOT_POINTS.max);
    }
  });
});
