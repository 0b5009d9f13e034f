/**
 * The forward-versus-reverse experiment: fit a Gaussian Q to a target P on a grid by
 * minimising D(P‖Q) (forward, zero-avoiding), D(Q‖P) (reverse, zero-forcing) or Amari's
 * α-divergence between them with the library's gradient kernels, on any backend. The entry
 * points: each sets up the discretised target (targets.ts) and the start, runs the optimiser
 * (adam.ts) and records its history.
 */
import { checkHasKeys, checkKnownKeys, checkList, checkNumberOption, checkOptionsObject, checkPositive } from "../core/checks.js";
import { KLError } from "../core/errors.js";
import type { KL } from "../core/types.js";
import { infiniteWhereTargetIsZero, nearestDirection, optimise, readSettings, type Ending, type Point, type Settings } from "./adam.js";
import {
  checkAxis, densityProblem, gaussianProblem, heaviestComponent, isMixture, mixtureProblem, perAxis, withoutUnderflow, type Problem,
} from "./targets.js";
import type {
  DiagFitOptions, DiagFitState, DiagGaussianFit, FitOptions, FitState, GaussianFit, GaussianTarget, GridDensity, GridDensityND, Mixture,
} from "./types.js";

const TARGETS_1D = "a mixture { weights, means, sigmas } or a grid density { x, density }";
const TARGETS_ND = "a Gaussian { mean, cov } or a grid density { axes, density }";

/**
 * The fits' options, and those of their `init` and `grid` objects, are known keys only: a
 * misspelt one would otherwise be ignored and the fit would run with its default.
 */
function checkFitOptions(options: FitOptions | DiagFitOptions): void {
  checkOptionsObject(options);
  checkKnownKeys(options, ["direction", "alpha", "steps", "learningRate", "tolerance", "init", "grid", "onStep"]);
  const nested = [["init", ["mu", "sigma"]], ["grid", ["min", "max", "points"]]] as const;
  for (const [name, keys] of nested) {
    const value = options[name];
    if (value === undefined) continue;
    if (typeof value !== "object" || value === null) throw new KLError("BAD_OPTION", `options.${name}`, `must be an object with ${keys.join(", ")}`);
    checkKnownKeys(value, keys, `options.${name}`);
  }
}

/** The argument the fit's start came from: `options.init` where given, else the target (or grid) it was derived from. */
function startOf(options: FitOptions | DiagFitOptions, problem: Problem): string {
  return options.init?.mu !== undefined || options.init?.sigma !== undefined ? "options.init" : problem.origin;
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

/**
 * For A_α with α < 0, the problem without the points where P underflows to 0 (see
 * withoutUnderflow); every other problem as it is.
 */
function forSettings(problem: Problem, settings: Settings): Problem {
  return settings.direction === "alpha" && settings.alpha! < 0 ? withoutUnderflow(problem) : problem;
}

/** The discretised 1-D problem and the default start (see FitOptions.init). */
function setUp1D(target: Mixture | GridDensity, options: FitOptions, settings: Settings): { problem: Problem; start: { mu: number; sigma: number } } {
  checkHasKeys(target, "target", [], TARGETS_1D);
  let problem: Problem;
  let peak: { mu: number; sigma: number };
  if (isMixture(target)) {
    problem = mixtureProblem(target, options.grid);
    peak = heaviestComponent(target);
  } else {
    checkHasKeys(target, "target", ["x", "density"], TARGETS_1D);
    const x = checkAxis(target.x, "target.x");
    problem = densityProblem([x], target.density, infiniteWhereTargetIsZero(settings), "target.x");
    peak = peakOf(x, Array.from(target.density, Number));
  }
  const [min, max] = problem.bounds[0]!;
  const centre = { mu: (min + max) / 2, sigma: (max - min) / 8 };
  return { problem: forSettings(problem, settings), start: nearestDirection(settings) === "forward" ? centre : peak };
}

/** The discretised d-dimensional problem and the default start (see DiagFitOptions.init). */
function setUpND(target: GaussianTarget | GridDensityND, options: DiagFitOptions, settings: Settings): { problem: Problem; start: { mu: number[]; sigma: number[] } } {
  checkHasKeys(target, "target", [], TARGETS_ND);
  let problem: Problem;
  if ("mean" in target) {
    problem = gaussianProblem(target, options.grid);
  } else {
    checkHasKeys(target, "target", ["axes", "density"], TARGETS_ND);
    const axes = checkList(target.axes, "target.axes").map((a, k) => checkAxis(a, `target.axes[${k}]`));
    problem = densityProblem(axes, target.density, infiniteWhereTargetIsZero(settings), "target.axes");
  }
  problem = forSettings(problem, settings);
  const sigma = problem.bounds.map(([a, b]) => (b - a) / 8);
  if (nearestDirection(settings) === "forward") return { problem, start: { mu: problem.bounds.map(([a, b]) => (a + b) / 2), sigma } };
  let top = 0;
  problem.target.forEach((v, i) => { if (v > problem.target[top]!) top = i; });
  return { problem, start: { mu: problem.coords.map((c) => c[top]!), sigma } };
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

/** Runs a fit's steps to the end, stopping early where `onStep` returns false. */
function runToEnd<S, R>(run: Generator<S, R, boolean | void>, onStep: ((state: S) => boolean | void) | undefined): R {
  for (;;) {
    const next = run.next();
    if (next.done) return next.value;
    if (onStep?.(next.value) === false) return run.next(false).value as R;
  }
}

/**
 * The steps of a one-dimensional fit, one evaluation at a time: yields the state of each
 * evaluation (step 0 is the start) and returns the result. fitGaussian runs it to the end;
 * an animation can draw between steps (the demo and the CLI do). `next(false)` stops the fit
 * there and returns the result so far (not converged).
 * @example
 * ```ts
 * import { createKL, fitGaussianSteps } from "klwasm";
 * const kl = await createKL();
 * const run = fitGaussianSteps(kl, { weights: [0.5, 0.5], means: [-2, 2], sigmas: [0.6, 0.6] }, { direction: "reverse" });
 * for (let next = run.next(); !next.done; next = run.next()) draw(next.value); // { step, mu, sigma, kl }
 * ```
 * @param kl the backend that computes (any KL instance: Wasm or referenceKL).
 * @param target a mixture or a density on a grid; see fitGaussian.
 * @param options see FitOptions (onStep is not called here).
 * @returns a generator of FitState whose return value is the GaussianFit.
 */
export function* fitGaussianSteps(kl: KL, target: Mixture | GridDensity, options: FitOptions = {}): Generator<FitState, GaussianFit, boolean | void> {
  checkFitOptions(options);
  const settings = readSettings(options);
  const { problem, start } = setUp1D(target, options, settings);
  const mu = checkNumberOption(options.init?.mu ?? start.mu, "options.init.mu");
  const sigma = checkNumberOption(options.init?.sigma ?? start.sigma, "options.init.sigma", { above: 0 });
  return yield* record(optimise(kl, problem, settings, [mu], [sigma], startOf(options, problem)), (point) => ({
    mu: point.mu[0]!, sigma: Math.exp(point.logSigma[0]!), kl: point.kl,
  }));
}

/**
 * Fits a Gaussian Q = N(mu, sigma²) to a target P by minimising forward D(P‖Q), reverse
 * D(Q‖P) or Amari's α-divergence A_α(P‖Q) with Adam, using the backend's gradient kernels.
 * Forward KL lands on P's own mean and standard deviation (moment matching); reverse KL,
 * started near one mode of a well-separated mixture, settles on that mode. A_α is the
 * forward fit at α = 1 and the reverse fit at α = 0 (exactly: the same kernels and start);
 * for a mixture its global optimum covers the modes for α near 1 and sits on one near 0,
 * and over a wide range of α in between both are local minima, so the start decides.
 * @example
 * ```ts
 * import { createKL, fitGaussian } from "klwasm";
 * const kl = await createKL();
 * const p = { weights: [0.5, 0.5], means: [-2, 2], sigmas: [0.6, 0.6] };
 * fitGaussian(kl, p, { direction: "forward" }); // { mu ≈ 0, sigma ≈ 2.088, … }
 * fitGaussian(kl, p, { direction: "reverse" }); // { mu ≈ -2, sigma ≈ 0.6, … }
 * const heavy = { weights: [0.6, 0.4], means: [-2, 2], sigmas: [0.6, 0.8] };
 * fitGaussian(kl, heavy, { direction: "alpha", alpha: 0.25 }); // { mu ≈ -1.986, sigma ≈ 0.621, … }: the heavier mode
 * fitGaussian(kl, heavy, { direction: "alpha", alpha: 0.5 }); // { mu ≈ -0.236, sigma ≈ 2.021, … }: both modes
 * ```
 * @param kl the backend that computes (a KL instance from createKL, or referenceKL).
 * @param target a mixture `{ weights, means, sigmas }` (discretised on `options.grid`), or
 *   a density `{ x, density }` on increasing points. A reverse fit drops grid points where a
 *   given density is 0 (D(Q‖P) would be infinite for any Gaussian there), as does one by
 *   A_α with α ≤ 0; for α < 0 also the points where P's probability underflows (below
 *   2^−1022; see withoutUnderflow in targets.ts).
 * @param options direction, alpha, init, steps, learningRate, tolerance, grid, onStep.
 * @returns the fitted mu and sigma, the divergence there (nats), the number of Adam steps,
 *   whether the tolerance was met, and every evaluation in `history`.
 */
export function fitGaussian(kl: KL, target: Mixture | GridDensity, options: FitOptions = {}): GaussianFit {
  return runToEnd(fitGaussianSteps(kl, target, options), options?.onStep);
}

/**
 * The steps of a factorised fit, one evaluation at a time, as fitGaussianSteps does for one
 * dimension; fitDiagGaussian runs it to the end.
 * @example
 * ```ts
 * import { createKL, fitDiagGaussianSteps } from "klwasm";
 * const kl = await createKL();
 * const run = fitDiagGaussianSteps(kl, { mean: [0, 0], cov: [1, 0.8, 0.8, 1] }, { direction: "reverse" });
 * const start = run.next().value; // { step: 0, mu: [0, 0], sigma: [1.5, 1.5], kl }: the grid's peak, an eighth of its width
 * ```
 * @param kl the backend that computes.
 * @param target see fitDiagGaussian.
 * @param options see DiagFitOptions (onStep is not called here).
 * @returns a generator of DiagFitState whose return value is the DiagGaussianFit.
 */
export function* fitDiagGaussianSteps(kl: KL, target: GaussianTarget | GridDensityND, options: DiagFitOptions = {}): Generator<DiagFitState, DiagGaussianFit, boolean | void> {
  checkFitOptions(options);
  const settings = readSettings(options);
  const { problem, start } = setUpND(target, options, settings);
  const d = problem.dims;
  const muStart = perAxis(options.init?.mu, d, "options.init.mu") ?? start.mu;
  const sigmaStart = perAxis(options.init?.sigma, d, "options.init.sigma") ?? start.sigma;
  checkPositive(sigmaStart, "options.init.sigma");
  return yield* record(optimise(kl, problem, settings, muStart, sigmaStart, startOf(options, problem)), (point) => ({
    mu: Array.from(point.mu), sigma: Array.from(point.logSigma, Math.exp), kl: point.kl,
  }));
}

/**
 * Fits a factorised (mean-field) Gaussian Q = Π_k N(mu_k, sigma_k²) to a d-dimensional target
 * by minimising forward D(P‖Q), reverse D(Q‖P) or A_α(P‖Q), as fitGaussian does in one dimension, on
 * the flattened product grid (Q's logits z = −Σ_k (x_k − μ_k)²/(2σ_k²)). For a Gaussian
 * target N(m, Σ) both directions put mu at m; forward gives sigma_k² = Σ_kk (the marginal
 * variances), reverse gives sigma_k² = 1/Λ_kk with Λ = Σ⁻¹ (the conditional variances:
 * narrower, the mean-field under-estimate).
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
 * @param options direction, alpha, init, steps, learningRate, tolerance, grid, onStep.
 * @returns the fitted mu and sigma per axis, the divergence there, the number of Adam
 *   steps, whether the tolerance was met, and every evaluation in `history`.
 */
export function fitDiagGaussian(kl: KL, target: GaussianTarget | GridDensityND, options: DiagFitOptions = {}): DiagGaussianFit {
  return runToEnd(fitDiagGaussianSteps(kl, target, options), options?.onStep);
}
