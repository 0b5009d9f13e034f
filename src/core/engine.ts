import type { Operand, Settings } from "./options.js";
import type { Backend } from "./types.js";

/** The divergences an engine computes per row; the public layer maps every call onto them. */
export type Divergence = "kl" | "entropy" | "crossEntropy" | "jsd";

/** Which divergence a gradient call differentiates: D(target‖approx) or D(approx‖target). */
export type Direction = "forward" | "reverse";

/**
 * What a backend supplies: per-row values in nats and element-wise terms. Option parsing,
 * shape checks, reductions and the log base live in the shared public layer (api.ts).
 */
export interface Engine {
  readonly backend: Backend;
  /** One value per row, in nats. The operands are checked for shape already. */
  rowValues(divergence: Divergence, operands: Operand[], settings: Settings): Float64Array;
  /**
   * Per-row values (nats) of D(target‖approx) (forward) or D(approx‖target) (reverse), with
   * the gradient with respect to approx — divided by the log base, and by rows for "mean" —
   * written into `out`. Operands are [target, approx]. Returns the array holding the
   * gradient: `out`, or a fresh view of its block if the call detached it.
   */
  gradient(
    direction: Direction, operands: Operand[], settings: Settings, out: Float64Array | Float32Array,
  ): { perRow: Float64Array; grad: Float64Array | Float32Array };
  /**
   * Element-wise KL terms, written into `out` (of the element type of the inputs). Returns
   * the array holding them: `out`, or a fresh view of its block if the call detached it.
   */
  relEntr(p: Operand, q: Operand, validate: boolean, out: Float64Array | Float32Array): Float64Array | Float32Array;
  alloc<A extends Float64Array | Float32Array>(length: number, type: { new (length: number): A }): A;
  free(view: Float64Array | Float32Array): void;
  reserve(bytes: number): void;
  memoryBytes(): number;
  /** Throws a specific KLError if `values` is a view this engine handed out and can no longer serve. */
  checkView(values: unknown, argument: string): void;
}
