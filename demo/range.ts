/** The part of the x-axis the demo draws: where P and the fits have visible density. */
import { mixtureMoments, type Mixture } from "../src/index.js";

/** Standard deviations drawn on each side: a Gaussian's density there is e^-8 ≈ 3e-4 of its peak, under a pixel. */
export const PLOT_REACH = 4;
/** Points per standard deviation of the narrowest mode, so that its peak is drawn smooth, and the bounds of the count. */
export const PLOT_POINTS = { perSigma: 10, min: 601, max: 4001 };

/**
 * The plot's x-range and number of points for target P: every mode m ± 4s, and P's mean ± 4σ,
 * where the forward fit converges (Q = N(mean, σ²)); the reverse fit settles inside a mode.
 */
export function plotRange(target: Mixture): { xMin: number; xMax: number; points: number } {
  const { mean, sigma } = mixtureMoments(target);
  const means = Array.from(target.means);
  const sigmas = Array.from(target.sigmas);
  const xMin = Math.min(mean - PLOT_REACH * sigma, ...means.map((m, k) => m - PLOT_REACH * sigmas[k]!));
  const xMax = Math.max(mean + PLOT_REACH * sigma, ...means.map((m, k) => m + PLOT_REACH * sigmas[k]!));
  const wanted = Math.ceil((PLOT_POINTS.perSigma * (xMax - xMin)) / Math.min(...sigmas)) + 1;
  return { xMin, xMax, points: Math.min(PLOT_POINTS.max, Math.max(PLOT_POINTS.min, wanted)) };
}
