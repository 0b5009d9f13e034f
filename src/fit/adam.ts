/**
 * The optimiser of the fits: Adam on Q's (μ, log σ), minimising D(P‖Q) (forward,
 * zero-avoiding), D(Q‖P) (reverse, zero-forcing) or Amari's α-divergence A_α(P‖Q) between
 * them, with the library's gradient kernels, on any backend.
 *
 * Q lives on the same grid as P. Its logits are
 *
 *     z_i = −Σ_k (x_ki − μ_k)² / (2σ_k²)  (+ log of the cell width on an uneven grid)
 *
 * so softmax(z) is the discretised Gaussian N(μ, diag σ²). The kernels give dD/dz
 * (`forwardGrad`: q − p; `reverseGrad`: q·(log q − log p − D)); the chain rule
 *
 *     dz_i/dμ_k = (x_ki − μ_k)/σ_k²,   dz_i/d(log σ_k) = (x_ki − μ_k)²/σ_k²
 *
 * turns that into the gradient for (μ, log σ), which Adam follows. At the optimum the
 * forward fit matches P's mean and variance on the grid (moment matching; for a
 * factorised Q, the marginal variances Σ_kk); the reverse fit settles on one mode of a
 * well-separated mixture, and for a correlated Gaussian P has variances 1/Λ_kk
 * (Λ = Σ⁻¹), narrower than the marginals. A_α moves between the two: the forward fit at
 * α = 1, the reverse fit at α = 0 (taken by forwardGrad and reverseGrad there, so that the
 * fits are the same, bit for bit); for a mixture, over a range of α in between, both a
 * mode and a Q covering the modes are local minima, and the start decides.
 */
import { checkChoice, checkIntegerOption, checkNumberOption } from "../core/checks.js";
import { KLError } from "../core/errors.js";
import type { KL } from "../core/types.js";
import type { Problem } from "./targets.js";
import type { FitDirection, FitObjective, FitOptions } from "./types.js";

/**
 * The optimiser's settings when the options leave them out (`steps`, `learningRate`,
 * `tolerance`), and Adam's own constants, as in Kingma & Ba (2015).
 * @example
 * import { ADAM_DEFAULTS, fitGaussian } from "klwasm";
 * fitGaussian(kl, bimodal, { learningRate: ADAM_DEFAULTS.learningRate / 2, steps: 2 * ADAM_DEFAULTS.steps });
 */
export const ADAM_DEFAULTS = Object.freeze({
  /** The most Adam updates. */
  steps: 5000,
  /** The step size: μ moves in units of σ, σ in units of log σ. */
  learningRate: 0.05,
  /** Stop when no update moves more than this and the divergence changes by less (nats). */
  tolerance: 1e-9,
  /** Decay rate of the first moment (the gradient's running mean). */
  beta1: 0.9,
  /** Decay rate of the second moment (the squared gradient's running mean). */
  beta2: 0.999,
  /** Added to the second moment's root, so that a zero gradient does not divide by 0. */
  epsilon: 1e-8,
});

/** The optimiser's options after checking, with defaults filled in. */
export interface Settings {
  direction: FitObjective;
  /** Amari's α with direction "alpha", else undefined. */
  alpha: number | undefined;
  steps: number;
  learningRate: number;
  tolerance: number;
}

/**
 * Checks the optimiser's options (common to both fits) and fills in ADAM_DEFAULTS. `alpha`
 * is required with direction "alpha" and refused with the others, where it would be ignored.
 */
export function readSettings(options: Pick<FitOptions, "direction" | "alpha" | "steps" | "learningRate" | "tolerance">): Settings {
  const { steps = ADAM_DEFAULTS.steps, learningRate = ADAM_DEFAULTS.learningRate, tolerance = ADAM_DEFAULTS.tolerance } = options;
  const direction = checkChoice(options.direction, ["forward", "reverse", "alpha"], "direction", "forward");
  if (direction !== "alpha" && options.alpha !== undefined) {
    throw new KLError("BAD_OPTION", "options.alpha", `is read only with direction "alpha" (Amari's α-divergence), not "${direction}"`);
  }
  if (direction === "alpha" && options.alpha === undefined) {
    throw new KLError("BAD_OPTION", "options.alpha", `is required with direction "alpha": Amari's order, a finite number (1 gives the forward fit, 0 the reverse)`);
  }
  return {
    direction,
    alpha: direction === "alpha" ? checkNumberOption(options.alpha, "options.alpha") : undefined,
    steps: checkIntegerOption(steps, "options.steps", 0),
    learningRate: checkNumberOption(learningRate, "options.learningRate", { above: 0 }),
    tolerance: checkNumberOption(tolerance, "options.tolerance", { atLeast: 0, finite: false }),
  };
}

/**
 * The KL direction a fit is, or is nearest: A_α is D(P‖Q) at α = 1 and D(Q‖P) at α = 0, and
 * A_α(P‖Q) = A_(1−α)(Q‖P), so ½ splits the family into its zero-avoiding (α ≥ ½) and
 * zero-forcing (α < ½) halves. The default start and the treatment of P's zeros follow it.
 */
export function nearestDirection(settings: Settings): FitDirection {
  if (settings.direction !== "alpha") return settings.direction;
  return settings.alpha! >= 0.5 ? "forward" : "reverse";
}

/**
 * Whether the divergence is infinite for any Gaussian Q where P is 0: D(Q‖P), and A_α for
 * α ≤ 0 (for α > 0 its term where p = 0 is q/α, finite).
 */
export function infiniteWhereTargetIsZero(settings: Settings): boolean {
  return settings.direction === "reverse" || (settings.direction === "alpha" && settings.alpha! <= 0);
}

export interface Ending {
  steps: number;
  converged: boolean;
}

export interface Point {
  mu: Float64Array;
  logSigma: Float64Array;
  kl: number;
}

/**
 * Whether Q's logits describe a distribution: no NaN (σ² underflowed) and some point not at
 * −∞ (Q is not all beyond the grid's reach).
 */
function representable(logits: Float64Array): boolean {
  let finite = false;
  for (const z of logits) {
    if (Number.isNaN(z)) return false;
    if (z > -Infinity) finite = true;
  }
  return finite;
}

/**
 * Adam on θ = (μ, log σ) over a discretised problem. Yields the point of every evaluation
 * (the start first); returns how the run ended. `start`: the caller's argument the start came
 * from, named if Q cannot be put on the grid there (the kernels would name their own `approx`).
 */
export function* optimise(kl: KL, problem: Problem, settings: Settings, mu0: number[], sigma0: number[], start: string): Generator<Point, Ending> {
  const { dims, coords, target, space, logCell } = problem;
  const n = target.length;
  const logits = new Float64Array(n);
  const grad = new Float64Array(n);
  const mu = Float64Array.from(mu0);
  const logSigma = Float64Array.from(sigma0, Math.log);
  const gradient = new Float64Array(2 * dims);
  const m = new Float64Array(2 * dims);
  const v = new Float64Array(2 * dims);
  const options = { pSpace: space, qSpace: "logits" as const, out: grad };
  const { direction, alpha } = settings;
  // A_1 is D(P‖Q) and A_0 is D(Q‖P), term by term: their own kernels take them, so that
  // α = 1 and α = 0 are the forward and reverse fits exactly.
  const call = direction === "forward" || alpha === 1
    ? (z: Float64Array) => kl.forwardGrad(target, z, options)
    : direction === "reverse" || alpha === 0
      ? (z: Float64Array) => kl.reverseGrad(target, z, options)
      : (z: Float64Array) => kl.alphaGrad(target, z, { ...options, alpha: alpha! });
  // Between them Adam follows log(1 + A_α), which has A_α's minima and the gradient
  // ∇A/(1 + A): ∇A where A is small, scale-free where it is large. Outside [0, 1], A_α spans
  // fifty orders of magnitude and more between a start in the other basin and the optimum (on
  // the demo's mixture, 4e51 at α = −1 for the wide Q that fits at α = ½; 1e48 at α = 2 for
  // the narrow Q on its heavy mode), and Adam's second moment, remembering the first
  // gradients, would make its steps vanish long before the optimum: a false convergence.
  const damped = direction === "alpha" && alpha !== 0 && alpha !== 1;
  const { beta1, beta2, epsilon } = ADAM_DEFAULTS;
  let previous = NaN;
  let moved = Infinity;

  for (let step = 0; ; step++) {
    logits.fill(0);
    if (logCell) logits.set(logCell);
    for (let k = 0; k < dims; k++) {
      const c = coords[k]!;
      const scale = -0.5 * Math.exp(-2 * logSigma[k]!);
      for (let i = 0; i < n; i++) logits[i]! += scale * (c[i]! - mu[k]!) ** 2;
    }
    if (!representable(logits)) {
      if (step === 0) {
        throw new KLError("BAD_OPTION", start, `gives a start (μ = ${mu0.join(", ")}, σ = ${sigma0.join(", ")}) whose Gaussian cannot be represented on the grid from ${problem.bounds.map(([a, b]) => `${a} to ${b}`).join(" × ")}: σ² underflows or Q lies beyond it; rescale the problem or give options.init`);
      }
      // The optimiser walked to a σ the grid cannot hold: the last evaluated point is the result.
      return { steps: step - 1, converged: false };
    }
    const result = call(logits);
    const value = result.value;
    const g = result.grad;
    // Chain rule from dD/dz to dD/dμ_k and dD/d(log σ_k) (of log(1 + D) where damped).
    const outer = damped ? 1 / (1 + value) : 1;
    for (let k = 0; k < dims; k++) {
      const c = coords[k]!;
      const precision = outer * Math.exp(-2 * logSigma[k]!);
      let byMu = 0;
      let byLogSigma = 0;
      for (let i = 0; i < n; i++) {
        const d = c[i]! - mu[k]!;
        byMu += g[i]! * d;
        byLogSigma += g[i]! * d * d;
      }
      gradient[k] = byMu * precision;
      gradient[dims + k] = byLogSigma * precision;
    }
    yield { mu: mu.slice(), logSigma: logSigma.slice(), kl: value };
    if (!Number.isFinite(value) || gradient.some((x) => !Number.isFinite(x))) return { steps: step, converged: false };
    if (moved < settings.tolerance && Math.abs(value - previous) < settings.tolerance) return { steps: step, converged: true };
    if (step === settings.steps) return { steps: step, converged: false };
    previous = value;

    // Adam: μ_k moves in units of σ_k (its gradient times σ_k), so that the learning rate
    // means the same for every width and every scale of x.
    moved = 0;
    const t = step + 1;
    for (let j = 0; j < 2 * dims; j++) {
      const scaled = j < dims ? gradient[j]! * Math.exp(logSigma[j]!) : gradient[j]!;
      m[j] = beta1 * m[j]! + (1 - beta1) * scaled;
      v[j] = beta2 * v[j]! + (1 - beta2) * scaled * scaled;
      const update = (settings.learningRate * (m[j]! / (1 - beta1 ** t))) / (Math.sqrt(v[j]! / (1 - beta2 ** t)) + epsilon);
      if (j < dims) mu[j]! -= update * Math.exp(logSigma[j]!);
      else logSigma[j - dims]! -= update;
      moved = Math.max(moved, Math.abs(update));
    }
  }
}

