/**
 * The KL of two rows of log-probabilities that are nearly the same, to its own relative
 * precision. Between rows normalised by their log-sum-exps, the kernels take
 * d = ((y − max y) − (x − max x)) − (L_y − L_x); each log-sum carries a rounding of about an ulp
 * of itself, and that error ε adds ε²/2 to the sum: as much as the whole KL of rows a few ulps
 * apart (~1e-32). Here the shift comes from the rows' differences instead (nearRowShift, in
 * log-space-differences.ts), elements far apart or of probability 0 on one side included.
 */
import { compensatedSum } from "./compensated-sum.js";
import { differenceBeyondShift, nearRowShift, type Partition } from "./log-space-differences.js";
import { expm1MinusX } from "./series.js";

/**
 * A JSD of log-space (or rescaled) rows whose J/(β(1 − β)) is below this is taken again from
 * the rows' differences, on every backend: from e^a and e^b (or p/S_p and q/S_q) each rounded,
 * d = p − q carries an error of ε·(p + q), a relative 4ε·√(Σm / (2J/(β(1 − β)))) of the value
 * (Cauchy–Schwarz): 1e-9 at 1e-13 for Σm = 1, above 1e-8 only below about 1e-15·Σm.
 */
export const NEAR_ROW_JSD = 1e-13;

/**
 * A KL of rows rescaled by `normalize` below this is taken again from the rows' exact
 * differences, on every backend: p/S_p and q/S_q each rounded leave an error of ε·Σ|p − q|, a
 * relative ε·√(2/KL) (Cauchy–Schwarz), 1.6e-10 at 1e-12.
 */
export const NEAR_ROW_RESCALED_KL = 1e-12;

/**
 * D(P‖Q) of one row, p = e^((x − maxX) − logSumX), q likewise, from `cols` values of `x` and
 * `y` at `start`, with d = δ − L (δ = differenceBeyondShift, L = nearRowShift): Σ p·(e^d − 1 − d),
 * q where p = 0; undefined for rows too far apart for nearRowShift.
 */
export function nearRowsKL(x: ArrayLike<number>, y: ArrayLike<number>, start: number, cols: number, partitionX: Partition, partitionY: Partition): number | undefined {
  const shift = nearRowShift(x, y, start, cols, partitionX, partitionY);
  if (shift === undefined) return undefined;
  const [[maxX, logSumX], [maxY, logSumY]] = [partitionX, partitionY];
  const terms = new Float64Array(cols);
  for (let j = 0; j < cols; j++) {
    const xj = x[start + j]!, yj = y[start + j]!;
    const q = Math.exp((yj - maxY) - logSumY);
    if (xj === -Infinity) {
      terms[j] = q;
      continue;
    }
    if (yj === -Infinity) return Infinity;
    const p = Math.exp((xj - maxX) - logSumX);
    // p underflowed (or a logit more than the largest double below its maximum): the term is q.
    if (p === 0) {
      terms[j] = q;
      continue;
    }
    const d = differenceBeyondShift(xj, yj, maxX, maxY) - shift;
    // Beyond |d| = ½ the plain excess q − p − p·d has nothing to cancel.
    terms[j] = Math.abs(d) < 0.5 ? p * expm1MinusX(d) : (q - p) - p * d;
  }
  return compensatedSum(terms);
}
