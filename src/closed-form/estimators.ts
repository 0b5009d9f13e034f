/**
 * Monte Carlo estimators of D(Q‖P) from samples x ~ Q, given log p(x) and log q(x)
 * (J. Schulman, "Approximating KL divergence", 2020). With r = log p(x) − log q(x):
 *
 * - k1 = −r: unbiased, but single samples are negative half the time and its variance is high;
 * - k2 = r²/2: ≥ 0 and low variance, but biased (its error grows with the divergence);
 * - k3 = (eʳ − 1) − r: unbiased (E_Q[eʳ − 1] = 0) and ≥ 0 for every sample (eʳ ≥ 1 + r),
 *   with a variance close to k2's when P and Q are close. It is the default.
 */
import { checkChoice, checkFinite, checkKnownKeys, checkLength, checkOptionsObject, checkReducedOutput, checkVectorShape } from "../core/checks.js";
import { expm1MinusX } from "../numeric/series.js";
import { mulExp, wideMean } from "../numeric/wide-range.js";
import type { Reduced, Vector } from "../core/types.js";

/**
 * Which Monte Carlo estimator, with r = log p(x) − log q(x) for x ~ Q: "k1" = −r (unbiased,
 * high variance), "k2" = r²/2 (biased, low variance), "k3" = (eʳ − 1) − r (unbiased, never
 * negative; the default).
 * @example
 * for (const estimator of ["k1", "k2", "k3"] satisfies Estimator[]) console.log(estimator, estimateKL(logp, logq, { estimator }));
 */
export type Estimator = "k1" | "k2" | "k3";

/**
 * Options of estimateKL.
 * @example
 * const terms = estimateKL(logp, logq, { estimator: "k1", reduction: "none" }); // one term per sample
 */
export interface EstimateOptions {
  /** "k3" (default): unbiased and never negative; "k1": unbiased; "k2": biased, low variance. */
  estimator?: Estimator;
  /** "mean" (default): the estimate; "none": one term per sample. */
  reduction?: "mean" | "none";
  /** Where to write the per-sample terms with reduction "none": a Float64Array of the inputs' length. */
  out?: Float64Array;
}

/**
 * Each estimator's term at one sample, times `scale` (1, or 2^-64 for the second pass of a
 * mean whose plain sum overflowed: numeric/wide-range.ts), computed without overflow: r is
 * scaled through its operands, so that logp − logq beyond the f64 range still counts.
 */
const TERMS: Record<Estimator, (logp: number, logq: number, scale: number) => number> = {
  k1: (logp, logq, scale) => logq * scale - logp * scale,
  k2: (logp, logq, scale) => {
    const root = Math.sqrt(scale); // a power of 2: exact
    const r = logp * root - logq * root;
    return 0.5 * r * r;
  },
  // e^r − 1 − r without cancellation for small r, where P ≈ Q and the terms are tiny.
  k3: (logp, logq, scale) =>
    scale === 1 ? expm1MinusX(logp - logq) : mulExp(scale, logp - logq) - scale - (logp * scale - logq * scale),
};

/**
 * Estimates D(Q‖P) from samples x_i ~ Q: the (compensated) mean of k(r_i) with
 * r_i = logp[i] − logq[i]. A sample with logp = −Infinity (impossible under P) gives an
 * infinite estimate, as D(Q‖P) is then infinite.
 * @param logp log p(x_i) of each sample under P (finite, or −Infinity).
 * @param logq log q(x_i) of each sample under Q, the sampling distribution (finite).
 * @param options `estimator` ("k3" default, "k1", "k2"), `reduction` ("mean" default, "none"), `out`.
 * @returns the estimate, or with reduction "none" a Float64Array of the per-sample terms.
 * @example
 * // x ~ Q = N(0, 1), P = N(1, 1): D(Q‖P) = ½.
 * const standardNormal = () => Math.sqrt(-2 * Math.log(1 - Math.random())) * Math.cos(2 * Math.PI * Math.random());
 * const x = Array.from({ length: 100_000 }, standardNormal);
 * const logq = x.map((v) => -0.5 * v * v - 0.5 * Math.log(2 * Math.PI));
 * const logp = x.map((v) => -0.5 * (v - 1) ** 2 - 0.5 * Math.log(2 * Math.PI));
 * estimateKL(logp, logq); // ≈ 0.5 (k3)
 */
export function estimateKL<O extends EstimateOptions = {}>(logp: Vector, logq: Vector, options?: O): Reduced<O> {
  const given: EstimateOptions = options === undefined ? {} : options;
  checkOptionsObject(given);
  checkKnownKeys(given, ["estimator", "reduction", "out"]);
  checkVectorShape(logp, "logp");
  checkVectorShape(logq, "logq");
  checkLength(logq, "logq", logp.length, "logp");
  const term = TERMS[checkChoice(given.estimator, ["k1", "k2", "k3"], "estimator", "k3")];
  const reduction = checkChoice(given.reduction, ["mean", "none"], "reduction", "mean");
  const out = checkReducedOutput(given.out, logp.length, "the per-sample terms", reduction);
  checkFinite(logp, "logp", true);
  checkFinite(logq, "logq");

  if (reduction === "none") {
    const terms = out ?? new Float64Array(logp.length);
    for (let i = 0; i < terms.length; i++) terms[i] = term(logp[i]!, logq[i]!, 1);
    return terms as Reduced<O>;
  }
  // Terms whose sum overflows may still have a finite mean.
  return wideMean(logp.length, (i, scale) => term(logp[i]!, logq[i]!, scale)) as Reduced<O>;
}
