/**
 * Targets, discretised: a mixture's density, moments and grid, a density given on a grid, and
 * a d-dimensional Gaussian on a product grid, each turned into the Problem the optimiser
 * (adam.ts) works on.
 */
import { checkFiniteArray, checkHasKeys, checkIncreasing, checkKnownKeys, checkIntegerOption, checkInterval, checkMass, checkPositive, checkSPD, checkSquare } from "../core/checks.js";
import { KLError } from "../core/errors.js";
import type { Space } from "../core/types.js";
import type { FitGrid, FitGridND, GaussianTarget, Mixture } from "./types.js";

/**
 * The grids a fit discretises a target on, when `options.grid` leaves them out.
 * @example
 * import { GRID_DEFAULTS, mixtureGrid } from "klwasm";
 * mixtureGrid(bimodal).length === GRID_DEFAULTS.points; // true: 2001 points
 */
export const GRID_DEFAULTS = Object.freeze({
  /** Points of a mixture's grid. */
  points: 2001,
  /** How far a default grid reaches on each side of a mean, in standard deviations. */
  reach: 6,
  /** About how many points a Gaussian target's product grid has in all: 129 per axis in 2-D. */
  totalPoints: 129 * 129,
  /** The fewest points per axis of a Gaussian target's grid. */
  minAxisPoints: 16,
  /**
   * The most points a grid may have in all, 2^26: a fit keeps several f64 arrays of that length
   * (P, Q's logits, the gradient, a coordinate per axis), 512 MiB each. Larger grids are a
   * TOO_LARGE KLError before anything is allocated.
   */
  maxPoints: 2 ** 26,
});

/** TOO_LARGE where a grid of `total` points is more than a fit can hold (`grid` says which grid, `argument` its option). */
function checkGridSize(total: number, argument: string, grid: string): void {
  if (total > GRID_DEFAULTS.maxPoints) {
    throw new KLError("TOO_LARGE", argument, `${grid} has ${total} points, more than the ${GRID_DEFAULTS.maxPoints} (2^26) a fit can hold: give fewer`);
  }
}

/**
 * A checked mixture with weights normalised to sum 1. `where`: the mixture's name for the
 * caller ("target" in a fit, "mixture" in the functions taking one), so that errors name
 * its fields as the caller knows them (`target.sigmas`).
 */
function checkMixture(mixture: Mixture, where: string): { weights: number[]; means: number[]; sigmas: number[] } {
  checkHasKeys(mixture, where, [], "a mixture { weights, means, sigmas }");
  const weights = checkFiniteArray(mixture.weights, `${where}.weights`);
  const total = checkMass(weights, `${where}.weights`);
  const means = checkFiniteArray(mixture.means, `${where}.means`, weights.length);
  const sigmas = checkFiniteArray(mixture.sigmas, `${where}.sigmas`, weights.length);
  checkPositive(sigmas, `${where}.sigmas`);
  return { weights: weights.map((w) => w / total), means, sigmas };
}

/** Whether a target is a mixture `{ weights, means, sigmas }` (rather than a grid density). */
export function isMixture(target: object): target is Mixture {
  return "weights" in target;
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
  return momentsOf(checkMixture(mixture, "mixture"));
}

function momentsOf({ weights, means, sigmas }: Mixture & { weights: number[] }): { mean: number; sigma: number } {
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
 * @param grid `min`, `max` and `points`, each defaulting as in FitOptions.grid (GRID_DEFAULTS).
 * @returns `points` evenly spaced points from `min` to `max`.
 */
export function mixtureGrid(mixture: Mixture, grid: FitGrid = {}): Float64Array {
  return gridOf(checkMixture(mixture, "mixture"), grid, "mixture", "grid");
}

/**
 * mixtureGrid of a checked mixture, its errors naming `where` (the mixture) and `gridName`:
 * a default end the f64 grid cannot resolve (components too narrow for their means) is the
 * mixture's fault, not the grid's the caller never gave.
 */
function gridOf(mixture: ReturnType<typeof checkMixture>, grid: FitGrid, where: string, gridName: string): Float64Array {
  checkKnownKeys(grid, ["min", "max", "points"], gridName);
  const { means, sigmas } = mixture;
  const { mean, sigma } = momentsOf(mixture);
  const reach = GRID_DEFAULTS.reach;
  const min = grid.min ?? Math.min(mean - reach * sigma, ...means.map((m, k) => m - reach * sigmas[k]!));
  const max = grid.max ?? Math.max(mean + reach * sigma, ...means.map((m, k) => m + reach * sigmas[k]!));
  const points = checkIntegerOption(grid.points ?? GRID_DEFAULTS.points, `${gridName}.points`, 2);
  checkGridSize(points, `${gridName}.points`, "the grid");
  const x = Float64Array.from({ length: points }, (_, i) => min + ((max - min) * i) / (points - 1));
  const resolved = Number.isFinite(min) && Number.isFinite(max) && x.every((v, i) => i === 0 || v > x[i - 1]!);
  if (!resolved && grid.min === undefined && grid.max === undefined) {
    throw new KLError("BAD_OPTION", `${where}.sigmas`, `are too narrow (or too wide) for their means: the ${points} points of a grid over mean ± ${reach}σ are not distinct finite numbers; give the grid's min and max`);
  }
  checkInterval(min, max, gridName);
  if (!resolved) throw new KLError("BAD_OPTION", gridName, `its ${points} points from ${min} to ${max} are not distinct finite numbers`);
  return x;
}

/**
 * log Σ_k w_k·N(x; m_k, s_k²) at each x (weights normalised), taken as a log-sum-exp so that
 * no tail underflows: the form to hand the kernels with `pSpace: "log"`.
 * @example
 * const bimodal = { weights: [0.5, 0.5], means: [-2, 2], sigmas: [0.6, 0.6] };
 * mixtureLogDensity(bimodal, [0, 40]); // Float64Array [−5.963…, −2006.65…]: e^−2006 underflows to 0 as a density
 * @param mixture the mixture.
 * @param x where to evaluate it.
 * @returns the log-density at each x_i, a Float64Array of x's length.
 */
export function mixtureLogDensity(mixture: Mixture, x: ArrayLike<number>): Float64Array {
  return logDensityOf(checkMixture(mixture, "mixture"), x);
}

function logDensityOf({ weights, means, sigmas }: ReturnType<typeof checkMixture>, x: ArrayLike<number>): Float64Array {
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
 * fitGaussian(kl, { x, density: mixtureDensity(bimodal, x) }); // the same fit as fitGaussian(kl, bimodal)
 * @param mixture the mixture.
 * @param x where to evaluate it.
 * @returns Σ_k w_k·N(x_i; m_k, s_k²) for each x_i, a Float64Array of x's length.
 */
export function mixtureDensity(mixture: Mixture, x: ArrayLike<number>): Float64Array {
  return mixtureLogDensity(mixture, x).map(Math.exp);
}

/** Checked grid points: finite and strictly increasing. */
export function checkAxis(values: unknown, argument: string): number[] {
  const axis = checkFiniteArray(values, argument);
  checkIncreasing(axis, argument);
  return axis;
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
  const points = checkAxis(x, "x");
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

/** Log-probabilities shifted so that Σ exp = 1. */
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
export interface Problem {
  dims: number;
  /** coords[k][i]: coordinate k of flattened point i. */
  coords: Float64Array[];
  target: Float64Array;
  space: Space;
  logCell: Float64Array | undefined;
  /** Per axis: the grid's first and last coordinate. */
  bounds: Array<[number, number]>;
  /** What the grid, and so a fit's default start, came from: the argument to name if Q cannot be put on it. */
  origin: string;
}

/** A product grid of increasing axes, flattened row-major; points where `keep` is false dropped. */
function productGrid(axes: number[][], target: Float64Array, space: Space, keep: (i: number) => boolean): Omit<Problem, "origin"> {
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

/** A mixture on its grid (options.grid), in log space: its density underflows far from its modes, and D(Q‖P) needs log p there. */
export function mixtureProblem(mixture: Mixture, grid: FitGrid | undefined): Problem {
  const checked = checkMixture(mixture, "target");
  const x = gridOf(checked, grid ?? {}, "target", "options.grid");
  const origin = grid?.min === undefined && grid?.max === undefined ? "target.sigmas" : "options.grid";
  return { ...productGrid([Array.from(x)], logDensityOf(checked, x), "log", () => true), origin };
}

/** The mean and σ of a mixture's largest-weight component: where a reverse fit starts. */
export function heaviestComponent(mixture: Mixture): { mu: number; sigma: number } {
  const { weights, means, sigmas } = checkMixture(mixture, "target");
  const k = weights.indexOf(Math.max(...weights));
  return { mu: means[k]!, sigma: sigmas[k]! };
}

/**
 * A density given by the user on checked axes: probabilities, checked; zeros dropped where
 * `dropZeros` (the fit's divergence is infinite there). `origin`: the axes' name for the
 * caller (`target.x`, `target.axes`).
 */
export function densityProblem(axes: number[][], density: unknown, dropZeros: boolean, origin: string): Problem {
  const size = axes.reduce((n, a) => n * a.length, 1);
  const values = Float64Array.from(checkFiniteArray(density, "target.density", size));
  checkMass(values, "target.density");
  // D(Q‖P) (and A_α for α ≤ 0) is infinite for any Q with mass where P has none, and a
  // Gaussian has mass everywhere: such a fit works on P's support, where the optimum Q lives anyway.
  const keep = dropZeros ? (i: number) => values[i]! > 0 : () => true;
  return { ...productGrid(axes, values, "prob", keep), origin };
}

/** The natural log of the smallest normal double, 2^−1022: −708.39… */
const LOG_MIN_NORMAL = -1022 * Math.LN2;

/**
 * The problem without the points where P, given in log space, is not a normal double as a
 * probability (log p below −708.4: exp underflows to 0 or to a subnormal). For A_α with
 * α < 0 the kernels take p^α q^(1−α) from p, which is +Infinity where p is 0 (and p^α
 * overflows for a subnormal p once α ≤ −1) although P's log-density is finite; P is below
 * 2^−1022 of its mass at those points, and a Q that is not negligible there has an A_α far
 * beyond any optimum's.
 */
export function withoutUnderflow(problem: Problem): Problem {
  if (problem.space !== "log") return problem;
  const kept: number[] = [];
  problem.target.forEach((v, i) => { if (v >= LOG_MIN_NORMAL) kept.push(i); });
  if (kept.length === problem.target.length) return problem;
  const pick = (values: Float64Array) => Float64Array.from(kept, (i) => values[i]!);
  return {
    ...problem,
    coords: problem.coords.map(pick),
    target: pick(problem.target),
    logCell: problem.logCell && pick(problem.logCell),
  };
}

/** `value` for every one of `dims` axes: a number repeated, or an array of that length (checked finite). */
export function perAxis(value: number | ArrayLike<number> | undefined, dims: number, argument: string): number[] | undefined {
  if (value === undefined) return undefined;
  return typeof value === "number" ? Array.from({ length: dims }, () => value) : checkFiniteArray(value, argument, dims);
}

/**
 * A d-dimensional Gaussian N(mean, cov) on a product grid (options.grid; defaults: mean_k ±
 * GRID_DEFAULTS.reach·√Σ_kk, about GRID_DEFAULTS.totalPoints points in all), in log space.
 */
export function gaussianProblem(target: GaussianTarget, grid: FitGridND = {}): Problem {
  const mean = checkFiniteArray(target.mean, "target.mean");
  const d = mean.length;
  const cov = checkFiniteArray(target.cov, "target.cov");
  checkSquare(cov, "target.cov", d, "target.mean");
  const l = checkSPD(cov, d, "target.cov");
  const { reach, totalPoints, minAxisPoints } = GRID_DEFAULTS;
  const given = perAxis(grid.points, d, "options.grid.points");
  const points = (given ?? mean.map(() => Math.max(minAxisPoints, Math.round(totalPoints ** (1 / d)) | 1)))
    .map((count) => checkIntegerOption(count, "options.grid.points", 2));
  checkGridSize(points.reduce((a, b) => a * b, 1), "options.grid.points", given === undefined ? `the default grid of ${points[0]} points per axis in ${d} dimensions` : "the product grid");
  const min = perAxis(grid.min, d, "options.grid.min") ?? mean.map((m, k) => m - reach * Math.sqrt(cov[k * d + k]!));
  const max = perAxis(grid.max, d, "options.grid.max") ?? mean.map((m, k) => m + reach * Math.sqrt(cov[k * d + k]!));
  const axes = mean.map((_, k) => {
    const count = points[k]!;
    checkInterval(min[k]!, max[k]!, "options.grid", ` on axis ${k}`);
    return Array.from({ length: count }, (_, i) => min[k]! + ((max[k]! - min[k]!) * i) / (count - 1));
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
  const origin = grid.min === undefined && grid.max === undefined ? "target.cov" : "options.grid";
  return { ...productGrid(axes, logDensity, "log", () => true), origin };
}
