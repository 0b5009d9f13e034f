/**
 * The per-element terms that row reductions and element-wise kernels sum or store.
 * Each term has three forms: a vector form for the SIMD fast path, the lane test that
 * says where the vector form is exact, and a scalar form that is exact everywhere
 * (special values, subnormals, the scalar build).
 *
 * The op codes and what each op reads and accepts are in ops.ts.
 *
 * Conventions (SciPy's rel_entr): a term with p = 0 is 0 whatever q is; p > 0 with q = 0
 * is +Infinity. In log space the same rules hold for -Infinity.
 */
import {
  expF32x4, expF64x2, klExcessF32x4, klExcessF64x2, klExcessScalar, logPositiveF32x4, logPositiveF64x2,
  logRatioF32x4, logRatioF64x2, logRatioScalar,
} from "./vecmath";
import {
  CROSS_ENTROPY, CROSS_ENTROPY_LOG, ENTROPY, ENTROPY_LOG, EXP_SUM, GRAD_FORWARD_LOG, GRAD_FORWARD_PROB, GRAD_REVERSE_LOG,
  GRAD_REVERSE_PROB, inLogSpace, KL, KL_EXCESS, KL_LOG, SUM, takesLogRatio, usesSecond, writesGradient,
} from "./ops";

/** Stores a gradient element of type T. */
@inline function storeGradient<T>(at: usize, value: f64): void {
  store<T>(at, <T>value);
}

/** The exact scalar value-and-gradient terms (see the GRAD_* codes). */
function gradientTermScalar<T>(op: i32, x: f64, y: f64, offsetX: f64, offsetY: f64, rowParam: f64, scale: f64, gradAt: usize): f64 {
  if (op == GRAD_FORWARD_PROB) {
    storeGradient<T>(gradAt, x == 0 ? 0 : (-x / y) * scale);
    return termScalar(KL, x, y, 0, 0);
  }
  if (op == GRAD_REVERSE_PROB) {
    const ratio = y == 0 ? -Infinity : x == 0 ? Infinity : logRatioScalar(y, x);
    storeGradient<T>(gradAt, (ratio + 1) * scale);
    return termScalar(KL, y, x, 0, 0);
  }
  const a = x - offsetX;
  const b = y - offsetY;
  if (op == GRAD_FORWARD_LOG) {
    storeGradient<T>(gradAt, (Math.exp(b) * rowParam - Math.exp(a)) * scale);
    return termScalar(KL_LOG, x, y, offsetX, offsetY);
  }
  // GRAD_REVERSE_LOG: q·(b − a − c) → 0 as q → 0; +Infinity where p = 0 < q.
  const gradient = b == -Infinity ? 0 : a == -Infinity ? Infinity : Math.exp(b) * (b - a - rowParam);
  storeGradient<T>(gradAt, gradient * scale);
  return termScalar(KL_LOG, y, x, offsetY, offsetX);
}

/**
 * The exact scalar term of any op; gradient ops also store their gradient element at
 * `gradAt`. `offsetX`/`offsetY` shift log-space operands (log-sum-exp per row).
 */
export function termWithGradientScalar<T>(op: i32, x: f64, y: f64, offsetX: f64, offsetY: f64, rowParam: f64, scale: f64, gradAt: usize): f64 {
  return writesGradient(op)
    ? gradientTermScalar<T>(op, x, y, offsetX, offsetY, rowParam, scale, gradAt)
    : termScalar(op, x, y, offsetX, offsetY);
}

/** The exact scalar term. `offsetX`/`offsetY` shift log-space operands (log-sum-exp per row). */
export function termScalar(op: i32, x: f64, y: f64, offsetX: f64, offsetY: f64): f64 {
  if (op == KL) {
    if (x == 0) return 0;
    if (y == 0) return Infinity;
    return x * logRatioScalar(x, y);
  }
  if (op == KL_EXCESS) {
    if (x == 0) return y;
    if (y == 0) return Infinity;
    return klExcessScalar(x, y);
  }
  if (op == ENTROPY) return x == 0 ? 0 : -x * Math.log(x);
  if (op == CROSS_ENTROPY) {
    if (x == 0) return 0;
    return y == 0 ? Infinity : -x * Math.log(y);
  }
  if (op == SUM) return x;
  const a = x - offsetX;
  if (op == EXP_SUM) return Math.exp(a);
  if (a == -Infinity) return 0;
  if (op == ENTROPY_LOG) return -Math.exp(a) * a;
  const b = y - offsetY;
  if (b == -Infinity) return Infinity;
  return op == KL_LOG ? Math.exp(a) * (a - b) : -Math.exp(a) * b;
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

/** Folds one vector of operands into a block's lane check. */
@inline export function laneCheckFold<T>(op: i32, check: v128, x: v128, y: v128): v128 {
  if (!takesLogRatio(op)) return v128.and(check, fastLanes<T>(op, x, y));
  // The ratio's numerator p may be 0 (its term is 0): test 1 in its place.
  const numerator = op == GRAD_REVERSE_PROB ? y : x;
  const denominator = op == GRAD_REVERSE_PROB ? x : y;
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

/**
 * The term for lanes that pass the lane check. Log-space offsets come as a hi/lo pair so
 * that f32 lanes subtract a log-sum-exp without rounding it to f32 first. Gradient ops
 * also store their gradient vector (times `scale`) at `gradAt`.
 */
@inline export function termVector<T>(
  op: i32, x: v128, y: v128, offsetXHi: v128, offsetXLo: v128, offsetYHi: v128, offsetYLo: v128,
  rowParam: v128, scale: v128, gradAt: usize,
): v128 {
  const zero = v128.splat<T>(<T>0);
  const INF = v128.splat<T>(<T>Infinity);
  const NEG_INF = v128.splat<T>(<T>-Infinity);
  if (op == SUM) return x;
  if (op == KL) return klTermVector<T>(x, y);
  if (op == KL_EXCESS) {
    // p = 0: the excess is q.
    const excess = sizeof<T>() == 8 ? klExcessF64x2(x, y) : klExcessF32x4(x, y);
    return v128.bitselect(y, excess, v128.eq<T>(x, zero));
  }
  if (op == ENTROPY) {
    return v128.bitselect(zero, v128.neg<T>(v128.mul<T>(x, logPositive<T>(x))), v128.eq<T>(x, zero));
  }
  if (op == CROSS_ENTROPY) {
    return v128.bitselect(zero, v128.neg<T>(v128.mul<T>(x, logPositive<T>(y))), v128.eq<T>(x, zero));
  }
  if (op == GRAD_FORWARD_PROB) {
    const gradient = v128.bitselect(zero, v128.neg<T>(v128.div<T>(x, y)), v128.eq<T>(x, zero));
    v128.store(gradAt, v128.mul<T>(gradient, scale));
    return klTermVector<T>(x, y);
  }
  if (op == GRAD_REVERSE_PROB) {
    const ratio = sizeof<T>() == 8 ? logRatioF64x2(y, x) : logRatioF32x4(y, x);
    const yIsZero = v128.eq<T>(y, zero);
    const gradient = v128.bitselect(NEG_INF, v128.add<T>(ratio, v128.splat<T>(<T>1)), yIsZero);
    v128.store(gradAt, v128.mul<T>(gradient, scale));
    return v128.bitselect(zero, v128.mul<T>(y, ratio), yIsZero);
  }
  const a = v128.sub<T>(v128.sub<T>(x, offsetXHi), offsetXLo);
  const ea = exp<T>(a);
  if (op == EXP_SUM) return ea;
  const aIsZeroMass = v128.eq<T>(a, NEG_INF);
  if (op == ENTROPY_LOG) return v128.bitselect(zero, v128.neg<T>(v128.mul<T>(ea, a)), aIsZeroMass);
  const b = v128.sub<T>(v128.sub<T>(y, offsetYHi), offsetYLo);
  const bIsZeroMass = v128.eq<T>(b, NEG_INF);
  if (op == GRAD_REVERSE_LOG) {
    // D(Q‖P) with q = e^b: the roles of a and b swap.
    const eb = exp<T>(b);
    const difference = v128.sub<T>(b, a);
    const gradient = v128.bitselect(zero, v128.bitselect(INF, v128.mul<T>(eb, v128.sub<T>(difference, rowParam)), aIsZeroMass), bIsZeroMass);
    v128.store(gradAt, v128.mul<T>(gradient, scale));
    return v128.bitselect(zero, v128.bitselect(INF, v128.mul<T>(eb, difference), aIsZeroMass), bIsZeroMass);
  }
  if (op == GRAD_FORWARD_LOG) {
    const gradient = v128.sub<T>(v128.mul<T>(exp<T>(b), rowParam), ea);
    v128.store(gradAt, v128.mul<T>(gradient, scale));
  }
  let term = op == CROSS_ENTROPY_LOG ? v128.neg<T>(v128.mul<T>(ea, b)) : v128.mul<T>(ea, v128.sub<T>(a, b));
  term = v128.bitselect(INF, term, bIsZeroMass);
  return v128.bitselect(zero, term, aIsZeroMass);
}

/**
 * The element-wise log-ratio (logRatioElements): log(p/q) where the KL term's lane check
 * passes (p = 0 allowed, giving −Infinity), by the same vector log-ratio as the terms.
 */
@inline export function logRatioLanesPass<T>(p: v128, q: v128): bool {
  return laneCheckPassed<T>(KL, laneCheckFold<T>(KL, laneCheckStart(KL), p, q));
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
