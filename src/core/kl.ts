/**
 * The public interface over one engine: every method checks its arguments, settles its
 * options once (options.ts), asks the engine for per-row values, and `finish`es them. The pool
 * takes the same path with a fan-out: it plans calls with `planDivergence`/`planGradient` and
 * finishes its workers' per-row values with the same `finish`.
 */
import { compensatedSum } from "../numeric/compensated-sum.js";
import { checkOptionsObject, checkVectorShape } from "./checks.js";
import type { ElementArray, Engine } from "./engine.js";
import { KLError } from "./errors.js";
import { isFlatVector, readInput, shapeRows, type ViewCheck } from "./inputs.js";
import { alphaOption, defaultSettings, ELEMENTWISE_KEYS, readSettings, scaledOption, type ArgumentNames, type RowMap, type Settings } from "./options.js";
import {
  DIVERGENCE_METHODS, GRADIENT_ALPHA, GRADIENT_METHODS, GRADIENT_NAMES, GRADIENT_OPTION_KEYS, GRADIENTS, ROUTES, ROW_MAPS, SCALED_JSD_LIMITS,
  type AlphaSource, type Divergence, type DivergenceMethod, type GradientKind, type GradientMethod, type Route,
} from "./routes.js";
import type { DivergenceOptions, ElementwiseOptions, GradientOptions, JSDOptions, KL, ValueAndGradient, Vector } from "./types.js";

/** 2^-64: Settings.rowScale for rows whose values pass the largest double, and the factor on rows whose sums do. */
export const ROW_DOWN = 2 ** -64;

/**
 * The call's result from per-row values in nats: their sum, mean, or themselves, in the log base.
 * A sum or mean across rows that is not finite may still be representable: rows beyond the
 * largest double (±Infinity) of both signs, or of one sign in a mean, or finite rows whose mean
 * is finite. It is then taken from the rows times 2^-64 — the given ones where all are finite,
 * else those of `rescaledRows` (the same rows computed with Settings.rowScale 2^-64) — so that
 * it is what the exact sum or mean rounds to.
 */
export function finish(givenRows: Float64Array, settings: Settings, rescaledRows?: () => Float64Array): number | Float64Array {
  const { logBase, factor } = settings;
  const map = ROW_MAPS[settings.rowMap];
  const perRow = map === undefined ? givenRows : mapRows(givenRows, map, rescaledRows);
  if (settings.reduction === "none") {
    const values = perRow.slice();
    if (logBase !== 1 || factor !== 1) for (let r = 0; r < values.length; r++) values[r] = (values[r]! / logBase) * factor;
    return values;
  }
  const mean = settings.reduction === "mean";
  const total = perRow.length === 1 ? perRow[0]! : compensatedSum(perRow);
  // Mapped rows are never negative: a total beyond the largest double is one.
  const retry = retryScaled(perRow, total, settings);
  if (retry !== "no" && (retry === "given" || (rescaledRows !== undefined && map === undefined))) {
    const sum = compensatedSum(retry === "given" ? perRow.map((v) => v * ROW_DOWN) : rescaledRows!());
    return ((mean ? sum / settings.meanRows : sum) / ROW_DOWN / logBase) * factor;
  }
  return ((mean ? total / settings.meanRows : total) / logBase) * factor;
}

/**
 * Per-row values through a row map (routes.ts ROW_MAPS). A row beyond the largest double may
 * map within it (½·Σ|p − q|, √A/2): it is mapped from the row computed times 2^-64, then
 * scaled back by 2^(64·degree).
 */
function mapRows(givenRows: Float64Array, map: NonNullable<(typeof ROW_MAPS)[RowMap]>, rescaledRows?: () => Float64Array): Float64Array {
  const mapped = givenRows.map(map.apply);
  if (rescaledRows === undefined || !givenRows.some((v) => v === Infinity)) return mapped;
  const down = rescaledRows();
  return mapped.map((value, r) => (givenRows[r] === Infinity ? map.apply(down[r]!) * 2 ** (64 * map.degree) : value));
}

/**
 * Whether finish takes a sum or mean across rows from rows times 2^-64: "given" (the rows are
 * finite: their mean overflowed), "rescaled" (rows beyond the largest double, whose total may
 * be representable: the rows must be computed again with Settings.rowScale 2^-64) or "no".
 */
function retryScaled(perRow: Float64Array, total: number, settings: Settings): "given" | "rescaled" | "no" {
  if (Number.isFinite(total) || perRow.length === 1 || settings.reduction === "none") return "no";
  const mean = settings.reduction === "mean";
  // A sum of finite rows is already what the exact sum rounds to (compensatedSum rescales).
  if (perRow.every(Number.isFinite)) return mean ? "given" : "no";
  const opposite = Number.isNaN(total) || perRow.some((v) => Math.sign(v) === -Math.sign(total));
  return mean || opposite ? "rescaled" : "no";
}

/** Whether `finish` needs the rows computed again at 2^-64 (see retryScaled): a pool runs such a call in one thread. */
export function needsRescaledRows(perRow: Float64Array, settings: Settings): boolean {
  if (ROW_MAPS[settings.rowMap] !== undefined) return perRow.some((v) => v === Infinity);
  return retryScaled(perRow, perRow.length === 1 ? perRow[0]! : compensatedSum(perRow), settings) === "rescaled";
}

/** A method's route; the scaled JSD's at β = 0 or 1 is the KL itself. */
function routeOf(method: DivergenceMethod, options: JSDOptions | undefined): Route {
  if (method !== "jsd" || options === undefined) return ROUTES[method];
  checkOptionsObject(options);
  if (scaledOption(options.scaled) && (options.beta === 0 || options.beta === 1)) return SCALED_JSD_LIMITS[options.beta];
  return ROUTES.jsd;
}

export type { ViewCheck };

/** A call's arguments as the engines take them: flat vectors of one length, and the rows their shapes give. */
interface Arguments {
  first: Vector;
  second: Vector | undefined;
  rows: number | undefined;
}

/**
 * Reads the arguments (one where `unary`) in whatever shape they come (inputs.ts): throws unless
 * they are usable views, non-empty vectors of one length, with shapes that agree on the rows.
 */
function readArguments(checkView: ViewCheck, names: ArgumentNames, first: unknown, second: unknown, unary = false): Arguments {
  checkView(first, names[0]);
  if (!unary) checkView(second, names[1]);
  const x = readInput(first, names[0], checkView);
  checkVectorShape(x.values, names[0]);
  if (unary) return { first: x.values, second: undefined, rows: x.rows };
  const y = readInput(second, names[1], checkView);
  checkVectorShape(y.values, names[1]);
  if (y.values.length !== x.values.length) {
    throw new KLError("LENGTH_MISMATCH", names[1], `has length ${y.values.length} but ${names[0]} has length ${x.values.length}`);
  }
  return { first: x.values, second: y.values, rows: shapeRows(x, y, names) };
}

/** Whether a call can take its defaults as they are: no options, and no shape giving more than one row. */
const plainDefaults = (options: unknown, args: Arguments) => options === undefined && (args.rows ?? 1) === 1;

/** A divergence call, checked: what the engine computes, on which operands, with which settings. */
export interface DivergencePlan {
  divergence: Divergence;
  first: Vector;
  second: Vector | undefined;
  settings: Settings;
}

/** Settings with a method's order α (given in `options.alpha`, or fixed) and its map of per-row values. */
function withOrder(settings: Settings, source: AlphaSource, options: { alpha?: unknown }, rowMap: RowMap = "none"): Settings {
  const alpha = source === undefined ? settings.alpha : typeof source === "number" ? source : alphaOption(options.alpha, source);
  return alpha === settings.alpha && rowMap === settings.rowMap ? settings : { ...settings, alpha, rowMap };
}

/** Checks a divergence call's arguments and options: the operands in the engine's order, and its Settings. */
function settleDivergence(checkView: ViewCheck, route: Route, x: unknown, y: unknown, options: unknown): DivergencePlan {
  const args = readArguments(checkView, route.names, x, y, route.unary);
  const given = (options === undefined ? {} : options) as DivergenceOptions & JSDOptions & { alpha?: unknown };
  const settings = plainDefaults(options, args) && route.defaults !== undefined
    ? route.defaults
    : withOrder(readSettings(given, args.first.length, route.names, route.keys, route.swap, route.divergence === "jsd", args.rows), route.alpha, given, route.rowMap);
  const [first, second] = route.swap ? [args.second!, args.first] : [args.first, args.second];
  return { divergence: route.divergence, first, second, settings };
}

/** Checks a divergence call, given as the caller's arguments (a unary method's second is its options), and plans it. */
export function planDivergence(checkView: ViewCheck, method: DivergenceMethod, args: readonly unknown[]): DivergencePlan {
  const unary = ROUTES[method].unary;
  const [x, y, options] = unary ? [args[0], undefined, args[1]] : args;
  return settleDivergence(checkView, routeOf(method, options as JSDOptions | undefined), x, y, options);
}

const GRADIENT_DEFAULTS = defaultSettings(GRADIENT_NAMES);

/** A gradient call, checked: the engine's gradient, its operands, settings and output array. */
export interface GradientPlan {
  kind: GradientKind;
  target: Vector;
  approx: Vector;
  settings: Settings;
  /** The caller's `options.out`, or undefined: a new array of approx's element type is made. */
  out: ElementArray | undefined;
}

/** Checks a gradient call and plans it. */
export function planGradient(checkView: ViewCheck, method: GradientMethod, target: unknown, approxValues: unknown, options: unknown): GradientPlan {
  const given = (options === undefined ? {} : options) as GradientOptions & JSDOptions & { alpha?: unknown };
  checkOptionsObject(given);
  let kind: GradientKind = GRADIENTS[method];
  // The scaled JSD's limits at the ends are the KL gradients themselves.
  if (kind === "jsd" && scaledOption(given.scaled) && (given.beta === 0 || given.beta === 1)) kind = given.beta === 0 ? "forward" : "reverse";
  const args = readArguments(checkView, GRADIENT_NAMES, target, approxValues);
  const approx = args.second!;
  checkView(given.out, "options.out");
  const settings = plainDefaults(options, args) && GRADIENT_ALPHA[method] === undefined
    ? GRADIENT_DEFAULTS
    : withOrder(readSettings(given, approx.length, GRADIENT_NAMES, GRADIENT_OPTION_KEYS[method], false, kind === "jsd", args.rows), GRADIENT_ALPHA[method], given);
  if (settings.normalize && settings.spaces[1] === "prob") {
    throw new KLError("BAD_OPTION", "options.normalize", "a probability-space approx is differentiated as given: rescale it first, or pass logits");
  }
  const elementType = approx instanceof Float32Array ? Float32Array : Float64Array;
  const out = given.out;
  if (out !== undefined && (!(out instanceof elementType) || out.length !== approx.length)) {
    throw new KLError("BAD_OPTION", "options.out", `must be a ${elementType.name} of length ${approx.length}, the type and length of approx`);
  }
  return { kind, target: args.first, approx, settings, out };
}

/** The array a gradient is written into: the caller's `out`, or a new one of approx's element type. */
export function gradientArray(plan: GradientPlan): ElementArray {
  return plan.out ?? (plan.approx instanceof Float32Array ? new Float32Array(plan.approx.length) : new Float64Array(plan.approx.length));
}

/**
 * The per-row values of a gradient call's divergence (its value: D(target‖approx), D(approx‖target)
 * or the JSD) times `rowScale`, by rowValues: for `finish`, which needs them only where rows pass
 * the largest double.
 */
export function gradientValueRows(engine: Pick<Engine, "rowValues">, plan: GradientPlan, rowScale: number): Float64Array {
  const { kind, target, approx, settings } = plan;
  const scaled = { ...settings, rowScale };
  if (kind === "reverse") {
    const swapped = { ...scaled, names: [settings.names[1], settings.names[0]] as const, spaces: [settings.spaces[1], settings.spaces[0]] as const };
    return engine.rowValues("kl", approx, target, swapped);
  }
  return engine.rowValues(kind === "forward" ? "kl" : kind, target, approx, scaled);
}

/** The public interface over one engine: one dispatch path for every backend. */
export function buildKL(engine: Engine): KL {
  const checkView: ViewCheck = (values, argument) => engine.checkView(values, argument);
  // planDivergence's steps, after the engine's small-call path for flat vectors with no options:
  // this is every small call's path.
  const divergence = (method: DivergenceMethod) => {
    const plain: Route = ROUTES[method];
    // Called as a method: a bound function costs a few ns more per call.
    const fast = engine.defaultRowValue !== undefined;
    return (x: unknown, second?: unknown, third?: unknown): number | Float64Array => {
      const y = plain.unary ? undefined : second;
      const options = plain.unary ? second : third;
      if (options === undefined && fast && plain.defaults !== undefined && plain.rowMap === "none" && isFlatVector(x) && (plain.unary || isFlatVector(y))) {
        const names = plain.defaults.names;
        const value = plain.swap
          ? engine.defaultRowValue!(plain.divergence, y as Vector, x, names)
          : engine.defaultRowValue!(plain.divergence, x, y as Vector | undefined, names);
        if (value !== undefined) return value;
      }
      const route = options === undefined ? plain : routeOf(method, options as JSDOptions);
      const { divergence, first, second: other, settings } = settleDivergence(checkView, route, x, y, options);
      const rows = (s: Settings) => engine.rowValues(divergence, first, other, s);
      return finish(rows(settings), settings, () => rows({ ...settings, rowScale: ROW_DOWN }));
    };
  };
  const gradient = (method: GradientMethod) =>
    (target: unknown, approx: unknown, options?: GradientOptions): ValueAndGradient<GradientOptions> => {
      const plan = planGradient(checkView, method, target, approx, options);
      const { perRow, grad } = engine.gradient(plan.kind, plan.target, plan.approx, plan.settings, gradientArray(plan));
      return { value: finish(perRow, plan.settings, () => gradientValueRows(engine, plan, ROW_DOWN)), grad };
    };
  // The methods' precise signatures are the KL interface's (types.ts); every method of a
  // table is made the same way.
  return {
    backend: engine.backend,
    ...Object.fromEntries(DIVERGENCE_METHODS.map((method) => [method, divergence(method)])),
    ...Object.fromEntries(GRADIENT_METHODS.map((method) => [method, gradient(method)])),
    relEntr(pInput: unknown, qInput: unknown, options: ElementwiseOptions = {}) {
      checkOptionsObject(options);
      const { first: p, second: q } = readArguments(checkView, ROUTES.kl.names, pInput, qInput);
      engine.checkView(options.out, "options.out");
      const settings = readSettings(options, p.length, ROUTES.kl.names, ELEMENTWISE_KEYS);
      const [first, second] = settings.spaces;
      if (first !== second || first === "logits") {
        throw new KLError("BAD_OPTION", "options.space", `relEntr takes both arguments as "prob" or both as "log", got ${first} and ${second}`);
      }
      const elementType = p instanceof Float32Array && q instanceof Float32Array ? Float32Array : Float64Array;
      const out = options.out ?? new elementType(p.length);
      if (!(out instanceof elementType) || out.length !== p.length) {
        throw new KLError("BAD_OPTION", "options.out", `must be a ${elementType.name} of length ${p.length}`);
      }
      return engine.relEntr(p, q!, settings, out);
    },
    alloc: (length, type) => engine.alloc(length, type),
    free: (view) => engine.free(view),
    reserve: (bytes) => engine.reserve(bytes),
    memoryBytes: () => engine.memoryBytes(),
  } as KL;
}
