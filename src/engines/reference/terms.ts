/**
 * The reference's terms, sums and rows, written for clarity and exactness and sharing no
 * numerical code with the engines it checks (the tests also use its terms as an oracle).
 */
import { zeroSumRow } from "../../core/checks.js";
import type { Space, Vector } from "../../core/types.js";

/** One argument of a call as the reference reads it. */
export interface Operand {
  values: Vector;
  space: Space;
  name: string;
}

/** How rows are read: their width, and whether they are rescaled to sum 1. */
export interface RowShape {
  cols: number;
  normalize: boolean;
}

/** Σ terms by Neumaier's compensated summation, in index order. */
export function sum(length: number, term: (i: number) => number): number {
  let total = 0;
  let compensation = 0;
  for (let i = 0; i < length; i++) {
    const value = term(i);
    const t = total + value;
    compensation += Math.abs(total) >= Math.abs(value) ? total - t + value : value - t + total;
    total = t;
  }
  // An infinite term leaves Infinity − Infinity = NaN in the compensation: the sum is exact then.
  return Number.isFinite(total) ? total + compensation : total;
}

/**
 * log(p/q) for p, q > 0. Near 1, p − q is exact (Sterbenz) and log1p keeps every digit;
 * elsewhere the rounded ratio costs half an ulp of a logarithm ≥ ln 2 in magnitude; a
 * ratio outside the normal range is taken as a difference of logarithms.
 */
export function logRatio(p: number, q: number): number {
  const r = p / q;
  if (r > 0.5 && r < 2) return Math.log1p((p - q) / q);
  if (r >= 2.2250738585072014e-308 && r < Infinity) return Math.log(r);
  return Math.log(p) - Math.log(q);
}

/**
 * p·log(p/q) with SciPy's conventions: 0 for p = 0, +Infinity for p > 0 = q.
 */
export function klTerm(p: number, q: number): number {
  if (p === 0) return 0;
  if (q === 0) return Infinity;
  return p * logRatio(p, q);
}

/** 2·atanh(s) − 2s = 2·(s³/3 + s⁵/5 + …), for |s| ≤ 1/3. */
function atanhExcess(s: number): number {
  const z = s * s;
  let power = s * z;
  let sum = 0;
  for (let k = 1; k < 64; k++) {
    const term = (2 * power) / (2 * k + 1);
    sum += term;
    if (Math.abs(term) <= 1e-18 * Math.abs(sum)) break;
    power *= z;
  }
  return sum;
}

/**
 * p·log(p/q) − (p − q) ≥ 0: the KL term less its first-order part. Summed, with Σ(p − q)
 * beside it, it gives KL without the cancellation of p·log(p/q) terms when p ≈ q. Within a
 * factor 2, p − q is exact and the term is s·(p − q) + p·(2·atanh(s) − 2s), s = (p − q)/(p + q).
 * Not part of the library's API.
 */
export function klExcess(p: number, q: number): number {
  if (p === 0) return q;
  if (q === 0) return Infinity;
  const r = p / q;
  if (r > 0.5 && r < 2) {
    const difference = p - q;
    const s = difference / (p + q);
    return s * difference + p * atanhExcess(s);
  }
  return p * logRatio(p, q) - (p - q);
}

/**
 * x·log(x/m) − (x − m) ≥ 0 against a mixture m whose difference x − m is given from p − q of
 * the inputs (exact where they are close, Sterbenz), never taken from the rounded m: so the
 * bracket keeps its digits however close x and m are. x = 0 gives −(x − m).
 */
function excessOver(x: number, m: number, difference: number): number {
  if (x === 0) return -difference;
  const r = x / m;
  if (r > 0.5 && r < 2) {
    const s = difference / (x + m);
    return s * difference + x * atanhExcess(s);
  }
  return x * logRatio(x, m) - difference;
}

/**
 * The generalised JSD's term β·p·log(p/m) + (1 − β)·q·log(q/m), m = βp + (1 − β)q, as
 * β·[p·log(p/m) − (p − m)] + (1 − β)·[q·log(q/m) − (q − m)] (the first-order parts cancel
 * exactly) with p − m = (1 − β)·d and q − m = −β·d, d = p − q: never negative. At β = 0 or 1
 * the term is 0 (the bracket of weight 0, perhaps infinite, is dropped). Not part of the API.
 */
export function jsdTerm(p: number, q: number, beta: number): number {
  if (beta === 0 || beta === 1) return 0;
  const d = p - q;
  const m = beta * p + (1 - beta) * q;
  if (m === 0) return 0;
  return beta * excessOver(p, m, (1 - beta) * d) + (1 - beta) * excessOver(q, m, -beta * d);
}

/**
 * ∂/∂q of jsdTerm, (1 − β)·log(q/m), with q − m = −β·(p − q). Where p = 0 the term is
 * (1 − β)·q·log(1/(1 − β)), linear in q: its slope, at q = 0 too. Where q = 0 < p the one-sided
 * derivative is −Infinity; at β = 1, q has no weight (0); at β = 0, m = q (0).
 */
export function jsdGradientTerm(p: number, q: number, beta: number): number {
  if (beta === 0 || beta === 1) return 0;
  if (p === 0) return -(1 - beta) * Math.log1p(-beta);
  if (q === 0) return -Infinity;
  const m = beta * p + (1 - beta) * q;
  const r = q / m;
  return (1 - beta) * (r > 0.5 && r < 2 ? Math.log1p((-beta * (p - q)) / m) : logRatio(q, m));
}

export function logSumExp(values: number[]): number {
  const max = Math.max(...values);
  if (max === -Infinity) return -Infinity;
  return max + Math.log(sum(values.length, (i) => Math.exp(values[i]! - max)));
}

export function rowOf(operand: Operand, row: number, cols: number): number[] {
  return Array.from(operand.values.slice(row * cols, (row + 1) * cols), Number);
}

/**
 * A row as probabilities, normalised when asked (always for logits).
 */
export function probabilities(operand: Operand, row: number, settings: RowShape): number[] {
  const values = rowOf(operand, row, settings.cols);
  if (operand.space !== "prob") return logProbabilities(operand, row, settings).map(Math.exp);
  if (!settings.normalize) return values;
  const total = sum(values.length, (i) => values[i]!);
  if (total === 0) throw zeroSumRow(operand.name, row, "prob");
  return values.map((v) => v / total);
}

/** A row as natural-log probabilities, normalised when asked (always for logits). */
export function logProbabilities(operand: Operand, row: number, settings: RowShape): number[] {
  if (operand.space === "prob") return probabilities(operand, row, settings).map(Math.log);
  const values = rowOf(operand, row, settings.cols);
  if (operand.space === "log" && !settings.normalize) return values;
  const lse = logSumExp(values);
  if (lse === -Infinity) throw zeroSumRow(operand.name, row, operand.space);
  return values.map((v) => v - lse);
}
