// Node, CommonJS: `require` of the package and of klwasm/reference.
const assert = require("node:assert/strict");
const { createKL, createKLPool, createKLSync, KLError, referenceKL } = require("klwasm");
const reference = require("klwasm/reference");

const p = [0.5, 0.5];
const q = [0.9, 0.1];
const exact = 0.5 * Math.log(0.5 / 0.9) + 0.5 * Math.log(0.5 / 0.1);

assert.match(require.resolve("klwasm"), /index\.cjs$/);
const kl = createKLSync();
assert.equal(kl.backend, "wasm-simd");
assert.ok(Math.abs(kl.kl(p, q) - exact) < 1e-15);
assert.equal(reference.referenceKL.backend, "reference");
assert.ok(Math.abs(referenceKL.kl(p, q) - exact) < 1e-15);
assert.throws(() => kl.kl([0.5, -1], q), (error) => error instanceof KLError && error.code === "NEGATIVE");

// The pool from CommonJS finds the same (ES module) worker script beside the library.
const rows = 8;
const logits = Float64Array.from({ length: rows * 8192 }, (_, i) => Math.sin(i));

Promise.all([createKL({ simd: false }), createKLPool({ threads: 2 })]).then(async ([scalar, pool]) => {
  assert.equal(scalar.backend, "wasm");
  assert.ok(Math.abs(scalar.kl(p, q) - exact) < 1e-15);
  assert.equal(await pool.entropy(logits, { rows, space: "logits" }), kl.entropy(logits, { rows, space: "logits" }));
  await pool.terminate();
  console.log(`node-cjs: ${kl.backend} D(P‖Q) = ${kl.kl(p, q)}`);
});
