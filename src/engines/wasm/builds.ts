/**
 * Where each Wasm build's module comes from by default: its bytes are a file of their own
 * beside the library (the bundle inlines each module as hex). The SIMD build, which nearly
 * every engine runs, is imported with the library; the scalar and relaxed builds are imported
 * when first asked for (a chunk of their own in an application's bundle, a file required late
 * in CommonJS), so an application loads them only where it runs them. Only the doors'
 * factories import this: a pool's worker receives its compiled module.
 */
import { KLError } from "../../core/errors.js";
import type { Build } from "./loader.js";
import { scalarBytesSync } from "./scalar-sync.js";
import { bytes as simdBytes } from "./simd-bytes.js";

/** The module bytes of any build, loaded on first use. */
export async function buildBytes(build: Build): Promise<Uint8Array> {
  if (build === "simd") return simdBytes;
  // One literal import per build, so that bundlers make each a chunk of its own.
  if (build === "scalar") return (await import("./scalar-bytes.js")).bytes;
  return (await import("./relaxed-bytes.js")).bytes;
}

/**
 * The module bytes of a build createKLSync can load synchronously: the SIMD and scalar ones.
 * The relaxed build is never loaded synchronously (it would load with every createKLSync user).
 */
export function buildBytesSync(build: Build): Uint8Array {
  if (build === "relaxed") {
    throw new KLError("BAD_OPTION", "options.relaxed", "createKLSync cannot load the relaxed build on its own: use createKL, or pass klwasm/wasm/klwasm-relaxed.wasm as options.module");
  }
  return build === "simd" ? simdBytes : scalarBytesSync();
}
