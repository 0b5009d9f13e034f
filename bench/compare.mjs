// Model comparison: per-row forward KL of two models' next-token logits, 128 rows × V f32
// (V = 32 000 and 152 064), reduction "none", the value alone. klwasm (default copy-in, zero-copy,
// the 2-worker pool) against the plain JS loop (an f64 log-softmax of each row, then
// Σ p·(log p − log q)), interleaved in one Node process on the same inputs; median ms per call
// and the spread (interquartile range) of the runs. Also the instance's memory after the
// copy-in calls: rows are staged a group at a time, so no second copy of the input is held.
//
//   npm run bench:compare
//   npm run bench:compare -- --quick
import { hasFlag, loadLibrary, log, logSoftmaxRow, machine, printTable, writeResults } from "./common.mjs";
import { allocViews, measureCall, mulberry32, quantile } from "./portable.mjs";

const { createKL, createKLPool } = await loadLibrary();
const kl = await createKL();
const pool = await createKLPool({ threads: 2 });
const quick = hasFlag("--quick");
const timing = quick ? { minRunMs: 20, warmupMs: 50, budgetMs: 2000 } : { minRunMs: 50, warmupMs: 300, budgetMs: 8000 };
const maxRuns = quick ? 5 : 15;
const ROWS = 128;

/** Two models' logits: the second a perturbed, rescaled copy of the first (KL ~0.1 per row). */
function modelLogits(cols, seed) {
  const rand = mulberry32(seed);
  const first = new Float32Array(ROWS * cols);
  for (let i = 0; i < first.length; i++) first[i] = 8 * (rand() - 0.5);
  const second = first.map((v) => 0.9 * v + (rand() - 0.5));
  return { first, second };
}

/** The plain JS loop: per row, both log-softmaxes in f64, then Σ p·(log p − log q). */
function plainLoop(first, second, cols) {
  const a = new Float64Array(cols);
  const b = new Float64Array(cols);
  return () => {
    let total = 0;
    for (let r = 0; r < ROWS; r++) {
      logSoftmaxRow(first, r, cols, a);
      logSoftmaxRow(second, r, cols, b);
      let s = 0;
      for (let i = 0; i < cols; i++) s += Math.exp(a[i]) * (a[i] - b[i]);
      total += s;
    }
    return total;
  };
}

const results = [];
for (const cols of [32000, 152064]) {
  const { first, second } = modelLogits(cols, 0xc0de + cols);
  const options = { space: "logits", rows: ROWS, reduction: "none" };
  const sum = (values) => values.reduce((s, v) => s + v, 0);
  // Room for the calls' scratch (a group of staged rows, the stored exponentials), so that no call
  // grows the memory and detaches the views.
  const [fv, sv] = allocViews(kl, [first, second], 1 << 23);
  fv.set(first);
  sv.set(second);
  const [pf, ps] = [first, second].map((a) => pool.alloc(a.length, Float32Array));
  pf.set(first);
  ps.set(second);
  const impls = [
    ["klwasm default (copy-in)", () => sum(kl.forward(first, second, options))],
    ["klwasm zero-copy", () => sum(kl.forward(fv, sv, options))],
    ["klwasm pool ×2, shared memory", async () => sum(await pool.forward(pf, ps, options)), true],
    ["plain JS loop", plainLoop(first, second, cols)],
  ];
  const memoryBefore = kl.memoryBytes();
  for (const [name, fn, awaited] of impls) {
    log(`V = ${cols}: ${name}`);
    const m = await measureCall(fn, maxRuns, timing, { awaited: Boolean(awaited) });
    const ms = m.samples.map((ns) => ns / 1e6);
    results.push({ cols, name, ms: m.nsPerCall / 1e6, q1: quantile(ms, 0.25), q3: quantile(ms, 0.75), runs: m.runs });
  }
  results.push({ cols, name: "memoryBytes after the copy-in calls", before: memoryBefore, after: kl.memoryBytes() });
  kl.free(fv);
  kl.free(sv);
}
await pool.terminate();

const plainMs = (cols) => results.find((r) => r.cols === cols && r.name === "plain JS loop").ms;
printTable(
  `Model comparison: forward KL per row, ${ROWS} × V f32 logits, reduction "none"; median ms (interquartile range), ratio = plain loop / this`,
  ["V", "implementation", "ms", "IQR", "ratio"],
  results.filter((r) => r.ms !== undefined).map((r) => [String(r.cols), r.name, r.ms.toFixed(2), `${r.q1.toFixed(2)}–${r.q3.toFixed(2)}`, `${(plainMs(r.cols) / r.ms).toFixed(2)}×`]),
);
writeResults("compare.json", { ...machine(), quick, rows: ROWS, results });
