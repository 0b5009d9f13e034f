// The one Cholesky (src/numeric/cholesky.ts): its factor, where it reports a failure, its
// symmetry rule; and that every caller (mvnKL, fitDiagGaussian's Gaussian target) turns a
// failure into the same NOT_SPD and agrees on what symmetric means.
import { describe, expect, it } from "vitest";
import { mvnKL } from "../../src/closed-form/gaussian.js";
import { KLError, referenceKL } from "../../src/index.js";
import { fitDiagGaussian } from "../../src/fit/fit.js";
import { cholesky, SYMMETRY_TOLERANCE } from "../../src/numeric/cholesky.js";
import fc from "fast-check";
import { mulberry32 } from "../random.mjs";

/** L·Lᵀ, row-major. */
function product(l: ArrayLike<number>, d: number): number[] {
  return Array.from({ length: d * d }, (_, index) => {
    const [i, j] = [Math.floor(index / d), index % d];
    let s = 0;
    for (let k = 0; k < d; k++) s += l[i * d + k]! * l[j * d + k]!;
    return s;
  });
}

/** A random SPD matrix B·Bᵀ + d·I (well conditioned), row-major. */
function randomSPD(d: number, seed: number): number[] {
  const uniform = mulberry32(seed);
  const b = Array.from({ length: d * d }, () => 2 * uniform() - 1);
  return product(b, d).map((v, index) => (index % (d + 1) === 0 ? v + d : v));
}

describe("cholesky", () => {
  it("factors SPD matrices: L lower triangular with a positive diagonal, L·Lᵀ = a to rounding", () => {
    for (const d of [1, 2, 3, 5, 8]) {
      const a = randomSPD(d, 100 + d);
      const { factor, failure } = cholesky(a, d);
      expect(failure).toBeUndefined();
      for (let i = 0; i < d; i++) {
        expect(factor![i * d + i]).toBeGreaterThan(0);
        for (let j = i + 1; j < d; j++) expect(factor![i * d + j]).toBe(0);
      }
      const back = product(factor!, d);
      a.forEach((v, index) => expect(Math.abs(back[index]! - v)).toBeLessThanOrEqual(1e-14 * d * Math.abs(a[(Math.floor(index / d)) * (d + 1)]!)));
    }
  });

  it("gives the known factor of [[4, 2], [2, 5]]: [[2, 0], [1, 2]]", () => {
    expect(Array.from(cholesky([4, 2, 2, 5], 2).factor!)).toEqual([2, 0, 1, 2]);
  });

  it("reports the first asymmetric pair, row-major in the upper triangle", () => {
    expect(cholesky([1, 0, 0, 0, 1, 0.5, 0, 0.4, 1], 3).failure).toEqual({ reason: "asymmetric", row: 1, column: 2 });
    expect(cholesky([1, 0.3, 0, 0.2, 1, 0.5, 0, 0.4, 1], 3).failure).toEqual({ reason: "asymmetric", row: 0, column: 1 });
  });

  it("reports the row whose pivot is not > 0: indefinite, singular, negative diagonal", () => {
    expect(cholesky([1, 2, 2, 1], 2).failure).toEqual({ reason: "pivot", row: 1, pivot: -3 });
    expect(cholesky([1, 0, 1, 0, 1, 0, 1, 0, 1], 3).failure).toEqual({ reason: "pivot", row: 2, pivot: 0 });
    expect(cholesky([-1, 0, 0, 1], 2).failure).toEqual({ reason: "pivot", row: 0, pivot: -1 });
  });

  it("counts a_ij and a_ji as equal within SYMMETRY_TOLERANCE·√a_ii·√a_jj", () => {
    expect(SYMMETRY_TOLERANCE).toBe(1e-12);
    // On the diagonal scale, not on the entries: a tiny entry against 0 is symmetric.
    expect(cholesky([1, 1e-20, 0, 1], 2).failure).toBeUndefined();
    expect(cholesky([4, 0, 0.99e-12 * 2 * 3, 9], 2).failure).toBeUndefined();
    expect(cholesky([4, 0, 1.01e-12 * 2 * 3, 9], 2).failure).toEqual({ reason: "asymmetric", row: 0, column: 1 });
    // Huge diagonals: √a_ii·√a_jj is 1e300, where a_ii·a_jj would overflow to Infinity and let anything through.
    expect(cholesky([1e300, 1e287, 1e287, 1e300], 2).failure).toBeUndefined();
    expect(cholesky([1e300, 1e290, 0, 1e300], 2).failure).toEqual({ reason: "asymmetric", row: 0, column: 1 });
  });
});

describe("every caller reports NOT_SPD, and they agree on what symmetric means", () => {
  const viaMvn = (cov: number[]) => outcomeOf(() => mvnKL([0, 0], cov, [0, 0], [1, 0, 0, 1]));
  const viaFit = (cov: number[]) => outcomeOf(() => fitDiagGaussian(referenceKL, { mean: [0, 0], cov }, { steps: 0, grid: { points: 5 } }));

  it("[1, 1e-20, 0, 1] is symmetric for both (mvnKL is 0 there)", () => {
    expect(mvnKL([0, 0], [1, 1e-20, 0, 1], [0, 0], [1, 0, 0, 1])).toBe(0);
    expect(viaFit([1, 1e-20, 0, 1])).toBe("ok");
  });

  it("[1, 2, 2, 1] (indefinite) and [1, 0, 0.5, 1] (asymmetric) are NOT_SPD for both, at the same index", () => {
    for (const cov of [[1, 2, 2, 1], [1, 0, 0.5, 1], [-1, 0, 0, 1], [1, 1, 1, 1]]) {
      const want = viaMvn(cov);
      expect(want, String(cov)).toMatchObject({ code: "NOT_SPD" });
      expect(viaFit(cov), String(cov)).toEqual(want);
    }
    expect(viaMvn([1, 2, 2, 1])).toEqual({ code: "NOT_SPD", index: 1 });
    expect(viaMvn([1, 0, 0.5, 1])).toEqual({ code: "NOT_SPD", index: 1 });
  });

  it("names the failing entry in the message", () => {
    expect(() => mvnKL([0, 0], [1, 0, 0.5, 1], [0, 0], [1, 0, 0, 1])).toThrow(/cov0: is not symmetric: entry \(0, 1\) is 0 but \(1, 0\) is 0\.5/);
    expect(() => fitDiagGaussian(referenceKL, { mean: [0, 0], cov: [1, 2, 2, 1] })).toThrow(/target\.cov: is not positive definite: the Cholesky pivot of row 1 is -3/);
  });
});

describe("the symmetry rule holds at every scale: huge, tiny and mixed diagonals", () => {
  /** D·C·D with D = diag(2^e): entries of any size, a_ij and a_ji computed alike (so equal). */
  function scaled(exponents: number[], correlation: number[][]): number[] {
    const d = exponents.length;
    return Array.from({ length: d * d }, (_, index) => {
      const [i, j] = [Math.floor(index / d), index % d];
      return 2 ** exponents[i]! * correlation[Math.min(i, j)]![Math.max(i, j)]! * 2 ** exponents[j]!;
    });
  }
  /** Correlations of a well-conditioned 3×3 matrix: 1 on the diagonal, |c| ≤ 0.3 elsewhere. */
  const correlations = fc.tuple(fc.double({ min: -0.3, max: 0.3, noNaN: true }), fc.double({ min: -0.3, max: 0.3, noNaN: true }), fc.double({ min: -0.3, max: 0.3, noNaN: true }))
    .map(([a, b, c]) => [[1, a, b], [a, 1, c], [b, c, 1]]);
  // 2^±1000 ≈ 1e±301: the diagonal spans the f64 range, off-diagonals of mixed scales included.
  const exponents = fc.array(fc.integer({ min: -500, max: 500 }), { minLength: 3, maxLength: 3 });

  it("a symmetric matrix is accepted; one with a pair apart by more than the tolerance is NOT_SPD there (fast-check)", () => {
    fc.assert(
      fc.property(exponents, correlations, fc.integer({ min: 0, max: 2 }), fc.double({ min: 2, max: 1e6, noNaN: true }), (e, c, pair, times) => {
        const a = scaled(e, c);
        expect(cholesky(a, 3).failure).toBeUndefined();
        const [i, j] = [[0, 1], [0, 2], [1, 2]][pair]!;
        // The lower entry moved by `times` tolerances (and half of one: still symmetric).
        const allowed = SYMMETRY_TOLERANCE * Math.sqrt(a[i * 4]!) * Math.sqrt(a[j * 4]!);
        const near = a.slice();
        near[j * 3 + i] = a[i * 3 + j]! + 0.5 * allowed;
        expect(cholesky(near, 3).failure).toBeUndefined();
        const far = a.slice();
        far[j * 3 + i] = a[i * 3 + j]! + times * allowed;
        expect(cholesky(far, 3).failure).toEqual({ reason: "asymmetric", row: i, column: j });
        expect(outcomeOf(() => mvnKL([0, 0, 0], far, [0, 0, 0], a))).toEqual({ code: "NOT_SPD", index: i * 3 + j });
      }),
      { numRuns: 500 },
    );
  });

  it("at the diagonals 1e155, 1e300, 1e-300 and mixed", () => {
    for (const [d0, d1] of [[1e155, 1e155], [1e300, 1e300], [1e-300, 1e-300], [1e300, 1e-300], [1e155, 1e-155], [1e-300, 1]]) {
      const off = 0.5 * Math.sqrt(d0) * Math.sqrt(d1);
      expect(cholesky([d0, off, off, d1], 2).failure, `${d0}, ${d1}`).toBeUndefined();
      expect(cholesky([d0, off, off * (1 + 1e-6), d1], 2).failure, `${d0}, ${d1}`).toEqual({ reason: "asymmetric", row: 0, column: 1 });
      expect(cholesky([d0, off, 0, d1], 2).failure, `${d0}, ${d1}`).toEqual({ reason: "asymmetric", row: 0, column: 1 });
      expect(outcomeOf(() => mvnKL([0, 0], [d0, off, 0, d1], [0, 0], [d0, off, off, d1]))).toEqual({ code: "NOT_SPD", index: 1 });
    }
  });
});

/** The KLError a call throws, as { code, index }, or "ok". */
function outcomeOf(call: () => unknown): unknown {
  try {
    call();
    return "ok";
  } catch (error) {
    if (!(error instanceof KLError)) throw error;
    return { code: error.code, index: error.index };
  }
}
