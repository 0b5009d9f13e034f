import { createKL, referenceKL, type KL } from "../src/index.js";
import { bundledBytes, instantiateSync, type Kernels } from "../src/wasm/loader.js";

/** Every test runs against each of these: the SIMD module, the scalar module, the reference. */
export const backendNames = ["wasm-simd", "wasm", "reference"] as const;
export type BackendName = (typeof backendNames)[number];

export function loadBackend(name: BackendName): Promise<KL> {
  if (name === "reference") return Promise.resolve(referenceKL);
  return createKL({ simd: name === "wasm-simd" });
}

/** The raw kernels of one build, for tests of the vector math itself. */
export function loadKernels(simd: boolean): Kernels {
  return instantiateSync(bundledBytes(simd));
}
