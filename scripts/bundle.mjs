// Bundles src/ into dist/: ESM with both Wasm builds inlined (index.js), the Wasm-free
// reference (reference.js), the raw .wasm files for bundlers that prefer them, and types.
import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync, rmSync } from "node:fs";
import { build } from "esbuild";

rmSync("dist", { recursive: true, force: true });
await build({
  entryPoints: { index: "src/index.ts", reference: "src/reference.ts" },
  outdir: "dist",
  bundle: true,
  format: "esm",
  platform: "neutral",
  // es2022: newer targets make the binary loader emit Uint8Array.fromBase64, which Node 20 lacks.
  target: "es2022",
  loader: { ".wasm": "binary" },
  sourcemap: true,
  logLevel: "warning",
});
// The command line (`npx klwasm`, package.json "bin"): it loads the library from dist/index.js
// at run time rather than carrying a second copy of it and of the Wasm.
await build({
  entryPoints: { cli: "src/cli.ts" },
  outdir: "dist",
  bundle: true,
  format: "esm",
  platform: "node",
  target: "es2022",
  plugins: [{
    name: "library-as-import",
    setup(esbuild) {
      esbuild.onResolve({ filter: /^\.\/index\.js$/ }, () => ({ path: "./index.js", external: true }));
    },
  }],
  logLevel: "warning",
});
mkdirSync("dist/wasm", { recursive: true });
for (const build of ["simd", "scalar"]) cpSync(`build/klwasm-${build}.wasm`, `dist/wasm/klwasm-${build}.wasm`);
execFileSync(process.execPath, ["node_modules/typescript/bin/tsc", "-p", "tsconfig.json"], { stdio: "inherit" });
