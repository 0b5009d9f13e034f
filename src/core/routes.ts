/**
 * The public methods and what an engine computes for each: the one table a new divergence adds
 * a line to. `buildKL` and the pool make their methods from it.
 */
import { defaultSettings, DIVERGENCE_KEYS, GRADIENT_KEYS, JSD_GRADIENT_KEYS, JSD_KEYS, type ArgumentNames, type Settings } from "./options.js";

/**
 * The divergences an engine computes per row. Each but "jsd" (a mixture) is a sum of
 * per-element terms; an engine finds a term's kernel op by its name (see assembly/ops.ts).
 */
export type Divergence = "kl" | "entropy" | "crossEntropy" | "jsd";

/** How a public method maps onto the engine, and its Settings when no options are given. */
export interface Route {
  readonly divergence: Divergence;
  /** The arguments' names in the caller's order. */
  readonly names: ArgumentNames;
  /** Whether the engine reads the second argument first: D(approx‖target). */
  readonly swap: boolean;
  /** Whether the method takes one vector (then its second parameter is the options). */
  readonly unary: boolean;
  /** The method's options: any other key is refused. */
  readonly keys: readonly string[];
  readonly defaults: Settings;
}

function route(divergence: Divergence, names: ArgumentNames, { swap = false, unary = false, keys = DIVERGENCE_KEYS } = {}): Route {
  const engineNames: ArgumentNames = swap ? [names[1], names[0]] : names;
  return { divergence, names, swap, unary, keys, defaults: defaultSettings(engineNames) };
}

const PQ: ArgumentNames = ["p", "q"];
const TARGET_APPROX: ArgumentNames = ["target", "approx"];

/** The public divergence methods. */
export const ROUTES = {
  kl: route("kl", PQ),
  forward: route("kl", TARGET_APPROX),
  reverse: route("kl", TARGET_APPROX, { swap: true }),
  entropy: route("entropy", ["p", "p"], { unary: true }),
  crossEntropy: route("crossEntropy", PQ),
  jsd: route("jsd", PQ, { keys: JSD_KEYS }),
} as const satisfies Record<string, Route>;

export type DivergenceMethod = keyof typeof ROUTES;
export const DIVERGENCE_METHODS = Object.keys(ROUTES) as DivergenceMethod[];

/** The scaled JSD's limits, returned exactly at the ends: D(P‖Q) at β = 0, D(Q‖P) at β = 1. */
export const SCALED_JSD_LIMITS = [route("kl", PQ, { keys: JSD_KEYS }), route("kl", PQ, { swap: true, keys: JSD_KEYS })] as const;

/**
 * The public gradient methods and the value each differentiates with respect to approx:
 * D(target‖approx), D(approx‖target), or the generalised JSD of target and approx.
 */
export const GRADIENTS = { forwardGrad: "forward", reverseGrad: "reverse", jsdGrad: "jsd" } as const;

export type GradientMethod = keyof typeof GRADIENTS;
export type GradientKind = (typeof GRADIENTS)[GradientMethod];
export const GRADIENT_METHODS = Object.keys(GRADIENTS) as GradientMethod[];

/** Each gradient method's options: any other key is refused. */
export const GRADIENT_OPTION_KEYS: Record<GradientMethod, readonly string[]> = {
  forwardGrad: GRADIENT_KEYS, reverseGrad: GRADIENT_KEYS, jsdGrad: JSD_GRADIENT_KEYS,
};

/** The argument names of every gradient call. */
export const GRADIENT_NAMES: ArgumentNames = TARGET_APPROX;
