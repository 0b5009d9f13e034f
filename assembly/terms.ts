/**
 * The per-element terms that row reductions and element-wise kernels sum or store.
 * Each term has three forms: a vector form for the SIMD fast path, the lane test that
 * says where the vector form is exact, and a scalar form that is exact everywhere
 * (special values, subnormals, the scalar build).
 *
 * The op codes and what each op reads and accepts are in ops.ts. The α-divergence's three forms
 * are in alpha.ts; this file dispatches to them.
 *
 * Conventions (SciPy's rel_entr): a term with p = 0 is 0 whatever q is; p > 0 with q = 0
 * is +Infinity. In log space the same rules hold for -Infinity.
 */
import {
  excessLanesF32x4, excessLanesF64x2, excessPairScalar, expF32x4, expF64x2, expOutOfLine, klExcessGivenF32x4, klExcessGivenF64x2,
  klExcessGivenScalar, klExcessScalar, klSplitF32x4, klSplitF64x2, logPositiveF32x4, logPositiveF64x2, logRatioF32x4,
  logRatioF64x2, logRatioGivenF32x4, logRatioGivenF64x2, logRatioGivenScalar, logRatioScalar,
} from "./vecmath";
import { expm1MinusXSmallF32x4, expm1MinusXSmallF64x2, expm1MinusXSmallScalar } from "./series";
import { subtractOffset } from "./lanes";
import {
  alphaCheckFold, alphaGradientScalar, alphaLogRatio, alphaTermScalar, alphaTermVector, oneWhereZero,
} from "./alpha";
import {
  ALPHA_DIVERGENCE, CROSS_ENTROPY, CROSS_ENTROPY_LOG, ENTROPY, ENTROPY_LOG, EXP_SUM, GRAD_ALPHA_DIVERGENCE, GRAD_FORWARD_EXCESS,
  GRAD_FORWARD_LOG, GRAD_FORWARD_PROB, GRAD_JSD, GRAD_REVERSE_EXCESS, GRAD_REVERSE_LOG, GRAD_REVERSE_PROB, inLogSpace, isAlpha, JSD,
  KL, KL_EXCESS, KL_EXCESS_TERMS, KL_LOG, mixes, SUM, swapsOperands, takesLogRatio, TOTAL_VARIATION, usesSecond, writesGradient,
} from "./ops";

/** Stores a gradient element of type T. */
@inline function storeGradient<T>(at: usize, value: f64): void {
  store<T>(at, <T>value);
}

/**
 * The JSD's term (ops.ts JSD) for p, q ≥ 0 and β ∈ [0, 1]: two KL excesses against m whose
 * differences come from d = p − q, weighted by β·`weight` and (1 − β)·`weight` (`weight` a
 * power of two: see JSD). At β = 0 or 1, m is q or p and the term is 0 (the bracket of weight 0,
 * perhaps infinite, is dropped).
 */
function jsdTermScalar(p: f64, q: f64, beta: f64, weight: f64): f64 {
  if (beta == 0 || beta == 1) return 0;
  const complement = 1 - beta;
  const d = p - q;
  const m = beta * p + complement * q;
  // m = 0: p = q = 0, or both so deep in the subnormals that the term rounds to 0.
  if (m == 0) return 0;
  const fromP = complement * d; // p − m
  const fromQ = -beta * d; // q − m
  // x = 0: x·log(x/m) is 0 and the bracket is −(x − m).
  const weightP = beta * weight, weightQ = complement * weight;
  const a = p == 0 ? -fromP * weightP : klExcessGivenScalar(p, m, fromP, weightP);
  const b = q == 0 ? -fromQ * weightQ : klExcessGivenScalar(q, m, fromQ, weightQ);
  return a + b;
}

/** ∂/∂q of the JSD's term, (1 − β)·log(q/m), with the conventions of ops.ts GRAD_JSD. */
function jsdGradientScalar(p: f64, q: f64, beta: f64): f64 {
  // β = 0: m = q, log(q/m) = 0; β = 1: q has no weight.
  if (beta == 0 || beta == 1) return 0;
  const complement = 1 - beta;
  if (p == 0) return -complement * Math.log1p(-beta);
  if (q == 0) return -Infinity;
  return complement * logRatioGivenScalar(q, beta * p + complement * q, -beta * (p - q));
}

/** The exact scalar value-and-gradient terms (see the GRAD_* codes). */
function gradientTermScalar<T>(
  op: i32, x: f64, y: f64, maxX: f64, logSumX: f64, maxY: f64, logSumY: f64, shift: f64, shifted: bool, rowParam: f64, rowWeight: f64, scale: f64, gradAt: usize,
): f64 {
  if (op == GRAD_JSD) {
    storeGradient<T>(gradAt, jsdGradientScalar(x, y, rowParam) * scale);
    return jsdTermScalar(x, y, rowParam, rowWeight);
  }
  if (op == GRAD_ALPHA_DIVERGENCE) {
    const d = alphaLogRatio(x, y);
    // gradAt = 0: no gradient (the op serves as ALPHA_DIVERGENCE, see ops.ts).
    if (gradAt != 0) storeGradient<T>(gradAt, alphaGradientScalar(x, y, rowParam, d) * scale);
    return alphaTermScalar(x, y, rowParam, d, 1);
  }
  if (op == GRAD_FORWARD_PROB || op == GRAD_FORWARD_EXCESS) {
    storeGradient<T>(gradAt, x == 0 ? 0 : (-x / y) * scale);
    return termScalar(op == GRAD_FORWARD_PROB ? KL : KL_EXCESS, x, y, 0, 0, 0, 0);
  }
  if (op == GRAD_REVERSE_PROB || op == GRAD_REVERSE_EXCESS) {
    // One-sided at q = 0: +Infinity where p = 0 too (the term jumps to +Infinity), else −Infinity.
    const ratio = x == 0 ? Infinity : y == 0 ? -Infinity : logRatioScalar(y, x);
    storeGradient<T>(gradAt, (ratio + 1) * scale);
    return termScalar(op == GRAD_REVERSE_PROB ? KL : KL_EXCESS, y, x, 0, 0, 0, 0);
  }
  const a = (x - maxX) - logSumX;
  const b = (y - maxY) - logSumY;
  if (op == GRAD_FORWARD_LOG) {
    storeGradient<T>(gradAt, (Math.exp(b) * rowParam - Math.exp(a)) * scale);
    return termScalar(KL_LOG, x, y, maxX, logSumX, maxY, logSumY, shift, shifted);
  }
  // GRAD_REVERSE_LOG: q·(b − a − c) → 0 as q → 0 (q = 0 from a finite b too); +Infinity where
  // p = 0 < q; where p = 0 from a finite x more than the largest double below its maximum,
  // q·(b − a) from halved operands (as KL_LOG's d).
  const q = Math.exp(b);
  let gradient = q == 0 ? 0 : q * (b - a - rowParam);
  if (q != 0 && a == -Infinity) {
    const halfDifference = ((0.5 * y - 0.5 * maxY) - 0.5 * logSumY) - ((0.5 * x - 0.5 * maxX) - 0.5 * logSumX);
    gradient = x == -Infinity ? Infinity : (q * halfDifference + q * halfDifference) - q * rowParam;
  }
  storeGradient<T>(gradAt, gradient * scale);
  return termScalar(KL_LOG, y, x, maxY, logSumY, maxX, logSumX, shift, shifted);
}

/**
 * The exact scalar term of any op; gradient ops also store their gradient element at
 * `gradAt`. Log-space operands are shifted by their row's log-sum-exp, given as its maximum
 * and log-sum (`maxX`, `logSumX`, …); `shift` is the log-space KL's per-row shift where
 * `shifted` (see KL_LOG). `gradAt` is 0 where a GRAD_ALPHA_DIVERGENCE writes no gradient.
 */
export function termWithGradientScalar<T>(
  op: i32, x: f64, y: f64, maxX: f64, logSumX: f64, maxY: f64, logSumY: f64, shift: f64, shifted: bool, rowParam: f64, rowWeight: f64, scale: f64, gradAt: usize,
): f64 {
  if (op == JSD) return jsdTermScalar(x, y, rowParam, rowWeight);
  if (op == ALPHA_DIVERGENCE) return alphaTermScalar(x, y, rowParam, alphaLogRatio(x, y), 1);
  return writesGradient(op)
    ? gradientTermScalar<T>(op, x, y, maxX, logSumX, maxY, logSumY, shift, shifted, rowParam, rowWeight, scale, gradAt)
    : termScalar(op, x, y, maxX, logSumX, maxY, logSumY, shift, shifted);
}

/**
 * e^a·g(d), g(d) = e^d − 1 − d, times `s`, for one element of rows normalised by their
 * log-sum-exps (see KL_LOG): xs = x − maxX, ys = y − maxY, a = xs − logSumX, b = ys − logSumY
 * and d = (ys − xs) − shift, the accurate log(q/p). The series below |d| = ½, e^d − 1 − d by
 * expm1 up to d = 700, e^b − e^a·(1 + d) beyond (where e^d alone would overflow). e^b where e^a
 * is 0 (the excess of p = 0 is q; p·d is then below 1e-300), +∞ where y = −∞ (q = 0 < p).
 * Logits more than the largest double apart make d = −∞ for a finite log(q/p): e^a·d is then
 * taken from d/2, from halved operands (exact at such magnitudes).
 */
function klLogExcessScalar(x: f64, y: f64, maxX: f64, logSumX: f64, maxY: f64, logSumY: f64, shift: f64, s: f64): f64 {
  const xs = x - maxX, ys = y - maxY;
  const a = xs - logSumX, b = ys - logSumY;
  if (a == -Infinity) return Math.exp(b) * s;
  if (y == -Infinity) return Infinity;
  const w = Math.exp(a) * s;
  if (w == 0) return Math.exp(b) * s;
  const d = (ys - xs) - shift;
  if (Math.abs(d) < 0.5) return w * expm1MinusXSmallScalar(d);
  if (d == -Infinity) {
    const halfD = ((0.5 * y - 0.5 * maxY) - (0.5 * x - 0.5 * maxX)) - 0.5 * shift;
    return Math.exp(b) * s - w - (w * halfD) * 2;
  }
  return d < 700 ? w * (Math.expm1(d) - d) : Math.exp(b) * s - w * (1 + d);
}

/**
 * The exact scalar term. Log-space operands are shifted by their row's log-sum-exp, taking
 * away the maximum and then the log-sum (a = (x − maxX) − logSumX); KL_LOG with `shifted` takes the excess form with the row's `shift` (see ops.ts). `s`, a power
 * of two, multiplies the term's weight (p, or e^a) before anything that could overflow: the
 * sum of a row that overflowed part-way is taken again with s = 2^-64 (see rescaledRowSum).
 */
export function termScalar(op: i32, x: f64, y: f64, maxX: f64, logSumX: f64, maxY: f64, logSumY: f64, shift: f64 = 0, shifted: bool = false, s: f64 = 1): f64 {
  if (op == KL || op == KL_EXCESS || op == KL_EXCESS_TERMS) {
    if (x == 0) return op == KL_EXCESS_TERMS ? y * s : 0;
    if (y == 0) return Infinity;
    // The excess where p and q are close (never beyond p), the plain term elsewhere (see ops.ts).
    if (op != KL && excessPairScalar(x, y)) return klExcessScalar(x, y) * s;
    const plain = (x * s) * logRatioScalar(x, y);
    return op == KL_EXCESS_TERMS ? plain - (x - y) * s : plain;
  }
  if (op == ENTROPY) return x == 0 ? 0 : -(x * s) * Math.log(x);
  if (op == CROSS_ENTROPY) {
    if (x == 0) return 0;
    return y == 0 ? Infinity : -(x * s) * Math.log(y);
  }
  if (op == SUM) return x * s;
  if (op == TOTAL_VARIATION) return Math.abs(x - y) * s;
  if (op == KL_LOG && shifted) return klLogExcessScalar(x, y, maxX, logSumX, maxY, logSumY, shift, s);
  const a = (x - maxX) - logSumX;
  if (op == EXP_SUM) return Math.exp(a) * s;
  if (a == -Infinity) return 0;
  if (op == ENTROPY_LOG) return -(Math.exp(a) * s) * a;
  const b = (y - maxY) - logSumY;
  if (b == -Infinity) {
    if (y == -Infinity || op == KL_LOG) return Infinity;
    // Logits more than the largest double apart: −b from b/2, from halved operands (as KL_LOG's d).
    return -((Math.exp(a) * s) * (((0.5 * y - 0.5 * maxY) - 0.5 * logSumY))) * 2;
  }
  return op == KL_LOG ? (Math.exp(a) * s) * (a - b) : -(Math.exp(a) * s) * b;
}

/**
 * Σ term over one row again, every weight times 2^-64: for a row whose sum came out infinite or
 * NaN from valid input — a partial sum or a term beyond the largest double, or both signs of
 * such overflow in one row — 2^-64 times the value its exact sum rounds to (the caller
 * multiplies by 2^64: ±Infinity only where that sum is beyond the largest double). Gradient
 * ops give their value's.
 */
export function rescaledRowSum<T>(
  op: i32, rowX: usize, rowY: usize, cols: i32, maxX: f64, logSumX: f64, maxY: f64, logSumY: f64, shift: f64, shifted: bool, rowParam: f64, rowWeight: f64,
): f64 {
  const DOWN = reinterpret<f64>(0x3BF0000000000000); // 2^-64
  const swapped = swapsOperands(op) || op == GRAD_REVERSE_LOG;
  const valueOp = op == GRAD_FORWARD_PROB || op == GRAD_REVERSE_PROB ? KL
    : op == GRAD_FORWARD_EXCESS || op == GRAD_REVERSE_EXCESS ? KL_EXCESS
      : op == GRAD_FORWARD_LOG || op == GRAD_REVERSE_LOG ? KL_LOG : op;
  let sum: f64 = 0, compensation: f64 = 0;
  for (let j: i32 = 0; j < cols; j++) {
    const xj = <f64>load<T>(rowX + (<usize>j << alignof<T>()));
    const yj = usesSecond(op) ? <f64>load<T>(rowY + (<usize>j << alignof<T>())) : 0;
    const p = swapped ? yj : xj, q = swapped ? xj : yj;
    // The JSD's terms are finite for finite input (m never exceeds the larger operand).
    let term = mixes(op) ? jsdTermScalar(p, q, rowParam, rowWeight * DOWN)
      : isAlpha(op) ? alphaTermScalar(p, q, rowParam, alphaLogRatio(p, q), DOWN)
      : swapped ? termScalar(valueOp, p, q, maxY, logSumY, maxX, logSumX, shift, shifted, DOWN)
        : termScalar(valueOp, p, q, maxX, logSumX, maxY, logSumY, shift, shifted, DOWN);
    if (valueOp == KL_EXCESS) term += differenceScalar(KL_EXCESS, p, q) * DOWN;
    const t = sum + term;
    compensation += Math.abs(sum) >= Math.abs(term) ? (sum - t) + term : (term - t) + sum;
    sum = t;
  }
  return isFinite(sum) ? sum + compensation : sum;
}

/**
 * The difference a KL_EXCESS-form op sums beside its terms for one element pair: p − q where
 * its term is the excess, else 0 (p and q are x and y, swapped for the reverse gradient).
 */
export function differenceScalar(op: i32, x: f64, y: f64): f64 {
  const p = swapsOperands(op) ? y : x;
  const q = swapsOperands(op) ? x : y;
  return p != 0 && q != 0 && excessPairScalar(p, q) ? p - q : 0;
}

/** differenceScalar for the lanes of one vector that pass the lane check, in T lanes (exact there). */
@inline export function differenceVector<T>(op: i32, x: v128, y: v128): v128 {
  const p = swapsOperands(op) ? y : x;
  const q = swapsOperands(op) ? x : y;
  const near = sizeof<T>() == 8 ? excessLanesF64x2(p, q) : excessLanesF32x4(p, q);
  return v128.and(v128.sub<T>(p, q), near);
}

/**
 * All-ones in the lanes where termVector<T> is exact; other lanes go to termScalar.
 * Zeros in p stay on the fast path (sparse rows are common), subnormals and the extremes
 * of the exponent range do not. (KL, the hot term, uses the cheaper range check below.)
 */
@inline function fastLanes<T>(op: i32, x: v128, y: v128): v128 {
  const INF = v128.splat<T>(<T>Infinity);
  if (inLogSpace(op)) {
    // −Infinity is handled by selects in termVector; NaN and +Infinity are not.
    const ok = v128.lt<T>(x, INF);
    return usesSecond(op) ? v128.and(ok, v128.lt<T>(y, INF)) : ok;
  }
  const zero = v128.splat<T>(<T>0);
  const minNormal = v128.splat<T>(sizeof<T>() == 8 ? <T>f64.MIN_NORMAL_VALUE : <T>f32.MIN_NORMAL_VALUE);
  if (op == SUM) return v128.and(v128.ge<T>(x, zero), v128.lt<T>(x, INF));
  if (op == TOTAL_VARIATION) {
    return v128.and(v128.and(v128.ge<T>(x, zero), v128.lt<T>(x, INF)), v128.and(v128.ge<T>(y, zero), v128.lt<T>(y, INF)));
  }
  if (op == ENTROPY) {
    return v128.or(v128.and(v128.ge<T>(x, minNormal), v128.lt<T>(x, INF)), v128.eq<T>(x, zero));
  }
  const qNormal = v128.and(v128.ge<T>(y, minNormal), v128.lt<T>(y, INF));
  return v128.and(v128.and(v128.ge<T>(x, zero), v128.lt<T>(x, INF)), qNormal);
}

// The KL range check works on the bits that hold sign and exponent (the high 32 bits of an
// f64, all 32 of an f32): a lane is fast if p ∈ [P_LOW, P_LOW + SPAN) and q ∈ [Q_LOW,
// Q_LOW + SPAN), which one unsigned max per operand tests. p ∈ [2^-1020, 2^1022) keeps q·2^k
// normal in logRatioF64x2; q ∈ [2^-1022, 2^1020) is normal with the same span.
// Negative values, NaN, ±Infinity, zero q and subnormals all fall outside.
const P_LOW_F64: i32 = 0x00300000;
const Q_LOW_F64: i32 = 0x00100000;
const SPAN_F64: i32 = 0x7FA00000;
// f32: p ∈ [2^-124, 2^126), q ∈ [2^-126, 2^124).
const P_LOW_F32: i32 = 0x01800000;
const Q_LOW_F32: i32 = 0x00800000;
const SPAN_F32: i32 = 0x7D000000;

/** The starting value of a block's lane check. */
@inline export function laneCheckStart(op: i32): v128 {
  return takesLogRatio(op) ? i32x4.splat(0) : i64x2.splat(-1);
}

/** m = βp + (1 − β)q of one vector, `beta` and `complement` the weights' lanes. */
@inline function mixtureVector<T>(p: v128, q: v128, beta: v128, complement: v128): v128 {
  return v128.add<T>(v128.mul<T>(beta, p), v128.mul<T>(complement, q));
}

/**
 * The JSD gradient's operands (GRAD_JSD): q, and 1 where p = 0 (the gradient does not depend on
 * q there, and q = 1 gives it as log(1/(1 − β)) for q = 0 too).
 */
@inline function gradientOperand<T>(p: v128, q: v128): v128 {
  return v128.bitselect(v128.splat<T>(<T>1), q, v128.eq<T>(p, v128.splat<T>(<T>0)));
}

/**
 * Folds one vector of operands into a block's lane check. The JSD ops fold their log-ratios
 * x/m and y/m (m = 0 only where x = y = 0, whose term is 0: 1 stands in), with `rowParam` and
 * `complement` the weights' lanes (β, 1 − β); other ops ignore them (the α-divergence's orders
 * are in alpha.ts ALPHA_ROW, see alphaCheckFold).
 */
@inline export function laneCheckFold<T>(op: i32, check: v128, x: v128, y: v128, rowParam: v128, complement: v128): v128 {
  // The α-divergence's: q over p in the log-ratio's range (a zero operand tested as 1), then its own bounds.
  if (isAlpha(op)) return alphaCheckFold<T>(logRatioCheckFold<T>(check, oneWhereZero<T>(y), oneWhereZero<T>(x)), x, y);
  if (mixes(op)) {
    const beta = rowParam;
    const zero = v128.splat<T>(<T>0);
    const m = mixtureVector<T>(x, y, beta, complement);
    const denominator = v128.bitselect(v128.splat<T>(<T>1), m, v128.eq<T>(v128.add<T>(x, y), zero));
    let folded = logRatioCheckFold<T>(logRatioCheckFold<T>(check, x, denominator), y, denominator);
    if (op == GRAD_JSD) {
      const operand = gradientOperand<T>(x, y);
      folded = logRatioCheckFold<T>(folded, operand, mixtureVector<T>(x, operand, beta, complement));
    }
    return folded;
  }
  if (!takesLogRatio(op)) return v128.and(check, fastLanes<T>(op, x, y));
  return swapsOperands(op) ? logRatioCheckFold<T>(check, y, x) : logRatioCheckFold<T>(check, x, y);
}

/** Folds the range check of a log-ratio's operands into a block's check (see P_LOW_F64). */
@inline function logRatioCheckFold<T>(check: v128, numerator: v128, denominator: v128): v128 {
  // The ratio's numerator p may be 0 (its term is 0): test 1 in its place.
  const p = v128.bitselect(v128.splat<T>(<T>1), numerator, v128.eq<T>(numerator, v128.splat<T>(<T>0)));
  const pLow = sizeof<T>() == 8 ? i64x2.splat(<i64>P_LOW_F64 << 32) : i32x4.splat(P_LOW_F32);
  const qLow = sizeof<T>() == 8 ? i64x2.splat(<i64>Q_LOW_F64 << 32) : i32x4.splat(Q_LOW_F32);
  return v128.max<u32>(check, v128.max<u32>(v128.sub<i32>(p, pLow), v128.sub<i32>(denominator, qLow)));
}

/** Whether every lane folded into the check may take the vector path. */
@inline export function laneCheckPassed<T>(op: i32, check: v128): bool {
  if (!takesLogRatio(op)) return v128.all_true<i32>(check);
  if (sizeof<T>() == 4) return v128.all_true<i32>(v128.lt<u32>(check, i32x4.splat(SPAN_F32)));
  // f64: only the high words (lanes 1 and 3) carry the exponents.
  return <u32>i32x4.extract_lane(check, 1) < <u32>SPAN_F64 && <u32>i32x4.extract_lane(check, 3) < <u32>SPAN_F64;
}

@inline function logPositive<T>(x: v128): v128 {
  return sizeof<T>() == 8 ? logPositiveF64x2(x) : logPositiveF32x4(x);
}

@inline function exp<T>(x: v128): v128 {
  return sizeof<T>() == 8 ? expF64x2(x) : expF32x4(x);
}

/** p·log(p/q) for lanes with p = 0 allowed: 0 there. */
@inline function klTermVector<T>(p: v128, q: v128): v128 {
  const zero = v128.splat<T>(<T>0);
  const ratio = sizeof<T>() == 8 ? logRatioF64x2(p, q) : logRatioF32x4(p, q);
  return v128.bitselect(zero, v128.mul<T>(p, ratio), v128.eq<T>(p, zero));
}

@inline function klExcessGiven<T>(p: v128, q: v128, difference: v128): v128 {
  return sizeof<T>() == 8 ? klExcessGivenF64x2(p, q, difference) : klExcessGivenF32x4(p, q, difference);
}

/** The JSD's term (see jsdTermScalar) for lanes that pass the lane check and β ∈ [0, 1]. */
@inline function jsdTermVector<T>(p: v128, q: v128, beta: v128, complement: v128): v128 {
  const zero = v128.splat<T>(<T>0);
  const d = v128.sub<T>(p, q);
  const m = mixtureVector<T>(p, q, beta, complement);
  const fromP = v128.mul<T>(complement, d);
  const fromQ = v128.neg<T>(v128.mul<T>(beta, d));
  const a = v128.bitselect(v128.neg<T>(fromP), klExcessGiven<T>(p, m, fromP), v128.eq<T>(p, zero));
  const b = v128.bitselect(v128.neg<T>(fromQ), klExcessGiven<T>(q, m, fromQ), v128.eq<T>(q, zero));
  return v128.add<T>(v128.mul<T>(beta, a), v128.mul<T>(complement, b));
}

/** The JSD's gradient (see jsdGradientScalar) for lanes that pass GRAD_JSD's lane check. */
@inline function jsdGradientVector<T>(p: v128, q: v128, beta: v128, complement: v128): v128 {
  const zero = v128.splat<T>(<T>0);
  const x = gradientOperand<T>(p, q);
  const m = mixtureVector<T>(p, x, beta, complement);
  const difference = v128.neg<T>(v128.mul<T>(beta, v128.sub<T>(p, x)));
  const ratio = sizeof<T>() == 8 ? logRatioGivenF64x2(x, m, difference) : logRatioGivenF32x4(x, m, difference);
  const gradient = v128.bitselect(v128.splat<T>(<T>-Infinity), v128.mul<T>(complement, ratio), v128.eq<T>(x, zero));
  return v128.bitselect(zero, gradient, v128.eq<T>(complement, zero));
}

/** KL_EXCESS's term (p = 0 gives 0; the excess lanes' p − q is differenceVector's). */
@inline function klSplitVector<T>(p: v128, q: v128): v128 {
  const zero = v128.splat<T>(<T>0);
  const split = sizeof<T>() == 8 ? klSplitF64x2(p, q) : klSplitF32x4(p, q);
  return v128.bitselect(zero, split, v128.eq<T>(p, zero));
}

/** KL_EXCESS_TERMS's term p·log(p/q) − (p − q) in every lane (q where p = 0). */
@inline function klExcessVector<T>(p: v128, q: v128): v128 {
  const split = sizeof<T>() == 8 ? klSplitF64x2(p, q) : klSplitF32x4(p, q);
  const near = sizeof<T>() == 8 ? excessLanesF64x2(p, q) : excessLanesF32x4(p, q);
  const excess = v128.bitselect(split, v128.sub<T>(split, v128.sub<T>(p, q)), near);
  return v128.bitselect(q, excess, v128.eq<T>(p, v128.splat<T>(<T>0)));
}

/**
 * The log-space KL term e^a·(a − b) (plain) or e^a·g(d) (`shifted`, see KL_LOG), with ea = e^a,
 * eb = e^b and d the accurate log(q/p): +∞ where b = −∞ < a; where a = −∞, 0 (plain) or e^b
 * (shifted: the excess of p = 0 is q). The excess is e^a times the series below |d| = ½ and
 * e^b − e^a·(1 + d) above, both ≥ 0; it is e^b where e^a underflows to 0 (p·d is then below
 * 1e-300, and d itself may be infinite for logits ±1e308 apart).
 */
@inline function klLogVector<T>(a: v128, ea: v128, b: v128, eb: v128, d: v128, shifted: bool): v128 {
  let term = shifted ? klLogExcessVector<T>(ea, eb, d) : v128.mul<T>(ea, v128.sub<T>(a, b));
  const NEG_INF = v128.splat<T>(<T>-Infinity);
  if (shifted) term = v128.bitselect(eb, term, v128.eq<T>(ea, v128.splat<T>(<T>0)));
  term = v128.bitselect(v128.splat<T>(<T>Infinity), term, v128.eq<T>(b, NEG_INF));
  return v128.bitselect(shifted ? eb : v128.splat<T>(<T>0), term, v128.eq<T>(a, NEG_INF));
}

// Out of line, unlike the other terms: the excess form's series would otherwise be inlined into
// every unrolled vector of three ops (KL_LOG and its gradients) in both element types, where it
// took the SIMD module from 113 to 167 kB; one call per vector costs little beside its two exps.

/** e^a·(e^d − 1 − d) with ea = e^a and eb = e^b = e^(a + d): the series below |d| = ½, e^b − e^a·(1 + d) above. */
function klLogExcessVector<T>(ea: v128, eb: v128, d: v128): v128 {
  const small = v128.lt<T>(v128.abs<T>(d), v128.splat<T>(<T>0.5));
  const series = sizeof<T>() == 8 ? expm1MinusXSmallF64x2(d) : expm1MinusXSmallF32x4(d);
  const large = v128.sub<T>(eb, v128.mul<T>(ea, v128.add<T>(v128.splat<T>(<T>1), d)));
  return v128.bitselect(v128.mul<T>(ea, series), large, small);
}

/**
 * The term for lanes that pass the lane check. Log-space operands lose their row's maximum,
 * then its log-sum; log-sums and shifts come as hi/lo pairs so that f32 lanes subtract them
 * without rounding them to f32 first. Gradient ops
 * also store their gradient vector (times `scale`) at `gradAt` (GRAD_ALPHA_DIVERGENCE: unless
 * it is 0). The JSD ops read β from
 * `rowParam` and 1 − β, rounded once from the f64 β, from `complement`; the α-divergence's
 * read α from alpha.ts ALPHA_ROW (prepareAlphaRow).
 */
@inline export function termVector<T>(
  op: i32, x: v128, y: v128, maxX: v128, logSumXHi: v128, logSumXLo: v128, maxY: v128, logSumYHi: v128, logSumYLo: v128,
  shiftHi: v128, shiftLo: v128, shifted: bool, rowParam: v128, complement: v128, scale: v128, gradAt: usize,
): v128 {
  const zero = v128.splat<T>(<T>0);
  const INF = v128.splat<T>(<T>Infinity);
  const NEG_INF = v128.splat<T>(<T>-Infinity);
  if (op == SUM) return x;
  if (op == TOTAL_VARIATION) return v128.abs<T>(v128.sub<T>(x, y));
  if (isAlpha(op)) return alphaTermVector<T>(x, y, op == GRAD_ALPHA_DIVERGENCE && gradAt != 0, scale, gradAt);
  if (op == JSD) return jsdTermVector<T>(x, y, rowParam, complement);
  if (op == GRAD_JSD) {
    v128.store(gradAt, v128.mul<T>(jsdGradientVector<T>(x, y, rowParam, complement), scale));
    return jsdTermVector<T>(x, y, rowParam, complement);
  }
  if (op == KL) return klTermVector<T>(x, y);
  if (op == KL_EXCESS) return klSplitVector<T>(x, y);
  if (op == KL_EXCESS_TERMS) return klExcessVector<T>(x, y);
  if (op == ENTROPY) {
    return v128.bitselect(zero, v128.neg<T>(v128.mul<T>(x, logPositive<T>(x))), v128.eq<T>(x, zero));
  }
  if (op == CROSS_ENTROPY) {
    return v128.bitselect(zero, v128.neg<T>(v128.mul<T>(x, logPositive<T>(y))), v128.eq<T>(x, zero));
  }
  if (op == GRAD_FORWARD_PROB || op == GRAD_FORWARD_EXCESS) {
    const gradient = v128.bitselect(zero, v128.neg<T>(v128.div<T>(x, y)), v128.eq<T>(x, zero));
    v128.store(gradAt, v128.mul<T>(gradient, scale));
    return op == GRAD_FORWARD_PROB ? klTermVector<T>(x, y) : klSplitVector<T>(x, y);
  }
  if (op == GRAD_REVERSE_PROB || op == GRAD_REVERSE_EXCESS) {
    const ratio = sizeof<T>() == 8 ? logRatioF64x2(y, x) : logRatioF32x4(y, x);
    const yIsZero = v128.eq<T>(y, zero);
    const gradient = v128.bitselect(NEG_INF, v128.add<T>(ratio, v128.splat<T>(<T>1)), yIsZero);
    v128.store(gradAt, v128.mul<T>(gradient, scale));
    return op == GRAD_REVERSE_PROB ? v128.bitselect(zero, v128.mul<T>(y, ratio), yIsZero) : klSplitVector<T>(y, x);
  }
  const xs = v128.sub<T>(x, maxX);
  const a = subtractOffset<T>(xs, logSumXHi, logSumXLo);
  const ea = exp<T>(a);
  if (op == EXP_SUM) return ea;
  const aIsZeroMass = v128.eq<T>(a, NEG_INF);
  if (op == ENTROPY_LOG) return v128.bitselect(zero, v128.neg<T>(v128.mul<T>(ea, a)), aIsZeroMass);
  const ys = v128.sub<T>(y, maxY);
  const b = subtractOffset<T>(ys, logSumYHi, logSumYLo);
  const bIsZeroMass = v128.eq<T>(b, NEG_INF);
  if (op == CROSS_ENTROPY_LOG) {
    return v128.bitselect(zero, v128.bitselect(INF, v128.neg<T>(v128.mul<T>(ea, b)), bIsZeroMass), aIsZeroMass);
  }
  // The KL ops: e^b is needed by the gradients and by the shifted term (KL_LOG: only there, out of line).
  const eb = op != KL_LOG ? exp<T>(b) : shifted ? expOutOfLine<T>(b) : zero;
  if (op == GRAD_REVERSE_LOG) {
    // D(Q‖P) with q = e^b: the roles of a and b swap, and so do the shift's.
    const d = shifted ? subtractOffset<T>(v128.sub<T>(xs, ys), shiftHi, shiftLo) : zero;
    const difference = v128.sub<T>(b, a);
    // p = 0 (x = −∞): +∞. p = 0 from a finite x more than the largest double below its maximum:
    // q·(b − a) from halved operands, as KL_LOG's d. q = 0, also where e^b underflows: 0.
    const half = v128.splat<T>(<T>0.5);
    const halfA = subtractOffset<T>(v128.sub<T>(v128.mul<T>(half, x), v128.mul<T>(half, maxX)), v128.mul<T>(half, logSumXHi), v128.mul<T>(half, logSumXLo));
    const halfB = subtractOffset<T>(v128.sub<T>(v128.mul<T>(half, y), v128.mul<T>(half, maxY)), v128.mul<T>(half, logSumYHi), v128.mul<T>(half, logSumYLo));
    const fromHalves = v128.sub<T>(v128.add<T>(v128.mul<T>(eb, v128.sub<T>(halfB, halfA)), v128.mul<T>(eb, v128.sub<T>(halfB, halfA))), v128.mul<T>(eb, rowParam));
    const beyond = v128.bitselect(INF, fromHalves, v128.eq<T>(x, NEG_INF));
    const gradient = v128.bitselect(zero, v128.bitselect(beyond, v128.mul<T>(eb, v128.sub<T>(difference, rowParam)), aIsZeroMass), v128.eq<T>(eb, zero));
    v128.store(gradAt, v128.mul<T>(gradient, scale));
    return klLogVector<T>(b, eb, a, ea, d, shifted);
  }
  if (op == GRAD_FORWARD_LOG) {
    const gradient = v128.sub<T>(v128.mul<T>(eb, rowParam), ea);
    v128.store(gradAt, v128.mul<T>(gradient, scale));
  }
  const d = shifted ? subtractOffset<T>(v128.sub<T>(ys, xs), shiftHi, shiftLo) : zero;
  return klLogVector<T>(a, ea, b, eb, d, shifted);
}

/**
 * The element-wise log-ratio (logRatioElements): log(p/q) where the KL term's lane check
 * passes (p = 0 allowed, giving −Infinity), by the same vector log-ratio as the terms.
 */
@inline export function logRatioLanesPass<T>(p: v128, q: v128): bool {
  const none = v128.splat<T>(<T>0);
  return laneCheckPassed<T>(KL, laneCheckFold<T>(KL, laneCheckStart(KL), p, q, none, none));
}

@inline export function logRatioVector<T>(p: v128, q: v128): v128 {
  const ratio = sizeof<T>() == 8 ? logRatioF64x2(p, q) : logRatioF32x4(p, q);
  return v128.bitselect(v128.splat<T>(<T>-Infinity), ratio, v128.eq<T>(p, v128.splat<T>(<T>0)));
}

/**
 * The exact scalar log(p/q) for every p and q: −Infinity where p = 0 (whatever q), +Infinity
 * where q = 0 < p, NaN for negative or NaN operands and for p = q = +Infinity.
 */
export function logRatioElementScalar(p: f64, q: f64): f64 {
  if (p == 0) return -Infinity;
  if (!(p > 0 && q >= 0)) return NaN;
  if (q == 0) return Infinity;
  return logRatioScalar(p, q);
}
