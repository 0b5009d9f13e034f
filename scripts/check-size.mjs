// The size budget of what users download, gzipped (level 9), against budgets that fail CI when
// exceeded: the package's entry files as published, and what an application bundles from them
// (esbuild, minified, tree-shaken: `sideEffects: false` lets it drop every export not imported).
// Run after `npm run build` (`npm run size`).
//
// The budgets sit a few percent above the sizes measured when they were set, so that growth is
// a decision, not an accident: raise one deliberately, in the same change that needs it. The
// entries carry every export (the closed forms, estimators and fits among them); an application
// gets only what it imports, which the "app:" rows measure: importing createKL alone bundles no
// fitting code, importing referenceKL alone no Wasm.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { brotliCompressSync, gzipSync } from "node:zlib";
import { build } from "esbuild";

const KB = 1000;
const FILES = [
  // Measured 71.2 kB: 39.1 kB SIMD module, 4.8 kB scalar module, 27.9 kB JavaScript (names
  // and syntax minified, line breaks kept; removing them too saves ~4 kB). The SIMD module holds
  // 18 ops, each an unrolled loop per element type: since the accurate KL forms (the split
  // KL_EXCESS, the log-space excess form of logits KL, the gradients' own excess ops, rescaled
  // sums of rows that overflow part-way) it is built with shrinkLevel 2, which keeps Binaryen
  // from inlining the scalar fallbacks into every loop (40.0 → 34.0 kB gzipped as raw Wasm).
  // Inputs in every shape (src/core/inputs.ts: nested rows, tensor-likes, other typed arrays)
  // add 1.6 kB: 72.8 kB.
  { file: "dist/index.js", budget: 75 * KB },
  // Measured 13.8 kB: referenceKL with its logits KL and rescaled sums, the JSD's own terms,
  // the closed forms and estimators, the fits.
  // Inputs in every shape: +1.5 kB, 15.3 kB.
  { file: "dist/reference.js", budget: 16 * KB },
  // Measured 0.9 kB: the tfjs loss alone (tfjs-core and the library stay imports).
  { file: "dist/tfjs.js", budget: 1.5 * KB },
];
const APPS = [
  // Measured 56.1 kB: both inlined modules (39.1 kB SIMD, 4.8 kB scalar, for engines without
  // SIMD) and ~12 kB of JavaScript; no fitting code, no closed forms.
  { name: 'app: import { createKL } from "klwasm"', source: 'import { createKL } from "./dist/index.js"; globalThis.kl = createKL;', budget: 59 * KB, target: 40 * KB },
  // Measured 5.9 kB; 7.4 kB with inputs in every shape (src/core/inputs.ts, 1.6 kB gzipped alone,
  // half of it the messages that name the row or key at fault).
  { name: 'app: import { referenceKL } from "klwasm/reference"', source: 'import { referenceKL } from "./dist/reference.js"; globalThis.kl = referenceKL;', budget: 7.7 * KB, target: 6 * KB },
];

const gzip = (data) => gzipSync(data, { level: 9 }).length;
const kB = (bytes) => `${(bytes / KB).toFixed(1)} kB`.padStart(9);

/**
 * What an application whose whole code is `source` loads at start: esbuild's bundle of it, with
 * code splitting, so that chunks behind a dynamic import (the relaxed-SIMD module, fetched only
 * when asked for) are not counted.
 */
async function appBundle(source) {
  const dir = mkdtempSync(join(tmpdir(), "klwasm-size-"));
  try {
    const entry = join(dir, "app.js");
    writeFileSync(entry, source.replaceAll("./dist/", `${resolve("dist")}/`));
    const result = await build({
      entryPoints: [entry], outdir: join(dir, "out"), bundle: true, splitting: true, minify: true, format: "esm",
      platform: "browser", target: "es2022", write: false, logLevel: "silent", metafile: true,
    });
    // The entry and the chunks it imports statically.
    const outputs = result.metafile.outputs;
    const loaded = new Set();
    const visit = (path) => {
      if (loaded.has(path)) return;
      loaded.add(path);
      for (const i of outputs[path].imports) if (i.kind === "import-statement") visit(i.path);
    };
    visit(Object.keys(outputs).find((path) => outputs[path].entryPoint !== undefined));
    const files = new Set([...loaded].map((path) => resolve(path)));
    return Buffer.concat(result.outputFiles.filter((f) => files.has(f.path)).map((f) => Buffer.from(f.contents)));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

let over = 0;
const row = (name, data, budget, target) => {
  const size = gzip(data);
  const verdict = size > budget ? "  OVER BUDGET" : "";
  const versusTarget = target === undefined ? "" : `${(target / KB).toFixed(0)} kB${size > target ? ` (over by ${((size - target) / KB).toFixed(1)} kB)` : " (met)"}`;
  console.log(`${name.padEnd(52)}${kB(data.length)}${kB(size)}${kB(brotliCompressSync(data).length)}${kB(budget)}  ${versusTarget}${verdict}`);
  if (size > budget) over++;
};
console.log(`${"bundle".padEnd(52)}${"raw".padStart(9)}${"gzip".padStart(9)}${"brotli".padStart(9)}${"budget".padStart(9)}  target`);
for (const { file, budget, target } of FILES) {
  const data = readFileSync(file);
  row(file, data, budget, target);
  // What the bundle is made of: the inlined modules are its long hex strings.
  const text = data.toString("utf8");
  const modules = [...text.matchAll(/"([0-9a-f]{4096,})"/g)].map((match) => match[1]);
  if (modules.length > 0) {
    const code = modules.reduce((rest, module) => rest.replace(module, ""), text);
    const parts = modules.map((module) => `${(Buffer.from(module, "hex").length / KB).toFixed(1)} kB Wasm → ${(gzip(module) / KB).toFixed(1)} kB`);
    console.log(`${"".padEnd(52)}  inlined modules (hex, gzipped alone): ${parts.join(", ")}; the JavaScript alone: ${(gzip(code) / KB).toFixed(1)} kB`);
  }
}
for (const { name, source, budget, target } of APPS) row(name, await appBundle(source), budget, target);
if (over > 0) {
  console.error(`check-size: ${over} bundle(s) over budget. If the growth is intended, raise the budget in scripts/check-size.mjs and say why.`);
  process.exit(1);
}
