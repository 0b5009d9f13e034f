/**
 * The one reader of an input's shape: every accepted form (a flat vector, any typed array, rows
 * as nested arrays, a tensor-like `{ data, dims | shape }`) becomes what the engines and the
 * pool's workers take, a flat `Vector` (Float64Array, Float32Array or number[]), and the number
 * of rows where the shape says it. Values are not looked at here (the engines check them, fused
 * into their kernels): only the shape, and that elements are numbers where an input is copied.
 */
import { notANumber } from "./checks.js";
import { KLError } from "./errors.js";
import type { Vector } from "./types.js";

/** Throws a KLError if `values` is a view its engine can no longer serve (Engine.checkView). */
export type ViewCheck = (values: unknown, argument: string) => void;

/** An input read: its values, flat and row-major, and its rows where its shape gives them. */
export interface ShapedInput {
  readonly values: Vector;
  readonly rows: number | undefined;
}

/**
 * Whether `value` is already a flat Vector the engines take as it is: the check every call
 * makes first, so it is kept to two instanceof tests and one typeof for the common inputs.
 */
export function isFlatVector(value: unknown): value is Vector {
  if (value instanceof Float64Array || value instanceof Float32Array) return true;
  if (!Array.isArray(value)) return false;
  // An array whose first element is an array (or a typed array) holds rows; null reads as a
  // non-number element of a flat array, which the engines report.
  const head: unknown = value[0];
  return typeof head !== "object" || head === null;
}

/**
 * `input` in the engines' form. Typed arrays other than f64 and f32 are copied: Float16Array
 * (and ONNX Runtime's float16 bits in a Uint16Array) to Float32Array, computed as f32; integer
 * arrays (counts) to Float64Array. `checkView` sees a tensor-like's data before it is read.
 */
export function readInput(input: unknown, argument: string, checkView: ViewCheck): ShapedInput {
  if (isFlatVector(input)) return { values: input, rows: undefined };
  if (ArrayBuffer.isView(input)) return { values: typedVector(input, argument), rows: undefined };
  if (Array.isArray(input)) return nestedRows(input, argument);
  if (typeof input === "object" && input !== null && "data" in input) return tensorLike(input as TensorFields, argument, checkView);
  throw new KLError("NOT_A_VECTOR", argument, "must be an array of numbers, a typed array, rows of them, or a tensor-like { data, dims | shape }");
}

/** The tag of a typed array: "Float16Array", "Int32Array", … */
const kindOf = (view: unknown) => Object.prototype.toString.call(view).slice(8, -1);

/** A typed array as f64 or f32 (`float16Bits`: a Uint16Array holds binary16 bit patterns). */
function typedVector(view: ArrayBufferView, argument: string, float16Bits = false): Float64Array | Float32Array {
  if (view instanceof Float64Array || view instanceof Float32Array) return view;
  const kind = kindOf(view);
  if (kind === "Float16Array") return Float32Array.from(view as unknown as ArrayLike<number>);
  if (float16Bits && view instanceof Uint16Array) return Float32Array.from(view, halfToNumber);
  if (kind.startsWith("Big") || kind === "DataView") throw new KLError("NOT_A_VECTOR", argument, `holds a ${kind}, not numbers`);
  return Float64Array.from(view as unknown as ArrayLike<number>);
}

/** The number an IEEE 754 binary16 bit pattern encodes (exactly: every half is a double). */
function halfToNumber(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0x1f) return fraction === 0 ? sign * Infinity : NaN;
  // Subnormals: fraction · 2^−24; normals: (1024 + fraction) · 2^(exponent − 25).
  return exponent === 0 ? sign * fraction * 2 ** -24 : sign * (1024 + fraction) * 2 ** (exponent - 25);
}

/** A row of nested rows: an array of numbers or a typed array. */
const isRow = (value: unknown): value is ArrayLike<unknown> => Array.isArray(value) || (ArrayBuffer.isView(value) && !(value instanceof DataView));

/**
 * Rows given as nested arrays (`number[][]`, or deeper: `[batch][tokens][vocabulary]`), flattened
 * row-major into a new array: Float32Array where every row is f32 (or f16), else Float64Array.
 * The rows are the product of the leading dimensions; every innermost array must have the
 * first one's length and depth (LENGTH_MISMATCH naming the row otherwise).
 */
function nestedRows(input: readonly unknown[], argument: string): ShapedInput {
  // Not rows at all: an array whose element 0 is an object that is not a number.
  if (!isRow(input[0])) throw notANumber(argument, 0, input[0]);
  const leaves: ArrayLike<unknown>[] = [];
  let leafDepth = 0;
  const collect = (level: readonly unknown[], depth: number) => {
    for (const item of level) {
      if (Array.isArray(item) && isRow(item[0])) collect(item, depth + 1);
      else if (isRow(item) && (leafDepth ||= depth) === depth) leaves.push(item);
      else if (isRow(item)) throw new KLError("LENGTH_MISMATCH", argument, `row ${leaves.length} is not nested as deep as row 0`, leaves.length);
      // A number among rows: a flat array holding an array at element 0.
      else throw typeof item === "number" ? notANumber(argument, 0, input[0]) : notANumber(argument, leaves.length, item, `row ${leaves.length}`);
    }
  };
  collect(input, 1);
  const columns = leaves[0]!.length;
  leaves.forEach((row, r) => {
    if (row.length !== columns) throw new KLError("LENGTH_MISMATCH", argument, `row ${r} has length ${row.length} but row 0 has ${columns}`, r);
  });
  const f32 = leaves.every((row) => row instanceof Float32Array || kindOf(row) === "Float16Array");
  const values = new (f32 ? Float32Array : Float64Array)(leaves.length * columns);
  leaves.forEach((row, r) => {
    if (ArrayBuffer.isView(row)) return values.set(typedVector(row, argument), r * columns);
    for (let j = 0; j < columns; j++) {
      const x: unknown = row[j];
      if (typeof x !== "number") throw notANumber(argument, r * columns + j, x, `element ${r * columns + j} (row ${r}, column ${j})`);
      values[r * columns + j] = x;
    }
  });
  return { values, rows: leaves.length };
}

/** What a tensor-like may hold: ONNX Runtime and transformers.js (`dims`, `type`), ndarray (`shape`, `stride`, `offset`). */
interface TensorFields {
  data: unknown;
  dims?: unknown;
  shape?: unknown;
  stride?: unknown;
  offset?: unknown;
  type?: unknown;
}

/** Throws BAD_SHAPE naming `argument` unless `value` is an array of integers ≥ 0 (a shape). */
function checkIntegers(value: unknown, argument: string): asserts value is number[] {
  if (!Array.isArray(value) || !value.every((d) => Number.isInteger(d) && d >= 0)) {
    throw new KLError("BAD_SHAPE", argument, `must be an array of integers ≥ 0, got ${JSON.stringify(value)}`);
  }
}

/**
 * A tensor-like `{ data, dims }` or `{ data, shape }` (and an ndarray's `stride` and `offset`):
 * its data, flat, with rows = the product of every dimension but the last. Other keys are the
 * object's own business (these are foreign objects) and are ignored.
 */
function tensorLike(input: TensorFields, argument: string, checkView: ViewCheck): ShapedInput {
  const { data, stride } = input;
  // A tf.Tensor has a data() method.
  if (typeof data === "function") throw new KLError("NOT_A_VECTOR", argument, "is a tf.Tensor: read it with fromTensor from klwasm/tfjs");
  checkView(data, `${argument}.data`);
  const key = input.dims !== undefined ? "dims" : "shape";
  const dims = input[key];
  if (dims === undefined) throw new KLError("NOT_A_VECTOR", argument, "has data but no dims or shape");
  checkIntegers(dims, `${argument}.${key}`);
  const size = dims.reduce((product, d) => product * d, 1);
  let flat: Vector;
  if (isFlatVector(data)) flat = data;
  else if (ArrayBuffer.isView(data)) flat = typedVector(data, `${argument}.data`, input.type === "float16");
  else throw new KLError("NOT_A_VECTOR", `${argument}.data`, "must be a typed array or an array of numbers");
  const offset = input.offset ?? 0;
  if (!Number.isInteger(offset) || (offset as number) < 0) throw new KLError("BAD_SHAPE", `${argument}.offset`, `must be an integer ≥ 0, got ${String(offset)}`);
  if (stride !== undefined) {
    // Row-major and contiguous (an axis of length 1 may have any stride): a transpose or a
    // strided slice would otherwise be read in the wrong order.
    let step = 1;
    const contiguous = Array.isArray(stride) && stride.length === dims.length && dims.reduceRight((ok, n, d) => {
      const fits = n <= 1 || stride[d] === step;
      step *= n;
      return ok && fits;
    }, true);
    if (!contiguous) throw new KLError("BAD_SHAPE", `${argument}.stride`, `${JSON.stringify(stride)} is not contiguous row-major for shape [${dims}]: copy it first`);
  }
  // An ndarray view may sit inside a longer buffer; data without stride or offset is the tensor.
  const need = (offset as number) + size;
  if (stride === undefined && input.offset === undefined ? flat.length !== size : flat.length < need) {
    throw new KLError("BAD_SHAPE", argument, `has ${flat.length} elements of data but shape [${dims}] needs ${need}`);
  }
  if (size === 0) throw new KLError("EMPTY", argument, `is empty: its shape is [${dims}]`);
  if (flat.length !== size) flat = Array.isArray(flat) ? flat.slice(need - size, need) : (flat as Float64Array | Float32Array).subarray(need - size, need);
  return { values: flat, rows: size / (dims[dims.length - 1] ?? 1) };
}

/**
 * The rows two inputs' shapes give, where either gives them: BAD_SHAPE naming the second
 * input where both do and they differ.
 */
export function shapeRows(first: ShapedInput, second: ShapedInput | undefined, names: readonly [string, string]): number | undefined {
  if (second?.rows === undefined) return first.rows;
  if (first.rows !== undefined && first.rows !== second.rows) {
    throw new KLError("BAD_SHAPE", names[1], `has ${second.rows} rows by its shape but ${names[0]} has ${first.rows}`);
  }
  return second.rows;
}
