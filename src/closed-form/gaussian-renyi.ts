/**
 * Rényi and Amari α-divergences between univariate normals, in nats, in f64.
 *
 * With r = σ1²/σ2² (δ = log r, w = r − 1, t = 1 − 1/r), z = (μ1 − μ2)/σ2, u = 1 − α and
 * σ_α² = α·σ2² + (1 − α)·σ1², m = σ_α²/σ2² = α + u·r (Gil, Alajaji & Linder 2013, "Rényi
 * divergence measures for commonly used univariate continuous distributions", Inf. Sci. 249,
 * Table 2):
 *
 *   D_α(P‖Q) = log(σ2/σ1) + log(σ2²/σ_α²)/(2(α − 1)) + α·(μ1 − μ2)²/(2σ_α²) = h/2 + α·z²/(2m),
 *
 * h = log(m)/u − δ, and log ∫ p^α q^(1−α) = −u·D_α, finite only where m > 0. h is taken without
 * cancellation on each side of α = ½, with g(x) = e^x − 1 − x and l(y) = log(1 + y) − y
 * (numeric/series.ts):
 *
 *   α ≤ ½: h = (α·g(−δ) + l(−α·t))/u   (log m = δ + log(1 − α·t)),
 *   α > ½: h = g(δ) + l(u·w)/u         (log m = log(1 + u·w)),
 *
 * for |δ| < 1, whose parts share their sign or are at most ½ of each other, so that
 * h ≈ α·u·δ²/2 keeps its digits near α = 0, near α = 1 and for nearly equal variances; beyond,
 * where those parts grow apart as e^|δ|, the direct forms (varianceParts).
 */
import { checkScalar } from "../core/checks.js";
import { KLError } from "../core/errors.js";
import type { Vector } from "../core/types.js";
import { CompensatedSum } from "../numeric/compensated-sum.js";
import { expm1MinusX, log1pMinusX, log1pMinusXOverX, log1pOverX } from "../numeric/series.js";
import { symmetricEigen } from "../numeric/symmetric-eigen.js";
import { checkNormalPair, checkNormals, gaussianKL, standardizedDifference } from "./gaussian.js";

/** Beyond this |δ|, e^δ or e^−δ may overflow: log m is taken in logs. */
const WIDE_LOG_RATIO = 700;

/** The pieces of D_α for one pair of normals (see the module's comment). */
interface Pair {
  /** log r, r = σ1²/σ2². */
  delta: number;
  /** r − 1, exact where σ1 and σ2 are close. */
  w: number;
  /** (μ1 − μ2)/σ2, finite wherever it is representable. */
  z: number;
}

function pairOf(mu1: number, sigma1: number, mu2: number, sigma2: number): Pair {
  // (σ1 − σ2)(σ1 + σ2)/σ2²: σ1 − σ2 is exact where they are close (Sterbenz).
  const ratio = sigma1 / sigma2;
  const w = ratio > 0.5 && ratio < 2 ? ((sigma1 - sigma2) / sigma2) * ((sigma1 + sigma2) / sigma2) : ratio * ratio - 1;
  const delta = w > -0.75 && w < 3 ? Math.log1p(w) : ratio >= 1e-150 && ratio <= 1e150 ? 2 * Math.log(ratio) : 2 * (Math.log(sigma1) - Math.log(sigma2));
  return { delta, w, z: standardizedDifference(mu1, mu2, sigma2) };
}

/**
 * h = log(m)/u − δ, h/α and log m, or undefined where m ≤ 0, by the forms that keep their
 * digits: the series forms below |δ| = 1 (the module's comment), and beyond it
 *   α ≤ ½: h = (α·δ + log(1 − α·t))/u,   α > ½: h = log(1 + u·w)/u − δ,
 * whose parts are of different sizes there; 1 − α·t = u + α·e^−δ and 1 + u·w = α + u·e^δ are
 * taken in logs where e^±δ would overflow (|δ| > 700). h/α beside h, so that gaussianAlpha
 * keeps D/α for any α > 0, subnormal ones included (h itself vanishes with α); for α ≤ ½ the
 * parts that vanish with α are divided by it analytically (log1pMinusXOverX). At α = 0, h/α is
 * its limit g(−δ).
 */
function varianceParts(delta: number, w: number, alpha: number): { h: number; hOverAlpha: number; logM: number } | undefined {
  const u = 1 - alpha;
  if (alpha <= 0.5) {
    const t = -Math.expm1(-delta);
    const y = -alpha * t;
    if (!(delta < -WIDE_LOG_RATIO)) {
      if (!(y > -1)) return undefined;
      // log(1 − α·t)/α = −t·log1p(y)/y, and l(y)/α = −t·l(y)/y.
      const beyondOverAlpha = -t * log1pOverX(y);
      const hOverAlpha = Math.abs(delta) < 1 ? (expm1MinusX(-delta) - t * log1pMinusXOverX(y)) / u : (delta + beyondOverAlpha) / u;
      return { h: alpha * hOverAlpha, hOverAlpha, logM: delta + Math.log1p(y) };
    }
    // 1 − α·t = e^|δ|·(α + u·e^−|δ|): positive only for α > 0.
    if (!(alpha > 0)) return alpha === 0 ? { h: 0, hOverAlpha: expm1MinusX(-delta), logM: delta } : undefined;
    const beyond = -delta + Math.log(alpha + u * Math.exp(delta));
    return { h: (alpha * delta + beyond) / u, hOverAlpha: (delta + beyond / alpha) / u, logM: delta + beyond };
  }
  let logM: number;
  if (!(delta > WIDE_LOG_RATIO)) {
    if (!(u * w > -1)) return undefined;
    logM = Math.log1p(u * w);
  } else {
    // 1 + u·w = e^δ·(u + α·e^−δ): positive only for u > 0.
    if (!(u > 0)) return undefined;
    logM = delta + Math.log(u + alpha * Math.exp(-delta));
  }
  const h = Math.abs(delta) < 1 ? expm1MinusX(delta) + log1pMinusX(u * w) / u : logM / u - delta;
  return { h, hOverAlpha: h / alpha, logM };
}

/** D_α/α and D_α by the formula above (D_α/α at α = 0 is its limit), or undefined where m ≤ 0. */
function renyiFormula({ delta, w, z }: Pair, alpha: number): { perAlpha: number; value: number } | undefined {
  const parts = varianceParts(delta, w, alpha);
  if (parts === undefined) return undefined;
  // z²/(2m), m = e^logM.
  const meanPerAlpha = z === 0 ? 0 : (0.5 * z) * (z * Math.exp(-parts.logM));
  const mean = z === 0 ? 0 : ((alpha * z) * (z * Math.exp(-parts.logM))) * 0.5;
  return { perAlpha: 0.5 * parts.hOverAlpha + meanPerAlpha, value: 0.5 * parts.h + mean };
}

/**
 * The Rényi divergence of order α between two normals, D_α(N(mu1, sigma1²) ‖ N(mu2, sigma2²))
 * = log(∫ p^α q^(1−α))/(α − 1), in nats (Gil, Alajaji & Linder 2013):
 * log(σ2/σ1) + log(σ2²/σ_α²)/(2(α − 1)) + α(μ1 − μ2)²/(2σ_α²), σ_α² = ασ2² + (1 − α)σ1².
 * Exact limits: α = 1 is gaussianKL (the value is continuous there to the last digits), α = 0
 * is −log ∫_{p>0} q = 0, α = Infinity is log sup p/q = log(σ2/σ1) + (μ1 − μ2)²/(2(σ2² − σ1²)) for
 * σ1 < σ2 (0 for equal normals, else +Infinity). Non-decreasing in α; +Infinity where
 * σ_α² ≤ 0 (α > 1 and σ1 > σ2, from α ≥ σ1²/(σ1² − σ2²)).
 * @param mu1 mean of the first normal (finite).
 * @param sigma1 standard deviation of the first normal (finite, > 0).
 * @param mu2 mean of the second normal (finite).
 * @param sigma2 standard deviation of the second normal (finite, > 0).
 * @param alpha the order, in [0, Infinity].
 * @returns the divergence, ≥ 0, in nats.
 * @throws KLError NAN, INFINITE or NEGATIVE naming the argument (alpha < 0 is NEGATIVE).
 * @example gaussianRenyi(0, 1, 1, 2, 0.5); // 0.3231… = −2·log of the Bhattacharyya coefficient
 */
export function gaussianRenyi(mu1: number, sigma1: number, mu2: number, sigma2: number, alpha: number): number {
  checkNormals(mu1, sigma1, mu2, sigma2);
  checkOrder(alpha);
  if (alpha === 1) return gaussianKL(mu1, sigma1, mu2, sigma2);
  // −log ∫_{p>0} q: a normal is positive everywhere.
  if (alpha === 0) return 0;
  const pair = pairOf(mu1, sigma1, mu2, sigma2);
  return alpha === Infinity ? renyiAtInfinity(pair) : (renyiFormula(pair, alpha)?.value ?? Infinity);
}

/** NAN or NEGATIVE unless `alpha` is a Rényi order, in [0, Infinity]. */
function checkOrder(alpha: number): void {
  if (typeof alpha !== "number" || Number.isNaN(alpha)) throw new KLError("NAN", "alpha", `must be a number, got ${String(alpha)}`);
  if (alpha < 0) throw new KLError("NEGATIVE", "alpha", `is a Rényi order and must be in [0, Infinity], got ${alpha}`);
}

/** log sup p/q: −½·log r + z²/(2(1 − r)) for r < 1, 0 for equal normals, else +Infinity. */
function renyiAtInfinity({ delta, w, z }: Pair): number {
  if (w === 0) return z === 0 ? 0 : Infinity;
  return w > 0 ? Infinity : -0.5 * delta + (z === 0 ? 0 : (z / (-2 * w)) * z);
}

/**
 * The Rényi divergence of order α between two multivariate normals, D_α(N(mu0, cov0) ‖
 * N(mu1, cov1)) = α/2·(μ0 − μ1)ᵀΣ_α⁻¹(μ0 − μ1) − log(det Σ_α/(det Σ0^(1−α)·det Σ1^α))/(2(α − 1)),
 * Σ_α = α·Σ1 + (1 − α)·Σ0, in nats (Gil, Alajaji & Linder 2013, Table 2). Taken as the sum of
 * gaussianRenyi's forms along the eigenvectors of E = L1⁻¹(Σ0 − Σ1)L1⁻ᵀ (L1 the Cholesky factor
 * of Σ1): there the two normals are independent, with variance ratios 1 + w_i (w_i E's
 * eigenvalues, from Σ0 − Σ1 entry by entry, so nearly equal covariances keep their digits) and
 * whitened mean differences y = Vᵀ·L1⁻¹(μ0 − μ1); a ratio far from 1 is read from L1⁻¹Σ0L1⁻ᵀ
 * along the same eigenvector. α = 1 is the KL (mvnKL's value, taken along the same directions,
 * which keeps the digits of nearly equal covariances), α = 0 is 0, α = Infinity is
 * log sup p/q (+Infinity unless Σ1 − Σ0 is positive definite, or the normals are equal).
 * @param mu0 mean of the first normal, length d (finite).
 * @param cov0 its covariance, row-major d×d, symmetric positive definite (else NOT_SPD).
 * @param mu1 mean of the second normal, length d.
 * @param cov1 its covariance, row-major d×d, symmetric positive definite.
 * @param alpha the order, in [0, Infinity].
 * @returns the divergence in nats, ≥ 0.
 * @throws KLError as mvnKL for the normals; NAN or NEGATIVE for alpha; NOT_SPD naming alpha
 *   where Σ_α is not positive definite (α > 1 only).
 * @example mvnRenyi([0, 0], [1, 0.8, 0.8, 1], [0, 0], [1, 0, 0, 1], 0.5); // 0.3364…: variances 1.8 and 0.2 along (1, ±1)/√2, each by gaussianRenyi
 */
export function mvnRenyi(mu0: Vector, cov0: Vector, mu1: Vector, cov1: Vector, alpha: number): number {
  const { d, lower1 } = checkNormalPair(mu0, cov0, mu1, cov1);
  checkOrder(alpha);
  if (alpha === 0) return 0;
  // E = L1⁻¹·Δ·L1⁻ᵀ, Δ = Σ0 − Σ1 (symmetrised), by two triangular solves.
  const difference = new Float64Array(d * d);
  for (let i = 0; i < d; i++) {
    for (let j = 0; j < d; j++) difference[i * d + j] = 0.5 * ((cov0[i * d + j]! - cov1[i * d + j]!) + (cov0[j * d + i]! - cov1[j * d + i]!));
  }
  const half = solveLower(lower1, difference, d);
  const whitened = solveLower(lower1, transposed(half, d), d);
  for (let i = 0; i < d; i++) {
    for (let j = i + 1; j < d; j++) whitened[i * d + j] = whitened[j * d + i] = 0.5 * (whitened[i * d + j]! + whitened[j * d + i]!);
  }
  const { values, vectors } = symmetricEigen(whitened, d);
  // A = L1⁻¹·Σ0·L1⁻ᵀ = I + E: a variance ratio far from 1 is taken from A (a Rayleigh quotient
  // along E's eigenvector), where 1 + w would carry w's absolute rounding into a small ratio.
  const ratios = solveLower(lower1, transposed(solveLower(lower1, cov0, d), d), d);
  // y = Vᵀ·L1⁻¹(μ0 − μ1); where a difference of means overflows, from halves (and y = 2·ỹ).
  let halves = false;
  for (let i = 0; i < d; i++) if (!Number.isFinite(mu0[i]! - mu1[i]!)) halves = true;
  const means = Float64Array.from({ length: d }, (_, i) => (halves ? mu0[i]! / 2 - mu1[i]! / 2 : mu0[i]! - mu1[i]!));
  const solved = solveLower(lower1, means, d, 1);
  const total = new CompensatedSum();
  for (let k = 0; k < d; k++) {
    let y = 0;
    for (let i = 0; i < d; i++) y += vectors[i * d + k]! * solved[i]!;
    const pair = { ...ratioAlong(values[k]!, ratios, vectors, k, d), z: halves ? 2 * y : y };
    if (alpha === 1) {
      // D(P‖Q) along the direction: ½(e^δ − 1 − δ) + ½z².
      total.add(0.5 * expm1MinusX(pair.delta) + 0.5 * pair.z * pair.z);
      continue;
    }
    if (alpha === Infinity) {
      total.add(renyiAtInfinity(pair));
      continue;
    }
    const along = renyiFormula(pair, alpha);
    if (along === undefined) throw new KLError("NOT_SPD", "alpha", `makes α·cov1 + (1 − α)·cov0 not positive definite (alpha = ${alpha})`);
    total.add(along.value);
  }
  return total.value;
}

/**
 * The variance ratio along eigenvector k of E as δ = log r and w = r − 1: from E's eigenvalue w
 * where |w| < ½ (nearly equal variances), else from the Rayleigh quotient r = vᵀAv.
 */
function ratioAlong(w: number, ratios: Float64Array, vectors: Float64Array, k: number, d: number): { delta: number; w: number } {
  if (Math.abs(w) < 0.5) return { delta: Math.log1p(w), w };
  let r = 0;
  for (let i = 0; i < d; i++) {
    let row = 0;
    for (let j = 0; j < d; j++) row += ratios[i * d + j]! * vectors[j * d + k]!;
    r += vectors[i * d + k]! * row;
  }
  // r > 0 (Σ0 is positive definite); the floor keeps a nearly singular Σ0 from rounding past it.
  r = Math.max(r, Number.MIN_VALUE);
  return { delta: Math.log(r), w: r - 1 };
}

/** L⁻¹·B for lower-triangular L (d×d) and B with `columns` columns (row-major), by forward substitution. */
function solveLower(lower: Float64Array, b: ArrayLike<number>, d: number, columns = d): Float64Array {
  const x = Float64Array.from(b);
  for (let c = 0; c < columns; c++) {
    for (let i = 0; i < d; i++) {
      let s = x[i * columns + c]!;
      for (let k = 0; k < i; k++) s -= lower[i * d + k]! * x[k * columns + c]!;
      x[i * columns + c] = s / lower[i * d + i]!;
    }
  }
  return x;
}

function transposed(a: Float64Array, d: number): Float64Array {
  const t = new Float64Array(d * d);
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) t[j * d + i] = a[i * d + j]!;
  return t;
}

/**
 * Amari's α-divergence between two normals (Minka 2005, "Divergence measures and message
 * passing", eq. 8; TensorFlow Probability's amari_alpha): (1 − ∫ p^α q^(1−α))/(α(1 − α)) with
 * ∫ p^α q^(1−α) = exp(−(1 − α)·D_α) from gaussianRenyi's formula, in nats. α = 1 is
 * D(P‖Q) and α = 0 is D(Q‖P) (gaussianKL), continuous there; α = ½ is 4·(1 − BC), BC the
 * Bhattacharyya coefficient. +Infinity where α·σ2² + (1 − α)·σ1² ≤ 0. Bishop's α (PRML eq.
 * 10.19) is 2·α − 1 of this one, and Rényi's order α is this α.
 * @param mu1 mean of the first normal (finite).
 * @param sigma1 standard deviation of the first normal (finite, > 0).
 * @param mu2 mean of the second normal (finite).
 * @param sigma2 standard deviation of the second normal (finite, > 0).
 * @param alpha the order, any finite number.
 * @returns the divergence, ≥ 0.
 * @throws KLError NAN, INFINITE or NEGATIVE naming the argument.
 * @example gaussianAlpha(0, 1, 1, 2, 0); // 1.3068… = gaussianKL(1, 2, 0, 1), D(Q‖P)
 */
export function gaussianAlpha(mu1: number, sigma1: number, mu2: number, sigma2: number, alpha: number): number {
  checkNormals(mu1, sigma1, mu2, sigma2);
  checkScalar(alpha, "alpha");
  if (alpha === 1) return gaussianKL(mu1, sigma1, mu2, sigma2);
  if (alpha === 0) return gaussianKL(mu2, sigma2, mu1, sigma1);
  const renyi = renyiFormula(pairOf(mu1, sigma1, mu2, sigma2), alpha);
  if (renyi === undefined) return Infinity;
  const u = 1 - alpha;
  const x = -u * renyi.value;
  // Where D_α nears the subnormals (α itself tiny), (D_α/α)·expm1(x)/x, the same value without
  // the digits D_α has lost; else the formula as it stands (also where D_α is infinite).
  if (Math.abs(renyi.value) < SUBNORMAL_DANGER) return renyi.perAlpha * (x === 0 ? 1 : Math.expm1(x) / x);
  return -Math.expm1(x) / (alpha * u);
}

/** Below this, D_α may have lost digits to the subnormals: 2^-900. */
const SUBNORMAL_DANGER = 2 ** -900;
