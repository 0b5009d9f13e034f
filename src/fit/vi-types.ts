/**
 * The public types of fitGaussianVI (variational inference from a log-density): options,
 * states and results. Types only: the code is in vi.ts (the loop), vi-settings.ts,
 * vi-estimators.ts, vi-log-density.ts and vi-evaluation.ts.
 */

/**
 * An unnormalised log-density log p̃(z) = log p(z) + log Z: any finite number, or −Infinity
 * where p is 0. NaN, +Infinity and non-numbers are errors. It must not keep `z`: the array is
 * reused for the next point.
 * @example
 * const banana: LogDensity = (z) => -0.5 * z[0]! ** 2 - 0.5 * (z[1]! - z[0]! ** 2) ** 2;
 */
export type LogDensity = (z: Float64Array) => number;

/**
 * The variational family: "mean-field" N(μ, diag σ²), or "full-rank" N(μ, LLᵀ) with L lower
 * triangular (its diagonal positive).
 * @example
 * fitGaussianVI(logDensity, { dim: 2, family: "full-rank" satisfies VIFamily });
 */
export type VIFamily = "mean-field" | "full-rank";

/**
 * How the ELBO's gradient is estimated from the samples z = μ + Lε:
 * - "reparam": the reparameterisation gradient of log p̃(z) plus the Gaussian entropy's exact
 *   gradient (Kingma & Welling 2014; Titsias & Lázaro-Gredilla 2014);
 * - "stl": "sticking the landing" (Roeder, Wu & Duvenaud 2017): the path derivative of
 *   log p̃(z) − log q(z) with Q's parameters held fixed inside log q, which drops the score
 *   term. Unbiased like "reparam", and its variance vanishes at the optimum when the family
 *   contains the target (then log p̃(z) − log q(z) = log Z for every z).
 * @example
 * fitGaussianVI(logDensity, { dim: 2, estimator: "reparam" satisfies VIEstimator });
 */
export type VIEstimator = "reparam" | "stl";

/**
 * What the fit maximises: "elbo", E_Q[log p̃ − log q] = log Z − KL(Q‖P), or "renyi", Li &
 * Turner's (2016) variational Rényi bound L_α = 1/(1−α)·log E_Q[(p̃/q)^(1−α)] at
 * `options.alpha` (the ELBO at α = 1, log Z at α = 0).
 * @example
 * fitGaussianVI(logDensity, { dim: 2, objective: "renyi" satisfies VIObjective, alpha: 0.5 });
 */
export type VIObjective = "elbo" | "renyi";

/**
 * Where the fit starts: μ, and σ (mean-field) or the row-major d×d lower triangle L
 * (full-rank; entries above the diagonal must be 0, the diagonal > 0).
 * @example
 * const start: VIInit = { mu: [1, -1], scaleTril: [1, 0, 0.5, 2] }; // full-rank, d = 2
 */
export interface VIInit {
  /** The mean, `dim` finite numbers. */
  mu: ArrayLike<number>;
  /** Mean-field only: the standard deviations, `dim` numbers > 0. */
  sigma?: ArrayLike<number>;
  /** Full-rank only: the scale L, row-major d×d, lower triangular with a positive diagonal. */
  scaleTril?: ArrayLike<number>;
}

/**
 * What `onStep` sees after every update: the step (1 for the first update), the step's
 * objective estimate from its samples, and the parameters after the update.
 * @example
 * fitGaussianVI(logDensity, { dim: 2, onStep: (state: VIState) => void console.log(state.step, state.estimate) });
 */
export interface VIState {
  /** The update number, from 1. */
  step: number;
  /** The step's Monte Carlo estimate of the objective (the ELBO or L_α), at the parameters before the update. */
  estimate: number;
  /** The mean after the update (a copy). */
  mu: Float64Array;
  /** Mean-field: the standard deviations after the update (a copy). */
  sigma?: Float64Array;
  /** Full-rank: L after the update, row-major d×d (a copy). */
  scaleTril?: Float64Array;
}

/**
 * One entry of a fit's history: the step's objective estimate and the mean after it.
 * @example
 * const { history } = fitGaussianVI(logDensity, { dim: 1 });
 * const trace: VIStep[] = history; // plot trace.map((h) => h.estimate)
 */
export interface VIStep {
  /** The step's Monte Carlo estimate of the objective. */
  estimate: number;
  /** The mean after the step. */
  mu: Float64Array;
}

/**
 * The options of fitGaussianVI. Only `dim` is required.
 * @example
 * const options: VIOptions = { dim: 3, family: "full-rank", samples: 32, steps: 3000, seed: 7 };
 */
export interface VIOptions {
  /** The dimension d of z, an integer ≥ 1. */
  dim: number;
  /**
   * Writes ∇ log p̃(z) into `out` (length d). Without it, central differences with the step
   * h_i = ε^(1/3)·max(1, |z_i|) (ε = 2⁻⁵², so h ≈ 6·10⁻⁶: the step that balances truncation
   * against rounding), at 2d extra log-density calls per sample.
   * @example
   * fitGaussianVI((z) => -0.5 * z[0]! ** 2, { dim: 1, gradLogDensity: (z, out) => { out[0] = -z[0]!; } });
   */
  gradLogDensity?: (z: Float64Array, out: Float64Array) => void;
  /** The variational family; default "mean-field". */
  family?: VIFamily;
  /** The start; default μ = 0 and σ = 1 (L = I). */
  init?: VIInit;
  /** The gradient estimator; default "stl" with the ELBO, "reparam" with the Rényi bound (where "stl" is biased). */
  estimator?: VIEstimator;
  /** What is maximised; default "elbo". */
  objective?: VIObjective;
  /** Rényi's α, any finite number: required with objective "renyi", refused otherwise. */
  alpha?: number;
  /** Samples of Q per step, an integer ≥ 1; default 16. */
  samples?: number;
  /** The most Adam updates; default 2000. */
  steps?: number;
  /** Adam's step size (each parameter moves about this much per step early on); default 0.05. */
  learningRate?: number;
  /**
   * The objective has stopped moving when its mean estimate over a window of 100 steps changes
   * by less than the larger of `tolerance` (nats) and twice the change's standard error (its
   * noise), twice in a row. Each time, the step size halves (Adam's iterates jitter by about
   * the step size); at the fourth time the fit has converged. Default 1e-3.
   */
  tolerance?: number;
  /** Samples of the final Q for log Z, the ELBO and Pareto-k̂, an integer ≥ 10; default 4096. */
  evaluationSamples?: number;
  /** The generator's seed, an integer in [0, 2³²); default 0. The same seed gives the same fit, bit for bit. */
  seed?: number;
  /**
   * Called after every update; returning false stops the fit (converged is then false).
   * @example fitGaussianVI(logDensity, { dim: 2, onStep: (state) => state.step < 500 }); // at most 500 updates
   */
  onStep?: (state: VIState) => boolean | void;
}

/**
 * What both families' results hold besides Q's parameters.
 * @example
 * const fit: VIFitBase = fitGaussianVI(logDensity, { dim: 2 });
 * console.log(fit.logZ, "±", fit.logZStandardError, "k̂", fit.paretoK);
 */
export interface VIFitBase {
  /** The mean of Q. */
  mu: Float64Array;
  /** E_Q[log p̃ − log q] = log Z − KL(Q‖P), estimated from the evaluation samples. */
  elbo: number;
  /** The ELBO estimate's standard error. */
  elboStandardError: number;
  /** With objective "renyi": the mean of L̂_α over groups of `samples` evaluation draws (the quantity the fit maximised); else undefined. */
  renyiBound: number | undefined;
  /** The Rényi bound's standard error, or undefined. */
  renyiStandardError: number | undefined;
  /** log Z by importance sampling with Q as proposal: log of the mean of p̃/q over the evaluation samples. */
  logZ: number;
  /** log Z's standard error (delta method: the weights' sd over their mean, over √n). */
  logZStandardError: number;
  /** Pareto-k̂ of the importance weights (PSIS; Vehtari et al.): above 0.7 logZ is unreliable. */
  paretoK: number;
  /** Set when something should be checked: k̂ > 0.7, or samples of Q where p̃ is 0. */
  warning: string | undefined;
  /** Whether ∇ log p̃ came from options.gradLogDensity or from central differences. */
  gradient: "given" | "central differences";
  /** The estimator used. */
  estimator: VIEstimator;
  /** The objective maximised. */
  objective: VIObjective;
  /** Adam updates made. */
  steps: number;
  /** Whether the tolerance was met (false: the step limit or onStep stopped the fit). */
  converged: boolean;
  /** One entry per update. */
  history: VIStep[];
}

/**
 * The result of a mean-field fit: Q = N(mu, diag sigma²). Its parameters are the average of
 * the last 100 iterates (Polyak–Ruppert averaging), which removes most of Adam's jitter.
 * @example
 * const { mu, sigma }: MeanFieldVIFit = fitGaussianVI(logDensity, { dim: 2 });
 */
export interface MeanFieldVIFit extends VIFitBase {
  /** The family. */
  family: "mean-field";
  /** The standard deviations of Q. */
  sigma: Float64Array;
}

/**
 * The result of a full-rank fit: Q = N(mu, LLᵀ), L = scaleTril (row-major d×d, lower
 * triangular). Its parameters are the average of the last 100 iterates.
 * @example
 * const { mu, scaleTril }: FullRankVIFit = fitGaussianVI(logDensity, { dim: 2, family: "full-rank" });
 */
export interface FullRankVIFit extends VIFitBase {
  /** The family. */
  family: "full-rank";
  /** L, row-major d×d, lower triangular with a positive diagonal: Q's covariance is LLᵀ. */
  scaleTril: Float64Array;
}
