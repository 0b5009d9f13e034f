/**
 * The one reader of a call's options object: it checks every option once (with the checks of
 * checks.ts) and returns the
 * call's Settings, which the engines, the pool's workers and `finish` share. Omitted options
 * cost nothing: each call shape has its default Settings made once.
 */
import { checkChoice, checkFlag, checkKnownKeys, checkOptionsObject, checkRows, shown } from "./checks.js";
import { KLError } from "./errors.js";
import type { DivergenceOptions, JSDOptions, Reduction, Space } from "./types.js";

/** A map `finish` applies to per-row values (see routes.ts ROW_MAPS). */
export type RowMap = "none" | "half" | "double" | "hellinger";

const SPACES: readonly Space[] = ["prob", "log", "logits"];
const REDUCTIONS: readonly Reduction[] = ["sum", "mean", "none"];
const PRECISIONS = ["accurate", "fast"] as const;

/** The options of each kind of call: any other key is a BAD_OPTION that names it (checkKnownKeys). */
export const DIVERGENCE_KEYS: readonly string[] = ["rows", "space", "pSpace", "qSpace", "reduction", "normalize", "base", "validate", "precision"];
export const JSD_KEYS: readonly string[] = [...DIVERGENCE_KEYS, "beta", "scaled"];
export const GRADIENT_KEYS: readonly string[] = [...DIVERGENCE_KEYS, "out"];
export const JSD_GRADIENT_KEYS: readonly string[] = [...JSD_KEYS, "out"];
/**
 * The α family's options. Divergences that are not measured in nats take no `base`: the
 * Hellinger distance, total variation, χ², and Amari's α-divergence (a logarithm only at α = 0, 1).
 */
export const UNITLESS_KEYS: readonly string[] = DIVERGENCE_KEYS.filter((key) => key !== "base");
export const RENYI_KEYS: readonly string[] = [...DIVERGENCE_KEYS, "alpha"];
export const RENYI_GRADIENT_KEYS: readonly string[] = [...RENYI_KEYS, "out"];
export const AMARI_KEYS: readonly string[] = [...UNITLESS_KEYS, "alpha"];
export const AMARI_GRADIENT_KEYS: readonly string[] = [...AMARI_KEYS, "out"];
export const ELEMENTWISE_KEYS: readonly string[] = ["space", "pSpace", "qSpace", "validate", "out"];

/** The names of a call's two arguments, as the caller knows them (errors name them). */
export type ArgumentNames = readonly [first: string, second: string];

/** A call's options after checking, with defaults filled in. Plain data: workers receive it by message. */
export interface Settings {
  /** The arguments' names in the order the engine reads them (reverse KL reads approx first). */
  readonly names: ArgumentNames;
  /** The arguments' spaces, in the same order. */
  readonly spaces: readonly [Space, Space];
  readonly rows: number;
  /** The rows "mean" divides by: all of the call's rows, also when a pool's worker has a share of them. */
  readonly meanRows: number;
  readonly reduction: Reduction;
  readonly normalize: boolean;
  /** ln(base): 1 for nats. */
  readonly logBase: number;
  readonly validate: boolean;
  readonly precision: "accurate" | "fast";
  /** The JSD's mixture weight: M = βP + (1 − β)Q. */
  readonly beta: number;
  /**
   * A power of two on the JSD's weights β and 1 − β (assembly/ops.ts JSD): 1, or for the scaled
   * JSD at β < 2^-64 about 1/β, so that β·bracket stays out of the subnormals.
   */
  readonly jsdWeight: number;
  /** The order α of the Rényi and Amari α-divergences (1 where the call has none). */
  readonly alpha: number;
  /** What `finish` makes of each per-row value before reducing (routes.ts ROW_MAPS): "none" for most. */
  readonly rowMap: RowMap;
  /** The factor on the value: 1/(β·jsdWeight·(1 − β)) for the scaled JSD, else 1. */
  readonly factor: number;
  /**
   * A power of two on every per-row value: 1, or 2^-64 when `finish` sums rows whose values
   * pass the largest double (an engine computes such a row without overflow part-way).
   */
  readonly rowScale: number;
}

/** The least normal double, 2^-1022. */
const MIN_NORMAL = 2 ** -1022;

function mixtureWeight(beta: unknown): number {
  if (beta === undefined) return 0.5;
  if (typeof beta !== "number" || !(beta >= 0 && beta <= 1)) {
    throw new KLError("BAD_OPTION", "options.beta", `must be a number in [0, 1], got ${shown(beta)}`);
  }
  return beta;
}

/** Spaces of the two arguments: `pSpace`/`qSpace` override `space`. */
function spacesOf(options: { space?: unknown; pSpace?: unknown; qSpace?: unknown }): [Space, Space] {
  const space = checkChoice(options.space, SPACES, "space", "prob");
  return [checkChoice(options.pSpace, SPACES, "pSpace", space), checkChoice(options.qSpace, SPACES, "qSpace", space)];
}

/** Whether the generalised JSD is divided by β(1 − β) (options.scaled). */
export function scaledOption(value: unknown): boolean {
  return checkFlag(value, "scaled", false);
}

function logBaseOf(base: unknown): number {
  if (base === undefined || base === Math.E) return 1;
  if (typeof base !== "number" || !(base > 0) || base === 1 || !Number.isFinite(base)) {
    throw new KLError("BAD_OPTION", "options.base", `must be a finite number > 0 other than 1, got ${base}`);
  }
  return Math.log(base);
}

/** Settings with every option at its default, for arguments called `names`. */
export function defaultSettings(names: ArgumentNames, spaces: readonly [Space, Space] = ["prob", "prob"]): Settings {
  return Object.freeze({
    names, spaces, rows: 1, meanRows: 1, reduction: "sum", normalize: false, logBase: 1, validate: true,
    precision: "accurate", beta: 0.5, jsdWeight: 1, alpha: 1, rowMap: "none", factor: 1, rowScale: 1,
  });
}

/**
 * Checks `options` for a call on inputs of `length` elements whose arguments are `names` and
 * whose options are `known` (one of the *_KEYS lists); with `swap` the engine reads the second
 * argument first (reverse KL: D(approx‖target)). `jsd`: the call is a JSD, whose `scaled`
 * option sets the factor. `shapeRows`: the rows the inputs' shape gives, if it gives them.
 */
export function readSettings(
  options: DivergenceOptions & JSDOptions, length: number, names: ArgumentNames, known: readonly string[], swap = false, jsd = false,
  shapeRows?: number,
): Settings {
  checkOptionsObject(options);
  checkKnownKeys(options, known);
  const rows = checkRows(options.rows, length, shapeRows);
  const logBase = logBaseOf(options.base);
  const [pSpace, qSpace] = spacesOf(options);
  const reduction = checkChoice(options.reduction, REDUCTIONS, "reduction", "sum");
  const normalize = checkFlag(options.normalize, "normalize", false);
  const validate = checkFlag(options.validate, "validate", true);
  const precision = checkChoice(options.precision, PRECISIONS, "precision", "accurate");
  const beta = mixtureWeight(options.beta);
  const scaled = jsd && scaledOption(options.scaled);
  // β(1 − β)·J underflows to nothing in the subnormals: no digit of the scaled value is left.
  if (scaled && beta > 0 && beta < MIN_NORMAL) {
    throw new KLError("BAD_OPTION", "options.beta", `must be 0 or at least 2.2250738585072014e-308 (the least normal double) with scaled: true, got ${shown(beta)}`);
  }
  const jsdWeight = scaled && beta > 0 && beta < 2 ** -64 ? 2 ** -Math.floor(Math.log2(beta)) : 1;
  return {
    names: swap ? [names[1], names[0]] : names,
    spaces: swap ? [qSpace, pSpace] : [pSpace, qSpace],
    rows,
    meanRows: rows,
    reduction,
    normalize,
    logBase,
    validate,
    precision,
    beta,
    jsdWeight,
    alpha: 1,
    rowMap: "none",
    factor: scaled && beta > 0 && beta < 1 ? 1 / ((beta * jsdWeight) * (1 - beta)) : 1,
    rowScale: 1,
  };
}

/** The factor on every gradient element: the log base, 1/rows for "mean" (as autograd would), the scaled JSD's 1/(β(1 − β)). */
export function gradientScale(settings: Settings): number {
  return (settings.factor * settings.jsdWeight) / settings.logBase / (settings.reduction === "mean" ? settings.meanRows : 1);
}

/**
 * The order α of a call's `alpha` option: required; a real number, and for the Rényi
 * divergence (`range: "renyi"`) one in [0, +Infinity], whose ends are its limits.
 */
export function alphaOption(value: unknown, range: "real" | "renyi"): number {
  if (value === undefined) throw new KLError("BAD_OPTION", "options.alpha", "is required: the order α of the divergence");
  const ok = typeof value === "number" && (range === "renyi" ? value >= 0 : Number.isFinite(value));
  if (!ok) {
    const wanted = range === "renyi" ? "a number in [0, Infinity]" : "a finite number";
    throw new KLError("BAD_OPTION", "options.alpha", `must be ${wanted}, got ${shown(value)}`);
  }
  return value as number;
}
