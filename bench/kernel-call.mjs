// One kernel call beneath the library: reduceRows{F64,F32}(OP_KL_EXCESS, …) on one row, called
// straight on a module's exports, so that the kernel's own cost (fixed and per element) is seen
// without the wrapper's. Given several .wasm files, runs them interleaved in one process, round
// by round, so that a change to the kernels is judged against the build before it on the same
// machine state (times here drift 15–20 % between runs, much less within one).
//
//   node bench/kernel-call.mjs                                   # build/klwasm-simd.wasm
//   node bench/kernel-call.mjs before.wasm build/klwasm-simd.wasm --sizes 4,16,64,1e6
//
// Prints the median over rounds of ns per call (and ns per element) per build, size and type.
import { readFileSync } from "node:fs";
import { argv } from "./common.mjs";
import { median, mulberry32, randomDistribution } from "./portable.mjs";

const flag = (name) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};
const files = argv.filter((a, i) => a.endsWith(".wasm") && argv[i - 1] !== "--sizes");
if (files.length === 0) files.push("build/klwasm-simd.wasm");
const sizes = (flag("--sizes") ?? "4,16,64,1e6").split(",").map(Number);
const rounds = Number(flag("--rounds") ?? 15);
// Each timed batch runs ≥ BATCH_MS, so the clock's resolution does not matter.
const BATCH_MS = 20;

function instance(file) {
  const module = new WebAssembly.Module(readFileSync(file));
  const exports = new WebAssembly.Instance(module, {}).exports;
  return { exports, free: exports.heapBase() };
}

/** One prepared case, in memory of its own: p and q written once; the function makes one call. */
function prepare(build, n, type) {
  const { exports } = build;
  const bytes = Math.ceil((n * type.BYTES_PER_ELEMENT) / 16) * 16;
  const base = build.free;
  build.free += 2 * bytes + 16;
  const needed = build.free;
  const memory = exports.memory;
  if (needed > memory.buffer.byteLength) memory.grow(Math.ceil((needed - memory.buffer.byteLength) / 65536));
  const random = mulberry32(0xca11 + n);
  const [x, y, out] = [base, base + bytes, base + 2 * bytes];
  new type(memory.buffer, x, n).set(randomDistribution(n, random));
  new type(memory.buffer, y, n).set(randomDistribution(n, random));
  const reduceRows = type === Float64Array ? exports.reduceRowsF64 : exports.reduceRowsF32;
  const op = exports.OP_KL_EXCESS.value;
  return () => reduceRows(op, x, y, 1, n, 0, 0, 0, 1, 0, out);
}

function timeCall(call) {
  let iterations = 1;
  for (;;) {
    const t0 = performance.now();
    for (let i = 0; i < iterations; i++) call();
    const ms = performance.now() - t0;
    if (ms >= BATCH_MS) return (ms * 1e6) / iterations;
    iterations *= ms < BATCH_MS / 8 ? 8 : 2;
  }
}

const builds = files.map((file) => ({ file, ...instance(file) }));
const cases = [];
for (const n of sizes) {
  for (const type of [Float64Array, Float32Array]) {
    cases.push({ n, type, calls: builds.map((build) => prepare(build, n, type)), times: builds.map(() => []) });
  }
}
for (const c of cases) c.calls.forEach(timeCall); // warm-up
for (let round = 0; round < rounds; round++) {
  for (const c of cases) c.calls.forEach((call, b) => c.times[b].push(timeCall(call)));
}

const type = (t) => (t === Float64Array ? "f64" : "f32");
console.log(`reduceRows(OP_KL_EXCESS), one row; median of ${rounds} interleaved rounds; Node ${process.version}`);
console.log(["n".padEnd(8), "type", ...builds.map((b) => b.file.padStart(34))].join("  "));
for (const c of cases) {
  const cells = c.times.map((t) => {
    const ns = median(t);
    return `${ns.toFixed(1).padStart(10)} ns ${(ns / c.n).toFixed(3).padStart(8)} ns/el`.padStart(34);
  });
  console.log([String(c.n).padEnd(8), type(c.type).padEnd(4), ...cells].join("  "));
}
