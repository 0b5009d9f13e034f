import type { Direction, Divergence, Engine } from "../../core/engine.js";
import { KLError } from "../../core/errors.js";
import { gradientScale, type Operand, type Settings } from "../../core/options.js";
import { CompensatedSum } from "../../numeric/compensated-sum.js";
import type { Backend } from "../../core/types.js";
import { checkAllocation, checkValues, LOG_MAX, zeroSumRow } from "../../core/checks.js";
import { Heap } from "./memory.js";
import type { Kernels } from "./loader.js";

/** Term codes of assembly/terms.ts. */
const enum Op {
  KL = 0,
  ENTROPY = 1,
  CROSS_ENTROPY = 2,
  KL_LOG = 3,
  ENTROPY_LOG = 4,
  CROSS_ENTROPY_LOG = 5,
  EXP_SUM = 6,
  SUM = 7,
  GRAD_FORWARD_PROB = 8,
  GRAD_REVERSE_PROB = 9,
  GRAD_FORWARD_LOG = 10,
  GRAD_REVERSE_LOG = 11,
  KL_EXCESS = 12,
}

/** The KL term for probabilities: the cancellation-free form unless `precision: "fast"`. */
function klTermFor(settings: Settings): Op {
  return settings.precision === "fast" ? Op.KL : Op.KL_EXCESS;
}

/**
 * Copied inputs are streamed through scratch buffers of this many elements per operand: the
 * copy of a piece is still in cache when the kernel reads it.
 */
const STREAM_CHUNK = 16384;

/** Free memory kept above every `alloc`, so that calls on alloc'd views rarely grow the memory. */
const ALLOC_SLACK = 1 << 16;

type ElementArray = Float64Array | Float32Array;

/** The kernels of one element type. */
interface TypedKernels {
  array: typeof Float64Array | typeof Float32Array;
  reduceRows: Kernels["reduceRowsF64"];
  relEntr: Kernels["relEntrF64"];
  logElements: Kernels["logElementsF64"];
  expShiftedRows: Kernels["expShiftedRowsF64"];
  divideRows: Kernels["divideRowsF64"];
  mixture: Kernels["mixtureF64"];
  rowMaxima: Kernels["rowMaximaF64"];
}

function typedKernels(k: Kernels, f32: boolean): TypedKernels {
  return f32
    ? { array: Float32Array, reduceRows: k.reduceRowsF32, relEntr: k.relEntrF32, logElements: k.logElementsF32, expShiftedRows: k.expShiftedRowsF32, divideRows: k.divideRowsF32, mixture: k.mixtureF32, rowMaxima: k.rowMaximaF32 }
    : { array: Float64Array, reduceRows: k.reduceRowsF64, relEntr: k.relEntrF64, logElements: k.logElementsF64, expShiftedRows: k.expShiftedRowsF64, divideRows: k.divideRowsF64, mixture: k.mixtureF64, rowMaxima: k.rowMaximaF64 };
}

/**
 * The term whose plain per-row sum is the divergence of inputs used as given (no
 * rescaling, no log-sum-exp, no conversion between spaces), or undefined.
 */
function streamedTerm(divergence: Divergence, operands: Operand[], settings: Settings): Op | undefined {
  const space = operands[0]!.space;
  if (settings.normalize || space === "logits" || operands.some((o) => o.space !== space)) return undefined;
  const log = space === "log";
  switch (divergence) {
    case "kl": return log ? Op.KL_LOG : klTermFor(settings);
    case "crossEntropy": return log ? Op.CROSS_ENTROPY_LOG : Op.CROSS_ENTROPY;
    case "entropy": return log ? Op.ENTROPY_LOG : Op.ENTROPY;
    case "jsd": return undefined;
  }
}

/** `length` values of a vector from `start`, without copying typed arrays. */
function slice(values: Operand["values"], start: number, length: number): ArrayLike<number> {
  return Array.isArray(values) ? values.slice(start, start + length) : (values as Float64Array | Float32Array).subarray(start, start + length);
}

/** Scratch blocks of one call, all released when the call ends (also when it throws). */
class Scope {
  private readonly blocks: number[] = [];
  constructor(private readonly heap: Heap) {}
  alloc(bytes: number): number {
    const start = this.heap.alloc(bytes);
    this.blocks.push(start);
    return start;
  }
  release(): void {
    for (const start of this.blocks) this.heap.free(start);
  }
}

/**
 * One call's work on the kernels: its inputs staged in memory, and the conversions the
 * divergences share (rescaling, log-sum-exp, probabilities and log-probabilities).
 */
class KernelCall {
  readonly n: number;
  readonly staged: number[];
  /** The operands as they read now, whatever the call's growth detached. */
  private readonly readable: () => Operand[];

  constructor(
    private readonly engine: WasmEngine,
    private readonly t: TypedKernels,
    private readonly operands: Operand[],
    private readonly settings: Settings,
    private readonly scope: Scope,
  ) {
    this.n = settings.rows * settings.cols;
    const { sources, readable } = engine.pinned(operands);
    this.readable = readable;
    this.staged = sources.map((source) => engine.stage(source, t, scope));
    // Log-probabilities used as given must have finite probabilities (checkValues' LOG_MAX).
    const logRange = operands.every((o, i) => o.space !== "log" || settings.normalize || engine.withinLogRange(t, this.staged[i]!, this.n, scope));
    if (!logRange && settings.validate) engine.reportInvalid(this.readable(), settings.normalize);
  }

  /** Throws the KLError that says where, if a kernel flagged bad input. */
  checked(status: number): void {
    if (status !== 0 && this.settings.validate) this.engine.reportInvalid(this.readable(), this.settings.normalize);
  }

  /** Errors about the data's meaning come after errors about bad values, as in the reference. */
  fail(error: KLError): never {
    if (this.settings.validate) for (const o of this.readable()) checkValues(o.values, o.space, o.name, this.settings.normalize);
    throw error;
  }

  /** Scratch for one element per input element, in the kernels' element type. */
  elements(): number {
    return this.scope.alloc(this.n * this.t.array.BYTES_PER_ELEMENT);
  }

  /** Scratch for one f64 per row. */
  rowsOfF64(): number {
    return this.scope.alloc(this.settings.rows * 8);
  }

  /** Per-row sums of `op` (and its gradient, for gradient ops): the address of rows f64. */
  reduce(op: Op, x: number, y = 0, offsetsX = 0, offsetsY = 0, rowParams = 0, scale = 1, grad = 0): number {
    const out = this.rowsOfF64();
    const { rows, cols } = this.settings;
    this.checked(this.t.reduceRows(op, x, y, rows, cols, offsetsX, offsetsY, rowParams, scale, grad, out));
    return out;
  }

  /** Per-row log-sum-exp of a log-space operand (the offset that normalises it). */
  logSumExp(i: number): number {
    const operand = this.operands[i]!;
    const { rows, cols } = this.settings;
    const maxima = this.rowsOfF64();
    this.checked(this.t.rowMaxima(this.staged[i]!, rows, cols, maxima));
    const sums = this.engine.f64At(this.reduce(Op.EXP_SUM, this.staged[i]!, 0, maxima), rows);
    const lse = this.engine.f64At(maxima, rows);
    for (let r = 0; r < rows; r++) {
      if (lse[r] === -Infinity) this.fail(zeroSumRow(operand.name, r, operand.space));
      lse[r] = lse[r]! + Math.log(sums[r]!);
    }
    return maxima;
  }

  /** Offsets that turn a log-space operand into log-probabilities (0: none needed). */
  logOffsets(i: number): number {
    return this.operands[i]!.space === "logits" || this.settings.normalize ? this.logSumExp(i) : 0;
  }

  /** Operand i as probabilities, normalised when asked. */
  probabilities(i: number): number {
    const operand = this.operands[i]!;
    const { rows, cols } = this.settings;
    if (operand.space !== "prob") {
      let offsets = this.logOffsets(i);
      if (offsets === 0) {
        // Log-probabilities as given: validate them, then shift by nothing.
        offsets = this.rowsOfF64();
        this.checked(this.t.rowMaxima(this.staged[i]!, rows, cols, offsets));
        this.engine.f64At(offsets, rows).fill(0);
      }
      const out = this.elements();
      this.t.expShiftedRows(this.staged[i]!, rows, cols, offsets, out);
      return out;
    }
    if (!this.settings.normalize) return this.staged[i]!;
    const sums = this.reduce(Op.SUM, this.staged[i]!);
    const sumView = this.engine.f64At(sums, rows);
    for (let r = 0; r < rows; r++) if (sumView[r] === 0) this.fail(zeroSumRow(operand.name, r, "prob"));
    const out = this.elements();
    this.t.divideRows(this.staged[i]!, rows, cols, sums, out);
    return out;
  }

  /** Per-row Σ e^a of log-probabilities a (shifted by `offsets`): exactly 1 where they are normalised. */
  targetMass(a: number, offsets: number): number {
    if (offsets !== 0) {
      const ones = this.rowsOfF64();
      this.engine.f64At(ones, this.settings.rows).fill(1);
      return ones;
    }
    return this.reduce(Op.EXP_SUM, a);
  }

  /** Operand i as log-probabilities: [address, per-row offsets address or 0]. */
  logProbabilities(i: number): [number, number] {
    if (this.operands[i]!.space !== "prob") return [this.staged[i]!, this.logOffsets(i)];
    const out = this.elements();
    this.checked(this.t.logElements(this.probabilities(i), this.n, out));
    return [out, 0];
  }
}

/** Runs the divergences on a Wasm module's kernels. */
export class WasmEngine implements Engine {
  private readonly heap: Heap;
  private readonly f64: TypedKernels;
  private readonly f32: TypedKernels;
  /** Views handed out by alloc: their block's address and the allocation that made it. */
  private readonly views = new WeakMap<ElementArray, { address: number; length: number; allocation: number }>();
  /** Live alloc blocks: address → allocation number (a reused address gets a new one). */
  private readonly liveBlocks = new Map<number, number>();
  private allocations = 0;

  constructor(
    private readonly kernels: Kernels,
    readonly backend: Backend,
    maxMemoryBytes?: number,
  ) {
    this.heap = new Heap(kernels.memory, kernels.heapBase(), maxMemoryBytes);
    this.f64 = typedKernels(kernels, false);
    this.f32 = typedKernels(kernels, true);
  }

  /** @internal */ get buffer(): ArrayBuffer {
    return this.kernels.memory.buffer;
  }

  /** A fresh f64 view: views made before the memory grew are detached. */
  /** @internal */ f64At(address: number, length: number): Float64Array {
    return new Float64Array(this.buffer, address, length);
  }

  /**
   * The input's address in Wasm memory: its own for views into it, else a scratch copy.
   * `source` is pinned (see pin) before the call allocates anything.
   */
  /** @internal */ stage(source: () => Operand["values"], t: TypedKernels, scope: Scope): number {
    const values = source();
    if (values instanceof t.array && values.buffer === this.buffer) return values.byteOffset;
    const length = values.length;
    const address = scope.alloc(length * t.array.BYTES_PER_ELEMENT);
    new t.array(this.buffer, address, length).set(source());
    return address;
  }

  /** @internal */ isZeroCopy(operand: Operand, t: TypedKernels): boolean {
    return operand.values instanceof t.array && operand.values.buffer === this.buffer;
  }

  /**
   * A way back to `values` after the memory grows: a view of this memory (zero-copy or not)
   * is detached by growth and rebuilt over the same bytes, so a call can still read it.
   */
  /** @internal */ pin(values: Operand["values"]): () => Operand["values"] {
    if (!ArrayBuffer.isView(values) || values.buffer !== this.buffer) return () => values;
    const { byteOffset, length } = values;
    const type = values.constructor as typeof Float64Array;
    return () => (values.buffer === this.buffer ? values : new type(this.buffer, byteOffset, length));
  }

  /** @internal */ pinned(operands: Operand[]): { sources: Array<() => Operand["values"]>; readable: () => Operand[] } {
    const sources = operands.map((o) => this.pin(o.values));
    return { sources, readable: () => operands.map((o, i) => ({ ...o, values: sources[i]!() })) };
  }

  /**
   * The array to hand back for `view` after a call: itself, or, for an alloc view that the
   * call's growth detached, a fresh view over the same block (both stay registered).
   */
  private survivor(view: ElementArray): ElementArray {
    const block = this.views.get(view);
    if (block === undefined || view.buffer === this.buffer) return view;
    const fresh = new (view.constructor as typeof Float64Array)(this.buffer, block.address, block.length);
    this.views.set(fresh, block);
    return fresh;
  }

  /** @internal Whether n values at `address` hold no NaN and none above LOG_MAX. */
  withinLogRange(t: TypedKernels, address: number, n: number, scope?: Scope): boolean {
    const maximum = scope ? scope.alloc(8) : this.heap.alloc(8);
    try {
      return t.rowMaxima(address, 1, n, maximum) === 0 && this.f64At(maximum, 1)[0]! <= LOG_MAX;
    } finally {
      if (!scope) this.heap.free(maximum);
    }
  }

  /** Called when a kernel flagged bad input: throws the KLError that says where. */
  /** @internal */ reportInvalid(operands: Operand[], normalize: boolean): never {
    for (const operand of operands) checkValues(operand.values, operand.space, operand.name, normalize);
    throw new Error("klwasm: a kernel flagged input that validation accepts");
  }

  /**
   * f32 inputs run in f32 lanes where that keeps the contract's accuracy: probabilities as
   * given. Log-space terms (whose f32 rounding of log-probabilities shifts the value by
   * ~1e-7 absolute), rescaled rows and the JSD mixture run in f64 lanes unless
   * `precision: "fast"` accepts that.
   */
  private usesF32Lanes(divergence: Divergence, operands: Operand[], settings: Settings): boolean {
    if (!operands.every((o) => o.values instanceof Float32Array)) return false;
    if (settings.precision === "fast") return true;
    return divergence !== "jsd" && !settings.normalize && operands.every((o) => o.space === "prob");
  }

  rowValues(divergence: Divergence, operands: Operand[], settings: Settings): Float64Array {
    const t = this.usesF32Lanes(divergence, operands, settings) ? this.f32 : this.f64;
    // Streamed sums need only small fixed buffers, whatever the size of the input.
    const streams = streamedTerm(divergence, operands, settings) !== undefined && !operands.some((o) => this.isZeroCopy(o, t));
    return this.inRowGroups(operands, settings, streams ? 0 : this.bytesPerRow(operands, settings), (part, partSettings) =>
      this.withScope((scope) => this.compute(divergence, part, partSettings, scope)),
    );
  }

  private withScope<R>(work: (scope: Scope) => R): R {
    const scope = new Scope(this.heap);
    try {
      return work(scope);
    } finally {
      scope.release();
    }
  }

  /** A generous bound on a call's scratch per row: staged inputs and three element temporaries. */
  private bytesPerRow(operands: Operand[], settings: Settings): number {
    return settings.cols * 8 * (operands.length + 3) + 128;
  }

  /**
   * Runs `work` on groups of whole rows small enough for the memory left, and joins the
   * per-row results: an input larger than one Wasm memory (or than `maxMemoryBytes`) gives
   * the values of a single pass. Errors name indices and rows of the whole input.
   */
  private inRowGroups(
    operands: Operand[], settings: Settings, bytesPerRow: number,
    work: (part: Operand[], partSettings: Settings, firstRow: number) => Float64Array,
  ): Float64Array {
    const { rows, cols } = settings;
    // Room for alignment and the per-call bookkeeping blocks.
    const groupRows = bytesPerRow === 0 ? rows : Math.floor((this.heap.available - ALLOC_SLACK) / bytesPerRow);
    if (groupRows >= rows) return work(operands, settings, 0);
    if (groupRows < 1) {
      throw new KLError("TOO_LARGE", operands[0]!.name, `one row of ${cols} elements needs about ${bytesPerRow} bytes of scratch, more than the ${this.heap.available} the module's memory has left; split the rows`);
    }
    const { readable } = this.pinned(operands);
    const result = new Float64Array(rows);
    for (let first = 0; first < rows; first += groupRows) {
      const count = Math.min(groupRows, rows - first);
      const part = readable().map((o) => ({ ...o, values: slice(o.values, first * cols, count * cols) as Operand["values"] }));
      try {
        result.set(work(part, { ...settings, rows: count }, first), first);
      } catch (error) {
        throw this.inWholeInput(error, readable(), settings, first);
      }
    }
    return result;
  }

  /** An error from a row group, restated for the whole input. */
  private inWholeInput(error: unknown, operands: Operand[], settings: Settings, firstRow: number): unknown {
    if (!(error instanceof KLError)) return error;
    if (settings.validate) for (const o of operands) checkValues(o.values, o.space, o.name, settings.normalize);
    if (error.code !== "ZERO_SUM" && error.code !== "NO_MASS") return error;
    const operand = operands.find((o) => o.name === error.argument)!;
    return zeroSumRow(operand.name, error.index! + firstRow, operand.space);
  }

  private compute(divergence: Divergence, operands: Operand[], settings: Settings, scope: Scope): Float64Array {
    const t = this.usesF32Lanes(divergence, operands, settings) ? this.f32 : this.f64;
    const streamedOp = streamedTerm(divergence, operands, settings);
    if (streamedOp !== undefined && settings.rows * settings.cols > STREAM_CHUNK && !operands.some((o) => this.isZeroCopy(o, t))) {
      return this.streamRows(streamedOp, operands, t, settings, scope);
    }
    const call = new KernelCall(this, t, operands, settings, scope);
    const { rows } = settings;
    let result: number;
    if (divergence === "jsd") {
      const p = call.probabilities(0);
      const q = call.probabilities(1);
      const m = call.elements();
      const { beta } = settings;
      t.mixture(p, q, call.n, beta, m);
      // A weight of 0 drops its term (whose divergence may be infinite).
      const weighted = (weight: number, x: number): Float64Array =>
        weight === 0 ? new Float64Array(rows) : this.f64At(call.reduce(klTermFor(settings), x, m), rows).map((v) => weight * v);
      const fromQ = weighted(1 - beta, q);
      return weighted(beta, p).map((v, r) => v + fromQ[r]!);
    } else if (divergence === "entropy") {
      if (operands[0]!.space === "prob") result = call.reduce(Op.ENTROPY, call.probabilities(0));
      else {
        const [a, offsets] = call.logProbabilities(0);
        result = call.reduce(Op.ENTROPY_LOG, a, 0, offsets);
      }
    } else if (operands.every((o) => o.space === "prob")) {
      result = call.reduce(divergence === "kl" ? klTermFor(settings) : Op.CROSS_ENTROPY, call.probabilities(0), call.probabilities(1));
    } else {
      const [a, offsetsA] = call.logProbabilities(0);
      const [b, offsetsB] = call.logProbabilities(1);
      result = call.reduce(divergence === "kl" ? Op.KL_LOG : Op.CROSS_ENTROPY_LOG, a, b, offsetsA, offsetsB);
    }
    return this.f64At(result, rows).slice();
  }

  gradient(direction: Direction, operands: Operand[], settings: Settings, out: ElementArray): { perRow: Float64Array; grad: ElementArray } {
    const { cols } = settings;
    const perRow = this.inRowGroups(operands, settings, this.bytesPerRow(operands, settings), (part, partSettings, first) =>
      // survivor: an earlier group may have grown the memory and detached an alloc'd `out`.
      this.withScope((scope) => this.gradientRows(direction, part, partSettings, this.survivor(out).subarray(first * cols, (first + partSettings.rows) * cols), scope)),
    );
    return { perRow, grad: this.survivor(out) };
  }

  /** Per-row values of one group of rows, its gradient written into `out`. */
  private gradientRows(direction: Direction, operands: Operand[], settings: Settings, out: ElementArray, scope: Scope): Float64Array {
    const t = this.usesF32Lanes("kl", operands, settings) ? this.f32 : this.f64;
    // Read before staging, which may grow the memory and detach `out`.
    const outInMemory = out.buffer === this.buffer;
    const outAddress = out.byteOffset;
    const call = new KernelCall(this, t, operands, settings, scope);
    const { rows, cols } = settings;
    const approx = operands[1]!;
    const forward = direction === "forward";
    // Written in place when `out` is a view of this memory in the kernel's element type.
    const inPlace = out instanceof t.array && outInMemory;
    const grad = inPlace ? outAddress : call.elements();
    const scale = gradientScale(settings);
    let values: number;
    if (approx.space === "prob") {
      const op = forward ? Op.GRAD_FORWARD_PROB : Op.GRAD_REVERSE_PROB;
      values = call.reduce(op, call.probabilities(0), call.staged[1]!, 0, 0, 0, scale, grad);
    } else {
      const [a, offsetsA] = call.logProbabilities(0);
      const [b, offsetsB] = call.logProbabilities(1);
      const normalized = offsetsB !== 0;
      const rowParams = call.rowsOfF64();
      const params = this.f64At(rowParams, rows);
      // Forward through a log-softmax: ∂/∂z = q·Σp − p, with Σp the target's mass per row.
      if (forward) params.set(normalized ? this.f64At(call.targetMass(a, offsetsA), rows) : new Float64Array(rows));
      else if (!normalized) params.fill(-1);
      // Logits: the gradient subtracts each row's D(Q‖P), so that comes first.
      else params.set(this.f64At(call.reduce(Op.KL_LOG, b, a, offsetsB, offsetsA), rows));
      values = call.reduce(forward ? Op.GRAD_FORWARD_LOG : Op.GRAD_REVERSE_LOG, a, b, offsetsA, offsetsB, rowParams, scale, grad);
    }
    const perRow = this.f64At(values, rows).slice();
    // A view of this memory that staging detached is written through a fresh view.
    const target = outInMemory ? new (out.constructor as typeof Float64Array)(this.buffer, outAddress, rows * cols) : out;
    if (!inPlace) target.set(new t.array(this.buffer, grad, rows * cols));
    return perRow;
  }

  /**
   * Per-row sums of `op` over copied inputs, a cache-sized piece at a time: whole rows per
   * piece when they fit, else one row in column pieces whose sums are combined compensated.
   */
  private streamRows(op: Op, operands: Operand[], t: TypedKernels, settings: Settings, scope: Scope): Float64Array {
    const { rows, cols, validate } = settings;
    const width = Math.min(cols, STREAM_CHUNK);
    const rowsPerPiece = cols <= STREAM_CHUNK ? Math.floor(STREAM_CHUNK / cols) : 1;
    const { readable } = this.pinned(operands);
    const buffers = operands.map(() => scope.alloc(rowsPerPiece * width * t.array.BYTES_PER_ELEMENT));
    const out = scope.alloc(rowsPerPiece * 8);
    const result = new Float64Array(rows);
    for (let row = 0; row < rows; row += rowsPerPiece) {
      const pieceRows = Math.min(rowsPerPiece, rows - row);
      const rowTotal = new CompensatedSum();
      for (let col = 0; col < cols; col += width) {
        const pieceCols = Math.min(width, cols - col);
        const start = row * cols + col;
        const length = pieceRows * pieceCols;
        readable().forEach((o, i) => new t.array(this.buffer, buffers[i]!, length).set(slice(o.values, start, length)));
        const status = t.reduceRows(op, buffers[0]!, buffers[1] ?? 0, pieceRows, pieceCols, 0, 0, 0, 1, 0, out);
        const logRange = operands.every((o, i) => o.space !== "log" || this.withinLogRange(t, buffers[i]!, length));
        if ((status !== 0 || !logRange) && validate) this.reportInvalid(readable(), false);
        if (pieceCols === cols) result.set(this.f64At(out, pieceRows), row);
        else rowTotal.add(this.f64At(out, 1)[0]!);
      }
      if (width < cols) result[row] = rowTotal.value;
    }
    return result;
  }

  relEntr(p: Operand, q: Operand, validate: boolean, out: ElementArray): ElementArray {
    const scope = new Scope(this.heap);
    try {
      const t = out instanceof Float32Array ? this.f32 : this.f64;
      const n = out.length;
      // Decided before staging: copying the inputs may grow the memory and detach `out`.
      const inPlace = out.buffer === this.buffer;
      const { sources, readable } = this.pinned([p, q]);
      const target = inPlace ? out.byteOffset : scope.alloc(out.byteLength);
      const staged = sources.map((source) => this.stage(source, t, scope));
      const status = t.relEntr(p.space === "log" ? 1 : 0, staged[0]!, staged[1]!, n, target);
      const logRange = p.space !== "log" || staged.every((address) => this.withinLogRange(t, address, n));
      if ((status !== 0 || !logRange) && validate) this.reportInvalid(readable(), false);
      if (!inPlace) out.set(new t.array(this.buffer, target, n));
      return this.survivor(out);
    } finally {
      scope.release();
    }
  }

  alloc<A extends ElementArray>(length: number, type: { new (length: number): A }): A {
    const array: unknown = type;
    checkAllocation(length, array);
    const address = this.heap.alloc(length * array.BYTES_PER_ELEMENT);
    // Room for a call's small scratch now, so that calls on this view rarely grow (and detach) it.
    this.heap.ensure(this.heap.top + ALLOC_SLACK);
    const allocation = ++this.allocations;
    this.liveBlocks.set(address, allocation);
    const view = new array(this.buffer, address, length) as unknown as A;
    this.views.set(view, { address, length, allocation });
    return view;
  }

  reserve(bytes: number): void {
    if (!(bytes >= 0) || !Number.isFinite(bytes)) throw new KLError("BAD_OPTION", "bytes", `must be a finite number ≥ 0, got ${bytes}`);
    this.heap.ensure(this.heap.top + bytes + ALLOC_SLACK);
  }

  /** Whether the view's block is still allocated (not freed, its address not reused since). */
  private isLive(view: ElementArray): boolean {
    const block = this.views.get(view);
    return block !== undefined && this.liveBlocks.get(block.address) === block.allocation;
  }

  free(view: ElementArray): void {
    if (!this.isLive(view)) {
      throw new KLError("STALE_VIEW", "view", "was not returned by this instance's alloc, or was freed already");
    }
    const { address } = this.views.get(view)!;
    this.heap.free(address);
    this.liveBlocks.delete(address);
  }

  memoryBytes(): number {
    return this.buffer.byteLength;
  }

  checkView(values: unknown, argument: string): void {
    if (!(values instanceof Float64Array || values instanceof Float32Array) || !this.views.has(values)) return;
    if (!this.isLive(values)) throw new KLError("STALE_VIEW", argument, "is a view that kl.free released; its memory may hold other data now");
    if (values.buffer !== this.buffer) {
      throw new KLError("STALE_VIEW", argument, "is a kl.alloc view from before the module's memory grew (growth detaches every view); call kl.reserve(bytes) before allocating, or allocate it again");
    }
  }
}
