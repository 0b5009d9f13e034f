/**
 * The public interface over one engine: every method checks its arguments, settles its
 * options once (options.ts), asks the engine for per-row values, and `finish`es them. The pool
 * takes the same path with a fan-out: it plans calls with `planDivergence`/`planGradient` and
 * finishes its workers' per-row values with the same `finish`.
 */
import { compensatedSum } from "../numeric/compensated-sum.js";
import { checkVectorShape } from "./checks.js";
import type { Divergence, ElementArray, Engine, GradientKind } from "./engine.js";
import { KLError } from "./errors.js";
import { checkOptionsObject, defaultSettings, readSettings, scaledOption, type ArgumentNames, type Settings } from "./options.js";
import type {
  DivergenceOptions, ElementwiseOptions, GradientOptions, JSDOptions, KL, Reduced, ValueAndGradient, Vector,
} from "./types.js";

/** The call's result from per-row values in nats: their sum, mean, or themselves, in the log base. */
export function finish(perRow: Float64Array, settings: Settings): number | Float64Array {
  const { logBase, factor } = settings;
  if (settings.reduction === "none") {
    const values = perRow.slice();
    if (logBase !== 1 || factor !== 1) for (let r = 0; r < values.length; r++) values[r] = (values[r]! / logBase) * factor;
    return values;
  }
  const total = (perRow.length === 1 ? perRow[0]! : compensatedSum(perRow)) / logBase;
  return (settings.reduction === "mean" ? total / settings.meanRows : total) * factor;
}

/** The public divergence methods. */
export type DivergenceMethod = "kl" | "forward" | "reverse" | "entropy" | "crossEntropy" | "jsd";

/** How a public method maps onto the engine, and its Settings when no options are given. */
interface Route {
  readonly divergence: Divergence;
  /** The arguments' names in the caller's order. */
  readonly names: ArgumentNames;
  /** Whether the engine reads the second argument first: D(approx‖target). */
  readonly swap: boolean;
  readonly jsd: boolean;
  readonly defaults: Settings;
}

function route(divergence: Divergence, names: ArgumentNames, swap = false): Route {
  const engineNames: ArgumentNames = swap ? [names[1], names[0]] : names;
  return { divergence, names, swap, jsd: divergence === "jsd", defaults: defaultSettings(engineNames) };
}

const PQ: ArgumentNames = ["p", "q"];
const TARGET_APPROX: ArgumentNames = ["target", "approx"];
const ROUTES: Record<DivergenceMethod, Route> = {
  kl: route("kl", PQ),
  forward: route("kl", TARGET_APPROX),
  reverse: route("kl", TARGET_APPROX, true),
  entropy: route("entropy", ["p", "p"]),
  crossEntropy: route("crossEntropy", PQ),
  jsd: route("jsd", PQ),
};
// The scaled JSD's limits, returned exactly at the ends: D(P‖Q) at β = 0, D(Q‖P) at β = 1.
const SCALED_JSD_AT_0 = route("kl", PQ);
const SCALED_JSD_AT_1 = route("kl", PQ, true);

function routeOf(method: DivergenceMethod, options: JSDOptions | undefined): Route {
  if (method !== "jsd" || options === undefined) return ROUTES[method];
  checkOptionsObject(options);
  if (scaledOption(options.scaled)) {
    if (options.beta === 0) return SCALED_JSD_AT_0;
    if (options.beta === 1) return SCALED_JSD_AT_1;
  }
  return ROUTES.jsd;
}

/** Throws a KLError if `values` is a view its engine can no longer serve (Engine.checkView). */
export type ViewCheck = (values: unknown, argument: string) => void;

/** Throws unless the arguments (one where `unary`) are usable views, non-empty vectors of one length. */
function checkArguments(checkView: ViewCheck, names: ArgumentNames, first: unknown, second: unknown, unary = false): asserts first is Vector {
  checkView(first, names[0]);
  if (!unary) checkView(second, names[1]);
  checkVectorShape(first, names[0]);
  if (unary) return;
  checkVectorShape(second, names[1]);
  if (second.length !== first.length) {
    throw new KLError("LENGTH_MISMATCH", names[1], `has length ${second.length} but ${names[0]} has length ${first.length}`);
  }
}

/** A divergence call, checked: what the engine computes, on which operands, with which settings. */
export interface DivergencePlan {
  divergence: Divergence;
  first: Vector;
  second: Vector | undefined;
  settings: Settings;
}

/** Checks a divergence call's arguments and options: its Settings. */
function settleDivergence(checkView: ViewCheck, route: Route, x: unknown, y: unknown, options: unknown): Settings {
  checkArguments(checkView, route.names, x, y, route.divergence === "entropy");
  return options === undefined ? route.defaults : readSettings(options as DivergenceOptions & JSDOptions, x.length, route.names, route.swap, route.jsd);
}

/** Checks a divergence call (`y` undefined for entropy) and plans it. */
export function planDivergence(checkView: ViewCheck, method: DivergenceMethod, x: unknown, y: unknown, options: unknown): DivergencePlan {
  const route = routeOf(method, options as JSDOptions | undefined);
  const settings = settleDivergence(checkView, route, x, y, options);
  const [first, second] = (route.swap ? [y, x] : [x, y]) as [Vector, Vector | undefined];
  return { divergence: route.divergence, first, second, settings };
}

/** The public gradient methods. */
export type GradientMethod = "forwardGrad" | "reverseGrad" | "jsdGrad";

const GRADIENT_KINDS: Record<GradientMethod, GradientKind> = { forwardGrad: "forward", reverseGrad: "reverse", jsdGrad: "jsd" };
const GRADIENT_DEFAULTS = defaultSettings(TARGET_APPROX);

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
  const given = (options ?? {}) as GradientOptions & JSDOptions;
  checkOptionsObject(given);
  let kind = GRADIENT_KINDS[method];
  // The scaled JSD's limits at the ends are the KL gradients themselves.
  if (kind === "jsd" && scaledOption(given.scaled) && (given.beta === 0 || given.beta === 1)) kind = given.beta === 0 ? "forward" : "reverse";
  checkArguments(checkView, TARGET_APPROX, target, approxValues);
  const approx = approxValues as Vector;
  checkView(given.out, "options.out");
  const settings = options === undefined ? GRADIENT_DEFAULTS : readSettings(given, target.length, TARGET_APPROX, false, kind === "jsd");
  if (settings.normalize && settings.spaces[1] === "prob") {
    throw new KLError("BAD_OPTION", "options.normalize", "a probability-space approx is differentiated as given: rescale it first, or pass logits");
  }
  const elementType = approx instanceof Float32Array ? Float32Array : Float64Array;
  const out = given.out;
  if (out !== undefined && (!(out instanceof elementType) || out.length !== approx.length)) {
    throw new KLError("BAD_OPTION", "options.out", `must be a ${elementType.name} of length ${approx.length}, the type and length of approx`);
  }
  return { kind, target, approx, settings, out };
}

/** The array a gradient is written into: the caller's `out`, or a new one of approx's element type. */
export function gradientArray(plan: GradientPlan): ElementArray {
  return plan.out ?? (plan.approx instanceof Float32Array ? new Float32Array(plan.approx.length) : new Float64Array(plan.approx.length));
}

/** The public interface over one engine: one dispatch path for every backend. */
export function buildKL(engine: Engine): KL {
  const checkView: ViewCheck = (values, argument) => engine.checkView(values, argument);
  // planDivergence's steps, without the plan object: this is every small call's path.
  const divergence = (method: DivergenceMethod) => {
    const plain = ROUTES[method];
    const defaultRowValue = engine.defaultRowValue?.bind(engine);
    return <O extends DivergenceOptions>(x: Vector, y: Vector, options?: O): Reduced<O> => {
      if (options === undefined && defaultRowValue !== undefined) {
        const value = plain.swap ? defaultRowValue(plain.divergence, y, x) : defaultRowValue(plain.divergence, x, y);
        if (value !== undefined) return value as Reduced<O>;
      }
      const route = options === undefined ? plain : routeOf(method, options);
      const settings = settleDivergence(checkView, route, x, y, options);
      const perRow = route.swap ? engine.rowValues(route.divergence, y, x, settings) : engine.rowValues(route.divergence, x, y, settings);
      return finish(perRow, settings) as Reduced<O>;
    };
  };
  const gradient = (method: GradientMethod) =>
    <O extends GradientOptions>(target: Vector, approx: Vector, options?: O): ValueAndGradient<O> => {
      const plan = planGradient(checkView, method, target, approx, options);
      const { perRow, grad } = engine.gradient(plan.kind, plan.target, plan.approx, plan.settings, gradientArray(plan));
      return { value: finish(perRow, plan.settings) as Reduced<O>, grad };
    };
  const entropy = divergence("entropy");
  return {
    backend: engine.backend,
    kl: divergence("kl"),
    forward: divergence("forward"),
    reverse: divergence("reverse"),
    entropy: <O extends DivergenceOptions>(p: Vector, options?: O) => entropy(p, undefined as unknown as Vector, options),
    crossEntropy: divergence("crossEntropy"),
    jsd: divergence("jsd"),
    forwardGrad: gradient("forwardGrad"),
    reverseGrad: gradient("reverseGrad"),
    jsdGrad: gradient("jsdGrad"),
    relEntr(p: Vector, q: Vector, options: ElementwiseOptions = {}) {
      checkOptionsObject(options);
      checkArguments(checkView, PQ, p, q);
      engine.checkView(options.out, "options.out");
      const { space, pSpace, qSpace, validate } = options;
      const settings = readSettings({ space, pSpace, qSpace, validate }, p.length, PQ);
      const [first, second] = settings.spaces;
      if (first !== second || first === "logits") {
        throw new KLError("BAD_OPTION", "options.space", `relEntr takes both arguments as "prob" or both as "log", got ${first} and ${second}`);
      }
      const elementType = p instanceof Float32Array && q instanceof Float32Array ? Float32Array : Float64Array;
      const out = options.out ?? new elementType(p.length);
      if (!(out instanceof elementType) || out.length !== p.length) {
        throw new KLError("BAD_OPTION", "options.out", `must be a ${elementType.name} of length ${p.length}`);
      }
      return engine.relEntr(p, q, settings, out);
    },
    alloc: (length, type) => engine.alloc(length, type),
    free: (view) => engine.free(view),
    reserve: (bytes) => engine.reserve(bytes),
    memoryBytes: () => engine.memoryBytes(),
  };
}
