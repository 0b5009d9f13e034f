/**
 * Input checks for the real-valued calls (Gaussian divergences, Monte Carlo estimators):
 * their numbers are means, log-variances and log-densities, not probabilities, so the
 * rules differ from validate.ts: any finite number is fine, NaN and ±Infinity are not.
 */
import { KLError } from "./errors.js";
import type { Vector } from "./types.js";

/** Throws unless `values` is a non-empty Float64Array, Float32Array or array. */
export function checkVectorShape(values: unknown, argument: string): asserts values is Vector {
  if (!(values instanceof Float64Array || values instanceof Float32Array || Array.isArray(values))) {
    throw new KLError("NOT_A_VECTOR", argument, "must be a Float64Array, a Float32Array or an array of numbers");
  }
  if (values.length === 0) throw new KLError("EMPTY", argument, "is empty");
}

/** Throws LENGTH_MISMATCH unless `values` has `length` elements, the length of `reference`. */
export function checkLength(values: Vector, argument: string, length: number, reference: string): void {
  if (values.length !== length) {
    throw new KLError("LENGTH_MISMATCH", argument, `has length ${values.length} but ${reference} has length ${length}`);
  }
}

/**
 * Throws for the first element that is not a finite number (NAN, INFINITE, or NOT_A_VECTOR
 * for a non-number), with its index. −Infinity passes where `allowMinusInfinity`: a
 * log-density of −∞ is a sample the distribution cannot produce.
 */
export function checkFinite(values: Vector, argument: string, allowMinusInfinity = false): void {
  for (let i = 0; i < values.length; i++) {
    const x = values[i]!;
    if (typeof x !== "number") throw new KLError("NOT_A_VECTOR", argument, `element ${i} is ${typeof x}, not a number`, i);
    if (Number.isNaN(x)) throw new KLError("NAN", argument, `element ${i} is NaN`, i);
    if (x === Infinity || (x === -Infinity && !allowMinusInfinity)) {
      throw new KLError("INFINITE", argument, `element ${i} is ${x}; it must be finite`, i);
    }
  }
}

/** Throws unless `value` is a finite number, and > 0 where `positive` (a standard deviation). */
export function checkScalar(value: unknown, argument: string, positive = false): asserts value is number {
  if (typeof value !== "number" || Number.isNaN(value)) throw new KLError("NAN", argument, `must be a number, got ${String(value)}`);
  if (!Number.isFinite(value)) throw new KLError("INFINITE", argument, `must be finite, got ${value}`);
  if (positive && !(value > 0)) throw new KLError("NEGATIVE", argument, `is a standard deviation and must be > 0, got ${value}`);
}

/** `options.rows` (default 1): a positive integer dividing `length`. */
export function checkRows(rows: unknown, length: number): number {
  if (rows === undefined) return 1;
  if (typeof rows !== "number" || !Number.isInteger(rows) || rows < 1) {
    throw new KLError("BAD_ROWS", "options.rows", `must be a positive integer, got ${String(rows)}`);
  }
  if (length % rows !== 0) throw new KLError("BAD_ROWS", "options.rows", `${rows} does not divide the length ${length}`);
  return rows;
}

/** `options[name]`: one of `allowed`, or `fallback` when omitted. */
export function checkChoice<T extends string>(value: unknown, allowed: readonly T[], name: string, fallback: T): T {
  if (value === undefined) return fallback;
  if (!allowed.includes(value as T)) {
    throw new KLError("BAD_OPTION", `options.${name}`, `must be one of ${allowed.map((a) => `"${a}"`).join(", ")}, got ${JSON.stringify(value)}`);
  }
  return value as T;
}

/**
 * An output buffer `options[name]`: undefined, or a Float64Array of `length` elements.
 * `purpose` says what it holds, for the message.
 */
export function checkOutput(value: unknown, name: string, length: number, purpose: string): Float64Array | undefined {
  if (value === undefined) return undefined;
  if (!(value instanceof Float64Array) || value.length !== length) {
    throw new KLError("BAD_OPTION", `options.${name}`, `must be a Float64Array of length ${length}, for ${purpose}`);
  }
  return value;
}
