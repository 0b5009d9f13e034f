/**
 * Creating instances: which Wasm build runs (SIMD, relaxed SIMD or scalar), where its
 * module comes from, and how large its memory may grow.
 */
import { buildKL } from "../../core/kl.js";
import { checkFlag, checkKnownKeys, checkNumberOption, checkOptionsObject } from "../../core/checks.js";
import { KLError } from "../../core/errors.js";
import type { KL } from "../../core/types.js";
import { WasmEngine } from "./engine.js";
import { buildBytes, buildBytesSync } from "./builds.js";
import type { Kernels } from "./kernels.js";
import { compile, hasRelaxedSimd, hasSimd, instantiate, instantiateSync, type Build, type CompiledModule, type ModuleBytes, type ModuleSource } from "./loader.js";

/**
 * Options of createKL and createKLSync.
 * @example const options: CreateOptions = { relaxed: true, maxMemoryBytes: 256 * 2 ** 20 };
 */
export interface CreateOptions {
  /** false forces the scalar Wasm build; true (default where the engine has SIMD) the SIMD one. */
  simd?: boolean;
  /**
   * true opts into the relaxed-SIMD build (fused multiply-add in the vector log and exp,
   * the same error bounds) where the engine has relaxed SIMD, and falls back to the SIMD
   * build where it has not; `backend` says which runs. Default false.
   */
  relaxed?: boolean;
  /**
   * The module to run instead of the inlined one, for bundlers that ship the `.wasm` file
   * separately (`klwasm/wasm/klwasm-simd.wasm`, `klwasm/wasm/klwasm-relaxed.wasm`,
   * `klwasm/wasm/klwasm-scalar.wasm`): a compiled module, its bytes, or a URL to fetch
   * (async only). Give the build that matches `simd` and `relaxed`.
   */
  module?: ModuleSource;
  /**
   * The most the module's memory may grow to, in bytes (default and maximum 4 GiB). Larger
   * inputs are processed in groups of rows, and long rows of plain sums in pieces, with the
   * same result as one pass.
   */
  maxMemoryBytes?: number;
}

/**
 * The backends a Wasm build gives: the Backend values other than "reference".
 * @example const backend: WasmBackend = (await createKL()).backend as WasmBackend;
 */
export type WasmBackend = "wasm-simd" | "wasm-relaxed-simd" | "wasm";

const BACKENDS: Record<Build, WasmBackend> = { simd: "wasm-simd", relaxed: "wasm-relaxed-simd", scalar: "wasm" };

/** The options of createKL and createKLSync: any other key is refused. */
export const CREATE_KEYS: readonly string[] = ["simd", "relaxed", "module", "maxMemoryBytes"];

/** The build `options` ask for; `known`: the caller's options (createKLPool has more). */
function chooseBuild(options: CreateOptions, known = CREATE_KEYS): Build {
  checkOptionsObject(options);
  checkKnownKeys(options, known);
  checkFlag(options.simd, "simd", false);
  checkFlag(options.relaxed, "relaxed", false);
  if (options.simd === true && !hasSimd()) {
    throw new KLError("BAD_OPTION", "options.simd", "this engine does not support WebAssembly SIMD");
  }
  if (options.relaxed === true && options.simd === false) {
    throw new KLError("BAD_OPTION", "options.relaxed", "the relaxed-SIMD build is a SIMD build: it cannot be combined with simd: false");
  }
  if (!(options.simd ?? hasSimd())) return "scalar";
  return options.relaxed === true && hasRelaxedSimd() ? "relaxed" : "simd";
}

function fromKernels(kernels: Kernels, build: Build, options: CreateOptions): KL {
  const limit = options.maxMemoryBytes;
  if (limit !== undefined) checkNumberOption(limit, "options.maxMemoryBytes", { above: 0 });
  return buildKL(new WasmEngine(kernels, BACKENDS[build], limit));
}

/**
 * Where a door's factories find a build's module when `options.module` gives none: the bundled
 * bytes (builds.ts), or the runtime's imported modules (src/workerd.ts). Two functions rather
 * than one object, so that a bundle importing createKL alone drops createKLSync's sources.
 */
export type LoadBuild = (build: Build) => Promise<ModuleSource>;
export type LoadBuildSync = (build: Build) => CompiledModule | ModuleBytes;

/** createKL with the modules `load` gives. */
export async function createKLFrom(load: LoadBuild, options: CreateOptions): Promise<KL> {
  const build = chooseBuild(options);
  return fromKernels(await instantiate(options.module ?? await load(build)), build, options);
}

/** createKLSync with the modules `load` gives. */
export function createKLSyncFrom(load: LoadBuildSync, options: CreateOptions): KL {
  const build = chooseBuild(options);
  const source = options.module ?? load(build);
  if (typeof source === "string" || source instanceof URL) {
    throw new KLError("BAD_OPTION", "options.module", "createKLSync cannot fetch a URL: pass the bytes or a compiled module, or use createKL");
  }
  return fromKernels(instantiateSync(source), build, options);
}

/**
 * Loads the kernels and returns a KL instance: the SIMD build where the engine has SIMD,
 * else the scalar one. Works in Node, browsers and workers. Each build's module is loaded when
 * first asked for (a chunk of its own in ES modules, a file of its own in CommonJS), so an
 * application loads only the build it runs.
 * @example const kl = await createKL(); kl.backend; // "wasm-simd"
 * @example const scalar = await createKL({ simd: false });
 * @example const fused = await createKL({ relaxed: true }); fused.backend; // "wasm-relaxed-simd" where the engine has it
 * @param options `simd` and `relaxed` to choose a build, `module` to load the `.wasm` from elsewhere.
 * @returns an independent instance with its own memory.
 */
export async function createKL(options: CreateOptions = {}): Promise<KL> {
  return createKLFrom(buildBytes, options);
}

/**
 * The module createKL would instantiate, compiled, and its backend: what a pool's workers run.
 * `known`: the options the pool's caller may give.
 */
export async function compileFor(options: CreateOptions, known: readonly string[]): Promise<{ module: CompiledModule; backend: WasmBackend }> {
  const build = chooseBuild(options, known);
  return { module: await compile(options.module ?? await buildBytes(build)), backend: BACKENDS[build] };
}

/**
 * The synchronous form of createKL, for Node and workers (browsers refuse to compile
 * modules of this size synchronously on the main thread). It carries the SIMD and scalar
 * builds with it (in ES modules, importing createKLSync loads both; in CommonJS each is
 * required when first used).
 * @example const kl = createKLSync(); kl.kl(p, q);
 * @param options as for createKL; `module` must be a compiled module or bytes. The relaxed
 * build is not loaded synchronously, so `relaxed: true` needs its bytes in `module` here.
 */
export function createKLSync(options: CreateOptions = {}): KL {
  return createKLSyncFrom(buildBytesSync, options);
}
