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
  // Each row times a power of two that brings its sum near 1 (exact, and changing no quotient),
  // so that the products and their splits stay in range for rows near 1e308 or 1e-300.
  const [scaledP, scaledQ] = [unitScaled(p, start, cols), unitScaled(q, start, cols)];
  const [sumP, sumPLo] = doubleSum(scaledP);
  const [sumQ, sumQLo] = doubleSum(scaledQ);
  const out = { p: new Float64Array(cols), q: new Float64Array(cols), d: new Float64Array(cols) };
  for (let j = 0; j < cols; j++) {
    const [pj, qj] = [scaledP[j]!, scaledQ[j]!];
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

/**
 * The row times the power of two that brings its largest value into [1, 2) (as given for a row
 * of zeros), applied as two factors: one alone passes the range for rows of subnormals.
 */
function unitScaled(values: ArrayLike<number>, start: number, cols: number): Float64Array {
  const row = Float64Array.from({ length: cols }, (_, j) => values[start + j]!);
  const largest = row.reduce((a, b) => Math.max(a, b), 0);
  if (!(largest > 0 && largest < Infinity)) return row;
  const exponent = Math.floor(Math.log2(largest));
  const [first, second] = [2 ** -Math.trunc(exponent / 2), 2 ** -(exponent - Math.trunc(exponent / 2))];
  return row.map((v) => v * first * second);
}

/** Σ values as hi + lo, hi the rounded sum (Neumaier's compensation, then one TwoSum). */
function doubleSum(values: Float64Array): [number, number] {
  let sum = 0, compensation = 0;
  for (const v of values) {
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
