// The benchmarks' helpers that run unchanged in Node and in the browser (bench/browser-page.mjs
// bundles them for Chromium): timing, the seeded inputs, result labels. No Node APIs here, so that
// both runtimes measure the same way on the same bits; Node-only helpers are in bench/common.mjs.
import { mulberry32 } from "../tests/random.mjs";

// ---- timing -------------------------------------------------------------------------------
// performance.now() is the one clock both runtimes have. Node's is not coarsened; Chromium's is
// coarsened to 5 µs on a cross-origin-isolated page (bench/chromium.mjs serves one), which is
// 0.05 % of the shortest timed batch (minRunMs ≥ 10).
let sink = 0; // every result is consumed, so no call can be optimised away
/** The sum of every timed result: write it out so that it stays observable. */
export const sinkValue = () => sink;
/** ns for `iters` calls of fn. */
export function timeBatch(fn, iters) {
  const t0 = performance.now();
  for (let i = 0; i < iters; i++) sink += fn();
  return (performance.now() - t0) * 1e6;
}
/** The same for an async fn (a pool's calls), each call awaited before the next. */
async function timeAwaitedBatch(fn, iters) {
  const t0 = performance.now();
  for (let i = 0; i < iters; i++) sink += await fn();
  return (performance.now() - t0) * 1e6;
}
export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
/** The f-quantile of xs (0 ≤ f ≤ 1), interpolated linearly between the two nearest samples. */
export const quantile = (xs, f) => {
  const s = [...xs].sort((a, b) => a - b);
  const at = f * (s.length - 1);
  const i = Math.floor(at);
  return i + 1 < s.length ? s[i] + (at - i) * (s[i + 1] - s[i]) : s[i];
};
/**
 * The batch size for fn: calls doubled from 1 until one batch takes ≥ minRunMs. The batches run
 * here are also warm-up; `spent` is their total ns, `ns` the last one's.
 */
export async function calibrate(fn, minRunMs, batch = timeBatch) {
  let iters = 1;
  let ns = await batch(fn, iters);
  let spent = ns;
  while (ns < minRunMs * 1e6) {
    iters *= 2;
    ns = await batch(fn, iters);
    spent += ns;
  }
  return { iters, ns, spent };
}
/**
 * Median ns per call of fn over runs of ≥ minRunMs each, after calibration and warm-up.
 * Slow cases get fewer runs (as many as fit in budgetMs), never fewer than 3, at most maxRuns.
 * With `awaited`, fn returns a promise and each call is awaited (batches are timed the same way).
 * @param {() => number | Promise<number>} fn
 * @param {number} maxRuns
 * @param {{ minRunMs: number, warmupMs: number, budgetMs: number }} timing
 */
export async function measureCall(fn, maxRuns, { minRunMs, warmupMs, budgetMs }, { awaited = false } = {}) {
  const batch = awaited ? timeAwaitedBatch : timeBatch;
  const { iters, ns, spent: calibrationNs } = await calibrate(fn, minRunMs, batch);
  let spent = calibrationNs;
  while (spent < warmupMs * 1e6) spent += await batch(fn, iters);
  const runs = Math.max(3, Math.min(maxRuns, Math.floor((budgetMs * 1e6) / ns)));
  const samples = [];
  for (let r = 0; r < runs; r++) samples.push((await batch(fn, iters)) / iters);
  return { nsPerCall: median(samples), runs, iters, samples };
}
/** Median ns/element of fn (see measureCall). */
export async function measure(fn, n, maxRuns, timing) {
  const m = await measureCall(fn, maxRuns, timing);
  return { nsPerElement: m.nsPerCall / n, runs: m.runs, iters: m.iters };
}

// ---- inputs -------------------------------------------------------------------------------
// The tests' seeded PRNG, so that benchmarks and tests draw the same numbers.
export { mulberry32 };

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
  const rand = mulberry32(seed);
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

// ---- labels -------------------------------------------------------------------------------
/** A result's row label: its implementation, and "(chromium)" after it when it ran there. */
export const implLabel = ({ impl, runtime }) => (runtime === "chromium" ? `${impl} (chromium)` : impl);
/** 1e+6 for 1000000: how case names and table headers write a size. */
export const fmtN = (n) => n.toExponential(0);
