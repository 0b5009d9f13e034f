/**
 * The public types of the fits (fitGaussian, fitDiagGaussian): targets, options, states and
 * results. Types only: the code is in targets.ts, adam.ts and fit.ts.
 */
/**
 * Which KL divergence a fit minimises: "forward" D(P‖Q) or "reverse" D(Q‖P).
 * @example
 * for (const direction of ["forward", "reverse"] satisfies FitDirection[]) {
 *   console.log(direction, fitGaussian(kl, bimodal, { direction }).mu);
 * }
 */
export type FitDirection = "forward" | "reverse";

/**
 * What a fit minimises: a KL direction, or "alpha", Amari's α-divergence A_α(P‖Q) at
 * `options.alpha` (the forward fit at α = 1, the reverse fit at α = 0).
 * @example
 * const objectives: FitObjective[] = ["forward", "alpha", "reverse"];
 * fitGaussian(kl, bimodal, { direction: "alpha", alpha: 0.5 }); // between the two: here it covers both modes
 */
export type FitObjective = FitDirection | "alpha";

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
 * fitGaussian(kl, target); // { mu ≈ 1, sigma ≈ 2, … }
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
 * fitGaussian(kl, bimodal, { direction: "reverse", grid: { min: -6, max: 6, points: 1201 } });
 */
export interface FitGrid {
  /** The first point. Default: see FitOptions.grid. */
  min?: number;
  /** The last point, > min. Default: see FitOptions.grid. */
  max?: number;
  /** How many points, an integer ≥ 2. Default 2001 (GRID_DEFAULTS.points). */
  points?: number;
}

/**
 * One evaluation of a one-dimensional fit: the parameters and the divergence there (nats).
 * @example
 * const { history } = fitGaussian(kl, bimodal, { direction: "reverse" });
 * const start: FitPoint = history[0]!; // where the fit began, before the first Adam step
 */
export interface FitPoint {
  /** Q's mean. */
  mu: number;
  /** Q's standard deviation. */
  sigma: number;
  /** The divergence minimised (forward, reverse or A_α) at mu and sigma, in nats. */
  kl: number;
}

/**
 * What `onStep` sees: the evaluation number (0 = the start) and the point.
 * @example
 * fitGaussian(kl, bimodal, { onStep: (state: FitState) => console.log(state.step, state.mu, state.sigma, state.kl) });
 */
export interface FitState extends FitPoint {
  /** The evaluation number: 0 at the start, then one per Adam update. */
  step: number;
}

/** Settings of the optimiser, common to both fits. */
interface OptimiserOptions {
  /**
   * "forward" (default): minimise D(P‖Q); "reverse": minimise D(Q‖P); "alpha": minimise
   * Amari's α-divergence A_α(P‖Q) = Σ[α·p + (1 − α)·q − p^α q^(1−α)]/(α(1 − α)) at `alpha`.
   */
  direction?: FitObjective;
  /**
   * Amari's α, a finite number: required with direction "alpha", refused with the others.
   * α = 1 is the forward fit and α = 0 the reverse fit, exactly (the same kernels, start and
   * result). For a mixture the global optimum covers the modes for α near 1 and sits on one
   * for α near 0, and over a wide range in between both are local minima: the start decides
   * (0.6·N(−2, 0.6²) + 0.4·N(2, 0.8²) has both from α = 0 to 0.55).
   */
  alpha?: number;
  /** The most Adam updates to make. Default 5000 (ADAM_DEFAULTS.steps). */
  steps?: number;
  /** Adam's step size: μ moves in units of σ, σ in units of log σ. Default 0.05 (ADAM_DEFAULTS.learningRate). */
  learningRate?: number;
  /**
   * Stop when the last update moved no μ by more than `tolerance`·σ and no log σ by more
   * than `tolerance`, and the divergence changed by less than `tolerance` nats. Default 1e-9
   * (ADAM_DEFAULTS.tolerance).
   */
  tolerance?: number;
}

/**
 * Options of fitGaussian.
 * @example
 * const options: FitOptions = { direction: "reverse", init: { mu: 1.5, sigma: 1 }, steps: 2000, learningRate: 0.02 };
 * fitGaussian(kl, bimodal, options); // settles on the mode at 2
 */
export interface FitOptions extends OptimiserOptions {
  /**
   * Where to start. Defaults: forward starts at the centre of the grid with σ an eighth of
   * its width (Q starts wider than P on the default grid, whose width is 12 of P's σ or
   * more); reverse starts on the largest-weight mode: the mean and σ
   * of the component with the largest weight for a mixture, or the grid's highest point
   * with the width where the density falls to e^(−1/2) of it for a grid density. Direction
   * "alpha" starts as forward does for α ≥ ½ and as reverse does below (A_α(P‖Q) =
   * A_(1−α)(Q‖P): ½ is the middle of the family), so α = 1 and α = 0 start where forward
   * and reverse do.
   */
  init?: {
    /** Q's starting mean. */
    mu?: number;
    /** Q's starting standard deviation, > 0. */
    sigma?: number;
  };
  /**
   * The grid a mixture is discretised on. Defaults (GRID_DEFAULTS): 2001 points covering every component's
   * mean ± 6σ and the mixture's own mean ± 6 of its standard deviations (so that the
   * forward fit, which is as wide as P, is not cut off). Ignored for a grid density.
   */
  grid?: FitGrid;
  /**
   * Called after every evaluation; returning false stops the fit (converged is then false).
   * @example fitGaussian(kl, target, { onStep: (state) => state.step < 500 }); // at most 500 updates
   */
  onStep?: (state: FitState) => boolean | void;
}

/**
 * The result of a one-dimensional fit.
 * @example
 * const fit: GaussianFit = fitGaussian(kl, bimodal, { direction: "forward" });
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
 * fitDiagGaussian(kl, { axes: [axis, axis], density } satisfies GridDensityND); // { mu ≈ [0, 1], sigma ≈ [1, 1], … }
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
 * fitDiagGaussian(kl, correlated, { grid: { min: -5, max: 5, points: [101, 201] } });
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
 * const { history } = fitDiagGaussian(kl, correlated);
 * const start: DiagFitPoint = history[0]!; // where the fit began
 */
export interface DiagFitPoint {
  /** Q's mean along each axis. */
  mu: number[];
  /** Q's standard deviation along each axis. */
  sigma: number[];
  /** The divergence minimised (forward, reverse or A_α) there, in nats. */
  kl: number;
}

/**
 * What `onStep` sees in a factorised fit: the evaluation number (0 = the start) and the point.
 * @example
 * fitDiagGaussian(kl, correlated, { onStep: (state: DiagFitState) => state.step < 100 }); // stop after 100 updates
 */
export interface DiagFitState extends DiagFitPoint {
  /** The evaluation number: 0 at the start, then one per Adam update. */
  step: number;
}

/**
 * Options of fitDiagGaussian.
 * @example
 * const options: DiagFitOptions = { direction: "reverse", init: { mu: [0.5, -0.5], sigma: [2, 2] }, tolerance: 1e-10 };
 * fitDiagGaussian(kl, correlated, options);
 */
export interface DiagFitOptions extends OptimiserOptions {
  /**
   * Where to start. Defaults: forward starts at the centre of the grid; reverse at the
   * grid's highest point of P (the mean, for a Gaussian target); σ_k an eighth of the
   * grid's width along axis k in both. Direction "alpha" starts as forward does for α ≥ ½,
   * as reverse does below.
   */
  init?: {
    /** Q's starting mean, one per axis. */
    mu?: ArrayLike<number>;
    /** Q's starting standard deviations, one per axis, all > 0. */
    sigma?: ArrayLike<number>;
  };
  /**
   * The grid a Gaussian target is discretised on. Defaults (GRID_DEFAULTS): mean_k ± 6·√Σ_kk along each
   * axis, 129 points per axis in 2-D (in d dimensions about 16 641 points in all, at
   * least 16 per axis). Ignored for a grid density.
   */
  grid?: FitGridND;
  /**
   * Called after every evaluation; returning false stops the fit (converged is then false).
   * @example fitDiagGaussian(kl, target, { onStep: (state) => void console.log(state.step, state.kl) });
   */
  onStep?: (state: DiagFitState) => boolean | void;
}

/**
 * The result of a factorised fit: Q = Π_k N(mu_k, sigma_k²).
 * @example
 * const fit: DiagGaussianFit = fitDiagGaussian(kl, correlated, { direction: "reverse" });
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
