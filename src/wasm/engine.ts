import type { Divergence, Engine } from "../engine.js";
import { KLError } from "../errors.js";
import type { Operand, Settings } from "../options.js";
import { CompensatedSum } from "../sum.js";
import type { Backend } from "../types.js";
import { checkValues, zeroSumRow } from "../validate.js";
import { Heap } from "./heap.js";
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
    case "kl": return log ? Op.KL_LOG : Op.KL;
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
  ) {
    this.heap = new Heap(kernels.memory, kernels.heapBase());
    this.f64 = typedKernels(kernels, false);
    this.f32 = typedKernels(kernels, true);
  }

  private get buffer(): ArrayBuffer {
    return this.kernels.memory.buffer;
  }

  /** A fresh f64 view: views made before the memory grew are detached. */
  private f64At(address: number, length: number): Float64Array {
    return new Float64Array(this.buffer, address, length);
  }

  /** The input's address in Wasm memory: its own for views into it, else a scratch copy. */
  private stage(values: Operand["values"], t: TypedKernels, scope: Scope): number {
    if (values instanceof t.array && values.buffer === this.buffer) return values.byteOffset;
    const address = scope.alloc(values.length * t.array.BYTES_PER_ELEMENT);
    new t.array(this.buffer, address, values.length).set(values);
    return address;
  }

  private isZeroCopy(operand: Operand, t: TypedKernels): boolean {
    return operand.values instanceof t.array && operand.values.buffer === this.buffer;
  }

  /**
   * The operands as they read now: a view that the call's own growth detached is rebuilt
   * over the same bytes, so that errors can still say where.
   */
  private readable(operands: Operand[], zeroCopy: boolean[], staged: number[], t: TypedKernels, n: number): Operand[] {
    return operands.map((o, i) => (zeroCopy[i] ? { ...o, values: new t.array(this.buffer, staged[i]!, n) } : o));
  }

  /** A fresh view over the block of an alloc view that growth detached; both stay registered. */
  private rebuildView(old: ElementArray, array: typeof Float64Array | typeof Float32Array): ElementArray {
    const block = this.views.get(old)!;
    const view = new array(this.buffer, block.address, block.length);
    this.views.set(view, block);
    return view;
  }

  /** Called when a kernel flagged bad input: throws the KLError that says where. */
  private reportInvalid(operands: Operand[]): never {
    for (const operand of operands) checkValues(operand.values, operand.space, operand.name);
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
    const scope = new Scope(this.heap);
    try {
      return this.compute(divergence, operands, settings, scope);
    } finally {
      scope.release();
    }
  }

  private compute(divergence: Divergence, operands: Operand[], settings: Settings, scope: Scope): Float64Array {
    const { rows, cols, normalize, validate } = settings;
    const t = this.usesF32Lanes(divergence, operands, settings) ? this.f32 : this.f64;
    const n = rows * cols;
    const zeroCopy = operands.map((o) => this.isZeroCopy(o, t));
    const streamedOp = streamedTerm(divergence, operands, settings);
    if (streamedOp !== undefined && n > STREAM_CHUNK && !zeroCopy.some(Boolean)) {
      return this.streamRows(streamedOp, operands, t, settings, scope);
    }
    const staged = operands.map((o) => this.stage(o.values, t, scope));
    const readable = (): Operand[] => this.readable(operands, zeroCopy, staged, t, n);
    const checked = (status: number): void => {
      if (status !== 0 && validate) this.reportInvalid(readable());
    };
    // Errors about the data's meaning come after errors about bad values, as in the reference.
    const fail = (error: KLError): never => {
      if (validate) for (const o of readable()) checkValues(o.values, o.space, o.name);
      throw error;
    };
    const reduce = (op: Op, x: number, y = 0, offsetsX = 0, offsetsY = 0): number => {
      const out = scope.alloc(rows * 8);
      checked(t.reduceRows(op, x, y, rows, cols, offsetsX, offsetsY, out));
      return out;
    };
    const elements = (): number => scope.alloc(n * t.array.BYTES_PER_ELEMENT);

    /** Per-row log-sum-exp of a log-space operand (the offset that normalises it). */
    const logSumExp = (i: number): number => {
      const operand = operands[i]!;
      const maxima = scope.alloc(rows * 8);
      checked(t.rowMaxima(staged[i]!, rows, cols, maxima));
      const sums = this.f64At(reduce(Op.EXP_SUM, staged[i]!, 0, maxima), rows);
      const lse = this.f64At(maxima, rows);
      for (let r = 0; r < rows; r++) {
        if (lse[r] === -Infinity) fail(zeroSumRow(operand.name, r, operand.space));
        lse[r] = lse[r]! + Math.log(sums[r]!);
      }
      return maxima;
    };
    /** Offsets that turn a log-space operand into log-probabilities (0: none needed). */
    const logOffsets = (i: number): number =>
      operands[i]!.space === "logits" || normalize ? logSumExp(i) : 0;
    /** Operand i as probabilities, normalised when asked. */
    const probabilities = (i: number): number => {
      const operand = operands[i]!;
      if (operand.space !== "prob") {
        let offsets = logOffsets(i);
        if (offsets === 0) {
          // Log-probabilities as given: validate them, then shift by nothing.
          offsets = scope.alloc(rows * 8);
          checked(t.rowMaxima(staged[i]!, rows, cols, offsets));
          this.f64At(offsets, rows).fill(0);
        }
        const out = elements();
        t.expShiftedRows(staged[i]!, rows, cols, offsets, out);
        return out;
      }
      if (!normalize) return staged[i]!;
      const sums = reduce(Op.SUM, staged[i]!);
      const sumView = this.f64At(sums, rows);
      for (let r = 0; r < rows; r++) if (sumView[r] === 0) fail(zeroSumRow(operand.name, r, "prob"));
      const out = elements();
      t.divideRows(staged[i]!, rows, cols, sums, out);
      return out;
    };
    /** Operand i as log-probabilities: [address, per-row offsets address or 0]. */
    const logProbabilities = (i: number): [number, number] => {
      if (operands[i]!.space !== "prob") return [staged[i]!, logOffsets(i)];
      const out = elements();
      checked(t.logElements(probabilities(i), n, out));
      return [out, 0];
    };

    let result: number;
    if (divergence === "jsd") {
      const p = probabilities(0);
      const q = probabilities(1);
      const m = elements();
      t.mixture(p, q, n, m);
      const fromP = this.f64At(reduce(Op.KL, p, m), rows);
      const fromQ = this.f64At(reduce(Op.KL, q, m), rows);
      return Float64Array.from(fromP, (v, r) => 0.5 * v + 0.5 * fromQ[r]!);
    } else if (divergence === "entropy") {
      if (operands[0]!.space === "prob") result = reduce(Op.ENTROPY, probabilities(0));
      else {
        const [a, offsets] = logProbabilities(0);
        result = reduce(Op.ENTROPY_LOG, a, 0, offsets);
      }
    } else if (operands.every((o) => o.space === "prob")) {
      result = reduce(divergence === "kl" ? Op.KL : Op.CROSS_ENTROPY, probabilities(0), probabilities(1));
    } else {
      const [a, offsetsA] = logProbabilities(0);
      const [b, offsetsB] = logProbabilities(1);
      result = reduce(divergence === "kl" ? Op.KL_LOG : Op.CROSS_ENTROPY_LOG, a, b, offsetsA, offsetsB);
    }
    return this.f64At(result, rows).slice();
  }

  /**
   * Per-row sums of `op` over copied inputs, a cache-sized piece at a time: whole rows per
   * piece when they fit, else one row in column pieces whose sums are combined compensated.
   */
  private streamRows(op: Op, operands: Operand[], t: TypedKernels, settings: Settings, scope: Scope): Float64Array {
    const { rows, cols, validate } = settings;
    const width = Math.min(cols, STREAM_CHUNK);
    const rowsPerPiece = cols <= STREAM_CHUNK ? Math.floor(STREAM_CHUNK / cols) : 1;
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
        operands.forEach((o, i) => new t.array(this.buffer, buffers[i]!, length).set(slice(o.values, start, length)));
        const status = t.reduceRows(op, buffers[0]!, buffers[1] ?? 0, pieceRows, pieceCols, 0, 0, out);
        if (status !== 0 && validate) this.reportInvalid(operands);
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
      const zeroCopy = [p, q].map((o) => this.isZeroCopy(o, t));
      const target = inPlace ? out.byteOffset : scope.alloc(out.byteLength);
      const staged = [p, q].map((o) => this.stage(o.values, t, scope));
      const status = t.relEntr(p.space === "log" ? 1 : 0, staged[0]!, staged[1]!, n, target);
      if (status !== 0 && validate) this.reportInvalid(this.readable([p, q], zeroCopy, staged, t, n));
      if (!inPlace) out.set(new t.array(this.buffer, target, n));
      return inPlace && out.buffer !== this.buffer ? this.rebuildView(out, t.array) : out;
    } finally {
      scope.release();
    }
  }

  alloc<A extends ElementArray>(length: number, type: { new (length: number): A }): A {
    const array = type as unknown as typeof Float64Array | typeof Float32Array;
    if (array !== Float64Array && array !== Float32Array) {
      throw new KLError("BAD_OPTION", "type", "must be Float64Array or Float32Array");
    }
    if (!Number.isInteger(length) || length < 1) throw new KLError("BAD_OPTION", "length", `must be a positive integer, got ${length}`);
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
