/**
 * The reference's α family, written for exactness: Amari's α-divergence term by term, the Rényi
 * divergence of a row (from Amari's sum near α = 1, by log-sum-exp elsewhere, its limits at
 * α = 0 and ∞), and their gradients with respect to q.
 *
 * With d = log(q/p) and β = 1 − α, Amari's term is p·f(d), f(d) = [α + β·e^d − e^(βd)]/(αβ) ≥ 0
 * (Amari 1985; Minka 2005 eq. 5). Its Taylor series has no division by α or β:
 * f(d) = Σ_{k≥2} (1 + β + … + β^(k−2))·d^k/k!, which is e^d − 1 − d at α = 1 and
 * 1 − e^d + d·e^d at α = 0: the generalised KL(P‖Q) and KL(Q‖P).
 */
import { differenceError } from "../../numeric/log-space-differences.js";
import { expm1MinusX } from "../../numeric/series.js";
import { largest } from "../../numeric/largest.js";
import { logRatio, sum } from "./terms.js";

/** expm1(c·x)/c, x at c = 0 (or x = 0): no division by an order that is 0. */
function expm1Over(x: number, c: number): number {
  const y = c * x;
  if (y === 0) return x;
  return Math.abs(y) < 1 ? x * (Math.expm1(y) / y) : Math.expm1(y) / c;
}

/**
 * f(d) by its Taylor series, for |d|·max(1, |β|) ≤ ½, summed until what is left (bounded by
 * the weights' bound 1 + |β| + … times the power) no longer counts: at β = −1 every other
 * weight is 0.
 */
function amariSeries(d: number, beta: number): number {
  let power = d; // d^k/k!
  let weight = 0; // 1 + β + … + β^(k−2)
  let bound = 0; // 1 + |β| + … + |β|^(k−2) ≥ |weight|
  let total = 0;
  for (let k = 2; k < 80; k++) {
    power *= d / k;
    weight = 1 + beta * weight;
    bound = 1 + Math.abs(beta) * bound;
    total += weight * power;
    if (Math.abs(bound * power) <= 1e-18 * Math.abs(total)) break;
  }
  return total;
}

/** p·e^(βd) = p^α q^β, from logarithms where the product leaves the range of doubles. */
function powerMean(p: number, beta: number, d: number): number {
  const u = p * Math.exp(beta * d);
  return u > 0 && u < Infinity ? u : Math.exp(Math.log(p) + beta * d);
}

/**
 * Amari's term [α·p + (1 − α)·q − p^α q^(1−α)]/(α(1 − α)) for p, q ≥ 0. Zeros: 0 where
 * p = q = 0; q/α where p = 0 (+Infinity for α ≤ 0), p/(1 − α) where q = 0 (+Infinity for α ≥ 1).
 * For p, q > 0, with d = log(q/p), one of three forms of p·f(d), each free of cancellation where
 * it is taken: the series near d = 0; for orders far from [0, 1] (|β| > 1.5) and |d| ≤ 1,
 * [β·p·g(d) − p·g(βd)]/(αβ) with g(x) = e^x − 1 − x, whose parts have one sign there; else
 * u·expm1(αd)/α − p·expm1(βd)/β with u = p^α q^β, each part exact (u·e^(αd) = q).
 */
export function amariTerm(p: number, q: number, alpha: number): number {
  const beta = 1 - alpha;
  if (p === 0) return q === 0 ? 0 : alpha > 0 ? q / alpha : Infinity;
  if (q === 0) return beta > 0 ? p / beta : Infinity;
  const d = logRatio(q, p);
  if (Math.abs(d) * Math.max(1, Math.abs(beta)) <= 0.5) return p * amariSeries(d, beta);
  const u = powerMean(p, beta, d);
  if (u === Infinity) return Infinity;
  if (Math.abs(beta) > 1.5 && Math.abs(d) <= 1) {
    // p·g(βd) = (u − p) − p·βd: u from logarithms where e^(βd) alone would overflow.
    const pgBeta = Math.abs(beta * d) < 0.5 ? p * expm1MinusX(beta * d) : (u - p) - p * (beta * d);
    return (beta * (p * expm1MinusX(d)) - pgBeta) / (alpha * beta);
  }
  const fromU = Math.abs(alpha * d) < 1 ? u * expm1Over(d, alpha) : (q - u) / alpha;
  const fromP = Math.abs(beta * d) < 1 ? p * expm1Over(d, beta) : (u - p) / beta;
  return fromU - fromP;
}

/**
 * ∂/∂q of Amari's term: (1 − (p/q)^α)/α = −expm1(−α·d)/α, log(q/p) at α = 0. Where p = 0:
 * 1/α (+Infinity for α ≤ 0, one-sided); where q = 0 < p: −Infinity for α ≥ 0, 1/α below.
 */
export function amariGradientTerm(p: number, q: number, alpha: number): number {
  if (p === 0) return alpha > 0 ? 1 / alpha : Infinity;
  if (q === 0) return alpha >= 0 ? -Infinity : 1 / alpha;
  return -expm1Over(-logRatio(q, p), alpha);
}

/** A row's Rényi divergence and what its gradient needs. */
export interface RenyiRow {
  value: number;
  /** S/Σp − 1, where the row took Amari's sum (for the logits gradient without cancellation), else NaN. */
  excess: number;
  /** w_i = p_i^α q_i^β / S (Σw = 1); at α = ∞ spread evenly over the arg max of p/q. */
  weights: () => number[];
  /** ∂D/∂q_i of probabilities: −(p_i/q_i)^α/S, −[p_i > 0]/S at α = 0, −w_i/q_i at α = ∞. */
  byQ: () => number[];
}

/** x·2^k for |k| ≤ 2046, in two exact steps (2^k alone may pass the range of doubles). */
function timesPowerOfTwo(x: number, k: number): number {
  const half = Math.trunc(k / 2);
  return x * 2 ** half * 2 ** (k - half);
}

/**
 * The power of two k that brings the larger of two rows used as given near 1, or 0 where they
 * need none: the Rényi divergence does not change when both are scaled alike, and their sums and
 * Amari's terms then neither overflow nor lose digits in the subnormals.
 */
function rowScaleOf(p: number[], q: number[], distributions: readonly [boolean, boolean]): number {
  if (distributions[0] || distributions[1]) return 0;
  const top = Math.max(largest(p), largest(q));
  return top === 0 || (top >= 2 ** -500 && top <= 2 ** 500) ? 0 : -Math.round(Math.log2(top));
}

/**
 * Σq − Σp of two rows, where a distribution's mass is exactly 1, by one compensated sum of each
 * element's q − p and its rounding error (TwoSum), not of the rounded differences alone: exactly 0
 * for identical rows, and every digit of Σq − Σp for nearly equal ones. `onSupport`: q only where p > 0.
 */
function massDifference(p: number[], q: number[], distributions: readonly [boolean, boolean], onSupport = false): number {
  const terms: number[] = [];
  const add = (a: number, b: number) => {
    const d = a - b;
    terms.push(d, differenceError(a, b, d));
  };
  if (!distributions[0] && !distributions[1]) p.forEach((pi, i) => add(!onSupport || pi > 0 ? q[i]! : 0, pi));
  else {
    if (distributions[1]) {
      terms.push(1);
      if (onSupport) p.forEach((pi, i) => pi === 0 && terms.push(-q[i]!));
    } else q.forEach((qi, i) => (!onSupport || p[i]! > 0) && terms.push(qi));
    if (distributions[0]) terms.push(-1);
    else p.forEach((pi) => terms.push(-pi));
  }
  return sum(terms.length, (i) => terms[i]!);
}

/** Σ values, or exactly 1 for a row that sums to 1 by construction (rescaled, or from log space). */
function massOf(values: number[], distribution: boolean): number {
  return distribution ? 1 : sum(values.length, (i) => values[i]!);
}

/** e^(t)·(c/S) without the overflow of e^t alone: from logarithms where the product leaves the normal range. */
function scaledExp(t: number, c: number, S: number): number {
  const direct = (Math.exp(t) * c) / S;
  return direct >= 2.2250738585072014e-308 && direct < Infinity ? direct : Math.exp(t + Math.log(c) - Math.log(S));
}

/**
 * The Rényi divergence log(Σ p^α q^β / Σp)/(α − 1) of one row of probabilities (Σp > 0).
 * `distributions`: whether each row sums to 1 by construction (rescaled, or from log space),
 * so that its mass is used as exactly 1, not as its rounded sum.
 *
 * Near α = 1 it comes from Amari's sum A: S/Σp − 1 = x = β·(Σq − Σp − α·A)/Σp, and
 * D = log1p(x)/(α − 1) = −(x/β)·log1p(x)/x, with no division by β. Where that overflows or S
 * is below half of Σp (log1p(x) would cancel), log S is a log-sum-exp of log p + β·d. At α = 0,
 * −log1p(y) with y = (Σ_{p>0} q − Σp)/Σp from the elements: 0 exactly where Q has no mass off
 * P's support. Rows used as given far from 1 in scale are scaled by a power of two first.
 */
export function renyiRow(p: number[], q: number[], alpha: number, distributions: readonly [boolean, boolean]): RenyiRow {
  const k = rowScaleOf(p, q, distributions);
  if (k !== 0) {
    const scaled = renyiRow(p.map((v) => timesPowerOfTwo(v, k)), q.map((v) => timesPowerOfTwo(v, k)), alpha, distributions);
    // D(cP‖cQ) = D(P‖Q): ∂/∂q = c·∂/∂(cq).
    return { ...scaled, byQ: () => scaled.byQ().map((g) => timesPowerOfTwo(g, k)) };
  }
  const n = p.length;
  const massP = massOf(p, distributions[0]);
  const beta = 1 - alpha;
  if (alpha === 0) {
    // log1p(y) where S is near Σp; where it is far below, S itself (y would round to −1).
    const y = massDifference(p, q, distributions, true) / massP;
    const support = y > -0.5 ? massP * (1 + y) : sum(n, (i) => (p[i]! > 0 ? q[i]! : 0));
    return {
      // + 0: −log1p(0) is −0.
      value: (y > -0.5 ? -Math.log1p(y) : Math.log(massP / support)) + 0,
      excess: NaN,
      weights: () => p.map((pi, i) => (pi > 0 ? q[i]! / support : 0)),
      byQ: () => p.map((pi) => (pi > 0 ? -1 / support : 0)),
    };
  }
  if (alpha === Infinity) {
    const logRatios = p.map((pi, i) => (pi === 0 ? -Infinity : q[i] === 0 ? Infinity : logRatio(pi, q[i]!)));
    const top = largest(logRatios);
    const ties = logRatios.filter((r) => r === top).length;
    const weights = () => logRatios.map((r) => (r === top ? 1 / ties : 0));
    return { value: top, excess: NaN, weights, byQ: () => weights().map((w, i) => (w === 0 ? 0 : -w / q[i]!)) };
  }
  // −α·d_i = α·log(p_i/q_i), for p_i, q_i > 0.
  const minusAlphaD = (i: number) => -alpha * logRatio(q[i]!, p[i]!);
  const amari = sum(n, (i) => amariTerm(p[i]!, q[i]!, alpha));
  const xOverBeta = (massDifference(p, q, distributions) - alpha * amari) / massP;
  const x = beta * xOverBeta;
  if (Number.isFinite(amari) && x >= -0.5 && x < Infinity) {
    const S = massP * (1 + x);
    const atZero = (pi: number) => (pi > 0 && alpha > 0 ? -Infinity : 0);
    return {
      // + 0: identical rows give −0 · 1.
      value: -xOverBeta * (x === 0 ? 1 : Math.log1p(x) / x) + 0,
      excess: x,
      // w_i = q_i·(p_i/q_i)^α/S; q_i = 0 has no term in S here (α < 1).
      weights: () => p.map((pi, i) => (pi === 0 || q[i] === 0 ? 0 : scaledExp(minusAlphaD(i), q[i]!, S))),
      byQ: () => p.map((pi, i) => (pi === 0 ? 0 : q[i] === 0 ? atZero(pi) : -scaledExp(minusAlphaD(i), 1, S))),
    };
  }
  if (alpha === 1) {
    // Amari's sum is the KL's, infinite only where q = 0 < p: so is D_1. u = p, S = Σp.
    const weights = () => p.map((pi) => pi / massP);
    return { value: Infinity, excess: NaN, weights, byQ: () => p.map((pi, i) => (pi === 0 ? 0 : -pi / q[i]! / massP)) };
  }
  return renyiByLogSumExp(p, q, alpha, massP);
}

/**
 * The Rényi divergence of a row by a log-sum-exp of the exponents of u_i = p_i^α q_i^β: for
 * α > 1 those exponents divided by α − 1, e_i = log(p_i/q_i) + log(p_i)/(α − 1), so that no
 * order overflows them (Number.MAX_VALUE included) and the arg max of p/q keeps its exact 0 in
 * e_i − max e; D = max e + (log Σ e^((e_i − max e)(α − 1)) − log Σp)/(α − 1). For α < 1,
 * log u_i = log p_i + β·d_i. The weights w_i = u_i/S come from the same shifted exponents.
 */
function renyiByLogSumExp(p: number[], q: number[], alpha: number, massP: number): RenyiRow {
  const beta = 1 - alpha;
  const above = alpha > 1;
  const exponents = p.map((pi, i) => {
    if (pi === 0) return -Infinity;
    if (q[i] === 0) return above ? Infinity : -Infinity;
    return above ? logRatio(pi, q[i]!) + Math.log(pi) / (alpha - 1) : Math.log(pi) + beta * logRatio(q[i]!, pi);
  });
  const top = largest(exponents);
  const stretch = above ? alpha - 1 : 1;
  const shifted = exponents.map((e) => (e === top ? 0 : (e - top) * stretch));
  const sumExp = Number.isFinite(top) ? sum(shifted.length, (i) => Math.exp(shifted[i]!)) : 1;
  const value = above ? top + (Math.log(sumExp) - Math.log(massP)) / (alpha - 1) : (top + Math.log(sumExp) - Math.log(massP)) / (alpha - 1);
  const weights = () => shifted.map((v) => (top === -Infinity ? 0 : Math.exp(v) / sumExp));
  return {
    value,
    excess: NaN,
    weights,
    byQ: () => weights().map((w, i) => (p[i] === 0 ? 0 : q[i] === 0 ? -Infinity : -w / q[i]!)),
  };
}

/**
 * A Rényi row's gradient with respect to approx in its `space`: byQ for probabilities; −w in log
 * space; through the softmax q − w, taken as q·(x − expm1(−α·d))/(1 + x) where the row came from
 * Amari's sum and Σp is exactly 1 (`targetIsDistribution`), which keeps the digits of q − w
 * where q ≈ w.
 */
export function renyiRowGradient(row: RenyiRow, p: ArrayLike<number>, q: ArrayLike<number>, alpha: number, space: "prob" | "log" | "softmax", targetIsDistribution: boolean): number[] {
  if (space === "prob") return row.byQ();
  const w = row.weights();
  if (space === "log") return w.map((wi) => -wi);
  const x = targetIsDistribution ? row.excess : NaN;
  return w.map((wi, i) => {
    const [pi, qi] = [p[i]!, q[i]!];
    if (Number.isFinite(x) && pi > 0 && qi > 0) return (qi * (x - Math.expm1(-alpha * logRatio(qi, pi)))) / (1 + x);
    return qi - wi;
  });
}
