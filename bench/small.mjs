// Small inputs: what one call of kl.kl(p, q) costs against the plain JavaScript loop
// `s += p[i] * Math.log(p[i] / q[i])` for n = 4 … 10⁴, where the wrapper's fixed cost per call
// matters more than the kernel. One Node process; library and loop batches interleaved in every
// round, so both see the same machine state; per case the median ns/call of each and the median
// and interquartile range of the per-round ratio loop time / library time (> 1: the library is
// faster), against the small-input goals.
//
//   npm run bench:small
//   npm run bench:small -- --quick            # fewer rounds (smoke test)
//   npm run bench:small -- --sizes 4,16,1e5   # chosen sizes
//   npm run bench:small -- --baseline FILE    # "no regression" judged against FILE
//
// The goal from n = 10⁴ on is no regression: the ratio against the one of a baseline run, by
// default the bench/results/small.json this run replaces (git keeps the earlier ones).
//
// KLWASM_LIB=path/to/index.js benchmarks another build than ../dist/index.js.
// Progress goes to stderr, the tables to stdout, the data to bench/results/small.json.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { argValue, hasFlag, libUrl, loadLibrary, log, machine, printTable, relDiff, resultsDir, writeResults } from "./common.mjs";
import { calibrate, median, mulberry32, quantile, randomDistribution, sinkValue, timeBatch } from "./portable.mjs";
import { progressBar } from "./progress.mjs";

const { createKL } = await loadLibrary();
const kl = await createKL();
if (kl.backend !== "wasm-simd") log(`WARNING: createKL() gave backend "${kl.backend}", not "wasm-simd"`);

// ---- options ----------------------------------------------------------------------
const quick = hasFlag("--quick");
if (hasFlag("--browser")) log("bench/small.mjs runs in Node only: no Chromium rows");
const sizes = argValue("--sizes")?.split(",").map(Number) ?? [4, 16, 64, 256, 1024, 1e4];
if (!sizes.every((n) => Number.isInteger(n) && n > 0)) throw new Error(`bad --sizes: ${argValue("--sizes")}`);
// Batches of ≥ minBatchMs (the clock's resolution is far below that). Before the first case,
// every implementation runs on every input type for startMs in all, so that the first cases do
// not pay for the compiler's work on types the later ones bring. Per case, warm-up rounds (at
// least warmupRounds and warmupMs) are run and dropped; then `rounds` rounds are kept.
const timing = quick
  ? { minBatchMs: 2, startMs: 300, warmupRounds: 2, warmupMs: 50, rounds: 9 }
  : { minBatchMs: 5, startMs: 600, warmupRounds: 5, warmupMs: 200, rounds: 30 };
const SEED = 0x5a11;

// ---- goals --------------------------------------------------------------------------------
// Median of the per-round ratios loop time / library time, default options, f64 and f32.
const SPEED_GOALS = new Map([[4, 0.5], [16, 1], [64, 2], [256, 2.5]]);
// From n = 10⁴ on, the goal is no regression: the ratio may not fall below the baseline run's
// ratio for the same case by more than this fraction (ratios drift less than times between runs,
// since both sides drift together, but they do drift).
const REGRESSION_N = 1e4;
const REGRESSION_TOLERANCE = 0.1;
const baselineFile = argValue("--baseline") ?? path.join(resultsDir, "small.json");
const baseline = fs.existsSync(baselineFile) ? JSON.parse(fs.readFileSync(baselineFile, "utf8")) : undefined;

// ---- inputs ---------------------------------------------------------------------------------
// The goals are for Float64Array and Float32Array; number[] (f64) is measured too, without a goal.
const INPUTS = [
  { name: "f64", convert: (v) => v, goal: true },
  { name: "f32", convert: (v) => Float32Array.from(v), goal: true },
  { name: "number[]", convert: (v) => Array.from(v), goal: false },
];
// Largest relative difference between the library's value and the loop's. The loop computes in
// f64 on the same (rounded) inputs; the library takes f32 logarithms of f32 inputs, so f32 is
// held to a few f32 ulps.
const TOL = { "f64": 1e-9, "f32": 1e-6, "number[]": 1e-9 };

// ---- implementations ------------------------------------------------------------------------
// The plain loop as a user writes it. One compiled copy per input type, so that each copy only
// ever sees one kind of array, as in a program that has one: a single function shared by the three
// input types would turn polymorphic and run slower, which would flatter the library.
const LOOP_SOURCE = "const n = p.length;\nlet s = 0;\nfor (let i = 0; i < n; i++) s += p[i] * Math.log(p[i] / q[i]);\nreturn s;";
const plainLoop = () => new Function("p", "q", LOOP_SOURCE);
const IMPLS = [
  { name: "library", setup: ({ p, q }) => () => kl.kl(p, q) },
  { name: "loop", setup: ({ p, q, loop }) => () => loop(p, q) },
  { name: "library { rows: 1 }", setup: ({ p, q }) => () => kl.kl(p, q, { rows: 1 }) },
];

// ---- run ------------------------------------------------------------------------------------------
const fmtNs = (x) => (x < 10 ? x.toFixed(2) : x < 100 ? x.toFixed(1) : x.toFixed(0));
const fmtRatio = (x) => `${x.toFixed(2)}x`;
/** A sample's spread: its median, quartiles and extremes. */
const summary = (xs) => ({ median: median(xs), q1: quantile(xs, 0.25), q3: quantile(xs, 0.75), min: Math.min(...xs), max: Math.max(...xs) });

/** One round: a batch of each run, starting from run r mod runs.length; [index, ns/call] pairs. */
const round = (runs, iters, r) =>
  runs.map((_, k) => (r + k) % runs.length).map((i) => [i, timeBatch(runs[i], iters[i]) / iters[i]]);
const warmUp = (runs, iters, minRounds, ms) => {
  const end = performance.now() + ms;
  for (let r = 0; r < minRounds || performance.now() < end; r++) round(runs, iters, r);
};

const loops = new Map(INPUTS.map(({ name }) => [name, plainLoop()]));
const rand = mulberry32(SEED);
{
  const p = randomDistribution(16, rand);
  const q = randomDistribution(16, rand);
  for (const input of INPUTS) {
    const runs = IMPLS.map((impl) => impl.setup({ p: input.convert(p), q: input.convert(q), loop: loops.get(input.name) }));
    warmUp(runs, runs.map(() => 1000), 1, timing.startMs / INPUTS.length);
  }
}
const progress = progressBar(sizes.length * INPUTS.length);
const results = [];
for (const n of sizes) {
  const p64 = randomDistribution(n, rand);
  const q64 = randomDistribution(n, rand);
  for (const input of INPUTS) {
    const caseName = `n=${n} ${input.name}`;
    progress.start(caseName);
    const p = input.convert(p64);
    const q = input.convert(q64);
    const runs = IMPLS.map((impl) => impl.setup({ p, q, loop: loops.get(input.name) }));
    const values = runs.map((run) => run());
    const [library, loop] = values;
    for (const [i, value] of values.entries()) {
      const diff = relDiff(value, loop);
      if (!(diff <= TOL[input.name])) {
        throw new Error(`${IMPLS[i].name} ${caseName}: ${value} against the loop's ${loop} (relative difference ${diff})`);
      }
    }
    // Each implementation gets its own batch size; every round times one batch of each, the
    // order rotated from round to round so that none always runs first.
    const iters = [];
    for (const run of runs) iters.push((await calibrate(run, timing.minBatchMs)).iters);
    warmUp(runs, iters, timing.warmupRounds, timing.warmupMs);
    const samples = runs.map(() => []);
    for (let r = 0; r < timing.rounds; r++) for (const [i, nsPerCall] of round(runs, iters, r)) samples[i].push(nsPerCall);
    const ratios = (i) => samples[1].map((loopNs, r) => loopNs / samples[i][r]);
    const result = {
      n,
      input: input.name,
      value: library,
      loopValue: loop,
      iters: Object.fromEntries(IMPLS.map((impl, i) => [impl.name, iters[i]])),
      nsPerCall: Object.fromEntries(IMPLS.map((impl, i) => [impl.name, median(samples[i])])),
      // per round, the loop's time / this implementation's time
      ratio: Object.fromEntries(IMPLS.map((impl, i) => [impl.name, summary(ratios(i))]).filter(([name]) => name !== "loop")),
      // each round's ns/call, to 4 significant digits (the rounds differ in the third)
      samples: Object.fromEntries(IMPLS.map((impl, i) => [impl.name, samples[i].map((x) => Number(x.toPrecision(4)))])),
    };
    result.goal = goalOf(result, input);
    results.push(result);
    progress.done(`${caseName.padEnd(18)} library ${fmtNs(result.nsPerCall.library).padStart(7)} ns  ` +
      `loop ${fmtNs(result.nsPerCall.loop).padStart(7)} ns  ratio ${fmtRatio(result.ratio.library.median)}`);
  }
}
progress.end();

/** The goal of a case and whether its median ratio meets it; undefined where there is none. */
function goalOf({ n, input, ratio }, { goal }) {
  if (!goal) return undefined;
  const r = ratio.library.median;
  if (SPEED_GOALS.has(n)) return { kind: "speed", target: SPEED_GOALS.get(n), met: r >= SPEED_GOALS.get(n) };
  if (n < REGRESSION_N) return undefined;
  const before = baseline?.results.find((b) => b.n === n && b.input === input)?.ratio.library.median;
  if (before === undefined) return { kind: "no regression", baselineRatio: null, met: null };
  return { kind: "no regression", baselineRatio: before, met: r >= before * (1 - REGRESSION_TOLERANCE) };
}

// ---- report ------------------------------------------------------------------------------------
const goalCell = (g) =>
  !g ? "—"
  : g.kind === "speed" ? `≥ ${g.target}x`
  : g.baselineRatio === null ? "no regression"
  : `no regression (≥ ${fmtRatio(g.baselineRatio * (1 - REGRESSION_TOLERANCE))})`;
const metCell = (g) => (!g ? "" : g.met === null ? "no baseline" : g.met ? "met" : "not met");
const spreadCell = ({ q1, q3 }) => `${q1.toFixed(2)}–${q3.toFixed(2)}`;
printTable(
  `kl.kl(p, q) with default options against the plain loop, median ns/call; ratio = loop time / library time ` +
    `(> 1: library faster), median of ${timing.rounds} interleaved rounds, spread = its interquartile range; ` +
    `${machine().cpu}, Node ${process.version}`,
  ["n", "input", "library ns", "loop ns", "ratio", "spread", "goal", ""],
  results.map((r) => [
    String(r.n), r.input, fmtNs(r.nsPerCall.library), fmtNs(r.nsPerCall.loop),
    fmtRatio(r.ratio.library.median), spreadCell(r.ratio.library), goalCell(r.goal), metCell(r.goal),
  ]),
);
printTable(
  "kl.kl(p, q, { rows: 1 }): the same calls with an options object, same rounds",
  ["n", "input", "ns/call", "ratio", "spread"],
  results.map((r) => [String(r.n), r.input, fmtNs(r.nsPerCall["library { rows: 1 }"]),
    fmtRatio(r.ratio["library { rows: 1 }"].median), spreadCell(r.ratio["library { rows: 1 }"])]),
);
const withGoal = results.filter((r) => r.goal && r.goal.met !== null);
console.log(`\ngoals met: ${withGoal.filter((r) => r.goal.met).length} of ${withGoal.length}` +
  (baseline ? `; "no regression" against ${path.relative(process.cwd(), baselineFile)} (${baseline.date}, ${baseline.cpu})`
    : `; "no regression" has no baseline yet (${path.relative(process.cwd(), baselineFile)} did not exist)`));

writeResults("small.json", {
  date: new Date().toISOString(),
  ...machine(),
  library: fileURLToPath(libUrl),
  backend: kl.backend,
  quick,
  timing,
  loop: LOOP_SOURCE,
  goals: { speed: Object.fromEntries(SPEED_GOALS), noRegressionFromN: REGRESSION_N, regressionTolerance: REGRESSION_TOLERANCE },
  baseline: baseline ? { file: path.relative(process.cwd(), baselineFile), date: baseline.date } : null,
  results,
  sink: sinkValue(), // keeps the summed results observable
});
