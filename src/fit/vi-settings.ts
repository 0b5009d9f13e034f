/**
 * fitGaussianVI's options: checked, with the defaults filled in, and the start read into the
 * flat parameter vector θ of vi-estimators.ts.
 */
import { checkChoice, checkFiniteArray, checkIntegerOption, checkKnownKeys, checkNumberOption, checkOptionsObject, checkPositive } from "../core/checks.js";
import { KLError } from "../core/errors.js";
import { fullRank, meanField, type GaussianFamily } from "./vi-estimators.js";
import type { VIFitBase, VIOptions } from "./vi-types.js";

/**
 * fitGaussianVI's settings when the options leave them out.
 * @example
 * import { VI_DEFAULTS, fitGaussianVI } from "klwasm";
 * fitGaussianVI(logDensity, { dim: 2, samples: 4 * VI_DEFAULTS.samples });
 */
export const VI_DEFAULTS = Object.freeze({
  /** Samples of Q per step. */
  samples: 16,
  /** The most Adam updates. */
  steps: 2000,
  /** Adam's step size. */
  learningRate: 0.05,
  /** The change of the windowed mean objective, in nats, under which the fit stops. */
  tolerance: 1e-3,
  /** Steps per window of the stopping rule, and iterates averaged into the result. */
  window: 100,
  /** How often the step size halves, each time the objective stops moving, before the fit counts as converged. */
  halvings: 3,
  /** Samples of the final Q for log Z, the ELBO and Pareto-k̂. */
  evaluationSamples: 4096,
  /** The generator's seed. */
  seed: 0,
  /** Pareto-k̂ above which the result carries a warning (Vehtari et al.: the estimate is unreliable). */
  paretoKLimit: 0.7,
});

const KNOWN = ["dim", "gradLogDensity", "family", "init", "estimator", "objective", "alpha", "samples", "steps", "learningRate", "tolerance", "evaluationSamples", "seed", "onStep"] as const;

interface Settings {
  d: number;
  family: GaussianFamily;
  theta: Float64Array;
  alpha: number;
  stl: boolean;
  samples: number;
  steps: number;
  learningRate: number;
  tolerance: number;
  evaluationSamples: number;
  seed: number;
}

/** Reads the start into θ, checking it against `dim` and the family. */
function readInit(init: unknown, d: number, fullRankFamily: boolean, family: GaussianFamily): Float64Array {
  const theta = new Float64Array(family.size);
  if (init === undefined) return theta; // μ = 0, ρ = 0 (σ = 1), off-diagonal 0: L = I
  const scaleKey = fullRankFamily ? "scaleTril" : "sigma";
  if (typeof init !== "object" || init === null) throw new KLError("BAD_OPTION", "options.init", `must be an object { mu, ${scaleKey} }`);
  checkKnownKeys(init, ["mu", scaleKey], "options.init");
  const { mu, sigma, scaleTril } = init as { mu?: unknown; sigma?: unknown; scaleTril?: unknown };
  theta.set(checkFiniteArray(mu, "options.init.mu", d));
  if (!fullRankFamily) {
    if (sigma === undefined) return theta.fill(0, d, 2 * d);
    const s = checkFiniteArray(sigma, "options.init.sigma", d);
    checkPositive(s, "options.init.sigma");
    for (let i = 0; i < d; i++) theta[d + i] = Math.log(s[i]!);
    return theta;
  }
  if (scaleTril === undefined) return theta;
  const l = checkFiniteArray(scaleTril, "options.init.scaleTril", d * d);
  for (let i = 0; i < d; i++) {
    for (let j = 0; j < d; j++) {
      const x = l[i * d + j]!;
      if (j > i && x !== 0) throw new KLError("BAD_OPTION", "options.init.scaleTril", `must be lower triangular: element ${i * d + j} (row ${i}, column ${j}) is ${x}`, i * d + j);
      if (j === i && !(x > 0)) throw new KLError("BAD_OPTION", "options.init.scaleTril", `needs a positive diagonal: element ${i * d + j} (row ${i}) is ${x}`, i * d + j);
      if (j === i) theta[d + i] = Math.log(x);
      else if (j < i) theta[2 * d + (i * (i - 1)) / 2 + j] = x;
    }
  }
  return theta;
}

/** Checks fitGaussianVI's arguments and fills in VI_DEFAULTS. */
export function readSettings(logDensity: unknown, options: unknown): Settings & Pick<VIOptions, "gradLogDensity" | "onStep"> & Pick<VIFitBase, "estimator" | "objective"> {
  if (typeof logDensity !== "function") throw new KLError("BAD_OPTION", "logDensity", "must be a function from a Float64Array z to log p̃(z)");
  if (options === undefined) throw new KLError("BAD_OPTION", "options", "is required: at least { dim }");
  checkOptionsObject(options);
  checkKnownKeys(options, KNOWN);
  const o = options as VIOptions;
  const d = checkIntegerOption(o.dim, "options.dim", 1);
  const familyName = checkChoice(o.family, ["mean-field", "full-rank"], "family", "mean-field");
  const objective = checkChoice(o.objective, ["elbo", "renyi"], "objective", "elbo");
  if (objective !== "renyi" && o.alpha !== undefined) {
    throw new KLError("BAD_OPTION", "options.alpha", `is read only with objective "renyi" (Li & Turner's bound), not "${objective}"`);
  }
  if (objective === "renyi" && o.alpha === undefined) {
    throw new KLError("BAD_OPTION", "options.alpha", `is required with objective "renyi": a finite number (1 gives the ELBO, 0 the importance-weighted bound)`);
  }
  const alpha = objective === "renyi" ? checkNumberOption(o.alpha, "options.alpha") : 1;
  const estimator = checkChoice(o.estimator, ["reparam", "stl"], "estimator", alpha === 1 ? "stl" : "reparam");
  if (estimator === "stl" && alpha !== 1) {
    // For weighted bounds, dropping the score term biases the gradient (Tucker, Lawson, Gu &
    // Maddison 2018, "Doubly reparameterized gradient estimators", §3).
    throw new KLError("BAD_OPTION", "options.estimator", `"stl" is biased for the Rényi bound with α ≠ 1 (Tucker et al. 2018): use "reparam"`);
  }
  for (const name of ["gradLogDensity", "onStep"] as const) {
    if (o[name] !== undefined && typeof o[name] !== "function") throw new KLError("BAD_OPTION", `options.${name}`, "must be a function");
  }
  const family = familyName === "full-rank" ? fullRank(d) : meanField(d);
  const seed = o.seed === undefined ? VI_DEFAULTS.seed : checkIntegerOption(o.seed, "options.seed", 0);
  if (seed >= 2 ** 32) throw new KLError("BAD_OPTION", "options.seed", `must be an integer below 2³², got ${seed}`);
  return {
    d,
    family,
    theta: readInit(o.init, d, familyName === "full-rank", family),
    alpha,
    stl: estimator === "stl",
    samples: checkIntegerOption(o.samples ?? VI_DEFAULTS.samples, "options.samples", 1),
    steps: checkIntegerOption(o.steps ?? VI_DEFAULTS.steps, "options.steps", 0),
    learningRate: checkNumberOption(o.learningRate ?? VI_DEFAULTS.learningRate, "options.learningRate", { above: 0 }),
    tolerance: checkNumberOption(o.tolerance ?? VI_DEFAULTS.tolerance, "options.tolerance", { atLeast: 0, finite: false }),
    evaluationSamples: checkIntegerOption(o.evaluationSamples ?? VI_DEFAULTS.evaluationSamples, "options.evaluationSamples", 10),
    seed,
    gradLogDensity: o.gradLogDensity,
    onStep: o.onStep,
    estimator,
    objective,
  };
}

