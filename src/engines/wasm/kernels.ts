/**
 * The module's exports as the engine uses them: each kernel in an f64 and an f32 form, and the
 * op table, read from the module's own globals (assembly/index.ts exports `OP_<name>`), so that
 * JavaScript never restates a code.
 */

/** The kernels' signatures (pointers are byte addresses into the module's memory). */
interface KernelSignatures {
  /** Row reductions: see `reduce` below for the named form. Returns 1 if the input held a value no term accepts. */
  reduceRows(op: number, x: number, y: number, rows: number, cols: number, offsetsX: number, offsetsY: number, rowParams: number, scale: number, grad: number, out: number, shifts?: number): number;
  relEntr(logSpace: number, x: number, y: number, n: number, out: number): number;
  logElements(x: number, n: number, out: number): number;
  expShiftedRows(x: number, rows: number, cols: number, offsets: number, out: number): void;
  divideRows(x: number, rows: number, cols: number, divisors: number, out: number): void;
  rowMaxima(x: number, rows: number, cols: number, out: number): number;
  logRatioElements(x: number, y: number, n: number, out: number): void;
  /**
   * The fused KL of rows of logits (assembly/logits.ts): per-row values to `out`, log-sum-exps to
   * the offsets, `scale` times the gradient with respect to y at `grad` (0: none); `work` holds
   * 2·cols elements. Returns 1 if a row is not ordinary (the general path's).
   */
  logitsKL(
    reverse: number, x: number, y: number, rows: number, cols: number, valueScale: number, scale: number, grad: number,
    work: number, offsetsX: number, offsetsY: number, out: number,
  ): number;
}

/** The one list of kernel names: the module exports `${name}F64` and `${name}F32` for each. */
export const KERNEL_NAMES = [
  "reduceRows", "relEntr", "logElements", "expShiftedRows", "divideRows", "rowMaxima", "logRatioElements",
  "logitsKL",
] as const satisfies ReadonlyArray<keyof KernelSignatures>;

/**
 * The op codes the engine calls by name: the module exports each as the global `OP_<name>`
 * (and every other op too: a divergence's term is found by its name, see WasmEngine.termOp).
 */
export const OP_NAMES = [
  "KL", "KL_EXCESS", "ENTROPY", "CROSS_ENTROPY", "KL_LOG", "ENTROPY_LOG", "CROSS_ENTROPY_LOG", "EXP_SUM", "SUM",
  "GRAD_FORWARD_PROB", "GRAD_REVERSE_PROB", "GRAD_FORWARD_LOG", "GRAD_REVERSE_LOG", "JSD", "GRAD_JSD", "KL_EXCESS_TERMS",
  "GRAD_FORWARD_EXCESS", "GRAD_REVERSE_EXCESS", "ALPHA_DIVERGENCE", "GRAD_ALPHA_DIVERGENCE", "TOTAL_VARIATION",
] as const;

/** The op codes by name: those of OP_NAMES certainly, any other the module has. */
export type OpTable = Readonly<Record<(typeof OP_NAMES)[number], number>> & Readonly<Record<string, number | undefined>>;

/** The kernels of one element type, and that type's array. */
export type TypedKernels = Pick<KernelSignatures, (typeof KERNEL_NAMES)[number]> & {
  readonly array: typeof Float64Array | typeof Float32Array;
};

/** As much of `WebAssembly.Memory` as the wrapper uses, spelled out so that no DOM type is named. */
export interface LinearMemory {
  readonly buffer: ArrayBuffer;
  grow(delta: number): number;
}

/** One instance's kernels. */
export interface Kernels {
  readonly memory: LinearMemory;
  /** First byte the wrapper may use: the module's static data lies below it. */
  readonly heapBase: number;
  readonly ops: OpTable;
  readonly f64: TypedKernels;
  readonly f32: TypedKernels;
}

type Exports = Record<string, unknown>;

function exported<T>(exports: Exports, name: string): T {
  const value = exports[name];
  if (value === undefined) throw new Error(`klwasm: the module does not export ${name}: it is not a build of this version`);
  return value as T;
}

function typed(exports: Exports, suffix: "F64" | "F32", array: TypedKernels["array"]): TypedKernels {
  const kernels: Record<string, unknown> = { array };
  for (const name of KERNEL_NAMES) kernels[name] = exported(exports, name + suffix);
  return kernels as TypedKernels;
}

/** The kernels and op table of an instance's exports. */
export function kernelsOf(exports: Exports): Kernels {
  const ops: Record<string, number> = {};
  for (const name of OP_NAMES) exported(exports, `OP_${name}`);
  for (const [name, global] of Object.entries(exports)) if (name.startsWith("OP_")) ops[name.slice(3)] = (global as { value: number }).value;
  return {
    memory: exported<LinearMemory>(exports, "memory"),
    heapBase: exported<() => number>(exports, "heapBase")(),
    ops: ops as OpTable,
    f64: typed(exports, "F64", Float64Array),
    f32: typed(exports, "F32", Float32Array),
  };
}

/** The optional operands of a row reduction; each defaults to none (0), the scale to 1. */
export interface ReduceExtras {
  /** One f64 per row subtracted from x (a log-sum-exp), or 0. */
  offsetsX?: number;
  /** The same for y. */
  offsetsY?: number;
  /** One f64 per row that gradient ops read (see assembly/ops.ts). */
  rowParams?: number;
  /** The factor on every gradient element. */
  scale?: number;
  /** Where gradient ops write ∂/∂y, row-major like x. */
  grad?: number;
  /** One f64 per row: the log-space KL's shift (its excess form, see assembly/ops.ts KL_LOG), or 0. */
  shifts?: number;
}

/**
 * out[r] = Σ_i term_op(x[r, i], y[r, i]) for every row of a row-major [rows, cols] input, as
 * f64. Returns the kernel's status: 1 if the input held a value no term accepts.
 */
export function reduce(
  t: TypedKernels, op: number, x: number, y: number, rows: number, cols: number, out: number, extras?: ReduceExtras,
): number {
  if (extras === undefined) return t.reduceRows(op, x, y, rows, cols, 0, 0, 0, 1, 0, out);
  const { offsetsX = 0, offsetsY = 0, rowParams = 0, scale = 1, grad = 0, shifts = 0 } = extras;
  // The last argument, shifts, is passed only when there are any: Wasm reads an omitted one as 0.
  if (shifts === 0) return t.reduceRows(op, x, y, rows, cols, offsetsX, offsetsY, rowParams, scale, grad, out);
  return t.reduceRows(op, x, y, rows, cols, offsetsX, offsetsY, rowParams, scale, grad, out, shifts);
}
