/**
 * The KL of two rows of log-probabilities that are nearly the same, to its own relative
 * precision. Between rows normalised by their log-sum-exps, the kernels take d = (y − x) − K
 * with K the difference of the two log-sum-exps; each log-sum-exp carries a rounding of about
 * an ulp of itself, and K's error ε adds ε²/2 to the sum: as much as the whole KL of rows a few
 * ulps apart (~1e-32). Here K comes from the rows' differences instead:
 * K = c + log1p(Σ p·expm1(δ)), δ = (y − x) − c, c = max y − max x (exact where the maxima are
 * close; differenceBeyondShift where not), and the KL is Σ p·(e^(δ − L) − 1 − (δ − L)) with L = log1p(Σ p·expm1(δ)).
 */
import { compensatedSum } from "./compensated-sum.js";
import { differenceBeyondShift } from "./log-space-differences.js";
import { expm1MinusX } from "./series.js";

/**
 * D(P‖Q) of one row, p = e^((x − maxX) − logSumX), q ∝ e^y, from `cols` values of `x` and `y` at `start`;
 * undefined where some element is not within a factor e of its partner (δ beyond ±1, or a
 * probability 0 on one side only): such rows have a KL far above K's rounding.
 */
export function nearRowsKL(x: ArrayLike<number>, y: ArrayLike<number>, start: number, cols: number, maxX: number, maxY: number, logSumX: number): number | undefined {
  const p = new Float64Array(cols);
  const delta = new Float64Array(cols);
  for (let j = 0; j < cols; j++) {
    const xj = x[start + j]!, yj = y[start + j]!;
    if (xj === -Infinity && yj === -Infinity) continue;
    const dj = differenceBeyondShift(xj, yj, maxX, maxY);
    if (!(Math.abs(dj) <= 1)) return undefined;
    p[j] = Math.exp((xj - maxX) - logSumX);
    delta[j] = dj;
  }
  const shiftLeft = Math.log1p(compensatedSum(p.map((pj, j) => pj * Math.expm1(delta[j]!))));
  return compensatedSum(p.map((pj, j) => pj * expm1MinusX(delta[j]! - shiftLeft)));
}
