// Node helpers shared by the benchmarks (bench/kl.mjs, bench/accuracy.mjs, bench/distill.mjs):
// the library under test, command-line options, TensorFlow.js set-up, table printing, machine
// description, result files and the Python peers' results. Timing and the seeded inputs are in
// bench/portable.mjs, which also runs in the browser.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createRequire, register } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";

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

// ---- the naive JS peers' helpers ----------------------------------------------------------
/** Writes the f64 log-softmax of row r of x (rows of `cols`) into out: the naive JS peer's. */
export function logSoftmaxRow(x, r, cols, out) {
  let m = -Infinity;
  for (let i = 0; i < cols; i++) m = Math.max(m, x[r * cols + i]);
  let z = 0;
  for (let i = 0; i < cols; i++) z += Math.exp(x[r * cols + i] - m);
  const lse = m + Math.log(z);
  for (let i = 0; i < cols; i++) out[i] = x[r * cols + i] - lse;
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

/** Writes bench/results/<name> (a string as is, anything else as JSON) and says so on stderr. */
export function writeResults(name, data) {
  fs.mkdirSync(resultsDir, { recursive: true });
  const file = path.join(resultsDir, name);
  fs.writeFileSync(file, typeof data === "string" ? data : `${JSON.stringify(data, null, 2)}\n`);
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
/** The Python sweep as kl.mjs result rows: impl "py <name> [tuned|plain]", runtime "python". */
export const pythonSweep = (py) =>
  (py?.runs ?? []).flatMap((run) =>
    run.sweep.map((r) => ({ ...r, impl: `py ${r.impl} [${pythonLabel(run)}]`, runtime: "python", run: run.label })));

/** What the results JSON records of a Chromium run (undefined without --browser). */
export const chromiumInfo = (run) => run && {
  version: run.chromium,
  userAgent: run.userAgent,
  backend: run.backend,
  crossOriginIsolated: run.crossOriginIsolated,
  sink: run.sink,
};
