/**
 * fitGaussianVI: variational inference from an unnormalised log-density. Adam follows
 * stochastic gradients of the ELBO, E_Q[log p̃(z) − log q(z)] = log Z − KL(Q‖P), or of Li &
 * Turner's Rényi bound, over a Gaussian Q (mean-field or full-rank); the gradients are the
 * reparameterised estimators of vi-estimators.ts, through z = μ + Lε. The final Q is then
 * the proposal of an importance-sampling estimate of log Z, with PSIS's Pareto-k̂ as its
 * diagnostic.
 */
import { KLError } from "../core/errors.js";
import { normalGenerator } from "../numeric/random.js";
import { ADAM_DEFAULTS } from "./adam.js";
import { addSampleGradient, logSumExp, renyiEstimate } from "./vi-estimators.js";
import { evaluateFit } from "./vi-evaluation.js";
import { evaluate, gradientAt, shownPoint } from "./vi-log-density.js";
import { readSettings, VI_DEFAULTS } from "./vi-settings.js";
import type { FullRankVIFit, LogDensity, MeanFieldVIFit, VIFitBase, VIOptions, VIState, VIStep } from "./vi-types.js";

export { VI_DEFAULTS };

/**
 * Variational inference: fits a Gaussian Q to the distribution P ∝ exp(logDensity) by
 * maximising the ELBO, E_Q[log p̃ − log q] = log Z − KL(Q‖P) (so minimising the reverse
 * KL(Q‖P), mode-seeking), or Li & Turner's Rényi bound, with Adam on stochastic
 * reparameterised gradients; then estimates log Z by importance sampling with Q as proposal,
 * with Pareto-k̂ as its diagnostic. Seeded: the same options give the same result, bit for bit.
 *
 * The mean-field family on a correlated Gaussian P = N(m, Σ) settles on the mean m and the
 * variances 1/Λ_ii (Λ = Σ⁻¹), narrower than Σ_ii; the full-rank family recovers Σ = LLᵀ.
 * @param logDensity log p̃(z), z a Float64Array of length `dim` (reused: copy it to keep it).
 * @param options `dim` (required), and see VIOptions.
 * @returns Q's parameters (sigma or scaleTril), the ELBO, log Z and their standard errors,
 *   Pareto-k̂, and how the fit went.
 * @throws KLError for bad options, for a log-density that returns NaN, +Infinity or a
 *   non-number (naming z), for a sample where p̃ = 0 (−Infinity: every Gaussian has mass there,
 *   so the ELBO is −Infinity; reparameterise to an unconstrained space), and for an update that
 *   makes a parameter non-finite.
 * @example
 * // P = N([1, −2], [[1, 0.8], [0.8, 1]]) up to a constant: the full-rank fit recovers it.
 * const logDensity = (z: Float64Array) => {
 *   const a = z[0]! - 1, b = z[1]! + 2;
 *   return -(a * a - 1.6 * a * b + b * b) / (2 * 0.36);
 * };
 * const fit = fitGaussianVI(logDensity, { dim: 2, family: "full-rank", seed: 1 });
 * fit.mu;        // ≈ [1, −2]
 * fit.scaleTril; // ≈ [1, 0, 0.8, 0.6]: LLᵀ ≈ Σ
 * fit.logZ;      // ≈ log(2π·0.6) = 1.327
 */
export function fitGaussianVI(logDensity: LogDensity, options: VIOptions & { family: "full-rank" }): FullRankVIFit;
export function fitGaussianVI(logDensity: LogDensity, options: VIOptions & { family?: "mean-field" }): MeanFieldVIFit;
export function fitGaussianVI(logDensity: LogDensity, options: VIOptions): MeanFieldVIFit | FullRankVIFit;
export function fitGaussianVI(logDensity: LogDensity, options: VIOptions): MeanFieldVIFit | FullRankVIFit {
  const s = readSettings(logDensity, options);
  const { d, family, theta, alpha, samples } = s;
  const normal = normalGenerator(s.seed);
  const size = family.size;
  const window = VI_DEFAULTS.window;
  const logNormaliser = 0.5 * d * Math.log(2 * Math.PI);
  // Per-sample scratch: ε and z for every sample of a step, one gradient at a time.
  const epsilons = Array.from({ length: samples }, () => new Float64Array(d));
  const points = Array.from({ length: samples }, () => new Float64Array(d));
  const logWeights = new Float64Array(samples);
  const weights = new Float64Array(samples);
  const g = new Float64Array(d);
  const h = new Float64Array(d);
  const shifted = new Float64Array(d);
  const gradient = new Float64Array(size);
  const m = new Float64Array(size);
  const v = new Float64Array(size);
  // The last `window` iterates, averaged into the result (Polyak–Ruppert).
  const recent = Array.from({ length: Math.min(window, s.steps) }, () => new Float64Array(size));
  const history: VIStep[] = [];
  const { beta1, beta2, epsilon: adamEpsilon } = ADAM_DEFAULTS;
  let windowSum = 0;
  let windowSquares = 0;
  let previousWindow: [number, number] | undefined;
  let calmWindows = 0;
  let halvings = 0;
  let learningRate = s.learningRate;
  let converged = false;
  let step = 0;

  /** log p̃(z) − log q(z) for z = μ + Lε, and z itself. */
  const logWeight = (eps: Float64Array, z: Float64Array) => {
    for (let i = 0; i < d; i++) eps[i] = normal();
    family.draw(theta, eps, z);
    let squares = 0;
    for (let i = 0; i < d; i++) squares += eps[i]! * eps[i]!;
    let logScales = 0;
    for (let i = 0; i < d; i++) logScales += theta[d + i]!;
    return evaluate(logDensity, z) + logScales + logNormaliser + 0.5 * squares;
  };

  while (step < s.steps) {
    family.prepare(theta);
    for (let k = 0; k < samples; k++) {
      logWeights[k] = logWeight(epsilons[k]!, points[k]!);
      // A Gaussian has mass everywhere: where p̃ = 0 on a region, KL(Q‖P) is infinite for every
      // Q, so no fit is meaningful (dropping such samples lets Q drift out of the support).
      if (logWeights[k] === -Infinity) {
        throw new KLError("NO_MASS", "logDensity", `is −Infinity at z = ${shownPoint(points[k]!)} (step ${step + 1}): every Gaussian puts mass where p̃ = 0, so KL(Q‖P) is infinite and the ELBO −Infinity; reparameterise the target to an unconstrained space (log for a positive variable, logit for one in (0, 1))`);
      }
    }
    // The samples' weights in the gradient: 1/K for the ELBO; for L̂_α, the self-normalised
    // w_k^(1−α), since ∇L̂_α = Σ_k [w_k^(1−α) / Σ_j w_j^(1−α)]·∇log w_k (Li & Turner, eq. 12).
    const estimate = renyiEstimate(logWeights, alpha);
    if (alpha === 1) weights.fill(1 / samples);
    else {
      const total = logSumExp(Array.from(logWeights, (x) => (1 - alpha) * x));
      for (let k = 0; k < samples; k++) weights[k] = Math.exp((1 - alpha) * logWeights[k]! - total);
    }
    gradient.fill(0);
    for (let k = 0; k < samples; k++) {
      if (weights[k] === 0) continue;
      gradientAt(logDensity, s.gradLogDensity, points[k]!, g, shifted);
      addSampleGradient(family, s.stl, g, epsilons[k]!, weights[k]!, gradient, h);
    }

    // Adam (Kingma & Ba 2015), ascending the objective.
    step++;
    for (let j = 0; j < size; j++) {
      m[j] = beta1 * m[j]! + (1 - beta1) * gradient[j]!;
      v[j] = beta2 * v[j]! + (1 - beta2) * gradient[j]! * gradient[j]!;
      theta[j]! += (learningRate * (m[j]! / (1 - beta1 ** step))) / (Math.sqrt(v[j]! / (1 - beta2 ** step)) + adamEpsilon);
      // A scale exp(ρ) that overflows or underflows is as broken as a non-finite ρ.
      const scale = j >= d && j < 2 * d ? Math.exp(theta[j]!) : 1;
      if (!Number.isFinite(theta[j]) || !(scale > 0 && scale < Infinity)) {
        throw new KLError("INFINITE", "options.learningRate", `update ${step} made parameter ${j} of Q ${theta[j]} (its gradient was ${gradient[j]}): lower the learning rate, or check the log-density's scale`, j);
      }
    }
    recent[(step - 1) % recent.length]!.set(theta);
    const mu = theta.slice(0, d);
    history.push({ estimate, mu });

    let stop = false;
    if (s.onStep) {
      const state: VIState = { step, estimate, mu: mu.slice() };
      if (s.family.size === 2 * d) state.sigma = family.scale(theta);
      else state.scaleTril = family.scale(theta);
      stop = s.onStep(state) === false;
    }
    // The stopping rule: the mean estimate over a window barely moved (by less than the
    // tolerance, or than twice its standard error: the noise), twice in a row.
    windowSum += estimate;
    windowSquares += estimate * estimate;
    if (step % window === 0) {
      const mean = windowSum / window;
      const variance = Math.max(0, (windowSquares - window * mean * mean) / (window - 1));
      if (previousWindow) {
        const change = Math.abs(mean - previousWindow[0]);
        const error = Math.sqrt((variance + previousWindow[1]) / window);
        calmWindows = change < Math.max(s.tolerance, 2 * error) ? calmWindows + 1 : 0;
      }
      previousWindow = [mean, variance];
      windowSum = windowSquares = 0;
      // Adam with a constant step size jitters around the optimum by about the step size: each
      // time the objective stops moving, the step size halves (and the averaged iterates settle);
      // after VI_DEFAULTS.halvings halvings the fit has converged.
      if (calmWindows >= 2) {
        if (halvings === VI_DEFAULTS.halvings) {
          converged = true;
          break;
        }
        halvings++;
        learningRate /= 2;
        calmWindows = 0;
      }
    }
    if (stop) break;
  }

  // The result: the mean of the last iterates (all of them when fewer than a window were made).
  const kept = Math.min(step, recent.length);
  if (kept > 0) {
    theta.fill(0);
    for (let r = 0; r < kept; r++) for (let j = 0; j < size; j++) theta[j]! += recent[r]![j]! / kept;
  }
  family.prepare(theta);
  const evaluation = evaluateFit(s.evaluationSamples, d, (eps, z) => logWeight(eps, z), samples, alpha);
  const base: VIFitBase = {
    mu: theta.slice(0, d),
    ...evaluation,
    renyiBound: s.objective === "renyi" ? evaluation.renyiBound : undefined,
    renyiStandardError: s.objective === "renyi" ? evaluation.renyiStandardError : undefined,
    gradient: s.gradLogDensity ? "given" : "central differences",
    estimator: s.estimator,
    objective: s.objective,
    steps: step,
    converged,
    history,
  };
  return s.family.size === 2 * d
    ? { ...base, family: "mean-field", sigma: family.scale(theta) }
    : { ...base, family: "full-rank", scaleTril: family.scale(theta) };
}

