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
import { logRatio, sum } from "./terms.js";

/** expm1(c·x)/c, x at c = 0: no division by an order that is 0. */
function expm1Over(x: number, c: number): number {
  if (c === 0) return x;
  const y = c * x;
  return Math.abs(y) < 1 ? x * (Math.expm1(y) / y) : Math.expm1(y) / c;
}

/** f(d) by its Taylor series, for |d|·max(1, |β|) ≤ ½, summed until the terms no longer count. */
function amariSeries(d: number, beta: number): number {
  let power = d; // d^k/k!
  let weight = 0; // 1 + β + … + β^(k−2)
  let total = 0;
  for (let k = 2; k < 60; k++) {
    power *= d / k;
    weight = 1 + beta * weight;
    const term = weight * power;
    total += term;
    if (Math.abs(term) <= 1e-18 * Math.abs(total)) break;
  }
  return total;
}

/**
 * Amari's term [α·p + (1 − α)·q − p^α q^(1−α)]/(α(1 − α)) for p, q ≥ 0. Zeros: 0 where
 * p = q = 0; q/α where p = 0 (+Infinity for α ≤ 0), p/(1 − α) where q = 0 (+Infinity for α ≥ 1).
 */
export function amariTerm(p: number, q: number, alpha: number): number {
  const beta = 1 - alpha;
  if (p === 0) return q === 0 ? 0 : alpha > 0 ? q / alpha : Infinity;
  if (q === 0) return beta > 0 ? p / beta : Infinity;
  const d = logRatio(q, p);
  if (Math.abs(d) * Math.max(1, Math.abs(beta)) <= 0.5) return p * amariSeries(d, beta);
  // u = p^α q^β = p·e^(βd); p·f = u·expm1(αd)/α − p·expm1(βd)/β, each part exact (u·e^(αd) = q).
  let u = p * Math.exp(beta * d);
  if (!(u > 0 && u < Infinity)) u = Math.exp(Math.log(p) + beta * d);
  if (u === Infinity) return Infinity;
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

/** A row's Rényi divergence and the weights w = p^α q^β / S its gradient needs. */
export interface RenyiRow {
  value: number;
  /** S/Σp − 1, where the row took Amari's sum (for the logits gradient without cancellation), else NaN. */
  excess: number;
  /** w_i = p_i^α q_i^β / S (Σw = 1); at α = ∞ spread evenly over the arg max of p/q. */
  weights: () => number[];
}

/** log Σ e^(terms), over the terms that are not −Infinity. */
function logSumExp(terms: number[]): number {
  const top = Math.max(...terms);
  if (top === -Infinity || top === Infinity) return top;
  return top + Math.log(sum(terms.length, (i) => Math.exp(terms[i]! - top)));
}

/** Σ values, or exactly 1 for a row that sums to 1 by construction (rescaled, or from log space). */
function massOf(values: number[], distribution: boolean): number {
  return distribution ? 1 : sum(values.length, (i) => values[i]!);
}

/**
 * The Rényi divergence log(Σ p^α q^β / Σp)/(α − 1) of one row of probabilities (Σp > 0).
 * `distributions`: whether each row sums to 1 by construction (rescaled, or from log space),
 * so that its mass is used as exactly 1, not as its rounded sum.
 *
 * Near α = 1 it comes from Amari's sum A: S/Σp − 1 = x = β·(Σq − Σp − α·A)/Σp, and
 * D = log1p(x)/(α − 1) = −(x/β)·log1p(x)/x, with no division by β. Where that overflows or S
 * is below half of Σp (log1p(x) would cancel), log S is a log-sum-exp of log p + β·d.
 */
export function renyiRow(p: number[], q: number[], alpha: number, distributions: readonly [boolean, boolean]): RenyiRow {
  const n = p.length;
  const massP = massOf(p, distributions[0]);
  const beta = 1 - alpha;
  if (alpha === 0) {
    const support = sum(n, (i) => (p[i]! > 0 ? q[i]! : 0));
    const weights = () => p.map((pi, i) => (pi > 0 ? q[i]! / support : 0));
    return { value: Math.log(massP / support), excess: NaN, weights };
  }
  if (alpha === Infinity) {
    const logRatios = p.map((pi, i) => (pi === 0 ? -Infinity : q[i] === 0 ? Infinity : logRatio(pi, q[i]!)));
    const top = Math.max(...logRatios);
    const ties = logRatios.filter((r) => r === top).length;
    return { value: top, excess: NaN, weights: () => logRatios.map((r) => (r === top ? 1 / ties : 0)) };
  }
  const amari = sum(n, (i) => amariTerm(p[i]!, q[i]!, alpha));
  const [pGiven, qGiven] = [!distributions[0], !distributions[1]];
  const difference = pGiven && qGiven ? sum(n, (i) => q[i]! - p[i]!) : massOf(q, distributions[1]) - massP;
  const xOverBeta = (difference - alpha * amari) / massP;
  const x = beta * xOverBeta;
  if (Number.isFinite(amari) && x >= -0.5 && x < Infinity) {
    const log1pOverX = x === 0 ? 1 : Math.log1p(x) / x;
    // u_i/S = p_i·e^(−α·d_i)·(q_i/p_i)/S… taken as q_i·e^(−α·d_i)/S, q_i = 0 gives 0 (α < 1).
    const weights = () => p.map((pi, i) => (pi === 0 ? 0 : q[i] === 0 ? (alpha < 1 ? 0 : Infinity) : (q[i]! * Math.exp(-alpha * logRatio(q[i]!, pi))) / (massP * (1 + x))));
    return { value: -xOverBeta * log1pOverX, excess: x, weights };
  }
  const logU = p.map((pi, i) => (pi === 0 ? -Infinity : q[i] === 0 ? (beta > 0 ? -Infinity : Infinity) : Math.log(pi) + beta * logRatio(q[i]!, pi)));
  const logS = logSumExp(logU);
  const weights = () => logU.map((l) => (logS === Infinity ? (l === Infinity ? 1 : 0) : Math.exp(l - logS)));
  return { value: (logS - Math.log(massP)) / (alpha - 1), excess: NaN, weights };
}
