/**
 * Closed-form Kullback–Leibler divergences between normal distributions, in nats, in f64.
 *
 * Every form reduces to the same two pieces per dimension: a variance term
 * ½(e^δ − 1 − δ) with δ the log of the variance ratio, and a mean term ½z² with z the
 * mean difference in units of the second distribution's standard deviation. The variance
 * term is computed without cancellation even for δ → 0 (see numeric/series.ts), so equal
 * distributions give exactly 0 and near-equal ones keep their relative accuracy. Every form
 * is finite wherever its value is representable: where an intermediate (e^δ, z, a mean
 * difference) would over- or underflow, it is taken in logs or halves (numeric/wide-range.ts).
 */
import { checkChoice, checkFinite, checkKnownKeys, checkLength, checkOptionsObject, checkOutput, checkReducedOutput, checkRows, checkSPD, checkScalar, checkSquare, checkVectorShape } from "../core/checks.js";
import { CompensatedSum } from "../numeric/compensated-sum.js";
import { expm1MinusX } from "../numeric/series.js";
import { halfExpm1, halfExpm1MinusX, mulExp, wideMean } from "../numeric/wide-range.js";
import type { Reduced, Reduction, Vector } from "../core/types.js";

/**
 * Options of diagGaussianKL.
 * @example
 * // A batch of 32 latent vectors of 16 dimensions: the VAE term, averaged over the batch.
 * diagGaussianKL(mu, logvar, undefined, undefined, { rows: 32, reduction: "mean" });
 */
export interface DiagGaussianOptions {
  /** The inputs are row-major `[rows, d]`; each row is one d-dimensional normal. Default 1. */
  rows?: number;
  /** "sum" (default): one number over all rows; "mean": that divided by rows; "none": one value per row. */
  reduction?: Reduction;
  /** Where to write the per-row values with reduction "none": a Float64Array of length rows. */
  out?: Float64Array;
}

/**
 * Options of diagGaussianKLGrad: those of diagGaussianKL plus where to write the gradients.
 * @example
 * const gradMu = new Float64Array(mu.length), gradLogvar = new Float64Array(mu.length); // reused every step
 * diagGaussianKLGrad(mu, logvar, undefined, undefined, { rows: 32, reduction: "mean", gradMu, gradLogvar });
 */
export interface DiagGaussianGradOptions extends DiagGaussianOptions {
  /** Where to write the gradient with respect to mu1: a Float64Array of mu1's length. */
  gradMu?: Float64Array;
  /** Where to write the gradient with respect to logvar1: a Float64Array of logvar1's length. */
  gradLogvar?: Float64Array;
}

/**
 * A diagonal-Gaussian KL and its gradients with respect to mu1 and logvar1.
 * @example
 * const { value, gradMu, gradLogvar } = diagGaussianKLGrad([0.5, -0.5], [0, Math.log(0.5)]);
 * // value 0.3465…, gradMu [0.5, −0.5] (= mu), gradLogvar [0, −0.25] (= ½(e^logvar − 1))
 */
export interface DiagGaussianGrad<O> {
  /** The divergence, reduced as diagGaussianKL reduces it. */
  value: Reduced<O>;
  /** ∂value/∂mu1, one entry per element of mu1. */
  gradMu: Float64Array;
  /** ∂value/∂logvar1, one entry per element of logvar1. */
  gradLogvar: Float64Array;
}

const MIN_NORMAL = 2.2250738585072014e-308; // 2^-1022

/**
 * (r² − 1)/2 − log r for r = a/b, a, b > 0: the variance term of D(N(·, a²)‖N(·, b²)).
 * Near r = 1 it is ½(e^δ − 1 − δ) with δ = 2·log1p((a − b)/b), where a − b is exact
 * (Sterbenz) and no term cancels; elsewhere the direct form is well conditioned, with
 * log r taken as log a − log b where a/b over- or underflows.
 */
function varianceTerm(a: number, b: number): number {
  const t = (a - b) / b;
  if (Math.abs(t) < 0.5) return 0.5 * expm1MinusX(2 * Math.log1p(t));
  const r = a / b;
  const logRatio = r >= MIN_NORMAL && r < Infinity ? Math.log(r) : Math.log(a) - Math.log(b);
  return r * (0.5 * r) - 0.5 - logRatio;
}

/**
 * D(N(mu1, sigma1²) ‖ N(mu2, sigma2²)) = log(σ2/σ1) + (σ1² + (μ1 − μ2)²)/(2σ2²) − ½, in nats.
 * Exactly 0 for equal arguments, and accurate to a few ulps near it.
 * @param mu1 mean of the first normal (finite).
 * @param sigma1 standard deviation of the first normal (finite, > 0).
 * @param mu2 mean of the second normal (finite).
 * @param sigma2 standard deviation of the second normal (finite, > 0).
 * @returns the divergence, ≥ 0 (Infinity where it exceeds the f64 range).
 * @example gaussianKL(0, 1, 1, 2); // 0.4431… = log 2 + (1 + 1)/8 − ½
 */
export function gaussianKL(mu1: number, sigma1: number, mu2: number, sigma2: number): number {
  checkNormals(mu1, sigma1, mu2, sigma2);
  const z = standardizedDifference(mu1, mu2, sigma2);
  return varianceTerm(sigma1, sigma2) + 0.5 * z * z;
}

/** The arguments of two univariate normals: finite means, finite standard deviations > 0. */
export function checkNormals(mu1: number, sigma1: number, mu2: number, sigma2: number): void {
  checkScalar(mu1, "mu1");
  checkScalar(sigma1, "sigma1", true);
  checkScalar(mu2, "mu2");
  checkScalar(sigma2, "sigma2", true);
}

/** (μ1 − μ2)/σ2, finite wherever it is representable: means of opposite signs near the f64 limit overflow their difference, not z. */
export function standardizedDifference(mu1: number, mu2: number, sigma2: number): number {
  const diff = mu1 - mu2;
  return Number.isFinite(diff) ? diff / sigma2 : mu1 / sigma2 - mu2 / sigma2;
}

interface DiagInput {
  mu1: Vector;
  logvar1: Vector;
  mu2: Vector | undefined;
  logvar2: Vector | undefined;
  rows: number;
  reduction: Reduction;
  out: Float64Array | undefined;
}

/** The options of diagGaussianKL and of diagGaussianKLGrad: any other key is refused. */
const DIAG_KEYS: readonly string[] = ["rows", "reduction", "out"];
const DIAG_GRAD_KEYS: readonly string[] = [...DIAG_KEYS, "gradMu", "gradLogvar"];

function settleDiag(mu1: unknown, logvar1: unknown, mu2: unknown, logvar2: unknown, options: DiagGaussianOptions, known: readonly string[]): DiagInput {
  checkOptionsObject(options);
  checkKnownKeys(options, known);
  checkVectorShape(mu1, "mu1");
  checkVectorShape(logvar1, "logvar1");
  checkLength(logvar1, "logvar1", mu1.length, "mu1");
  if (mu2 !== undefined) {
    checkVectorShape(mu2, "mu2");
    checkLength(mu2, "mu2", mu1.length, "mu1");
  }
  if (logvar2 !== undefined) {
    checkVectorShape(logvar2, "logvar2");
    checkLength(logvar2, "logvar2", mu1.length, "mu1");
  }
  const rows = checkRows(options.rows, mu1.length);
  const reduction = checkChoice(options.reduction, ["sum", "mean", "none"], "reduction", "sum");
  const out = checkReducedOutput(options.out, rows, "the per-row values", reduction);
  checkFinite(mu1, "mu1");
  checkFinite(logvar1, "logvar1");
  if (mu2 !== undefined) checkFinite(mu2 as Vector, "mu2");
  if (logvar2 !== undefined) checkFinite(logvar2 as Vector, "logvar2");
  return { mu1, logvar1, mu2: mu2 as Vector | undefined, logvar2: logvar2 as Vector | undefined, rows, reduction, out };
}

/**
 * Per-row KL of the diagonal normals, reduced as asked; writes the gradients where given.
 * Per dimension: ½(e^δ − 1 − δ) + ½z², δ = lv1 − lv2, z = (μ1 − μ2)·e^{−lv2/2};
 * ∂/∂μ1 = (μ1 − μ2)·e^{−lv2}, ∂/∂lv1 = ½·expm1(δ). Each is taken so that it is finite
 * wherever its value is (e^δ/2 past e^709, z where e^{−lv2/2} overflows and μ1 − μ2 is tiny).
 */
function diagRows(input: DiagInput, gradMu?: Float64Array, gradLogvar?: Float64Array): number | Float64Array {
  const { mu1, logvar1, mu2, logvar2, rows, reduction } = input;
  const cols = mu1.length / rows;
  // The gradient of the mean over rows is the gradient of the sum divided by rows.
  const gradScale = reduction === "mean" ? rows : 1;
  /** Row `row`'s value times `scale` (1, or 2^-64 for a mean whose rows' sum overflows). */
  const rowValue = (row: number, scale: number, writeGradients: boolean) => {
    const rowSum = new CompensatedSum();
    const root = Math.sqrt(scale); // a power of 2: exact
    for (let i = row * cols; i < (row + 1) * cols; i++) {
      const lv2 = logvar2 === undefined ? 0 : logvar2[i]!;
      const m2 = mu2 === undefined ? 0 : mu2[i]!;
      // Means of opposite signs near the f64 limit: their difference is taken in halves.
      const halves = !Number.isFinite(mu1[i]! - m2);
      const diff = halves ? mu1[i]! / 2 - m2 / 2 : mu1[i]! - m2;
      const unit = halves ? 2 : 1;
      const delta = logvar1[i]! - lv2;
      const z = unit * mulExp(diff * root, -0.5 * lv2);
      rowSum.add(halfExpm1MinusX(delta, scale));
      rowSum.add(0.5 * z * z);
      if (writeGradients) {
        gradMu![i] = unit * mulExp(diff, -lv2, gradScale);
        gradLogvar![i] = halfExpm1(delta, gradScale);
      }
    }
    return rowSum.value;
  };
  const perRow = input.out ?? new Float64Array(rows);
  for (let row = 0; row < rows; row++) perRow[row] = rowValue(row, 1, gradMu !== undefined && gradLogvar !== undefined);
  if (reduction === "none") return perRow;
  // Rows whose sum overflows (or one row beyond the f64 range) may still have a finite mean.
  return reduction === "mean" ? wideMean(rows, (row, scale) => (scale === 1 ? perRow[row]! : rowValue(row, scale, false))) : sumOf(perRow);
}

/** The compensated sum of the per-row values. */
function sumOf(perRow: Float64Array): number {
  const total = new CompensatedSum();
  for (const value of perRow) total.add(value);
  return total.value;
}

/**
 * D(N(mu1, diag e^logvar1) ‖ N(mu2, diag e^logvar2)) for a batch of diagonal normals,
 * row-major `[rows, d]`: per row Σ_j ½(lv2 − lv1 + (e^lv1 + (μ1 − μ2)²)/e^lv2 − 1).
 * With mu2 and logvar2 omitted the second distribution is N(0, I), giving the VAE term
 * −½Σ(1 + lv1 − μ1² − e^lv1); either one alone may be omitted (mean 0, variance 1).
 * @param mu1 means of the first normals (finite).
 * @param logvar1 natural-log variances of the first normals (finite).
 * @param mu2 means of the second normals, same length; omitted: 0.
 * @param logvar2 log variances of the second normals, same length; omitted: 0.
 * @param options `rows` (default 1), `reduction` ("sum" default, "mean", "none"), `out`.
 * @returns the sum or mean over rows, or with reduction "none" a Float64Array per row.
 * @example diagGaussianKL([0.5, -0.5], [0, Math.log(0.5)]); // 0.3465…: against N(0, I)
 * @example diagGaussianKL([0.5, -0.5, 0, 0], [0, 0, 0, 0], undefined, undefined, { rows: 2, reduction: "none" }); // Float64Array [0.25, 0]
 */
export function diagGaussianKL<O extends DiagGaussianOptions = {}>(
  mu1: Vector,
  logvar1: Vector,
  mu2?: Vector,
  logvar2?: Vector,
  options?: O,
): Reduced<O> {
  return diagRows(settleDiag(mu1, logvar1, mu2, logvar2, options === undefined ? {} : options, DIAG_KEYS)) as Reduced<O>;
}

/**
 * diagGaussianKL and its gradients with respect to mu1 and logvar1, in one pass:
 * ∂/∂mu1 = (μ1 − μ2)/e^lv2 and ∂/∂logvar1 = ½(e^{lv1 − lv2} − 1), divided by rows with
 * reduction "mean" (with "none", the gradient of the sum of the rows).
 * @param mu1 means of the first normals (finite).
 * @param logvar1 natural-log variances of the first normals (finite).
 * @param mu2 means of the second normals, same length; omitted: 0.
 * @param logvar2 log variances of the second normals, same length; omitted: 0.
 * @param options those of diagGaussianKL, plus `gradMu` and `gradLogvar` to write into.
 * @returns `{ value, gradMu, gradLogvar }`, the gradients with the inputs' length.
 * @example diagGaussianKLGrad([0.5, -0.5], [0, Math.log(0.5)]); // { value: 0.3465…, gradMu: [0.5, −0.5], gradLogvar: [0, −0.25] }
 */
export function diagGaussianKLGrad<O extends DiagGaussianGradOptions = {}>(
  mu1: Vector,
  logvar1: Vector,
  mu2?: Vector,
  logvar2?: Vector,
  options?: O,
): DiagGaussianGrad<O> {
  const given: DiagGaussianGradOptions = options === undefined ? {} : options;
  const input = settleDiag(mu1, logvar1, mu2, logvar2, given, DIAG_GRAD_KEYS);
  const length = input.mu1.length;
  const gradMu = checkOutput(given.gradMu, "gradMu", length, "the gradient with respect to mu1") ?? new Float64Array(length);
  const gradLogvar =
    checkOutput(given.gradLogvar, "gradLogvar", length, "the gradient with respect to logvar1") ?? new Float64Array(length);
  const value = diagRows(input, gradMu, gradLogvar) as Reduced<O>;
  return { value, gradMu, gradLogvar };
}

/**
 * The arguments of two multivariate normals (mvnKL, mvnRenyi): vectors, d and d×d shapes,
 * finite entries, symmetric positive definite covariances; their Cholesky factors.
 */
export function checkNormalPair(mu0: Vector, cov0: Vector, mu1: Vector, cov1: Vector): { d: number; lower0: Float64Array; lower1: Float64Array } {
  checkVectorShape(mu0, "mu0");
  checkVectorShape(cov0, "cov0");
  checkVectorShape(mu1, "mu1");
  checkVectorShape(cov1, "cov1");
  const d = mu0.length;
  checkSquare(cov0, "cov0", d, "mu0");
  checkSquare(cov1, "cov1", d, "mu0");
  checkLength(mu1, "mu1", d, "mu0");
  checkFinite(mu0, "mu0");
  checkFinite(cov0, "cov0");
  checkFinite(mu1, "mu1");
  checkFinite(cov1, "cov1");
  return { d, lower0: checkSPD(cov0, d, "cov0"), lower1: checkSPD(cov1, d, "cov1") };
}

/**
 * D(N(mu0, cov0) ‖ N(mu1, cov1)) for full covariance matrices:
 * ½(tr(Σ1⁻¹Σ0) + (μ1 − μ0)ᵀΣ1⁻¹(μ1 − μ0) − d + log det Σ1 − log det Σ0).
 * With Cholesky factors L0, L1 and M = L1⁻¹L0 (by triangular solves, no inverse), the
 * trace is ‖M‖²_F and the log-determinant ratio Σ log M_ii², so the diagonal of M pairs
 * with −d and the determinants into the cancellation-free variance terms of gaussianKL.
 * @param mu0 mean of the first normal, length d (finite).
 * @param cov0 its covariance, row-major d×d, symmetric positive definite (else NOT_SPD; see
 *   checkSPD for what symmetric means).
 * @param mu1 mean of the second normal, length d.
 * @param cov1 its covariance, row-major d×d, symmetric positive definite.
 * @returns the divergence in nats, ≥ 0.
 * @example mvnKL([0, 0], [1, 0.8, 0.8, 1], [0, 0], [1, 0, 0, 1]); // 0.5108… = −½·log(1 − 0.8²)
 */
export function mvnKL(mu0: Vector, cov0: Vector, mu1: Vector, cov1: Vector): number {
  const { d, lower0, lower1 } = checkNormalPair(mu0, cov0, mu1, cov1);

  const total = new CompensatedSum();
  const column = new Float64Array(d);
  for (let j = 0; j < d; j++) {
    // Column j of M = L1⁻¹L0 by forward substitution; M is lower triangular.
    for (let i = j; i < d; i++) {
      let s = lower0[i * d + j]!;
      for (let k = j; k < i; k++) s -= lower1[i * d + k]! * column[k]!;
      column[i] = s / lower1[i * d + i]!;
      if (i > j) total.add(0.5 * column[i]! * column[i]!);
    }
    total.add(varianceTerm(lower0[j * d + j]!, lower1[j * d + j]!));
  }
  // z = L1⁻¹(μ1 − μ0), so the Mahalanobis term is ‖z‖²/2. Where a difference of means
  // overflows (opposite signs near the f64 limit) z/2 is solved for instead, and ‖z‖²/2 = 2‖z/2‖².
  let halves = false;
  for (let i = 0; i < d; i++) if (!Number.isFinite(mu1[i]! - mu0[i]!)) halves = true;
  for (let i = 0; i < d; i++) {
    let s = halves ? mu1[i]! / 2 - mu0[i]! / 2 : mu1[i]! - mu0[i]!;
    for (let k = 0; k < i; k++) s -= lower1[i * d + k]! * column[k]!;
    column[i] = s / lower1[i * d + i]!;
    total.add((halves ? 2 : 0.5) * column[i]! * column[i]!);
  }
  return total.value;
}
