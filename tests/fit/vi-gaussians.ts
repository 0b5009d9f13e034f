/**
 * Gaussian targets with everything known, for the fitGaussianVI tests: the log-density of
 * N(m, Σ) (normalised, so log Z = 0, or scaled by a known constant), its gradient, and the small
 * matrix algebra the closed forms need.
 */
import { cholesky } from "../../src/numeric/cholesky.js";

/** A·B for row-major matrices (A: r×k, B: k×c). */
export function multiply(a: ArrayLike<number>, b: ArrayLike<number>, r: number, k: number, c: number): number[] {
  const out = new Array<number>(r * c).fill(0);
  for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) for (let t = 0; t < k; t++) out[i * c + j]! += a[i * k + t]! * b[t * c + j]!;
  return out;
}

/** Aᵀ (A: r×c). */
export function transpose(a: ArrayLike<number>, r: number, c: number): number[] {
  const out = new Array<number>(r * c);
  for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) out[j * r + i] = a[i * c + j]!;
  return out;
}

/** The inverse and log-determinant of an SPD matrix, through its Cholesky factor. */
export function inverseSPD(a: ArrayLike<number>, d: number): { inverse: number[]; logDet: number } {
  const l = cholesky(a, d).factor!;
  let logDet = 0;
  for (let i = 0; i < d; i++) logDet += 2 * Math.log(l[i * d + i]!);
  // Columns of L⁻¹ by forward substitution, then A⁻¹ = L⁻ᵀL⁻¹.
  const inv = new Array<number>(d * d).fill(0);
  for (let c = 0; c < d; c++) {
    for (let i = 0; i < d; i++) {
      let s = i === c ? 1 : 0;
      for (let k = 0; k < i; k++) s -= l[i * d + k]! * inv[k * d + c]!;
      inv[i * d + c] = s / l[i * d + i]!;
    }
  }
  return { inverse: multiply(transpose(inv, d, d), inv, d, d, d), logDet };
}

/** log N(z; m, Σ) + logScale, its gradient, and the closed forms a fit is checked against. */
export function gaussianTarget(mean: number[], covariance: number[], logScale = 0) {
  const d = mean.length;
  const { inverse: precision, logDet } = inverseSPD(covariance, d);
  const constant = logScale - 0.5 * d * Math.log(2 * Math.PI) - 0.5 * logDet;
  const logDensity = (z: Float64Array) => {
    let quad = 0;
    for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) quad += (z[i]! - mean[i]!) * precision[i * d + j]! * (z[j]! - mean[j]!);
    return constant - 0.5 * quad;
  };
  const gradLogDensity = (z: Float64Array, out: Float64Array) => {
    for (let i = 0; i < d; i++) {
      let s = 0;
      for (let j = 0; j < d; j++) s -= precision[i * d + j]! * (z[j]! - mean[j]!);
      out[i] = s;
    }
  };
  return { d, mean, covariance, precision, logZ: logScale, logDensity, gradLogDensity };
}

/** LLᵀ from a row-major lower-triangular L. */
export function covarianceOf(scaleTril: ArrayLike<number>, d: number): number[] {
  return multiply(scaleTril, transpose(scaleTril, d, d), d, d, d);
}
