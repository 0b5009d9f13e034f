/** The targets the fit tests share, and their moments written out apart from the library. */
import { expect } from "vitest";
import type { Mixture } from "../../src/index.js";

/** mean = Σ w·m, variance = Σ w·(s² + m²) − mean², with the weights normalised: written out here, apart from the library. */
export function moments(mixture: Mixture): { mean: number; sigma: number } {
  const w = Array.from(mixture.weights);
  const total = w.reduce((a, b) => a + b, 0);
  const mean = w.reduce((sum, wk, k) => sum + (wk / total) * mixture.means[k]!, 0);
  const second = w.reduce((sum, wk, k) => sum + (wk / total) * (mixture.sigmas[k]! ** 2 + mixture.means[k]! ** 2), 0);
  return { mean, sigma: Math.sqrt(second - mean * mean) };
}

/** Within `relative` of `scale` (for means: in units of the target's σ). */
export function expectNear(got: number, want: number, scale: number, relative: number, what: string): void {
  expect(Math.abs(got - want), `${what}: got ${got}, want ${want}`).toBeLessThanOrEqual(relative * scale);
}

export const forwardMixtures: Array<[string, Mixture]> = [
  ["two symmetric modes", { weights: [0.5, 0.5], means: [-2, 2], sigmas: [0.6, 0.6] }],
  ["three uneven modes", { weights: [0.2, 0.5, 0.3], means: [-3, 0.5, 4], sigmas: [0.5, 1, 0.8] }],
  ["one narrow Gaussian far from 0", { weights: [1], means: [10], sigmas: [0.01] }],
  ["far offset, unequal widths", { weights: [0.7, 0.3], means: [100, 108], sigmas: [2, 1] }],
  ["unnormalised weights, wide and narrow", { weights: [2, 6], means: [-1, 3], sigmas: [3, 0.3] }],
];

// Modes many σ apart: reverse KL from near any one of them must stay there.
export const separated: Mixture = { weights: [0.3, 0.45, 0.25], means: [-6, 0, 5], sigmas: [0.7, 1, 0.5] };
