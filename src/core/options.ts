import { KLError } from "./errors.js";
import type { DivergenceOptions, ElementwiseOptions, JSDOptions, Reduction, Space, Vector } from "./types.js";

const SPACES: readonly Space[] = ["prob", "log", "logits"];
const REDUCTIONS: readonly Reduction[] = ["sum", "mean", "none"];
const PRECISIONS = ["accurate", "fast"] as const;

/** One argument of a call: its values, the space they are in, and its name for errors. */
export interface Operand {
  values: Vector;
  space: Space;
  name: string;
}

/** Options after checking, with defaults filled in. */
export interface Settings {
  rows: number;
  /** The rows "mean" divides by: all of the call's rows, also when it runs in row groups. */
  meanRows: number;
  cols: number;
  reduction: Reduction;
  normalize: boolean;
  logBase: number;
  validate: boolean;
  precision: "accurate" | "fast";
  /** The JSD's mixture weight: M = βP + (1 − β)Q. */
  beta: number;
}

function oneOf<T extends string>(value: unknown, allowed: readonly T[], name: string, fallback: T): T {
  if (value === undefined) return fallback;
  if (!allowed.includes(value as T)) {
    throw new KLError("BAD_OPTION", `options.${name}`, `must be one of ${allowed.map((a) => `"${a}"`).join(", ")}, got ${JSON.stringify(value)}`);
  }
  return value as T;
}

function flag(value: unknown, name: string, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== "boolean") throw new KLError("BAD_OPTION", `options.${name}`, `must be true or false, got ${JSON.stringify(value)}`);
  return value;
}

function checkVector(values: unknown, name: string): asserts values is Vector {
  if (!(values instanceof Float64Array || values instanceof Float32Array || Array.isArray(values))) {
    throw new KLError("NOT_A_VECTOR", name, "must be a Float64Array, a Float32Array or an array of numbers");
  }
  if (values.length === 0) throw new KLError("EMPTY", name, "is empty; a distribution needs at least one element");
}

function mixtureWeight(beta: unknown): number {
  if (beta === undefined) return 0.5;
  if (typeof beta !== "number" || !(beta >= 0 && beta <= 1)) {
    throw new KLError("BAD_OPTION", "options.beta", `must be a number in [0, 1], got ${JSON.stringify(beta)}`);
  }
  return beta;
}

/** Whether the generalised JSD is divided by β(1 − β) (options.scaled). */
export function scaledOption(value: unknown): boolean {
  return flag(value, "scaled", false);
}

/** Spaces of the two arguments: `pSpace`/`qSpace` override `space`. */
export function spacesOf(options: ElementwiseOptions | DivergenceOptions): [Space, Space] {
  const space = oneOf(options.space, SPACES, "space", "prob");
  return [oneOf(options.pSpace, SPACES, "pSpace", space), oneOf(options.qSpace, SPACES, "qSpace", space)];
}

/** Options must be an object (or omitted). */
export function checkOptionsObject(options: unknown): void {
  if (typeof options !== "object" || options === null) throw new KLError("BAD_OPTION", "options", "must be an object");
}

/** Checks the arguments' shapes and the options; returns the operands and settings. */
export function settle(
  args: ReadonlyArray<{ values: unknown; name: string }>,
  options: DivergenceOptions = {},
): { operands: Operand[]; settings: Settings } {
  checkOptionsObject(options);
  for (const arg of args) checkVector(arg.values, arg.name);
  const [first, ...others] = args as ReadonlyArray<{ values: Vector; name: string }>;
  const length = first!.values.length;
  for (const other of others) {
    if (other.values.length !== length) {
      throw new KLError("LENGTH_MISMATCH", other.name, `has length ${other.values.length} but ${first!.name} has length ${length}`);
    }
  }
  const rows = options.rows ?? 1;
  if (!Number.isInteger(rows) || rows < 1) throw new KLError("BAD_ROWS", "options.rows", `must be a positive integer, got ${rows}`);
  if (length % rows !== 0) throw new KLError("BAD_ROWS", "options.rows", `${rows} does not divide the length ${length}`);
  const base = options.base ?? Math.E;
  if (typeof base !== "number" || !(base > 0) || base === 1 || !Number.isFinite(base)) {
    throw new KLError("BAD_OPTION", "options.base", `must be a finite number > 0 other than 1, got ${base}`);
  }
  const spaces = spacesOf(options);
  return {
    operands: args.map((arg, i) => ({ values: arg.values as Vector, space: spaces[i]!, name: arg.name })),
    settings: {
      rows,
      meanRows: rows,
      cols: length / rows,
      reduction: oneOf(options.reduction, REDUCTIONS, "reduction", "sum"),
      normalize: flag(options.normalize, "normalize", false),
      logBase: base === Math.E ? 1 : Math.log(base),
      validate: flag(options.validate, "validate", true),
      precision: oneOf(options.precision, PRECISIONS, "precision", "accurate"),
      beta: mixtureWeight((options as JSDOptions).beta),
    },
  };
}

/** The factor on every gradient: the log base, and 1/rows for "mean" (as autograd would). */
export function gradientScale(settings: Settings): number {
  return 1 / settings.logBase / (settings.reduction === "mean" ? settings.meanRows : 1);
}
