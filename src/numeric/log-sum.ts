/**
 * The log-sum of a row shifted by its maximum, log Σ e^(v − max), where the sum is within 2^-20
 * of 1 (a nearly one-hot row: one value far above the others). The rounded sum carries an
 * absolute error of ε in the log-sum, which is all of it for the entropy of [0, −40] (whose
 * log-sum is 4.2e-18: 2.4 % of the entropy was lost). Here the terms below the maximum are
 * summed apart and the log-sum is log1p of them (and of ties to the maximum). Above 2^-20 the
 * entropy is at least about 1e-5 and ε of it is below 1e-11 relative.
 */
import { compensatedSum } from "./compensated-sum.js";

const NEARLY_ONE_HOT = 2 ** -20;

/** log Σ e^(v − max) of `cols` values at `start`, given `sum`, that sum as summed (≥ 1). */
export function logSumBeyondMaximum(values: ArrayLike<number>, start: number, cols: number, max: number, sum: number): number {
  if (!(sum - 1 < NEARLY_ONE_HOT)) return Math.log(sum);
  const below: number[] = [];
  let ties = -1; // the maximum's own 1 is log1p's
  for (let j = 0; j < cols; j++) {
    const shifted = values[start + j]! - max;
    if (shifted === 0) ties++;
    else below.push(Math.exp(shifted));
  }
  return Math.log1p(ties + compensatedSum(below));
}
