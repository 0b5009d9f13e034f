// The distillation case: 64 rows × 32 000 logits, f32; KL value and gradient with respect to the
// student's logits, forward D(teacher‖student) and reverse D(student‖teacher), reduction "mean"
// (PyTorch's "batchmean"). klwasm (default, precision "fast", zero-copy, reference) against a
// naive JS loop and TensorFlow.js (cpu and wasm backends, tf.valueAndGrad of the explicit
// formula), in one Node process; median ms per call. PyTorch's rows come from
// bench/results/python.json (bench/peers/python.py) when it exists.
//
//   npm run bench:distill
//   npm run bench:distill -- --quick     # fewer runs (smoke test)
//   npm run bench:distill -- --browser   # also klwasm's value+grad cases in headless Chromium
//
// KLWASM_LIB=path/to/index.js benchmarks another build than ../dist/index.js (in Chromium too).
// --browser runs bench/distill-cases.mjs CHROMIUM_IMPLS on CHROMIUM_CASES (same logits, same
// timing) in Debian's Chromium after the Node cases (bench/chromium.mjs), rows labelled "(chromium)".
// Progress goes to stderr, the tables to stdout, the data to bench/results/distill.json.
import { fileURLToPath } from "node:url";
import {
  chromiumInfo,
  fmtRel, hasFlag, libUrl, loadLibrary, loadTfjs, log, logSoftmaxRow, machine, printTable, pythonLabel, pythonNote,
  readPythonResults, relDiff, tfWasmInfo, useTfBackend, writeResults,
} from "./common.mjs";
import { CASES, CHROMIUM_CASES, CHROMIUM_IMPLS, KLWASM_IMPLS, caseName, distillTiming, runCases } from "./distill-cases.mjs";
import { distillLogits, implLabel, sinkValue } from "./portable.mjs";
import { progressBar } from "./progress.mjs";

// tfjs-core's Node bundle registers no gradients; tfjs-core's own gradient definitions are
// loaded beside it (see bench/common.mjs loadTfjs). Without them tf.valueAndGrad throws
// "Cannot compute gradient: gradient function not found for Sum".
const tf = await loadTfjs({ gradients: true });
const { createKL, createKLPool, referenceKL } = await loadLibrary();
const kl = await createKL();
// The relaxed-SIMD build where this Node has it (npm run bench:distill passes the flag).
const relaxed = await createKL({ relaxed: true });
const relaxedKL = relaxed.backend === "wasm-relaxed-simd" ? relaxed : undefined;
const pool = await createKLPool({ threads: 2 });
if (kl.backend !== "wasm-simd") log(`WARNING: createKL() gave backend "${kl.backend}", not "wasm-simd"`);

const quick = hasFlag("--quick");
const browser = hasFlag("--browser");
const timing = distillTiming(quick);

const { teacher, student, rows, cols } = distillLogits();
const n = rows * cols;

// ---- naive JS: log-softmax both rows in f64, value and gradient by hand --------------------------
const lt = new Float64Array(cols);
const ls = new Float64Array(cols);
function naiveJS(direction, t, s, out) {
  let total = 0;
  for (let r = 0; r < rows; r++) {
    logSoftmaxRow(t, r, cols, lt);
    logSoftmaxRow(s, r, cols, ls);
    let d = 0;
    if (direction === "forward") { // Σ p·(log p − log q); ∂/∂s_i = q_i − p_i
      for (let i = 0; i < cols; i++) {
        const p = Math.exp(lt[i]);
        d += p * (lt[i] - ls[i]);
        if (out) out[r * cols + i] = (Math.exp(ls[i]) - p) / rows;
      }
    } else { // Σ q·(log q − log p); ∂/∂s_i = q_i·(log q_i − log p_i − D)
      for (let i = 0; i < cols; i++) d += Math.exp(ls[i]) * (ls[i] - lt[i]);
      if (out) for (let i = 0; i < cols; i++) out[r * cols + i] = (Math.exp(ls[i]) * (ls[i] - lt[i] - d)) / rows;
    }
    total += d;
  }
  return total / rows;
}

// ---- TensorFlow.js: the explicit formula, tf.valueAndGrad with respect to the student --------------
const tfLoss = {
  forward: (tt, ts) => {
    const a = tf.logSoftmax(tt);
    return tf.div(tf.sum(tf.mul(tf.exp(a), tf.sub(a, tf.logSoftmax(ts)))), rows);
  },
  reverse: (tt, ts) => {
    const b = tf.logSoftmax(ts);
    return tf.div(tf.sum(tf.mul(tf.exp(b), tf.sub(b, tf.logSoftmax(tt)))), rows);
  },
};
const tfjs = (backend) => async (_, { direction, withGrad }) => {
  await useTfBackend(tf, backend);
  const tt = tf.tensor2d(teacher, [rows, cols]);
  const ts = tf.tensor2d(student, [rows, cols]);
  const loss = (s) => tfLoss[direction](tt, s);
  const valueAndGrad = tf.valueAndGrad(loss);
  let grad;
  const run = withGrad
    ? () => tf.tidy(() => {
      const r = valueAndGrad(ts);
      grad = r.grad.dataSync(); // the gradient is read back into JS, as the others write it into a JS array
      return r.value.dataSync()[0];
    })
    : () => tf.tidy(() => loss(ts).dataSync()[0]);
  return { run, grad: () => grad, dispose: () => tf.dispose([tt, ts]) };
};

// ---- implementations: klwasm's from distill-cases.mjs (Chromium runs them too), then the peers ----
const naive = (_, { direction, withGrad }) => {
  const out = new Float32Array(n);
  return { run: () => naiveJS(direction, teacher, student, withGrad ? out : undefined), grad: () => out };
};
const IMPLS = [
  ...KLWASM_IMPLS,
  { name: "naive JS loop", setup: naive },
  { name: "tfjs-core cpu", setup: tfjs("cpu") },
  { name: "tfjs-core wasm", setup: tfjs("wasm") },
];

// ---- run ------------------------------------------------------------------------------------
const runnable = IMPLS.filter((impl) => impl.needs === undefined || { relaxedKL, pool }[impl.needs] !== undefined);
const progress = progressBar(runnable.length * CASES.length + (browser ? CHROMIUM_IMPLS.length * CHROMIUM_CASES.length : 0));
const events = {
  start: progress.start,
  warn: (w) => progress.note(`WARNING: ${w}`),
  done: (r) => progress.done(`${implLabel(r).padEnd(32)} ${caseName(r).padEnd(19)} ${r.ms.toFixed(2).padStart(9)} ms` +
    `  (${r.runs} runs × ${r.iters})  value ${r.value.toPrecision(10)}`),
};
const zeroCopyMemory = [];
const ctx = { kl, relaxedKL, pool, referenceKL, teacher, student, rows, cols, zeroCopyMemory };
const results = await runCases(IMPLS, CASES, ctx, { timing, runtime: "node", events });
await pool.terminate();
let chromium;
if (browser) {
  const { runInChromium } = await import("./chromium.mjs");
  chromium = await runInChromium("distill", { quick }, (kind, payload) => events[kind](payload));
  results.push(...chromium.results);
  zeroCopyMemory.push(...chromium.zeroCopyMemory.map((z) => ({ ...z, runtime: "chromium" })));
}
progress.end();
for (const r of results) {
  // The reference is the same bits in any runtime: Chromium's rows are compared with Node's.
  const ref = results.find((x) => x.impl === "klwasm reference" && x.direction === r.direction && x.withGrad === r.withGrad);
  r.relDiffVsReference = relDiff(r.value, ref.value);
}

// ---- report ----------------------------------------------------------------------------------
const python = readPythonResults();
const pyRows = (python?.runs ?? []).flatMap((run) =>
  [...new Set(run.distill.map((d) => d.impl))].map((impl) => ({ impl: `py ${impl} [${pythonLabel(run)}]`, run, key: impl })));
const pyFind = (row, c) =>
  row.run.distill.find((d) => d.impl === row.key && d.direction === c.direction && d.what === (c.withGrad ? "value+grad" : "value"));
const find = (label, c) => results.find((r) => implLabel(r) === label && r.direction === c.direction && r.withGrad === c.withGrad);
const labels = [...new Set(results.map(implLabel))]; // Node's, then Chromium's
const fmtMs = (x) => (x === undefined ? "—" : x < 10 ? x.toFixed(2) : x < 100 ? x.toFixed(1) : x.toFixed(0));

const os = machine();
printTable(`Distillation, ${rows} × ${cols} f32 logits, reduction "mean": median ms per call (lower is better); ` +
  `${os.cpu}, Node ${os.node}${chromium ? `, Chromium ${chromium.chromium}` : ""}`,
["ms per call", ...CASES.map(caseName)],
[
  ...labels.map((label) => [label, ...CASES.map((c) => fmtMs(find(label, c)?.ms))]),
  ...pyRows.map((row) => [row.impl, ...CASES.map((c) => fmtMs(pyFind(row, c)?.ms))]),
]);
console.log("tfjs: tf.valueAndGrad of sum(exp(log p)·(log p − log q)) / rows with tf.logSoftmax, tensors made once " +
  "outside the timing,\n  the gradient read back with dataSync; gradients from tfjs-core's own definitions " +
  "(dist/register_all_gradients.js), which\n  tfjs-core's Node bundle does not register (tf.valueAndGrad throws " +
  "without them; bench/tfjs-gradient-hooks.mjs loads them).");
if (python) {
  console.log(pythonNote(python));
  console.log(`py: PyTorch F.kl_div(F.log_softmax(student), F.log_softmax(teacher), log_target=True, reduction="batchmean")` +
    ` + backward; "value" under torch.no_grad(). Default torch threads here: ${python.runs[0]?.torchDefaultThreads}.`);
}

printTable("Agreement with klwasm reference: value, its relative difference, and the gradient's max|g − g_ref| / max|g_ref|\n" +
  "(g_ref: the reference's gradient computed in f64 from the same logits, so f32 rounding of the gradient shows as ~3e-8)",
  ["implementation", "forward value", "rel. diff", "grad diff", "reverse value", "rel. diff", "grad diff"],
  [
    ...labels.map((label) => {
      const f = find(label, CASES[0]);
      const r = find(label, CASES[1]);
      return [label, f.value.toPrecision(10), fmtRel(f.relDiffVsReference), fmtRel(f.gradDiff),
        r.value.toPrecision(10), fmtRel(r.relDiffVsReference), fmtRel(r.gradDiff)];
    }),
    ...pyRows.slice(0, 1).map((row) => {
      const [f, r] = [pyFind(row, CASES[0]), pyFind(row, CASES[1])];
      const ref = (c) => find("klwasm reference", c).value;
      return ["py PyTorch", f?.value.toPrecision(10) ?? "—", f ? fmtRel(relDiff(f.value, ref(CASES[0]))) : "—", "—",
        r?.value.toPrecision(10) ?? "—", r ? fmtRel(relDiff(r.value, ref(CASES[1]))) : "—", "—"];
    }),
  ]);
const values = results.filter((r) => !r.withGrad).map((r) => {
  const g = find(implLabel(r), { direction: r.direction, withGrad: true });
  return relDiff(r.value, g.value);
});
console.log(`value-only calls agree with the value+grad calls to ${fmtRel(Math.max(...values))} (largest relative difference)`);
const grown = zeroCopyMemory.filter((z) => z.after !== z.before);
if (grown.length) console.log(`WARNING: the zero-copy runs grew the memory: ${JSON.stringify(grown)}`);

writeResults("distill.json", {
  date: new Date().toISOString(),
  ...os,
  library: fileURLToPath(libUrl),
  backend: kl.backend,
  tfjsWasm: await tfWasmInfo(tf),
  tfjsGradients: "tfjs-core dist/register_all_gradients.js via bench/tfjs-gradient-hooks.mjs",
  quick,
  // With --browser: the Chromium rows' browser; their sink keeps the page's results observable.
  chromium: chromiumInfo(chromium),
  case: { rows, cols, dtype: "f32", space: "logits", reduction: "mean" },
  zeroCopyMemory,
  results,
  sink: sinkValue(),
});
