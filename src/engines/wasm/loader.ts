import { kernelsOf, type Kernels } from "./kernels.js";

/** Where the module comes from when the bundle's inlined copy is not wanted. */
export type ModuleSource = CompiledModule | ModuleBytes | URLInstance | string;

// The published declarations name no DOM type (BufferSource, URL, WebAssembly.*), so that they
// type-check in projects whose lib has no DOM, with @types/node or without. WebAssembly.Module
// and URL are looked up on the user's globalThis: the real types where their lib or types declare
// them (DOM, webworker; URL also @types/node), never where nothing does.

/** A compiled `WebAssembly.Module`. */
export type CompiledModule = typeof globalThis extends { WebAssembly: { Module: { prototype: infer M } } } ? M : never;

/** A `URL` to fetch the module from. */
export type URLInstance = typeof globalThis extends { URL: { prototype: infer U } } ? U : never;

/**
 * The module's bytes: lib.dom's BufferSource in ES2022 types. It also admits a view of a
 * SharedArrayBuffer, which the engine rejects as BufferSource does (hence the casts below);
 * `ArrayBufferView<ArrayBuffer>` would say so, but needs TypeScript 5.7 in every user.
 */
export type ModuleBytes = ArrayBuffer | ArrayBufferView;

// The smallest module that uses a SIMD instruction: (func (result v128) i32.const 0 i8x16.splat)
const SIMD_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 8, 1, 6, 0, 65, 0, 253, 15, 11,
]);

// Three i8x16.splat of 0 into f32x4.relaxed_madd: valid only where relaxed SIMD is enabled.
const RELAXED_SIMD_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 19, 1, 17, 0,
  65, 0, 253, 15, 65, 0, 253, 15, 65, 0, 253, 15, 253, 133, 2, 11,
]);

/** The compiled builds: no SIMD, SIMD, and SIMD with relaxed-SIMD fused multiply-add. */
export type Build = "scalar" | "simd" | "relaxed";

/** Whether this engine runs Wasm SIMD. */
export function hasSimd(): boolean {
  return WebAssembly.validate(SIMD_PROBE);
}

/** Whether this engine runs relaxed SIMD (Chromium ≥ 114; Node 20 only with --experimental-wasm-relaxed-simd). */
export function hasRelaxedSimd(): boolean {
  return WebAssembly.validate(RELAXED_SIMD_PROBE);
}

/**
 * Fetches and compiles: while the bytes arrive (compileStreaming) where the engine can and the
 * server says application/wasm, which compileStreaming requires; from the whole body otherwise.
 */
async function compileFetched(source: URL | string): Promise<CompiledModule> {
  const response = await fetch(source);
  if (!response.ok) throw new Error(`klwasm: could not load ${String(source)}: HTTP ${response.status}`);
  if (typeof WebAssembly.compileStreaming === "function" && response.headers.get("content-type") === "application/wasm") {
    return WebAssembly.compileStreaming(response);
  }
  return WebAssembly.compile(await response.arrayBuffer());
}

/** Compiles asynchronously (fetching a URL first): the path browsers need for modules of this size. */
export async function compile(source: ModuleSource): Promise<CompiledModule> {
  if (source instanceof WebAssembly.Module) return source;
  if (typeof source === "string" || source instanceof URL) return compileFetched(source);
  return WebAssembly.compile(source as BufferSource);
}

/** Compiles and instantiates asynchronously. */
export async function instantiate(source: ModuleSource): Promise<Kernels> {
  const instance = await WebAssembly.instantiate(await compile(source), {});
  return kernelsOf(instance.exports);
}

/** Compiles and instantiates synchronously: Node and workers. */
export function instantiateSync(source: CompiledModule | ModuleBytes): Kernels {
  const module = source instanceof WebAssembly.Module ? source : new WebAssembly.Module(source as BufferSource);
  return kernelsOf(new WebAssembly.Instance(module, {}).exports);
}
