// The size budget of what users download: each bundle gzipped (level 9), against a budget that
// fails CI when exceeded. Run after `npm run build` (`npm run size`).
//
// The budgets sit a few percent above the sizes measured when they were set, so that growth is
// a decision, not an accident: raise one deliberately, in the same change that needs it. The
// targets (index under 40 kB, reference under 8 kB) are printed beside them; the index is over
// its target because the SIMD module is ~110 kB of Wasm (one loop per term, the log and exp
// inlined in each: un-inlining them gives back their speed), 24.2 kB of it gzipped (see the
// breakdown); the reference carries the whole KL interface, fitting included.
import { readFileSync } from "node:fs";
import { brotliCompressSync, gzipSync } from "node:zlib";

const KB = 1000;
const BUDGETS = [
  // Measured 53.3 kB: 24.2 kB SIMD module, 9.3 kB scalar module, 19.4 kB JavaScript (names
  // and syntax minified, line breaks kept; removing them too saves 3.8 kB).
  { file: "dist/index.js", budget: 55 * KB, target: 40 * KB },
  // Measured 10.4 kB; src/fit/ is the largest part.
  { file: "dist/reference.js", budget: 11 * KB, target: 8 * KB },
  // Measured 0.8 kB: the tfjs loss alone (tfjs-core and the library stay imports).
  { file: "dist/tfjs.js", budget: 1.5 * KB },
];

const gzip = (data) => gzipSync(data, { level: 9 }).length;
const kB = (bytes) => `${(bytes / KB).toFixed(1)} kB`.padStart(9);

let over = 0;
console.log(`${"file".padEnd(20)}${"raw".padStart(9)}${"gzip".padStart(9)}${"brotli".padStart(9)}${"budget".padStart(9)}  target`);
for (const { file, budget, target } of BUDGETS) {
  const data = readFileSync(file);
  const size = gzip(data);
  const verdict = size > budget ? "  OVER BUDGET" : "";
  const versusTarget = target === undefined ? "" : `${(target / KB).toFixed(0)} kB${size > target ? ` (over by ${((size - target) / KB).toFixed(1)} kB)` : ""}`;
  console.log(`${file.padEnd(20)}${kB(data.length)}${kB(size)}${kB(brotliCompressSync(data).length)}${kB(budget)}  ${versusTarget}${verdict}`);
  if (size > budget) over++;
  // What the bundle is made of: the inlined modules are its long hex strings.
  const text = data.toString("utf8");
  const modules = [...text.matchAll(/"([0-9a-f]{4096,})"/g)].map((match) => match[1]);
  if (modules.length > 0) {
    const code = modules.reduce((rest, module) => rest.replace(module, ""), text);
    const parts = modules.map((module) => `${(Buffer.from(module, "hex").length / KB).toFixed(1)} kB Wasm → ${(gzip(module) / KB).toFixed(1)} kB`);
    console.log(`${"".padEnd(20)}  inlined modules (hex, gzipped alone): ${parts.join(", ")}; the JavaScript alone: ${(gzip(code) / KB).toFixed(1)} kB`);
  }
}
if (over > 0) {
  console.error(`check-size: ${over} bundle(s) over budget. If the growth is intended, raise the budget in scripts/check-size.mjs and say why.`);
  process.exit(1);
}
