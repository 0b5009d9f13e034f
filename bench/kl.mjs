// Forward KL Σ p·log(p/q): klwasm against plain JS, ml-distance and TensorFlow.js,
// all in one Node process, median ns/element per (implementation, dtype, n).
//
//   npm run bench                      # n = 1e3 … 1e7, about 1 min on 2 cores
//   npm run bench -- --quick           # n ≤ 1e5, fewer runs (smoke test)
//   npm run bench -- --sizes 1e6,1e7   # chosen sizes
//   npm run bench -- --browser         # also klwasm and the naive loop in headless Chromium
//
// KLWASM_LIB=path/to/index.js benchmarks another build than ../dist/index.js (in Chromium too).
// --browser runs the same cases (bench/kl-cases.mjs CHROMIUM_IMPLS: same inputs, same timing) in
// Debian's Chromium after the Node ones (bench/chromium.mjs); their rows are labelled "(chromium)".
// Progress goes to stderr, the table to stdout, the data to bench/results/latest.json and its
// chart to bench/results/latest.svg (bench/chart.mjs; `node bench/chart.mjs` redraws it).
// When bench/results/python.json exists (bench/peers/python.py: SciPy, NumPy, PyTorch), its rows
// are printed in the table too, labelled "py" (measured separately, in another process).
import os from "node:os";
import { fileURLToPath } from "node:url";
import { distance } from "ml-distance";
import { klChart } from "./chart.mjs";
import {
  chromiumInfo,
  argValue, hasFlag, libUrl, loadLibrary, loadTfjs, log, printTable, pythonNote, pythonSweep, readPythonResults,
  tfWasmInfo, useTfBackend, writeResults,
} from "./common.mjs";
import {
  CHROMIUM_IMPLS, DTYPES, countCases, klSizes, klTiming, klwasmCopyIn, klwasmZeroCopy, naiveLoop, runCases,
} from "./kl-cases.mjs";
import { fmtN, implLabel, sinkValue } from "./portable.mjs";
import { progressBar } from "./progress.mjs";

const tf = await loadTfjs();
const { createKL, referenceKL } = await loadLibrary();

// ---- options ----------------------------------------------------------------
const quick = hasFlag("--quick");
const browser = hasFlag("--browser");
const sizes = argValue("--sizes")?.split(",").map(Number) ?? klSizes(quick);
if (!sizes.every((n) => Number.isInteger(n) && n > 0)) {
  throw new Error(`bad --sizes: ${argValue("--sizes")}`);
}
const timing = klTiming(quick);
const RATIO_N = sizes.includes(1e6) ? 1e6 : Math.max(...sizes.filter((n) => n <= 1e6), sizes[0]);

// ---- implementations -------------------------------------------------------------
const t0 = performance.now();
const kl = await createKL();
const setupMs = { createKL: performance.now() - t0 };
const t1 = performance.now();
const klScalar = await createKL({ simd: false });
setupMs.createKLScalar = performance.now() - t1;
if (kl.backend !== "wasm-simd") log(`WARNING: createKL() gave backend "${kl.backend}", not "wasm-simd"`);
if (klScalar.backend !== "wasm") log(`WARNING: createKL({ simd: false }) gave backend "${klScalar.backend}"`);
// The relaxed-SIMD build, where this Node has it (npm run bench passes the flag).
const klRelaxed = await createKL({ relaxed: true });
const relaxedImpls = klRelaxed.backend === "wasm-relaxed-simd"
  ? [
    { name: "klwasm relaxed-simd copy-in", setup: ({ p, q }) => ({ run: () => klRelaxed.kl(p, q) }) },
    { name: "klwasm relaxed-simd zero-copy", setup: ({ p, q }) => klwasmZeroCopy.setup({ kl: klRelaxed, p, q }) },
  ]
  : [];
if (relaxedImpls.length === 0) log("relaxed SIMD is off in this Node: run with --experimental-wasm-relaxed-simd for its rows");

const tfBackend = (name) => async ({ p, q }) => {
  await useTfBackend(tf, name);
  const tp = tf.tensor1d(p);
  const tq = tf.tensor1d(q);
  return {
    run: () => tf.tidy(() => tf.sum(tf.mul(tp, tf.log(tf.div(tp, tq)))).dataSync()[0]),
    dispose: () => tf.dispose([tp, tq]),
  };
};

// The cases Chromium runs too come from kl-cases.mjs; the rest exist in Node only.
const IMPLS = [
  klwasmCopyIn,
  klwasmZeroCopy,
  ...relaxedImpls,
  { name: "klwasm scalar copy-in", setup: ({ p, q }) => ({ run: () => klScalar.kl(p, q) }) },
  { name: "klwasm reference", maxN: 1e6, setup: ({ p, q }) => ({ run: () => referenceKL.kl(p, q) }) },
  naiveLoop,
  { name: "ml-distance", setup: ({ p, q }) => ({ run: () => distance.kullbackLeibler(p, q) }) },
  { name: "tfjs-core cpu", dtypes: ["f32"], setup: tfBackend("cpu") },
  { name: "tfjs-core wasm", dtypes: ["f32"], setup: tfBackend("wasm") },
];

// ---- run ----------------------------------------------------------------------------
const progress = progressBar(countCases(IMPLS, sizes) + (browser ? countCases(CHROMIUM_IMPLS, sizes) : 0));
const events = {
  start: progress.start,
  warn: (w) => progress.note(`WARNING: ${w}`),
  done: (r) => progress.done(`${`${implLabel(r)} ${r.dtype}`.padEnd(36)} n=${fmtN(r.n).padEnd(5)} ` +
    `${r.nsPerElement.toFixed(3).padStart(9)} ns/el  (${r.runs} runs × ${r.iters})`),
};
const { results, warnings } = await runCases(IMPLS, { kl, sizes, timing, runtime: "node", events });
let chromium;
if (browser) {
  const { runInChromium } = await import("./chromium.mjs");
  chromium = await runInChromium("kl", { sizes, quick }, (kind, payload) => events[kind](payload));
  warnings.push(...chromium.warnings);
}
progress.end();
const measured = [...results, ...(chromium?.results ?? [])];

// ---- report ---------------------------------------------------------------------
const find = (impl, dtype, n, runtime = "node") =>
  measured.find((r) => r.impl === impl && r.runtime === runtime && r.dtype === dtype && r.n === n);
const fmt = (x) => (x === undefined ? "—" : x < 10 ? x.toFixed(2) : x < 100 ? x.toFixed(1) : x.toFixed(0));
// One row per label and dtype: Node's, Chromium's, then those of bench/results/python.json
// (bench/peers/python.py) when it exists. "n/a": no such dtype; "—": not at this size.
const python = readPythonResults();
const table = [...measured, ...pythonSweep(python)];
const rows = DTYPES.flatMap((dtype) => [...new Set(table.map(implLabel))].map((label) => {
  const series = table.filter((r) => implLabel(r) === label && r.dtype === dtype);
  return [`${label} ${dtype}`, ...sizes.map((n) => (series.length ? fmt(series.find((r) => r.n === n)?.nsPerElement) : "n/a"))];
}));
printTable(`Forward KL, median ns/element (lower is better); ${os.cpus()[0]?.model}, Node ${process.version}` +
  (chromium ? `, Chromium ${chromium.chromium}` : ""), ["ns/element", ...sizes.map((n) => `n=${fmtN(n)}`)], rows);
if (python) console.log(pythonNote(python));

const ratios = [];
for (const dtype of DTYPES) {
  for (const ours of [klwasmCopyIn.name, klwasmZeroCopy.name]) {
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
printTable(`klwasm SIMD speed-up at n=${fmtN(RATIO_N)} (peer time / klwasm time)`, ["peer", ...ratioCols], ratioRows);

const chromiumVsNode = chromium && DTYPES.flatMap((dtype) => CHROMIUM_IMPLS.map(({ name }) => {
  const [node, browserRow] = [find(name, dtype, RATIO_N), find(name, dtype, RATIO_N, "chromium")];
  return { dtype, n: RATIO_N, impl: name, node: node?.nsPerElement, chromium: browserRow?.nsPerElement,
    ratio: browserRow?.nsPerElement / node?.nsPerElement };
}));
if (chromium) {
  printTable(`Chromium against Node at n=${fmtN(RATIO_N)}, ns/element (ratio: Chromium time / Node time)`,
    ["implementation", "Node", "Chromium", "ratio"],
    chromiumVsNode.map((r) => [`${r.impl} ${r.dtype}`, fmt(r.node), fmt(r.chromium), `${r.ratio.toFixed(2)}x`]));
}
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
  // With --browser: the Chromium rows' browser; their sink keeps the page's results observable.
  chromium: chromiumInfo(chromium),
  results: measured,
  ratios,
  chromiumVsNode,
  warnings,
  sink: sinkValue(), // keeps the summed results observable
};
writeResults("latest.json", out);
writeResults("latest.svg", klChart(out, python));
