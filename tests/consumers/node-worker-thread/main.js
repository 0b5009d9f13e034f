// node:worker_threads: workers that import (ESM) or require (CommonJS) klwasm and instantiate it
// synchronously, one of them from a WebAssembly.Module compiled once here and posted to it.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";
import { referenceKL } from "klwasm";

const rows = 32;
const columns = 512;
const p = new Float64Array(rows * columns).map((_, i) => 1 + Math.sin(i));
const q = new Float64Array(rows * columns).map((_, i) => 1.5 + Math.cos(i));
const options = { rows, normalize: true, reduction: "none" };
const expected = referenceKL.kl(p, q, options);

function run(file, workerData) {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL(file, import.meta.url), { workerData });
    worker.once("message", resolve);
    worker.once("error", reject);
  });
}

const simdBytes = readFileSync(createRequire(import.meta.url).resolve("klwasm/wasm/klwasm-simd.wasm"));
const shared = new WebAssembly.Module(simdBytes);
const results = await Promise.all([
  run("./worker.js", { p, q, options }),
  run("./worker.cjs", { p, q, options }),
  run("./worker.js", { p, q, options, module: shared }),
]);
for (const result of results) {
  assert.equal(result.backend, "wasm-simd");
  assert.ok(result.perRow instanceof Float64Array && result.perRow.length === rows);
  result.perRow.forEach((value, row) => assert.ok(Math.abs(value - expected[row]) <= 1e-12 * expected[row], `row ${row}`));
}
console.log(`node-worker-thread: ${results.length} workers on ${results[0].backend}, ${rows} rows each agree with the reference`);
