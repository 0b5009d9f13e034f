/**
 * The module bytes of the three builds: SIMD and scalar inlined in the bundle, relaxed SIMD a
 * chunk of its own, loaded on first use. Only createKL's door imports this: a pool's worker
 * receives its compiled module and carries no bytes.
 */
import scalarBytes from "../../../build/klwasm-scalar.wasm";
import simdBytes from "../../../build/klwasm-simd.wasm";
import type { Build } from "./loader.js";

/** The inlined module bytes of the builds every bundle carries. */
export function bundledBytes(build: "simd" | "scalar"): Uint8Array {
  return build === "simd" ? simdBytes : scalarBytes;
}

/**
 * The module bytes of any build. The relaxed build is a module of its own, imported on
 * first use, so that bundles carry its bytes only in a chunk loaded when it is asked for.
 */
export async function buildBytes(build: Build): Promise<Uint8Array> {
  if (build !== "relaxed") return bundledBytes(build);
  return (await import("./relaxed-bytes.js")).default;
}

