/**
 * Products, exponentials and means that stay finite wherever their value is: the textbook
 * forms of the closed forms overflow in an intermediate (e^(lv1 − lv2) beyond e^709.78 before
 * the ½ brings it back, (μ1 − μ2)² underflowing while e^−lv2 overflows, a sum of rows above
 * the f64 range whose mean is not). Pure scalar math: no KLError, no options.
 */
import { CompensatedSum } from "./compensated-sum.js";
import { expm1MinusX } from "./series.js";

const MIN_NORMAL = 2.2250738585072014e-308; // 2^-1022

/** Whether |x| is a normal f64: neither over- nor underflowed. */
const isNormal = (x: number) => Math.abs(x) >= MIN_NORMAL && Math.abs(x) < Infinity;

/**
 * a·e^b/divisor, finite whenever it is representable. Direct where e^b and the result are
 * normal (the usual case, correctly rounded to a few ulps); else as e^(log|a| + b − log divisor),
 * whose exponent is rounded to half an ulp of at most ~1500: 2e-13 relative at worst.
 * @param a any finite number. @param b any number. @param divisor a finite number > 0.
 */
export function mulExp(a: number, b: number, divisor = 1): number {
  if (a === 0) return 0;
  const e = Math.exp(b);
  const direct = (a * e) / divisor;
  if (isNormal(e) && isNormal(direct)) return direct;
  return Math.sign(a) * Math.exp(Math.log(Math.abs(a)) + b - Math.log(divisor));
}

/** e^x is finite below log(Number.MAX_VALUE) = 709.78…: above 709 the halving goes into the exponent. */
const EXP_LIMIT = 709;

/** ½(e^x − 1 − x)·scale, finite whenever it is representable (up to x ≈ 710.47 for scale 1). */
export function halfExpm1MinusX(x: number, scale = 1): number {
  return x > EXP_LIMIT ? mulExp(0.5 * scale, x) - 0.5 * (1 + x) * scale : 0.5 * expm1MinusX(x) * scale;
}

/** ½(e^x − 1)/divisor, finite whenever it is representable. */
export function halfExpm1(x: number, divisor = 1): number {
  return x > EXP_LIMIT ? mulExp(0.5, x, divisor) - 0.5 / divisor : (0.5 * Math.expm1(x)) / divisor;
}

/**
 * 2^-64: the scale of a second, scaled pass over terms whose plain sum overflowed. A mean of
 * n < 2^32 terms each below Number.MAX_VALUE·2^64 sums to below Number.MAX_VALUE·2^64 scaled
 * back; terms below 2^-958 lose bits when scaled, far below the rounding of such a sum.
 */
const DOWN = 2 ** -64;
const UP = 2 ** 64;

/**
 * The compensated mean of `count` terms, finite whenever it is representable: `term(i, 1)` is
 * term i; where their plain sum is not finite, it is taken again over `term(i, DOWN)`, which
 * must be term i times DOWN computed without overflow, and scaled back.
 */
export function wideMean(count: number, term: (i: number, scale: number) => number): number {
  const total = new CompensatedSum();
  for (let i = 0; i < count; i++) total.add(term(i, 1));
  if (Number.isFinite(total.value)) return total.value / count;
  const scaled = new CompensatedSum();
  for (let i = 0; i < count; i++) scaled.add(term(i, DOWN));
  return (scaled.value / count) * UP;
}
