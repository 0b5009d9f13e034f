/** The targets the fit tests share, and their moments and α-divergences written out apart from the library. */
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

// A heavy and a light mode: A_α's optimum is on the heavy one at α = 0.25 and covers both at
// α = 0.5; in between (and beyond) both are local minima. The demo's default target.
export const heavyAndLight: Mixture = { weights: [0.6, 0.4], means: [-2, 2], sigmas: [0.6, 0.8] };

/**
 * A_α(P‖N(μ, σ²)) = (1 − ∫ p^α q^(1−α) dx)/(α(1 − α)) for normalised densities, 0 < α < 1,
 * written out here apart from the library: the integral by the trapezoidal rule over
 * [−14, 14] in steps of 0.04 (for P's modes within ±3 of 0 and Q's σ from 0.3 to 4 the
 * integrand is smooth and at most e^−50 of its peak beyond: the rule's error is below 1e−12).
 */
export function amariByQuadrature(mixture: Mixture, alpha: number): (mu: number, logSigma: number) => number {
  const h = 0.04;
  const x = Float64Array.from({ length: 701 }, (_, i) => -14 + h * i);
  const logP = mixtureLogDensityOf(mixture, x);
  const tilted = logP.map((l) => alpha * l);
  const beta = 1 - alpha;
  return (mu, logSigma) => {
    const scale = -0.5 / Math.exp(2 * logSigma);
    const offset = -beta * (logSigma + 0.5 * Math.log(2 * Math.PI));
    let integral = 0;
    for (let i = 0; i < x.length; i++) {
      const weight = i === 0 || i === x.length - 1 ? 0.5 : 1;
      integral += weight * Math.exp(tilted[i]! + offset + beta * scale * (x[i]! - mu) ** 2);
    }
    return (1 - h * integral) / (alpha * beta);
  };
}

/** log Σ_k w_k·N(x; m_k, s_k²) at each x, the weights normalised: written out here, apart from the library. */
export function mixtureLogDensityOf(mixture: Mixture, x: ArrayLike<number>): Float64Array {
  const total = Array.from(mixture.weights).reduce((sum, w) => sum + w, 0);
  return Float64Array.from(x, (v) => {
    const terms = Array.from(mixture.weights, (w, k) => {
      const [m, s] = [mixture.means[k]!, mixture.sigmas[k]!];
      return Math.log(w / total) - Math.log(s * Math.sqrt(2 * Math.PI)) - 0.5 * ((v - m) / s) ** 2;
    });
    const top = Math.max(...terms);
    return top + Math.log(terms.reduce((sum, t) => sum + Math.exp(t - top), 0));
  });
}
