/**
 * What fitGaussianVI reports about its final Q, from fresh samples of it: the ELBO, log Z by
 * importance sampling with Q as proposal, the Rényi bound, and PSIS's Pareto-k̂ of the weights.
 */
import { largest } from "../numeric/largest.js";
import { paretoK } from "../numeric/pareto-k.js";
import { logSumExp, renyiEstimate } from "./vi-estimators.js";
import { VI_DEFAULTS } from "./vi-settings.js";

/** Mean and standard error of the mean. */
function meanAndError(values: ArrayLike<number>): [number, number] {
  const n = values.length;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += values[i]!;
  const mean = sum / n;
  if (!Number.isFinite(mean)) return [mean, NaN];
  let squares = 0;
  for (let i = 0; i < n; i++) squares += (values[i]! - mean) ** 2;
  return [mean, Math.sqrt(squares / (n - 1) / n)];
}

/** Importance sampling with the final Q: ELBO, log Z, the Rényi bound over groups of `samples`, Pareto-k̂. */
export function evaluateFit(n: number, d: number, logWeight: (eps: Float64Array, z: Float64Array) => number, samples: number, alpha: number) {
  const eps = new Float64Array(d);
  const z = new Float64Array(d);
  const logWeights = new Float64Array(n);
  let zeros = 0;
  for (let i = 0; i < n; i++) {
    logWeights[i] = logWeight(eps, z);
    if (logWeights[i] === -Infinity) zeros++;
  }
  const [elbo, elboStandardError] = meanAndError(logWeights);
  const logZ = logSumExp(logWeights) - Math.log(n);
  // Delta method: sd(log mean w) ≈ sd(w) / (mean(w)·√n), with w rescaled by its largest.
  const max = largest(logWeights);
  const [meanWeight, weightError] = meanAndError(Array.from(logWeights, (x) => Math.exp(x - max)));
  const groups = Math.floor(n / samples);
  const bounds = Array.from({ length: groups }, (_, j) => renyiEstimate(logWeights.subarray(j * samples, (j + 1) * samples), alpha));
  const [renyiBound, renyiStandardError] = groups >= 2 ? meanAndError(bounds) : [renyiEstimate(logWeights, alpha), NaN];
  const k = paretoK(logWeights);
  const warnings: string[] = [];
  if (k > VI_DEFAULTS.paretoKLimit) warnings.push(`Pareto-k̂ = ${k.toFixed(2)} > ${VI_DEFAULTS.paretoKLimit}: the importance weights p̃/q are heavy-tailed and logZ is unreliable (Q is too narrow or misplaced for P)`);
  if (zeros > 0) warnings.push(`${zeros} of ${n} samples of Q fall where p̃ = 0: KL(Q‖P) is infinite, so the ELBO is −Infinity`);
  return {
    elbo,
    elboStandardError,
    renyiBound,
    renyiStandardError,
    logZ,
    logZStandardError: weightError / meanWeight,
    paretoK: k,
    warning: warnings.length > 0 ? warnings.join("; ") : undefined,
  };
}
