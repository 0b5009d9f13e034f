// Forward KL Σ p·log(p/q): klwasm against plain JS, ml-distance and TensorFlow.js,
// all in one Node process, median ns/element per (implementation, dtype, n).
//
//   npm run bench                      # n = 1e3 … 1e7, about 1 min on 2 cores
//   npm run bench -- --quick           # n ≤ 1e5, fewer runs (smoke test)
//   npm run bench -- --sizes 1e6,1e7   # chosen sizes
//
// KLWASM_LIB=path/to/index.js benchmarks another build than ../dist/index.js.
// Progress goes to stderr, the table to stdout, the data to bench/results/latest.json.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";
import { distance } from "ml-distance";
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import { setWasmPaths } from "@tensorflow/tfjs-backend-wasm";

const libUrl = process.env.KLWASM_LIB
  ? pathToFileURL(path.resolve(process.env.KLWASM_LIB)).href
  : new URL("../dist/index.js", import.meta.url).href;
const { createKL, referenceKL } = await import(libUrl);

// ---- options ----------------------------------------------------------------
const argv = process.argv.slice(2);
const argValue = (name) => {
  const i = argv.findIndex((a) => a === name || a.startsWith(`${name}=`));
  return i < 0 ? undefined : argv[i].includes("=") ? argv[i].split("=")[1] : argv[i + 1];
};
const quick = argv.includes("--quick");
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
const log = (msg) => process.stderr.write(`${msg}\n`);

// ---- timing -------------------------------------------------------------------
let sink = 0; // every result is consumed, so no call can be optimised away
function timeBatch(fn, iters) {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < iters; i++) sink += fn();
  return Number(process.hrtime.bigint() - t0);
}
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
/** Median ns/element of fn over runs of ≥ minRunMs each, after calibration and warm-up. */
function measure(fn, n, n_runs) {
  const { minRunMs, warmupMs, budgetMs } = timing;
  let iters = 1;
  let ns = timeBatch(fn, iters);
  let spent = ns;
  while (ns < minRunMs * 1e6) { // calibration doubles the batch; it is also warm-up
    iters *= 2;
    ns = timeBatch(fn, iters);
    spent += ns;
  }
  while (spent < warmupMs * 1e6) spent += timeBatch(fn, iters);
  // Slow cases (tfjs-cpu at 1e7: ~1 s per call) get fewer runs, never fewer than 3.
  const runs = Math.max(3, Math.min(n_runs, Math.floor((budgetMs * 1e6) / ns)));
  const samples = Array.from({ length: runs }, () => timeBatch(fn, iters) / iters / n);
  return { nsPerElement: median(samples), runs, iters };
}

// ---- inputs -----------------------------------------------------------------------
function mulberry32(seed) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
function randomDistribution(n, rand) {
  const v = new Float64Array(n);
  let s = 0;
  for (let i = 0; i < n; i++) s += v[i] = rand() + 1e-6; // strictly positive
  for (let i = 0; i < n; i++) v[i] /= s;
  return v;
}

// ---- implementations -------------------------------------------------------------
const t0 = performance.now();
const kl = await createKL();
const setupMs = { createKL: performance.now() - t0 };
const t1 = performance.now();
const klScalar = await createKL({ simd: false });
setupMs.createKLScalar = performance.now() - t1;
if (kl.backend !== "wasm-simd") log(`WARNING: createKL() gave backend "${kl.backend}", not "wasm-simd"`);
if (klScalar.backend !== "wasm") log(`WARNING: createKL({ simd: false }) gave backend "${klScalar.backend}"`);

tf.enableProdMode(); // silences tfjs' console warnings; changes no kernel
setWasmPaths(path.dirname(createRequire(import.meta.url).resolve("@tensorflow/tfjs-backend-wasm")) + "/");
const tfBackend = (name) => async (p, q) => {
  if (!(await tf.setBackend(name))) throw new Error(`tfjs backend ${name} failed to initialise`);
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

/** kl.alloc views of the arrays' shapes, with room reserved first so no alloc detaches another. */
function allocViews(kl, arrays) {
  kl.reserve(arrays.reduce((bytes, a) => bytes + a.byteLength + 16, 0));
  return arrays.map((a) => kl.alloc(a.length, a.constructor));
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
      const m = measure(run, n, timing.runs(n));
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
const rows = ["f64", "f32"].flatMap((dtype) =>
  IMPLS.map((impl) => [
    `${impl.name} ${dtype}`,
    ...sizes.map((n) =>
      (impl.dtypes ?? ["f64", "f32"]).includes(dtype) ? fmt(find(impl.name, dtype, n)?.nsPerElement) : "n/a"),
  ]));
function printTable(title, head, body) {
  const widths = head.map((_, c) => Math.max(...[head, ...body].map((r) => r[c].length)));
  const line = (r) => r.map((cell, c) => (c ? cell.padStart(widths[c]) : cell.padEnd(widths[c]))).join("  ");
  console.log(`\n${title}\n${line(head)}\n${widths.map((w) => "-".repeat(w)).join("  ")}`);
  for (const r of body) console.log(line(r));
}
printTable(`Forward KL, median ns/element (lower is better); ${os.cpus()[0]?.model}, Node ${process.version}`,
  header, rows);

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
  tfjsWasm: {
    simd: await tf.env().getAsync("WASM_HAS_SIMD_SUPPORT"),
    threads: await tf.env().getAsync("WASM_HAS_MULTITHREAD_SUPPORT"),
  },
  quick,
  setupMs,
  results,
  ratios,
  warnings,
  sink, // keeps the summed results observable
};
const outDir = path.join(path.dirname(fileURLToPath(import.meta.url)), "results");
fs.mkdirSync(outDir, { recursive: true });
fs.writeFileSync(path.join(outDir, "latest.json"), `${JSON.stringify(out, null, 2)}\n`);
log(`wrote ${path.relative(process.cwd(), path.join(outDir, "latest.json"))}`);
