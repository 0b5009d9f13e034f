/**
 * p, q and d = p − q of two rows of probabilities rescaled to sum 1 (`normalize`), with d exact
 * where the rescaled values round alike: d = (p·S_q − q·S_p)/(S_p·S_q) with both sums carried
 * to twice double precision and the products split exactly (Dekker), so that the difference of
 * the two near-equal products cancels without error. From p/S_p − q/S_q, each quotient rounded,
 * d would keep none of the JSD of nearly proportional rows.
 */

export interface RescaledDifferences {
  p: Float64Array;
  q: Float64Array;
  d: Float64Array;
}

/** p/S_p, q/S_q and their exact difference, from `cols` values of `p` and `q` at `start`. */
export function rescaledDifferences(p: ArrayLike<number>, q: ArrayLike<number>, start: number, cols: number): RescaledDifferences {
  const [sumP, sumPLo] = doubleSum(p, start, cols);
  const [sumQ, sumQLo] = doubleSum(q, start, cols);
  const out = { p: new Float64Array(cols), q: new Float64Array(cols), d: new Float64Array(cols) };
  for (let j = 0; j < cols; j++) {
    const [pj, qj] = [p[start + j]!, q[start + j]!];
    out.p[j] = pj / sumP;
    out.q[j] = qj / sumQ;
    // p·S_q − q·S_p: the high products exactly (TwoProduct), their difference exact where they
    // are close, then the low parts.
    const [a, aLo] = twoProduct(pj, sumQ);
    const [b, bLo] = twoProduct(qj, sumP);
    const numerator = (a - b) + ((aLo - bLo) + (pj * sumQLo - qj * sumPLo));
    const d = numerator / (sumP * sumQ);
    out.d[j] = Number.isFinite(d) ? d : out.p[j]! - out.q[j]!;
  }
  return out;
}

/** Σ values as hi + lo, hi the rounded sum (Neumaier's compensation, then one TwoSum). */
function doubleSum(values: ArrayLike<number>, start: number, cols: number): [number, number] {
  let sum = 0, compensation = 0;
  for (let j = 0; j < cols; j++) {
    const v = values[start + j]!;
    const t = sum + v;
    compensation += Math.abs(sum) >= Math.abs(v) ? (sum - t) + v : (v - t) + sum;
    sum = t;
  }
  const hi = sum + compensation;
  return [hi, compensation - (hi - sum)];
}

/** a·b as hi + lo exactly (Dekker's TwoProduct with Veltkamp's split), for products in range. */
function twoProduct(a: number, b: number): [number, number] {
  const hi = a * b;
  const [aHi, aLo] = split(a);
  const [bHi, bLo] = split(b);
  return [hi, ((aHi * bHi - hi) + aHi * bLo + aLo * bHi) + aLo * bLo];
}

/** x as hi + lo, each of 26 significant bits. */
function split(x: number): [number, number] {
  const c = 134217729 * x; // 2^27 + 1
  const hi = c - (c - x);
  return [hi, x - hi];
}
