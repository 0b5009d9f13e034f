/**
 * The reference implementation: plain TypeScript written for clarity and exactness, the
 * oracle every fast path is tested against. Every value is computed in f64 from the exact
 * values of the inputs (f32 inputs included), every sum is compensated, and log(p/q) is
 * taken without rounding p/q where that would lose digits.
 */
import { buildKL } from "../../core/kl.js";
import type { Direction, Divergence, Engine } from "../../core/engine.js";
import { gradientScale, type Operand, type Settings } from "../../core/options.js";
import { klExcess, klTerm, logProbabilities, logRatio, probabilities, rowOf } from "./terms.js";
import { CompensatedSum } from "../../numeric/compensated-sum.js";
import type { KL } from "../../core/types.js";
import { checkValues } from "../../core/checks.js";

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
