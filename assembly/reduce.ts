/**
 * Row reductions: out[r] = Σ_i term(x[r, i], y[r, i]) for a row-major [rows, cols] input.
 *
 * Summation: inside a block of BLOCK elements the terms go into plain lane accumulators
 * (short sums lose almost nothing); the block sums are then added to the row total with
 * Neumaier's compensated summation, so the error does not grow with the row length.
 *
 * Validation is fused: every block folds its operands into a lane check (terms.ts); a block
 * with any failing lane is recomputed element by element by the exact scalar terms, which
 * also note input that is invalid outright (NaN, negative or infinite probabilities,
 * +Infinity in log space). The kernel then returns 1 and the wrapper finds the first bad index.
 *
 * Every sum lives in a local of reduceRows: the block loop is written inline, so that no
 * module global carries a block's sum or the row's totals between functions.
 */
import { compensated, horizontalSumF64x2, lanes, neumaierRoundoff, offsetHi, offsetLo, promoteHighF32x4, twoSumRoundoff } from "./lanes";
import { accepts, isAlpha, mixes, SUM, sumsDifferences, usesSecond, writesGradientTo } from "./ops";
import { flagInvalidInput, invalidInputStatus, resetInvalidInput } from "./status";
import {
  differenceScalar, differenceVector, laneCheckFold, laneCheckPassed, laneCheckStart, rescaledRowSum, termVector, termWithGradientScalar,
} from "./terms";
import { alphaTermPairF64x2, prepareAlphaRow } from "./alpha";

/** Elements per block: small enough that a rare special value costs little to redo. */
const BLOCK: i32 = 256;

/** Bytes from a row's start to its element i. */
@inline function byteOffset<T>(i: i32): usize {
  return <usize>i << alignof<T>();
}

/**
 * Folds the exact differences of one vector (differenceVector: p − q where the op's term is
 * the excess, else 0) into a block's difference lanes: f64 lanes carry their TwoSum errors in
 * `errors`; f32 differences (exact in f32) are summed in f64, low lanes in `sums`, high lanes
 * in `errors`. Call foldDifferenceErrors first: it reads the sums before this vector.
 */
@inline function foldDifferenceSums<T>(op: i32, sums: v128, x: v128, y: v128): v128 {
  const d = differenceVector<T>(op, x, y);
  return sizeof<T>() == 8 ? v128.add<f64>(sums, d) : v128.add<f64>(sums, f64x2.promote_low_f32x4(d));
}

@inline function foldDifferenceErrors<T>(op: i32, sums: v128, errors: v128, x: v128, y: v128): v128 {
  const d = differenceVector<T>(op, x, y);
  return sizeof<T>() == 8 ? v128.add<f64>(errors, twoSumRoundoff(sums, d)) : v128.add<f64>(errors, promoteHighF32x4(d));
}

/** f64 accumulator lanes plus one term vector: f64 [a, b] + [t0, t1]; f32 terms go to `low` and `high`. */
@inline function addTermsLow<T>(acc: v128, terms: v128): v128 {
  return v128.add<f64>(acc, sizeof<T>() == 8 ? terms : f64x2.promote_low_f32x4(terms));
}

/**
 * out[r] = Σ_i term(x[r, i], y[r, i]) as f64, for every row. `rowParams` and `shifts`
 * point to one f64 per row, `offsetsX`/`offsetsY` (log-sum-exps) to two, the row's maximum and
 * log-sum (0: none; shifts select the log-space KL's excess form, see ops.ts KL_LOG). Gradient ops write `scale` times the gradient to `grad`
 * (row-major like x); value ops multiply each row's value by it (a power of two). Returns 1 if
 * the input holds a value no term accepts.
 */
@inline export function reduceRows<T>(
  op: i32, x: usize, y: usize, rows: i32, cols: i32, offsetsX: usize, offsetsY: usize,
  rowParams: usize, scale: f64, grad: usize, out: usize, shifts: usize,
): i32 {
  resetInvalidInput();
  // Value ops take `scale` (a power of two) as a factor on each row's value: 2^-64 gives rows
  // whose values pass the largest double, for a sum across rows that does not (src/core/kl.ts).
  const storesGradient = writesGradientTo(op, grad);
  const valueScale = storesGradient ? 1 : scale;
  const LANES = lanes<T>();
  const STRIDE: usize = 16;
  const second = usesSecond(op);
  const rowBytes = byteOffset<T>(cols);
  for (let r: i32 = 0; r < rows; r++) {
    const rowX = x + <usize>r * rowBytes;
    const rowY = y + <usize>r * rowBytes;
    const rowGrad = grad + <usize>r * rowBytes;
    // A log-sum-exp offset is two f64 per row, the maximum and the log-sum, taken away in turn.
    const maxX = offsetsX ? load<f64>(offsetsX + (<usize>r << 4)) : 0;
    const logSumX = offsetsX ? load<f64>(offsetsX + (<usize>r << 4) + 8) : 0;
    const maxY = offsetsY ? load<f64>(offsetsY + (<usize>r << 4)) : 0;
    const logSumY = offsetsY ? load<f64>(offsetsY + (<usize>r << 4) + 8) : 0;
    // The JSD ops read two f64 per row: β and a power of two on its weights (ops.ts JSD).
    const rowParam = rowParams ? load<f64>(rowParams + (mixes(op) ? <usize>r << 4 : <usize>r << 3)) : 0;
    const rowWeight = mixes(op) && rowParams ? load<f64>(rowParams + (<usize>r << 4) + 8) : 1;
    // The α-divergence's vector terms read their row's constants from static memory (alpha.ts ALPHA_ROW).
    if (ASC_FEATURE_SIMD && isAlpha(op)) prepareAlphaRow(rowParam);
    const shifted = shifts != 0;
    const shift = shifted ? load<f64>(shifts + (<usize>r << 3)) : 0;
    // The row's Neumaier sums: of the terms, and for sumsDifferences ops of their differences.
    let sum: f64 = 0, compensation: f64 = 0;
    let difference: f64 = 0, differenceCompensation: f64 = 0;
    let i: i32 = 0;
    while (i < cols) {
      // A block [i, end): by the vector path while a whole vector remains, then by the scalar
      // path; also by the scalar path if any of its lanes fails the lane check.
      let end = cols;
      // Row sums for normalisation (SUM), and JSD rows with a power of two on their weights (the
      // scaled JSD at β < 2^-64, rare), take the scalar path: see ops.ts.
      if (ASC_FEATURE_SIMD && op != SUM && rowWeight == 1 && cols - i >= LANES) {
        end = i + min(BLOCK, (cols - i) & ~(LANES - 1));
        const bx = rowX + byteOffset<T>(i), by = rowY + byteOffset<T>(i), bg = rowGrad + byteOffset<T>(i);
        const count = end - i;
        // A row maximum is one of the row's values: exact in T lanes.
        const mx = v128.splat<T>(<T>maxX), my = v128.splat<T>(<T>maxY);
        const lxHi = offsetHi<T>(logSumX), lxLo = offsetLo<T>(logSumX);
        const lyHi = offsetHi<T>(logSumY), lyLo = offsetLo<T>(logSumY);
        const shiftHi = offsetHi<T>(shift), shiftLo = offsetLo<T>(shift);
        const rowParamLanes = v128.splat<T>(<T>rowParam);
        // The JSD's 1 − β, from the f64 β: in f32 lanes β near 1 rounds to 1, its complement not to 0.
        const complementLanes = v128.splat<T>(<T>(1 - rowParam));
        const scaleLanes = v128.splat<T>(<T>scale);
        let acc0 = f64x2.splat(0), acc1 = f64x2.splat(0);
        let check = laneCheckStart(op);
        let differences = f64x2.splat(0), differenceErrors = f64x2.splat(0);
        let j: i32 = 0;
        // Four vectors per iteration: independent chains hide the latency of the log/exp. (Not the
        // α-divergence's: its term is a call of some 450 instructions for two vectors in lockstep,
        // see its loop below; four chains would not fit in the registers.)
        for (; !isAlpha(op) && j + 4 * LANES <= count; j += 4 * LANES) {
          const px = bx + byteOffset<T>(j), py = by + byteOffset<T>(j), g = bg + byteOffset<T>(j);
          const x0 = v128.load(px), x1 = v128.load(px, STRIDE), x2 = v128.load(px, 2 * STRIDE), x3 = v128.load(px, 3 * STRIDE);
          const y0 = second ? v128.load(py) : x0;
          const y1 = second ? v128.load(py, STRIDE) : x1;
          const y2 = second ? v128.load(py, 2 * STRIDE) : x2;
          const y3 = second ? v128.load(py, 3 * STRIDE) : x3;
          check = laneCheckFold<T>(op, laneCheckFold<T>(op, check, x0, y0, rowParamLanes, complementLanes), x1, y1, rowParamLanes, complementLanes);
          check = laneCheckFold<T>(op, laneCheckFold<T>(op, check, x2, y2, rowParamLanes, complementLanes), x3, y3, rowParamLanes, complementLanes);
          const t0 = termVector<T>(op, x0, y0, mx, lxHi, lxLo, my, lyHi, lyLo, shiftHi, shiftLo, shifted, rowParamLanes, complementLanes, scaleLanes, g);
          const t1 = termVector<T>(op, x1, y1, mx, lxHi, lxLo, my, lyHi, lyLo, shiftHi, shiftLo, shifted, rowParamLanes, complementLanes, scaleLanes, g + STRIDE);
          const t2 = termVector<T>(op, x2, y2, mx, lxHi, lxLo, my, lyHi, lyLo, shiftHi, shiftLo, shifted, rowParamLanes, complementLanes, scaleLanes, g + 2 * STRIDE);
          const t3 = termVector<T>(op, x3, y3, mx, lxHi, lxLo, my, lyHi, lyLo, shiftHi, shiftLo, shifted, rowParamLanes, complementLanes, scaleLanes, g + 3 * STRIDE);
          if (sumsDifferences(op)) {
            differenceErrors = foldDifferenceErrors<T>(op, differences, differenceErrors, x0, y0);
            differences = foldDifferenceSums<T>(op, differences, x0, y0);
            differenceErrors = foldDifferenceErrors<T>(op, differences, differenceErrors, x1, y1);
            differences = foldDifferenceSums<T>(op, differences, x1, y1);
            differenceErrors = foldDifferenceErrors<T>(op, differences, differenceErrors, x2, y2);
            differences = foldDifferenceSums<T>(op, differences, x2, y2);
            differenceErrors = foldDifferenceErrors<T>(op, differences, differenceErrors, x3, y3);
            differences = foldDifferenceSums<T>(op, differences, x3, y3);
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
        // The α-divergence's f64 terms two vectors per call, which takes them in lockstep (its f32
        // vectors are two f64 halves already).
        for (; isAlpha(op) && sizeof<T>() == 8 && j + 2 * LANES <= count; j += 2 * LANES) {
          const px = bx + byteOffset<T>(j), py = by + byteOffset<T>(j);
          const x0 = v128.load(px), x1 = v128.load(px, STRIDE), y0 = v128.load(py), y1 = v128.load(py, STRIDE);
          check = laneCheckFold<T>(op, laneCheckFold<T>(op, check, x0, y0, rowParamLanes, complementLanes), x1, y1, rowParamLanes, complementLanes);
          const gradAt = storesGradient ? bg + byteOffset<T>(j) : 0;
          acc0 = v128.add<f64>(acc0, alphaTermPairF64x2(x0, y0, x1, y1, storesGradient, scaleLanes, gradAt));
        }
        for (; j < count; j += LANES) {
          const x0 = v128.load(bx + byteOffset<T>(j));
          const y0 = second ? v128.load(by + byteOffset<T>(j)) : x0;
          check = laneCheckFold<T>(op, check, x0, y0, rowParamLanes, complementLanes);
          const gradAt = storesGradient ? bg + byteOffset<T>(j) : 0;
          const t0 = termVector<T>(op, x0, y0, mx, lxHi, lxLo, my, lyHi, lyLo, shiftHi, shiftLo, shifted, rowParamLanes, complementLanes, scaleLanes, gradAt);
          if (sumsDifferences(op)) {
            differenceErrors = foldDifferenceErrors<T>(op, differences, differenceErrors, x0, y0);
            differences = foldDifferenceSums<T>(op, differences, x0, y0);
          }
          acc0 = addTermsLow<T>(acc0, t0);
          if (sizeof<T>() == 4) acc1 = v128.add<f64>(acc1, promoteHighF32x4(t0));
        }
        if (laneCheckPassed<T>(op, check)) {
          const blockSum = horizontalSumF64x2(v128.add<f64>(acc0, acc1));
          let t = sum + blockSum;
          compensation += neumaierRoundoff(sum, blockSum, t);
          sum = t;
          if (sumsDifferences(op)) {
            // Lane by lane, so that no difference is rounded away before it meets the others.
            let d = f64x2.extract_lane(differences, 0);
            t = difference + d; differenceCompensation += neumaierRoundoff(difference, d, t); difference = t;
            d = f64x2.extract_lane(differences, 1);
            t = difference + d; differenceCompensation += neumaierRoundoff(difference, d, t); difference = t;
            d = f64x2.extract_lane(differenceErrors, 0);
            t = difference + d; differenceCompensation += neumaierRoundoff(difference, d, t); difference = t;
            d = f64x2.extract_lane(differenceErrors, 1);
            t = difference + d; differenceCompensation += neumaierRoundoff(difference, d, t); difference = t;
          }
          i = end;
          continue;
        }
      }
      // The exact scalar path over [i, end), in index order; its sum joins the row's as one value.
      let blockSum: f64 = 0, blockCompensation: f64 = 0;
      for (let j = i; j < end; j++) {
        const xj = <f64>load<T>(rowX + byteOffset<T>(j));
        const yj = second ? <f64>load<T>(rowY + byteOffset<T>(j)) : 0;
        if (!accepts(op, xj) || (second && !accepts(op, yj))) {
          flagInvalidInput();
          continue;
        }
        const gradAt = storesGradient ? rowGrad + byteOffset<T>(j) : 0;
        const term = termWithGradientScalar<T>(op, xj, yj, maxX, logSumX, maxY, logSumY, shift, shifted, rowParam, rowWeight, scale, gradAt);
        if (sumsDifferences(op)) {
          const d = differenceScalar(op, xj, yj);
          const dt = difference + d;
          differenceCompensation += neumaierRoundoff(difference, d, dt);
          difference = dt;
        }
        const t = blockSum + term;
        blockCompensation += neumaierRoundoff(blockSum, term, t);
        blockSum = t;
      }
      const value = compensated(blockSum, blockCompensation);
      const t = sum + value;
      compensation += neumaierRoundoff(sum, value, t);
      sum = t;
      i = end;
    }
    const total = compensated(sum, compensation);
    let value = sumsDifferences(op) ? total + compensated(difference, differenceCompensation) : total;
    // Overflow part-way (lanes may even meet +Infinity and −Infinity): the row again, every term
    // times 2^-64, and the sum times 2^64 (times valueScale: the rescaled sum itself for 2^-64).
    if (!isFinite(value) && !invalidInputStatus()) {
      value = rescaledRowSum<T>(op, rowX, rowY, cols, maxX, logSumX, maxY, logSumY, shift, shifted, rowParam, rowWeight) * (reinterpret<f64>(0x43F0000000000000) * valueScale);
    } else {
      value *= valueScale;
    }
    store<f64>(out + (<usize>r << 3), value);
  }
  return invalidInputStatus();
}
