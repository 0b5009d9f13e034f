// Where the distillation call's time goes: the kernels of one forward value+gradient on 64 × 32 000
// f32 logits (precision "fast": f32 lanes), called one by one on the SIMD module with inputs already
// in its memory, median ms per pass. Beside them, a plain copy of the same bytes (the memory-bound
// floor of a pass) and the whole library call, zero-copy. `node bench/profile-distill.mjs`
// after `npm run build`.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { distillLogits, measureCall } from "./portable.mjs";

const EXP_SUM = 6; // assembly/ops.ts (also exported by the module as OP_EXP_SUM)
const GRAD_FORWARD_LOG = 10;
const GRAD_REVERSE_LOG = 11;
const KL_LOG = 3;

const { teacher, student, rows, cols } = distillLogits();
const n = rows * cols;
const wasm = readFileSync(fileURLToPath(new URL("../build/klwasm-simd.wasm", import.meta.url)));
const k = new WebAssembly.Instance(new WebAssembly.Module(wasm), {}).exports;
const base = k.heapBase();
const bytes = n * 4;
const layout = { a: base, b: base + bytes, grad: base + 2 * bytes, copy: base + 3 * bytes, rowsAt: base + 4 * bytes };
k.memory.grow(Math.ceil((layout.rowsAt + 6 * rows * 8 - k.memory.buffer.byteLength) / 65536) + 1);
const f32 = (at) => new Float32Array(k.memory.buffer, at, n);
f32(layout.a).set(teacher);
f32(layout.b).set(student);
const rowsOf = (i) => layout.rowsAt + i * rows * 8;
const [maxA, maxB, lseA, lseB, params, out] = [0, 1, 2, 3, 4, 5].map(rowsOf);
const f64 = (at) => new Float64Array(k.memory.buffer, at, rows);

const logSumExp = (x, maxima, lse) => {
  k.rowMaximaF32(x, rows, cols, maxima);
  k.reduceRowsF32(EXP_SUM, x, 0, rows, cols, maxima, 0, 0, 1, 0, lse);
  const [m, s] = [f64(maxima), f64(lse)];
  for (let r = 0; r < rows; r++) s[r] = m[r] + Math.log(s[r]);
};
logSumExp(layout.a, maxA, lseA);
logSumExp(layout.b, maxB, lseB);
f64(params).fill(1);

const timing = { minRunMs: 20, warmupMs: 200, budgetMs: 3000 };
const passes = {
  "copy of one input (memory floor of a pass)": () => (f32(layout.copy).set(f32(layout.a)), 0),
  "row maxima, one operand": () => k.rowMaximaF32(layout.a, rows, cols, maxA),
  "Σ exp (log-sum-exp), one operand": () => k.reduceRowsF32(EXP_SUM, layout.a, 0, rows, cols, maxA, 0, 0, 1, 0, lseA),
  "forward value + gradient pass (2 exp per element)": () =>
    k.reduceRowsF32(GRAD_FORWARD_LOG, layout.a, layout.b, rows, cols, lseA, lseB, params, 1 / rows, layout.grad, out),
  "reverse: D(Q‖P) per row (1 exp per element)": () => k.reduceRowsF32(KL_LOG, layout.b, layout.a, rows, cols, lseB, lseA, 0, 1, 0, out),
  "reverse value + gradient pass (1 exp per element)": () =>
    k.reduceRowsF32(GRAD_REVERSE_LOG, layout.a, layout.b, rows, cols, lseA, lseB, params, 1 / rows, layout.grad, out),
};
console.log(`64 × 32 000 f32 logits, SIMD module, f32 lanes; median ms per pass (ns per element)`);
for (const [name, run] of Object.entries(passes)) {
  const { nsPerCall } = await measureCall(run, 15, timing);
  console.log(`${name.padEnd(52)} ${(nsPerCall / 1e6).toFixed(2).padStart(7)} ms  (${(nsPerCall / n).toFixed(2)} ns/el)`);
}
const { createKL } = await import("../dist/index.js");
const kl = await createKL();
kl.reserve(4 * bytes);
const [tv, sv, ov] = [teacher, student, teacher].map((a) => kl.alloc(n, Float32Array));
tv.set(teacher);
sv.set(student);
for (const direction of ["forward", "reverse"]) {
  const { nsPerCall } = await measureCall(() => kl[`${direction}Grad`](tv, sv, { rows, space: "logits", reduction: "mean", precision: "fast", out: ov }).value, 15, timing);
  console.log(`${`library call, ${direction}Grad fast zero-copy`.padEnd(52)} ${(nsPerCall / 1e6).toFixed(2).padStart(7)} ms  (${(nsPerCall / n).toFixed(2)} ns/el)`);
}
