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
    const d = differenceBeyondShift(xj, yj, maxX, maxY) - shift;
    // Beyond |d| = ½ the plain excess q − p − p·d has nothing to cancel.
    terms[j] = Math.abs(d) < 0.5 ? p * expm1MinusX(d) : (q - p) - p * d;
  }
  return compensatedSum(terms);
}
