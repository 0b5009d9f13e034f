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
  expF32x4, expF64x2, klExcessF32x4, klExcessF64x2, klExcessGivenF32x4, klExcessGivenF64x2, klExcessGivenScalar,
  klExcessScalar, logPositiveF32x4, logPositiveF64x2, logRatioF32x4, logRatioF64x2, logRatioGivenF32x4,
  logRatioGivenF64x2, logRatioGivenScalar, logRatioScalar,
} from "./vecmath";
import {
  CROSS_ENTROPY, CROSS_ENTROPY_LOG, ENTROPY, ENTROPY_LOG, EXP_SUM, GRAD_FORWARD_LOG, GRAD_FORWARD_PROB, GRAD_JSD,
  GRAD_REVERSE_LOG, GRAD_REVERSE_PROB, inLogSpace, JSD, KL, KL_EXCESS, KL_LOG, mixes, SUM, takesLogRatio, usesSecond,
  writesGradient,
} from "./ops";

/** Stores a gradient element of type T. */
@inline function storeGradient<T>(at: usize, value: f64): void {
  store<T>(at, <T>value);
}

/**
 * The JSD's term (ops.ts JSD) for p, q ≥ 0 and β ∈ [0, 1]: two KL excesses against m whose
 * differences come from d = p − q. At β = 0 or 1, m is q or p and the term is 0 (the bracket
 * of weight 0, perhaps infinite, is dropped).
 */
function jsdTermScalar(p: f64, q: f64, beta: f64): f64 {
  if (beta == 0 || beta == 1) return 0;
  const complement = 1 - beta;
  const d = p - q;
  const m = beta * p + complement * q;
  // m = 0: p = q = 0, or both so deep in the subnormals that the term rounds to 0.
  if (m == 0) return 0;
  const fromP = complement * d; // p − m
  const fromQ = -beta * d; // q − m
  // x = 0: x·log(x/m) is 0 and the bracket is −(x − m).
  const a = p == 0 ? -fromP : klExcessGivenScalar(p, m, fromP);
  const b = q == 0 ? -fromQ : klExcessGivenScalar(q, m, fromQ);
  return beta * a + complement * b;
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
function gradientTermScalar<T>(op: i32, x: f64, y: f64, offsetX: f64, offsetY: f64, rowParam: f64, scale: f64, gradAt: usize): f64 {
  if (op == GRAD_JSD) {
    storeGradient<T>(gradAt, jsdGradientScalar(x, y, rowParam) * scale);
    return jsdTermScalar(x, y, rowParam);
  }
  if (op == GRAD_FORWARD_PROB) {
    storeGradient<T>(gradAt, x == 0 ? 0 : (-x / y) * scale);
    return termScalar(KL, x, y, 0, 0);
  }
  if (op == GRAD_REVERSE_PROB) {
    // One-sided at q = 0: +Infinity where p = 0 too (the term jumps to +Infinity), else −Infinity.
    const ratio = x == 0 ? Infinity : y == 0 ? -Infinity : logRatioScalar(y, x);
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
  if (op == JSD) return jsdTermScalar(x, y, rowParam);
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
 * x/m and y/m (m = 0 only where x = y = 0, whose term is 0: 1 stands in), with `beta` and
 * `complement` the weights' lanes; other ops ignore them.
 */
@inline export function laneCheckFold<T>(op: i32, check: v128, x: v128, y: v128, beta: v128, complement: v128): v128 {
  if (mixes(op)) {
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
  return op == GRAD_REVERSE_PROB ? logRatioCheckFold<T>(check, y, x) : logRatioCheckFold<T>(check, x, y);
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

/**
 * The term for lanes that pass the lane check. Log-space offsets come as a hi/lo pair so
 * that f32 lanes subtract a log-sum-exp without rounding it to f32 first. Gradient ops
 * also store their gradient vector (times `scale`) at `gradAt`. The JSD ops read β from
 * `rowParam` and 1 − β, rounded once from the f64 β, from `complement`.
 */
@inline export function termVector<T>(
  op: i32, x: v128, y: v128, offsetXHi: v128, offsetXLo: v128, offsetYHi: v128, offsetYLo: v128,
  rowParam: v128, complement: v128, scale: v128, gradAt: usize,
): v128 {
  const zero = v128.splat<T>(<T>0);
  const INF = v128.splat<T>(<T>Infinity);
  const NEG_INF = v128.splat<T>(<T>-Infinity);
  if (op == SUM) return x;
  if (op == JSD) return jsdTermVector<T>(x, y, rowParam, complement);
  if (op == GRAD_JSD) {
    v128.store(gradAt, v128.mul<T>(jsdGradientVector<T>(x, y, rowParam, complement), scale));
    return jsdTermVector<T>(x, y, rowParam, complement);
  }
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
