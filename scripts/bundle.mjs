// Bundles src/ into dist/, each entry as ESM (.js) and CommonJS (.cjs): the library (index),
// whose Wasm builds are files of their own beside it (simd-bytes, scalar-bytes, relaxed-bytes:
// the module inlined as hex), loaded when first asked for; the Wasm-free reference (reference);
// the TensorFlow.js loss (tfjs); the Cloudflare Workers door (workerd, ESM), which imports the
// raw .wasm files instead; those raw files for bundlers that prefer them; types for both formats.
import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { build } from "esbuild";

// What every bundle shares. es2022: newer targets make esbuild emit Uint8Array.fromBase64 and
// similar, which Node 20 lacks.
const common = { outdir: "dist", bundle: true, target: "es2022", sourcemap: true, logLevel: "warning" };
// Names and syntax minified, line breaks kept: Node prints the source line of an uncaught
// error, which in a whitespace-minified bundle is the whole library.
const minified = { minifyIdentifiers: true, minifySyntax: true };
const BUILDS = ["simd", "scalar", "relaxed"];

rmSync("dist", { recursive: true, force: true });
for (const format of ["esm", "cjs"]) {
  const extension = format === "esm" ? ".js" : ".cjs";
  // Each build's bytes, a file of its own that the library imports (the scalar and relaxed ones
  // when asked for: a chunk an application's bundler splits off) or requires (CommonJS).
  await build({
    ...common,
    ...minified,
    entryPoints: {
      ...Object.fromEntries(BUILDS.map((name) => [`${name}-bytes`, `src/engines/wasm/${name}-bytes.ts`])),
      // createKLSync's own copy of the scalar build (see scalar-sync.ts); CommonJS requires scalar-bytes.cjs.
      ...(format === "esm" && { "scalar-sync": "src/engines/wasm/scalar-sync.ts" }),
    },
    outExtension: { ".js": extension },
    format,
    platform: "neutral",
    plugins: [wasmAsHex()],
  });
  // One build per entry, so that the reference shares no chunk with the library: each file
  // is what its importers download.
  for (const [entry, source] of [["index", "src/index.ts"], ["reference", "src/reference.ts"]]) {
    await build({
      ...common,
      ...minified,
      // The pool finds its worker script beside the library's file: import.meta.url in ESM, the
      // file's own URL in CommonJS.
      ...(format === "cjs" && {
        define: { "import.meta.url": "__klwasmFileUrl" },
        banner: { js: `var __klwasmFileUrl = typeof __filename === "string" ? require("node:url").pathToFileURL(__filename).href : "";` },
        // import() of a build's file becomes a require inside a promise: loaded as late, and
        // runnable where CommonJS has no dynamic import (Jest without its ESM mode).
        supported: { "dynamic-import": false },
      }),
      entryPoints: { [entry]: source },
      outExtension: { ".js": extension },
      format,
      platform: "neutral",
      plugins: [buildsAsFiles(extension, format === "cjs")],
    });
  }
  // klwasm/tfjs: the peer @tensorflow/tfjs-core stays an import, and so does the library (the
  // entry of the same format), so that the KLError it throws is the one users import.
  await build({
    ...common,
    entryPoints: { tfjs: "src/tfjs.ts" },
    outExtension: { ".js": extension },
    format,
    platform: "neutral",
    external: ["@tensorflow/tfjs-core"],
    plugins: [libraryAsImport(`./index${extension}`)],
  });
}
// Cloudflare Workers: the whole library again (so that its KLError is the one its instances
// throw), with the .wasm imports left for wrangler, which compiles them as modules.
await build({
  ...common,
  ...minified,
  entryPoints: { workerd: "src/workerd.ts" },
  format: "esm",
  platform: "neutral",
  plugins: [wasmAsModule(), buildsAsFiles(".js", false)],
});
// The pool's worker (ESM in both formats: a worker script is loaded by URL, not required). It
// receives the compiled module from the pool, so it carries no Wasm of its own.
await build({ ...common, ...minified, entryPoints: { "pool-worker": "src/pool-worker.ts" }, format: "esm", platform: "neutral" });
// The command line (`npx klwasm`, package.json "bin"): it loads the library from dist/index.js
// at run time rather than carrying a second copy of it and of the Wasm.
await build({ ...common, sourcemap: false, entryPoints: { cli: "src/cli.ts" }, format: "esm", platform: "node", plugins: [libraryAsImport("./index.js")] });
mkdirSync("dist/wasm", { recursive: true });
for (const build of BUILDS) cpSync(`build/klwasm-${build}.wasm`, `dist/wasm/klwasm-${build}.wasm`);
execFileSync(process.execPath, ["node_modules/typescript/bin/tsc", "-p", "tsconfig.json"], { stdio: "inherit" });
// CommonJS types: in a "type": "module" package every .d.ts describes an ES module, so require()
// users resolve .d.cts copies whose relative imports point at .cjs files ("exports" in
// package.json lists them first under "require").
for (const entry of readdirSync("dist", { recursive: true, encoding: "utf8" })) {
  if (!entry.endsWith(".d.ts")) continue;
  const path = join("dist", entry);
  const text = readFileSync(path, "utf8").replace(/((?:from |import\()["']\.{1,2}\/[^"']*)\.js(["'])/g, "$1.cjs$2");
  writeFileSync(path.replace(/\.d\.ts$/, ".d.cts"), text);
}

/** Inlines `.wasm` imports as hex strings decoded by src/engines/wasm/hex.ts (smaller gzipped than base64). */
function wasmAsHex() {
  return {
    name: "wasm-as-hex",
    setup(esbuild) {
      const decoder = join(process.cwd(), "src/engines/wasm/hex.ts");
      esbuild.onLoad({ filter: /\.wasm$/ }, (args) => ({
        contents: `import { hexBytes } from ${JSON.stringify(decoder)};\nexport default hexBytes(${JSON.stringify(readFileSync(args.path).toString("hex"))});`,
        loader: "js",
        resolveDir: process.cwd(),
      }));
    },
  };
}

/**
 * Leaves the imports of the builds' bytes (`./simd-bytes.js`, `./scalar-sync.js`, …) imports of
 * their files in dist/ (`extension`: .js or .cjs). In CommonJS (`require`), scalar-sync.ts
 * becomes scalar-sync-require.ts, which requires scalar-bytes.cjs when first asked for.
 */
function buildsAsFiles(extension, require) {
  return {
    name: "builds-as-files",
    setup(esbuild) {
      if (require) {
        esbuild.onResolve({ filter: /^\.\/scalar-sync\.js$/ }, (args) => ({ path: join(args.resolveDir, "scalar-sync-require.ts") }));
      }
      esbuild.onResolve({ filter: /^\.\/((simd|scalar|relaxed)-bytes|scalar-sync)\.js$/ }, (args) => ({ path: args.path.replace(/\.js$/, extension), external: true }));
    },
  };
}

/** Leaves `../build/klwasm-<build>.wasm` imports imports of the shipped `./wasm/klwasm-<build>.wasm`. */
function wasmAsModule() {
  return {
    name: "wasm-as-module",
    setup(esbuild) {
      esbuild.onResolve({ filter: /\.wasm$/ }, (args) => ({ path: `./wasm/${args.path.split("/").at(-1)}`, external: true }));
    },
  };
}

/** Leaves `./index.js` (the library's entry) an import of `path` in the output instead of bundling it. */
function libraryAsImport(path) {
  return {
    name: "library-as-import",
    setup(esbuild) {
      esbuild.onResolve({ filter: /^\.\/index\.js$/ }, () => ({ path, external: true }));
    },
  };
}
