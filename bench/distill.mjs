// The distillation case: 64 rows × 32 000 logits, f32; KL value and gradient with respect to the
// student's logits, forward D(teacher‖student) and reverse D(student‖teacher), reduction "mean"
// (PyTorch's "batchmean"). klwasm (default, precision "fast", zero-copy, reference) against a
// naive JS loop and TensorFlow.js (cpu and wasm backends, tf.valueAndGrad of the explicit
// formula), in one Node process; median ms per call. PyTorch's rows come from
// bench/results/python.json (bench/peers/python.py) when it exists.
//
//   npm run bench:distill
//   npm run bench:distill -- --quick     # fewer runs (smoke test)
//
// KLWASM_LIB=path/to/index.js benchmarks another build than ../dist/index.js.
// Progress goes to stderr, the tables to stdout, the data to bench/results/distill.json.
import { fileURLToPath } from "node:url";
import {
  allocViews, distillLogits, fmtRel, hasFlag, libUrl, loadLibrary, loadTfjs, log, logSoftmaxRow, machine, measureCall,
  printTable, pythonLabel, pythonNote, readPythonResults, relDiff, sinkValue, tfWasmInfo, useTfBackend,
  writeResults,
} from "./common.mjs";

// tfjs-core's Node bundle registers no gradients; tfjs-core's own gradient definitions are
// loaded beside it (see bench/common.mjs loadTfjs). Without them tf.valueAndGrad throws
// "Cannot compute gradient: gradient function not found for Sum".
const tf = await loadTfjs({ gradients: true });
const { createKL, referenceKL } = await loadLibrary();
const kl = await createKL();
if (kl.backend !== "wasm-simd") log(`WARNING: createKL() gave backend "${kl.backend}", not "wasm-simd"`);

const quick = hasFlag("--quick");
const timing = quick
  ? { maxRuns: 5, minRunMs: 10, warmupMs: 20, budgetMs: 1500 }
  : { maxRuns: 15, minRunMs: 20, warmupMs: 200, budgetMs: 6000 };

const { teacher, student, rows, cols } = distillLogits();
const n = rows * cols;
const base = { rows, space: "logits", reduction: "mean" };

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
const tfjs = (backend) => async (direction, withGrad) => {
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

// ---- implementations: setup(direction, withGrad) → { run: () => value, grad?: () => array, dispose? }
const klwasmCopy = (engine, extra = {}) => (direction, withGrad) => {
  const out = new Float32Array(n);
  const options = { ...base, ...extra, out };
  if (!withGrad) return { run: () => engine[direction](teacher, student, { ...base, ...extra }) };
  const call = direction === "forward" ? engine.forwardGrad.bind(engine) : engine.reverseGrad.bind(engine);
  return { run: () => call(teacher, student, options).value, grad: () => out };
};
const zeroCopyMemory = [];
const klwasmZeroCopy = (extra = {}) => (direction, withGrad) => {
  // Room for the three views and the call's scratch, so that no call grows (and detaches) them:
  // by default f32 logits run in f64 lanes, and the call stages f64 copies of both inputs and
  // an f64 gradient (24 bytes per element, measured as memoryBytes() growth of a copy-in call).
  const [tv, sv, ov] = allocViews(kl, [teacher, student, new Float32Array(n)], 24 * n);
  tv.set(teacher);
  sv.set(student);
  const before = kl.memoryBytes();
  const options = { ...base, ...extra, out: ov };
  const run = withGrad
    ? direction === "forward" ? () => kl.forwardGrad(tv, sv, options).value : () => kl.reverseGrad(tv, sv, options).value
    : () => kl[direction](tv, sv, { ...base, ...extra });
  return {
    run,
    grad: () => ov,
    dispose: () => {
      zeroCopyMemory.push({ ...extra, direction, withGrad, before, after: kl.memoryBytes() });
      kl.free(tv), kl.free(sv), kl.free(ov);
    },
  };
};
const naive = (direction, withGrad) => {
  const out = new Float32Array(n);
  return { run: () => naiveJS(direction, teacher, student, withGrad ? out : undefined), grad: () => out };
};

const IMPLS = [
  { name: "klwasm default", setup: klwasmCopy(kl) },
  { name: "klwasm precision:fast", setup: klwasmCopy(kl, { precision: "fast" }) },
  { name: "klwasm zero-copy", setup: klwasmZeroCopy() },
  { name: "klwasm zero-copy fast", setup: klwasmZeroCopy({ precision: "fast" }) },
  { name: "klwasm reference", setup: klwasmCopy(referenceKL) },
  { name: "naive JS loop", setup: naive },
  { name: "tfjs-core cpu", setup: tfjs("cpu") },
  { name: "tfjs-core wasm", setup: tfjs("wasm") },
];
const CASES = [
  { direction: "forward", withGrad: true },
  { direction: "reverse", withGrad: true },
  { direction: "forward", withGrad: false },
  { direction: "reverse", withGrad: false },
];
const caseName = (c) => `${c.direction} ${c.withGrad ? "value+grad" : "value"}`;

// ---- run ------------------------------------------------------------------------------------
const results = [];
const referenceGrad = Object.fromEntries(["forward", "reverse"].map((direction) => {
  const out = new Float64Array(n);
  referenceKL[`${direction}Grad`](Float64Array.from(teacher), Float64Array.from(student), { ...base, out });
  return [direction, out]; // computed in f64 from the same logits: the gradients' yardstick
}));
for (const impl of IMPLS) {
  for (const c of CASES) {
    const { run, grad, dispose } = await impl.setup(c.direction, c.withGrad);
    const value = run();
    let gradDiff;
    if (c.withGrad) {
      const g = grad();
      const ref = referenceGrad[c.direction];
      let maxDiff = 0;
      let maxRef = 0;
      for (let i = 0; i < n; i++) {
        maxDiff = Math.max(maxDiff, Math.abs(g[i] - ref[i]));
        maxRef = Math.max(maxRef, Math.abs(ref[i]));
      }
      gradDiff = maxDiff / maxRef; // max |g − g_ref| / max |g_ref|, g_ref in f64
    }
    const m = measureCall(run, timing.maxRuns, timing);
    dispose?.();
    results.push({ impl: impl.name, ...c, ms: m.nsPerCall / 1e6, runs: m.runs, iters: m.iters, value, gradDiff });
    log(`${impl.name.padEnd(22)} ${caseName(c).padEnd(19)} ${(m.nsPerCall / 1e6).toFixed(2).padStart(9)} ms` +
      `  (${m.runs} runs × ${m.iters})  value ${value.toPrecision(10)}`);
  }
}
for (const r of results) {
  const ref = results.find((x) => x.impl === "klwasm reference" && x.direction === r.direction && x.withGrad === r.withGrad);
  r.relDiffVsReference = relDiff(r.value, ref.value);
}

// ---- report ----------------------------------------------------------------------------------
const python = readPythonResults();
const pyRows = (python?.runs ?? []).flatMap((run) =>
  [...new Set(run.distill.map((d) => d.impl))].map((impl) => ({ impl: `py ${impl} [${pythonLabel(run)}]`, run, key: impl })));
const pyFind = (row, c) =>
  row.run.distill.find((d) => d.impl === row.key && d.direction === c.direction && d.what === (c.withGrad ? "value+grad" : "value"));
const find = (impl, c) => results.find((r) => r.impl === impl && r.direction === c.direction && r.withGrad === c.withGrad);
const fmtMs = (x) => (x === undefined ? "—" : x < 10 ? x.toFixed(2) : x < 100 ? x.toFixed(1) : x.toFixed(0));

const os = machine();
printTable(`Distillation, ${rows} × ${cols} f32 logits, reduction "mean": median ms per call (lower is better); ` +
  `${os.cpu}, Node ${os.node}`,
["ms per call", ...CASES.map(caseName)],
[
  ...IMPLS.map((impl) => [impl.name, ...CASES.map((c) => fmtMs(find(impl.name, c)?.ms))]),
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
    ...IMPLS.map((impl) => {
      const f = find(impl.name, CASES[0]);
      const r = find(impl.name, CASES[1]);
      return [impl.name, f.value.toPrecision(10), fmtRel(f.relDiffVsReference), fmtRel(f.gradDiff),
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
  const g = find(r.impl, { direction: r.direction, withGrad: true });
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
  case: { rows, cols, dtype: "f32", space: "logits", reduction: "mean" },
  zeroCopyMemory,
  results,
  sink: sinkValue(),
});
