// Node, ES modules: `import` of every entry point, the inlined and the shipped .wasm, the CLI.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { inspect } from "node:util";
import { createKL, createKLPool, createKLSync, KLError, referenceKL } from "klwasm";
import * as reference from "klwasm/reference";

const p = [0.5, 0.5];
const q = [0.9, 0.1];
const exact = 0.5 * Math.log(0.5 / 0.9) + 0.5 * Math.log(0.5 / 0.1);

const kl = await createKL();
assert.equal(kl.backend, "wasm-simd");
assert.ok(Math.abs(kl.kl(p, q) - exact) < 1e-15);
assert.equal(createKLSync().backend, "wasm-simd");
assert.equal((await createKL({ simd: false })).backend, "wasm");
assert.equal(referenceKL.backend, "reference");
assert.equal(reference.referenceKL.backend, "reference");

const perRow = kl.kl([0.5, 0.5, 0.2, 0.8], [0.9, 0.1, 0.5, 0.5], { rows: 2, reduction: "none" });
assert.ok(perRow instanceof Float64Array && perRow.length === 2);
const { value, grad } = kl.forwardGrad(new Float32Array(p), new Float32Array([2, 0]), { qSpace: "logits" });
assert.equal(typeof value, "number");
assert.ok(grad instanceof Float32Array);

assert.throws(() => kl.kl([0.5, Number.NaN], q), (error) => error instanceof KLError && error.code === "NAN" && error.index === 1);
// The minified bundle keeps the error's name: in String(error), in its class, in Node's printout.
assert.throws(() => kl.kl([[0.5, 0.5], [1]], [0.5, 0.5, 0.5, 0.5]), (error) =>
  String(error).startsWith("KLError: p: row 1") && error.constructor.name === "KLError" && inspect(error).startsWith("KLError: ") && error.code === "LENGTH_MISMATCH");

// Shapes carry the rows: a [2, 2] tensor-like is two distributions.
assert.deepEqual(kl.kl({ data: Float64Array.of(0.5, 0.5, 0.2, 0.8), dims: [2, 2] }, [[0.9, 0.1], [0.5, 0.5]], { reduction: "none" }), perRow);

// The raw module for bundlers that do not inline, through the package's "./wasm/*" export.
const wasmPath = createRequire(import.meta.url).resolve("klwasm/wasm/klwasm-simd.wasm");
const fromFile = await createKL({ module: readFileSync(wasmPath) });
assert.ok(Math.abs(fromFile.kl(p, q) - exact) < 1e-15);

// The worker pool finds its worker script in the installed package, and equals one instance.
const rows = 8;
const logits = Float32Array.from({ length: rows * 8192 }, (_, i) => Math.sin(i));
const target = Float32Array.from(logits, (x, i) => x + Math.cos(i));
const pool = await createKLPool({ threads: 2 });
const pooled = await pool.forwardGrad(target, logits, { rows, space: "logits" });
const single = kl.forwardGrad(target, logits, { rows, space: "logits" });
assert.equal(pooled.value, single.value);
assert.deepEqual(pooled.grad, single.grad);
await pool.terminate();

console.log(`node-esm: ${kl.backend} D(P‖Q) = ${kl.kl(p, q)}`);
