// Where the distillation call's time goes: the fused logits kernel (assembly/logits.ts) on
// 64 × 32 000 f32 logits, called on the SIMD module with the inputs already in its memory, for
// each of its forms, once streaming all rows and once on one row kept in cache; beside them a
// plain copy of one input (the memory-bound floor of a pass), the f32 exp alone (the stored
// exponentials of one operand, from the old EXP_SUM op for comparison) and the whole library
// call, zero-copy. Median ms per call (ns per element pair). `node bench/profile-distill.mjs`
// after `npm run build`.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { distillLogits, measureCall } from "./portable.mjs";

const { teacher, student, rows, cols } = distillLogits();
const n = rows * cols;
const wasm = readFileSync(fileURLToPath(new URL("../build/klwasm-simd.wasm", import.meta.url)));
const k = new WebAssembly.Instance(new WebAssembly.Module(wasm), {}).exports;
const base = k.heapBase();
const bytes = n * 4;
const at = { a: base, b: base + bytes, grad: base + 2 * bytes, copy: base + 3 * bytes, work: base + 4 * bytes };
const rowsAt = at.work + 2 * cols * 4;
k.memory.grow(Math.ceil((rowsAt + 5 * rows * 16 - k.memory.buffer.byteLength) / 65536) + 1);
const f32 = (address) => new Float32Array(k.memory.buffer, address, n);
f32(at.a).set(teacher);
f32(at.b).set(student);
const [offsetsX, offsetsY, out] = [rowsAt, rowsAt + rows * 16, rowsAt + 2 * rows * 16];

/** The fused kernel on `count` rows from row 0: forward or reverse, with or without a gradient. */
const fused = (reverse, withGrad, count) => () =>
  k.logitsKLF32(reverse ? 1 : 0, at.a, at.b, count, cols, 1, 1 / rows, withGrad ? at.grad : 0, at.work, offsetsX, offsetsY, out);

const timing = { minRunMs: 20, warmupMs: 200, budgetMs: 3000 };
const passes = [
  ["copy of one input (memory floor of a pass)", () => (f32(at.copy).set(f32(at.a)), 0), rows],
  ["Σ exp of one operand (EXP_SUM op, the old exp)", () => k.reduceRowsF32(k.OP_EXP_SUM.value, at.a, 0, rows, cols, offsetsX, 0, 0, 1, 0, out), rows],
  ["fused forward value", fused(false, false, rows), rows],
  ["fused forward value + gradient", fused(false, true, rows), rows],
  ["fused reverse value + gradient", fused(true, true, rows), rows],
  ["fused forward value, one row in cache", fused(false, false, 1), 1],
  ["fused forward value + gradient, one row in cache", fused(false, true, 1), 1],
];
console.log(`${rows} × ${cols} f32 logits, SIMD module; median ms per call (ns per element pair)`);
for (const [name, run, count] of passes) {
  const { nsPerCall } = await measureCall(run, 15, timing);
  const perRows = (nsPerCall * rows) / count;
  console.log(`${name.padEnd(52)} ${(perRows / 1e6).toFixed(2).padStart(7)} ms  (${(perRows / n).toFixed(2)} ns/el)`);
}
const { createKL } = await import("../dist/index.js");
const kl = await createKL();
// The three views and a call's scratch (its gradient before it is copied out, the stored exponentials).
kl.reserve(6 * bytes);
const [tv, sv, ov] = [teacher, student, teacher].map(() => kl.alloc(n, Float32Array));
tv.set(teacher);
sv.set(student);
for (const direction of ["forward", "reverse"]) {
  const { nsPerCall } = await measureCall(() => kl[`${direction}Grad`](tv, sv, { rows, space: "logits", reduction: "mean", out: ov }).value, 15, timing);
  console.log(`${`library call, ${direction}Grad zero-copy`.padEnd(52)} ${(nsPerCall / 1e6).toFixed(2).padStart(7)} ms  (${(nsPerCall / n).toFixed(2)} ns/el)`);
}
