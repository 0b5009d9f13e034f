/**
 * One call's work on the kernels outside the streamed fast path: its inputs staged in the
 * module's memory, and the conversions the divergences share (rescaling, log-sum-exp,
 * probabilities and log-probabilities), all in the call's scratch.
 */
import { checkNumbers, checkValues, LOG_MAX, notANumber, zeroSumRow } from "../../core/checks.js";
import type { ElementArray } from "../../core/engine.js";
import { KLError } from "../../core/errors.js";
import { ROW_DOWN } from "../../core/kl.js";
import type { Settings } from "../../core/options.js";
import type { Space, Vector } from "../../core/types.js";
import { reduce, type OpTable, type ReduceExtras, type TypedKernels } from "./kernels.js";
import { logSumBeyondMaximum } from "../../numeric/log-sum.js";
import { nearRowsKL } from "../../numeric/near-rows.js";
import type { Allocations, Scratch, Views } from "./memory.js";

/**
 * One argument of a call: its values, the space they are in, its name for errors, and a way
 * back to its values however the call grows the memory (made before the call allocates).
 */
export interface Operand {
  values: Vector;
  space: Space;
  name: string;
  read: () => Vector;
}

/** An operand of a call, pinned (see pin) before the call allocates anything. */
export function operand(views: Views, values: Vector, space: Space, name: string): Operand {
  return { values, space, name, read: pin(views, values) };
}

/** A call's operands (`second` where it has one), pinned before it allocates anything. */
export function operandsOf(views: Views, first: Vector, second: Vector | undefined, settings: Settings): Operand[] {
  const operands = [operand(views, first, settings.spaces[0], settings.names[0])];
  if (second !== undefined) operands.push(operand(views, second, settings.spaces[1], settings.names[1]));
  return operands;
}

/** What a call needs of its instance. */
export interface Instance {
  readonly views: Views;
  readonly scratch: Scratch;
  readonly allocations: Allocations;
  readonly ops: OpTable;
}

/**
 * A way back to `values` after the memory grows: a view of this memory (zero-copy or not)
 * is detached by growth and rebuilt over the same bytes, so a call can still read it.
 */
export function pin(views: Views, values: Vector): () => Vector {
  if (!ArrayBuffer.isView(values) || values.buffer !== views.buffer) return () => values;
  const { byteOffset, length } = values;
  const type = values.constructor as typeof Float64Array;
  return () => (values.buffer === views.buffer ? values : new type(views.buffer, byteOffset, length));
}

/** The operands as they read now, whatever the call's growth detached. */
export function readable(operands: Operand[]): Operand[] {
  return operands.map((o) => ({ ...o, values: o.read() }));
}

/**
 * Whether a kernel may write its output straight into `out`: without validation (a kernel that
 * flags bad input has written part of it), `out` zero-copy, and sharing no byte with an input
 * (a kernel that reads its inputs again after writing — a second pass, or the general path
 * after the fused one gave up — would read its own output).
 */
export function writesInPlace(instance: Instance, out: ElementArray, t: TypedKernels, operands: Operand[], validate: boolean): boolean {
  if (validate || !isZeroCopy(instance, out, t)) return false;
  const [start, end] = [out.byteOffset, out.byteOffset + out.byteLength];
  return operands.every((o) => {
    const values = o.read();
    if (Array.isArray(values) || (values as ElementArray).buffer !== out.buffer) return true;
    const view = values as ElementArray;
    return view.byteOffset + view.byteLength <= start || view.byteOffset >= end;
  });
}

/** Whether `values` is read (or written) in place: in the kernels' element type, inside a live alloc block. */
export function isZeroCopy(instance: Instance, values: Vector | undefined, t: TypedKernels): boolean {
  return values instanceof t.array && instance.allocations.holds(values);
}

/**
 * How often a copy is made again after an element's getter (a Proxy) called this instance
 * and grew its memory, detaching the view being written: a second pass finds the memory grown.
 */
const COPY_ATTEMPTS = 3;

/** Typed arrays of up to this many elements are copied element by element (see copyInto). */
const SHORT_COPY = 32;

/**
 * Copies `length` values of `values` from `start` into the module's memory at `address`, as
 * `type`. An array's elements are checked in the same loop: a string, null, boolean, bigint or
 * object is refused with its index (`name`: the caller's argument), never coerced (typed arrays
 * hold numbers only). If an element's getter grew the memory, the copy is made again.
 */
export function copyInto(views: Views, type: typeof Float64Array | typeof Float32Array, values: Vector, start: number, length: number, address: number, name: string): void {
  const at = address / type.BYTES_PER_ELEMENT;
  for (let attempt = 0; attempt < COPY_ATTEMPTS; attempt++) {
    const memory = views.of(type);
    if (Array.isArray(values)) {
      for (let i = 0; i < length; i++) {
        const x: unknown = values[start + i];
        if (typeof x !== "number") throw notANumber(name, start + i, x);
        memory[at + i] = x;
      }
    } else if (length <= SHORT_COPY) {
      // An element loop costs less than TypedArray.prototype.set's fixed cost on a few elements.
      const typed = values as ElementArray;
      for (let i = 0; i < length; i++) memory[at + i] = typed[start + i]!;
    } else {
      const typed = values as ElementArray;
      memory.set(start === 0 && length === typed.length ? typed : typed.subarray(start, start + length), at);
    }
    if (memory.length !== 0) return;
  }
  throw new KLError("NOT_A_VECTOR", name, "reading its elements kept growing this instance's memory (an element getter calling the instance): pass the numbers themselves");
}

/** The operand's address in Wasm memory: its own inside a live alloc block, else a scratch copy. */
export function stage(instance: Instance, t: TypedKernels, o: Operand): number {
  const values = o.read();
  if (isZeroCopy(instance, values, t)) return (values as ElementArray).byteOffset;
  const { length } = values;
  const address = instance.scratch.alloc(length * t.array.BYTES_PER_ELEMENT);
  // read() again: allocating may have grown the memory and detached a view of it (whose length is then 0).
  copyInto(instance.views, t.array, o.read(), 0, length, address, o.name);
  return address;
}

/**
 * Throws for the first element that is not a number, in any operand (first operand first), as
 * the reference does before it looks at values: copies find them piece by piece.
 */
export function reportNonNumbers(operands: ReadonlyArray<{ values: Vector; name: string }>): void {
  for (const operand of operands) checkNumbers(operand.values, operand.name);
}

/** Throws the KLError for the first bad element as the reference finds it: non-numbers first, then bad values. */
export function checkOperands(operands: Operand[], normalize: boolean): void {
  reportNonNumbers(operands);
  for (const operand of operands) checkValues(operand.values, operand.space, operand.name, normalize);
}

/** Called when a kernel flagged bad input: throws the KLError that says where. */
export function reportInvalid(operands: Operand[], normalize: boolean): never {
  checkOperands(operands, normalize);
  throw new Error("klwasm: a kernel flagged input that validation accepts");
}

/** Whether n values at `address` hold no NaN and none above LOG_MAX (log-probabilities used as given). */
export function withinLogRange(instance: Instance, t: TypedKernels, address: number, n: number): boolean {
  const maximum = instance.scratch.alloc(8);
  return t.rowMaxima(address, 1, n, maximum) === 0 && instance.views.f64()[maximum >> 3]! <= LOG_MAX;
}

/**
 * A KL from logits below this is recomputed from the rows' differences: the shift's rounding
 * (an ulp of a log-sum-exp, ~1e-15) adds up to ~1e-30, which is 1e-6 of a KL of 1e-24.
 */
const NEAR_ROW_KL = 1e-20;

export class KernelCall {
  readonly n: number;
  readonly cols: number;
  readonly staged: number[];
  /** The log-sum-exps this call took, by operand (logOffsets). */
  private readonly logSumExps = new Map<number, number>();

  constructor(
    private readonly instance: Instance,
    readonly t: TypedKernels,
    private readonly operands: Operand[],
    private readonly rows: number,
    private readonly normalize: boolean,
    private readonly validate: boolean,
  ) {
    this.n = operands[0]!.read().length;
    this.cols = this.n / rows;
    this.staged = operands.map((o) => stage(instance, t, o));
    // Log-probabilities used as given must have finite probabilities (checkValues' LOG_MAX).
    const logRange = operands.every((o, i) => o.space !== "log" || normalize || withinLogRange(instance, t, this.staged[i]!, this.n));
    if (!logRange && validate) reportInvalid(readable(operands), normalize);
  }

  /** A fresh f64 view of `length` values at `address` (views made before growth are detached). */
  f64At(address: number, length: number): Float64Array {
    return new Float64Array(this.instance.views.buffer, address, length);
  }

  /** A fresh view of the call's n elements at `address`, in the kernels' element type. */
  elementsAt(address: number): Float64Array | Float32Array {
    return new this.t.array(this.instance.views.buffer, address, this.n);
  }

  /** Throws the KLError that says where, if a kernel flagged bad input. */
  checked(status: number): void {
    if (status !== 0 && this.validate) reportInvalid(readable(this.operands), this.normalize);
  }

  /** Errors about the data's meaning come after errors about bad values, as in the reference. */
  fail(error: KLError): never {
    if (this.validate) checkOperands(readable(this.operands), this.normalize);
    throw error;
  }

  /** Scratch for one element per input element, in the kernels' element type. */
  elements(): number {
    return this.instance.scratch.alloc(this.n * this.t.array.BYTES_PER_ELEMENT);
  }

  /** Scratch for `perRow` f64 per row. */
  rowsOfF64(perRow = 1): number {
    return this.instance.scratch.alloc(this.rows * perRow * 8);
  }

  /** Per-row sums of `op` (and its gradient, for gradient ops): the address of rows f64. */
  reduce(op: number, x: number, y = 0, extras?: ReduceExtras): number {
    const out = this.rowsOfF64();
    this.checked(reduce(this.t, op, x, y, this.rows, this.cols, out, extras));
    return out;
  }

  /**
   * Per-row log-sum-exp of a log-space operand (the offset that normalises it), as two f64 per
   * row: the maximum and the log of the shifted sum. Kept apart, so that logits near ±1e308
   * keep the log-sum (assembly/lanes.ts offsetHi).
   */
  private logSumExp(i: number): number {
    const operand = this.operands[i]!;
    const maxima = this.rowsOfF64();
    this.checked(this.t.rowMaxima(this.staged[i]!, this.rows, this.cols, maxima));
    const offsets = this.rowsOfF64(2);
    const parts = this.f64At(offsets, 2 * this.rows);
    const maximum = this.f64At(maxima, this.rows);
    for (let r = 0; r < this.rows; r++) {
      if (maximum[r] === -Infinity) this.fail(zeroSumRow(operand.name, r, operand.space));
      parts[2 * r] = maximum[r]!;
      parts[2 * r + 1] = 0;
    }
    const sums = this.f64At(this.reduce(this.instance.ops.EXP_SUM, this.staged[i]!, 0, { offsetsX: offsets }), this.rows);
    // Views taken after the reduction, which may grow the memory.
    const values = this.elementsAt(this.staged[i]!);
    const split = this.f64At(offsets, 2 * this.rows);
    for (let r = 0; r < this.rows; r++) split[2 * r + 1] = logSumBeyondMaximum(values, r * this.cols, this.cols, split[2 * r]!, sums[r]!);
    return offsets;
  }

  /**
   * The log-space KL's per-row shifts for log-probabilities shifted by `offsetsX` and
   * `offsetsY` (assembly/ops.ts KL_LOG): the difference of the rows' log-sums, small, and free
   * of their maxima (each operand loses its own). 0 (none: the plain form) when neither
   * operand was normalised.
   */
  shifts(offsetsX: number, offsetsY: number): number {
    if (offsetsX === 0 && offsetsY === 0) return 0;
    const none = new Float64Array(2 * this.rows);
    const x = offsetsX === 0 ? none : this.f64At(offsetsX, 2 * this.rows);
    const y = offsetsY === 0 ? none : this.f64At(offsetsY, 2 * this.rows);
    const address = this.rowsOfF64();
    const shifts = this.f64At(address, this.rows);
    for (let r = 0; r < this.rows; r++) shifts[r] = y[2 * r + 1]! - x[2 * r + 1]!;
    return address;
  }

  /**
   * Per row, what the shifted log-space KL of p = e^a and q = e^b (offsets as given to the
   * kernel) adds to its sum of terms: Σp − Σq, with the sum of a normalised operand exactly 1.
   * Undefined where both or neither are normalised (nothing to add).
   */
  massDifference(a: number, offsetsX: number, b: number, offsetsY: number): Float64Array | undefined {
    if (this.normalize || (offsetsX === 0) === (offsetsY === 0)) return undefined;
    const asGiven = this.f64At(this.reduce(this.instance.ops.EXP_SUM, offsetsX === 0 ? a : b), this.rows);
    return asGiven.map((mass) => (offsetsX === 0 ? mass - 1 : 1 - mass));
  }

  /**
   * Offsets that turn a log-space operand into log-probabilities (0: none needed), taken once
   * per call: the near rows' refinement asks again for those the probabilities took.
   */
  logOffsets(i: number): number {
    if (!(this.operands[i]!.space === "logits" || this.normalize)) return 0;
    let offsets = this.logSumExps.get(i);
    if (offsets === undefined) this.logSumExps.set(i, (offsets = this.logSumExp(i)));
    return offsets;
  }

  /** Operand i as probabilities, normalised when asked. */
  probabilities(i: number): number {
    const operand = this.operands[i]!;
    const { rows, cols } = this;
    if (operand.space !== "prob") {
      let offsets = this.logOffsets(i);
      if (offsets === 0) {
        // Log-probabilities as given: validate them, then shift by nothing.
        offsets = this.rowsOfF64(2);
        this.checked(this.t.rowMaxima(this.staged[i]!, rows, cols, offsets));
        this.f64At(offsets, 2 * rows).fill(0);
      }
      const out = this.elements();
      this.t.expShiftedRows(this.staged[i]!, rows, cols, offsets, out);
      return out;
    }
    if (!this.normalize) return this.staged[i]!;
    const sums = this.reduce(this.instance.ops.SUM, this.staged[i]!);
    const sumView = this.f64At(sums, rows);
    for (let r = 0; r < rows; r++) if (sumView[r] === 0) this.fail(zeroSumRow(operand.name, r, "prob"));
    // Rows whose sum passes the largest double: p/S as (p/(S·2^-64))·2^-64, S·2^-64 summed
    // rescaled (the SUM op's own rescaled sum), the last factor exact.
    const beyond = Array.from(sumView.keys()).filter((r) => sumView[r] === Infinity);
    if (beyond.length > 0) {
      const rescaledSums = this.f64At(this.reduce(this.instance.ops.SUM, this.staged[i]!, 0, { scale: ROW_DOWN }), rows);
      const divisors = this.f64At(sums, rows);
      for (const r of beyond) divisors[r] = rescaledSums[r]!;
    }
    const out = this.elements();
    this.t.divideRows(this.staged[i]!, rows, cols, sums, out);
    if (beyond.length > 0) {
      const quotients = this.elementsAt(out);
      for (const r of beyond) for (let j = r * cols; j < (r + 1) * cols; j++) quotients[j] = quotients[j]! * ROW_DOWN;
    }
    return out;
  }

  /** Per-row Σ e^a of log-probabilities a (shifted by `offsets`): exactly 1 where they are normalised. */
  targetMass(a: number, offsets: number): number {
    if (offsets !== 0) {
      const ones = this.rowsOfF64();
      this.f64At(ones, this.rows).fill(1);
      return ones;
    }
    return this.reduce(this.instance.ops.EXP_SUM, a);
  }

  /**
   * Per row, the log-space KL D(P‖Q) of p = e^a and q = e^b shifted by their offsets, by `op`
   * (KL_LOG, or a gradient op of the same sum with `extras`): the excess form with its shifts
   * where an operand was normalised (assembly/ops.ts KL_LOG), plus Σp − Σq where only one was.
   * The reverse gradient reads p and q `swapped`: its shifts and masses are those of D(Q‖P).
   */
  logKL(op: number, [a, offsetsX]: [number, number], [b, offsetsY]: [number, number], extras: ReduceExtras = {}, swapped = false): Float64Array {
    const shifts = swapped ? this.shifts(offsetsY, offsetsX) : this.shifts(offsetsX, offsetsY);
    const values = this.f64At(this.reduce(op, a, b, { ...extras, offsetsX, offsetsY, shifts }), this.rows).slice();
    const mass = swapped ? this.massDifference(b, offsetsY, a, offsetsX) : this.massDifference(a, offsetsX, b, offsetsY);
    // A value op's scale (Settings.rowScale) applies to the mass difference too; a gradient op's is its gradient's.
    const valueScale = extras.grad === undefined ? (extras.scale ?? 1) : 1;
    if (mass !== undefined) for (let r = 0; r < this.rows; r++) values[r] = values[r]! + mass[r]! * valueScale;
    if (mass === undefined && shifts !== 0) {
      if (swapped) this.refineNearRows(values, [b, offsetsY], [a, offsetsX], valueScale);
      else this.refineNearRows(values, [a, offsetsX], [b, offsetsY], valueScale);
    }
    return values;
  }

  /**
   * Per row, the KL of the call's two operands normalised through a log-softmax (logits, or log
   * with normalize) by the fused kernel (assembly/logits.ts): D(P‖Q), or D(Q‖P) if `reverse`,
   * times `valueScale`; with `grad`, `scale` times the gradient with respect to the second
   * operand written there. Near rows are refined as logKL's. Undefined if a row is not ordinary
   * (−∞, or logits beyond ±2^64): the call is then the general path's.
   */
  fusedLogitsKL(reverse: boolean, { valueScale = 1, scale = 1, grad = 0 }: { valueScale?: number; scale?: number; grad?: number }): Float64Array | undefined {
    const work = this.instance.scratch.alloc(2 * this.cols * this.t.array.BYTES_PER_ELEMENT);
    const [offsetsX, offsetsY, out] = [this.rowsOfF64(2), this.rowsOfF64(2), this.rowsOfF64()];
    const [x, y] = this.staged as [number, number];
    if (this.t.logitsKL(reverse ? 1 : 0, x, y, this.rows, this.cols, valueScale, scale, grad, work, offsetsX, offsetsY, out) !== 0) return undefined;
    this.logSumExps.set(0, offsetsX).set(1, offsetsY);
    const values = this.f64At(out, this.rows).slice();
    if (reverse) this.refineNearRows(values, [y, offsetsY], [x, offsetsX], valueScale);
    else this.refineNearRows(values, [x, offsetsX], [y, offsetsY], valueScale);
    return values;
  }

  /**
   * Rows of two normalised operands whose KL came out below NEAR_ROW_KL: taken again from the
   * rows' differences (src/numeric/near-rows.ts), since the shift's rounding is as large as the
   * KL of rows a few ulps apart. Such rows are rare (a model against itself or its quantised
   * copy) and short of the other rows' cost.
   */
  private refineNearRows(values: Float64Array, [a, offsetsX]: [number, number], [b, offsetsY]: [number, number], valueScale: number): void {
    if (offsetsX === 0 || offsetsY === 0) return;
    const x = this.f64At(offsetsX, 2 * this.rows);
    const y = this.f64At(offsetsY, 2 * this.rows);
    const first = this.elementsAt(a);
    const second = this.elementsAt(b);
    for (let r = 0; r < this.rows; r++) {
      if (!(Math.abs(values[r]!) < NEAR_ROW_KL * valueScale)) continue;
      const near = nearRowsKL(first, second, r * this.cols, this.cols, [x[2 * r]!, x[2 * r + 1]!], [y[2 * r]!, y[2 * r + 1]!]);
      if (near !== undefined) values[r] = near * valueScale;
    }
  }

  /** Operand i as log-probabilities: [address, per-row offsets address or 0]. */
  logProbabilities(i: number): [number, number] {
    if (this.operands[i]!.space !== "prob") return [this.staged[i]!, this.logOffsets(i)];
    const out = this.elements();
    this.checked(this.t.logElements(this.probabilities(i), this.n, out));
    return [out, 0];
  }
}
