import scalarBytes from "../../build/klwasm-scalar.wasm";
import simdBytes from "../../build/klwasm-simd.wasm";

/** The kernels as the module exports them (pointers are byte addresses). */
export interface Kernels {
  memory: WebAssembly.Memory;
  heapBase(): number;
  reduceRowsF64(op: number, x: number, y: number, rows: number, cols: number, offsetsX: number, offsetsY: number, rowParams: number, scale: number, grad: number, out: number): number;
  reduceRowsF32(op: number, x: number, y: number, rows: number, cols: number, offsetsX: number, offsetsY: number, rowParams: number, scale: number, grad: number, out: number): number;
  relEntrF64(logSpace: number, x: number, y: number, n: number, out: number): number;
  relEntrF32(logSpace: number, x: number, y: number, n: number, out: number): number;
  logElementsF64(x: number, n: number, out: number): number;
  logElementsF32(x: number, n: number, out: number): number;
  expShiftedRowsF64(x: number, rows: number, cols: number, offsets: number, out: number): void;
  expShiftedRowsF32(x: number, rows: number, cols: number, offsets: number, out: number): void;
  divideRowsF64(x: number, rows: number, cols: number, divisors: number, out: number): void;
  divideRowsF32(x: number, rows: number, cols: number, divisors: number, out: number): void;
  mixtureF64(x: number, y: number, n: number, beta: number, out: number): void;
  mixtureF32(x: number, y: number, n: number, beta: number, out: number): void;
  rowMaximaF64(x: number, rows: number, cols: number, out: number): number;
  rowMaximaF32(x: number, rows: number, cols: number, out: number): number;
  logRatioElementsF64(x: number, y: number, n: number, out: number): void;
  logRatioElementsF32(x: number, y: number, n: number, out: number): void;
}

/** Where the module comes from when the bundle's inlined copy is not wanted. */
export type ModuleSource = WebAssembly.Module | BufferSource | URL | string;

// The smallest module that uses a SIMD instruction: (func (result v128) i32.const 0 i8x16.splat)
const SIMD_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 8, 1, 6, 0, 65, 0, 253, 15, 11,
]);

/** Whether this engine runs Wasm SIMD. */
export function hasSimd(): boolean {
  return WebAssembly.validate(SIMD_PROBE);
}

/** The inlined module bytes for the build asked for. */
export function bundledBytes(simd: boolean): Uint8Array {
  return simd ? simdBytes : scalarBytes;
}

async function fetchBytes(source: URL | string): Promise<ArrayBuffer> {
  const response = await fetch(source);
  if (!response.ok) throw new Error(`klwasm: could not load ${String(source)}: HTTP ${response.status}`);
  return response.arrayBuffer();
}

/** Compiles and instantiates asynchronously: the path browsers need for modules of this size. */
export async function instantiate(source: ModuleSource): Promise<Kernels> {
  const module = source instanceof WebAssembly.Module
    ? source
    : await WebAssembly.compile(typeof source === "string" || source instanceof URL ? await fetchBytes(source) : source);
  const instance = await WebAssembly.instantiate(module, {});
  return instance.exports as unknown as Kernels;
}

/** Compiles and instantiates synchronously: Node and workers. */
export function instantiateSync(source: WebAssembly.Module | BufferSource): Kernels {
  const module = source instanceof WebAssembly.Module ? source : new WebAssembly.Module(source);
  return new WebAssembly.Instance(module, {}).exports as unknown as Kernels;
}
