/**
 * The one Cholesky factorisation, shared by mvnKL and the factorised fit's Gaussian target.
 * Pure: it reports where a matrix fails instead of throwing, and each caller words the error
 * (core/checks.ts's checkSPD makes it a KLError "NOT_SPD").
 */

/**
 * How far apart a_ij and a_ji may be and still count as symmetric: this fraction of the
 * diagonal scale √a_ii·√a_jj, which bounds |a_ij| when the matrix is positive definite.
 * 1e-12 lets through the rounding of a covariance computed in f64 (about 1e-16 relative per
 * operation, over thousands of operations) and nothing a user wrote on purpose.
 */
export const SYMMETRY_TOLERANCE = 1e-12;

/** Where a matrix stops the factorisation: an asymmetric pair, or a pivot that is not > 0. */
export type CholeskyFailure =
  | {
      reason: "asymmetric";
      /** The row and column of the upper entry a_ij (i < j) that differs from a_ji. */
      row: number;
      column: number;
    }
  | {
      reason: "pivot";
      /** The row whose pivot a_ii − Σ_k L_ik² is not a finite number > 0. */
      row: number;
      pivot: number;
    };

/** The lower factor L (row-major d×d, L·Lᵀ = a), or where the matrix failed. */
export type CholeskyResult = { factor: Float64Array; failure?: undefined } | { factor?: undefined; failure: CholeskyFailure };

/**
 * Whether a_ij and a_ji agree: |a_ij − a_ji| ≤ SYMMETRY_TOLERANCE·√|a_ii|·√|a_jj|. The two
 * square roots are taken apart so that huge diagonals (1e300) do not overflow the product.
 */
function symmetricPair(a: ArrayLike<number>, d: number, i: number, j: number): boolean {
  const scale = Math.sqrt(Math.abs(a[i * d + i]!)) * Math.sqrt(Math.abs(a[j * d + j]!));
  return Math.abs(a[i * d + j]! - a[j * d + i]!) <= SYMMETRY_TOLERANCE * scale;
}

/**
 * The Cholesky factor of the d×d matrix `a` (row-major, finite entries). Checks symmetry
 * first (the first asymmetric pair in row-major order of the upper triangle), then factors
 * the lower triangle; a pivot that is not a finite number > 0 (indefinite, singular, or
 * overflowing) stops it at that row.
 * @param a the matrix, row-major, length d².
 * @param d its order.
 * @returns `{ factor }` with L lower triangular (zeros above the diagonal), or `{ failure }`.
 */
export function cholesky(a: ArrayLike<number>, d: number): CholeskyResult {
  for (let i = 0; i < d; i++) {
    for (let j = i + 1; j < d; j++) {
      if (!symmetricPair(a, d, i, j)) return { failure: { reason: "asymmetric", row: i, column: j } };
    }
  }
  const factor = new Float64Array(d * d);
  for (let i = 0; i < d; i++) {
    for (let j = 0; j <= i; j++) {
      let s = a[i * d + j]!;
      for (let k = 0; k < j; k++) s -= factor[i * d + k]! * factor[j * d + k]!;
      if (i > j) {
        factor[i * d + j] = s / factor[j * d + j]!;
      } else if (s > 0 && s < Infinity) {
        factor[i * d + i] = Math.sqrt(s);
      } else {
        return { failure: { reason: "pivot", row: i, pivot: s } };
      }
    }
  }
  return { factor };
}
