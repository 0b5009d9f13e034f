// Node, CommonJS: `require` of the package and of klwasm/reference.
const assert = require("node:assert/strict");
const { createKL, createKLSync, KLError, referenceKL } = require("klwasm");
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

createKL({ simd: false }).then((scalar) => {
  assert.equal(scalar.backend, "wasm");
  assert.ok(Math.abs(scalar.kl(p, q) - exact) < 1e-15);
  console.log(`node-cjs: ${kl.backend} D(P‖Q) = ${kl.kl(p, q)}`);
});
