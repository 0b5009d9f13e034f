// Accuracy of Σ p·log(p/q) against exact values: klwasm (default, precision "fast", scalar
// build, reference) and peers (naive JS loop, ml-distance, TensorFlow.js cpu and wasm) on the
// recipes of tests/fixtures/exact.json (50-digit mpmath values of the exact divergence of the
// given floating-point inputs, rebuilt bit for bit by tests/exact-inputs.mjs); then the forward
// KL of the distillation case (64 × 32 000 f32 logits), compared with the reference.
//
//   npm run bench:accuracy
//
// KLWASM_LIB=path/to/index.js checks another build than ../dist/index.js.
// The tables go to stdout, the data to bench/results/accuracy.json.
import fs from "node:fs";
import { fileURLToPath } from "node:url";
import { distance } from "ml-distance";
import { klInputs } from "../tests/exact-inputs.mjs";
import {
  fmtRel, libUrl, loadLibrary, loadTfjs, log, logSoftmaxRow, machine, printTable, pythonLabel, readPythonResults,
  relDiff, tfWasmInfo, useTfBackend, writeResults,
} from "./common.mjs";
import { DISTILL, distillLogits } from "./portable.mjs";

const tf = await loadTfjs();
const { createKL, referenceKL } = await loadLibrary();
const kl = await createKL();
const klScalar = await createKL({ simd: false });
if (kl.backend !== "wasm-simd") log(`WARNING: createKL() gave backend "${kl.backend}", not "wasm-simd"`);
if (klScalar.backend !== "wasm") log(`WARNING: createKL({ simd: false }) gave backend "${klScalar.backend}"`);

const { kl: recipes } = JSON.parse(fs.readFileSync(new URL("../tests/fixtures/exact.json", import.meta.url), "utf8"));

function naiveJS(p, q) {
  let s = 0;
  for (let i = 0; i < p.length; i++) if (p[i] !== 0) s += p[i] * Math.log(p[i] / q[i]);
  return s;
}
/** tfjs' explicit formula in f32 (tfjs has no f64 tensors: f64 inputs are rounded to f32 first). */
const tfjsKL = (p, q) =>
  tf.tidy(() => {
    const tp = tf.tensor1d(Float32Array.from(p));
    const tq = tf.tensor1d(Float32Array.from(q));
    return tf.sum(tf.mul(tp, tf.log(tf.div(tp, tq)))).dataSync()[0];
  });

const IMPLS = [
  { name: "klwasm default", run: (p, q) => kl.kl(p, q) },
  { name: "klwasm precision:fast", run: (p, q) => kl.kl(p, q, { precision: "fast" }) },
  { name: "klwasm scalar build", run: (p, q) => klScalar.kl(p, q) },
  { name: "klwasm reference", run: (p, q) => referenceKL.kl(p, q) },
  { name: "naive JS loop", run: naiveJS },
  { name: "ml-distance", run: (p, q) => distance.kullbackLeibler(p, q) },
  { name: "tfjs-core cpu", backend: "cpu", run: tfjsKL, f32Only: true },
  { name: "tfjs-core wasm", backend: "wasm", run: tfjsKL, f32Only: true },
];

// ---- exact recipes ------------------------------------------------------------------------
const results = [];
const inputs = recipes.map((r) => klInputs(r));
for (const impl of IMPLS) {
  if (impl.backend) await useTfBackend(tf, impl.backend);
  recipes.forEach((recipe, i) => {
    const [p, q] = inputs[i];
    const dtype = recipe.f32 ? "f32" : "f64";
    const value = impl.run(p, q);
    results.push({
      impl: impl.name, recipe: recipe.name, dtype, n: recipe.n, value, exact: recipe.exact,
      relError: relDiff(value, recipe.exact), ...(impl.f32Only && !recipe.f32 ? { inputsRoundedToF32: true } : {}),
    });
  });
}

const shortName = (name) => name.replace("near-identical ", "near ").replace("wide range", "wide");
for (const dtype of ["f64", "f32"]) {
  const cases = recipes.filter((r) => (r.f32 ? "f32" : "f64") === dtype);
  const head = [`rel. error, ${dtype} inputs`, ...cases.map((r) => shortName(r.name))];
  const body = IMPLS.map((impl) => [
    `${impl.name}${impl.f32Only && dtype === "f64" ? " *" : ""}`,
    ...cases.map((r) => fmtRel(results.find((x) => x.impl === impl.name && x.recipe === r.name && x.dtype === dtype)?.relError)),
  ]);
  body.push(["exact value", ...cases.map((r) => r.exact.toPrecision(3))]);
  printTable(`Σ p·log(p/q) against 50-digit exact values (tests/fixtures/exact.json), ${dtype} recipes, n = ` +
    `${[...new Set(cases.map((r) => r.n))].join("/")}`, head, body);
  if (dtype === "f64") {
    console.log("* tfjs has no f64 tensors: it gets the f64 inputs rounded to f32 and computes in f32, so its error " +
      "includes that rounding.\n  \"near 1e-k\": Q = P·(1 ± 1e-k) renormalised; near 1e-7 … 1e-9 the exact divergence " +
      "is negative (P and Q sum to 1 only up to rounding).");
  } else {
    console.log("f32 recipes: the exact value is that of the f32 inputs (computed in exact arithmetic).");
  }
}

// ---- distillation: forward KL of 64 × 32 000 f32 logits ------------------------------------------
const { teacher, student, rows, cols } = distillLogits();
function naiveDistillJS(t, s) { // f64 log-softmax of both rows, then Σ p·(log p − log q), mean over rows
  let total = 0;
  const lt = new Float64Array(cols);
  const ls = new Float64Array(cols);
  for (let r = 0; r < rows; r++) {
    logSoftmaxRow(t, r, cols, lt);
    logSoftmaxRow(s, r, cols, ls);
    for (let i = 0; i < cols; i++) total += Math.exp(lt[i]) * (lt[i] - ls[i]);
  }
  return total / rows;
}
const tfjsDistill = (t, s) =>
  tf.tidy(() => {
    const tt = tf.tensor2d(t, [rows, cols]);
    const ts = tf.tensor2d(s, [rows, cols]);
    const lt = tf.logSoftmax(tt);
    return tf.div(tf.sum(tf.mul(tf.exp(lt), tf.sub(lt, tf.logSoftmax(ts)))), rows).dataSync()[0];
  });
const logitOptions = { rows, space: "logits", reduction: "mean" };
const distillImpls = [
  { name: "klwasm reference", run: () => referenceKL.forward(teacher, student, logitOptions) },
  { name: "klwasm default", run: () => kl.forward(teacher, student, logitOptions) },
  { name: "klwasm precision:fast", run: () => kl.forward(teacher, student, { ...logitOptions, precision: "fast" }) },
  { name: "klwasm scalar build", run: () => klScalar.forward(teacher, student, logitOptions) },
  { name: "naive JS loop (f64)", run: () => naiveDistillJS(teacher, student) },
  { name: "tfjs-core cpu (f32)", backend: "cpu", run: () => tfjsDistill(teacher, student) },
  { name: "tfjs-core wasm (f32)", backend: "wasm", run: () => tfjsDistill(teacher, student) },
];
const distill = [];
for (const impl of distillImpls) {
  if (impl.backend) await useTfBackend(tf, impl.backend);
  distill.push({ impl: impl.name, value: impl.run() });
}
const python = readPythonResults();
for (const run of python?.runs ?? []) {
  const r = run.distill.find((d) => d.direction === "forward" && d.what === "value+grad");
  if (r) distill.push({ impl: `py PyTorch F.kl_div (f32) [${pythonLabel(run)}]`, value: r.value, python: true });
  break; // the value does not depend on the allocator setting
}
const base = distill[0].value;
for (const d of distill) d.relDiffVsReference = relDiff(d.value, base);
printTable(`Forward KL D(teacher‖student), ${rows} × ${cols} f32 logits, reduction "mean"`,
  ["implementation", "value", "rel. diff vs reference"],
  distill.map((d) => [d.impl, d.value.toPrecision(12), fmtRel(d.relDiffVsReference)]));
if (distill.some((d) => d.python)) {
  console.log("py: value from bench/results/python.json (bench/peers/python.py, the same logits, PyTorch's f32 kernels).");
}

writeResults("accuracy.json", {
  date: new Date().toISOString(),
  ...machine(),
  library: fileURLToPath(libUrl),
  backend: kl.backend,
  tfjsWasm: await tfWasmInfo(tf),
  notes: [
    "relError = |value − exact| / |exact|, exact from tests/fixtures/exact.json (mpmath, 50 digits).",
    "tfjs computes in f32; for f64 recipes it is given the inputs rounded to f32 (inputsRoundedToF32).",
    "distill: forward KL of distillLogits() (bench/portable.mjs), compared with referenceKL.",
  ],
  results,
  distill: { ...DISTILL, reduction: "mean", results: distill },
});
