/**
 * e^d − 1 − d on |d| < ½ (its Taylor series), for the log-space KL's excess form (terms.ts):
 * f64x2 and f32x4 lanes and the scalar path. Near d = 0, e^d − 1 − d computed from e^d keeps
 * only eps/d² of its digits; the series keeps all of them (relative error a few ulp).
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

/** e^d − 1 − d for |d| < ½, by the same series (Horner). */
export function expm1MinusXSmallScalar(d: f64): f64 {
  let sum = EM17;
  sum = sum * d + EM16; sum = sum * d + EM15; sum = sum * d + EM14; sum = sum * d + EM13;
  sum = sum * d + EM12; sum = sum * d + EM11; sum = sum * d + EM10; sum = sum * d + EM9;
  sum = sum * d + EM8; sum = sum * d + EM7; sum = sum * d + EM6; sum = sum * d + EM5;
  sum = sum * d + EM4; sum = sum * d + EM3; sum = sum * d + EM2;
  return d * d * sum;
}
