/**
 * klwasm for Cloudflare Workers (workerd), chosen by the `workerd` export condition that
 * wrangler resolves. workerd compiles no Wasm from bytes ("Wasm code generation disallowed by
 * embedder"): it compiles the modules a worker imports, so here the builds are imported as
 * `.wasm` modules and createKL and createKLSync instantiate those. Everything else is the main
 * entry's.
 * @module
 */
import relaxed from "../build/klwasm-relaxed.wasm";
import scalar from "../build/klwasm-scalar.wasm";
import simd from "../build/klwasm-simd.wasm";
import { createKLFrom, createKLSyncFrom, type CreateOptions } from "./engines/wasm/create.js";
import type { Build, CompiledModule } from "./engines/wasm/loader.js";
import type { KL } from "./core/types.js";

export * from "./index.js";

// A `.wasm` import is a compiled WebAssembly.Module in workerd (wasm-modules.d.ts declares the
// bytes other bundles make of it).
const MODULES = { simd, scalar, relaxed } as unknown as Record<Build, CompiledModule>;
const moduleOf = (build: Build) => MODULES[build];

/** createKL (see the main entry) with the modules the worker imported. */
export async function createKL(options: CreateOptions = {}): Promise<KL> {
  return createKLFrom(async (build) => moduleOf(build), options);
}

/** createKLSync (see the main entry) with the modules the worker imported. */
export function createKLSync(options: CreateOptions = {}): KL {
  return createKLSyncFrom(moduleOf, options);
}
