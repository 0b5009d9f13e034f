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

/**
 * (log(1 + y) − y)/y, accurate to a few ulps for every y > −1, y ≠ 0 (→ −y/2 as y → 0; 0 at
 * y = 0). `(Math.log1p(y) − y)/y` cancels its leading term for small y; below |y| = ½ it is
 * taken from log1p(y) = 2·atanh(s), s = y/(2 + y): (2·Σ s^(2k)/(2k + 1) − y)/(2 + y), the sum
 * over k ≥ 1 with |s| ≤ 1/3, its two parts at most 1/12 of each other where their signs differ.
 * @param y a number > −1.
 * @returns (log(1 + y) − y)/y, ≤ 0.
 */
export function log1pMinusXOverX(y: number): number {
  if (!(Math.abs(y) < 0.5)) return (Math.log1p(y) - y) / y;
  const s = y / (2 + y);
  const s2 = s * s;
  let power = s2;
  let sum = 0;
  for (let k = 1; k < 40; k++) {
    const term = (2 * power) / (2 * k + 1);
    sum += term;
    if (term <= 1e-18 * sum) break;
    power *= s2;
  }
  return (sum - y) / (2 + y);
}

/**
 * log(1 + y)/y for every y > −1 (1 at y = 0): 1 + log1pMinusXOverX(y) below |y| = ½, where
 * `Math.log1p(y)/y` keeps its digits too but the form shares log1pMinusXOverX's series; the
 * quotient itself above.
 * @param y a number > −1.
 * @returns log(1 + y)/y, > 0.
 */
export function log1pOverX(y: number): number {
  return Math.abs(y) < 0.5 ? 1 + log1pMinusXOverX(y) : Math.log1p(y) / y;
}

/**
 * log(1 + y) − y, accurate to a few ulps for every y > −1 (always ≤ 0; −Infinity at y = −1):
 * y·log1pMinusXOverX(y), which keeps the digits `Math.log1p(y) − y` loses for small y.
 * @param y a number > −1 (−1 gives −Infinity; below, NaN).
 * @returns log(1 + y) − y.
 */
export function log1pMinusX(y: number): number {
  if (!(Math.abs(y) < 0.5)) return Math.log1p(y) - y;
  return y === 0 ? 0 : y * log1pMinusXOverX(y);
}
