/**
 * Taylor series near 0, f64x2 and f32x4 lanes and the scalar path: e^d − 1 − d on |d| < ½, for
 * the log-space KL's excess form, and (f64 lanes) expm1(y)/y on |y| < ½ from the same
 * polynomial; Amari's f(d) for the α-divergence (alpha.ts). Near d = 0, e^d − 1 − d computed
 * from e^d keeps only eps/d² of its digits; the series keeps all of them (relative error a few
 * ulp).
 */
import { mulAdd } from "./lanes";

/** a + b·z for T lanes: one Estrin pair. */
@inline function pair<T>(a: T, b: T, z: v128): v128 {
  return mulAdd<T>(v128.splat<T>(b), z, v128.splat<T>(a));
}

// 1/k! for k = 2 … 17, the Taylor coefficients of e^d − 1 − d, each correctly rounded by the
// compiler. On |d| < ½ the first term left out, d^18/18!, is below 2^-67 of the sum.
const EM2: f64 = 1.0 / 2.0;
const EM3: f64 = 1.0 / 6.0;
const EM4: f64 = 1.0 / 24.0;
const EM5: f64 = 1.0 / 120.0;
const EM6: f64 = 1.0 / 720.0;
const EM7: f64 = 1.0 / 5040.0;
const EM8: f64 = 1.0 / 40320.0;
const EM9: f64 = 1.0 / 362880.0;
const EM10: f64 = 1.0 / 3628800.0;
const EM11: f64 = 1.0 / 39916800.0;
const EM12: f64 = 1.0 / 479001600.0;
const EM13: f64 = 1.0 / 6227020800.0;
const EM14: f64 = 1.0 / 87178291200.0;
const EM15: f64 = 1.0 / 1307674368000.0;
const EM16: f64 = 1.0 / 20922789888000.0;
const EM17: f64 = 1.0 / 355687428096000.0;
// f32: to 1/9!; on |d| < ½ the first term left out is below 2^-30 of the sum.
const EMF2: f32 = 1.0 / 2.0;
const EMF3: f32 = <f32>(1.0 / 6.0);
const EMF4: f32 = <f32>(1.0 / 24.0);
const EMF5: f32 = <f32>(1.0 / 120.0);
const EMF6: f32 = <f32>(1.0 / 720.0);
const EMF7: f32 = <f32>(1.0 / 5040.0);
const EMF8: f32 = <f32>(1.0 / 40320.0);
const EMF9: f32 = <f32>(1.0 / 362880.0);

/** e^d − 1 − d = d²·(1/2! + d/3! + …) for |d| < ½, f64 lanes (Estrin on d²). */
@inline export function expm1MinusXSmallF64x2(d: v128): v128 {
  const d2 = v128.mul<f64>(d, d);
  const d4 = v128.mul<f64>(d2, d2);
  const d8 = v128.mul<f64>(d4, d4);
  const low = mulAdd<f64>(
    mulAdd<f64>(pair<f64>(EM8, EM9, d), d2, pair<f64>(EM6, EM7, d)), d4,
    mulAdd<f64>(pair<f64>(EM4, EM5, d), d2, pair<f64>(EM2, EM3, d)),
  );
  const high = mulAdd<f64>(
    mulAdd<f64>(pair<f64>(EM16, EM17, d), d2, pair<f64>(EM14, EM15, d)), d4,
    mulAdd<f64>(pair<f64>(EM12, EM13, d), d2, pair<f64>(EM10, EM11, d)),
  );
  return v128.mul<f64>(d2, mulAdd<f64>(high, d8, low));
}

/** e^d − 1 − d for |d| < ½, f32 lanes. */
@inline export function expm1MinusXSmallF32x4(d: v128): v128 {
  const d2 = v128.mul<f32>(d, d);
  const d4 = v128.mul<f32>(d2, d2);
  const poly = mulAdd<f32>(
    mulAdd<f32>(pair<f32>(EMF8, EMF9, d), d2, pair<f32>(EMF6, EMF7, d)), d4,
    mulAdd<f32>(pair<f32>(EMF4, EMF5, d), d2, pair<f32>(EMF2, EMF3, d)),
  );
  return v128.mul<f32>(d2, poly);
}

/** c_i + c_(i+1)·x for f64 lanes, the coefficients f64 at `coefficients` + 8i: one Estrin pair. */
@inline function pairAt(coefficients: usize, i: i32, x: v128): v128 {
  return mulAdd<f64>(v128.load64_splat(coefficients + (<usize>(i + 1) << 3)), x, v128.load64_splat(coefficients + (<usize>i << 3)));
}

/**
 * Σ_{i<16} c_i·x^i for f64 lanes, the 16 coefficients f64 at `coefficients` (Estrin on x²), for
 * the α-divergence's series: E's (EXPM1_TAYLOR) and Amari's (amariCoefficients). The
 * coefficients come from memory, not v128 constants, which the engine rebuilds at every use;
 * out of line, as the α-divergence's term takes it three times.
 */
export function polynomial16F64x2(x: v128, coefficients: usize): v128 {
  const x2 = v128.mul<f64>(x, x);
  const x4 = v128.mul<f64>(x2, x2);
  const x8 = v128.mul<f64>(x4, x4);
  const low = mulAdd<f64>(
    mulAdd<f64>(pairAt(coefficients, 6, x), x2, pairAt(coefficients, 4, x)), x4,
    mulAdd<f64>(pairAt(coefficients, 2, x), x2, pairAt(coefficients, 0, x)),
  );
  const high = mulAdd<f64>(
    mulAdd<f64>(pairAt(coefficients, 14, x), x2, pairAt(coefficients, 12, x)), x4,
    mulAdd<f64>(pairAt(coefficients, 10, x), x2, pairAt(coefficients, 8, x)),
  );
  return mulAdd<f64>(high, x8, low);
}

/**
 * 1/k! for k = 2 … 17: (e^y − 1 − y)/y² = Σ_{i<16} y^i/(i + 2)!, so that
 * E(y) = expm1(y)/y = 1 + y·polynomial16F64x2(y, EXPM1_TAYLOR) for |y| < ½ (E(0) = 1): the
 * factor that takes expm1(c·d)/c to d·E(c·d), with no division by an order c that may be 0.
 */
export const EXPM1_TAYLOR = memory.data<f64>([EM2, EM3, EM4, EM5, EM6, EM7, EM8, EM9, EM10, EM11, EM12, EM13, EM14, EM15, EM16, EM17]);

/**
 * Writes to `at` the 16 coefficients c_i = h_(i+1)/(i + 2)! of Amari's f(d) = [α + β·e^d −
 * e^(βd)]/(αβ) = d²·Σ_{i<16} c_i·d^i (evaluated by polynomial16F64x2), its Taylor series
 * Σ_{k≥2} h_(k−1)·d^k/k! with h_1 = 1, h_k = 1 + β·h_(k−1) = 1 + β + … + β^(k−1): no division by
 * α or β. For |d|·max(1, |β|) ≤ ½ the terms fall at least as 2^-k·k/k! beside
 * f ≥ d²/2·(1 − ⅓ − …): the first left out, d^18/18!·h_17, is below 2^-60 of f.
 */
export function amariCoefficients(beta: f64, at: usize): void {
  let weight: f64 = 1; // h_(k−1)
  let factorial: f64 = 2; // k!, exact (below 2^53)
  for (let k: i32 = 2; k < 18; k++) {
    store<f64>(at + (<usize>(k - 2) << 3), weight / factorial);
    weight = 1 + beta * weight;
    factorial *= <f64>(k + 1);
  }
}

/** e^d − 1 − d for |d| < ½, by the same series (Horner). */
export function expm1MinusXSmallScalar(d: f64): f64 {
  let sum = EM17;
  sum = sum * d + EM16; sum = sum * d + EM15; sum = sum * d + EM14; sum = sum * d + EM13;
  sum = sum * d + EM12; sum = sum * d + EM11; sum = sum * d + EM10; sum = sum * d + EM9;
  sum = sum * d + EM8; sum = sum * d + EM7; sum = sum * d + EM6; sum = sum * d + EM5;
  sum = sum * d + EM4; sum = sum * d + EM3; sum = sum * d + EM2;
  return d * d * sum;
}

/**
 * Amari's f(d) (its series, see amariCoefficients) for |d|·max(1, |β|) ≤ ½, summed until what
 * is left no longer counts: the power times the weights' bound 1 + |β| + … ≥ |h_(k−1)|, not the
 * term itself, which at β = −1 is 0 every other k (the reference's series,
 * src/engines/reference/alpha.ts).
 */
export function amariSeriesScalar(d: f64, beta: f64): f64 {
  let power = d; // d^k/k!
  let weight: f64 = 0; // h_(k−1)
  let bound: f64 = 0; // 1 + |β| + … + |β|^(k−2) ≥ |h_(k−1)|
  let sum: f64 = 0;
  for (let k: i32 = 2; k < 80; k++) {
    power *= d / <f64>k;
    weight = 1 + beta * weight;
    bound = 1 + Math.abs(beta) * bound;
    sum += weight * power;
    if (Math.abs(bound * power) <= 1e-18 * Math.abs(sum)) break;
  }
  return sum;
}

/** e^x − 1 − x for every finite x: the series below |x| = ½, expm1(x) − x above (at most 3 bits lost). */
export function expm1MinusXScalar(x: f64): f64 {
  return Math.abs(x) < 0.5 ? expm1MinusXSmallScalar(x) : Math.expm1(x) - x;
}
