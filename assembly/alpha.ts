/**
 * Amari's α-divergence term and its gradient by q (ops.ts ALPHA_DIVERGENCE, GRAD_ALPHA_DIVERGENCE),
 * in the three forms terms.ts dispatches to: the vector form for the SIMD fast path, the lane
 * check that says where it is exact, and the exact scalar form (special values, subnormals,
 * orders far from [0, 1], the scalar build). With d = log(q/p) and β = 1 − α the term is
 * p·f(d), f(d) = [α + β·e^d − e^(βd)]/(αβ), that is [αp + βq − p^α q^β]/(αβ), and its gradient
 * by q is (1 − (p/q)^α)/α.
 *
 * Sources: S. Amari, Differential-Geometrical Methods in Statistics (Springer, 1985), the
 * α-divergence; T. Minka, Divergence measures and message passing (MSR-TR-2005-173), eq. 5, the
 * form above for unnormalised p and q.
 */
import { expOutOfLine, logRatioF64x2, logRatioScalar } from "./vecmath";
import { amariCoefficients, amariSeriesScalar, EXPM1_TAYLOR, expm1MinusXScalar, polynomial16F64x2 } from "./series";
import { mulAdd, promoteHighF32x4 } from "./lanes";

// The exact scalar form.

/**
 * expm1(c·x)/c, and x at c = 0: no division by an order that is 0 (the reference's expm1Over).
 * Also x where c·x is 0 (x = 0, or c·x below the subnormals), where expm1(y)/y would be 0/0.
 */
function expm1OverScalar(x: f64, c: f64): f64 {
  const y = c * x;
  if (y == 0) return x;
  return Math.abs(y) < 1 ? x * (Math.expm1(y) / y) : Math.expm1(y) / c;
}

/** The α-divergence's d = log(q/p) where p, q > 0 (0 elsewhere: its terms there do not read it). */
export function alphaLogRatio(p: f64, q: f64): f64 {
  return p > 0 && q > 0 ? logRatioScalar(q, p) : 0;
}

/**
 * Amari's term (ops.ts ALPHA_DIVERGENCE) times `s`, for p, q ≥ 0, a finite α and d = log(q/p)
 * (alphaLogRatio), as the reference takes it (src/engines/reference/alpha.ts amariTerm), in one
 * of three forms of p·f(d), each free of cancellation where it is taken: near d = 0 the series;
 * for orders far from [0, 1] (|β| > 1.5) and |d| ≤ 1, [β·p·g(d) − p·g(βd)]/(αβ) with
 * g(x) = e^x − 1 − x, whose parts have one sign there; elsewhere, with u = p^α q^β = p·e^(βd)
 * (so u·e^(αd) = q), u·expm1(αd)/α − p·expm1(βd)/β, each part as d·expm1(c·d)/(c·d) below
 * |c·d| = 1, where the order c may be 0, and as (q − u)/α, (u − p)/β above. `s`, a power of
 * two, goes in before anything that could overflow (see rescaledRowSum): the term is
 * homogeneous of degree 1.
 */
export function alphaTermScalar(p: f64, q: f64, alpha: f64, d: f64, s: f64): f64 {
  const beta = 1 - alpha;
  if (p == 0) return q == 0 ? 0 : alpha > 0 ? (q * s) / alpha : Infinity;
  if (q == 0) return beta > 0 ? (p * s) / beta : Infinity;
  const ps = p * s;
  if (Math.abs(d) * Math.max(1, Math.abs(beta)) <= 0.5) return ps * amariSeriesScalar(d, beta);
  // u from logarithms where p·e^(βd) overflows or underflows on the way.
  let u = p * Math.exp(beta * d);
  if (!(u > 0 && u < Infinity)) u = Math.exp(Math.log(p) + beta * d);
  let us = u * s;
  if (u == Infinity) {
    // +Infinity, as the reference's term, unless the row is being rescaled: u·s may be finite,
    // and so may the term (αp + βq − u may cancel where p and q are near the largest double).
    if (s == 1) return Infinity;
    us = Math.exp((Math.log(p) + beta * d) + Math.log(s));
    if (us == Infinity) return Infinity;
  }
  if (Math.abs(beta) > 1.5 && Math.abs(d) <= 1) {
    // p·g(βd) = (u − p) − p·βd: u from logarithms where e^(βd) alone would overflow.
    const pgBeta = Math.abs(beta * d) < 0.5 ? ps * expm1MinusXScalar(beta * d) : (us - ps) - ps * (beta * d);
    return (beta * (ps * expm1MinusXScalar(d)) - pgBeta) / (alpha * beta);
  }
  const fromU = Math.abs(alpha * d) < 1 ? us * expm1OverScalar(d, alpha) : (q * s - us) / alpha;
  const fromP = Math.abs(beta * d) < 1 ? ps * expm1OverScalar(d, beta) : (us - ps) / beta;
  return fromU - fromP;
}

/** ∂/∂q of Amari's term, −expm1(−αd)/α, with the conventions of ops.ts GRAD_ALPHA_DIVERGENCE. */
export function alphaGradientScalar(p: f64, q: f64, alpha: f64, d: f64): f64 {
  if (p == 0) return alpha > 0 ? 1 / alpha : Infinity;
  if (q == 0) return alpha >= 0 ? -Infinity : 1 / alpha;
  return -expm1OverScalar(-d, alpha);
}

// The row's constants.

// The α-divergence's row constants for its vector terms, written by prepareAlphaRow: the 16
// coefficients of Amari's series (amariCoefficients), then α, β, their inverses (the term
// multiplies by them rather than dividing: a division has several times a multiplication's
// latency), max(1, |β|) (the series' bound) and, as two f32, the lane check's factor from steps of
// exponent bits to |d|·max(|α|, |β|) for f64 and for f32 elements (+∞ past ALPHA_ORDER_MAX).
const ALPHA_ROW = memory.data(22 * 8, 16);
const ALPHA: usize = 16 * 8;
const BETA: usize = 17 * 8;
const INVERSE_ALPHA: usize = 18 * 8;
const INVERSE_BETA: usize = 19 * 8;
const SERIES_SCALE: usize = 20 * 8;
const STEP_F64: usize = 21 * 8;
const STEP_F32: usize = 21 * 8 + 4;

/** Writes ALPHA_ROW for a row's order α, before its vector terms are taken. */
export function prepareAlphaRow(alpha: f64): void {
  const beta = 1 - alpha;
  amariCoefficients(beta, ALPHA_ROW);
  store<f64>(ALPHA_ROW + ALPHA, alpha);
  store<f64>(ALPHA_ROW + BETA, beta);
  store<f64>(ALPHA_ROW + INVERSE_ALPHA, 1 / alpha);
  store<f64>(ALPHA_ROW + INVERSE_BETA, 1 / beta);
  store<f64>(ALPHA_ROW + SERIES_SCALE, max(1, Math.abs(beta)));
  const order = max(Math.abs(alpha), Math.abs(beta));
  store<f32>(ALPHA_ROW + STEP_F64, order <= ALPHA_ORDER_MAX ? <f32>(order * LN2_PER_STEP_F64) : Infinity);
  store<f32>(ALPHA_ROW + STEP_F32, order <= ALPHA_ORDER_MAX ? <f32>(order * LN2_PER_STEP_F32) : Infinity);
}

// The lane check.

// The α-divergence's lane check (alphaCheckFold). Nonzero operands below 2^-896 (f64) or 2^-64
// (f32) take the scalar path: the term of near operands is about p·d²/2, with d as small as an
// ulp, which below them falls into the subnormals. (The high word of 2^-896; the bits of 2^-64.)
const ALPHA_LOW_F64: i32 = 0x07F00000;
const ALPHA_LOW_F32: i32 = 0x1F800000;
// ln 2 per unit of the exponent bits' difference: of an f64's high word (2^20 a binade), of an f32 (2^23).
const LN2_PER_STEP_F64: f64 = 0.6931471805599453 / 1048576.0;
const LN2_PER_STEP_F32: f64 = 0.6931471805599453 / 8388608.0;
// Rows whose larger order |α| or |β| passes ALPHA_ORDER_MAX take the scalar path: beyond it the
// vector form's two parts may cancel more than 4·ALPHA_ORDER_MAX-fold just outside the series
// (the scalar form has a third form there). So do lanes where the estimate of |d|·max(|α|, |β|)
// passes ALPHA_EXPONENT_F64 (F32). The estimate is within 0.0861·ln 2 of |d| (see
// ratioExponentF64x2), so |αd| and |βd| stay below 128 + 16·0.06 (f64) and 640 + 16·0.06 < 700
// (f32, computed in f64): e^(±αd) is finite and normal. An error ε in d is one of about |αd|·ε
// in e^(−αd): f64 lanes stop at 128 to stay within 1e-13 of the reference's (scalar) term,
// which takes its own d and exponential (at 640 they differed by up to 1.5e-13).
const ALPHA_ORDER_MAX: f64 = 16;
const ALPHA_EXPONENT_F64: f32 = 128;
const ALPHA_EXPONENT_F32: f32 = 640;

/** x with 1 in its zero lanes: the α term's operands where the other's zero sets the term (see alphaTermF64x2). */
@inline export function oneWhereZero<T>(x: v128): v128 {
  return v128.bitselect(v128.splat<T>(<T>1), x, v128.eq<T>(x, v128.splat<T>(<T>0)));
}

/**
 * Folds the α-divergence's operands into a block's check (takesLogRatio's form), the row's
 * constants in ALPHA_ROW. The caller has folded in the log-ratio's range of q over p, each
 * tested as 1 where it is 0 (terms.ts laneCheckFold; the other is tested as itself: NaN beside
 * a 0 still fails). A lane passes where, besides, p and q are each 0 or above ALPHA_LOW, and
 * where |d|·max(|α|, |β|), estimated from the difference of the operands' exponent bits, keeps
 * the exponentials e^(±αd), e^(βd) in range. (An f64's high words are lanes 1 and 3: only those
 * count, see terms.ts laneCheckPassed.)
 */
@inline export function alphaCheckFold<T>(check: v128, p: v128, q: v128): v128 {
  const zero = v128.splat<T>(<T>0);
  const p1 = oneWhereZero<T>(p), q1 = oneWhereZero<T>(q);
  const low = sizeof<T>() == 8 ? i64x2.splat(<i64>ALPHA_LOW_F64 << 32) : i32x4.splat(ALPHA_LOW_F32);
  const folded = v128.max<u32>(check, v128.max<u32>(v128.sub<i32>(p1, low), v128.sub<i32>(q1, low)));
  // Lanes with a zero operand have no d: 0 steps.
  const steps = v128.andnot(v128.sub<i32>(q1, p1), v128.or(v128.eq<T>(p, zero), v128.eq<T>(q, zero)));
  const perStep = v128.load32_splat(ALPHA_ROW + (sizeof<T>() == 8 ? STEP_F64 : STEP_F32));
  const estimate = v128.mul<f32>(v128.abs<f32>(f32x4.convert_i32x4_s(steps)), perStep);
  const far = v128.not(v128.le<f32>(estimate, f32x4.splat(sizeof<T>() == 8 ? ALPHA_EXPONENT_F64 : ALPHA_EXPONENT_F32)));
  return v128.max<u32>(folded, far);
}

// The vector form.

/** E(y) = expm1(y)/y for |y| < ½, f64 lanes (see EXPM1_TAYLOR). */
@inline function expm1OverXSmallF64x2(y: v128): v128 {
  return mulAdd<f64>(y, polynomial16F64x2(y, EXPM1_TAYLOR), f64x2.splat(1));
}

/** Amari's series near d = 0 (|d|·max(1, |β|) ≤ ½): p·d²·Σ c_i·d^i, the c_i in ALPHA_ROW. */
@inline function seriesTermF64x2(p: v128, d: v128): v128 {
  return v128.mul<f64>(v128.mul<f64>(p, v128.mul<f64>(d, d)), polynomial16F64x2(d, ALPHA_ROW));
}

/**
 * The term where p or q is 0 (`p1` and `q1` hold 1 there): q = 0 < p: p/β for β > 0, else +∞;
 * p = 0: q/α for α > 0, else +∞, and 0 where q = 0 too. Other lanes keep `term`.
 */
@inline function zeroOperandTermsF64x2(term: v128, p1: v128, q1: v128, pIsZero: v128, qIsZero: v128): v128 {
  const INF = f64x2.splat(Infinity), zero = f64x2.splat(0);
  const beta = v128.load64_splat(ALPHA_ROW + BETA);
  const alphaPositive = v128.gt<f64>(v128.load64_splat(ALPHA_ROW + ALPHA), zero);
  const fromP = v128.bitselect(v128.mul<f64>(p1, v128.load64_splat(ALPHA_ROW + INVERSE_BETA)), INF, v128.gt<f64>(beta, zero));
  const fromQ = v128.bitselect(v128.mul<f64>(q1, v128.load64_splat(ALPHA_ROW + INVERSE_ALPHA)), INF, alphaPositive);
  return v128.bitselect(v128.andnot(fromQ, qIsZero), v128.bitselect(fromP, term, qIsZero), pIsZero);
}

/**
 * Stores the gradient g times `scale` at `at`, as two f64 or (`asF32`) two f32, with its values
 * where an operand is 0 (if `anyZero`): q = 0 < p: −∞ for α ≥ 0, 1/α below; p = 0: 1/α for
 * α > 0, else +∞.
 */
@inline function storeGradientF64x2(g: v128, pIsZero: v128, qIsZero: v128, anyZero: bool, scale: v128, at: usize, asF32: bool): void {
  let byQ = g;
  if (anyZero) {
    const zero = f64x2.splat(0);
    const alpha = v128.load64_splat(ALPHA_ROW + ALPHA), inverseAlpha = v128.load64_splat(ALPHA_ROW + INVERSE_ALPHA);
    byQ = v128.bitselect(v128.bitselect(f64x2.splat(-Infinity), inverseAlpha, v128.ge<f64>(alpha, zero)), byQ, qIsZero);
    byQ = v128.bitselect(v128.bitselect(inverseAlpha, f64x2.splat(Infinity), v128.gt<f64>(alpha, zero)), byQ, pIsZero);
  }
  byQ = v128.mul<f64>(byQ, scale);
  if (asF32) v128.store64_lane(at, f32x4.demote_f64x2_zero(byQ), 0);
  else v128.store(at, byQ);
}

// What alphaTermsF64x2 returns: the first vector's term alone, the two vectors' terms added (f64
// elements), or both rounded to f32 and packed (the two halves of an f32 vector).
const FIRST_TERM: i32 = 0;
const TERMS_ADDED: i32 = 1;
const TERMS_F32: i32 = 2;

// Out of line, as terms.ts klLogExcessVector: the α-divergence's term holds a log-ratio, an
// exponential and three series; inlined into every vector it would grow the module by several
// times what one call per two vectors costs. The series and the exponential are calls of their
// own (inlined, the series made the module 1 kB larger and the term no faster; the exponential
// 0.2 kB gzipped, for nothing measurable). Taking two vectors in lockstep brought the term from
// 30 to 21 ns/element (f64, n = 10⁶, operands far apart); skipping the forms no lane takes, to
// 11 for near operands; E(αd) standing for E(βd) at α = ½, to 19 there.

/**
 * Amari's terms (ops.ts ALPHA_DIVERGENCE) of two f64x2 vectors A and B in lockstep (their two
 * chains of dependent operations hide each other's latency), for lanes that pass
 * alphaCheckFold, the row's constants in ALPHA_ROW; `withGradient`, the gradients by q times
 * `scale` stored at `gradAtA` and `gradAtB` (as f32 for TERMS_F32). Returns them as `form` says.
 *
 * With d = log(q/p) (the accurate log-ratio), v = e^(−αd) = (p/q)^α and u = q·v = p^α q^β, the
 * gradient is g = (1 − v)/α = d·v·E(αd), E(y) = expm1(y)/y, and the term (homogeneous of degree
 * 1 in p and q: q·∂/∂q + p·∂/∂p) is q·g − p·(e^(βd) − 1)/β, that is u·expm1(αd)/α −
 * p·expm1(βd)/β: each part as d·E(c·d) below |c·d| = ½, where the order c may be 0, and as a
 * quotient by c above; near d = 0 (|d|·max(1, |β|) ≤ ½), where those parts cancel, the series
 * instead. Each form is computed only if a lane of A or B takes it, and the lanes select: nearly
 * equal rows skip the exponential and E (where no gradient is wanted), rows far apart the series
 * wherever no lane is near, rows without zeros the zero operands' selects.
 */
function alphaTermsF64x2(
  pA: v128, qA: v128, pB: v128, qB: v128, form: i32, withGradient: bool, scale: v128, gradAtA: usize, gradAtB: usize,
): v128 {
  const zero = f64x2.splat(0), one = f64x2.splat(1), half = f64x2.splat(0.5);
  const pAIsZero = v128.eq<f64>(pA, zero), qAIsZero = v128.eq<f64>(qA, zero);
  const pBIsZero = v128.eq<f64>(pB, zero), qBIsZero = v128.eq<f64>(qB, zero);
  // A zero operand stands as 1: those lanes' terms are set at the end.
  const pA1 = v128.bitselect(one, pA, pAIsZero), qA1 = v128.bitselect(one, qA, qAIsZero);
  const pB1 = v128.bitselect(one, pB, pBIsZero), qB1 = v128.bitselect(one, qB, qBIsZero);
  const dA = logRatioF64x2(qA1, pA1), dB = logRatioF64x2(qB1, pB1);
  const seriesScale = v128.load64_splat(ALPHA_ROW + SERIES_SCALE);
  const nearA = v128.le<f64>(v128.mul<f64>(v128.abs<f64>(dA), seriesScale), half);
  const nearB = v128.le<f64>(v128.mul<f64>(v128.abs<f64>(dB), seriesScale), half);
  const allNear = i64x2.all_true(v128.and(nearA, nearB));
  let termA = zero, termB = zero, gA = zero, gB = zero;
  if (v128.any_true(v128.or(nearA, nearB))) {
    termA = seriesTermF64x2(pA1, dA);
    termB = seriesTermF64x2(pB1, dB);
  }
  if (withGradient || !allNear) {
    const alpha = v128.load64_splat(ALPHA_ROW + ALPHA), inverseAlpha = v128.load64_splat(ALPHA_ROW + INVERSE_ALPHA);
    const alphaDA = v128.mul<f64>(alpha, dA), alphaDB = v128.mul<f64>(alpha, dB);
    const vA = expOutOfLine<f64>(v128.neg<f64>(alphaDA)), vB = expOutOfLine<f64>(v128.neg<f64>(alphaDB));
    gA = v128.mul<f64>(v128.sub<f64>(one, vA), inverseAlpha);
    gB = v128.mul<f64>(v128.sub<f64>(one, vB), inverseAlpha);
    const smallA = v128.lt<f64>(v128.abs<f64>(alphaDA), half), smallB = v128.lt<f64>(v128.abs<f64>(alphaDB), half);
    // E(αd) where a lane needs it; also E(βd) at α = β = ½ (Hellinger's order, and Rényi's usual one).
    let expm1OverA = zero, expm1OverB = zero;
    if (v128.any_true(v128.or(smallA, smallB))) {
      expm1OverA = expm1OverXSmallF64x2(alphaDA);
      expm1OverB = expm1OverXSmallF64x2(alphaDB);
      gA = v128.bitselect(v128.mul<f64>(v128.mul<f64>(dA, vA), expm1OverA), gA, smallA);
      gB = v128.bitselect(v128.mul<f64>(v128.mul<f64>(dB, vB), expm1OverB), gB, smallB);
    }
    if (!allNear) {
      const beta = v128.load64_splat(ALPHA_ROW + BETA), inverseBeta = v128.load64_splat(ALPHA_ROW + INVERSE_BETA);
      const betaDA = v128.mul<f64>(beta, dA), betaDB = v128.mul<f64>(beta, dB);
      let fromPA = v128.mul<f64>(v128.sub<f64>(v128.mul<f64>(qA1, vA), pA1), inverseBeta);
      let fromPB = v128.mul<f64>(v128.sub<f64>(v128.mul<f64>(qB1, vB), pB1), inverseBeta);
      const smallBetaA = v128.lt<f64>(v128.abs<f64>(betaDA), half), smallBetaB = v128.lt<f64>(v128.abs<f64>(betaDB), half);
      if (v128.any_true(v128.or(smallBetaA, smallBetaB))) {
        // β = α: βd is αd, bit for bit, and so are its lanes and its E.
        if (load<f64>(ALPHA_ROW + ALPHA) != 0.5) {
          expm1OverA = expm1OverXSmallF64x2(betaDA);
          expm1OverB = expm1OverXSmallF64x2(betaDB);
        }
        fromPA = v128.bitselect(v128.mul<f64>(v128.mul<f64>(pA1, dA), expm1OverA), fromPA, smallBetaA);
        fromPB = v128.bitselect(v128.mul<f64>(v128.mul<f64>(pB1, dB), expm1OverB), fromPB, smallBetaB);
      }
      termA = v128.bitselect(termA, v128.sub<f64>(v128.mul<f64>(qA1, gA), fromPA), nearA);
      termB = v128.bitselect(termB, v128.sub<f64>(v128.mul<f64>(qB1, gB), fromPB), nearB);
    }
  }
  // Zero operands (sparse rows) set their lanes' terms and gradients; other rows skip the selects.
  const anyZero = v128.any_true(v128.or(v128.or(pAIsZero, qAIsZero), v128.or(pBIsZero, qBIsZero)));
  if (anyZero) {
    termA = zeroOperandTermsF64x2(termA, pA1, qA1, pAIsZero, qAIsZero);
    termB = zeroOperandTermsF64x2(termB, pB1, qB1, pBIsZero, qBIsZero);
  }
  if (withGradient) {
    storeGradientF64x2(gA, pAIsZero, qAIsZero, anyZero, scale, gradAtA, form == TERMS_F32);
    storeGradientF64x2(gB, pBIsZero, qBIsZero, anyZero, scale, gradAtB, form == TERMS_F32);
  }
  if (form == FIRST_TERM) return termA;
  if (form == TERMS_ADDED) return v128.add<f64>(termA, termB);
  // [a0, a1, 0, 0], [b0, b1, 0, 0] => [a0, a1, b0, b1]
  return v128.shuffle<f32>(f32x4.demote_f64x2_zero(termA), f32x4.demote_f64x2_zero(termB), 0, 1, 4, 5);
}

/**
 * Amari's term for one vector of T lanes that pass alphaCheckFold (see alphaTermsF64x2), `scale`
 * in T lanes. f32 lanes are computed as two halves promoted to f64 (exactly), in lockstep, their
 * terms and gradients rounded to f32 once: in f32 arithmetic an ulp of d is |αd| ulps of
 * e^(−αd), which reached 5e-6 of the term where |αd| nears 64. An f64 vector goes as both A and
 * B (its gradient stored twice, at the same place): alphaTermsF64x2 wants two.
 */
@inline export function alphaTermVector<T>(p: v128, q: v128, withGradient: bool, scale: v128, gradAt: usize): v128 {
  if (sizeof<T>() == 8) return alphaTermsF64x2(p, q, p, q, FIRST_TERM, withGradient, scale, gradAt, gradAt);
  return alphaTermsF64x2(
    f64x2.promote_low_f32x4(p), f64x2.promote_low_f32x4(q), promoteHighF32x4(p), promoteHighF32x4(q), TERMS_F32, withGradient,
    f64x2.promote_low_f32x4(scale), gradAt, gradAt + 8,
  );
}

/** The sum of Amari's terms of two f64x2 vectors (x0, y0 and x1, y1, 16 bytes apart), gradients stored from `gradAt`. */
@inline export function alphaTermPairF64x2(x0: v128, y0: v128, x1: v128, y1: v128, withGradient: bool, scale: v128, gradAt: usize): v128 {
  return alphaTermsF64x2(x0, y0, x1, y1, TERMS_ADDED, withGradient, scale, gradAt, gradAt + 16);
}
