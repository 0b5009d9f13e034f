/**
 * The scalar build's bytes for createKLSync, in ES modules: a static import is the only
 * synchronous way there, and it must be a module other than scalar-bytes.ts (createKL's dynamic
 * import), because esbuild and Vite put a module that is imported statically anywhere into the
 * entry chunk, used or not. As a module of its own, bundlers drop it where createKLSync is not
 * imported. The CommonJS bundle uses scalar-sync-require.ts instead.
 */
import scalarBytes from "../../../build/klwasm-scalar.wasm";

/** The scalar build's bytes, now. */
export function scalarBytesSync(): Uint8Array {
  return scalarBytes;
}
