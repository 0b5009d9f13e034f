// The reference's own terms and sums (src/engines/reference/terms.ts), the oracle's oracle:
// against closed forms, exact cases, SciPy's conventions for zeros and infinities, and, where
// p ≈ q, against the Taylor series of (1 + x)·log(1 + x) − x summed in f64.
import { describe, expect, it } from "vitest";
import { klExcess, klTerm, logProbabilities, logRatio, sum } from "../../../src/engines/reference/terms.js";
import { mulberry32 } from "../../random.mjs";
import { ulpDistanceF64 } from "../../ulp.js";

/** Expects `got` within `ulps` units in the last place of `expected`. */
function expectUlps(got: number, expected: number, ulps: number): void {
  expect(ulpDistanceF64(got, expected), `${got} vs ${expected}`).toBeLessThanOrEqual(ulps);
}

/** (1 + x)·log(1 + x) − x = Σ_{k≥2} (−1)^k x^k / (k(k − 1)), for |x| ≤ ½: smallest terms first. */
function excessSeries(x: number): number {
  const terms: number[] = [];
  let power = x * x; // (−x)^k, from k = 2
  for (let k = 2; k < 200; k++) {
    const term = power / (k * (k - 1));
    terms.push(term);
    if (Math.abs(term) < 1e-40 * Math.abs(terms[0]!)) break;
    power *= -x;
  }
  return terms.reverse().reduce((a, b) => a + b, 0);
}

/** log(1 + x) = Σ_{k≥1} (−1)^{k+1} x^k / k, for |x| ≤ ½: smallest terms first. */
function log1pSeries(x: number): number {
  const terms: number[] = [];
  let power = 1;
  for (let k = 1; k < 200; k++) {
    power *= x;
    const term = (k % 2 === 1 ? power : -power) / k;
    terms.push(term);
    if (Math.abs(term) < 1e-40 * Math.abs(terms[0]!)) break;
  }
  return terms.reverse().reduce((a, b) => a + b, 0);
}

/** Pairs p = q + d with p − q exact (Sterbenz): the excess is q·excessSeries(d/q). */
const NEAR: [q: number, x: number][] = [];
for (const q of [0.3, 0.7, 1, 1e-5, 1e-100, 123.456]) {
  for (const x of [1e-3, -1e-3, 3e-6, -3e-6, 1e-8, 2 ** -40, -(2 ** -40), 0.1, -0.25, 0.45]) NEAR.push([q, x]);
}

describe("excessSeries (the test's own oracle)", () => {
  it("is d²/(2q) − d³/(6q²) + … to the first terms, and agrees with the exact form where x is not small", () => {
    const x = 1e-4;
    expectUlps(excessSeries(x), x ** 2 / 2 - x ** 3 / 6 + x ** 4 / 12 - x ** 5 / 20, 2);
    // The closed forms lose a few bits to cancellation: compared to 2e-15 relative.
    for (const x of [0.5, -0.5, 0.25]) {
      const closed = (1 + x) * Math.log1p(x) - x;
      expect(Math.abs(excessSeries(x) - closed) / closed).toBeLessThan(2e-15);
    }
  });
});

describe("logRatio", () => {
  it("is 0 for p = q", () => {
    for (const p of [1, 0.3, 1e-300, 5e-324, 1e300]) expect(logRatio(p, p)).toBe(0);
  });

  it.each(NEAR)("near 1: q = %s, p = q(1 + %s) gives log1p((p − q)/q) to 2 ulps", (q, x) => {
    const p = q + q * x;
    const d = p - q; // exact
    expectUlps(logRatio(p, q), log1pSeries(d / q), 2);
  });

  it("keeps digits a rounded ratio loses: log((1 + 2^−52)/1) = 2^−52 − 2^−105", () => {
    const p = 1 + 2 ** -52;
    // Math.log(p / 1) would give 2^−52 (the ratio is exact here, but its log is not).
    expectUlps(logRatio(p, 1), 2 ** -52 - 2 ** -105, 1);
    // log(1/(1 + ε)) = −ε + ε²/2 − …
    expectUlps(logRatio(1, p), -(2 ** -52) + 2 ** -105, 1);
  });

  it("gives powers of 2 as k·ln 2", () => {
    for (const k of [1, 2, 10, -1, -7, 100, -1000]) expectUlps(logRatio(2 ** k, 1), k * Math.LN2, 1);
    expectUlps(logRatio(0.8, 0.2), 2 * Math.LN2, 1);
  });

  // Each direction is within 1.5 ulps where |log| ≥ ln 2 (half an ulp of the rounded ratio,
  // half of the log): the two differ by at most 3.
  it("is antisymmetric to 3 ulps", () => {
    const random = mulberry32(5);
    for (let i = 0; i < 2000; i++) {
      const p = 10 ** (-12 * random()) * random();
      const q = i % 2 === 0 ? p * (1 + (random() - 0.5) * 1e-3) : 10 ** (-12 * random()) * random();
      if (p === 0 || q === 0) continue;
      expectUlps(logRatio(p, q), -logRatio(q, p), 3);
    }
  });

  it("takes ratios outside the normal range as a difference of logarithms", () => {
    // p/q underflows to 0 or a subnormal, or overflows to Infinity.
    expectUlps(logRatio(1e-200, 1e200), -400 * Math.LN10, 2);
    expectUlps(logRatio(1e300, 1e-300), 600 * Math.LN10, 2);
    expectUlps(logRatio(5e-324, 1), -1074 * Math.LN2, 1);
    expectUlps(logRatio(5e-324, 2 ** 1000), -2074 * Math.LN2, 1);
    expect(Number.isFinite(logRatio(Number.MIN_VALUE, Number.MAX_VALUE))).toBe(true);
  });
});

describe("klTerm", () => {
  it("follows SciPy's rel_entr: 0 where p = 0 (q = 0 too), +Infinity where p > 0 = q", () => {
    for (const q of [0, 5e-324, 0.5, 1, 1e300]) expect(klTerm(0, q)).toBe(0);
    for (const p of [5e-324, 1e-300, 0.5, 1]) expect(klTerm(p, 0)).toBe(Infinity);
  });

  it("is p·log(p/q): 0 at p = q, ±p·ln 2 at a ratio of 2", () => {
    for (const p of [0.25, 1, 1e-300]) expect(klTerm(p, p)).toBe(0);
    expect(klTerm(0.5, 0.25)).toBe(0.5 * Math.LN2);
    expect(klTerm(0.25, 0.5)).toBe(-0.25 * Math.LN2);
  });

  it.each(NEAR)("near p = q: q = %s, p = q(1 + %s) gives p·log1p((p − q)/q)", (q, x) => {
    const p = q + q * x;
    expectUlps(klTerm(p, q), p * log1pSeries((p - q) / q), 3);
  });
});

describe("klExcess", () => {
  it("is q where p = 0 (the whole of q is missed), and +Infinity where p > 0 = q", () => {
    for (const q of [0, 5e-324, 0.3, 1]) expect(klExcess(0, q)).toBe(q);
    for (const p of [5e-324, 0.3, 1]) expect(klExcess(p, 0)).toBe(Infinity);
  });

  it("is exactly 0 at p = q", () => {
    for (const p of [1, 0.3, 1e-300, 5e-324, 1e300]) expect(klExcess(p, p)).toBe(0);
  });

  it.each(NEAR)("near p = q: q = %s, p = q(1 + %s) gives q·[(1 + x)·log(1 + x) − x] to 4 ulps", (q, x) => {
    const p = q + q * x;
    const exactX = (p - q) / q;
    expectUlps(klExcess(p, q), q * excessSeries(exactX), 4);
  });

  it("keeps the digits p·log(p/q) − (p − q) loses to cancellation", () => {
    const q = 0.3;
    const p = q + 1e-9;
    const d = p - q;
    const expected = q * excessSeries(d / q); // ≈ d²/(2q) ≈ 1.7e-18
    expectUlps(klExcess(p, q), expected, 4);
    const naive = p * Math.log(p / q) - d;
    expect(Math.abs(naive - expected) / expected).toBeGreaterThan(1e-3);
  });

  it("gives the closed forms at ratios 4 and ¼: 4q·ln 4 − 3q and 3p − p·ln 4", () => {
    // Ratio exactly 4: 0.2·4 = 0.8 in binary too.
    expectUlps(klExcess(0.8, 0.2), 0.8 * 2 * Math.LN2 - 0.6, 2);
    // Ratio ¼: p·log(¼) − (p − 4p) = 3p − 2p·ln 2.
    expectUlps(klExcess(0.2, 0.8), 0.6 - 0.4 * Math.LN2, 2);
  });

  it("is ≥ 0 for every pair (near-equal, equal and far apart), and 0 at p = q", () => {
    const random = mulberry32(9);
    for (let i = 0; i < 20000; i++) {
      const p = i % 7 === 0 ? 0 : 10 ** (-300 * random() ** 3) * random();
      const kind = i % 3;
      const q = kind === 0 ? p * (1 + (random() - 0.5) * 2 ** -(1 + 50 * random())) : kind === 1 ? p : 10 ** (-300 * random() ** 3) * random();
      const excess = klExcess(p, q);
      expect(excess, `klExcess(${p}, ${q})`).toBeGreaterThanOrEqual(0);
      if (p === q) expect(excess).toBe(0);
    }
  });

  it("summed with Σ(p − q), gives the KL of two distributions: ln(5/3) for [½, ½] and [0.9, 0.1]", () => {
    const [p, q] = [[0.5, 0.5], [0.9, 0.1]];
    const kl = sum(2, (i) => klExcess(p[i]!, q[i]!)) + sum(2, (i) => p[i]! - q[i]!);
    expectUlps(kl, Math.log(5 / 3), 2);
  });
});

describe("sum", () => {
  it("is compensated: [1e16, 1, −1e16] sums to 1, [1, 1e100, 1, −1e100] to 2", () => {
    const a = [1e16, 1, -1e16];
    expect(sum(a.length, (i) => a[i]!)).toBe(1);
    // Kahan's sum gives 0 here; Neumaier's keeps both ones.
    const b = [1, 1e100, 1, -1e100];
    expect(sum(b.length, (i) => b[i]!)).toBe(2);
  });

  it("rounds the exact sum of ten 0.1s (1 + 5.6e-17) to 1, where a plain sum gives 0.9999999999999999", () => {
    expect(Array.from({ length: 10 }, () => 0.1).reduce((x, y) => x + y)).toBe(0.9999999999999999);
    expect(sum(10, () => 0.1)).toBe(1);
  });

  it("is 0 for no terms, and reads the terms once each, in index order", () => {
    expect(sum(0, () => 1)).toBe(0);
    const read: number[] = [];
    sum(5, (i) => (read.push(i), i));
    expect(read).toEqual([0, 1, 2, 3, 4]);
  });

  it("is Infinity with an infinite term (not NaN from the compensation)", () => {
    expect(sum(3, (i) => [1, Infinity, 2][i]!)).toBe(Infinity);
    expect(sum(2, (i) => [Infinity, 1e308][i]!)).toBe(Infinity);
  });

  it("gives an exactly representable total of many terms exactly", () => {
    // 1000 copies of 2^−10 and −(2^−10) interleaved with 1: the total is 1000.
    expect(sum(3000, (i) => (i % 3 === 0 ? 1 : i % 3 === 1 ? 2 ** -10 : -(2 ** -10)))).toBe(1000);
  });
});

describe("logProbabilities (the log-softmax of logits)", () => {
  const logSoftmax = (v: number[]) => logProbabilities({ values: Float64Array.from(v), space: "logits", name: "p" }, 0, { cols: v.length, normalize: false });

  it("is v − log Σ e^v: −ln 2 twice for [0, 0], −ln 3 for three a's", () => {
    expect(logSoftmax([0, 0])).toEqual([-Math.LN2, -Math.LN2]);
    for (const a of [-3, 0.5, 20]) for (const v of logSoftmax([a, a, a])) expectUlps(v, -Math.log(3), 1);
    const given = [Math.log(0.2), Math.log(0.3), Math.log(0.5)];
    logSoftmax(given).forEach((v, i) => expect(Math.abs(v - given[i]!)).toBeLessThan(3e-16));
  });

  it("neither overflows nor underflows, and keeps the log-sum beside logits near ±1e308", () => {
    expect(logSoftmax([1000, 1000])).toEqual([-Math.LN2, -Math.LN2]);
    expect(logSoftmax([-1000, -1000])).toEqual([-Math.LN2, -Math.LN2]);
    expect(logSoftmax([1e308, 1e308])).toEqual([-Math.LN2, -Math.LN2]);
    expect(logSoftmax([1e300, 1e300, -1e300])).toEqual([-Math.LN2, -Math.LN2, -2e300]);
    expect(logSoftmax([1e308, -1e308])).toEqual([0, -Infinity]);
  });

  it("takes −Infinity as probability 0, and refuses a row of −Infinity", () => {
    expect(logSoftmax([-Infinity, 1.5])).toEqual([-Infinity, 0]);
    expect(() => logSoftmax([-Infinity, -Infinity])).toThrow(/p/);
  });

  it("is unchanged by a constant: logits moved by c give the same log-probabilities", () => {
    const random = mulberry32(3);
    for (let trial = 0; trial < 200; trial++) {
      const v = Array.from({ length: 1 + Math.floor(random() * 20) }, () => (random() - 0.5) * 40);
      const c = 2 ** Math.floor(random() * 8); // exact shifts
      const moved = logSoftmax(v.map((x) => x + c));
      logSoftmax(v).forEach((want, i) => expect(Math.abs(moved[i]! - want)).toBeLessThanOrEqual(1e-13 * Math.max(1, Math.abs(want))));
    }
  });
});
