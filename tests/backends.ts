import { createKL, referenceKL, type KL } from "../src/index.js";
import { buildBytesSync } from "../src/engines/wasm/builds.js";
import type { LinearMemory } from "../src/engines/wasm/kernels.js";
import type { Build } from "../src/engines/wasm/loader.js";
import { bytes as relaxedBytes } from "../src/engines/wasm/relaxed-bytes.js";

/**
 * The Wasm builds under test. The relaxed-SIMD one needs an engine that has relaxed SIMD:
 * vitest.config.ts starts Node with --experimental-wasm-relaxed-simd.
 */
export const wasmBackendNames = ["wasm-simd", "wasm-relaxed-simd", "wasm"] as const;

/** Every test runs against each of these: the three Wasm builds and the reference. */
export const backendNames = [...wasmBackendNames, "reference"] as const;
export type BackendName = (typeof backendNames)[number];

const BUILDS = { "wasm-simd": { simd: true }, "wasm-relaxed-simd": { relaxed: true }, wasm: { simd: false } } as const;

/** The instance of one backend; refuses to stand in another (createKL falls back silently). */
export async function loadBackend(name: BackendName): Promise<KL> {
  if (name === "reference") return referenceKL;
  const kl = await createKL(BUILDS[name]);
  if (kl.backend !== name) throw new Error(`asked for ${name}, got ${kl.backend}: is relaxed SIMD enabled?`);
  return kl;
}

/**
 * One build's raw exports: every kernel by its exported name (`logElementsF64`, …), the
 * `OP_<name>` globals, `memory` and `heapBase`. Tests of the kernels themselves call these
 * directly, beneath the engine.
 */
export interface RawExports {
  readonly memory: LinearMemory;
  heapBase(): number;
  readonly [name: string]: any;
}

/** The raw exports of one build, for tests of the vector math and the op table. */
export function loadKernels(build: Build): RawExports {
  const bytes = build === "relaxed" ? relaxedBytes : buildBytesSync(build);
  return new WebAssembly.Instance(new WebAssembly.Module(bytes as BufferSource), {}).exports as unknown as RawExports;
}
