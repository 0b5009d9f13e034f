/**
 * The reference implementation: plain TypeScript written for clarity and exactness, the
 * oracle every fast path is tested against. Every value is computed in f64 from the exact
 * values of the inputs (f32 inputs included), every sum is compensated, and log(p/q) is
 * taken without rounding p/q where that would lose digits. It shares no numerical code with
 * the engines it checks (terms.ts holds its own).
 */
import { checkAllocation, checkNumbers, checkValues, zeroSumRow } from "../../core/checks.js";
import { KLError } from "../../core/errors.js";
import type { Engine } from "../../core/engine.js";
import type { Divergence, GradientKind } from "../../core/routes.js";
import { buildKL } from "../../core/kl.js";
import { gradientScale, type Settings } from "../../core/options.js";
import type { KL, Vector } from "../../core/types.js";
import { amariGradientTerm, amariTerm, renyiRow, renyiRowGradient, type RenyiRow } from "./alpha.js";
import { NEAR_ROW_JSD, NEAR_ROW_RESCALED_KL } from "../../numeric/near-rows.js";
import { rescaledDifferences } from "../../numeric/rescaled-differences.js";
import {
  excessOver, halfLogProbabilities, jsdGradientTerm, klExcess, jsdRowOperands, jsdTerm, klLogRow, klSplitSum, klTerm, klTermLog, logProbabilities, logRatio, logRatioOf, probabilities,
  rescaled, rowOf, sum, type Operand, type RowShape,
} from "./terms.js";

/**
 * Σ p·log(p/q) of probabilities as the engines' op for the call computes it: rows rescaled to
 * sum 1 as Σ [p·log(p/q) − (p − q)], every term ≥ 0, near rows again with p − q of the
 * rescaled rows exact (rescaledDifferences: the rounded quotients keep none of the KL of nearly
 * proportional rows);
 * rows used as given in the accurate split form (klSplitSum), or as plain terms with
 * `precision: "fast"`.
 */
function klSum(p: Operand, q: Operand, row: number, shape: RowShape, settings: Settings, s = 1): number {
  const [pr, qr] = [probabilities(p, row, shape), probabilities(q, row, shape)];
  if (settings.normalize) {
    // As the engines: rows below NEAR_ROW_RESCALED_KL again from the rows' exact differences.
    const plain = sum(pr.length, (i) => klExcess(pr[i]!, qr[i]!, s));
    if (!(Math.abs(plain) < NEAR_ROW_RESCALED_KL * s)) return plain;
    const rescaled = rescaledDifferences(rowOf(p, row, shape.cols), rowOf(q, row, shape.cols), 0, shape.cols);
    return sum(shape.cols, (i) => excessOver(rescaled.p[i]!, rescaled.q[i]!, rescaled.d[i]!, s));
  }
  return settings.precision === "fast" ? sum(pr.length, (i) => klTerm(pr[i]!, qr[i]!, s)) : klSplitSum(pr, qr, s);
}

/** −p·log q, with the same conventions (and klTerm's weight factor s). */
function crossTerm(p: number, q: number, s: number): number {
  if (p === 0) return 0;
  return q === 0 ? Infinity : -(p * s) * Math.log(q);
}

/**
 * −e^a·b of log-probabilities, b given as its half: b = 2·halfB may pass the largest double
 * (logits more than that apart) where the product does not. Exact for a double b.
 */
function crossTermLog(a: number, halfB: number, s: number): number {
  if (a === -Infinity) return 0;
  if (halfB === -Infinity) return Infinity;
  return -((Math.exp(a) * s) * halfB) * 2;
}

/** The call's operands as the reference reads them, and its row shape. */
function operandsOf(values: Array<Vector | undefined>, settings: Settings): { operands: Operand[]; shape: RowShape } {
  const operands = values.flatMap((v, i) => (v === undefined ? [] : [{ values: v, space: settings.spaces[i]!, name: settings.names[i]! }]));
  return { operands, shape: { cols: operands[0]!.values.length / settings.rows, normalize: settings.normalize } };
}

/**
 * Refuses non-numbers (whatever `validate` says: nothing is coerced), validates up front, then
 * reports rows without probability mass argument by argument, then row by row.
 */
function checkOperands(operands: Operand[], settings: Settings, shape: RowShape): void {
  for (const o of operands) checkNumbers(o.values, o.name);
  if (settings.validate) for (const o of operands) checkValues(o.values, o.space, o.name, settings.normalize);
  for (const operand of operands) for (let row = 0; row < settings.rows; row++) probabilities(operand, row, shape);
}

/** Whether an operand's rows sum to 1 by construction: logits, or rows rescaled with normalize. */
const isDistribution = (operand: Operand, shape: RowShape) => operand.space === "logits" || shape.normalize;

/** One row's Rényi divergence at Settings.alpha (alpha.ts renyiRow); a row of p with no mass has none. */
function renyiOf([p, q]: Operand[], row: number, settings: Settings, shape: RowShape): RenyiRow {
  const [pr, qr] = [probabilities(p!, row, shape), probabilities(q!, row, shape)];
  if (!pr.some((v) => v > 0)) throw zeroSumRow(p!.name, row, p!.space, true);
  return renyiRow(pr, qr, settings.alpha, [isDistribution(p!, shape), isDistribution(q!, shape)]);
}

/** One row's value; `s` multiplies every term's weight (see rescaled). */
function rowValue(divergence: Divergence, [p, q]: Operand[], row: number, settings: Settings, shape: RowShape, s = 1): number {
  const n = shape.cols;
  switch (divergence) {
    case "entropy": {
      if (p!.space === "prob") {
        const pr = probabilities(p!, row, shape);
        return sum(n, (i) => crossTerm(pr[i]!, pr[i]!, s));
      }
      const a = logProbabilities(p!, row, shape);
      return sum(n, (i) => crossTermLog(a[i]!, a[i]! / 2, s));
    }
    case "jsd":
      return jsdRow([p!, q!], row, settings, shape, s).value;
    case "jeffreys": {
      if (p!.space !== "prob" || q!.space !== "prob" || shape.normalize) return rowValue("kl", [p!, q!], row, settings, shape, s) + rowValue("kl", [q!, p!], row, settings, shape, s);
      // Σ (p − q)·log(p/q), every term ≥ 0: the two KLs' Σ(p − q) and Σ(q − p) cancel exactly.
      const [pr, qr] = [probabilities(p!, row, shape), probabilities(q!, row, shape)];
      return sum(n, (i) => (pr[i] === qr[i] ? 0 : pr[i] === 0 || qr[i] === 0 ? Infinity : ((pr[i]! - qr[i]!) * s) * logRatio(pr[i]!, qr[i]!)));
    }
    case "renyi":
      return renyiOf([p!, q!], row, settings, shape).value * s;
    case "alphaDivergence":
    case "totalVariation": {
      const [pr, qr] = [probabilities(p!, row, shape), probabilities(q!, row, shape)];
      // Both terms are of degree 1 in (p, q): s goes on the operands, before anything that could overflow.
      const term = divergence === "totalVariation" ? (i: number) => Math.abs(pr[i]! * s - qr[i]! * s) : (i: number) => amariTerm(pr[i]! * s, qr[i]! * s, settings.alpha);
      return sum(n, term);
    }
    case "kl":
    case "crossEntropy": {
      const cross = divergence === "crossEntropy";
      if (p!.space === "prob" && q!.space === "prob") {
        const pr = probabilities(p!, row, shape);
        const qr = probabilities(q!, row, shape);
        return cross ? sum(n, (i) => crossTerm(pr[i]!, qr[i]!, s)) : klSum(p!, q!, row, shape, settings, s);
      }
      if (!cross) return klLogRow(p!, q!, row, shape, s);
      const a = logProbabilities(p!, row, shape);
      const b = logProbabilities(q!, row, shape);
      // A log-probability below the largest double from finite logits: −p·b from b/2.
      const halfB = b.some((v) => v === -Infinity) ? halfLogProbabilities(q!, row, shape) : b.map((v) => v / 2);
      return sum(n, (i) => crossTermLog(a[i]!, halfB[i]!, s));
    }
  }
}

/**
 * One row of D(target‖approx) (forward) or D(approx‖target) (reverse) and its gradient
 * with respect to approx, in approx's space, by the formulas of the contract.
 */
function klRowGradient(forward: boolean, [target, approx]: Operand[], row: number, settings: Settings, shape: RowShape, grad: number[]): number {
  const n = shape.cols;
  if (approx!.space === "prob") {
    const p = probabilities(target!, row, shape);
    const q = rowOf(approx!, row, n);
    for (let i = 0; i < n; i++) {
      grad[i] = forward
        ? p[i] === 0 ? 0 : -p[i]! / q[i]!
        : p[i] === 0 ? Infinity : q[i] === 0 ? -Infinity : logRatio(q[i]!, p[i]!) + 1;
    }
    // The value is the divergence's own (the matching call's klSum).
    return rescaled((s) => (forward ? klSum(target!, approx!, row, shape, settings, s) : klSum(approx!, target!, row, shape, settings, s)));
  }
  const a = logProbabilities(target!, row, shape);
  const b = logProbabilities(approx!, row, shape);
  // Logits (or rescaled log input) differentiate through the log-softmax.
  const normalized = approx!.space === "logits" || shape.normalize;
  if (forward) {
    // Through a log-softmax the gradient is q·Σp − p: Σp is 1 unless the target is unnormalised.
    // Two normalised rows: q − p from the rows' differences (the JSD's operands), which keeps
    // the digits that the difference of two rounded probabilities loses where they are close.
    const bothNormalised = target!.space !== "prob" && (target!.space === "logits" || shape.normalize) && normalized;
    if (bothNormalised) {
      const d = jsdRowOperands(target!, approx!, row, shape)[2];
      for (let i = 0; i < n; i++) grad[i] = -d[i]!;
    } else {
      const mass = normalized ? sum(n, (i) => Math.exp(a[i]!)) : 0;
      for (let i = 0; i < n; i++) grad[i] = Math.exp(b[i]!) * mass - Math.exp(a[i]!);
    }
    return rescaled((s) => klLogRow(target!, approx!, row, shape, s));
  }
  const value = rescaled((s) => klLogRow(approx!, target!, row, shape, s));
  const shift = normalized ? value : -1;
  // Where p = 0 from a finite logit more than the largest double below its row's maximum,
  // q·(b − a) comes from halved operands (as the log-space KL's d).
  const [halfA, halfB] = a.some((v) => v === -Infinity) ? [halfLogProbabilities(target!, row, shape), halfLogProbabilities(approx!, row, shape)] : [a, b];
  // b − a = log(q/p) of two normalised rows from their differences (logRatioOf), which keeps the
  // digits the difference of two rounded log-probabilities loses where they are close.
  const bothNormalised = normalized && target!.space !== "prob" && (target!.space === "logits" || shape.normalize);
  const logRatioAt = bothNormalised ? logRatioOf(rowOf(target!, row, n), rowOf(approx!, row, n), true, true) : (i: number) => b[i]! - a[i]!;
  for (let i = 0; i < n; i++) {
    // q = 0 (also from a finite b below −745) gives 0: q·(b − a − D) → 0 as q → 0.
    const q = Math.exp(b[i]!);
    if (q === 0) grad[i] = 0;
    else if (a[i] !== -Infinity) grad[i] = q * (logRatioAt(i) - shift);
    else grad[i] = halfA[i] === -Infinity ? Infinity : (q * (halfB[i]! - halfA[i]!) + q * (halfB[i]! - halfA[i]!)) - q * shift;
  }
  return value;
}

/**
 * One row of the JSD, as the engines take it: from the rounded p, q, and again from the rows'
 * exact differences (jsdRowOperands) where both operands are in log space, or both rescaled
 * probabilities, and J/(β(1 − β)) came out below NEAR_ROW_JSD. `exact`: whether it was.
 */
function jsdRow([p, q]: Operand[], row: number, settings: Settings, shape: RowShape, s: number): { value: number; exact: boolean } {
  const value = (exact: boolean) => {
    const [pr, qr, d] = jsdRowOperands(p!, q!, row, shape, exact);
    return sum(shape.cols, (i) => jsdTerm(pr[i]!, qr[i]!, settings.beta, settings.jsdWeight * s, d[i]!));
  };
  const plain = value(false);
  const bothLog = p!.space !== "prob" && q!.space !== "prob";
  const bothRescaled = p!.space === "prob" && q!.space === "prob" && shape.normalize;
  const bound = NEAR_ROW_JSD * (settings.beta * settings.jsdWeight) * (1 - settings.beta) * s;
  const exact = (bothLog || bothRescaled) && Math.abs(plain) < bound;
  return { value: exact ? value(true) : plain, exact };
}

/**
 * The gradient of the generalised JSD with respect to approx: with M = βP + (1 − β)Q,
 * ∂/∂q [β·D(P‖M) + (1 − β)·D(Q‖M)] = (1 − β)·log(q/m) (the terms through M cancel; at zeros,
 * jsdGradientTerm's one-sided conventions); log and logits spaces follow by the chain rule,
 * through the log-softmax q·(g − Σ q·g).
 */
function jsdRowGradient(operands: Operand[], row: number, settings: Settings, shape: RowShape, grad: number[]): number {
  const [target, approx] = operands;
  const { beta } = settings;
  // The operands the value took: exact differences for near rows (jsdRow).
  const { value, exact } = jsdRow(operands, row, settings, shape, 1);
  const [p, q, d] = jsdRowOperands(target!, approx!, row, shape, exact);
  const byQ = q.map((qi, i) => jsdGradientTerm(p[i]!, qi, beta, d[i]!));
  const throughSoftmax = approx!.space === "logits" || (approx!.space === "log" && shape.normalize);
  const shift = throughSoftmax ? sum(shape.cols, (i) => (q[i]! > 0 ? q[i]! * byQ[i]! : 0)) : 0;
  for (let i = 0; i < shape.cols; i++) grad[i] = approx!.space === "prob" ? byQ[i]! : q[i] === 0 ? 0 : q[i]! * (byQ[i]! - shift);
  return value;
}

/**
 * One row of Amari's α-divergence (kind "alphaDivergence") or the Rényi divergence of target and
 * approx, and its gradient with respect to approx: by q, g = (1 − (p/q)^α)/α (Amari) or
 * −(p/q)^α/S = −w/q (Rényi, w = p^α q^(1−α)/S); in log space q·g; through the softmax
 * q·(g − Σ q·g), which is q − w for Rényi, taken as q·(x − expm1(−α·d))/(1 + x) with
 * x = S − 1 where the row has it (no cancellation where q ≈ w).
 */
function alphaRowGradient(kind: "alphaDivergence" | "renyi", operands: Operand[], row: number, settings: Settings, shape: RowShape, grad: number[]): number {
  const [target, approx] = operands;
  const { alpha } = settings;
  const n = shape.cols;
  const p = probabilities(target!, row, shape);
  const q = probabilities(approx!, row, shape);
  const space = approx!.space;
  const throughSoftmax = space === "logits" || (space === "log" && shape.normalize);
  if (kind === "alphaDivergence") {
    const byQ = q.map((qi, i) => amariGradientTerm(p[i]!, qi, alpha));
    const shift = throughSoftmax ? sum(n, (i) => (q[i]! > 0 ? q[i]! * byQ[i]! : 0)) : 0;
    for (let i = 0; i < n; i++) grad[i] = space === "prob" ? byQ[i]! : q[i] === 0 ? 0 : q[i]! * (byQ[i]! - shift);
    return rescaled((s) => sum(n, (i) => amariTerm(p[i]! * s, q[i]! * s, alpha)));
  }
  const renyi = renyiOf(operands, row, settings, shape);
  const form = space === "prob" ? "prob" : throughSoftmax ? "softmax" : "log";
  renyiRowGradient(renyi, p, q, alpha, form, isDistribution(target!, shape)).forEach((g, i) => (grad[i] = g));
  return renyi.value;
}

const referenceEngine: Engine = {
  backend: "reference",
  rowValues(divergence, first, second, settings) {
    const { operands, shape } = operandsOf([first, second], settings);
    checkOperands(operands, settings, shape);
    const value = (row: number) => rescaled((s) => rowValue(divergence, operands, row, settings, shape, s), settings.rowScale);
    return Float64Array.from({ length: settings.rows }, (_, row) => value(row));
  },
  gradient(kind: GradientKind, target, approx, settings, out) {
    const { operands, shape } = operandsOf([target, approx], settings);
    checkOperands(operands, settings, shape);
    const scale = gradientScale(settings);
    const rowGrad: number[] = [];
    const perRow = Float64Array.from({ length: settings.rows }, (_, row) => {
      const value = kind === "jsd"
        ? jsdRowGradient(operands, row, settings, shape, rowGrad)
        : kind === "alphaDivergence" || kind === "renyi"
          ? alphaRowGradient(kind, operands, row, settings, shape, rowGrad)
          : klRowGradient(kind === "forward", operands, row, settings, shape, rowGrad);
      rowGrad.forEach((g, i) => (out[row * shape.cols + i] = g * scale));
      return value;
    });
    return { perRow, grad: out };
  },
  relEntr(p, q, settings, out) {
    const { operands } = operandsOf([p, q], settings);
    for (const o of operands) checkNumbers(o.values, o.name);
    if (settings.validate) for (const o of operands) checkValues(o.values, o.space, o.name);
    const term = settings.spaces[0] === "log" ? klTermLog : klTerm;
    for (let i = 0; i < out.length; i++) out[i] = term(p[i]!, q[i]!);
    return out;
  },
  alloc(length, type) {
    checkAllocation(length, type);
    try {
      return new type(length);
    } catch {
      throw new KLError("TOO_LARGE", "length", `${length} elements are more than this engine can allocate`);
    }
  },
  free: () => undefined,
  reserve: () => undefined,
  memoryBytes: () => 0,
  checkView: () => undefined,
};

/**
 * The pure-TypeScript backend: the same interface as the Wasm ones, computed plainly; the
 * oracle the tests check every fast path against.
 * @example import { referenceKL } from "klwasm/reference"; referenceKL.kl([0.5, 0.5], [0.9, 0.1]);
 */
export const referenceKL: KL = buildKL(referenceEngine);
