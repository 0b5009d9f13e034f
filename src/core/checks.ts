import { KLError } from "./errors.js";
import { cholesky } from "../numeric/cholesky.js";
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
    if (typeof x !== "number") throw notANumber(argument, i, x);
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

/**
 * The error for element `index` of an array that is not a number (a string, null, a boolean, a
 * bigint, an object with valueOf): nothing is coerced, on any backend.
 */
export function notANumber(argument: string, index: number, value: unknown, where = `element ${index}`): KLError {
  const what = value === null ? "null" : typeof value === "string" ? `the string ${JSON.stringify(value)}` : Array.isArray(value) ? "an array" : `a ${typeof value}`;
  return new KLError("NOT_A_VECTOR", argument, `${where} is ${what}, not a number`, index);
}

/** Throws notANumber for the first element of an array that is not a number (typed arrays hold only numbers). */
export function checkNumbers(values: Vector, argument: string): void {
  if (!Array.isArray(values)) return;
  for (let i = 0; i < values.length; i++) if (typeof values[i] !== "number") throw notANumber(argument, i, values[i]);
}

/**
 * The error for a row whose total probability is zero where it must be rescaled, or (`divides`)
 * where the divergence divides by it (the Rényi divergence's Σp).
 */
export function zeroSumRow(argument: string, row: number, space: Space, divides = false): KLError {
  if (divides) return new KLError("ZERO_SUM", argument, `row ${row} sums to 0: the Rényi divergence divides by its mass`, row);
  return space === "prob"
    ? new KLError("ZERO_SUM", argument, `row ${row} sums to 0 and cannot be normalised`, row)
    : new KLError("NO_MASS", argument, `row ${row} has no finite ${space} value, so it holds no probability`, row);
}

/** The arguments of an `alloc`: Float64Array or Float32Array, and a positive integer length. */
export function checkAllocation(length: number, type: unknown): asserts type is typeof Float64Array | typeof Float32Array {
  if (type !== Float64Array && type !== Float32Array) throw new KLError("BAD_OPTION", "type", "must be Float64Array or Float32Array");
  if (!Number.isInteger(length) || length < 1) throw new KLError("BAD_OPTION", "length", `must be a positive integer, got ${length}`);
}

/**
 * Input checks for the real-valued calls (Gaussian divergences, Monte Carlo estimators):
 * their numbers are means, log-variances and log-densities, not probabilities, so the
 * rules differ from checkValues's: any finite number is fine, NaN and ±Infinity are not.
 */

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
    if (typeof x !== "number") throw notANumber(argument, i, x);
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

/**
 * `options.rows`: a positive integer dividing `length`, equal to `shapeRows` where the inputs'
 * shape gives their rows (which are the default then, else 1).
 */
export function checkRows(rows: unknown, length: number, shapeRows?: number): number {
  if (rows === undefined) return shapeRows ?? 1;
  if (typeof rows !== "number" || !Number.isInteger(rows) || rows < 1) {
    throw new KLError("BAD_ROWS", "options.rows", `must be a positive integer, got ${String(rows)}`);
  }
  if (length % rows !== 0) throw new KLError("BAD_ROWS", "options.rows", `${rows} does not divide the length ${length}`);
  if (shapeRows !== undefined && rows !== shapeRows) {
    throw new KLError("BAD_ROWS", "options.rows", `is ${rows} but the inputs' shape holds ${shapeRows} rows (every dimension but the last): leave rows out, or reshape`);
  }
  return rows;
}

/** A name with case, "_" and "-" ignored, for suggestions: `q_space` and `QSpace` read as `qSpace`. */
const folded = (name: string) => name.toLowerCase().replace(/[_-]/g, "");

/** Levenshtein distance between two short names. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length]!;
}

/**
 * The known name closest to `key`, if one is close: the same name in another case or with
 * underscores (`qspace`, `q_space`), two edits or fewer (`normalise`), or the same first five
 * letters (`reduce` for `reduction`, `maxMemory` for `maxMemoryBytes`).
 */
function closest(key: string, known: readonly string[]): string | undefined {
  const given = folded(key);
  let best: string | undefined;
  let bestScore = Infinity;
  for (const name of known) {
    const candidate = folded(name);
    const distance = editDistance(given, candidate);
    const sharedStart = given.length >= 5 && candidate.length >= 5 && given.slice(0, 5) === candidate.slice(0, 5);
    const score = distance <= 2 ? distance : sharedStart ? 3 : Infinity;
    if (score < bestScore) [best, bestScore] = [name, score];
  }
  return best;
}

/**
 * Throws BAD_OPTION for the first own key of `options` that is not one of `known`, naming it
 * (`options.<key>`, or `<where>.<key>`) and suggesting the closest known name: a misspelt
 * option would otherwise be ignored silently and the call would compute something else.
 */
export function checkKnownKeys(options: object, known: readonly string[], where = "options"): void {
  for (const key of Object.keys(options)) {
    if (known.includes(key)) continue;
    const suggestion = closest(key, known);
    const hint = suggestion === undefined ? `the options here are ${known.map((k) => `\`${k}\``).join(", ")}` : `did you mean \`${suggestion}\`?`;
    throw new KLError("BAD_OPTION", `${where}.${key}`, `is not an option of this call: ${hint}`);
  }
}

/** Options must be an object (or omitted). */
export function checkOptionsObject(options: unknown): asserts options is object {
  if (typeof options !== "object" || options === null) throw new KLError("BAD_OPTION", "options", "must be an object");
}

/** `options[name]`: true or false, or `fallback` when omitted. */
export function checkFlag(value: unknown, name: string, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== "boolean") throw new KLError("BAD_OPTION", `options.${name}`, `must be true or false, got ${shown(value)}`);
  return value;
}

/** `options[name]`: one of `allowed`, or `fallback` when omitted. */
export function checkChoice<T extends string>(value: unknown, allowed: readonly T[], name: string, fallback: T): T {
  if (value === undefined) return fallback;
  if (!allowed.includes(value as T)) {
    throw new KLError("BAD_OPTION", `options.${name}`, `must be one of ${allowed.map((a) => `"${a}"`).join(", ")}, got ${shown(value)}`);
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

/**
 * `options.out` of a call that writes per-item values (per row, per sample) only with
 * reduction "none": undefined, or then a Float64Array of `length` elements.
 */
export function checkReducedOutput(value: unknown, length: number, purpose: string, reduction: string): Float64Array | undefined {
  const out = checkOutput(value, "out", length, purpose);
  if (out !== undefined && reduction !== "none") {
    throw new KLError("BAD_OPTION", "options.out", `is only written with reduction "none", not "${reduction}"`);
  }
  return out;
}

/** How a value that is not what was asked for reads in a message (NaN as NaN, not JSON's null). */
export function shown(value: unknown): string {
  return typeof value === "string" ? JSON.stringify(value) : String(value);
}

/**
 * Any array-like of finite numbers (an array or any typed array: means, standard deviations,
 * grid points), copied to a number[]. NOT_A_VECTOR, EMPTY, LENGTH_MISMATCH (`length`: the
 * count it must have), then checkFinite's codes for the first bad element.
 */
export function checkFiniteArray(values: unknown, argument: string, length?: number): number[] {
  if (values === null || typeof values !== "object" || typeof (values as ArrayLike<unknown>).length !== "number") {
    throw new KLError("NOT_A_VECTOR", argument, "must be an array of numbers");
  }
  const array = Array.from(values as ArrayLike<number>);
  if (array.length === 0) throw new KLError("EMPTY", argument, "is empty");
  if (length !== undefined && array.length !== length) {
    throw new KLError("LENGTH_MISMATCH", argument, `must have ${length} elements, got ${array.length}`);
  }
  checkFinite(array, argument);
  return array;
}

/** Throws BAD_OPTION at the first element that is not > 0 (standard deviations). */
export function checkPositive(values: ArrayLike<number>, argument: string): void {
  for (let i = 0; i < values.length; i++) {
    if (!(values[i]! > 0)) throw new KLError("BAD_OPTION", argument, `element ${i} must be > 0, got ${values[i]}`, i);
  }
}

/** Throws BAD_OPTION unless there are at least 2 values and each is above the one before (grid points). */
export function checkIncreasing(values: ArrayLike<number>, argument: string): void {
  if (values.length < 2) throw new KLError("BAD_OPTION", argument, "needs at least 2 points");
  for (let i = 1; i < values.length; i++) {
    if (!(values[i]! > values[i - 1]!)) throw new KLError("BAD_OPTION", argument, `must be strictly increasing; element ${i} is not`, i);
  }
}

/**
 * Non-negative masses to be normalised (a mixture's weights, a density on a grid): NEGATIVE
 * at the first value < 0, ZERO_SUM if all are 0. Returns their sum.
 */
export function checkMass(values: ArrayLike<number>, argument: string): number {
  let total = 0;
  for (let i = 0; i < values.length; i++) {
    if (values[i]! < 0) throw new KLError("NEGATIVE", argument, `element ${i} is negative (${values[i]})`, i);
    total += values[i]!;
  }
  if (!(total > 0)) throw new KLError("ZERO_SUM", argument, "sums to 0, so it cannot be normalised");
  return total;
}

/**
 * A number option: BAD_OPTION unless it is a number, finite (unless `finite` is false), and
 * > `above` or ≥ `atLeast` where given.
 */
export function checkNumberOption(value: unknown, argument: string, bounds: { above?: number; atLeast?: number; finite?: boolean } = {}): number {
  const { above, atLeast, finite = true } = bounds;
  const ok = typeof value === "number" && !Number.isNaN(value) && (!finite || Number.isFinite(value))
    && (above === undefined || value > above) && (atLeast === undefined || value >= atLeast);
  if (!ok) {
    const range = above !== undefined ? ` > ${above}` : atLeast !== undefined ? ` ≥ ${atLeast}` : "";
    throw new KLError("BAD_OPTION", argument, `must be a ${finite ? "finite " : ""}number${range}, got ${shown(value)}`);
  }
  return value as number;
}

/** An integer option ≥ `atLeast` (step counts, grid points): BAD_OPTION otherwise. */
export function checkIntegerOption(value: unknown, argument: string, atLeast: number): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < atLeast) {
    throw new KLError("BAD_OPTION", argument, `must be an integer ≥ ${atLeast}, got ${shown(value)}`);
  }
  return value;
}

/** BAD_OPTION unless `min` and `max` are finite and min < max (a grid's ends; `where` says which axis). */
export function checkInterval(min: number, max: number, argument: string, where = ""): void {
  if (!(Number.isFinite(min) && Number.isFinite(max) && max > min)) {
    throw new KLError("BAD_OPTION", argument, `needs finite min < max${where}, got ${min} and ${max}`);
  }
}

/** LENGTH_MISMATCH unless the matrix `values` is d×d, d being the length of `reference`. */
export function checkSquare(values: ArrayLike<unknown>, argument: string, d: number, reference: string): void {
  if (values.length !== d * d) {
    throw new KLError("LENGTH_MISMATCH", argument, `has length ${values.length} but ${reference} has length ${d}, so it must be ${d}×${d} = ${d * d}`);
  }
}

/**
 * The Cholesky factor of a covariance (row-major d×d, finite), or NOT_SPD where it is not
 * symmetric positive definite: for an asymmetric pair (symmetric means |a_ij − a_ji| ≤
 * SYMMETRY_TOLERANCE·√a_ii·√a_jj, see numeric/cholesky.ts) `index` is the upper entry's
 * row-major position i·d + j; for a pivot that is not > 0 it is the pivot's row.
 */
export function checkSPD(values: ArrayLike<number>, d: number, argument: string): Float64Array {
  const { factor, failure } = cholesky(values, d);
  if (factor !== undefined) return factor;
  if (failure.reason === "asymmetric") {
    const { row: i, column: j } = failure;
    throw new KLError("NOT_SPD", argument, `is not symmetric: entry (${i}, ${j}) is ${values[i * d + j]} but (${j}, ${i}) is ${values[j * d + i]}`, i * d + j);
  }
  throw new KLError("NOT_SPD", argument, `is not positive definite: the Cholesky pivot of row ${failure.row} is ${failure.pivot}`, failure.row);
}

/**
 * BAD_OPTION unless `value` is an object holding every one of `keys` (an argument with
 * several accepted shapes; `expected` names them for the message).
 */
export function checkHasKeys(value: unknown, argument: string, keys: readonly string[], expected: string): asserts value is object {
  if (value === null || typeof value !== "object" || keys.some((key) => !(key in value))) {
    throw new KLError("BAD_OPTION", argument, `must be ${expected}`);
  }
}

/** NOT_A_VECTOR unless `value` is a non-empty array (of axes, of rows), EMPTY if it is empty. */
export function checkList(value: unknown, argument: string): unknown[] {
  if (!Array.isArray(value)) throw new KLError("NOT_A_VECTOR", argument, "must be an array");
  if (value.length === 0) throw new KLError("EMPTY", argument, "is empty");
  return value;
}
