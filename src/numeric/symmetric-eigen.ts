/**
 * Eigenvalues and eigenvectors of a small symmetric matrix by cyclic Jacobi rotations (Golub &
 * Van Loan, Matrix Computations, §8.5): each rotation zeroes one off-diagonal pair, sweeps
 * repeat until every off-diagonal entry is below the rounding of the largest diagonal one.
 * Accurate to a few ulps of the largest eigenvalue; O(d³) per sweep, a handful of sweeps.
 */

/** The most sweeps: convergence is quadratic, so this is far beyond what any matrix needs. */
const MAX_SWEEPS = 64;

/**
 * A = V·diag(values)·Vᵀ for a symmetric d×d matrix `a` (row-major; only its upper triangle's
 * mirror is assumed), `vectors` row-major with eigenvector k in column k.
 */
export function symmetricEigen(a: ArrayLike<number>, d: number): { values: Float64Array; vectors: Float64Array } {
  const m = Float64Array.from(a);
  const v = new Float64Array(d * d);
  for (let i = 0; i < d; i++) v[i * d + i] = 1;
  for (let sweep = 0; sweep < MAX_SWEEPS; sweep++) {
    // Done when every off-diagonal entry is below the rounding of the largest diagonal one (in
    // magnitudes, not squares, which would underflow for tiny matrices).
    let off = 0;
    let diagonal = 0;
    for (let i = 0; i < d; i++) {
      diagonal = Math.max(diagonal, Math.abs(m[i * d + i]!));
      for (let j = i + 1; j < d; j++) off = Math.max(off, Math.abs(m[i * d + j]!));
    }
    if (!(off > 2 ** -56 * diagonal)) break;
    for (let p = 0; p < d; p++) {
      for (let q = p + 1; q < d; q++) {
        const apq = m[p * d + q]!;
        if (apq === 0) continue;
        const theta = (m[q * d + q]! - m[p * d + p]!) / (2 * apq);
        // t = tan of the rotation angle, the smaller root of t² + 2θt − 1 = 0.
        const t = Math.abs(theta) > 1e150 ? 0.5 / theta : Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        const tau = s / (1 + c);
        const h = t * apq;
        m[p * d + p] = m[p * d + p]! - h;
        m[q * d + q] = m[q * d + q]! + h;
        m[p * d + q] = m[q * d + p] = 0;
        for (let r = 0; r < d; r++) {
          if (r !== p && r !== q) {
            const g = m[r * d + p]!, k = m[r * d + q]!;
            m[r * d + p] = m[p * d + r] = g - s * (k + g * tau);
            m[r * d + q] = m[q * d + r] = k + s * (g - k * tau);
          }
          const g = v[r * d + p]!, k = v[r * d + q]!;
          v[r * d + p] = g - s * (k + g * tau);
          v[r * d + q] = k + s * (g - k * tau);
        }
      }
    }
  }
  const values = new Float64Array(d);
  for (let i = 0; i < d; i++) values[i] = m[i * d + i]!;
  return { values, vectors: v };
}
