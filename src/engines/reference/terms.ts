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
