/**
 * The variational-inference panel's computations, apart from the page (so that tests run them
 * in Node): a 1-D fitGaussianVI of the page's mixture P from a start the user sets, with the
 * Q of its last steps and seeded draws from them; and the PRML Fig. 10.2 picture, mean-field
 * and full-rank fits of a correlated 2-D Gaussian, with the ellipses to draw them.
 */
import { fitGaussianVI, mixtureLogDensity, type Mixture, type VIObjective, type VIStep } from "../src/index.js";
import { normalGenerator } from "../src/numeric/random.js";

/** How many of the last steps' Q are drawn as ticks, and draws from each. */
export const LAST_STEPS = { steps: 5, draws: 16 };

/** The seed of the fits and of the ticks' draws: the same page state always shows the same picture. */
export const VI_SEED = 1;

/** What the 1-D fit shows: Q's parameters, the ELBO and log Z with their standard errors, the trace, and the last steps' draws. */
export interface Fit1D {
  mu: number;
  sigma: number;
  elbo: number;
  elboStandardError: number;
  logZ: number;
  logZStandardError: number;
  paretoK: number;
  warning: string | undefined;
  steps: number;
  converged: boolean;
  /** The objective's estimate at every step (the ELBO, or L_α with the Rényi objective). */
  history: VIStep[];
  /** Draws from the Q of each of the last LAST_STEPS.steps updates, oldest first. */
  lastDraws: Array<{ step: number; mu: number; sigma: number; z: number[] }>;
  milliseconds: number;
}

/**
 * Fits N(μ, σ²) to the mixture P by fitGaussianVI (dim 1, mean-field) from `start`, maximising
 * the ELBO or the Rényi bound at `alpha`. onStep gives Q's parameters, not the step's samples,
 * so the ticks are fresh draws from the last steps' Q by the library's seeded normal generator.
 */
export function fitMixture1D(target: Mixture, start: { mu: number; sigma: number }, objective: VIObjective, alpha: number): Fit1D {
  const point = new Float64Array(1);
  const logDensity = (z: Float64Array) => {
    point[0] = z[0]!;
    return mixtureLogDensity(target, point)[0]!;
  };
  const recent: Array<{ step: number; mu: number; sigma: number }> = [];
  const begin = performance.now();
  const fit = fitGaussianVI(logDensity, {
    dim: 1,
    family: "mean-field",
    init: { mu: [start.mu], sigma: [start.sigma] },
    objective,
    ...(objective === "renyi" ? { alpha } : {}),
    seed: VI_SEED,
    onStep: (state) => {
      recent.push({ step: state.step, mu: state.mu[0]!, sigma: state.sigma![0]! });
      if (recent.length > LAST_STEPS.steps) recent.shift();
    },
  });
  const milliseconds = performance.now() - begin;
  const normal = normalGenerator(VI_SEED);
  return {
    mu: fit.mu[0]!, sigma: fit.sigma[0]!,
    elbo: fit.elbo, elboStandardError: fit.elboStandardError,
    logZ: fit.logZ, logZStandardError: fit.logZStandardError,
    paretoK: fit.paretoK, warning: fit.warning,
    steps: fit.steps, converged: fit.converged, history: fit.history,
    lastDraws: recent.map((q) => ({ ...q, z: Array.from({ length: LAST_STEPS.draws }, () => q.mu + q.sigma * normal()) })),
    milliseconds,
  };
}

/** A 2×2 symmetric matrix [[a, b], [b, c]]. */
export interface Sym2 {
  a: number;
  b: number;
  c: number;
}

/** The 2-D picture's numbers: the target's Σ and 1/Λᵢᵢ, and both fits' means and covariances. */
export interface Fit2D {
  sigma: Sym2;
  /** 1/Λᵢᵢ, Λ = Σ⁻¹: the variances mean-field VI converges to (Bishop, PRML §10.1.2). */
  inverseLambda: [number, number];
  meanField: { mu: [number, number]; covariance: Sym2; elbo: number; logZ: number };
  fullRank: { mu: [number, number]; covariance: Sym2; elbo: number; logZ: number };
  /** log Z of exp(−½ zᵀΛz), the unnormalised target: log(2π·√det Σ). */
  logZ: number;
  milliseconds: number;
}

/** Mean-field and full-rank VI of P = N(0, [[1, ρ], [ρ, 1]]), from log p̃(z) = −½ zᵀΛz and its gradient. */
export function fitCorrelated2D(rho: number): Fit2D {
  const det = 1 - rho * rho;
  const lambda = { a: 1 / det, b: -rho / det, c: 1 / det };
  const logDensity = (z: Float64Array) => -0.5 * (lambda.a * z[0]! ** 2 + 2 * lambda.b * z[0]! * z[1]! + lambda.c * z[1]! ** 2);
  const gradLogDensity = (z: Float64Array, out: Float64Array) => {
    out[0] = -(lambda.a * z[0]! + lambda.b * z[1]!);
    out[1] = -(lambda.b * z[0]! + lambda.c * z[1]!);
  };
  const begin = performance.now();
  const common = { dim: 2, seed: VI_SEED, gradLogDensity, init: { mu: [0.5, -0.5] } };
  const mf = fitGaussianVI(logDensity, { ...common, family: "mean-field" });
  const fr = fitGaussianVI(logDensity, { ...common, family: "full-rank" });
  const milliseconds = performance.now() - begin;
  const [l00, , l10, l11] = fr.scaleTril as unknown as [number, number, number, number];
  return {
    sigma: { a: 1, b: rho, c: 1 },
    inverseLambda: [1 / lambda.a, 1 / lambda.c],
    meanField: { mu: [mf.mu[0]!, mf.mu[1]!], covariance: { a: mf.sigma[0]! ** 2, b: 0, c: mf.sigma[1]! ** 2 }, elbo: mf.elbo, logZ: mf.logZ },
    fullRank: { mu: [fr.mu[0]!, fr.mu[1]!], covariance: { a: l00 * l00, b: l10 * l00, c: l10 * l10 + l11 * l11 }, elbo: fr.elbo, logZ: fr.logZ },
    logZ: Math.log(2 * Math.PI * Math.sqrt(det)),
    milliseconds,
  };
}

/**
 * The ellipse {x : (x − m)ᵀC⁻¹(x − m) = r²} as `count` points: m + r·L(cos t, sin t), with L
 * the Cholesky factor of C (LLᵀ = C maps the unit circle onto the ellipse of radius 1).
 */
export function ellipse(mean: [number, number], covariance: Sym2, radius: number, count = 96): Array<[number, number]> {
  const l00 = Math.sqrt(covariance.a);
  const l10 = covariance.b / l00;
  const l11 = Math.sqrt(Math.max(0, covariance.c - l10 * l10));
  return Array.from({ length: count + 1 }, (_, k) => {
    const t = (2 * Math.PI * k) / count;
    const [u, v] = [radius * Math.cos(t), radius * Math.sin(t)];
    return [mean[0] + l00 * u, mean[1] + l10 * u + l11 * v];
  });
}
