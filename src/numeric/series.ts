/** Pure scalar series used by the closed forms and estimators: no KLError, no options. */

// 1/k! for k = 2, 3, …, 17: the Taylor coefficients of e^x − 1 − x. At |x| < ½ the first
// term left out, x^18/18!, is below 2^-70 of the sum.
const TAYLOR: readonly number[] = [
  1 / 2, 1 / 6, 1 / 24, 1 / 120, 1 / 720, 1 / 5040, 1 / 40320, 1 / 362880, 1 / 3628800,
  1 / 39916800, 1 / 479001600, 1 / 6227020800, 1 / 87178291200, 1 / 1307674368000,
  1 / 20922789888000, 1 / 355687428096000,
];

/**
 * e^x − 1 − x, accurate to a few ulps for every x (always ≥ 0). `Math.expm1(x) − x` alone
 * cancels its leading term for small x and keeps only eps/|x| relative accuracy, so below
 * |x| = ½ the Taylor series x²(1/2! + x/3! + …) is summed instead; above, expm1(x) − x
 * loses at most 3 bits.
 * @param x any number (Infinity gives Infinity, −Infinity gives Infinity).
 * @returns e^x − 1 − x.
 */
export function expm1MinusX(x: number): number {
  if (Math.abs(x) >= 0.5) return x === Infinity ? Infinity : Math.expm1(x) - x;
  let sum = TAYLOR[TAYLOR.length - 1]!;
  for (let k = TAYLOR.length - 2; k >= 0; k--) sum = sum * x + TAYLOR[k]!;
  return x * x * sum;
}
