import { KLError } from "./errors.js";
import type { Space, Vector } from "./types.js";

/** The largest natural log of a finite double: log-probabilities above it overflow. */
export const LOG_MAX = Math.log(Number.MAX_VALUE);

/**
 * Throws a KLError for the first element no divergence accepts: NaN anywhere, a negative
 * or infinite probability, +Infinity in log space (−Infinity there means probability 0).
 * The reference calls it up front; the Wasm backend only after a kernel has flagged bad
 * input, to say where. `normalize`: whether log-space values are rescaled by their
 * log-sum-exp first; if not, e^x is used as a probability and must be finite (x ≤ LOG_MAX).
 */
export function checkValues(values: Vector, space: Space, argument: string, normalize = false): void {
  for (let i = 0; i < values.length; i++) {
    const x = values[i]!;
    if (typeof x !== "number") throw new KLError("NOT_A_VECTOR", argument, `element ${i} is ${typeof x}, not a number`, i);
    if (Number.isNaN(x)) throw new KLError("NAN", argument, `element ${i} is NaN`, i);
    if (space === "prob") {
      if (x < 0) throw new KLError("NEGATIVE", argument, `element ${i} is negative (${x}); probabilities must be ≥ 0`, i);
      if (x === Infinity) throw new KLError("INFINITE", argument, `element ${i} is Infinity; probabilities must be finite`, i);
    } else if (x === Infinity) {
      throw new KLError("INFINITE", argument, `element ${i} is +Infinity; ${space} values must be < Infinity`, i);
    } else if (space === "log" && !normalize && x > LOG_MAX) {
      throw new KLError("INFINITE", argument, `element ${i} is ${x}: as a log-probability its probability e^x overflows (the limit is ${LOG_MAX})`, i);
    }
  }
}

/** The error for a row whose total probability is zero where it must be rescaled. */
export function zeroSumRow(argument: string, row: number, space: Space): KLError {
  return space === "prob"
    ? new KLError("ZERO_SUM", argument, `row ${row} sums to 0 and cannot be normalised`, row)
    : new KLError("NO_MASS", argument, `row ${row} has no finite ${space} value, so it holds no probability`, row);
}

/** The arguments of an `alloc`: Float64Array or Float32Array, and a positive integer length. */
export function checkAllocation(length: number, type: unknown): asserts type is typeof Float64Array | typeof Float32Array {
  if (type !== Float64Array && type !== Float32Array) throw new KLError("BAD_OPTION", "type", "must be Float64Array or Float32Array");
  if (!Number.isInteger(length) || length < 1) throw new KLError("BAD_OPTION", "length", `must be a positive integer, got ${length}`);
}
