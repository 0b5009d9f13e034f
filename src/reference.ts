/**
 * The reference implementation: plain TypeScript written for clarity and exactness, the
 * oracle every fast path is tested against. Every value is computed in f64 from the exact
 * values of the inputs (f32 inputs included), every sum is compensated, and log(p/q) is
 * taken without rounding p/q where that would lose digits.
 */
import { buildKL } from "./api.js";
import type { Direction, Divergence, Engine } from "./engine.js";
import { gradientScale, type Operand, type Settings } from "./options.js";
import { CompensatedSum, compensatedSum } from "./sum.js";
import type { KL } from "./types.js";
import { checkValues, zeroSumRow } from "./validate.js";

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

/** p·log(p/q) with SciPy's conventions: 0 for p = 0, +Infinity for p > 0 = q. */
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

/** Σ p·log(p/q) as Σ [p·log(p/q) − (p − q)] + Σ (p − q), both compensated. */
function klSum(p: ArrayLike<number>, q: ArrayLike<number>): number {
  const excess = sumOf(p.length, (i) => klExcess(p[i]!, q[i]!));
  return excess + sumOf(p.length, (i) => p[i]! - q[i]!);
}

/** e^a·(a − b), the same term for log-probabilities. */
function klTermLog(a: number, b: number): number {
  if (a === -Infinity) return 0;
  if (b === -Infinity) return Infinity;
  return Math.exp(a) * (a - b);
}

/** −p·log q, with the same conventions. */
function crossTerm(p: number, q: number): number {
  if (p === 0) return 0;
  return q === 0 ? Infinity : -p * Math.log(q);
}

function crossTermLog(a: number, b: number): number {
  if (a === -Infinity) return 0;
  return b === -Infinity ? Infinity : -Math.exp(a) * b;
}

function logSumExp(values: number[]): number {
  const max = Math.max(...values);
  if (max === -Infinity) return -Infinity;
  const total = new CompensatedSum();
  for (const v of values) total.add(Math.exp(v - max));
  return max + Math.log(total.value);
}

function rowOf(operand: Operand, row: number, cols: number): number[] {
  return Array.from(operand.values.slice(row * cols, (row + 1) * cols), Number);
}

/** A row as probabilities, normalised when asked (always for logits). */
export function probabilities(operand: Operand, row: number, settings: Settings): number[] {
  const values = rowOf(operand, row, settings.cols);
  if (operand.space !== "prob") return logProbabilities(operand, row, settings).map(Math.exp);
  if (!settings.normalize) return values;
  const total = compensatedSum(values);
  if (total === 0) throw zeroSumRow(operand.name, row, "prob");
  return values.map((v) => v / total);
}

/** A row as natural-log probabilities, normalised when asked (always for logits). */
function logProbabilities(operand: Operand, row: number, settings: Settings): number[] {
  if (operand.space === "prob") return probabilities(operand, row, settings).map(Math.log);
  const values = rowOf(operand, row, settings.cols);
  if (operand.space === "log" && !settings.normalize) return values;
  const lse = logSumExp(values);
  if (lse === -Infinity) throw zeroSumRow(operand.name, row, operand.space);
  return values.map((v) => v - lse);
}

function sumOf(length: number, term: (i: number) => number): number {
  const total = new CompensatedSum();
  for (let i = 0; i < length; i++) total.add(term(i));
  return total.value;
}

function rowValue(divergence: Divergence, operands: Operand[], row: number, settings: Settings): number {
  const [p, q] = operands as [Operand, Operand | undefined];
  const n = settings.cols;
  const probSpace = p.space === "prob" && (q === undefined || q.space === "prob");
  switch (divergence) {
    case "entropy": {
      if (p.space === "prob") {
        const pr = probabilities(p, row, settings);
        return sumOf(n, (i) => crossTerm(pr[i]!, pr[i]!));
      }
      const a = logProbabilities(p, row, settings);
      return sumOf(n, (i) => crossTermLog(a[i]!, a[i]!));
    }
    case "jsd": {
      const pr = probabilities(p, row, settings);
      const qr = probabilities(q!, row, settings);
      const { beta } = settings;
      const m = pr.map((v, i) => beta * v + (1 - beta) * qr[i]!);
      // A weight of 0 drops its term (whose divergence may be infinite).
      const weighted = (weight: number, x: number[]) => (weight === 0 ? 0 : weight * klSum(x, m));
      return weighted(beta, pr) + weighted(1 - beta, qr);
    }
    case "kl":
    case "crossEntropy": {
      const cross = divergence === "crossEntropy";
      if (probSpace) {
        const pr = probabilities(p, row, settings);
        const qr = probabilities(q!, row, settings);
        return cross ? sumOf(n, (i) => crossTerm(pr[i]!, qr[i]!)) : klSum(pr, qr);
      }
      const a = logProbabilities(p, row, settings);
      const b = logProbabilities(q!, row, settings);
      return sumOf(n, (i) => (cross ? crossTermLog : klTermLog)(a[i]!, b[i]!));
    }
  }
}

/**
 * One row of D(target‖approx) (forward) or D(approx‖target) (reverse) and its gradient
 * with respect to approx, in approx's space, by the formulas of the contract.
 */
function rowGradient(direction: Direction, [target, approx]: Operand[], row: number, settings: Settings, grad: number[]): number {
  const n = settings.cols;
  const forward = direction === "forward";
  if (approx!.space === "prob") {
    const p = probabilities(target!, row, settings);
    const q = rowOf(approx!, row, n);
    for (let i = 0; i < n; i++) {
      grad[i] = forward
        ? p[i] === 0 ? 0 : -p[i]! / q[i]!
        : q[i] === 0 ? -Infinity : p[i] === 0 ? Infinity : logRatio(q[i]!, p[i]!) + 1;
    }
    return sumOf(n, (i) => (forward ? klTerm(p[i]!, q[i]!) : klTerm(q[i]!, p[i]!)));
  }
  const a = logProbabilities(target!, row, settings);
  const b = logProbabilities(approx!, row, settings);
  // Logits (or rescaled log input) differentiate through the log-softmax.
  const normalized = approx!.space === "logits" || settings.normalize;
  if (forward) {
    // Through a log-softmax the gradient is q·Σp − p: Σp is 1 unless the target is unnormalised.
    const mass = normalized ? sumOf(n, (i) => Math.exp(a[i]!)) : 0;
    for (let i = 0; i < n; i++) grad[i] = Math.exp(b[i]!) * mass - Math.exp(a[i]!);
    return sumOf(n, (i) => klTermLog(a[i]!, b[i]!));
  }
  const value = sumOf(n, (i) => klTermLog(b[i]!, a[i]!));
  const shift = normalized ? value : -1;
  for (let i = 0; i < n; i++) {
    grad[i] = b[i] === -Infinity ? 0 : a[i] === -Infinity ? Infinity : Math.exp(b[i]!) * (b[i]! - a[i]! - shift);
  }
  return value;
}

const referenceEngine: Engine = {
  backend: "reference",
  rowValues(divergence, operands, settings) {
    if (settings.validate) for (const operand of operands) checkValues(operand.values, operand.space, operand.name, settings.normalize);
    // Rows without probability mass are reported argument by argument, then row by row.
    for (const operand of operands) for (let row = 0; row < settings.rows; row++) probabilities(operand, row, settings);
    return Float64Array.from({ length: settings.rows }, (_, row) => rowValue(divergence, operands, row, settings));
  },
  gradient(direction, operands, settings, out) {
    if (settings.validate) for (const operand of operands) checkValues(operand.values, operand.space, operand.name, settings.normalize);
    for (const operand of operands) for (let row = 0; row < settings.rows; row++) probabilities(operand, row, settings);
    const scale = gradientScale(settings);
    const rowGrad: number[] = [];
    const perRow = Float64Array.from({ length: settings.rows }, (_, row) => {
      const value = rowGradient(direction, operands, row, settings, rowGrad);
      rowGrad.forEach((g, i) => (out[row * settings.cols + i] = g * scale));
      return value;
    });
    return { perRow, grad: out };
  },
  relEntr(p, q, validate, out) {
    if (validate) {
      checkValues(p.values, p.space, p.name);
      checkValues(q.values, q.space, q.name);
    }
    const term = p.space === "log" ? klTermLog : klTerm;
    for (let i = 0; i < out.length; i++) out[i] = term(p.values[i]!, q.values[i]!);
    return out;
  },
  alloc: (length, type) => new type(length),
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
