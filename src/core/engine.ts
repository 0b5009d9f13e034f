/**
 * What a backend supplies: per-row values in nats and gradients, on inputs whose shapes and
 * options are checked already. Reductions, the log base and the scaled JSD are applied after,
 * by `finish` (kl.ts), the same for every backend and for the pool.
 */
import type { ArgumentNames, Settings } from "./options.js";
import type { Divergence, GradientKind } from "./routes.js";
import type { Backend, Vector } from "./types.js";

/** A typed array of the kernels' element types. */
export type ElementArray = Float64Array | Float32Array;

export interface Engine {
  readonly backend: Backend;
  /**
   * One value per row, in nats, of `divergence` on `first` (and `second`), read in
   * `settings.spaces` and named `settings.names` in errors. The array may be the engine's
   * own, reused by its next call: read it before calling again.
   */
  rowValues(divergence: Divergence, first: Vector, second: Vector | undefined, settings: Settings): Float64Array;
  /**
   * The value in nats of a one-row call with every option at its default, where the engine
   * has a cheaper path for it than rowValues (small inputs outside its memory), else
   * undefined: the call then takes rowValues, which also reports any bad input. `second` is
   * undefined for a divergence of one vector (entropy); `names` are the arguments' names.
   */
  defaultRowValue?(divergence: Divergence, first: Vector, second: Vector | undefined, names: ArgumentNames): number | undefined;
  /**
   * Per-row values (nats) of the `kind` divergence of target and approx, with its gradient
   * with respect to approx — times gradientScale(settings) — written into `out`. Returns the
   * per-row values (the engine's own array, as for rowValues) and the array holding the
   * gradient: `out`, or a fresh view of its block if the call detached it.
   */
  gradient(kind: GradientKind, target: Vector, approx: Vector, settings: Settings, out: ElementArray): { perRow: Float64Array; grad: ElementArray };
  /**
   * Element-wise KL terms, written into `out` (of the element type of the inputs). Returns
   * the array holding them: `out`, or a fresh view of its block if the call detached it.
   */
  relEntr(p: Vector, q: Vector, settings: Settings, out: ElementArray): ElementArray;
  alloc<A extends ElementArray>(length: number, type: { new (length: number): A }): A;
  free(view: ElementArray): void;
  reserve(bytes: number): void;
  memoryBytes(): number;
  /** Throws a specific KLError if `values` is a view this engine handed out and can no longer serve. */
  checkView(values: unknown, argument: string): void;
}
