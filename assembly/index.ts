/**
 * The module's exports: every kernel in an f64 and an f32 form, the op codes (ops.ts) as
 * immutable globals OP_<name>, and heapBase. Kernels take pointers into
 * this module's memory and allocate nothing; the wrapper owns all buffers.
 */
import {
  CROSS_ENTROPY, CROSS_ENTROPY_LOG, ENTROPY, ENTROPY_LOG, EXP_SUM, GRAD_FORWARD_LOG, GRAD_FORWARD_PROB,
  GRAD_JSD, GRAD_REVERSE_LOG, GRAD_REVERSE_PROB, JSD, KL, KL_EXCESS, KL_LOG, SUM, KL_EXCESS_TERMS, GRAD_FORWARD_EXCESS,
  GRAD_REVERSE_EXCESS, ALPHA_DIVERGENCE, GRAD_ALPHA_DIVERGENCE, TOTAL_VARIATION,
} from "./ops";
import { reduceRows } from "./reduce";
import { divideRows, expShiftedRows, logElements, logRatioElements, mapTerms, rowMaxima } from "./elementwise";
import { logitsKL } from "./logits";

// The op table (ops.ts) as immutable exported globals OP_<name>: the loader reads the codes from
// the module rather than restating them (src/engines/wasm/kernels.ts lists the names it expects).
export {
  KL as OP_KL, KL_EXCESS as OP_KL_EXCESS, ENTROPY as OP_ENTROPY, CROSS_ENTROPY as OP_CROSS_ENTROPY,
  KL_LOG as OP_KL_LOG, ENTROPY_LOG as OP_ENTROPY_LOG, CROSS_ENTROPY_LOG as OP_CROSS_ENTROPY_LOG,
  EXP_SUM as OP_EXP_SUM, SUM as OP_SUM, GRAD_FORWARD_PROB as OP_GRAD_FORWARD_PROB,
  GRAD_REVERSE_PROB as OP_GRAD_REVERSE_PROB, GRAD_FORWARD_LOG as OP_GRAD_FORWARD_LOG,
  GRAD_REVERSE_LOG as OP_GRAD_REVERSE_LOG, JSD as OP_JSD, GRAD_JSD as OP_GRAD_JSD, KL_EXCESS_TERMS as OP_KL_EXCESS_TERMS,
  GRAD_FORWARD_EXCESS as OP_GRAD_FORWARD_EXCESS, GRAD_REVERSE_EXCESS as OP_GRAD_REVERSE_EXCESS,
  ALPHA_DIVERGENCE as OP_ALPHA_DIVERGENCE, GRAD_ALPHA_DIVERGENCE as OP_GRAD_ALPHA_DIVERGENCE, TOTAL_VARIATION as OP_TOTAL_VARIATION,
} from "./ops";

/** First byte the wrapper may use: static data lies below it. */
export function heapBase(): usize {
  return (__heap_base + 15) & ~15;
}

/** A row reduction's parameters after the element type: see reduceRowsF64. */
type Reduction = (
  inF32: bool, x: usize, y: usize, rows: i32, cols: i32, offsetsX: usize, offsetsY: usize,
  rowParams: usize, scale: f64, grad: usize, out: usize, shifts: usize,
) => i32;

// One function per op, each the op's loop specialised for both element types (reduceRows is
// inlined with the op as a constant). They are reached through a table, not a switch, so that
// Binaryen optimises each as a function of its own instead of inlining all of them into one:
// its passes grow faster than linearly with a function's size, and one function holding every
// op's unrolled loops took over 25 minutes to optimise.
function reduceKl(
  inF32: bool, x: usize, y: usize, rows: i32, cols: i32, offsetsX: usize, offsetsY: usize,
  rowParams: usize, scale: f64, grad: usize, out: usize, shifts: usize,
): i32 {
  return inF32 ? reduceRows<f32>(KL, x, y, rows, cols, offsetsX, offsetsY, rowParams, scale, grad, out, shifts) : reduceRows<f64>(KL, x, y, rows, cols, offsetsX, offsetsY, rowParams, scale, grad, out, shifts);
}
function reduceEntropy(
  inF32: bool, x: usize, y: usize, rows: i32, cols: i32, offsetsX: usize, offsetsY: usize,
  rowParams: usize, scale: f64, grad: usize, out: usize, shifts: usize,
): i32 {
  return inF32 ? reduceRows<f32>(ENTROPY, x, y, rows, cols, offsetsX, offsetsY, rowParams, scale, grad, out, shifts) : reduceRows<f64>(ENTROPY, x, y, rows, cols, offsetsX, offsetsY, rowParams, scale, grad, out, shifts);
}
function reduceCrossEntropy(
  inF32: bool, x: usize, y: usize, rows: i32, cols: i32, offsetsX: usize, offsetsY: usize,
  rowParams: usize, scale: f64, grad: usize, out: usize, shifts: usize,
): i32 {
  return inF32 ? reduceRows<f32>(CROSS_ENTROPY, x, y, rows, cols, offsetsX, offsetsY, rowParams, scale, grad, out, shifts) : reduceRows<f64>(CROSS_ENTROPY, x, y, rows, cols, offsetsX, offsetsY, rowParams, scale, grad, out, shifts);
}
function reduceKlLog(
  inF32: bool, x: usize, y: usize, rows: i32, cols: i32, offsetsX: usize, offsetsY: usize,
  rowParams: usize, scale: f64, grad: usize, out: usize, shifts: usize,
): i32 {
  return inF32 ? reduceRows<f32>(KL_LOG, x, y, rows, cols, offsetsX, offsetsY, rowParams, scale, grad, out, shifts) : reduceRows<f64>(KL_LOG, x, y, rows, cols, offsetsX, offsetsY, rowParams, scale, grad, out, shifts);
}
function reduceEntropyLog(
  inF32: bool, x: usize, y: usize, rows: i32, cols: i32, offsetsX: usize, offsetsY: usize,
  rowParams: usize, scale: f64, grad: usize, out: usize, shifts: usize,
): i32 {
  return inF32 ? reduceRows<f32>(ENTROPY_LOG, x, y, rows, cols, offsetsX, offsetsY, rowParams, scale, grad, out, shifts) : reduceRows<f64>(ENTROPY_LOG, x, y, rows, cols, offsetsX, offsetsY, rowParams, scale, grad, out, shifts);
}
function reduceCrossEntropyLog(
  inF32: bool, x: usize, y: usize, rows: i32, cols: i32, offsetsX: usize, offsetsY: usize,
  rowParams: usize, scale: f64, grad: usize, out: usize, shifts: usize,
): i32 {
  return inF32 ? reduceRows<f32>(CROSS_ENTROPY_LOG, x, y, rows, cols, offsetsX, offsetsY, rowParams, scale, grad, out, shifts) : reduceRows<f64>(CROSS_ENTROPY_LOG, x, y, rows, cols, offsetsX, offsetsY, rowParams, scale, grad, out, shifts);
}
function reduceExpSum(
  inF32: bool, x: usize, y: usize, rows: i32, cols: i32, offsetsX: usize, offsetsY: usize,
  rowParams: usize, scale: f64, grad: usize, out: usize, shifts: usize,
): i32 {
  return inF32 ? reduceRows<f32>(EXP_SUM, x, y, rows, cols, offsetsX, offsetsY, rowParams, scale, grad, out, shifts) : reduceRows<f64>(EXP_SUM, x, y, rows, cols, offsetsX, offsetsY, rowParams, scale, grad, out, shifts);
}
function reduceSum(
  inF32: bool, x: usize, y: usize, rows: i32, cols: i32, offsetsX: usize, offsetsY: usize,
  rowParams: usize, scale: f64, grad: usize, out: usize, shifts: usize,
): i32 {
  return inF32 ? reduceRows<f32>(SUM, x, y, rows, cols, offsetsX, offsetsY, rowParams, scale, grad, out, shifts) : reduceRows<f64>(SUM, x, y, rows, cols, offsetsX, offsetsY, rowParams, scale, grad, out, shifts);
}
function reduceGradForwardProb(
  inF32: bool, x: usize, y: usize, rows: i32, cols: i32, offsetsX: usize, offsetsY: usize,
  rowParams: usize, scale: f64, grad: usize, out: usize, shifts: usize,
): i32 {
  return inF32 ? reduceRows<f32>(GRAD_FORWARD_PROB, x, y, rows, cols, offsetsX, offsetsY, rowParams, scale, grad, out, shifts) : reduceRows<f64>(GRAD_FORWARD_PROB, x, y, rows, cols, offsetsX, offsetsY, rowParams, scale, grad, out, shifts);
}
function reduceGradReverseProb(
  inF32: bool, x: usize, y: usize, rows: i32, cols: i32, offsetsX: usize, offsetsY: usize,
  rowParams: usize, scale: f64, grad: usize, out: usize, shifts: usize,
): i32 {
  return inF32 ? reduceRows<f32>(GRAD_REVERSE_PROB, x, y, rows, cols, offsetsX, offsetsY, rowParams, scale, grad, out, shifts) : reduceRows<f64>(GRAD_REVERSE_PROB, x, y, rows, cols, offsetsX, offsetsY, rowParams, scale, grad, out, shifts);
}
function reduceGradForwardLog(
  inF32: bool, x: usize, y: usize, rows: i32, cols: i32, offsetsX: usize, offsetsY: usize,
  rowParams: usize, scale: f64, grad: usize, out: usize, shifts: usize,
): i32 {
  return inF32 ? reduceRows<f32>(GRAD_FORWARD_LOG, x, y, rows, cols, offsetsX, offsetsY, rowParams, scale, grad, out, shifts) : reduceRows<f64>(GRAD_FORWARD_LOG, x, y, rows, cols, offsetsX, offsetsY, rowParams, scale, grad, out, shifts);
}
function reduceGradReverseLog(
  inF32: bool, x: usize, y: usize, rows: i32, cols: i32, offsetsX: usize, offsetsY: usize,
  rowParams: usize, scale: f64, grad: usize, out: usize, shifts: usize,
): i32 {
  return inF32 ? reduceRows<f32>(GRAD_REVERSE_LOG, x, y, rows, cols, offsetsX, offsetsY, rowParams, scale, grad, out, shifts) : reduceRows<f64>(GRAD_REVERSE_LOG, x, y, rows, cols, offsetsX, offsetsY, rowParams, scale, grad, out, shifts);
}
function reduceKlExcess(
  inF32: bool, x: usize, y: usize, rows: i32, cols: i32, offsetsX: usize, offsetsY: usize,
  rowParams: usize, scale: f64, grad: usize, out: usize, shifts: usize,
): i32 {
  return inF32 ? reduceRows<f32>(KL_EXCESS, x, y, rows, cols, offsetsX, offsetsY, rowParams, scale, grad, out, shifts) : reduceRows<f64>(KL_EXCESS, x, y, rows, cols, offsetsX, offsetsY, rowParams, scale, grad, out, shifts);
}
function reduceJsd(
  inF32: bool, x: usize, y: usize, rows: i32, cols: i32, offsetsX: usize, offsetsY: usize,
  rowParams: usize, scale: f64, grad: usize, out: usize, shifts: usize,
): i32 {
  return inF32 ? reduceRows<f32>(JSD, x, y, rows, cols, offsetsX, offsetsY, rowParams, scale, grad, out, shifts) : reduceRows<f64>(JSD, x, y, rows, cols, offsetsX, offsetsY, rowParams, scale, grad, out, shifts);
}
function reduceGradJsd(
  inF32: bool, x: usize, y: usize, rows: i32, cols: i32, offsetsX: usize, offsetsY: usize,
  rowParams: usize, scale: f64, grad: usize, out: usize, shifts: usize,
): i32 {
  return inF32 ? reduceRows<f32>(GRAD_JSD, x, y, rows, cols, offsetsX, offsetsY, rowParams, scale, grad, out, shifts) : reduceRows<f64>(GRAD_JSD, x, y, rows, cols, offsetsX, offsetsY, rowParams, scale, grad, out, shifts);
}
function reduceKlExcessTerms(
  inF32: bool, x: usize, y: usize, rows: i32, cols: i32, offsetsX: usize, offsetsY: usize,
  rowParams: usize, scale: f64, grad: usize, out: usize, shifts: usize,
): i32 {
  return inF32 ? reduceRows<f32>(KL_EXCESS_TERMS, x, y, rows, cols, offsetsX, offsetsY, rowParams, scale, grad, out, shifts) : reduceRows<f64>(KL_EXCESS_TERMS, x, y, rows, cols, offsetsX, offsetsY, rowParams, scale, grad, out, shifts);
}
function reduceGradForwardExcess(
  inF32: bool, x: usize, y: usize, rows: i32, cols: i32, offsetsX: usize, offsetsY: usize,
  rowParams: usize, scale: f64, grad: usize, out: usize, shifts: usize,
): i32 {
  return inF32 ? reduceRows<f32>(GRAD_FORWARD_EXCESS, x, y, rows, cols, offsetsX, offsetsY, rowParams, scale, grad, out, shifts) : reduceRows<f64>(GRAD_FORWARD_EXCESS, x, y, rows, cols, offsetsX, offsetsY, rowParams, scale, grad, out, shifts);
}
function reduceGradReverseExcess(
  inF32: bool, x: usize, y: usize, rows: i32, cols: i32, offsetsX: usize, offsetsY: usize,
  rowParams: usize, scale: f64, grad: usize, out: usize, shifts: usize,
): i32 {
  return inF32 ? reduceRows<f32>(GRAD_REVERSE_EXCESS, x, y, rows, cols, offsetsX, offsetsY, rowParams, scale, grad, out, shifts) : reduceRows<f64>(GRAD_REVERSE_EXCESS, x, y, rows, cols, offsetsX, offsetsY, rowParams, scale, grad, out, shifts);
}
// ALPHA_DIVERGENCE is GRAD_ALPHA_DIVERGENCE without a gradient (grad = 0, ops.ts): one loop
// serves both, where a second copy would add ~3 kB of code that does the same.
function reduceAlphaDivergence(
  inF32: bool, x: usize, y: usize, rows: i32, cols: i32, offsetsX: usize, offsetsY: usize,
  rowParams: usize, scale: f64, grad: usize, out: usize, shifts: usize,
): i32 {
  return reduceGradAlphaDivergence(inF32, x, y, rows, cols, offsetsX, offsetsY, rowParams, scale, 0, out, shifts);
}
function reduceGradAlphaDivergence(
  inF32: bool, x: usize, y: usize, rows: i32, cols: i32, offsetsX: usize, offsetsY: usize,
  rowParams: usize, scale: f64, grad: usize, out: usize, shifts: usize,
): i32 {
  return inF32 ? reduceRows<f32>(GRAD_ALPHA_DIVERGENCE, x, y, rows, cols, offsetsX, offsetsY, rowParams, scale, grad, out, shifts) : reduceRows<f64>(GRAD_ALPHA_DIVERGENCE, x, y, rows, cols, offsetsX, offsetsY, rowParams, scale, grad, out, shifts);
}
function reduceTotalVariation(
  inF32: bool, x: usize, y: usize, rows: i32, cols: i32, offsetsX: usize, offsetsY: usize,
  rowParams: usize, scale: f64, grad: usize, out: usize, shifts: usize,
): i32 {
  return inF32 ? reduceRows<f32>(TOTAL_VARIATION, x, y, rows, cols, offsetsX, offsetsY, rowParams, scale, grad, out, shifts) : reduceRows<f64>(TOTAL_VARIATION, x, y, rows, cols, offsetsX, offsetsY, rowParams, scale, grad, out, shifts);
}
/** The reductions in op-code order (ops.ts numbers the ops 0, 1, 2, … in this order). */
const REDUCTIONS: StaticArray<Reduction> = [
  reduceKl, reduceEntropy, reduceCrossEntropy, reduceKlLog, reduceEntropyLog, reduceCrossEntropyLog,
  reduceExpSum, reduceSum, reduceGradForwardProb, reduceGradReverseProb, reduceGradForwardLog,
  reduceGradReverseLog, reduceKlExcess, reduceJsd, reduceGradJsd, reduceKlExcessTerms,
  reduceGradForwardExcess, reduceGradReverseExcess, reduceAlphaDivergence, reduceGradAlphaDivergence, reduceTotalVariation,
];

/**
 * Dispatches once per call to the reduction specialised for one op. An op code outside the
 * table traps (a WebAssembly.RuntimeError in JavaScript): it can only come from a caller
 * that does not read the table, and no value computed for it would be right.
 */
@inline function reduceRowsOf(
  inF32: bool, op: i32, x: usize, y: usize, rows: i32, cols: i32, offsetsX: usize, offsetsY: usize,
  rowParams: usize, scale: f64, grad: usize, out: usize, shifts: usize,
): i32 {
  if (<u32>op >= <u32>REDUCTIONS.length) unreachable();
  return REDUCTIONS[op](inF32, x, y, rows, cols, offsetsX, offsetsY, rowParams, scale, grad, out, shifts);
}

/**
 * Row reductions (ops.ts codes): out[r] = Σ term over row r. Gradient ops also write
 * scale·∂/∂y to `grad`; offsets (log-sum-exps) are two f64 per row, the maximum
 * and the log-sum; `shifts` (last, so that callers without it pass none) are the log-space KL's. Returns 1 if the input held a value the op does not accept; traps on
 * an unknown op.
 */
export function reduceRowsF64(
  op: i32, x: usize, y: usize, rows: i32, cols: i32, offsetsX: usize, offsetsY: usize,
  rowParams: usize, scale: f64, grad: usize, out: usize, shifts: usize,
): i32 {
  return reduceRowsOf(false, op, x, y, rows, cols, offsetsX, offsetsY, rowParams, scale, grad, out, shifts);
}

export function reduceRowsF32(
  op: i32, x: usize, y: usize, rows: i32, cols: i32, offsetsX: usize, offsetsY: usize,
  rowParams: usize, scale: f64, grad: usize, out: usize, shifts: usize,
): i32 {
  return reduceRowsOf(true, op, x, y, rows, cols, offsetsX, offsetsY, rowParams, scale, grad, out, shifts);
}

/** Element-wise KL terms p·log(p/q) (prob) or e^a·(a − b) (log space). */
export function relEntrF64(logSpace: bool, x: usize, y: usize, n: i32, out: usize): i32 {
  return logSpace ? mapTerms<f64>(KL_LOG, x, y, n, out) : mapTerms<f64>(KL, x, y, n, out);
}

export function relEntrF32(logSpace: bool, x: usize, y: usize, n: i32, out: usize): i32 {
  return logSpace ? mapTerms<f32>(KL_LOG, x, y, n, out) : mapTerms<f32>(KL, x, y, n, out);
}

export function logElementsF64(x: usize, n: i32, out: usize): i32 { return logElements<f64>(x, n, out); }
export function logElementsF32(x: usize, n: i32, out: usize): i32 { return logElements<f32>(x, n, out); }

export function expShiftedRowsF64(x: usize, rows: i32, cols: i32, offsets: usize, out: usize): void {
  expShiftedRows<f64>(x, rows, cols, offsets, out);
}
export function expShiftedRowsF32(x: usize, rows: i32, cols: i32, offsets: usize, out: usize): void {
  expShiftedRows<f32>(x, rows, cols, offsets, out);
}

export function divideRowsF64(x: usize, rows: i32, cols: i32, divisors: usize, out: usize): void {
  divideRows<f64>(x, rows, cols, divisors, out);
}
export function divideRowsF32(x: usize, rows: i32, cols: i32, divisors: usize, out: usize): void {
  divideRows<f32>(x, rows, cols, divisors, out);
}

export function rowMaximaF64(x: usize, rows: i32, cols: i32, out: usize): i32 { return rowMaxima<f64>(x, rows, cols, out); }
export function rowMaximaF32(x: usize, rows: i32, cols: i32, out: usize): i32 { return rowMaxima<f32>(x, rows, cols, out); }

export function logRatioElementsF64(x: usize, y: usize, n: i32, out: usize): void { logRatioElements<f64>(x, y, n, out); }
export function logRatioElementsF32(x: usize, y: usize, n: i32, out: usize): void { logRatioElements<f32>(x, y, n, out); }

/** The fused KL of rows of logits, with its gradient where `grad` ≠ 0 (logits.ts). */
export function logitsKLF64(
  reverse: bool, x: usize, y: usize, rows: i32, cols: i32, valueScale: f64, scale: f64, grad: usize, work: usize, offsetsX: usize, offsetsY: usize, out: usize,
): i32 {
  return logitsKL<f64>(reverse, x, y, rows, cols, valueScale, scale, grad, work, offsetsX, offsetsY, out);
}
export function logitsKLF32(
  reverse: bool, x: usize, y: usize, rows: i32, cols: i32, valueScale: f64, scale: f64, grad: usize, work: usize, offsetsX: usize, offsetsY: usize, out: usize,
): i32 {
  return logitsKL<f32>(reverse, x, y, rows, cols, valueScale, scale, grad, work, offsetsX, offsetsY, out);
}
