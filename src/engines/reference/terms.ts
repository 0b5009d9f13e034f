/**
 * The reference's terms, sums and rows, written for clarity and exactness and sharing no
 * numerical code with the engines it checks (the tests also use its terms as an oracle).
 */
import { zeroSumRow } from "../../core/checks.js";
import { ROW_DOWN } from "../../core/kl.js";
import type { Space, Vector } from "../../core/types.js";
import { expm1MinusX } from "../../numeric/series.js";
import { differenceBeyondShift, logSpaceDifferences, nearRowShift } from "../../numeric/log-space-differences.js";
import { largest } from "../../numeric/largest.js";
import { logSumBeyondMaximum } from "../../numeric/log-sum.js";
import { rescaledDifferences } from "../../numeric/rescaled-differences.js";

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
 * p·log(p/q) with SciPy's conventions: 0 for p = 0, +Infinity for p > 0 = q; times `s`, which
 * every term here takes on its weight (p, or e^a) before anything that could overflow (see
 * rescaled).
 */
export function klTerm(p: number, q: number, s = 1): number {
  if (p === 0) return 0;
  if (q === 0) return Infinity;
  return (p * s) * logRatio(p, q);
}

/**
 * A row's value by `value(s)`, its terms' weights times s: with s = 1, or where that overflows
 * part-way (an infinite or NaN value of valid input), with s = 2^-64 and the sum times 2^64,
 * which is what the exact sum rounds to (±Infinity only beyond the largest double).
 */
export function rescaled(value: (s: number) => number, rowScale = 1): number {
  const plain = value(1);
  return Number.isFinite(plain) ? plain * rowScale : value(2 ** -64) * (2 ** 64 * rowScale);
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

/** Whether p/q ∈ (0.5, 2): there p − q is exact and the accurate KL sums the excess and p − q apart. */
function nearPair(p: number, q: number): boolean {
  const r = p / q;
  return r > 0.5 && r < 2;
}

/**
 * p·log(p/q) − (p − q) ≥ 0: the KL term less its first-order part, times `scale`. Within a
 * factor 2, p − q is exact and the term is s·(p − q) + p·(2·atanh(s) − 2s), s = (p − q)/(p + q)
 * (p + q halved where it would overflow). Not part of the library's API.
 */
export function klExcess(p: number, q: number, scale = 1): number {
  return excessOver(p, q, p - q, scale);
}

/**
 * klExcess of x against an m whose difference x − m is given (the JSD's mixture: from p − q
 * of the inputs, exact where they are close, Sterbenz), never taken from the rounded m: so the
 * bracket keeps its digits however close x and m are (rows rescaled by `normalize` take theirs
 * from rescaledDifferences). x = 0 gives −(x − m). Not part of the API.
 */
export function excessOver(x: number, m: number, difference: number, scale = 1): number {
  // 0 − difference: +0, not −0, where x = m = 0.
  if (x === 0) return (0 - difference) * scale;
  if (m === 0) return Infinity;
  if (nearPair(x, m)) {
    const s = Number.isFinite(x + m) ? difference / (x + m) : (difference / 2) / (x / 2 + m / 2);
    return (s * difference + x * atanhExcess(s)) * scale;
  }
  return (x * scale) * logRatio(x, m) - difference * scale;
}

/**
 * Σ p·log(p/q) of rows used as given, in the accurate form: the excess plus p − q (summed
 * apart) where p and q are within a factor 2 — where the plain terms would cancel — and the
 * plain term elsewhere, where an excess and a difference summed apart would cancel instead.
 */
export function klSplitSum(p: ArrayLike<number>, q: ArrayLike<number>, s = 1): number {
  const near = (i: number) => p[i]! !== 0 && q[i]! !== 0 && nearPair(p[i]!, q[i]!);
  return sum(p.length, (i) => (near(i) ? klExcess(p[i]!, q[i]!, s) : klTerm(p[i]!, q[i]!, s)))
    + sum(p.length, (i) => (near(i) ? (p[i]! - q[i]!) * s : 0));
}

/**
 * The generalised JSD's term β·p·log(p/m) + (1 − β)·q·log(q/m), m = βp + (1 − β)q, as
 * β·[p·log(p/m) − (p − m)] + (1 − β)·[q·log(q/m) − (q − m)] (the first-order parts cancel
 * exactly) with p − m = (1 − β)·d and q − m = −β·d, d = p − q: never negative. At β = 0 or 1
 * the term is 0 (the bracket of weight 0, perhaps infinite, is dropped). `weight`, a power of
 * two, multiplies both weights (Settings.jsdWeight, or the rescaled sum's 2^-64); `d`, p − q,
 * may be given (jsdRowOperands). Not part of the API.
 */
export function jsdTerm(p: number, q: number, beta: number, weight = 1, d = p - q): number {
  if (beta === 0 || beta === 1) return 0;
  const m = beta * p + (1 - beta) * q;
  if (m === 0) return 0;
  // The weights go in before the log: a bracket alone may pass the largest double (p near it,
  // m = βp tiny) where its weighted value does not.
  return excessOver(p, m, (1 - beta) * d, beta * weight) + excessOver(q, m, -beta * d, (1 - beta) * weight);
}

/**
 * ∂/∂q of jsdTerm, (1 − β)·log(q/m), with q − m = −β·(p − q). Where p = 0 the term is
 * (1 − β)·q·log(1/(1 − β)), linear in q: its slope, at q = 0 too. Where q = 0 < p the one-sided
 * derivative is −Infinity; at β = 1, q has no weight (0); at β = 0, m = q (0).
 */
export function jsdGradientTerm(p: number, q: number, beta: number, d = p - q): number {
  if (beta === 0 || beta === 1) return 0;
  if (p === 0) return -(1 - beta) * Math.log1p(-beta);
  if (q === 0) return -Infinity;
  const m = beta * p + (1 - beta) * q;
  return (1 - beta) * (nearPair(q, m) ? Math.log1p((-beta * d) / m) : logRatio(q, m));
}

/**
 * One row of the JSD's operands: p, q and d = p − q, where both are in log space with d exact
 * where e^a and e^b round alike (src/numeric/log-space-differences.ts), and where both are
 * probabilities rescaled by `normalize` exact where p/S_p and q/S_q round alike
 * (rescaled-differences.ts), so that nearly equal rows keep their JSD; with `exact` false, p − q
 * of the rounded values (as the engines take rows above NEAR_ROW_JSD).
 */
export function jsdRowOperands(p: Operand, q: Operand, row: number, shape: RowShape, exact = true): [number[], number[], number[]] {
  if (!exact || p.space === "prob" || q.space === "prob") {
    const [pr, qr] = [probabilities(p, row, shape), probabilities(q, row, shape)];
    if (!exact || p.space !== q.space || !shape.normalize) return [pr, qr, pr.map((v, i) => v - qr[i]!)];
    const rescaled = rescaledDifferences(rowOf(p, row, shape.cols), rowOf(q, row, shape.cols), 0, shape.cols);
    return [Array.from(rescaled.p), Array.from(rescaled.q), Array.from(rescaled.d)];
  }
  // Validates the rows (a row of −Infinity to normalise is refused) before their partitions.
  logProbabilities(p, row, shape);
  logProbabilities(q, row, shape);
  const normalised = (o: Operand) => o.space === "logits" || shape.normalize;
  const [x, y] = [rowOf(p, row, shape.cols), rowOf(q, row, shape.cols)];
  const both = normalised(p) && normalised(q);
  const { p: pr, q: qr, d } = logSpaceDifferences(x, y, 0, shape.cols, partition(x, normalised(p)), partition(y, normalised(q)), both);
  return [Array.from(pr), Array.from(qr), Array.from(d)];
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
  if (total < Infinity) return values.map((v) => v / total);
  // A sum beyond the largest double: the row times 2^-64 first (exact), then rescaled.
  const down = values.map((v) => v * ROW_DOWN);
  const downTotal = sum(down.length, (i) => down[i]!);
  return down.map((v) => v / downTotal);
}

/** A row as natural-log probabilities, normalised when asked (always for logits). */
export function logProbabilities(operand: Operand, row: number, settings: RowShape): number[] {
  if (operand.space === "prob") return probabilities(operand, row, settings).map(Math.log);
  const values = rowOf(operand, row, settings.cols);
  if (operand.space === "log" && !settings.normalize) return values;
  const [max, logSum] = partition(values, true);
  if (max === -Infinity) throw zeroSumRow(operand.name, row, operand.space);
  // The maximum and the log-sum taken away in turn: their sum would lose the log-sum near ±1e308.
  return values.map((v) => (v - max) - logSum);
}

/**
 * A row's log-probabilities halved, (v/2 − max/2) − logSum/2: finite where logits more than the
 * largest double apart make a log-probability itself pass it (−2e308), for terms that are
 * linear in it (the cross-entropy's −p·b).
 */
export function halfLogProbabilities(operand: Operand, row: number, shape: RowShape): number[] {
  if (operand.space === "prob") return logProbabilities(operand, row, shape).map((v) => v / 2);
  const values = rowOf(operand, row, shape.cols);
  const [max, logSum] = partition(values, operand.space === "logits" || shape.normalize);
  return values.map((v) => (0.5 * v - 0.5 * max) - 0.5 * logSum);
}

/** e^a·(a − b), the KL term of log-probabilities: 0 for a = −∞, +Infinity for b = −∞ < a. */
export function klTermLog(a: number, b: number, s = 1): number {
  if (a === -Infinity) return 0;
  if (b === -Infinity) return Infinity;
  return (Math.exp(a) * s) * (a - b);
}

/** A row's log-partition split as [max, log Σ e^(v − max)]; [0, 0] for a row used as given. */
function partition(values: number[], normalised: boolean): [number, number] {
  if (!normalised) return [0, 0];
  const max = largest(values);
  return [max, logSumBeyondMaximum(values, 0, values.length, max, sum(values.length, (i) => Math.exp(values[i]! - max)))];
}

/**
 * log(q/p) of a pair of rows in log space (x and y as given), by index: d of the log-space KL
 * (assembly/ops.ts KL_LOG), differenceBeyondShift less the rows' shift — nearRowShift for near
 * normalised rows, else the difference of their log-sums — so that it carries no rounding of
 * the log-sum-exps, of |x|, nor of y − x.
 */
export function logRatioOf(x: number[], y: number[], normalisedX: boolean, normalisedY: boolean): (i: number) => number {
  const [maxX, logSumX] = partition(x, normalisedX);
  const [maxY, logSumY] = partition(y, normalisedY);
  const near = normalisedX && normalisedY ? nearRowShift(x, y, 0, x.length, [maxX, logSumX], [maxY, logSumY]) : undefined;
  const shift = near ?? logSumY - logSumX;
  return (i) => differenceBeyondShift(x[i]!, y[i]!, maxX, maxY) - shift;
}

/**
 * One row of D(P‖Q) in log space. Rows used as given: Σ e^a·(a − b), their exact value. Where
 * a row is normalised (logits, `normalize`), with d = log(q/p) taken as differenceBeyondShift
 * − (L_y − L_x), L the log-sums (so that d carries no rounding of the log-sum-exps, of |x|, nor
 * of y − x), or for near rows differenceBeyondShift − nearRowShift (which carries no rounding
 * of the log-sums either), it is Σ p·(e^d − 1 − d), every term ≥ 0, plus
 * Σp − Σq where one row is used as given.
 */
export function klLogRow(p: Operand, q: Operand, row: number, shape: RowShape, s = 1): number {
  const n = shape.cols;
  const normalised = (o: Operand) => o.space === "logits" || shape.normalize;
  const raw = (o: Operand) => (o.space === "prob" ? probabilities(o, row, shape).map(Math.log) : rowOf(o, row, n));
  const x = raw(p);
  const y = raw(q);
  if (!normalised(p) && !normalised(q)) return sum(n, (i) => klTermLog(x[i]!, y[i]!, s));
  const [maxX, logSumX] = partition(x, normalised(p));
  const [maxY, logSumY] = partition(y, normalised(q));
  const logRatio = logRatioOf(x, y, normalised(p), normalised(q));
  const term = (i: number) => {
    const q = () => Math.exp(y[i]! - maxY - logSumY) * s;
    // Σ p·g(d) over p > 0 is Σq − Σp + D(P‖Q) with Σq taken where p > 0: where p = 0 the term is q.
    if (x[i] === -Infinity) return q();
    if (y[i] === -Infinity) return Infinity;
    const w = Math.exp(x[i]! - maxX - logSumX) * s;
    // p underflowed: the term is q (p·d is below 1e-300, and d may be infinite).
    if (w === 0) return q();
    const d = logRatio(i);
    // Logits more than the largest double apart: p·d from d/2, from halved operands.
    if (d === -Infinity) return q() - w - w * (((0.5 * y[i]! - 0.5 * maxY) - (0.5 * x[i]! - 0.5 * maxX)) - 0.5 * (logSumY - logSumX)) * 2;
    // Beyond d = 700, e^d alone overflows: w·e^d is q itself.
    return d > 700 ? q() - w * (1 + d) : w * expm1MinusX(d);
  };
  const mass = (values: number[]) => sum(n, (i) => Math.exp(values[i]!));
  const difference = normalised(p) === normalised(q) ? 0 : normalised(p) ? 1 - mass(y) : mass(x) - 1;
  return sum(n, term) + difference * s;
}
