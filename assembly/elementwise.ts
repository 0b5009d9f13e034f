/**
 * Element-wise kernels: rel_entr terms, log and exp of arrays, normalisation, log-ratios.
 * Each writes elements of the input's own type T and returns 1 if it met invalid input.
 */
import { horizontalMax, lanes, offsetHi, offsetLo, subtractOffset } from "./lanes";
import { flagInvalidInput, invalidInputStatus, resetInvalidInput } from "./status";
import { accepts, usesSecond } from "./ops";
import {
  laneCheckFold, laneCheckPassed, laneCheckStart, logRatioElementScalar, logRatioLanesPass, logRatioVector, termScalar, termVector,
} from "./terms";
import { expF32x4, expF64x2, logF32x4, logF64x2 } from "./vecmath";

@inline function at<T>(base: usize, i: i32): usize {
  return base + (<usize>i << alignof<T>());
}

function storeTermScalar<T>(op: i32, x: usize, y: usize, i: i32, out: usize): void {
  const xi = <f64>load<T>(at<T>(x, i));
  const yi = usesSecond(op) ? <f64>load<T>(at<T>(y, i)) : 0;
  if (!accepts(op, xi) || (usesSecond(op) && !accepts(op, yi))) flagInvalidInput();
  store<T>(at<T>(out, i), <T>termScalar(op, xi, yi, 0, 0, 0, 0));
}

/** out[i] = term(x[i], y[i]) for n elements. */
@inline export function mapTerms<T>(op: i32, x: usize, y: usize, n: i32, out: usize): i32 {
  resetInvalidInput();
  let i: i32 = 0;
  if (ASC_FEATURE_SIMD) {
    const LANES = lanes<T>();
    const none = v128.splat<T>(<T>0);
    for (; i + LANES <= n; i += LANES) {
      const xv = v128.load(at<T>(x, i));
      const yv = usesSecond(op) ? v128.load(at<T>(y, i)) : xv;
      if (laneCheckPassed<T>(op, laneCheckFold<T>(op, laneCheckStart(op), xv, yv, none, none))) {
        v128.store(at<T>(out, i), termVector<T>(op, xv, yv, none, none, none, none, none, none, none, none, false, none, none, none, 0));
      } else {
        for (let j = i; j < i + LANES; j++) storeTermScalar<T>(op, x, y, j, out);
      }
    }
  }
  for (; i < n; i++) storeTermScalar<T>(op, x, y, i, out);
  return invalidInputStatus();
}

/** out[i] = log x[i] (log 0 = −Infinity); negative, NaN or infinite x is invalid input. */
export function logElements<T>(x: usize, n: i32, out: usize): i32 {
  resetInvalidInput();
  let i: i32 = 0;
  if (ASC_FEATURE_SIMD) {
    const LANES = lanes<T>();
    let ok = i64x2.splat(-1);
    for (; i + LANES <= n; i += LANES) {
      const xv = v128.load(at<T>(x, i));
      ok = v128.and(ok, v128.and(v128.ge<T>(xv, v128.splat<T>(<T>0)), v128.lt<T>(xv, v128.splat<T>(<T>Infinity))));
      v128.store(at<T>(out, i), sizeof<T>() == 8 ? logF64x2(xv) : logF32x4(xv));
    }
    if (!v128.all_true<i32>(ok)) flagInvalidInput();
  }
  for (; i < n; i++) {
    const xi = <f64>load<T>(at<T>(x, i));
    if (!(xi >= 0 && xi < Infinity)) flagInvalidInput();
    store<T>(at<T>(out, i), <T>Math.log(xi));
  }
  return invalidInputStatus();
}

/**
 * out[r, i] = exp((x[r, i] − offsets[r].max) − offsets[r].logSum): log-probabilities back to
 * probabilities, with a row's offset (its log-sum-exp) as two f64, max and log-sum.
 */
export function expShiftedRows<T>(x: usize, rows: i32, cols: i32, offsets: usize, out: usize): void {
  for (let r: i32 = 0; r < rows; r++) {
    const maximum = load<f64>(offsets + (<usize>r << 4)), logSum = load<f64>(offsets + (<usize>r << 4) + 8);
    const rowStart = r * cols;
    let i: i32 = 0;
    if (ASC_FEATURE_SIMD) {
      const LANES = lanes<T>();
      const max = v128.splat<T>(<T>maximum), hi = offsetHi<T>(logSum), lo = offsetLo<T>(logSum);
      for (; i + LANES <= cols; i += LANES) {
        const a = subtractOffset<T>(v128.sub<T>(v128.load(at<T>(x, rowStart + i)), max), hi, lo);
        v128.store(at<T>(out, rowStart + i), sizeof<T>() == 8 ? expF64x2(a) : expF32x4(a));
      }
    }
    for (; i < cols; i++) {
      store<T>(at<T>(out, rowStart + i), <T>Math.exp((<f64>load<T>(at<T>(x, rowStart + i)) - maximum) - logSum));
    }
  }
}

/** out[r, i] = x[r, i] / divisors[r]: rows rescaled to sum 1. */
export function divideRows<T>(x: usize, rows: i32, cols: i32, divisors: usize, out: usize): void {
  for (let r: i32 = 0; r < rows; r++) {
    const divisor = load<f64>(divisors + (<usize>r << 3));
    const rowStart = r * cols;
    for (let i: i32 = 0; i < cols; i++) {
      store<T>(at<T>(out, rowStart + i), <T>(<f64>load<T>(at<T>(x, rowStart + i)) / divisor));
    }
  }
}

/**
 * out[r] = max_i x[r, i]. Returns 1 if a row holds NaN or +Infinity (invalid in log space).
 */
export function rowMaxima<T>(x: usize, rows: i32, cols: i32, out: usize): i32 {
  resetInvalidInput();
  for (let r: i32 = 0; r < rows; r++) {
    const rowStart = r * cols;
    let best: f64 = -Infinity;
    let i: i32 = 0;
    if (ASC_FEATURE_SIMD) {
      const LANES = lanes<T>();
      // pmax is one instruction where max (which propagates NaN) is several, and four
      // independent maxima hide its latency; pmax drops a NaN operand, so NaN lanes are
      // collected apart (x != x) and make the row's maximum NaN at the end.
      let best0 = v128.splat<T>(<T>-Infinity), best1 = best0, best2 = best0, best3 = best0;
      let nanLanes = v128.splat<i32>(0);
      for (; i + 4 * LANES <= cols; i += 4 * LANES) {
        const p = at<T>(x, rowStart + i);
        const x0 = v128.load(p), x1 = v128.load(p, 16), x2 = v128.load(p, 32), x3 = v128.load(p, 48);
        best0 = v128.pmax<T>(best0, x0);
        best1 = v128.pmax<T>(best1, x1);
        best2 = v128.pmax<T>(best2, x2);
        best3 = v128.pmax<T>(best3, x3);
        nanLanes = v128.or(nanLanes, v128.or(v128.or(v128.ne<T>(x0, x0), v128.ne<T>(x1, x1)), v128.or(v128.ne<T>(x2, x2), v128.ne<T>(x3, x3))));
      }
      best = horizontalMax<T>(v128.pmax<T>(v128.pmax<T>(best0, best1), v128.pmax<T>(best2, best3)));
      if (v128.any_true(nanLanes)) best = NaN;
    }
    // f64.max propagates NaN as well.
    for (; i < cols; i++) best = max(best, <f64>load<T>(at<T>(x, rowStart + i)));
    if (!(best < Infinity)) flagInvalidInput();
    store<f64>(out + (<usize>r << 3), best);
  }
  return invalidInputStatus();
}

/**
 * out[i] = log(x[i]/y[i]): −Infinity where x[i] = 0,
 * +Infinity where y[i] = 0 < x[i], NaN for negative or NaN input. Vectors whose lanes all pass
 * the KL term's lane check take the vector log-ratio (≤ 2 ulp of the true value); the others,
 * and the tail, take the exact scalar form (terms.ts).
 */
export function logRatioElements<T>(x: usize, y: usize, n: i32, out: usize): void {
  let i: i32 = 0;
  if (ASC_FEATURE_SIMD) {
    const LANES = lanes<T>();
    for (; i + LANES <= n; i += LANES) {
      const xv = v128.load(at<T>(x, i));
      const yv = v128.load(at<T>(y, i));
      if (logRatioLanesPass<T>(xv, yv)) {
        v128.store(at<T>(out, i), logRatioVector<T>(xv, yv));
      } else {
        for (let j = i; j < i + LANES; j++) storeLogRatioScalar<T>(x, y, j, out);
      }
    }
  }
  for (; i < n; i++) storeLogRatioScalar<T>(x, y, i, out);
}

function storeLogRatioScalar<T>(x: usize, y: usize, i: i32, out: usize): void {
  store<T>(at<T>(out, i), <T>logRatioElementScalar(<f64>load<T>(at<T>(x, i)), <f64>load<T>(at<T>(y, i))));
}
