// The size budget of what users download, gzipped (level 9), against budgets that fail CI when
// exceeded: the package's files as published, and what applications bundle from them and load
// (esbuild ESM and CommonJS, Vite; minified, tree-shaken: `sideEffects: false` lets them drop
// every export not imported). Run after `npm run build` (`npm run size`).
//
// The budgets sit a few percent above the sizes measured when they were set, so that growth is
// a decision, not an accident: raise one deliberately, in the same change that needs it. The
// entries carry every export (the closed forms, estimators and fits among them); an application
// gets only what it imports, which the app rows measure: importing createKL alone bundles no
// fitting code and no Wasm build at start (each is a chunk loaded when createKL needs it),
// importing referenceKL alone no Wasm.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { brotliCompressSync, gzipSync } from "node:zlib";
import { build } from "esbuild";

const KB = 1000;
const FILES = [
  // Measured 27.9 kB: the JavaScript alone, every export (names and syntax minified, line breaks
  // kept; removing them too saves ~4 kB). Each Wasm build is a file of its own beside it.
  // Inputs in every shape (src/core/inputs.ts: nested rows, tensor-likes, other typed arrays)
  // add 1.6 kB: 30.0 kB. The JSD of near log-space rows from their differences (the
  // reference's JSD terms, src/numeric/log-space-differences.ts, rescaled-differences.ts):
  // +2.1 kB, 32.1 kB. Near rows of the KL with normalize, nearly one-hot log-sums, the reverse
  // gradient's one-pass finish: 33.0 kB. The fused logits kernel's call (values staged a group
  // of rows at a time, writesInPlace) and the reference's exact logits gradients: 34.2 kB. The
  // Rényi and Amari α-divergences of normals (closed-form/gaussian-renyi.ts), mvnRenyi with its
  // Jacobi eigendecomposition: 36.2 kB. The α family (routes with an order and a map of rows,
  // the Wasm engine's Rényi from Amari's sums and its gradients, the reference's α terms that
  // also take the engine's rare Rényi rows, the α fit and its log(1 + A) objective): 41.0 kB.
  // fitGaussianVI (its two families and estimators, the Rényi bound, log Z by importance
  // sampling with PSIS's Pareto-k̂, a seeded generator): 45.6 kB.
  { file: "dist/index.js", budget: 47 * KB },
  // Measured 39.5 kB: the SIMD build as hex (189.7 kB of Wasm; 34.3 kB gzipped as raw Wasm),
  // imported with the library. It holds 18 ops, each an unrolled loop per element type: since
  // the accurate KL forms (the split KL_EXCESS, the log-space excess form of logits KL, the
  // gradients' own excess ops, rescaled sums of rows that overflow part-way) it is built with
  // shrinkLevel 2, which keeps Binaryen from inlining the scalar fallbacks into every loop
  // (40.0 → 34.0 kB gzipped as raw Wasm). Log-sum-exps kept as maximum and log-sum, logits
  // beyond ±1e308, and the scaled JSD's power of two on its weights: 195.1 kB of Wasm, 41.5 kB;
  // the reverse gradient's halved operands and subtractScaledExpRows: 198.9 kB, 42.3 kB. The
  // fused logits kernel (assembly/logits.ts: maxima, stored exponentials with their own exp,
  // the plain and excess passes, the reverse gradient in f64 arithmetic; f32 and f64): 210.4 kB
  // of Wasm, 47.2 kB; without subtractScaledExpRows (the fused kernel took its place): 208.9 kB, 46.9 kB.
  // The α family's three ops, 21 in all (assembly/terms.ts: Amari's term with its gradient, one
  // loop for both codes, computed in f64 lanes for either element type, its series, lane check
  // and exact scalar form; the total variation): 219.2 kB of Wasm, 49.7 kB. Amari's term two
  // vectors per call in lockstep (assembly/alpha.ts: its log-ratio inlined twice, an f64 loop of
  // its own in reduce.ts; 30 → 19–21 ns/element): 220.6 kB, 50.8 kB — the budget's last 0.2 kB.
  { file: "dist/simd-bytes.js", budget: 51 * KB },
  // Measured 5.5 kB: loaded only on engines without SIMD, or with `simd: false`. With the
  // changes above: 6.2 kB; with the fused logits kernel's scalar loops: 7.6 kB; with the α
  // family's scalar terms and loops (the reference's three forms of Amari's term): 8.4 kB.
  { file: "dist/scalar-bytes.js", budget: 8.75 * KB },
  // Measured 39.4 kB: loaded only with `relaxed: true` where the engine has relaxed SIMD.
  // With the SIMD build's growth above: 41.3 kB; with the fused logits kernel: 47.0 kB; with the
  // α family's ops: 49.5 kB; with Amari's term in lockstep: 50.7 kB.
  { file: "dist/relaxed-bytes.js", budget: 51 * KB },
  // Measured 14.0 kB: referenceKL with its logits KL and rescaled sums (within rows and across
  // them), the JSD's own terms, the closed forms and estimators, the fits.
  // Inputs in every shape: +1.7 kB, 15.7 kB. The JSD of near rows from their differences (log
  // space and rescaled): +0.9 kB, 16.6 kB. Exact logits gradients from the rows' differences
  // and the Rényi and Amari α-divergences of normals (mvnRenyi's included): 19.2 kB. The α
  // family's reference (Amari's three forms, Rényi by Amari's sum or a log-sum-exp, its limits
  // and gradients) and the α fit: 22.2 kB. fitGaussianVI: 26.8 kB.
  { file: "dist/reference.js", budget: 28 * KB },
  // Measured 0.9 kB: the tfjs loss alone (tfjs-core and the library stay imports).
  { file: "dist/tfjs.js", budget: 1.5 * KB },
];
const CREATE_KL = 'import { createKL } from "./dist/index.js"; globalThis.kl = createKL;';
// What an application loads: at start (its entry and the chunks that imports statically), and
// when createKL() runs on an engine without SIMD (plus the scalar build's chunk; the relaxed
// build's chunk loads only with `relaxed: true`). `budget` is for the load at start.
const APPS = [
  // Inputs in every shape add ~1.5 kB to each app below (54.7 kB here at start, 60.1 kB without
  // SIMD; Vite 55.0; CommonJS 107.7; createKLSync 59.1; referenceKL 7.7). The SIMD build's and
  // index.js's growth above (near log-space JSD rows, logits of any magnitude, the scaled JSD at
  // tiny β) add ~3 kB: 57.8 kB here at start, 63.6 without SIMD; Vite 58.0; CommonJS 113.4;
  // createKLSync 63.0; referenceKL 8.5 (with the rescaled rows' JSD). With the near rows of the
  // rescaled KL, nearly one-hot log-sums and the reverse gradient's finish: 59.5 kB at start,
  // 65.6 without SIMD; Vite 59.7; CommonJS 116.3; createKLSync 65.0; referenceKL 8.9. With the
  // fused logits kernel (its ~5 kB in each Wasm build): 65.3 kB at start, 72.8 without SIMD;
  // Vite 65.5; CommonJS 128.9; createKLSync 71.8; referenceKL 9.1. With the α family (its three
  // ops, ~4 kB in each Wasm build, and ~3.5 kB of JavaScript: the engine's Rényi and gradients,
  // the reference's renyiRow for rare rows): 72.3 kB at start, 80.6 without SIMD; Vite 72.2;
  // CommonJS 142.5; createKLSync 79.7; referenceKL 11.4. fitGaussianVI adds to CommonJS only
  // (which cannot drop an export): 146.4 kB.
  // Measured 52.9 kB at start (was 56.2 with the scalar build inlined): ~13.4 kB of JavaScript
  // (no fitting code, no closed forms) and the SIMD build, 39.5 kB of it; 57.9 kB without SIMD.
  { name: 'esbuild ESM app: import { createKL } from "klwasm"', source: CREATE_KL, bundler: esbuildApp, budget: 74 * KB, target: 40 * KB, withoutSimd: 82 * KB },
  // Measured 53.2 kB at start (was 56.4), 58.2 kB without SIMD.
  { name: 'Vite app: import { createKL } from "klwasm"', source: CREATE_KL, bundler: viteApp, budget: 74 * KB, target: 40 * KB, withoutSimd: 82 * KB },
  // Measured 104.2 kB (was 105.3): CommonJS output cannot split, so the bundler inlines every
  // build's require (SIMD, scalar, relaxed); unbundled, index.cjs requires each when asked for.
  { name: 'esbuild CJS app: require("klwasm").createKL', source: 'const { createKL } = require("./dist/index.cjs"); globalThis.kl = createKL;', bundler: esbuildCjsApp, budget: 148 * KB },
  // Measured 57.6 kB: createKLSync carries the SIMD and scalar builds (a static import is the
  // only synchronous way in ES modules).
  { name: 'esbuild ESM app: import { createKLSync } from "klwasm"', source: 'import { createKLSync } from "./dist/index.js"; globalThis.kl = createKLSync;', bundler: esbuildApp, budget: 81.5 * KB },
  // Measured 6.2 kB (5.9 before sums across rows beyond the largest double were taken rescaled).
  { name: 'esbuild ESM app: import { referenceKL } from "klwasm/reference"', source: 'import { referenceKL } from "./dist/reference.js"; globalThis.kl = referenceKL;', bundler: esbuildApp, budget: 12 * KB, target: 6 * KB },
];

const gzip = (data) => gzipSync(data, { level: 9 }).length;
/** Sizes of one file, or the sum over files downloaded apart (each compressed on its own). */
const sizes = (files) => [files].flat().reduce((sum, file) => ({
  raw: sum.raw + file.length, gzip: sum.gzip + gzip(file), brotli: sum.brotli + brotliCompressSync(file).length,
}), { raw: 0, gzip: 0, brotli: 0 });
const kB = (bytes) => `${(bytes / KB).toFixed(1)} kB`.padStart(9);

/**
 * Bundles an application whose whole code is `source` in a temporary directory; `bundle(entry,
 * dir)` returns its output files as `{ path: { code, imports, dynamicImports, modules } }`.
 */
async function appOutputs(source, bundle) {
  const dir = mkdtempSync(join(tmpdir(), "klwasm-size-"));
  try {
    const entry = join(dir, "app.js");
    writeFileSync(entry, source.replaceAll("./dist/", `${resolve("dist")}/`));
    return await bundle(entry, dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** esbuild, minified, tree-shaken, with code splitting: chunks behind a dynamic import are files apart. */
async function esbuildApp(entry, dir, options = { format: "esm", splitting: true, platform: "browser" }) {
  const result = await build({
    entryPoints: [entry], outdir: join(dir, "out"), bundle: true, minify: true, target: "es2022", write: false, logLevel: "silent", metafile: true, ...options,
  });
  const code = new Map(result.outputFiles.map((file) => [file.path, file.contents]));
  const outputs = {};
  for (const [path, output] of Object.entries(result.metafile.outputs)) {
    if (!path.endsWith(".js")) continue;
    outputs[path] = {
      code: code.get(resolve(path)),
      // (esbuild names the chunks behind a dynamic import entry points too.)
      entry: output.entryPoint !== undefined && output.entryPoint.endsWith("app.js"),
      imports: output.imports.filter((i) => i.kind === "import-statement").map((i) => i.path),
      dynamicImports: output.imports.filter((i) => i.kind === "dynamic-import").map((i) => i.path),
      modules: Object.keys(output.inputs),
    };
  }
  return outputs;
}

/** esbuild's CommonJS bundle for Node: one file, as CommonJS output cannot split. */
function esbuildCjsApp(entry, dir) {
  return esbuildApp(entry, dir, { format: "cjs", platform: "node" });
}

/** `vite build` with no configuration (Rolldown underneath), the entry being the app's script. */
async function viteApp(entry, dir) {
  const { build: viteBuild } = await import("vite");
  const result = await viteBuild({ root: dir, configFile: false, logLevel: "silent", build: { write: false, rollupOptions: { input: entry } } });
  const outputs = {};
  for (const chunk of (Array.isArray(result) ? result[0] : result).output) {
    if (chunk.type !== "chunk") continue;
    outputs[chunk.fileName] = { code: chunk.code, entry: chunk.isEntry, imports: chunk.imports, dynamicImports: chunk.dynamicImports, modules: chunk.moduleIds };
  }
  return outputs;
}

/**
 * The files loaded with the entry, and with `build`'s chunk (the chunk whose modules include
 * `<build>-bytes`), each a download of its own.
 */
function loaded(outputs, build) {
  const roots = Object.keys(outputs).filter((path) => outputs[path].entry);
  if (build !== undefined) {
    const chunk = Object.keys(outputs).find((path) => outputs[path].modules.some((module) => module.includes(`${build}-bytes`)));
    if (chunk === undefined) throw new Error(`no chunk holds the ${build} build`);
    roots.push(chunk);
  }
  const files = new Set();
  const visit = (path) => {
    if (files.has(path)) return;
    files.add(path);
    for (const i of outputs[path].imports) visit(i);
  };
  roots.forEach(visit);
  return [...files].map((path) => Buffer.from(outputs[path].code));
}

let over = 0;
const row = (name, data, budget, target) => {
  const { raw, gzip: size, brotli } = sizes(data);
  const verdict = size > budget ? "  OVER BUDGET" : "";
  const versusTarget = target === undefined ? "" : `${(target / KB).toFixed(0)} kB${size > target ? ` (over by ${((size - target) / KB).toFixed(1)} kB)` : " (met)"}`;
  console.log(`${name.padEnd(60)}${kB(raw)}${kB(size)}${kB(brotli)}${kB(budget)}  ${versusTarget}${verdict}`);
  if (size > budget) over++;
};
console.log(`${"bundle".padEnd(60)}${"raw".padStart(9)}${"gzip".padStart(9)}${"brotli".padStart(9)}${"budget".padStart(9)}  target`);
for (const { file, budget, target } of FILES) {
  const data = readFileSync(file);
  row(file, data, budget, target);
  // What the bundle is made of: the inlined modules are its long hex strings.
  const text = data.toString("utf8");
  const modules = [...text.matchAll(/"([0-9a-f]{4096,})"/g)].map((match) => match[1]);
  if (modules.length > 0) {
    const code = modules.reduce((rest, module) => rest.replace(module, ""), text);
    const parts = modules.map((module) => `${(Buffer.from(module, "hex").length / KB).toFixed(1)} kB Wasm → ${(gzip(module) / KB).toFixed(1)} kB`);
    console.log(`${"".padEnd(60)}  inlined modules (hex, gzipped alone): ${parts.join(", ")}; the JavaScript alone: ${(gzip(code) / KB).toFixed(1)} kB`);
  }
}
for (const { name, source, bundler, budget, target, withoutSimd } of APPS) {
  const outputs = await appOutputs(source, bundler);
  row(name, loaded(outputs), budget, target);
  if (withoutSimd !== undefined) row("  + createKL() on an engine without SIMD", loaded(outputs, "scalar"), withoutSimd);
}
if (over > 0) {
  console.error(`check-size: ${over} bundle(s) over budget. If the growth is intended, raise the budget in scripts/check-size.mjs and say why.`);
  process.exit(1);
}
