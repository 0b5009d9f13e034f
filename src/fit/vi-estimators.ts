/**
 * The two Gaussian families of fitGaussianVI as flat parameter vectors, and the per-sample
 * gradients of the reparameterised estimators.
 *
 * Parameters θ = [μ (d), ρ (d), then for full-rank the strict lower triangle of L row by row:
 * L_10, L_20, L_21, …]. L_ii = σ_i = exp(ρ_i), so the scale stays positive with no constraint.
 * A sample is z = μ + Lε with ε ~ N(0, I) (mean-field: L = diag σ), and
 *
 *     log q(z) = −Σ_i ρ_i − (d/2)·log 2π − ½‖ε‖²,   ε = L⁻¹(z − μ).
 *
 * Chain rule through z: for a vector h (a gradient with respect to z),
 *
 *     h·∂z/∂μ_i = h_i,   h·∂z/∂ρ_i = h_i·ε_i·σ_i,   h·∂z/∂L_ij = h_i·ε_j  (i > j).
 *
 * ELBO per sample, log w = log p̃(z) − log q(z), with g = ∇ log p̃(z):
 * - "reparam" (Kingma & Welling 2014; Titsias & Lázaro-Gredilla 2014): the total derivative with
 *   ε fixed. −log q(z(θ); θ) = Σρ + ½‖ε‖² + const, so d(log w)/dθ = g·∂z/∂θ + [1 on each ρ_i]:
 *   the entropy's exact gradient, the same as differentiating H(Q) = Σρ + (d/2)·log(2πe).
 * - "stl" (Roeder, Wu & Duvenaud 2017, "Sticking the landing", eq. 5): the path derivative only,
 *   (g − ∇_z log q(z))·∂z/∂θ with θ held fixed inside log q. ∇_z log q(z) = −L⁻ᵀL⁻¹(z − μ) =
 *   −L⁻ᵀε, so h = g + L⁻ᵀε. The score term it drops, ∂log q/∂θ at fixed z, has expectation 0,
 *   so both are unbiased; when P = N(m, S) and Q = P, g = −S⁻¹(z − m) = −L⁻ᵀε and h = 0 for
 *   every sample: the variance vanishes at the optimum.
 */

/** One family's arithmetic on θ. `prepare(θ)` must be called before the others, after every change of θ. */
export interface GaussianFamily {
  /** Length of θ. */
  readonly size: number;
  /** Reads L from θ (kept until the next prepare). */
  prepare(theta: Float64Array): void;
  /** z = μ + Lε. */
  draw(theta: Float64Array, epsilon: Float64Array, z: Float64Array): void;
  /** out = L⁻ᵀε, the negated ∇_z log q(z) at z = μ + Lε. */
  scoreOfZ(epsilon: Float64Array, out: Float64Array): void;
  /** gradient += weight · h·∂z/∂θ. */
  addPathGradient(h: Float64Array, epsilon: Float64Array, weight: number, gradient: Float64Array): void;
  /** Q's scale as the result gives it: σ (mean-field) or L row-major d×d (full-rank). */
  scale(theta: Float64Array): Float64Array;
}

/** N(μ, diag σ²), θ = [μ, log σ]. */
export function meanField(d: number): GaussianFamily {
  const sigma = new Float64Array(d);
  return {
    size: 2 * d,
    prepare(theta) {
      for (let i = 0; i < d; i++) sigma[i] = Math.exp(theta[d + i]!);
    },
    draw(theta, epsilon, z) {
      for (let i = 0; i < d; i++) z[i] = theta[i]! + sigma[i]! * epsilon[i]!;
    },
    scoreOfZ(epsilon, out) {
      for (let i = 0; i < d; i++) out[i] = epsilon[i]! / sigma[i]!;
    },
    addPathGradient(h, epsilon, weight, gradient) {
      for (let i = 0; i < d; i++) {
        gradient[i]! += weight * h[i]!;
        gradient[d + i]! += weight * h[i]! * epsilon[i]! * sigma[i]!;
      }
    },
    scale(theta) {
      return Float64Array.from(theta.subarray(d, 2 * d), Math.exp);
    },
  };
}

/** N(μ, LLᵀ), θ = [μ, log diag L, strict lower triangle of L row by row]. */
export function fullRank(d: number): GaussianFamily {
  const tril = new Float64Array(d * d);
  const offset = 2 * d;
  /** Where L_ij (i > j) sits in θ. */
  const at = (i: number, j: number) => offset + (i * (i - 1)) / 2 + j;
  const fill = (theta: Float64Array, out: Float64Array) => {
    for (let i = 0; i < d; i++) {
      for (let j = 0; j < i; j++) out[i * d + j] = theta[at(i, j)]!;
      out[i * d + i] = Math.exp(theta[d + i]!);
    }
  };
  return {
    size: 2 * d + (d * (d - 1)) / 2,
    prepare(theta) {
      fill(theta, tril);
    },
    draw(theta, epsilon, z) {
      for (let i = 0; i < d; i++) {
        let sum = theta[i]!;
        for (let j = 0; j <= i; j++) sum += tril[i * d + j]! * epsilon[j]!;
        z[i] = sum;
      }
    },
    scoreOfZ(epsilon, out) {
      // Back substitution for Lᵀx = ε: Lᵀ is upper triangular, (Lᵀ)_ij = L_ji.
      for (let i = d - 1; i >= 0; i--) {
        let sum = epsilon[i]!;
        for (let k = i + 1; k < d; k++) sum -= tril[k * d + i]! * out[k]!;
        out[i] = sum / tril[i * d + i]!;
      }
    },
    addPathGradient(h, epsilon, weight, gradient) {
      for (let i = 0; i < d; i++) {
        const hi = weight * h[i]!;
        gradient[i]! += hi;
        gradient[d + i]! += hi * epsilon[i]! * tril[i * d + i]!;
        const row = at(i, 0);
        for (let j = 0; j < i; j++) gradient[row + j]! += hi * epsilon[j]!;
      }
    },
    scale(theta) {
      const out = new Float64Array(d * d);
      fill(theta, out);
      return out;
    },
  };
}

/**
 * gradient += weight × one sample's gradient of log w = log p̃(z) − log q(z) with respect to θ,
 * given g = ∇ log p̃(z) at z = μ + Lε: with `stl`, the path derivative (g + L⁻ᵀε)·∂z/∂θ; else
 * the reparameterisation gradient g·∂z/∂θ plus the entropy's ∂/∂ρ_i = 1. `scratch`: d numbers.
 */
export function addSampleGradient(family: GaussianFamily, stl: boolean, g: Float64Array, epsilon: Float64Array, weight: number, gradient: Float64Array, scratch: Float64Array): void {
  const d = g.length;
  if (stl) {
    family.scoreOfZ(epsilon, scratch);
    for (let i = 0; i < d; i++) scratch[i]! += g[i]!;
    family.addPathGradient(scratch, epsilon, weight, gradient);
  } else {
    family.addPathGradient(g, epsilon, weight, gradient);
    for (let i = 0; i < d; i++) gradient[d + i]! += weight;
  }
}

/** log Σ exp(values), −Infinity for no values or all −Infinity. */
export function logSumExp(values: ArrayLike<number>): number {
  let max = -Infinity;
  for (let i = 0; i < values.length; i++) if (values[i]! > max) max = values[i]!;
  if (max === -Infinity || !Number.isFinite(max)) return max;
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += Math.exp(values[i]! - max);
  return max + Math.log(sum);
}

/**
 * Li & Turner's (2016) Monte Carlo estimate of the Rényi bound from K log-weights log w_k =
 * log p̃(z_k) − log q(z_k): L̂_α = 1/(1−α)·log((1/K)·Σ_k w_k^(1−α)), by log-sum-exp; the mean of
 * log w at α = 1 (its limit, the ELBO estimate). Biased: for α ∈ [0, 1), E[L̂_α] lies between the
 * ELBO (K = 1) and L_α, rising with K (their Theorem 2); at α = 0 it is the importance-weighted
 * bound of Burda et al. (2016), ≤ log Z in expectation.
 */
export function renyiEstimate(logWeights: ArrayLike<number>, alpha: number): number {
  const k = logWeights.length;
  if (alpha === 1) {
    let sum = 0;
    for (let i = 0; i < k; i++) sum += logWeights[i]!;
    return sum / k;
  }
  const scaled = Array.from(logWeights, (x) => (1 - alpha) * x);
  return (logSumExp(scaled) - Math.log(k)) / (1 - alpha);
}
