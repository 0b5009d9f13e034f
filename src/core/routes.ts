/**
 * The public methods and what an engine computes for each: the one table a new divergence adds
 * a line to. `buildKL` and the pool make their methods from it.
 */
import {
  AMARI_GRADIENT_KEYS, AMARI_KEYS, defaultSettings, DIVERGENCE_KEYS, GRADIENT_KEYS, JSD_GRADIENT_KEYS, JSD_KEYS, RENYI_GRADIENT_KEYS, RENYI_KEYS, UNITLESS_KEYS,
  type ArgumentNames, type RowMap, type Settings,
} from "./options.js";

/**
 * The divergences an engine computes per row. "kl", "entropy", "crossEntropy" and
 * "totalVariation" (Σ|p − q|) are sums of per-element terms; an engine finds a term's kernel op
 * by its name (see assembly/ops.ts). "jsd" mixes p and q; "alphaDivergence" is Amari's sum at
 * Settings.alpha, "renyi" the Rényi divergence of that order, "jeffreys" KL(P‖Q) + KL(Q‖P).
 */
export type Divergence = "kl" | "entropy" | "crossEntropy" | "jsd" | "alphaDivergence" | "renyi" | "totalVariation" | "jeffreys";

/** Where a method's order α comes from: its `alpha` option (a real, or Rényi's [0, ∞]) or a fixed value. */
export type AlphaSource = "real" | "renyi" | number | undefined;

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
  /** The order α: read from `options.alpha` ("real", "renyi"), fixed (a number), or none. */
  readonly alpha: AlphaSource;
  /** What `finish` makes of each per-row value (ROW_MAPS). */
  readonly rowMap: RowMap;
  /** The Settings of a call with no options (undefined where `alpha` must be given). */
  readonly defaults: Settings | undefined;
}

interface RouteOptions {
  swap?: boolean;
  unary?: boolean;
  keys?: readonly string[];
  alpha?: AlphaSource;
  rowMap?: RowMap;
}

function route(divergence: Divergence, names: ArgumentNames, { swap = false, unary = false, keys = DIVERGENCE_KEYS, alpha, rowMap = "none" }: RouteOptions = {}): Route {
  const engineNames: ArgumentNames = swap ? [names[1], names[0]] : names;
  const given = alpha === "real" || alpha === "renyi";
  const defaults = given ? undefined : Object.freeze({ ...defaultSettings(engineNames), alpha: alpha ?? 1, rowMap });
  return { divergence, names, swap, unary, keys, alpha, rowMap, defaults };
}

/**
 * The maps `finish` applies to per-row values before reducing them, each homogeneous of
 * `degree` (so that a row beyond the largest double is mapped from its value times 2^-64): the
 * Hellinger distance is √(½Σ(√p − √q)²) = √(A_½)/2 with A_½ Amari's sum at α = ½
 * (4·(½Σp + ½Σq − Σ√(pq))), the Bhattacharyya distance half the Rényi divergence of order ½,
 * total variation half of Σ|p − q|, Pearson's χ² twice Amari's sum at α = 2 (Σ(p − q)²/(2q)).
 */
export const ROW_MAPS: Record<RowMap, { apply: (value: number) => number; degree: number } | undefined> = {
  none: undefined,
  half: { apply: (value) => value / 2, degree: 1 },
  double: { apply: (value) => value * 2, degree: 1 },
  hellinger: { apply: (value) => Math.sqrt(value) / 2, degree: 0.5 },
};

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
  renyi: route("renyi", PQ, { keys: RENYI_KEYS, alpha: "renyi" }),
  alphaDivergence: route("alphaDivergence", PQ, { keys: AMARI_KEYS, alpha: "real" }),
  hellinger: route("alphaDivergence", PQ, { keys: UNITLESS_KEYS, alpha: 0.5, rowMap: "hellinger" }),
  bhattacharyya: route("renyi", PQ, { alpha: 0.5, rowMap: "half" }),
  totalVariation: route("totalVariation", PQ, { keys: UNITLESS_KEYS, rowMap: "half" }),
  chiSquare: route("alphaDivergence", PQ, { keys: UNITLESS_KEYS, alpha: 2, rowMap: "double" }),
  jeffreys: route("jeffreys", PQ),
} as const satisfies Record<string, Route>;

export type DivergenceMethod = keyof typeof ROUTES;
export const DIVERGENCE_METHODS = Object.keys(ROUTES) as DivergenceMethod[];

/** The scaled JSD's limits, returned exactly at the ends: D(P‖Q) at β = 0, D(Q‖P) at β = 1. */
export const SCALED_JSD_LIMITS = [route("kl", PQ, { keys: JSD_KEYS }), route("kl", PQ, { swap: true, keys: JSD_KEYS })] as const;

/**
 * The public gradient methods and the value each differentiates with respect to approx:
 * D(target‖approx), D(approx‖target), or the generalised JSD of target and approx.
 */
export const GRADIENTS = { forwardGrad: "forward", reverseGrad: "reverse", jsdGrad: "jsd", alphaGrad: "alphaDivergence", renyiGrad: "renyi" } as const;

export type GradientMethod = keyof typeof GRADIENTS;
export type GradientKind = (typeof GRADIENTS)[GradientMethod];
export const GRADIENT_METHODS = Object.keys(GRADIENTS) as GradientMethod[];

/** Each gradient method's options: any other key is refused. */
export const GRADIENT_OPTION_KEYS: Record<GradientMethod, readonly string[]> = {
  forwardGrad: GRADIENT_KEYS, reverseGrad: GRADIENT_KEYS, jsdGrad: JSD_GRADIENT_KEYS, alphaGrad: AMARI_GRADIENT_KEYS, renyiGrad: RENYI_GRADIENT_KEYS,
};

/** Where each gradient method's order α comes from (see Route.alpha). */
export const GRADIENT_ALPHA: Record<GradientMethod, AlphaSource> = {
  forwardGrad: undefined, reverseGrad: undefined, jsdGrad: undefined, alphaGrad: "real", renyiGrad: "renyi",
};

/** The argument names of every gradient call. */
export const GRADIENT_NAMES: ArgumentNames = TARGET_APPROX;
