import { readFileSync } from "node:fs";
import { defineConfig, type Plugin } from "vitest/config";

/** Serves `.wasm` imports as bytes, as esbuild's binary loader does in the bundle. */
const wasmBytes: Plugin = {
  name: "wasm-bytes",
  enforce: "pre",
  load(id) {
    if (!id.endsWith(".wasm")) return null;
    const base64 = readFileSync(id).toString("base64");
    return `export default new Uint8Array(Buffer.from(${JSON.stringify(base64)}, "base64"));`;
  },
};

export default defineConfig({
  plugins: [wasmBytes],
  test: {
    include: ["tests/**/*.test.ts"],
    testTimeout: 120_000,
    // The relaxed-SIMD build is tested like the others; Node 20 has relaxed SIMD behind this flag.
    execArgv: ["--experimental-wasm-relaxed-simd"],
  },
});
