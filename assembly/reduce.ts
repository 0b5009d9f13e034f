/**
 * Row reductions: out[r] = Σ_i term(x[r, i], y[r, i]) for a row-major [rows, cols] input.
 *
 * Summation: inside a block of BLOCK elements the terms go into plain lane accumulators
 * (short sums lose almost nothing); the block sums are then added to the row total with
 * Neumaier's compensated summation, so the error does not grow with the row length.
 *
 * Validation is fused: every block folds its operands into a lane check (terms.ts); a block
 * with any failing lane is recomputed element by element by termScalar, which also records input
 * that is invalid outright (NaN, negative or infinite probabilities, +Infinity in log
 * space). The kernel then returns 1 and the wrapper finds the first bad index.
 */
import { flagInvalidInput, invalidInputStatus, resetInvalidInput } from "./status";
import { accepts, SUM, sumsDifferences, usesSecond } from "./ops";
import { laneCheckFold, laneCheckPassed, laneCheckStart, termVector, termWithGradientScalar } from "./terms";

/** Elements per block: small enough that a rare special value costs little to redo. */
const BLOCK: i32 = 256;

/** Set by vectorBlockSum: whether every lane of the block took the fast path. */
let blockFast = false;

/** Neumaier's compensated accumulator, as two locals' worth of globals reset per row. */
let rowSum: f64 = 0;
let rowCompensation: f64 = 0;

@inline function addCompensated(value: f64): void {
  const t = rowSum + value;
  if (Math.abs(rowSum) >= Math.abs(value)) rowCompensation += (rowSum - t) + value;
  else rowCompensation += (value - t) + rowSum;
  rowSum = t;
}

/** The row's Σ (x − y) for ops that sum differences, compensated the same way. */
let rowDifference: f64 = 0;
let rowDifferenceCompensation: f64 = 0;

function addDifference(value: f64): void {
  const t = rowDifference + value;
  if (Math.abs(rowDifference) >= Math.abs(value)) rowDifferenceCompensation += (rowDifference - t) + value;
  else rowDifferenceCompensation += (value - t) + rowDifference;
  rowDifference = t;
}

/** Adds the lanes of an f64x2 to the row's difference sum one by one, so none is rounded away. */
@inline function addDifferenceLanes(v: v128): void {
  addDifference(f64x2.extract_lane(v, 0));
  addDifference(f64x2.extract_lane(v, 1));
}

/** TwoSum (Knuth): the rounding error of sum + d, so that (sum + d) + error is exact. */
@inline function twoSumRoundoff(sum: v128, d: v128): v128 {
  const total = v128.add<f64>(sum, d);
  const dPart = v128.sub<f64>(total, sum);
  return v128.add<f64>(v128.sub<f64>(sum, v128.sub<f64>(total, dPart)), v128.sub<f64>(d, dPart));
}

/**
 * Folds the exact differences x − y of one vector into a block's difference lanes: f64
 * lanes carry their TwoSum errors in `errors`; f32 differences (exact in f32) are summed in
 * f64, low lanes in `sums`, high lanes in `errors`.
 */
@inline function foldDifferenceSums<T>(sums: v128, x: v128, y: v128): v128 {
  const d = v128.sub<T>(x, y);
  return sizeof<T>() == 8 ? v128.add<f64>(sums, d) : v128.add<f64>(sums, f64x2.promote_low_f32x4(d));
}

@inline function foldDifferenceErrors<T>(sums: v128, errors: v128, x: v128, y: v128): v128 {
  const d = v128.sub<T>(x, y);
  return sizeof<T>() == 8 ? v128.add<f64>(errors, twoSumRoundoff(sums, d)) : v128.add<f64>(errors, promoteHighF32x4(d));
}

/** sum + compensation; an infinite term leaves NaN in the compensation, and the sum is exact then. */
@inline function compensated(sum: f64, compensation: f64): f64 {
  return isFinite(sum) ? sum + compensation : sum;
}

@inline function loadAsF64<T>(ptr: usize): f64 {
  return <f64>load<T>(ptr);
}

/** Where the gradient of element i of a row goes (0: the op writes none). */
@inline function gradientAt<T>(grad: usize, i: i32): usize {
  return grad + (<usize>i << alignof<T>());
}

/** Exact scalar sum of terms over [start, end) of one row; gradient ops also write gradients. */
function scalarRangeSum<T>(
  op: i32, x: usize, y: usize, start: i32, end: i32, offsetX: f64, offsetY: f64, rowParam: f64, scale: f64, grad: usize,
): f64 {
  let sum: f64 = 0;
  let compensation: f64 = 0;
  const second = usesSecond(op);
  for (let i = start; i < end; i++) {
    const xi = loadAsF64<T>(x + (<usize>i << alignof<T>()));
    const yi = second ? loadAsF64<T>(y + (<usize>i << alignof<T>())) : 0;
    if (!accepts(op, xi) || (second && !accepts(op, yi))) {
      flagInvalidInput();
      continue;
    }
    const term = termWithGradientScalar<T>(op, xi, yi, offsetX, offsetY, rowParam, scale, gradientAt<T>(grad, i));
    if (sumsDifferences(op)) addDifference(xi - yi);
    const t = sum + term;
    if (Math.abs(sum) >= Math.abs(term)) compensation += (sum - t) + term;
    else compensation += (term - t) + sum;
    sum = t;
  }
  return compensated(sum, compensation);
}

/** [a, b] => a + b */
@inline function horizontalSumF64x2(v: v128): f64 {
  return f64x2.extract_lane(v, 0) + f64x2.extract_lane(v, 1);
}

/** f32x4 [a, b, c, d] => f64x2 [c, d] */
@inline function promoteHighF32x4(v: v128): v128 {
  return f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 2, 3));
}

/**
 * Sum of the terms of `count` elements (a multiple of the lane count) by the vector path.
 * Sets blockFast to whether every lane was eligible; if not, the sum is to be discarded.
 */
@inline function vectorBlockSum<T>(
  op: i32, x: usize, y: usize, count: i32, oxHi: v128, oxLo: v128, oyHi: v128, oyLo: v128,
  rowParam: v128, scale: v128, grad: usize,
): f64 {
  const LANES: i32 = 16 / sizeof<T>();
  const STRIDE: usize = 16;
  const second = usesSecond(op);
  let acc0 = f64x2.splat(0);
  let acc1 = f64x2.splat(0);
  let check = laneCheckStart(op);
  let differences = f64x2.splat(0);
  let differenceErrors = f64x2.splat(0);
  let i: i32 = 0;
  // Four vectors per iteration: independent chains hide the latency of the log/exp.
  for (; i + 4 * LANES <= count; i += 4 * LANES) {
    const px = x + (<usize>i << alignof<T>());
    const py = y + (<usize>i << alignof<T>());
    const x0 = v128.load(px), x1 = v128.load(px, STRIDE), x2 = v128.load(px, 2 * STRIDE), x3 = v128.load(px, 3 * STRIDE);
    const y0 = second ? v128.load(py) : x0;
    const y1 = second ? v128.load(py, STRIDE) : x1;
    const y2 = second ? v128.load(py, 2 * STRIDE) : x2;
    const y3 = second ? v128.load(py, 3 * STRIDE) : x3;
    check = laneCheckFold<T>(op, laneCheckFold<T>(op, check, x0, y0), x1, y1);
    check = laneCheckFold<T>(op, laneCheckFold<T>(op, check, x2, y2), x3, y3);
    const g = gradientAt<T>(grad, i);
    const t0 = termVector<T>(op, x0, y0, oxHi, oxLo, oyHi, oyLo, rowParam, scale, g);
    const t1 = termVector<T>(op, x1, y1, oxHi, oxLo, oyHi, oyLo, rowParam, scale, g + STRIDE);
    const t2 = termVector<T>(op, x2, y2, oxHi, oxLo, oyHi, oyLo, rowParam, scale, g + 2 * STRIDE);
    const t3 = termVector<T>(op, x3, y3, oxHi, oxLo, oyHi, oyLo, rowParam, scale, g + 3 * STRIDE);
    if (sumsDifferences(op)) {
      differenceErrors = foldDifferenceErrors<T>(differences, differenceErrors, x0, y0);
      differences = foldDifferenceSums<T>(differences, x0, y0);
      differenceErrors = foldDifferenceErrors<T>(differences, differenceErrors, x1, y1);
      differences = foldDifferenceSums<T>(differences, x1, y1);
      differenceErrors = foldDifferenceErrors<T>(differences, differenceErrors, x2, y2);
      differences = foldDifferenceSums<T>(differences, x2, y2);
      differenceErrors = foldDifferenceErrors<T>(differences, differenceErrors, x3, y3);
      differences = foldDifferenceSums<T>(differences, x3, y3);
    }
    if (sizeof<T>() == 8) {
      acc0 = v128.add<f64>(acc0, v128.add<f64>(t0, t1));
      acc1 = v128.add<f64>(acc1, v128.add<f64>(t2, t3));
    } else {
      // Adding the four f32 term vectors before promoting keeps f64 accumulation cheap.
      const s = v128.add<f32>(v128.add<f32>(t0, t1), v128.add<f32>(t2, t3));
      acc0 = v128.add<f64>(acc0, f64x2.promote_low_f32x4(s));
      acc1 = v128.add<f64>(acc1, promoteHighF32x4(s));
    }
  }
  for (; i < count; i += LANES) {
    const x0 = v128.load(x + (<usize>i << alignof<T>()));
    const y0 = second ? v128.load(y + (<usize>i << alignof<T>())) : x0;
    check = laneCheckFold<T>(op, check, x0, y0);
    const t0 = termVector<T>(op, x0, y0, oxHi, oxLo, oyHi, oyLo, rowParam, scale, gradientAt<T>(grad, i));
    if (sumsDifferences(op)) {
      differenceErrors = foldDifferenceErrors<T>(differences, differenceErrors, x0, y0);
      differences = foldDifferenceSums<T>(differences, x0, y0);
    }
    if (sizeof<T>() == 8) {
      acc0 = v128.add<f64>(acc0, t0);
    } else {
      acc0 = v128.add<f64>(acc0, f64x2.promote_low_f32x4(t0));
      acc1 = v128.add<f64>(acc1, promoteHighF32x4(t0));
    }
  }
  blockFast = laneCheckPassed<T>(op, check);
  if (sumsDifferences(op) && blockFast) {
    addDifferenceLanes(differences);
    addDifferenceLanes(differenceErrors);
  }
  return horizontalSumF64x2(v128.add<f64>(acc0, acc1));
}

/** Splits an f64 offset into the two lane values that termVector<T> subtracts in turn. */
@inline export function offsetHi<T>(offset: f64): v128 {
  return v128.splat<T>(<T>offset);
}

@inline export function offsetLo<T>(offset: f64): v128 {
  return v128.splat<T>(<T>(offset - <f64>(<T>offset)));
}

/**
 * out[r] = Σ_i term(x[r, i], y[r, i]) as f64, for every row. `offsetsX`/`offsetsY` and
 * `rowParams` point to one f64 per row (0: none). Gradient ops write `scale` times the
 * gradient to `grad` (row-major like x). Returns 1 if the input holds a value no term accepts.
 */
@inline export function reduceRows<T>(
  op: i32, x: usize, y: usize, rows: i32, cols: i32, offsetsX: usize, offsetsY: usize,
  rowParams: usize, scale: f64, grad: usize, out: usize,
): i32 {
  resetInvalidInput();
  const rowBytes = <usize>cols << alignof<T>();
  for (let r: i32 = 0; r < rows; r++) {
    const rowX = x + <usize>r * rowBytes;
    const rowY = y + <usize>r * rowBytes;
    const rowGrad = grad + <usize>r * rowBytes;
    const offsetX = offsetsX ? load<f64>(offsetsX + (<usize>r << 3)) : 0;
    const offsetY = offsetsY ? load<f64>(offsetsY + (<usize>r << 3)) : 0;
    const rowParam = rowParams ? load<f64>(rowParams + (<usize>r << 3)) : 0;
    rowSum = 0;
    rowCompensation = 0;
    rowDifference = 0;
    rowDifferenceCompensation = 0;
    let i: i32 = 0;
    // Row sums for normalisation take the scalar path: one compensated sum in index order,
    // the same operations as the reference, so a rescaled row is the same to the last bit.
    if (ASC_FEATURE_SIMD && op != SUM) {
      const LANES: i32 = 16 / sizeof<T>();
      const oxHi = offsetHi<T>(offsetX), oxLo = offsetLo<T>(offsetX);
      const oyHi = offsetHi<T>(offsetY), oyLo = offsetLo<T>(offsetY);
      const rowParamLanes = v128.splat<T>(<T>rowParam);
      const scaleLanes = v128.splat<T>(<T>scale);
      while (cols - i >= LANES) {
        const count = min(BLOCK, (cols - i) & ~(LANES - 1));
        const offset = <usize>i << alignof<T>();
        let blockSum = vectorBlockSum<T>(
          op, rowX + offset, rowY + offset, count, oxHi, oxLo, oyHi, oyLo, rowParamLanes, scaleLanes, rowGrad + offset,
        );
        if (!blockFast) blockSum = scalarRangeSum<T>(op, rowX, rowY, i, i + count, offsetX, offsetY, rowParam, scale, rowGrad);
        addCompensated(blockSum);
        i += count;
      }
    }
    if (i < cols) addCompensated(scalarRangeSum<T>(op, rowX, rowY, i, cols, offsetX, offsetY, rowParam, scale, rowGrad));
    const total = compensated(rowSum, rowCompensation);
    store<f64>(out + (<usize>r << 3), sumsDifferences(op) ? total + compensated(rowDifference, rowDifferenceCompensation) : total);
  }
  return invalidInputStatus();
}
