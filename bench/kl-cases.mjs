// The forward-KL cases as both runtimes run them: bench/kl.mjs in Node, bench/browser-page.mjs in
// Chromium. One loop over (n, dtype, implementation) on the same seeded inputs, so that a row
// labelled "(chromium)" differs from its Node row only by where it ran. No Node APIs here.
import { allocViews, fmtN, implLabel, measure, mulberry32, randomDistribution } from "./portable.mjs";

export const DTYPES = ["f64", "f32"];
const SEED = 0x5eed;
/** Largest relative difference from the naive loop's value before a case is flagged. */
const TOL = { f64: 1e-9, f32: 1e-4 };

export const klSizes = (quick) => (quick ? [1e3, 1e4, 1e5] : [1e3, 1e4, 1e5, 1e6, 1e7]);
export const klTiming = (quick) =>
  quick
    ? { runs: () => 5, minRunMs: 10, warmupMs: 20, budgetMs: 1000 }
    : { runs: (n) => (n >= 1e7 ? 5 : 11), minRunMs: 20, warmupMs: 100, budgetMs: 8000 };

export function naiveKL(p, q) {
  const n = p.length;
  let s = 0;
  for (let i = 0; i < n; i++) s += p[i] * Math.log(p[i] / q[i]);
  return s;
}

// An implementation: { name, dtypes?, maxN?, setup({ kl, p, q }) → { run: () => number, dispose? } };
// dtypes default to both, maxN to ∞. kl is the runtime's createKL() engine.
export const klwasmCopyIn = { name: "klwasm simd copy-in", setup: ({ kl, p, q }) => ({ run: () => kl.kl(p, q) }) };
export const klwasmZeroCopy = {
  name: "klwasm simd zero-copy",
  setup: ({ kl, p, q }) => {
    const [pv, qv] = allocViews(kl, [p, q]);
    pv.set(p);
    qv.set(q);
    return { run: () => kl.kl(pv, qv), dispose: () => (kl.free(pv), kl.free(qv)) };
  },
};
export const naiveLoop = { name: "naive JS loop", setup: ({ p, q }) => ({ run: () => naiveKL(p, q) }) };
/** What `bench/kl.mjs --browser` runs in Chromium. */
export const CHROMIUM_IMPLS = [klwasmCopyIn, klwasmZeroCopy, naiveLoop];

const runsCase = (impl, dtype, n) => (impl.dtypes ?? DTYPES).includes(dtype) && n <= (impl.maxN ?? Infinity);
/** How many cases runCases will time: the progress bar's total. */
export const countCases = (impls, sizes) =>
  sizes.flatMap((n) => DTYPES.flatMap((dtype) => impls.filter((impl) => runsCase(impl, dtype, n)))).length;

/**
 * Checks every implementation's value against the naive loop's (in f64 on the same rounded inputs),
 * then times it: median ns/element per (n, dtype), sizes in order, inputs from one PRNG stream.
 * events.start(caseName), events.warn(message) and events.done(result) may return promises (in
 * Chromium they are calls back to Node); they are awaited so that progress is shown as it happens.
 * @returns {Promise<{ results: object[], warnings: string[] }>}
 */
export async function runCases(impls, { kl, sizes, timing, runtime, events }) {
  const results = [];
  const warnings = [];
  const rand = mulberry32(SEED);
  for (const n of sizes) {
    const p64 = randomDistribution(n, rand);
    const q64 = randomDistribution(n, rand);
    for (const dtype of DTYPES) {
      const p = dtype === "f64" ? p64 : Float32Array.from(p64);
      const q = dtype === "f64" ? q64 : Float32Array.from(q64);
      const expected = naiveKL(p, q);
      for (const impl of impls.filter((i) => runsCase(i, dtype, n))) {
        const label = implLabel({ impl: impl.name, runtime });
        await events.start(`${label} ${dtype} n=${fmtN(n)}`);
        const { run, dispose } = await impl.setup({ kl, p, q });
        const value = run();
        const relErr = Math.abs(value - expected) / Math.abs(expected);
        if (!(relErr <= TOL[dtype])) {
          const w = `${label} ${dtype} n=${n}: ${value} vs ${expected} (rel. error ${relErr.toExponential(2)})`;
          warnings.push(w);
          await events.warn(w);
        }
        const m = await measure(run, n, timing.runs(n), timing);
        dispose?.();
        const result = { impl: impl.name, runtime, dtype, n, nsPerElement: m.nsPerElement, runs: m.runs, iters: m.iters, value };
        results.push(result);
        await events.done(result);
      }
    }
  }
  return { results, warnings };
}
