/**
 * p, q and d = p − q of two rows in log space, with d exact where e^a and e^b round alike: the
 * JSD of nearly equal rows lives in d, and the difference of two rounded exponentials keeps
 * none of it (rows of logits a few ulps apart have a JSD of ~1e-33, below the rounding of p).
 * Here d = −p·expm1(δ) below |δ| = ½, with δ = log(q/p) taken from the rows' differences:
 * δ = ((y − x) − c) − L, c = max y − max x (differenceBeyondShift: neither difference rounded
 * first), and where both rows are normalised and
 * near L = nearRowShift, which carries none of the rounding of either log-sum (nearRowsKL's
 * shift too); otherwise L is the difference of the rows' log-sums (0 for rows used as given).
 */
import { compensatedSum } from "./compensated-sum.js";

/**
 * log(q/p) up to the rows' shift beyond c = maxY − maxX, for one pair of log-space values:
 * (y − x) − c without rounding either difference first. With y − x = s + e and c = c₀ + c₁
 * exactly (TwoSum), it is (s − c₀) + (e − c₁), where s − c₀ is exact for nearly equal rows
 * (Sterbenz), also where one is the other shifted (y ≈ x + k, whose (y − maxY) − (x − maxX)
 * rounds to ~1e-16 absolute, 1e-9 of a log-ratio of 1e-7), and where the logits are huge and
 * of either sign (y − x near 2e12). Where a difference passes the largest double, the
 * max-shifted form (y − maxY) − (x − maxX).
 */
export function differenceBeyondShift(x: number, y: number, maxX: number, maxY: number): number {
  const s = y - x;
  const c = maxY - maxX;
  if (!(Math.abs(s) < Infinity && Math.abs(c) < Infinity)) return (y - maxY) - (x - maxX);
  return (s - c) + (differenceError(y, x, s) - differenceError(maxY, maxX, c));
}

/** The rounding error of s = a − b, computed (TwoSum): a − b = s + error exactly. */
export function differenceError(a: number, b: number, s: number): number {
  const bVirtual = s - a;
  return (a - (s - bVirtual)) + (-b - bVirtual);
}

/** A row's log-sum-exp as [its maximum, log Σ e^(v − max)]; [0, 0] for a row used as given. */
export type Partition = readonly [max: number, logSum: number];

/**
 * log Σe^y − log Σe^x beyond c = max y − max x for two normalised rows, from their differences:
 * log1p(Σ t), t = p·expm1(δ) with δ = differenceBeyondShift(x, y) where |δ| ≤ 1, and
 * e^((y − max y) − logSumX) − p (the same, Σ p·e^δ − Σ p) elsewhere, a probability 0 on either
 * side included. It carries none of the rounding of either log-sum, which is as large as the
 * whole KL of rows a few ulps apart; undefined where |Σ t| > ½ (rows far apart, where log1p
 * near −1 would lose what the log-sums keep).
 */
export function nearRowShift(x: ArrayLike<number>, y: ArrayLike<number>, start: number, cols: number, [maxX, logSumX]: Partition, [maxY]: Partition): number | undefined {
  const terms = new Float64Array(cols);
  for (let j = 0; j < cols; j++) {
    const xj = x[start + j]!, yj = y[start + j]!;
    const p = Math.exp((xj - maxX) - logSumX);
    const delta = differenceBeyondShift(xj, yj, maxX, maxY);
    terms[j] = Math.abs(delta) <= 1 ? p * Math.expm1(delta) : Math.exp((yj - maxY) - logSumX) - p;
  }
  const total = compensatedSum(terms);
  return Math.abs(total) <= 0.5 ? Math.log1p(total) : undefined;
}

export interface LogSpaceDifferences {
  p: Float64Array;
  q: Float64Array;
  d: Float64Array;
}

/**
 * p = e^((x − maxX) − logSumX), q likewise, and d = p − q, from `cols` values of `x` and `y` at
 * `start`; `normalised`: both rows were normalised by their partitions.
 */
export function logSpaceDifferences(
  x: ArrayLike<number>, y: ArrayLike<number>, start: number, cols: number, [maxX, logSumX]: Partition, [maxY, logSumY]: Partition, normalised: boolean,
): LogSpaceDifferences {
  const p = new Float64Array(cols), q = new Float64Array(cols), delta = new Float64Array(cols);
  for (let j = 0; j < cols; j++) {
    const xj = x[start + j]!, yj = y[start + j]!;
    p[j] = Math.exp((xj - maxX) - logSumX);
    q[j] = Math.exp((yj - maxY) - logSumY);
    delta[j] = differenceBeyondShift(xj, yj, maxX, maxY);
  }
  const L = (normalised ? nearRowShift(x, y, start, cols, [maxX, logSumX], [maxY, logSumY]) : undefined) ?? logSumY - logSumX;
  const d = p.map((pj, j) => {
    const logRatio = delta[j]! - L;
    return Math.abs(logRatio) < 0.5 ? -pj * Math.expm1(logRatio) : pj - q[j]!;
  });
  return { p, q, d };
}
