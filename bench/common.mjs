// Helpers shared by the benchmarks (bench/kl.mjs, bench/accuracy.mjs, bench/distill.mjs):
// the library under test, command-line options, timing, inputs, TensorFlow.js set-up,
// table printing, machine description, result files and the Python peers' results.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createRequire, register } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";
import { mulberry32 as testMulberry32 } from "../tests/random.mjs";

export const benchDir = path.dirname(fileURLToPath(import.meta.url));
export const resultsDir = path.join(benchDir, "results");
/** Progress and warnings go to stderr; tables go to stdout. */
export const log = (msg) => process.stderr.write(`${msg}\n`);

// ---- the library under test ----------------------------------------------------------
/** ../dist/index.js, or KLWASM_LIB=path/to/index.js to benchmark another build. */
export const libUrl = process.env.KLWASM_LIB
  ? pathToFileURL(path.resolve(process.env.KLWASM_LIB)).href
  : new URL("../dist/index.js", import.meta.url).href;
export const loadLibrary = () => import(libUrl);

// ---- options ------------------------------------------------------------------------------
export const argv = process.argv.slice(2);
/** The value of `--name value` or `--name=value`, else undefined. */
export const argValue = (name) => {
  const i = argv.findIndex((a) => a === name || a.startsWith(`${name}=`));
  return i < 0 ? undefined : argv[i].includes("=") ? argv[i].split("=")[1] : argv[i + 1];
};
export const hasFlag = (name) => argv.includes(name);

// ---- timing -------------------------------------------------------------------------------
let sink = 0; // every result is consumed, so no call can be optimised away
/** The sum of every timed result: write it out so that it stays observable. */
export const sinkValue = () => sink;
export function timeBatch(fn, iters) {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < iters; i++) sink += fn();
  return Number(process.hrtime.bigint() - t0);
}
export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
/**
 * Median ns per call of fn over runs of ≥ minRunMs each, after calibration and warm-up.
 * Slow cases get fewer runs (as many as fit in budgetMs), never fewer than 3, at most maxRuns.
 * @param {() => number} fn
 * @param {number} maxRuns
 * @param {{ minRunMs: number, warmupMs: number, budgetMs: number }} timing
 */
export function measureCall(fn, maxRuns, { minRunMs, warmupMs, budgetMs }) {
  let iters = 1;
  let ns = timeBatch(fn, iters);
  let spent = ns;
  while (ns < minRunMs * 1e6) { // calibration doubles the batch; it is also warm-up
    iters *= 2;
    ns = timeBatch(fn, iters);
    spent += ns;
  }
  while (spent < warmupMs * 1e6) spent += timeBatch(fn, iters);
  const runs = Math.max(3, Math.min(maxRuns, Math.floor((budgetMs * 1e6) / ns)));
  const samples = Array.from({ length: runs }, () => timeBatch(fn, iters) / iters);
  return { nsPerCall: median(samples), runs, iters, samples };
}
/** Median ns/element of fn (see measureCall). */
export function measure(fn, n, maxRuns, timing) {
  const m = measureCall(fn, maxRuns, timing);
  return { nsPerElement: m.nsPerCall / n, runs: m.runs, iters: m.iters };
}

// ---- inputs -------------------------------------------------------------------------------
// The tests' seeded PRNG, so that benchmarks and tests draw the same numbers.
export { mulberry32 } from "../tests/random.mjs";

/** Writes the f64 log-softmax of row r of x (rows of `cols`) into out: the naive JS peer's. */
export function logSoftmaxRow(x, r, cols, out) {
  let m = -Infinity;
  for (let i = 0; i < cols; i++) m = Math.max(m, x[r * cols + i]);
  let z = 0;
  for (let i = 0; i < cols; i++) z += Math.exp(x[r * cols + i] - m);
  const lse = m + Math.log(z);
  for (let i = 0; i < cols; i++) out[i] = x[r * cols + i] - lse;
}
export function randomDistribution(n, rand) {
  const v = new Float64Array(n);
  let s = 0;
  for (let i = 0; i < n; i++) s += v[i] = rand() + 1e-6; // strictly positive
  for (let i = 0; i < n; i++) v[i] /= s;
  return v;
}

/** The distillation case: rows × cols logits, f32. bench/peers/python.py rebuilds the same bits. */
export const DISTILL = { rows: 64, cols: 32000, seed: 0xd157 };
export function distillLogits({ rows, cols, seed } = DISTILL) {
  const n = rows * cols;
  const rand = testMulberry32(seed);
  const teacher = new Float32Array(n);
  const student = new Float32Array(n);
  for (let i = 0; i < n; i++) teacher[i] = 8 * (rand() - 0.5);
  for (let i = 0; i < n; i++) student[i] = 0.8 * teacher[i] + 4 * (rand() - 0.5);
  return { teacher, student, rows, cols };
}

/** kl.alloc views of the arrays' shapes, with room reserved first so no alloc detaches another. */
export function allocViews(kl, arrays, extraBytes = 0) {
  kl.reserve(arrays.reduce((bytes, a) => bytes + a.byteLength + 16, extraBytes));
  return arrays.map((a) => kl.alloc(a.length, a.constructor));
}

// ---- TensorFlow.js ------------------------------------------------------------------------
/**
 * tfjs-core with the cpu and wasm backends registered (the wasm backend's binaries found
 * through setWasmPaths), in production mode (no console warnings; no kernel changes).
 * gradients: also register tfjs-core's own gradient definitions
 * (@tensorflow/tfjs-core/dist/register_all_gradients.js, what the union package @tensorflow/tfjs
 * imports), loaded through bench/tfjs-gradient-hooks.mjs: tfjs-core's Node bundle registers none.
 */
export async function loadTfjs({ gradients = false } = {}) {
  if (gradients) register("./tfjs-gradient-hooks.mjs", import.meta.url);
  const tf = await import("@tensorflow/tfjs-core");
  await import("@tensorflow/tfjs-backend-cpu");
  const { setWasmPaths } = await import("@tensorflow/tfjs-backend-wasm");
  tf.enableProdMode(); // silences tfjs' console warnings; changes no kernel
  setWasmPaths(path.dirname(createRequire(import.meta.url).resolve("@tensorflow/tfjs-backend-wasm")) + "/");
  if (gradients) await import("@tensorflow/tfjs-core/dist/register_all_gradients.js");
  return tf;
}
export async function useTfBackend(tf, name) {
  if (!(await tf.setBackend(name))) throw new Error(`tfjs backend ${name} failed to initialise`);
}
export async function tfWasmInfo(tf) {
  return {
    simd: await tf.env().getAsync("WASM_HAS_SIMD_SUPPORT"),
    threads: await tf.env().getAsync("WASM_HAS_MULTITHREAD_SUPPORT"),
  };
}

// ---- reporting -----------------------------------------------------------------------------
export function printTable(title, head, body) {
  const widths = head.map((_, c) => Math.max(...[head, ...body].map((r) => r[c].length)));
  const line = (r) => r.map((cell, c) => (c ? cell.padStart(widths[c]) : cell.padEnd(widths[c]))).join("  ");
  console.log(`\n${title}\n${line(head)}\n${widths.map((w) => "-".repeat(w)).join("  ")}`);
  for (const r of body) console.log(line(r));
}
/** A relative error or difference with 3 significant digits; "0" when exact. */
export const fmtRel = (x) => (x === undefined ? "—" : x === 0 ? "0" : Number.isFinite(x) ? x.toExponential(2) : String(x));
export const relDiff = (a, b) => (a === b ? 0 : Math.abs(a - b) / Math.abs(b));

export const machine = () => ({
  node: process.version,
  os: `${os.type()} ${os.release()} ${os.arch()}`,
  cpu: os.cpus()[0]?.model,
  nproc: os.availableParallelism?.() ?? os.cpus().length,
  loadavg: os.loadavg(),
});

/** Writes bench/results/<name> and says so on stderr. */
export function writeResults(name, data) {
  fs.mkdirSync(resultsDir, { recursive: true });
  const file = path.join(resultsDir, name);
  fs.writeFileSync(file, `${JSON.stringify(data, null, 2)}\n`);
  log(`wrote ${path.relative(process.cwd(), file)}`);
  return file;
}

// ---- Python peers (bench/peers/python.py) ---------------------------------------------------
/** bench/results/python.json, or undefined when it does not exist. */
export function readPythonResults() {
  const file = path.join(resultsDir, "python.json");
  if (!fs.existsSync(file)) return undefined;
  try {
    return JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (e) {
    log(`WARNING: ignoring ${file}: ${e.message}`);
    return undefined;
  }
}
/** The note printed under a table that carries Python rows. */
export function pythonNote(py) {
  const v = py.versions ?? {};
  return `py: rows measured separately by bench/peers/python.py (${py.date}, Python ${v.python}, NumPy ${v.numpy}, ` +
    `SciPy ${v.scipy}, PyTorch ${v.torch}; other process, compare loosely). [tuned] = MALLOC_MMAP_MAX_=0 ` +
    "MALLOC_TRIM_THRESHOLD_=100000000000; [plain] = environment as is.";
}
export const pythonLabel = (run) => (run.label === "malloc-tuned" ? "tuned" : run.label);
