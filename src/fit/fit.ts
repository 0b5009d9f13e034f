/**
 * The forward-versus-reverse experiment: fit a Gaussian Q to a target P on a grid by
 * minimising D(P‖Q) (forward, zero-avoiding) or D(Q‖P) (reverse, zero-forcing) with the
 * library's gradient kernels, on any backend.
 *
 * Q lives on the same grid as P. Its logits are
 *
 *     z_i = −Σ_k (x_ki − μ_k)² / (2σ_k²)  (+ log of the cell width on an uneven grid)
 *
 * so softmax(z) is the discretised Gaussian N(μ, diag σ²). The kernels give dD/dz
 * (`forwardGrad`: q − p; `reverseGrad`: q·(log q − log p − D)); the chain rule
 *
 *     dz_i/dμ_k = (x_ki − μ_k)/σ_k²,   dz_i/d(log σ_k) = (x_ki − μ_k)²/σ_k²
 *
 * turns that into the gradient for (μ, log σ), which Adam follows. At the optimum the
 * forward fit matches P's mean and variance on the grid (moment matching; for a
 * factorised Q, the marginal variances Σ_kk); the reverse fit settles on one mode of a
 * well-separated mixture, and for a correlated Gaussian P has variances 1/Λ_kk
 * (Λ = Σ⁻¹), narrower than the marginals.
 */
import { KLError } from "../core/errors.js";
import type { KL, Space } from "../core/types.js";

/**
 * Which divergence a fit minimises: "forward" D(P‖Q) or "reverse" D(Q‖P).
 * @example
 * for (const direction of ["forward", "reverse"] satisfies FitDirection[]) {
 *   console.log(direction, kl.fitGaussian(bimodal, { direction }).mu);
 * }
 */
export type FitDirection = "forward" | "reverse";

/**
 * A one-dimensional Gaussian mixture Σ_k w_k·N(means_k, sigmas_k²); weights need not sum to 1.
 * @example
 * const bimodal: Mixture = { weights: [0.5, 0.5], means: [-2, 2], sigmas: [0.6, 0.6] };
 */
export interface Mixture {
  /** The components' weights, all ≥ 0 and not all 0 (normalised to sum 1). */
  weights: ArrayLike<number>;
  /** The components' means, one per weight. */
  means: ArrayLike<number>;
  /** The components' standard deviations, one per weight, all > 0. */
  sigmas: ArrayLike<number>;
}

/**
 * A density given at increasing points `x` (any positive scale; it is normalised on the grid).
 * @example
 * const x = Float64Array.from({ length: 401 }, (_, i) => -10 + i / 20);
 * const target: GridDensity = { x, density: x.map((v) => Math.exp(-0.5 * ((v - 1) / 2) ** 2)) };
 * kl.fitGaussian(target); // { mu ≈ 1, sigma ≈ 2, … }
 */
export interface GridDensity {
  /** The points, strictly increasing (at least 2; evenly spaced or not). */
  x: ArrayLike<number>;
  /** The density at each point of `x`, all ≥ 0 and not all 0. */
  density: ArrayLike<number>;
}

/**
 * Where a mixture is discretised: `points` evenly spaced points from `min` to `max`.
 * @example
 * kl.fitGaussian(bimodal, { direction: "reverse", grid: { min: -6, max: 6, points: 1201 } });
 */
export interface FitGrid {
  /** The first point. Default: see FitOptions.grid. */
  min?: number;
  /** The last point, > min. Default: see FitOptions.grid. */
  max?: number;
  /** How many points, an integer ≥ 2. Default 2001. */
  points?: number;
}

/**
 * One evaluation of a one-dimensional fit: the parameters and the divergence there (nats).
 * @example
 * const { history } = kl.fitGaussian(bimodal, { direction: "reverse" });
 * const start: FitPoint = history[0]!; // where the fit began, before the first Adam step
 */
export interface FitPoint {
  /** Q's mean. */
  mu: number;
  /** Q's standard deviation. */
  sigma: number;
  /** The divergence minimised (forward or reverse) at mu and sigma, in nats. */
  kl: number;
}

/**
 * What `onStep` sees: the evaluation number (0 = the start) and the point.
 * @example
 * kl.fitGaussian(bimodal, { onStep: (state: FitState) => console.log(state.step, state.mu, state.sigma, state.kl) });
 */
export interface FitState extends FitPoint {
  /** The evaluation number: 0 at the start, then one per Adam update. */
  step: number;
}

/** Settings of the optimiser, common to both fits. */
interface OptimiserOptions {
  /** "forward" (default): minimise D(P‖Q); "reverse": minimise D(Q‖P). */
  direction?: FitDirection;
  /** The most Adam updates to make. Default 5000. */
  steps?: number;
  /** Adam's step size: μ moves in units of σ, σ in units of log σ. Default 0.05. */
  learningRate?: number;
  /**
   * Stop when the last update moved no μ by more than `tolerance`·σ and no log σ by more
   * than `tolerance`, and the divergence changed by less than `tolerance` nats. Default 1e-9.
   */
  tolerance?: number;
}

/**
 * Options of fitGaussian.
 * @example
 * const options: FitOptions = { direction: "reverse", init: { mu: 1.5, sigma: 1 }, steps: 2000, learningRate: 0.02 };
 * kl.fitGaussian(bimodal, options); // settles on the mode at 2
 */
export interface FitOptions extends OptimiserOptions {
  /**
   * Where to start. Defaults: forward starts at the centre of the grid with σ an eighth of
   * its width (Q starts wider than P on the default grid, whose width is 12 of P's σ or
   * more); reverse starts on the largest-weight mode: the mean and σ
   * of the component with the largest weight for a mixture, or the grid's highest point
   * with the width where the density falls to e^(−1/2) of it for a grid density.
   */
  init?: {
    /** Q's starting mean. */
    mu?: number;
    /** Q's starting standard deviation, > 0. */
    sigma?: number;
  };
  /**
   * The grid a mixture is discretised on. Defaults: 2001 points covering every component's
   * mean ± 6σ and the mixture's own mean ± 6 of its standard deviations (so that the
   * forward fit, which is as wide as P, is not cut off). Ignored for a grid density.
   */
  grid?: FitGrid;
  /**
   * Called after every evaluation; returning false stops the fit (converged is then false).
   * @example kl.fitGaussian(target, { onStep: (state) => state.step < 500 }); // at most 500 updates
   */
  onStep?: (state: FitState) => boolean | void;
}

/**
 * The result of a one-dimensional fit.
 * @example
 * const fit: GaussianFit = kl.fitGaussian(bimodal, { direction: "forward" });
 * fit.mu; fit.sigma; // ≈ 0 and ≈ 2.088: the mixture's own mean and standard deviation
 * fit.converged; // true
 * fit.history.map((point) => point.kl); // the divergence at every evaluation
 */
export interface GaussianFit extends FitPoint {
  /** Adam updates made. */
  steps: number;
  /** Whether the tolerance was met (false: the step limit, onStep, or a divergence or gradient that is not finite stopped it). */
  converged: boolean;
  /** Every evaluation, from the start (index 0) to the result (last). */
  history: FitPoint[];
}

/**
 * A d-dimensional Gaussian N(mean, cov), cov row-major d×d, symmetric positive definite.
 * @example
 * const correlated: GaussianTarget = { mean: [0, 0], cov: [1, 0.8, 0.8, 1] };
 */
export interface GaussianTarget {
  /** The mean, length d. */
  mean: ArrayLike<number>;
  /** The covariance, row-major d×d (length d²), symmetric positive definite. */
  cov: ArrayLike<number>;
}

/**
 * A density on the product of increasing `axes`, row-major (the last axis varies fastest).
 * @example
 * const axis = Array.from({ length: 81 }, (_, i) => -4 + i / 10);
 * const density = axis.flatMap((x) => axis.map((y) => Math.exp(-0.5 * (x * x + (y - 1) ** 2))));
 * kl.fitDiagGaussian({ axes: [axis, axis], density } satisfies GridDensityND); // { mu ≈ [0, 1], sigma ≈ [1, 1], … }
 */
export interface GridDensityND {
  /** The points along each axis, each strictly increasing (at least 2). */
  axes: ArrayLike<number>[];
  /** The density at every point of the product grid, row-major: Π_k axes[k].length values, all ≥ 0. */
  density: ArrayLike<number>;
}

/**
 * Where a d-dimensional Gaussian target is discretised, per axis (a number applies to every axis).
 * @example
 * kl.fitDiagGaussian(correlated, { grid: { min: -5, max: 5, points: [101, 201] } });
 */
export interface FitGridND {
  /** The first point along each axis. Default: see DiagFitOptions.grid. */
  min?: number | ArrayLike<number>;
  /** The last point along each axis, > min. Default: see DiagFitOptions.grid. */
  max?: number | ArrayLike<number>;
  /** How many points along each axis, integers ≥ 2. Default: see DiagFitOptions.grid. */
  points?: number | ArrayLike<number>;
}

/**
 * One evaluation of a factorised fit.
 * @example
 * const { history } = kl.fitDiagGaussian(correlated);
 * const start: DiagFitPoint = history[0]!; // where the fit began
 */
export interface DiagFitPoint {
  /** Q's mean along each axis. */
  mu: number[];
  /** Q's standard deviation along each axis. */
  sigma: number[];
  /** The divergence minimised (forward or reverse) there, in nats. */
  kl: number;
}

/**
 * What `onStep` sees in a factorised fit: the evaluation number (0 = the start) and the point.
 * @example
 * kl.fitDiagGaussian(correlated, { onStep: (state: DiagFitState) => state.step < 100 }); // stop after 100 updates
 */
export interface DiagFitState extends DiagFitPoint {
  /** The evaluation number: 0 at the start, then one per Adam update. */
  step: number;
}

/**
 * Options of fitDiagGaussian.
 * @example
 * const options: DiagFitOptions = { direction: "reverse", init: { mu: [0.5, -0.5], sigma: [2, 2] }, tolerance: 1e-10 };
 * kl.fitDiagGaussian(correlated, options);
 */
export interface DiagFitOptions extends OptimiserOptions {
  /**
   * Where to start. Defaults: forward starts at the centre of the grid; reverse at the
   * grid's highest point of P (the mean, for a Gaussian target); σ_k an eighth of the
   * grid's width along axis k in both.
   */
  init?: {
    /** Q's starting mean, one per axis. */
    mu?: ArrayLike<number>;
    /** Q's starting standard deviations, one per axis, all > 0. */
    sigma?: ArrayLike<number>;
  };
  /**
   * The grid a Gaussian target is discretised on. Defaults: mean_k ± 6·√Σ_kk along each
   * axis, 129 points per axis in 2-D (in d dimensions about 16 641 points in all, at
   * least 16 per axis). Ignored for a grid density.
   */
  grid?: FitGridND;
  /**
   * Called after every evaluation; returning false stops the fit (converged is then false).
   * @example kl.fitDiagGaussian(target, { onStep: (state) => void console.log(state.step, state.kl) });
   */
  onStep?: (state: DiagFitState) => boolean | void;
}

/**
 * The result of a factorised fit: Q = Π_k N(mu_k, sigma_k²).
 * @example
 * const fit: DiagGaussianFit = kl.fitDiagGaussian(correlated, { direction: "reverse" });
 * fit.sigma; // ≈ [0.6, 0.6]: √(1/Λ_kk), narrower than the marginal standard deviations 1
 */
export interface DiagGaussianFit extends DiagFitPoint {
  /** Adam updates made. */
  steps: number;
  /** Whether the tolerance was met (false: the step limit, onStep, or a divergence or gradient that is not finite stopped it). */
  converged: boolean;
  /** Every evaluation, from the start (index 0) to the result (last). */
  history: DiagFitPoint[];
}

const DEFAULTS = { steps: 5000, learningRate: 0.05, tolerance: 1e-9 };
const GRID_POINTS_1D = 2001;
const GRID_POINTS_TOTAL = 129 * 129;
// Adam's moment decay rates and denominator guard, as in Kingma & Ba (2015).
const BETA1 = 0.9;
const BETA2 = 0.999;
const EPSILON = 1e-8;

/* ---------------------------------------------------------------- targets */

function numbers(values: unknown, argument: string, length?: number): number[] {
  if (values === null || typeof values !== "object" || typeof (values as ArrayLike<number>).length !== "number") {
    throw new KLError("NOT_A_VECTOR", argument, "must be an array of numbers");
  }
  const array = Array.from(values as ArrayLike<unknown>, (v, i) => {
    if (typeof v !== "number" || !Number.isFinite(v)) {
      throw new KLError(Number.isNaN(v) ? "NAN" : "BAD_OPTION", argument, `element ${i} must be a finite number, got ${String(v)}`, i);
    }
    return v;
  });
  if (array.length === 0) throw new KLError("EMPTY", argument, "must not be empty");
  if (length !== undefined && array.length !== length) {
    throw new KLError("LENGTH_MISMATCH", argument, `must have ${length} elements, got ${array.length}`);
  }
  return array;
}

function positive(values: number[], argument: string): number[] {
  const bad = values.findIndex((v) => !(v > 0));
  if (bad >= 0) throw new KLError("BAD_OPTION", argument, `element ${bad} must be > 0, got ${values[bad]}`, bad);
  return values;
}

function increasing(values: number[], argument: string): number[] {
  for (let i = 1; i < values.length; i++) {
    if (!(values[i]! > values[i - 1]!)) throw new KLError("BAD_OPTION", argument, `must be strictly increasing; element ${i} is not`, i);
  }
  if (values.length < 2) throw new KLError("BAD_OPTION", argument, "needs at least 2 points");
  return values;
}

/** A checked mixture with weights normalised to sum 1. */
function checkMixture(mixture: Mixture): { weights: number[]; means: number[]; sigmas: number[] } {
  const raw = numbers(mixture.weights, "target.weights");
  const weights = raw.map((w, i) => {
    if (w < 0) throw new KLError("NEGATIVE", "target.weights", `element ${i} is negative (${w})`, i);
    return w;
  });
  const total = weights.reduce((a, b) => a + b, 0);
  if (total === 0) throw new KLError("ZERO_SUM", "target.weights", "the weights sum to 0");
  return {
    weights: weights.map((w) => w / total),
    means: numbers(mixture.means, "target.means", raw.length),
    sigmas: positive(numbers(mixture.sigmas, "target.sigmas", raw.length), "target.sigmas"),
  };
}

/**
 * The mean and standard deviation of a mixture, from the closed forms
 * mean = Σ w_k·m_k and variance = Σ w_k·(s_k² + m_k²) − mean².
 * @example
 * mixtureMoments({ weights: [0.5, 0.5], means: [-2, 2], sigmas: [0.6, 0.6] }); // { mean: 0, sigma: 2.0880… }
 * @param mixture the mixture (weights normalised).
 * @returns its mean and standard deviation: what a forward fit converges to.
 */
export function mixtureMoments(mixture: Mixture): {
  /** Σ w_k·m_k. */
  mean: number;
  /** The square root of Σ w_k·(s_k² + m_k²) − mean². */
  sigma: number;
} {
  const { weights, means, sigmas } = checkMixture(mixture);
  const mean = weights.reduce((sum, w, k) => sum + w * means[k]!, 0);
  const variance = weights.reduce((sum, w, k) => sum + w * (sigmas[k]! ** 2 + (means[k]! - mean) ** 2), 0);
  return { mean, sigma: Math.sqrt(variance) };
}

/**
 * The grid a fit discretises a mixture on: see FitOptions.grid for the defaults.
 * @example
 * const bimodal = { weights: [0.5, 0.5], means: [-2, 2], sigmas: [0.6, 0.6] };
 * const x = mixtureGrid(bimodal); // 2001 points from −12.53 to 12.53 (the mixture's mean ± 6 of its σ)
 * mixtureGrid(bimodal, { min: -5, max: 5, points: 11 }); // Float64Array [-5, -4, …, 5]
 * @param mixture the mixture.
 * @param grid `min`, `max` and `points`, each defaulting as in FitOptions.grid.
 * @returns `points` evenly spaced points from `min` to `max`.
 */
export function mixtureGrid(mixture: Mixture, grid: FitGrid = {}): Float64Array {
  const { means, sigmas } = checkMixture(mixture);
  const { mean, sigma } = mixtureMoments(mixture);
  const min = grid.min ?? Math.min(mean - 6 * sigma, ...means.map((m, k) => m - 6 * sigmas[k]!));
  const max = grid.max ?? Math.max(mean + 6 * sigma, ...means.map((m, k) => m + 6 * sigmas[k]!));
  const points = grid.points ?? GRID_POINTS_1D;
  if (!Number.isInteger(points) || points < 2) throw new KLError("BAD_OPTION", "options.grid.points", `must be an integer ≥ 2, got ${points}`);
  if (!(Number.isFinite(min) && Number.isFinite(max) && max > min)) {
    throw new KLError("BAD_OPTION", "options.grid", `needs finite min < max, got ${min} and ${max}`);
  }
  return Float64Array.from({ length: points }, (_, i) => min + ((max - min) * i) / (points - 1));
}

/**
 * log Σ_k w_k·N(x; m_k, s_k²) at each x (weights normalised), taken as a log-sum-exp so that no tail underflows.
 * Used by the demo and the CLI; not exported by the package.
 * @internal
 */
export function mixtureLogDensity(mixture: Mixture, x: ArrayLike<number>): Float64Array {
  const { weights, means, sigmas } = checkMixture(mixture);
  const offsets = weights.map((w, k) => Math.log(w) - Math.log(sigmas[k]!) - 0.5 * Math.log(2 * Math.PI));
  const out = new Float64Array(x.length);
  const terms = new Float64Array(weights.length);
  for (let i = 0; i < x.length; i++) {
    let max = -Infinity;
    for (let k = 0; k < weights.length; k++) {
      terms[k] = offsets[k]! - 0.5 * ((x[i]! - means[k]!) / sigmas[k]!) ** 2;
      if (terms[k]! > max) max = terms[k]!;
    }
    let sum = 0;
    if (max > -Infinity) for (let k = 0; k < weights.length; k++) sum += Math.exp(terms[k]! - max);
    out[i] = max + Math.log(sum);
  }
  return out;
}

/**
 * The mixture's density at each x (weights normalised).
 * @example
 * const bimodal = { weights: [0.5, 0.5], means: [-2, 2], sigmas: [0.6, 0.6] };
 * mixtureDensity(bimodal, [0, 2]); // Float64Array [0.00257…, 0.33245…]
 * @example
 * const bimodal = { weights: [0.5, 0.5], means: [-2, 2], sigmas: [0.6, 0.6] };
 * const x = mixtureGrid(bimodal);
 * kl.fitGaussian({ x, density: mixtureDensity(bimodal, x) }); // the same fit as kl.fitGaussian(bimodal)
 * @param mixture the mixture.
 * @param x where to evaluate it.
 * @returns Σ_k w_k·N(x_i; m_k, s_k²) for each x_i, a Float64Array of x's length.
 */
export function mixtureDensity(mixture: Mixture, x: ArrayLike<number>): Float64Array {
  return mixtureLogDensity(mixture, x).map(Math.exp);
}

/**
 * The mean and standard deviation of a density on a grid (normalised there; uneven grids weighted by cell width).
 * @example
 * const bimodal = { weights: [0.5, 0.5], means: [-2, 2], sigmas: [0.6, 0.6] };
 * const x = mixtureGrid(bimodal);
 * gridMoments(x, mixtureDensity(bimodal, x)); // { mean: ≈ 0, sigma: 2.0880… }, as mixtureMoments(bimodal)
 * @param x the points, strictly increasing.
 * @param density the density at each point (any positive scale).
 * @returns the mean and standard deviation on the grid: what a forward fit to `{ x, density }` converges to.
 */
export function gridMoments(x: ArrayLike<number>, density: ArrayLike<number>): {
  /** The mean on the grid. */
  mean: number;
  /** The standard deviation on the grid. */
  sigma: number;
} {
  const points = increasing(numbers(x, "x"), "x");
  const mass = cellWidths(points).map((w, i) => w * density[i]!);
  const total = mass.reduce((a, b) => a + b, 0);
  const mean = mass.reduce((sum, m, i) => sum + m * points[i]!, 0) / total;
  const variance = mass.reduce((sum, m, i) => sum + m * (points[i]! - mean) ** 2, 0) / total;
  return { mean, sigma: Math.sqrt(variance) };
}

/** Half the distance between each point's neighbours (the full spacing at the ends): constant on an even grid. */
function cellWidths(x: ArrayLike<number>): number[] {
  const n = x.length;
  return Array.from({ length: n }, (_, i) =>
    i === 0 ? x[1]! - x[0]! : i === n - 1 ? x[n - 1]! - x[n - 2]! : (x[i + 1]! - x[i - 1]!) / 2);
}

function isEven(widths: number[]): boolean {
  return widths.every((w) => Math.abs(w - widths[0]!) <= 1e-9 * Math.abs(widths[0]!));
}

/** Σ w_i = 1 for probabilities; log-probabilities shifted so that Σ exp = 1. */
function normaliseLog(logValues: Float64Array): Float64Array {
  let max = -Infinity;
  for (const v of logValues) if (v > max) max = v;
  let sum = 0;
  for (const v of logValues) sum += Math.exp(v - max);
  const shift = max + Math.log(sum);
  return logValues.map((v) => v - shift);
}

/**
 * The discretised problem: n grid points with d coordinates each, P on them (in `space`)
 * and a constant added to Q's logits (log cell volume on uneven grids, else empty).
 */
interface Problem {
  dims: number;
  /** coords[k][i]: coordinate k of flattened point i. */
  coords: Float64Array[];
  target: Float64Array;
  space: Space;
  logCell: Float64Array | undefined;
  /** Per axis: the grid's first and last coordinate. */
  bounds: Array<[number, number]>;
}

/** A product grid of increasing axes, flattened row-major; points where `keep` is false dropped. */
function productGrid(axes: number[][], target: Float64Array, space: Space, keep: (i: number) => boolean): Problem {
  const dims = axes.length;
  const widths = axes.map(cellWidths);
  const even = widths.every(isEven);
  const kept: number[] = [];
  for (let i = 0; i < target.length; i++) if (keep(i)) kept.push(i);
  const coords = axes.map(() => new Float64Array(kept.length));
  const logCell = even ? undefined : new Float64Array(kept.length);
  const values = new Float64Array(kept.length);
  kept.forEach((flat, j) => {
    let rest = flat;
    let logVolume = 0;
    for (let k = dims - 1; k >= 0; k--) {
      const index = rest % axes[k]!.length;
      rest = Math.floor(rest / axes[k]!.length);
      coords[k]![j] = axes[k]![index]!;
      logVolume += Math.log(widths[k]![index]!);
    }
    if (logCell) logCell[j] = logVolume;
    // P's mass in the cell: density × volume (the volume is constant on an even grid).
    values[j] = space === "log" ? target[flat]! + (even ? 0 : logVolume) : target[flat]! * (even ? 1 : Math.exp(logVolume));
  });
  if (space === "prob") {
    const total = values.reduce((a, b) => a + b, 0);
    for (let j = 0; j < values.length; j++) values[j]! /= total;
  }
  return {
    dims, coords, logCell,
    target: space === "log" ? normaliseLog(values) : values,
    space,
    bounds: axes.map((a) => [a[0]!, a[a.length - 1]!]),
  };
}

/** A density given by the user: probabilities, checked; zeros dropped for reverse fits. */
function densityProblem(axes: number[][], density: ArrayLike<number>, direction: FitDirection): Problem {
  const size = axes.reduce((n, a) => n * a.length, 1);
  const values = Float64Array.from(numbers(density, "target.density", size));
  values.forEach((v, i) => {
    if (v < 0) throw new KLError("NEGATIVE", "target.density", `element ${i} is negative (${v})`, i);
  });
  if (!values.some((v) => v > 0)) throw new KLError("ZERO_SUM", "target.density", "the density is 0 everywhere");
  // D(Q‖P) is infinite for any Q with mass where P has none, and a Gaussian has mass
  // everywhere: a reverse fit works on P's support, where the optimum Q lives anyway.
  const keep = direction === "reverse" ? (i: number) => values[i]! > 0 : () => true;
  return productGrid(axes, values, "prob", keep);
}

function checkDirection(direction: unknown): FitDirection {
  if (direction === undefined) return "forward";
  if (direction !== "forward" && direction !== "reverse") {
    throw new KLError("BAD_OPTION", "options.direction", `must be "forward" or "reverse", got ${JSON.stringify(direction)}`);
  }
  return direction;
}

/* -------------------------------------------------------------- optimiser */

interface Settings {
  direction: FitDirection;
  steps: number;
  learningRate: number;
  tolerance: number;
}

function settle(options: OptimiserOptions): Settings {
  const { steps = DEFAULTS.steps, learningRate = DEFAULTS.learningRate, tolerance = DEFAULTS.tolerance } = options;
  if (!Number.isInteger(steps) || steps < 0) throw new KLError("BAD_OPTION", "options.steps", `must be an integer ≥ 0, got ${steps}`);
  if (!(learningRate > 0 && Number.isFinite(learningRate))) {
    throw new KLError("BAD_OPTION", "options.learningRate", `must be a finite number > 0, got ${learningRate}`);
  }
  if (!(tolerance >= 0)) throw new KLError("BAD_OPTION", "options.tolerance", `must be a number ≥ 0, got ${tolerance}`);
  return { direction: checkDirection(options.direction), steps, learningRate, tolerance };
}

/** How a run ended: Adam updates made, and whether the tolerance was met. */
interface Ending {
  steps: number;
  converged: boolean;
}

interface Point {
  mu: Float64Array;
  logSigma: Float64Array;
  kl: number;
}

/**
 * Adam on θ = (μ, log σ) over a discretised problem. Yields the point of every evaluation
 * (the start first); returns how the run ended.
 */
function* optimise(kl: KL, problem: Problem, settings: Settings, mu0: number[], sigma0: number[]): Generator<Point, Ending> {
  const { dims, coords, target, space, logCell } = problem;
  const n = target.length;
  const logits = new Float64Array(n);
  const grad = new Float64Array(n);
  const mu = Float64Array.from(mu0);
  const logSigma = Float64Array.from(sigma0, Math.log);
  const gradient = new Float64Array(2 * dims);
  const m = new Float64Array(2 * dims);
  const v = new Float64Array(2 * dims);
  const options = { pSpace: space, qSpace: "logits" as const, out: grad };
  const call = settings.direction === "forward"
    ? (z: Float64Array) => kl.forwardGrad(target, z, options)
    : (z: Float64Array) => kl.reverseGrad(target, z, options);
  let previous = NaN;
  let moved = Infinity;

  for (let step = 0; ; step++) {
    logits.fill(0);
    if (logCell) logits.set(logCell);
    for (let k = 0; k < dims; k++) {
      const c = coords[k]!;
      const scale = -0.5 * Math.exp(-2 * logSigma[k]!);
      for (let i = 0; i < n; i++) logits[i]! += scale * (c[i]! - mu[k]!) ** 2;
    }
    const result = call(logits);
    const value = result.value;
    const g = result.grad;
    // Chain rule from dD/dz to dD/dμ_k and dD/d(log σ_k).
    for (let k = 0; k < dims; k++) {
      const c = coords[k]!;
      const precision = Math.exp(-2 * logSigma[k]!);
      let byMu = 0;
      let byLogSigma = 0;
      for (let i = 0; i < n; i++) {
        const d = c[i]! - mu[k]!;
        byMu += g[i]! * d;
        byLogSigma += g[i]! * d * d;
      }
      gradient[k] = byMu * precision;
      gradient[dims + k] = byLogSigma * precision;
    }
    yield { mu: mu.slice(), logSigma: logSigma.slice(), kl: value };
    if (!Number.isFinite(value) || gradient.some((x) => !Number.isFinite(x))) return { steps: step, converged: false };
    if (moved < settings.tolerance && Math.abs(value - previous) < settings.tolerance) return { steps: step, converged: true };
    if (step === settings.steps) return { steps: step, converged: false };
    previous = value;

    // Adam: μ_k moves in units of σ_k (its gradient times σ_k), so that the learning rate
    // means the same for every width and every scale of x.
    moved = 0;
    const t = step + 1;
    for (let j = 0; j < 2 * dims; j++) {
      const scaled = j < dims ? gradient[j]! * Math.exp(logSigma[j]!) : gradient[j]!;
      m[j] = BETA1 * m[j]! + (1 - BETA1) * scaled;
      v[j] = BETA2 * v[j]! + (1 - BETA2) * scaled * scaled;
      const update = (settings.learningRate * (m[j]! / (1 - BETA1 ** t))) / (Math.sqrt(v[j]! / (1 - BETA2 ** t)) + EPSILON);
      if (j < dims) mu[j]! -= update * Math.exp(logSigma[j]!);
      else logSigma[j - dims]! -= update;
      moved = Math.max(moved, Math.abs(update));
    }
  }
}

/* -------------------------------------------------------------- 1-D fits */

function isMixture(target: Mixture | GridDensity): target is Mixture {
  return target !== null && typeof target === "object" && "weights" in target;
}

/** The discretised 1-D problem and the default start. */
function setUp1D(target: Mixture | GridDensity, options: FitOptions, direction: FitDirection): { problem: Problem; start: { mu: number; sigma: number } } {
  if (target === null || typeof target !== "object") throw new KLError("BAD_OPTION", "target", "must be a mixture { weights, means, sigmas } or a grid density { x, density }");
  let problem: Problem;
  let peak: { mu: number; sigma: number };
  if (isMixture(target)) {
    const x = mixtureGrid(target, options.grid);
    // Log space: a mixture's density underflows far from its modes, and D(Q‖P) needs log p there.
    problem = productGrid([Array.from(x)], mixtureLogDensity(target, x), "log", () => true);
    const { weights, means, sigmas } = checkMixture(target);
    const k = weights.indexOf(Math.max(...weights));
    peak = { mu: means[k]!, sigma: sigmas[k]! };
  } else {
    if (!("x" in target) || !("density" in target)) throw new KLError("BAD_OPTION", "target", "must be a mixture { weights, means, sigmas } or a grid density { x, density }");
    const x = increasing(numbers(target.x, "target.x"), "target.x");
    problem = densityProblem([x], target.density, direction);
    peak = peakOf(x, Array.from(target.density, Number));
  }
  const [min, max] = problem.bounds[0]!;
  const centre = { mu: (min + max) / 2, sigma: (max - min) / 8 };
  return { problem, start: direction === "forward" ? centre : peak };
}

/** The highest point of a density and the width where it falls to e^(−1/2) of that (a Gaussian's σ). */
function peakOf(x: number[], density: number[]): { mu: number; sigma: number } {
  let top = 0;
  density.forEach((d, i) => { if (d > density[top]!) top = i; });
  const level = density[top]! * Math.exp(-0.5);
  let left = top;
  let right = top;
  while (left > 0 && density[left]! > level) left--;
  while (right < x.length - 1 && density[right]! > level) right++;
  // At least one grid step wide: left < top or right > top, as the grid has two points or more.
  return { mu: x[top]!, sigma: (x[right]! - x[left]!) / 2 };
}

function checkStart(value: number | undefined, fallback: number, argument: string, mustBePositive: boolean): number {
  const v = value ?? fallback;
  if (typeof v !== "number" || !Number.isFinite(v) || (mustBePositive && !(v > 0))) {
    throw new KLError("BAD_OPTION", argument, `must be a finite number${mustBePositive ? " > 0" : ""}, got ${String(v)}`);
  }
  return v;
}

/**
 * The steps of a one-dimensional fit, one evaluation at a time: yields the state of each
 * evaluation (step 0 is the start) and returns the result. fitGaussian runs it to the end;
 * an animation can draw between steps. `next(false)` stops the fit there and returns the
 * result so far (not converged). Used by the demo and the CLI; not exported by the package
 * (fitGaussian's onStep sees the same states).
 * @internal
 * @param kl the backend that computes (any KL instance: Wasm or referenceKL).
 * @param target a mixture or a density on a grid; see fitGaussian.
 * @param options see FitOptions (onStep is not called here).
 */
export function* fitGaussianSteps(kl: KL, target: Mixture | GridDensity, options: FitOptions = {}): Generator<FitState, GaussianFit, boolean | void> {
  const settings = settle(options);
  const { problem, start } = setUp1D(target, options, settings.direction);
  const mu = checkStart(options.init?.mu, start.mu, "options.init.mu", false);
  const sigma = checkStart(options.init?.sigma, start.sigma, "options.init.sigma", true);
  return yield* record(optimise(kl, problem, settings, [mu], [sigma]), (point) => ({
    mu: point.mu[0]!, sigma: Math.exp(point.logSigma[0]!), kl: point.kl,
  }));
}

/**
 * Runs an optimisation, turning its points into the caller's form, keeping the history and
 * stopping early (not converged) when the consumer passes false to next().
 */
function* record<T extends { kl: number }>(run: Generator<Point, Ending>, form: (point: Point) => T): Generator<T & { step: number }, T & Ending & { history: T[] }, boolean | void> {
  const history: T[] = [];
  for (;;) {
    const next = run.next();
    if (next.done) return { ...history[history.length - 1]!, ...next.value, history };
    const point = form(next.value);
    history.push(point);
    if ((yield { step: history.length - 1, ...point }) === false) {
      return { ...point, steps: history.length - 1, converged: false, history };
    }
  }
}

/**
 * Fits a Gaussian Q = N(mu, sigma²) to a target P by minimising forward D(P‖Q) or reverse
 * D(Q‖P) with Adam, using the backend's gradient kernels. Forward KL lands on P's own mean
 * and standard deviation (moment matching); reverse KL, started near one mode of a
 * well-separated mixture, settles on that mode. `kl.fitGaussian(target, options)` is the same
 * call on an instance.
 * @example
 * ```ts
 * import { createKL, fitGaussian } from "klwasm";
 * const kl = await createKL();
 * const p = { weights: [0.5, 0.5], means: [-2, 2], sigmas: [0.6, 0.6] };
 * fitGaussian(kl, p, { direction: "forward" }); // { mu ≈ 0, sigma ≈ 2.088, … }
 * fitGaussian(kl, p, { direction: "reverse" }); // { mu ≈ -2, sigma ≈ 0.6, … }
 * ```
 * @param kl the backend that computes (a KL instance from createKL, or referenceKL).
 * @param target a mixture `{ weights, means, sigmas }` (discretised on `options.grid`), or
 *   a density `{ x, density }` on increasing points. A reverse fit drops grid points where a
 *   given density is 0 (D(Q‖P) would be infinite for any Gaussian there).
 * @param options direction, init, steps, learningRate, tolerance, grid, onStep.
 * @returns the fitted mu and sigma, the divergence there (nats), the number of Adam steps,
 *   whether the tolerance was met, and every evaluation in `history`.
 */
export function fitGaussian(kl: KL, target: Mixture | GridDensity, options: FitOptions = {}): GaussianFit {
  return runToEnd(fitGaussianSteps(kl, target, options), options.onStep);
}

/** Runs a fit's steps to the end, stopping early where `onStep` returns false. */
function runToEnd<S, R>(run: Generator<S, R, boolean | void>, onStep: ((state: S) => boolean | void) | undefined): R {
  for (;;) {
    const next = run.next();
    if (next.done) return next.value;
    if (onStep?.(next.value) === false) return run.next(false).value as R;
  }
}

/* ------------------------------------------------------ factorised fits */

function perAxis(value: number | ArrayLike<number> | undefined, dims: number, argument: string): number[] | undefined {
  if (value === undefined) return undefined;
  return typeof value === "number" ? Array.from({ length: dims }, () => value) : numbers(value, argument, dims);
}

/** Cholesky factor L (row-major, lower) of a symmetric positive definite matrix. */
function cholesky(a: number[], d: number): number[] {
  const l = new Array<number>(d * d).fill(0);
  for (let i = 0; i < d; i++) {
    for (let j = 0; j <= i; j++) {
      if (Math.abs(a[i * d + j]! - a[j * d + i]!) > 1e-12 * (Math.abs(a[i * d + j]!) + Math.abs(a[j * d + i]!))) {
        throw new KLError("BAD_OPTION", "target.cov", `must be symmetric: elements (${i}, ${j}) and (${j}, ${i}) differ`);
      }
      let sum = a[i * d + j]!;
      for (let k = 0; k < j; k++) sum -= l[i * d + k]! * l[j * d + k]!;
      if (i === j) {
        if (!(sum > 0)) throw new KLError("BAD_OPTION", "target.cov", "must be positive definite");
        l[i * d + i] = Math.sqrt(sum);
      } else {
        l[i * d + j] = sum / l[j * d + j]!;
      }
    }
  }
  return l;
}

/** The discretised d-dimensional problem and the default start. */
function setUpND(target: GaussianTarget | GridDensityND, options: DiagFitOptions, direction: FitDirection): { problem: Problem; start: { mu: number[]; sigma: number[] } } {
  if (target === null || typeof target !== "object") throw new KLError("BAD_OPTION", "target", "must be a Gaussian { mean, cov } or a grid density { axes, density }");
  let problem: Problem;
  if ("mean" in target) {
    const mean = numbers(target.mean, "target.mean");
    const d = mean.length;
    const cov = numbers(target.cov, "target.cov", d * d);
    const l = cholesky(cov, d);
    const grid = options.grid ?? {};
    const points = perAxis(grid.points, d, "options.grid.points") ?? mean.map(() => Math.max(16, Math.round(GRID_POINTS_TOTAL ** (1 / d)) | 1));
    const min = perAxis(grid.min, d, "options.grid.min") ?? mean.map((m, k) => m - 6 * Math.sqrt(cov[k * d + k]!));
    const max = perAxis(grid.max, d, "options.grid.max") ?? mean.map((m, k) => m + 6 * Math.sqrt(cov[k * d + k]!));
    const axes = mean.map((_, k) => {
      if (!Number.isInteger(points[k]) || points[k]! < 2) throw new KLError("BAD_OPTION", "options.grid.points", `must be integers ≥ 2, got ${points[k]}`);
      if (!(max[k]! > min[k]!)) throw new KLError("BAD_OPTION", "options.grid", `needs min < max on axis ${k}`);
      return Array.from({ length: points[k]! }, (_, i) => min[k]! + ((max[k]! - min[k]!) * i) / (points[k]! - 1));
    });
    // log N(x; mean, cov) up to a constant: −½|L⁻¹(x − mean)|², by forward substitution.
    const size = points.reduce((a, b) => a * b, 1);
    const logDensity = new Float64Array(size);
    const index = new Array<number>(d).fill(0);
    const y = new Array<number>(d);
    for (let flat = 0; flat < size; flat++) {
      let quadratic = 0;
      for (let i = 0; i < d; i++) {
        let r = axes[i]![index[i]!]! - mean[i]!;
        for (let k = 0; k < i; k++) r -= l[i * d + k]! * y[k]!;
        y[i] = r / l[i * d + i]!;
        quadratic += y[i]! * y[i]!;
      }
      logDensity[flat] = -0.5 * quadratic;
      for (let k = d - 1; k >= 0; k--) {
        if (++index[k]! < points[k]!) break;
        index[k] = 0;
      }
    }
    problem = productGrid(axes, logDensity, "log", () => true);
  } else if ("axes" in target && "density" in target && Array.isArray(target.axes)) {
    const axes = target.axes.map((a, k) => increasing(numbers(a, `target.axes[${k}]`), `target.axes[${k}]`));
    problem = densityProblem(axes, target.density, direction);
  } else {
    throw new KLError("BAD_OPTION", "target", "must be a Gaussian { mean, cov } or a grid density { axes, density }");
  }
  const sigma = problem.bounds.map(([a, b]) => (b - a) / 8);
  if (direction === "forward") return { problem, start: { mu: problem.bounds.map(([a, b]) => (a + b) / 2), sigma } };
  let top = 0;
  problem.target.forEach((v, i) => { if (v > problem.target[top]!) top = i; });
  return { problem, start: { mu: problem.coords.map((c) => c[top]!), sigma } };
}

/**
 * The steps of a factorised fit, as fitGaussianSteps does for one dimension. Not exported by
 * the package (fitDiagGaussian's onStep sees the same states).
 * @internal
 * @param kl the backend that computes.
 * @param target see fitDiagGaussian.
 * @param options see DiagFitOptions (onStep is not called here).
 */
export function* fitDiagGaussianSteps(kl: KL, target: GaussianTarget | GridDensityND, options: DiagFitOptions = {}): Generator<DiagFitState, DiagGaussianFit, boolean | void> {
  const settings = settle(options);
  const { problem, start } = setUpND(target, options, settings.direction);
  const d = problem.dims;
  const muStart = perAxis(options.init?.mu, d, "options.init.mu") ?? start.mu;
  const sigmaStart = positive(perAxis(options.init?.sigma, d, "options.init.sigma") ?? start.sigma, "options.init.sigma");
  return yield* record(optimise(kl, problem, settings, muStart, sigmaStart), (point) => ({
    mu: Array.from(point.mu), sigma: Array.from(point.logSigma, Math.exp), kl: point.kl,
  }));
}

/**
 * Fits a factorised (mean-field) Gaussian Q = Π_k N(mu_k, sigma_k²) to a d-dimensional target
 * by minimising forward D(P‖Q) or reverse D(Q‖P), as fitGaussian does in one dimension, on
 * the flattened product grid (Q's logits z = −Σ_k (x_k − μ_k)²/(2σ_k²)). For a Gaussian
 * target N(m, Σ) both directions put mu at m; forward gives sigma_k² = Σ_kk (the marginal
 * variances), reverse gives sigma_k² = 1/Λ_kk with Λ = Σ⁻¹ (the conditional variances:
 * narrower, the mean-field under-estimate). `kl.fitDiagGaussian(target, options)` is the same
 * call on an instance.
 * @example
 * ```ts
 * import { createKL, fitDiagGaussian } from "klwasm";
 * const kl = await createKL();
 * const correlated = { mean: [0, 0], cov: [1, 0.8, 0.8, 1] };
 * fitDiagGaussian(kl, correlated, { direction: "forward" }); // { mu ≈ [0, 0], sigma ≈ [1, 1], … }: the marginals
 * fitDiagGaussian(kl, correlated, { direction: "reverse" }); // { mu ≈ [0, 0], sigma ≈ [0.6, 0.6], … }: √(1/Λ_kk)
 * ```
 * @param kl the backend that computes.
 * @param target a Gaussian `{ mean, cov }` (cov row-major d×d, discretised on
 *   `options.grid`), or a density `{ axes, density }` on the product of increasing axes,
 *   row-major.
 * @param options direction, init, steps, learningRate, tolerance, grid, onStep.
 * @returns the fitted mu and sigma per axis, the divergence there, the number of Adam
 *   steps, whether the tolerance was met, and every evaluation in `history`.
 */
export function fitDiagGaussian(kl: KL, target: GaussianTarget | GridDensityND, options: DiagFitOptions = {}): DiagGaussianFit {
  return runToEnd(fitDiagGaussianSteps(kl, target, options), options.onStep);
}
