/**
 * The Pareto-k̂ diagnostic of importance weights (Vehtari, Simpson, Gelman, Yao & Gabry,
 * "Pareto smoothed importance sampling", 2015/2024): fit a generalised Pareto distribution to
 * the largest weights; its shape k̂ says how heavy their tail is. k̂ < 0.5: the weights have a
 * finite variance; up to 0.7 the estimate is still usable in practice; above 0.7 the
 * importance-sampling estimate (here of log Z) is unreliable, whatever its standard error says.
 */

/**
 * The shape and scale of a generalised Pareto distribution fitted to `exceedances` (sorted
 * ascending, all ≥ 0) by Zhang & Stephens (2009), "A new and efficient estimation method for
 * the generalized Pareto distribution", Technometrics 51(3): the posterior mean of θ = −k/σ
 * over a grid of m = 30 + ⌊√n⌋ points, each weighted by its profile likelihood; then the
 * weakly informative prior of Vehtari et al. (Appendix C) pulls k̂ towards 0.5 as if by 10
 * observations. Follows ArviZ's `_gpdfit` and loo's `gpdfit` line by line; the shape here is
 * ξ (positive for heavy tails), Zhang & Stephens's −k.
 */
export function generalisedParetoFit(exceedances: ArrayLike<number>): { shape: number; scale: number } {
  const n = exceedances.length;
  const gridPoints = 30 + Math.floor(Math.sqrt(n));
  const quartile = exceedances[Math.floor(n / 4 + 0.5) - 1]!;
  const largest = exceedances[n - 1]!;
  const theta = new Float64Array(gridPoints);
  const profile = new Float64Array(gridPoints);
  const meanLog1p = (t: number) => {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += Math.log1p(-t * exceedances[i]!);
    return sum / n;
  };
  for (let j = 0; j < gridPoints; j++) {
    // Zhang & Stephens's grid, with their prior scale 3 on the first quartile.
    theta[j] = 1 / largest + (1 - Math.sqrt(gridPoints / (j + 1 - 0.5))) / (3 * quartile);
    const k = meanLog1p(theta[j]!);
    profile[j] = n * (Math.log(-theta[j]! / k) - k - 1);
  }
  // Posterior weights w_j = 1 / Σ_i exp(ℓ_i − ℓ_j), which never overflow for the largest ℓ_j;
  // weights below 10 machine epsilons are dropped, as in the reference code.
  let total = 0;
  let thetaSum = 0;
  for (let j = 0; j < gridPoints; j++) {
    let sum = 0;
    for (let i = 0; i < gridPoints; i++) sum += Math.exp(profile[i]! - profile[j]!);
    const weight = 1 / sum;
    if (!(weight >= 10 * Number.EPSILON)) continue;
    total += weight;
    thetaSum += weight * theta[j]!;
  }
  const thetaPosterior = thetaSum / total;
  const shape = meanLog1p(thetaPosterior);
  const scale = -shape / thetaPosterior;
  return { shape: (n * shape + 10 * 0.5) / (n + 10), scale };
}

/**
 * Pareto-k̂ of the importance weights exp(logWeights): the generalised Pareto shape of the
 * largest M = ⌈min(n/5, 3√n)⌉ weights above the (M+1)-th largest (PSIS's tail). Infinity when
 * the tail has 1 to 4 values above the threshold (too few to fit; ArviZ does the same);
 * −Infinity when none is above it, a flat tail of bounded weights (Q = P gives equal weights:
 * ArviZ says Infinity there); NaN for fewer than 2 weights. Weights of 0 (log-weights of −∞) are
 * allowed.
 */
export function paretoK(logWeights: ArrayLike<number>): number {
  const n = logWeights.length;
  if (n < 2) return NaN;
  const sorted = Float64Array.from(logWeights).sort();
  const max = sorted[n - 1]!;
  if (max === -Infinity) return NaN;
  const tailLength = Math.ceil(Math.min(0.2 * n, 3 * Math.sqrt(n)));
  // Weights rescaled by the largest, so that exp never overflows; the threshold no smaller than
  // the least positive normal double, as in ArviZ.
  const threshold = Math.exp(Math.max(sorted[n - tailLength - 1]! - max, Math.log(2 ** -1022)));
  const exceedances: number[] = [];
  for (let i = n - tailLength; i < n; i++) {
    const excess = Math.exp(sorted[i]! - max) - threshold;
    if (excess > 0) exceedances.push(excess);
  }
  if (exceedances.length === 0) return -Infinity;
  if (exceedances.length <= 4) return Infinity;
  return generalisedParetoFit(exceedances).shape;
}
