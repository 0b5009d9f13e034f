/**
 * The divergences on a Wasm module's kernels. Two paths: sums of terms over inputs used as
 * given stream through the instance's scratch arena (no allocation, no per-call objects: the
 * path of most calls), and everything else (logits, rescaled rows, the JSD, gradients) stages
 * its inputs and conversions in a KernelCall (call.ts), in groups of rows that fit the memory.
 */
import { zeroSumRow } from "../../core/checks.js";
import type { ElementArray, Engine } from "../../core/engine.js";
import type { Divergence, GradientKind } from "../../core/routes.js";
import { KLError } from "../../core/errors.js";
import { gradientScale, type ArgumentNames, type Settings } from "../../core/options.js";
import type { Backend, Vector } from "../../core/types.js";
import { checkOperands, copyInto, isZeroCopy, KernelCall, operand, operandsOf, pin, readable, reportNonNumbers, reportInvalid, stage, withinLogRange, writesInPlace, type Instance, type Operand } from "./call.js";
import { streamRows } from "./stream.js";
import { reduce, type Kernels, type OpTable, type TypedKernels } from "./kernels.js";
import { Allocations, Heap, MAX_MEMORY_BYTES, Scratch, Views } from "./memory.js";
import { refineNearRescaledKL } from "./near-rows.js";
import { alphaGradient, amariRows, renyiGradient, renyiValues } from "./alpha.js";
import { jsdGradient, jsdRows } from "./jsd.js";

/** Divergences whose kernels read an order or weight per row (or none: jeffreys), never a plain term sum. */
const PARAMETERISED: ReadonlySet<Divergence> = new Set(["jsd", "alphaDivergence", "renyi", "jeffreys"]);

/** Divergences of probabilities that run in f64 lanes unless `precision: "fast"`: the JSD's mixture, the α family's powers. */
const WIDENED: ReadonlySet<Divergence> = new Set(["jsd", "alphaDivergence", "renyi"]);

/**
 * One-row calls with default options up to this many elements take defaultRowValue: their
 * inputs are copied into a region kept for them, with none of the general path's bookkeeping.
 */
const SMALL_ROW = 1024;

/** Bytes of two operands' rows the fused logits kernel stages at a time (fusedValues): within L2. */
const FUSED_GROUP_BYTES = 1 << 20;

/** The least normal f32, 2^-126. */
const F32_MIN_NORMAL = 2 ** -126;

/** `length` values of a vector from `start`, without copying typed arrays. */
function slice(values: Vector, start: number, length: number): Vector {
  return Array.isArray(values) ? values.slice(start, start + length) : (values as ElementArray).subarray(start, start + length);
}

export class WasmEngine implements Engine, Instance {
  readonly views: Views;
  readonly scratch: Scratch;
  readonly ops: OpTable;
  readonly allocations: Allocations;
  private readonly heap: Heap;
  private readonly f64: TypedKernels;
  private readonly f32: TypedKernels;
  /** The per-row values of one-row calls: reused, since `finish` reads them at once. */
  private readonly oneRow = new Float64Array(1);
  /** The region of defaultRowValue (allocated on its first use): two rows of SMALL_ROW f64 and the sum. */
  private smallRegion = 0;
  /** termOp's answers, in probability and in log space. */
  private readonly termOps = [new Map<Divergence, number>(), new Map<Divergence, number>()] as const;
  /** Whether defaultRowValue is copying: a call from an input's getter then takes the general path. */
  private smallBusy = false;

  /** `maxMemoryBytes`: the most the memory may grow to, at most (and by default) what Wasm32 addresses. */
  constructor(kernels: Kernels, readonly backend: Backend, maxMemoryBytes = MAX_MEMORY_BYTES) {
    this.heap = new Heap(kernels.memory, kernels.heapBase, Math.min(maxMemoryBytes, MAX_MEMORY_BYTES));
    this.views = new Views(kernels.memory);
    this.scratch = new Scratch(this.heap);
    this.allocations = new Allocations(this.heap, this.views);
    this.ops = kernels.ops;
    this.f64 = kernels.f64;
    this.f32 = kernels.f32;
  }

  /**
   * f32 inputs run in f32 lanes where that keeps the contract's accuracy: probabilities as
   * given. Log-space terms (whose f32 rounding of log-probabilities shifts the value by
   * ~1e-7 absolute), rescaled rows and the JSD mixture run in f64 lanes unless
   * `precision: "fast"` accepts that.
   */
  private lanes(divergence: Divergence, first: Vector, second: Vector | undefined, settings: Settings): TypedKernels {
    if (!(first instanceof Float32Array) || (second !== undefined && !(second instanceof Float32Array))) return this.f64;
    // β below f32's normal range would round the JSD's weight away, and the scaled JSD's power
    // of two on it passes f32's range: f64 lanes then.
    const jsdBeyondF32 = divergence === "jsd" && ((settings.beta > 0 && settings.beta < F32_MIN_NORMAL) || settings.jsdWeight !== 1);
    if (settings.precision === "fast") return jsdBeyondF32 ? this.f64 : this.f32;
    const asGiven = !WIDENED.has(divergence) && !settings.normalize && settings.spaces[0] === "prob" && (second === undefined || settings.spaces[1] === "prob");
    return asGiven ? this.f32 : this.f64;
  }

  /**
   * The op whose plain per-row sum is `divergence` of inputs used as given, in probability or
   * log space, or -1 (the JSD reads β per row: jsd.ts). It is found by name: the divergence's name
   * in capitals, with _LOG in log space (crossEntropy: CROSS_ENTROPY, CROSS_ENTROPY_LOG); the
   * KL's probability term is its cancellation-free form unless `precision: "fast"`.
   */
  private termOp(divergence: Divergence, log: boolean, precision: Settings["precision"]): number {
    if (PARAMETERISED.has(divergence)) return -1;
    if (divergence === "kl" && !log && precision === "accurate") return this.ops.KL_EXCESS;
    const known = this.termOps[log ? 1 : 0];
    let op = known.get(divergence);
    if (op === undefined) {
      const name = divergence.replace(/[A-Z]/g, (letter) => `_${letter}`).toUpperCase();
      op = this.ops[log ? `${name}_LOG` : name] ?? -1;
      known.set(divergence, op);
    }
    return op;
  }

  /**
   * The op whose plain per-row sum is the divergence of inputs used as given (no rescaling, no
   * log-sum-exp, no conversion between spaces), or -1.
   */
  private streamedTerm(divergence: Divergence, twoOperands: boolean, settings: Settings): number {
    const space = settings.spaces[0];
    if (settings.normalize || space === "logits" || (twoOperands && settings.spaces[1] !== space)) return -1;
    return this.termOp(divergence, space === "log", settings.precision);
  }

  defaultRowValue(divergence: Divergence, first: Vector, second: Vector | undefined, names: ArgumentNames): number | undefined {
    const op = this.termOp(divergence, false, "accurate");
    if (op < 0 || this.smallBusy || !this.copiable(first)) return undefined;
    const n = first.length;
    if (!(n > 0 && n <= SMALL_ROW) || (second !== undefined && !(this.copiable(second) && second.length === n))) return undefined;
    const f32 = first instanceof Float32Array && (second === undefined || second instanceof Float32Array);
    const t = f32 ? this.f32 : this.f64;
    if (this.smallRegion === 0) this.smallRegion = this.regionForSmallRows();
    if (this.smallRegion === 0) return undefined;
    const x = this.smallRegion;
    const y = x + SMALL_ROW * 8;
    const out = y + SMALL_ROW * 8;
    // A call from an input's getter meanwhile takes the general path, not this region.
    this.smallBusy = true;
    try {
      copyInto(this.views, t.array, first, 0, n, x, names[0]);
      if (second !== undefined) copyInto(this.views, t.array, second, 0, n, y, names[1]);
    } finally {
      this.smallBusy = false;
    }
    if (reduce(t, op, x, y, 1, n, out) !== 0) return undefined;
    return this.views.f64()[out >> 3];
  }

  /** The region of defaultRowValue, or 0 where the memory's limit leaves no room for it (calls then take the general path). */
  private regionForSmallRows(): number {
    try {
      return this.heap.alloc(2 * SMALL_ROW * 8 + 16, "memory");
    } catch (error) {
      if (error instanceof KLError) return 0;
      throw error;
    }
  }

  /** Whether defaultRowValue may copy `values`: a vector outside this memory. */
  private copiable(values: Vector | undefined): boolean {
    return Array.isArray(values) || ((values instanceof Float64Array || values instanceof Float32Array) && values.buffer !== this.views.buffer);
  }

  rowValues(divergence: Divergence, first: Vector, second: Vector | undefined, settings: Settings): Float64Array {
    const t = this.lanes(divergence, first, second, settings);
    const op = this.streamedTerm(divergence, second !== undefined, settings);
    // Streamed: inputs outside this memory (so that no growth can detach them).
    if (op >= 0 && !this.inMemory(first) && (second === undefined || !this.inMemory(second))) {
      return streamRows(this, this.oneRow, op, first, second, settings, t);
    }
    const operands = operandsOf(this.views, first, second, settings);
    const groupRows = divergence === "kl" && this.fusesLogits(operands, settings) ? this.fusedGroupRows(operands, settings.rows) : Infinity;
    return this.inRowGroups(operands, settings, (part, rows) =>
      this.withScratch(settings.names[0], () => this.compute(divergence, t, part, rows, settings)), groupRows,
    );
  }

  /** Whether `values` is a view of this instance's memory. */
  private inMemory(values: Vector): boolean {
    return !Array.isArray(values) && (values as ElementArray).buffer === this.views.buffer;
  }

  /** Runs `work` with the call's scratch open (`argument` is named if it does not fit), released after (also when it throws). */
  private withScratch<R>(argument: string, work: () => R): R {
    this.scratch.begin(argument);
    try {
      return work();
    } finally {
      this.scratch.end();
    }
  }

  /** A generous bound on a call's scratch per row: staged inputs and three element temporaries. */
  private bytesPerRow(operands: Operand[], cols: number): number {
    return cols * 8 * (operands.length + 3) + 128;
  }

  /**
   * Runs `work` on groups of whole rows small enough for the memory left, and joins the
   * per-row results: an input larger than one Wasm memory (or than `maxMemoryBytes`) gives
   * the values of a single pass (`mostRows` caps a group). Errors name indices and rows of the
   * whole input.
   */
  private inRowGroups(
    operands: Operand[], settings: Settings,
    work: (part: Operand[], rows: number, firstRow: number) => Float64Array,
    mostRows = Infinity,
  ): Float64Array {
    const { rows } = settings;
    const cols = operands[0]!.read().length / rows;
    const bytesPerRow = this.bytesPerRow(operands, cols);
    const groupRows = Math.min(Math.floor(this.scratch.available / bytesPerRow), mostRows);
    if (groupRows >= rows) return work(operands, rows, 0);
    if (groupRows < 1) {
      throw new KLError("TOO_LARGE", operands[0]!.name, `one row of ${cols} elements needs about ${bytesPerRow} bytes of scratch, more than the ${this.scratch.available} the module's memory has left; split the rows`);
    }
    const result = new Float64Array(rows);
    for (let first = 0; first < rows; first += groupRows) {
      const count = Math.min(groupRows, rows - first);
      const part = operands.map((o) => operand(this.views, slice(o.read(), first * cols, count * cols), o.space, o.name));
      try {
        result.set(work(part, count, first), first);
      } catch (error) {
        throw this.inWholeInput(error, readable(operands), settings, first);
      }
    }
    return result;
  }

  /** An error from a row group, restated for the whole input. */
  private inWholeInput(error: unknown, operands: Operand[], settings: Settings, firstRow: number): unknown {
    if (!(error instanceof KLError)) return error;
    if (settings.validate) checkOperands(operands, settings.normalize);
    else reportNonNumbers(operands);
    if (error.code !== "ZERO_SUM" && error.code !== "NO_MASS") return error;
    const operand = operands.find((o) => o.name === error.argument)!;
    return zeroSumRow(operand.name, error.index! + firstRow, operand.space);
  }

  private call(t: TypedKernels, operands: Operand[], rows: number, settings: Settings): KernelCall {
    return new KernelCall(this, t, operands, rows, settings.normalize, settings.validate);
  }

  private compute(divergence: Divergence, t: TypedKernels, operands: Operand[], rows: number, settings: Settings): Float64Array {
    const fused = divergence === "kl" && this.fusesLogits(operands, settings) ? this.fusedValues(operands, rows, settings) : undefined;
    if (fused !== undefined) return fused;
    if (divergence === "jeffreys") return this.jeffreysRows(t, operands, rows, settings);
    const call = this.call(t, operands, rows, settings);
    if (divergence === "jsd") return jsdRows(this.ops, call, settings, rows);
    if (divergence === "renyi") return renyiValues(this.ops, call, operands, settings, rows);
    if (divergence === "alphaDivergence") return amariRows(this.ops, call, call.probabilities(0), call.probabilities(1), settings, rows);
    if (divergence === "totalVariation") {
      return call.f64At(call.reduce(this.ops.TOTAL_VARIATION, call.probabilities(0), call.probabilities(1), { scale: settings.rowScale }), rows).slice();
    }
    const unary = operands.length === 1;
    let result: number;
    if (operands.every((o) => o.space === "prob")) {
      // Rescaled rows sum to 1 but for rounding: the excess terms alone, every one ≥ 0 (in either precision).
      const rescaledKL = divergence === "kl" && settings.normalize;
      const op = rescaledKL ? this.ops.KL_EXCESS_TERMS : this.termOp(divergence, false, settings.precision);
      result = call.reduce(op, call.probabilities(0), unary ? 0 : call.probabilities(1), { scale: settings.rowScale });
      if (rescaledKL) return refineNearRescaledKL(call, call.f64At(result, rows).slice(), settings.rowScale);
    } else {
      const [a, offsetsX] = call.logProbabilities(0);
      const [b, offsetsY] = unary ? [0, 0] : call.logProbabilities(1);
      if (divergence === "kl") return call.logKL(this.ops.KL_LOG, [a, offsetsX], [b, offsetsY], { scale: settings.rowScale });
      result = call.reduce(this.termOp(divergence, true, settings.precision), a, b, { offsetsX, offsetsY, scale: settings.rowScale });
    }
    return call.f64At(result, rows).slice();
  }

  /**
   * KL(P‖Q) + KL(Q‖P) per row: the KL of the operands both ways, each by its own path; of
   * probabilities used as given, Σ (p − q)·log(p/q) as the two KLs' excess terms alone (every
   * term ≥ 0), whose Σ(p − q) and Σ(q − p) cancel exactly.
   */
  private jeffreysRows(t: TypedKernels, operands: Operand[], rows: number, settings: Settings): Float64Array {
    if (!settings.normalize && operands.every((o) => o.space === "prob")) {
      const call = this.call(t, operands, rows, settings);
      const [p, q] = call.staged as [number, number];
      const scale = settings.rowScale;
      const forward = call.f64At(call.reduce(this.ops.KL_EXCESS_TERMS, p, q, { scale }), rows).slice();
      const reverse = call.f64At(call.reduce(this.ops.KL_EXCESS_TERMS, q, p, { scale }), rows);
      return forward.map((value, r) => value + reverse[r]!);
    }
    const forward = this.compute("kl", t, operands, rows, settings).slice();
    const swapped = { ...settings, names: [settings.names[1], settings.names[0]] as const, spaces: [settings.spaces[1], settings.spaces[0]] as const };
    const reverse = this.compute("kl", t, [operands[1]!, operands[0]!], rows, swapped);
    return forward.map((value, r) => value + reverse[r]!);
  }

  /**
   * A call that throws leaves `out` untouched: the gradient goes to scratch and is copied into
   * `out` once the kernels accepted the input (a kernel flags bad input after writing), and a
   * call split into row groups gathers it apart until the last group is done.
   */
  gradient(kind: GradientKind, target: Vector, approx: Vector, settings: Settings, out: ElementArray): { perRow: Float64Array; grad: ElementArray } {
    const operands = operandsOf(this.views, target, approx, settings);
    const cols = target.length / settings.rows;
    // `out` is pinned like an operand: the call's growth may detach it if it is an alloc view.
    const outView = pin(this.views, out) as () => ElementArray;
    let gathered: ElementArray | undefined;
    const perRow = this.inRowGroups(operands, settings, (part, rows, first) => {
      const whole = rows === settings.rows;
      const into = () => whole ? outView() : (gathered ??= new (out.constructor as typeof Float64Array)(out.length)).subarray(first * cols, (first + rows) * cols);
      return this.withScratch(settings.names[0], () => this.gradientRows(kind, part, rows, settings, into));
    });
    if (gathered !== undefined) outView().set(gathered);
    return { perRow, grad: this.allocations.survivor(out) };
  }

  /** Per-row values of one group of rows, its gradient written into `out()`, read after staging. */
  private gradientRows(kind: GradientKind, operands: Operand[], rows: number, settings: Settings, out: () => ElementArray): Float64Array {
    if ((kind === "forward" || kind === "reverse") && this.fusesLogits(operands, settings)) {
      const fused = this.withScratch(settings.names[0], () =>
        this.intoGradient(this.inputLanes(operands), operands, rows, settings, out, (call, grad) => call.fusedLogitsKL(kind === "reverse", { scale: gradientScale(settings), grad })),
      );
      if (fused !== undefined) return fused;
    }
    const t = this.lanes(kind === "forward" || kind === "reverse" ? "kl" : kind, operands[0]!.values, operands[1]!.values, settings);
    return this.intoGradient(t, operands, rows, settings, out, (call, grad) => {
      if (kind === "jsd") return jsdGradient(this.ops, call, operands, settings, rows, grad);
      if (kind === "alphaDivergence") return alphaGradient(this.ops, call, operands, settings, rows, grad);
      if (kind === "renyi") return renyiGradient(this.ops, call, operands, settings, rows, grad);
      return this.klGradient(kind === "forward", call, operands, settings, rows, grad);
    })!;
  }

  /**
   * Whether a KL call's operands are two rows of logits (or of log-probabilities taken with
   * normalize): the fused kernel's case (assembly/logits.ts), in the inputs' own lanes, f32 ones
   * included, since it keeps log(q/p) exact there.
   */
  private fusesLogits(operands: Operand[], settings: Settings): boolean {
    return operands.length === 2 && operands.every((o) => o.space === "logits" || (o.space === "log" && settings.normalize));
  }

  /** The kernels of the operands' own element type: f32 where both are Float32Array. */
  private inputLanes(operands: Operand[]): TypedKernels {
    return operands.every((o) => o.read() instanceof Float32Array) ? this.f32 : this.f64;
  }

  /**
   * Rows per group for fusesLogits' values (rowValues): inputs outside this memory are staged a
   * few rows at a time (FUSED_GROUP_BYTES), so that no second copy of a large input is held and
   * each group is still in cache when the kernel reads it.
   */
  private fusedGroupRows(operands: Operand[], rows: number): number {
    const t = this.inputLanes(operands);
    if (operands.every((o) => isZeroCopy(this, o.read(), t))) return Infinity;
    const cols = operands[0]!.read().length / rows;
    return Math.max(1, Math.floor(FUSED_GROUP_BYTES / (2 * cols * t.array.BYTES_PER_ELEMENT)));
  }

  /** fusesLogits' per-row values; undefined if a row is not ordinary (see KernelCall.fusedLogitsKL). */
  private fusedValues(operands: Operand[], rows: number, settings: Settings): Float64Array | undefined {
    return this.withScratch(settings.names[0], () => this.call(this.inputLanes(operands), operands, rows, settings).fusedLogitsKL(false, { valueScale: settings.rowScale }));
  }

  /**
   * The per-row values `work` computes on a call in lanes `t`, its gradient written into `out()`:
   * straight there where writesInPlace allows, else at scratch copied into `out()` once `work`
   * returned values (undefined, the fused kernel's fallback, leaves `out` as it was unless in
   * place, where the fallback writes it again).
   */
  private intoGradient(
    t: TypedKernels, operands: Operand[], rows: number, settings: Settings, out: () => ElementArray,
    work: (call: KernelCall, grad: number) => Float64Array | undefined,
  ): Float64Array | undefined {
    const call = this.call(t, operands, rows, settings);
    // Read after staging, which may grow the memory and detach `out`.
    const inPlace = writesInPlace(this, out(), t, operands, settings.validate);
    const grad = inPlace ? out().byteOffset : call.elements();
    const values = work(call, grad);
    if (values !== undefined && !inPlace) out().set(new t.array(this.views.buffer, grad, call.n));
    return values;
  }

  /** D(target‖approx) (forward) or D(approx‖target) per row, the fused gradient written at `grad`. */
  private klGradient(forward: boolean, call: KernelCall, operands: Operand[], settings: Settings, rows: number, grad: number): Float64Array {
    const { ops } = this;
    const scale = gradientScale(settings);
    if (operands[1]!.space === "prob") {
      // The value sums the divergence's own terms (KL_EXCESS's, or KL's with precision: "fast").
      const accurate = settings.precision === "accurate";
      const op = forward ? (accurate ? ops.GRAD_FORWARD_EXCESS : ops.GRAD_FORWARD_PROB) : accurate ? ops.GRAD_REVERSE_EXCESS : ops.GRAD_REVERSE_PROB;
      return call.f64At(call.reduce(op, call.probabilities(0), call.staged[1]!, { scale, grad }), rows).slice();
    }
    const target = call.logProbabilities(0);
    const approx = call.logProbabilities(1);
    const [a, offsetsX] = target;
    const normalized = approx[1] !== 0;
    const rowParams = call.rowsOfF64();
    const params = call.f64At(rowParams, rows);
    // Forward through a log-softmax: ∂/∂z = q·Σp − p, with Σp the target's mass per row.
    if (forward) params.set(normalized ? call.f64At(call.targetMass(a, offsetsX), rows) : new Float64Array(rows));
    else params.fill(normalized ? 0 : -1);
    const op = forward ? ops.GRAD_FORWARD_LOG : ops.GRAD_REVERSE_LOG;
    const values = call.logKL(op, target, approx, { rowParams, scale, grad }, !forward);
    if (forward || !normalized) return values;
    // Logits: the gradient is q·(b − a − D), D = D(Q‖P) of the row, which the pass above gave.
    // (Two rows of logits take the fused kernel; this is its fallback, rows holding −∞.)
    call.f64At(rowParams, rows).set(values);
    return call.logKL(op, target, approx, { rowParams, scale, grad }, true);
  }

  relEntr(p: Vector, q: Vector, settings: Settings, out: ElementArray): ElementArray {
    const operands = operandsOf(this.views, p, q, settings);
    // Decided before anything grows the memory and detaches `out` (see writesInPlace).
    const t = out instanceof Float32Array ? this.f32 : this.f64;
    const inPlace = writesInPlace(this, out, t, operands, settings.validate);
    const outView = pin(this.views, out) as () => ElementArray;
    const outAddress = out.byteOffset;
    const n = out.length;
    this.scratch.begin(settings.names[0]);
    try {
      const target = inPlace ? outAddress : this.scratch.alloc(n * t.array.BYTES_PER_ELEMENT);
      const staged = operands.map((o) => stage(this, t, o));
      const logSpace = settings.spaces[0] === "log";
      const status = t.relEntr(logSpace ? 1 : 0, staged[0]!, staged[1]!, n, target);
      const logRange = !logSpace || staged.every((address) => withinLogRange(this, t, address, n));
      if ((status !== 0 || !logRange) && settings.validate) reportInvalid(readable(operands), false);
      if (!inPlace) outView().set(new t.array(this.views.buffer, target, n));
      return this.allocations.survivor(out);
    } finally {
      this.scratch.end();
    }
  }

  alloc<A extends ElementArray>(length: number, type: { new (length: number): A }): A {
    return this.allocations.alloc(length, type);
  }

  free(view: ElementArray): void {
    this.allocations.free(view);
  }

  reserve(bytes: number): void {
    this.allocations.reserve(bytes);
  }

  memoryBytes(): number {
    return this.views.buffer.byteLength;
  }

  checkView(values: unknown, argument: string): void {
    this.allocations.checkView(values, argument);
  }
}
