/**
 * The module's exports: every kernel in an f64 and an f32 form, the op codes (ops.ts) as
 * immutable globals OP_<name>, and heapBase. Kernels take pointers into
 * this module's memory and allocate nothing; the wrapper owns all buffers.
 */
import {
  CROSS_ENTROPY, CROSS_ENTROPY_LOG, ENTROPY, ENTROPY_LOG, EXP_SUM, GRAD_FORWARD_LOG, GRAD_FORWARD_PROB,
  GRAD_REVERSE_LOG, GRAD_REVERSE_PROB, KL, KL_EXCESS, KL_LOG, SUM, KL_EXCESS_TERMS, GRAD_FORWARD_EXCESS, GRAD_REVERSE_EXCESS,
} from "./ops";
import { reduceRows } from "./reduce";
import { divideRows, expShiftedRows, logElements, logRatioElements, mapTerms, mixture, rowMaxima } from "./elementwise";

// The op table (ops.ts) as immutable exported globals OP_<name>: the loader reads the codes from
// the module rather than restating them (src/engines/wasm/kernels.ts lists the names it expects).
export {
  KL as OP_KL, KL_EXCESS as OP_KL_EXCESS, ENTROPY as OP_ENTROPY, CROSS_ENTROPY as OP_CROSS_ENTROPY,
  KL_LOG as OP_KL_LOG, ENTROPY_LOG as OP_ENTROPY_LOG, CROSS_ENTROPY_LOG as OP_CROSS_ENTROPY_LOG,
  EXP_SUM as OP_EXP_SUM, SUM as OP_SUM, GRAD_FORWARD_PROB as OP_GRAD_FORWARD_PROB,
  GRAD_REVERSE_PROB as OP_GRAD_REVERSE_PROB, GRAD_FORWARD_LOG as OP_GRAD_FORWARD_LOG,
  GRAD_REVERSE_LOG as OP_GRAD_REVERSE_LOG, KL_EXCESS_TERMS as OP_KL_EXCESS_TERMS,
  GRAD_FORWARD_EXCESS as OP_GRAD_FORWARD_EXCESS, GRAD_REVERSE_EXCESS as OP_GRAD_REVERSE_EXCESS,
} from "./ops";

/** First byte the wrapper may use: static data lies below it. */
export function heapBase(): usize {
  return (__heap_base + 15) & ~15;
}

/**
 * Dispatches once per call to a reduction specialised for one op. An op code outside the
 * table traps (a WebAssembly.RuntimeError in JavaScript): it can only come from a caller
 * that does not read the table, and no value computed for it would be right.
 */
@inline function reduceRowsOf<T>(
  op: i32, x: usize, y: usize, rows: i32, cols: i32, offsetsX: usize, offsetsY: usize,
  rowParams: usize, scale: f64, grad: usize, out: usize, shifts: usize,
): i32 {
  switch (op) {
    case KL: return reduceRows<T>(KL, x, y, rows, cols, offsetsX, offsetsY, rowParams, scale, grad, out, shifts);
    case KL_EXCESS: return reduceRows<T>(KL_EXCESS, x, y, rows, cols, offsetsX, offsetsY, rowParams, scale, grad, out, shifts);
    case ENTROPY: return reduceRows<T>(ENTROPY, x, y, rows, cols, offsetsX, offsetsY, rowParams, scale, grad, out, shifts);
    case CROSS_ENTROPY: return reduceRows<T>(CROSS_ENTROPY, x, y, rows, cols, offsetsX, offsetsY, rowParams, scale, grad, out, shifts);
    case KL_LOG: return reduceRows<T>(KL_LOG, x, y, rows, cols, offsetsX, offsetsY, rowParams, scale, grad, out, shifts);
    case ENTROPY_LOG: return reduceRows<T>(ENTROPY_LOG, x, y, rows, cols, offsetsX, offsetsY, rowParams, scale, grad, out, shifts);
    case CROSS_ENTROPY_LOG: return reduceRows<T>(CROSS_ENTROPY_LOG, x, y, rows, cols, offsetsX, offsetsY, rowParams, scale, grad, out, shifts);
    case EXP_SUM: return reduceRows<T>(EXP_SUM, x, y, rows, cols, offsetsX, offsetsY, rowParams, scale, grad, out, shifts);
    case GRAD_FORWARD_PROB: return reduceRows<T>(GRAD_FORWARD_PROB, x, y, rows, cols, offsetsX, offsetsY, rowParams, scale, grad, out, shifts);
    case GRAD_REVERSE_PROB: return reduceRows<T>(GRAD_REVERSE_PROB, x, y, rows, cols, offsetsX, offsetsY, rowParams, scale, grad, out, shifts);
    case GRAD_FORWARD_LOG: return reduceRows<T>(GRAD_FORWARD_LOG, x, y, rows, cols, offsetsX, offsetsY, rowParams, scale, grad, out, shifts);
    case GRAD_REVERSE_LOG: return reduceRows<T>(GRAD_REVERSE_LOG, x, y, rows, cols, offsetsX, offsetsY, rowParams, scale, grad, out, shifts);
    case KL_EXCESS_TERMS: return reduceRows<T>(KL_EXCESS_TERMS, x, y, rows, cols, offsetsX, offsetsY, rowParams, scale, grad, out, shifts);
    case GRAD_FORWARD_EXCESS: return reduceRows<T>(GRAD_FORWARD_EXCESS, x, y, rows, cols, offsetsX, offsetsY, rowParams, scale, grad, out, shifts);
    case GRAD_REVERSE_EXCESS: return reduceRows<T>(GRAD_REVERSE_EXCESS, x, y, rows, cols, offsetsX, offsetsY, rowParams, scale, grad, out, shifts);
    case SUM: return reduceRows<T>(SUM, x, y, rows, cols, offsetsX, offsetsY, rowParams, scale, grad, out, shifts);
    default: unreachable(); return 0;
  }
}

/**
 * Row reductions (ops.ts codes): out[r] = Σ term over row r. Gradient ops also write
 * scale·∂/∂y to `grad`; `shifts` (last, so that callers without it pass none) are the log-space KL's. Returns 1 if the input held a value the op does not accept; traps on
 * an unknown op.
 */
export function reduceRowsF64(
  op: i32, x: usize, y: usize, rows: i32, cols: i32, offsetsX: usize, offsetsY: usize,
  rowParams: usize, scale: f64, grad: usize, out: usize, shifts: usize,
): i32 {
  return reduceRowsOf<f64>(op, x, y, rows, cols, offsetsX, offsetsY, rowParams, scale, grad, out, shifts);
}

export function reduceRowsF32(
  op: i32, x: usize, y: usize, rows: i32, cols: i32, offsetsX: usize, offsetsY: usize,
  rowParams: usize, scale: f64, grad: usize, out: usize, shifts: usize,
): i32 {
  return reduceRowsOf<f32>(op, x, y, rows, cols, offsetsX, offsetsY, rowParams, scale, grad, out, shifts);
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

export function mixtureF64(x: usize, y: usize, n: i32, beta: f64, out: usize): void { mixture<f64>(x, y, n, beta, out); }
export function mixtureF32(x: usize, y: usize, n: i32, beta: f64, out: usize): void { mixture<f32>(x, y, n, beta, out); }

export function rowMaximaF64(x: usize, rows: i32, cols: i32, out: usize): i32 { return rowMaxima<f64>(x, rows, cols, out); }
export function rowMaximaF32(x: usize, rows: i32, cols: i32, out: usize): i32 { return rowMaxima<f32>(x, rows, cols, out); }

export function logRatioElementsF64(x: usize, y: usize, n: i32, out: usize): void { logRatioElements<f64>(x, y, n, out); }
export function logRatioElementsF32(x: usize, y: usize, n: i32, out: usize): void { logRatioElements<f32>(x, y, n, out); }
