import type { Direction, Divergence, Engine } from "./engine.js";
import { jsdGradient } from "../engines/jsd-gradient.js";
import { KLError } from "./errors.js";
import { checkOptionsObject, scaledOption, settle, type Operand, type Settings } from "./options.js";
import { compensatedSum } from "../numeric/compensated-sum.js";
import type {
  DivergenceOptions, ElementwiseOptions, GradientOptions, JSDOptions, KL, Reduced, ValueAndGradient, Vector,
} from "./types.js";

/** The call's result from per-row values in nats: their sum, mean, or themselves, in the log base. */
export function reduceRowValues(perRow: Float64Array, settings: Settings): number | Float64Array {
  if (settings.reduction === "none") {
    if (settings.logBase !== 1) for (let r = 0; r < perRow.length; r++) perRow[r]! /= settings.logBase;
    return perRow;
  }
  const total = compensatedSum(perRow) / settings.logBase;
  return settings.reduction === "mean" ? total / settings.meanRows : total;
}

/** The scaled JSD for 0 < β < 1: the JSD divided by β(1 − β). */
export function scaleJsd(value: number | Float64Array, beta: number): number | Float64Array {
  const factor = 1 / (beta * (1 - beta));
  return typeof value === "number" ? value * factor : value.map((v) => v * factor);
}

/** The public interface over one engine: one dispatch path for every backend. */
export function buildKL(engine: Engine): KL {
  const divergence = (
    kind: Divergence,
    args: Array<{ values: unknown; name: string }>,
    options: DivergenceOptions | undefined,
    swap = false,
  ): number | Float64Array => {
    for (const arg of args) engine.checkView(arg.values, arg.name);
    const { operands, settings } = settle(args, options);
    const ordered: Operand[] = swap ? [operands[1]!, operands[0]!] : operands;
    return reduceRowValues(engine.rowValues(kind, ordered, settings), settings);
  };
  const two = (p: string, q: string) => (kind: Divergence, swap = false) =>
    <O extends DivergenceOptions>(x: Vector, y: Vector, options?: O) =>
      divergence(kind, [{ values: x, name: p }, { values: y, name: q }], options, swap) as Reduced<O>;
  /** Checks a gradient call's arguments; returns its operands, settings and output array. */
  const settleGradient = (target: Vector, approx: Vector, given: GradientOptions) => {
    checkOptionsObject(given);
    engine.checkView(target, "target");
    engine.checkView(approx, "approx");
    engine.checkView(given.out, "options.out");
    const { operands, settings } = settle([{ values: target, name: "target" }, { values: approx, name: "approx" }], given);
    if (settings.normalize && operands[1]!.space === "prob") {
      throw new KLError("BAD_OPTION", "options.normalize", "a probability-space approx is differentiated as given: rescale it first, or pass logits");
    }
    const elementType = approx instanceof Float32Array ? Float32Array : Float64Array;
    const out = given.out ?? new elementType(approx.length);
    if (!(out instanceof elementType) || out.length !== approx.length) {
      throw new KLError("BAD_OPTION", "options.out", `must be a ${elementType.name} of length ${approx.length}, the type and length of approx`);
    }
    return { operands, settings, out };
  };
  const gradient = (direction: Direction) =>
    <O extends GradientOptions>(target: Vector, approx: Vector, options?: O): ValueAndGradient<O> => {
      const { operands, settings, out } = settleGradient(target, approx, (options === undefined ? {} : options) as GradientOptions);
      const { perRow, grad } = engine.gradient(direction, operands, settings, out);
      return { value: reduceRowValues(perRow, settings) as Reduced<O>, grad };
    };
  const pq = two("p", "q");
  const targetApprox = two("target", "approx");

  const kl: KL = {
    backend: engine.backend,
    kl: pq("kl"),
    forward: targetApprox("kl"),
    // D(approx‖target): the engine sees approx first; pSpace still describes target.
    reverse: targetApprox("kl", true),
    jsdGrad<O extends JSDOptions & GradientOptions>(target: Vector, approx: Vector, options?: O): ValueAndGradient<O> {
      const given = (options === undefined ? {} : options) as JSDOptions & GradientOptions;
      checkOptionsObject(given);
      const beta = given.beta ?? 0.5;
      if (scaledOption(given.scaled) && (beta === 0 || beta === 1)) {
        return (beta === 0 ? kl.forwardGrad : kl.reverseGrad)(target, approx, given) as ValueAndGradient<O>;
      }
      const value = kl.jsd(target, approx, { ...given, out: undefined } as JSDOptions) as Reduced<O>;
      const { operands, settings, out } = settleGradient(target, approx, given);
      jsdGradient(operands, settings, given.scaled ? 1 / (beta * (1 - beta)) : 1, out);
      return { value, grad: out };
    },
    forwardGrad: gradient("forward"),
    reverseGrad: gradient("reverse"),
    crossEntropy: pq("crossEntropy"),
    jsd: <O extends JSDOptions>(p: Vector, q: Vector, options?: O) => {
      const given = (options === undefined ? {} : options) as JSDOptions;
      checkOptionsObject(given);
      const args = [{ values: p, name: "p" }, { values: q, name: "q" }];
      if (!scaledOption(given.scaled)) return divergence("jsd", args, given) as Reduced<O>;
      // Scaled: the limits are the KL divergences themselves, returned exactly at the ends.
      const beta = given.beta ?? 0.5;
      if (beta === 0) return divergence("kl", args, given) as Reduced<O>;
      if (beta === 1) return divergence("kl", args, given, true) as Reduced<O>;
      return scaleJsd(divergence("jsd", args, given), beta) as Reduced<O>;
    },
    entropy: <O extends DivergenceOptions>(p: Vector, options?: O) =>
      divergence("entropy", [{ values: p, name: "p" }], options) as Reduced<O>,
    relEntr(p: Vector, q: Vector, options: ElementwiseOptions = {}) {
      checkOptionsObject(options);
      engine.checkView(p, "p");
      engine.checkView(q, "q");
      engine.checkView(options.out, "options.out");
      const { space, pSpace: pOption, qSpace: qOption, validate } = options;
      const { operands, settings } = settle([{ values: p, name: "p" }, { values: q, name: "q" }], {
        space, pSpace: pOption, qSpace: qOption, validate,
      });
      const [pSpace, qSpace] = [operands[0]!.space, operands[1]!.space];
      if (pSpace !== qSpace || pSpace === "logits") {
        throw new KLError("BAD_OPTION", "options.space", `relEntr takes both arguments as "prob" or both as "log", got ${pSpace} and ${qSpace}`);
      }
      const elementType = p instanceof Float32Array && q instanceof Float32Array ? Float32Array : Float64Array;
      const out = options.out ?? new elementType(p.length);
      if (!(out instanceof elementType) || out.length !== p.length) {
        throw new KLError("BAD_OPTION", "options.out", `must be a ${elementType.name} of length ${p.length}`);
      }
      return engine.relEntr(operands[0]!, operands[1]!, settings.validate, out);
    },
    alloc: (length, type) => engine.alloc(length, type),
    free: (view) => engine.free(view),
    reserve: (bytes) => engine.reserve(bytes),
    memoryBytes: () => engine.memoryBytes(),
  };
  return kl;
}
