// The α family at n = 10⁶: renyi and alphaDivergence (and the Hellinger distance, total
// variation, Jeffreys) beside kl, on the same two random distributions, f64 and f32, interleaved
// in one Node process; against plain JS loops of the textbook formulas (Σ p^α q^(1−α) by
// Math.pow, at α = 0.3 and at α = ½, where V8 takes a square root instead). Median ns per element
// and the spread (interquartile range) of the runs.
//
//   npm run bench:alpha
//   npm run bench:alpha -- --quick
import { hasFlag, loadLibrary, log, machine, printTable, writeResults } from "./common.mjs";
import { measureCall, mulberry32, quantile, randomDistribution } from "./portable.mjs";

const { createKL } = await loadLibrary();
const kl = await createKL();
const quick = hasFlag("--quick");
const timing = quick ? { minRunMs: 20, warmupMs: 50, budgetMs: 1500 } : { minRunMs: 50, warmupMs: 300, budgetMs: 6000 };
const maxRuns = quick ? 5 : 15;
const N = 1_000_000;

/** The textbook Rényi divergence: log(Σ p^α q^(1−α))/(α − 1), one Math.pow per element. */
function plainRenyi(p, q, alpha) {
  return () => {
    let s = 0;
    for (let i = 0; i < p.length; i++) s += Math.pow(p[i], alpha) * Math.pow(q[i], 1 - alpha);
    return Math.log(s) / (alpha - 1);
  };
}

/** The textbook KL: Σ p·log(p/q). */
function plainKL(p, q) {
  return () => {
    let s = 0;
    for (let i = 0; i < p.length; i++) if (p[i] > 0) s += p[i] * Math.log(p[i] / q[i]);
    return s;
  };
}

const rand = mulberry32(0xa1fa);
const p64 = randomDistribution(N, rand);
const q64 = randomDistribution(N, rand);
const results = [];
for (const [type, p, q] of [["f64", p64, q64], ["f32", Float32Array.from(p64), Float32Array.from(q64)]]) {
  const impls = [
    ["kl", () => kl.kl(p, q)],
    ["renyi, α = 0.3", () => kl.renyi(p, q, { alpha: 0.3 })],
    ["renyi, α = 2", () => kl.renyi(p, q, { alpha: 2 })],
    ["alphaDivergence, α = 0.3", () => kl.alphaDivergence(p, q, { alpha: 0.3 })],
    ["alphaDivergence, α = −0.5", () => kl.alphaDivergence(p, q, { alpha: -0.5 })],
    ["hellinger", () => kl.hellinger(p, q)],
    ["totalVariation", () => kl.totalVariation(p, q)],
    ["jeffreys", () => kl.jeffreys(p, q)],
    ["plain JS loop: kl", plainKL(p, q)],
    ["plain JS loop: renyi, α = 0.3", plainRenyi(p, q, 0.3)],
    // V8 turns Math.pow(x, 0.5) into a square root: the loop's best case.
    ["plain JS loop: renyi, α = 0.5", plainRenyi(p, q, 0.5)],
  ];
  for (const [name, fn] of impls) {
    log(`${type}: ${name}`);
    const m = await measureCall(fn, maxRuns, timing);
    const ns = m.samples.map((s) => s / N);
    results.push({ type, name, nsPerElement: m.nsPerCall / N, q1: quantile(ns, 0.25), q3: quantile(ns, 0.75), runs: m.runs });
  }
}

const klNs = (type) => results.find((r) => r.type === type && r.name === "kl").nsPerElement;
printTable(
  `The α family at n = 10⁶ (one row, copied in); median ns per element (interquartile range), ratio = this / kl`,
  ["type", "call", "ns/element", "IQR", "÷ kl"],
  results.map((r) => [r.type, r.name, r.nsPerElement.toFixed(2), `${r.q1.toFixed(2)}–${r.q3.toFixed(2)}`, `${(r.nsPerElement / klNs(r.type)).toFixed(2)}`]),
);
writeResults("alpha.json", { ...machine(), quick, n: N, results });
