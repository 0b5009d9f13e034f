// Forward KL Σ p·log(p/q): klwasm against plain JS, ml-distance and TensorFlow.js,
// all in one Node process, median ns/element per (implementation, dtype, n).
//
//   npm run bench                      # n = 1e3 … 1e7, about 1 min on 2 cores
//   npm run bench -- --quick           # n ≤ 1e5, fewer runs (smoke test)
//   npm run bench -- --sizes 1e6,1e7   # chosen sizes
//
// KLWASM_LIB=path/to/index.js benchmarks another build than ../dist/index.js.
// Progress goes to stderr, the table to stdout, the data to bench/results/latest.json.
// When bench/results/python.json exists (bench/peers/python.py: SciPy, NumPy, PyTorch), its rows
// are printed in the table too, labelled "py" (measured separately, in another process).
import os from "node:os";
import { fileURLToPath } from "node:url";
import { distance } from "ml-distance";
import {
  allocViews, argValue, hasFlag, libUrl, loadLibrary, loadTfjs, log, measure, mulberry32, printTable,
  pythonLabel, pythonNote, randomDistribution, readPythonResults, sinkValue, tfWasmInfo, useTfBackend,
  writeResults,
} from "./common.mjs";

const tf = await loadTfjs();
const { createKL, referenceKL } = await loadLibrary();

// ---- options ----------------------------------------------------------------
const quick = hasFlag("--quick");
const sizes = argValue("--sizes")?.split(",").map(Number) ??
  (quick ? [1e3, 1e4, 1e5] : [1e3, 1e4, 1e5, 1e6, 1e7]);
if (!sizes.every((n) => Number.isInteger(n) && n > 0)) {
  throw new Error(`bad --sizes: ${argValue("--sizes")}`);
}
const timing = quick
  ? { runs: () => 5, minRunMs: 10, warmupMs: 20, budgetMs: 1000 }
  : { runs: (n) => (n >= 1e7 ? 5 : 11), minRunMs: 20, warmupMs: 100, budgetMs: 8000 };
const RATIO_N = sizes.includes(1e6) ? 1e6 : Math.max(...sizes.filter((n) => n <= 1e6), sizes[0]);
const TOL = { f64: 1e-9, f32: 1e-4 };

// ---- implementations -------------------------------------------------------------
const t0 = performance.now();
const kl = await createKL();
const setupMs = { createKL: performance.now() - t0 };
const t1 = performance.now();
const klScalar = await createKL({ simd: false });
setupMs.createKLScalar = performance.now() - t1;
if (kl.backend !== "wasm-simd") log(`WARNING: createKL() gave backend "${kl.backend}", not "wasm-simd"`);
if (klScalar.backend !== "wasm") log(`WARNING: createKL({ simd: false }) gave backend "${klScalar.backend}"`);

const tfBackend = (name) => async (p, q) => {
  await useTfBackend(tf, name);
  const tp = tf.tensor1d(p);
  const tq = tf.tensor1d(q);
  return {
    run: () => tf.tidy(() => tf.sum(tf.mul(tp, tf.log(tf.div(tp, tq)))).dataSync()[0]),
    dispose: () => tf.dispose([tp, tq]),
  };
};

function naiveJS(p, q) {
  const n = p.length;
  let s = 0;
  for (let i = 0; i < n; i++) s += p[i] * Math.log(p[i] / q[i]);
  return s;
}

// setup(p, q) → { run: () => number, dispose? }; dtypes default to both, maxN to ∞.
const IMPLS = [
  { name: "klwasm simd copy-in", setup: (p, q) => ({ run: () => kl.kl(p, q) }) },
  {
    name: "klwasm simd zero-copy",
    setup: (p, q) => {
      const [pv, qv] = allocViews(kl, [p, q]);
      pv.set(p);
      qv.set(q);
      return { run: () => kl.kl(pv, qv), dispose: () => (kl.free(pv), kl.free(qv)) };
    },
  },
  { name: "klwasm scalar copy-in", setup: (p, q) => ({ run: () => klScalar.kl(p, q) }) },
  { name: "klwasm reference", maxN: 1e6, setup: (p, q) => ({ run: () => referenceKL.kl(p, q) }) },
  { name: "naive JS loop", setup: (p, q) => ({ run: () => naiveJS(p, q) }) },
  { name: "ml-distance", setup: (p, q) => ({ run: () => distance.kullbackLeibler(p, q) }) },
  { name: "tfjs-core cpu", dtypes: ["f32"], setup: tfBackend("cpu") },
  { name: "tfjs-core wasm", dtypes: ["f32"], setup: tfBackend("wasm") },
];

// ---- run ----------------------------------------------------------------------------
const results = [];
const warnings = [];
const rand = mulberry32(0x5eed);
for (const n of sizes) {
  const p64 = randomDistribution(n, rand);
  const q64 = randomDistribution(n, rand);
  for (const dtype of ["f64", "f32"]) {
    const p = dtype === "f64" ? p64 : Float32Array.from(p64);
    const q = dtype === "f64" ? q64 : Float32Array.from(q64);
    const expected = naiveJS(p, q); // in f64 arithmetic on the same (rounded) inputs
    for (const impl of IMPLS) {
      if (!(impl.dtypes ?? ["f64", "f32"]).includes(dtype) || n > (impl.maxN ?? Infinity)) continue;
      const { run, dispose } = await impl.setup(p, q);
      const value = run();
      const relErr = Math.abs(value - expected) / Math.abs(expected);
      if (!(relErr <= TOL[dtype])) {
        const w = `${impl.name} ${dtype} n=${n}: ${value} vs ${expected} (rel. error ${relErr.toExponential(2)})`;
        warnings.push(w);
        log(`WARNING: ${w}`);
      }
      const m = measure(run, n, timing.runs(n), timing);
      dispose?.();
      results.push({ impl: impl.name, dtype, n, nsPerElement: m.nsPerElement, runs: m.runs, iters: m.iters, value });
      log(`${impl.name.padEnd(22)} ${dtype} n=${n.toExponential(0).padEnd(4)} ` +
        `${m.nsPerElement.toFixed(3).padStart(9)} ns/el  (${m.runs} runs × ${m.iters})`);
    }
  }
}

// ---- report ---------------------------------------------------------------------
const find = (impl, dtype, n) => results.find((r) => r.impl === impl && r.dtype === dtype && r.n === n);
const fmt = (x) => (x === undefined ? "—" : x < 10 ? x.toFixed(2) : x < 100 ? x.toFixed(1) : x.toFixed(0));
const header = ["ns/element", ...sizes.map((n) => `n=${n.toExponential(0)}`)];
// Rows of bench/results/python.json (bench/peers/python.py), when it exists, after each dtype's own.
const python = readPythonResults();
const pythonRows = (dtype) =>
  (python?.runs ?? []).flatMap((run) =>
    [...new Set(run.sweep.map((r) => r.impl))].map((impl) => [
      `py ${impl} ${dtype} [${pythonLabel(run)}]`,
      ...sizes.map((n) => fmt(run.sweep.find((r) => r.impl === impl && r.dtype === dtype && r.n === n)?.nsPerElement)),
    ]));
const rows = ["f64", "f32"].flatMap((dtype) => [
  ...IMPLS.map((impl) => [
    `${impl.name} ${dtype}`,
    ...sizes.map((n) =>
      (impl.dtypes ?? ["f64", "f32"]).includes(dtype) ? fmt(find(impl.name, dtype, n)?.nsPerElement) : "n/a"),
  ]),
  ...pythonRows(dtype),
]);
printTable(`Forward KL, median ns/element (lower is better); ${os.cpus()[0]?.model}, Node ${process.version}`,
  header, rows);
if (python) console.log(pythonNote(python));

const ratios = [];
for (const dtype of ["f64", "f32"]) {
  for (const ours of ["klwasm simd copy-in", "klwasm simd zero-copy"]) {
    const base = find(ours, dtype, RATIO_N);
    if (!base) continue;
    for (const peer of results.filter((r) => r.dtype === dtype && r.n === RATIO_N && !r.impl.startsWith("klwasm simd"))) {
      ratios.push({ dtype, n: RATIO_N, klwasm: ours, peer: peer.impl, ratio: peer.nsPerElement / base.nsPerElement });
    }
  }
}
const ratioCol = (r) => `${r.klwasm.replace("klwasm simd ", "")} ${r.dtype}`;
const ratioCols = [...new Set(ratios.map(ratioCol))];
const ratioRows = [...new Set(ratios.map((r) => r.peer))].map((peer) => [
  peer,
  ...ratioCols.map((col) => {
    const r = ratios.find((x) => x.peer === peer && ratioCol(x) === col);
    return r ? `${r.ratio.toFixed(2)}x` : "n/a";
  }),
]);
printTable(`klwasm SIMD speed-up at n=${RATIO_N.toExponential(0)} (peer time / klwasm time)`, ["peer", ...ratioCols], ratioRows);
console.log(`\ncreateKL() setup: ${setupMs.createKL.toFixed(1)} ms (simd), ${setupMs.createKLScalar.toFixed(1)} ms (scalar)`);
if (warnings.length) console.log(`\n${warnings.length} value mismatch warning(s); see stderr / latest.json`);

const out = {
  date: new Date().toISOString(),
  node: process.version,
  os: `${os.type()} ${os.release()} ${os.arch()}`,
  cpu: os.cpus()[0]?.model,
  nproc: os.availableParallelism?.() ?? os.cpus().length,
  library: fileURLToPath(libUrl),
  backend: kl.backend,
  tfjsWasm: await tfWasmInfo(tf),
  quick,
  setupMs,
  results,
  ratios,
  warnings,
  sink: sinkValue(), // keeps the summed results observable
};
writeResults("latest.json", out);
