// What the Chromium page runs (bench/chromium.mjs bundles it and serves it with the library):
// the library under test, imported from the URL it is served at, then the Node benchmarks' own
// cases and loops. Progress goes back to Node through benchEvent (playwright's exposeFunction).
import * as distill from "./distill-cases.mjs";
import * as forwardKL from "./kl-cases.mjs";
import { distillLogits, sinkValue } from "./portable.mjs";

const events = {
  start: (name) => globalThis.benchEvent("start", name),
  warn: (message) => globalThis.benchEvent("warn", message),
  done: (result) => globalThis.benchEvent("done", result),
};

async function engine(library) {
  const lib = await import(library);
  const kl = await lib.createKL();
  // crossOriginIsolated: whether performance.now() has its finer (5 µs) resolution.
  const page = { backend: kl.backend, userAgent: navigator.userAgent, crossOriginIsolated: globalThis.crossOriginIsolated };
  return { lib, kl, page };
}

globalThis.bench = {
  /** bench/kl.mjs --browser: the forward-KL cases of kl-cases.mjs CHROMIUM_IMPLS. */
  async kl({ library, sizes, quick }) {
    const { kl, page } = await engine(library);
    const timing = forwardKL.klTiming(quick);
    const run = await forwardKL.runCases(forwardKL.CHROMIUM_IMPLS, { kl, sizes, timing, runtime: "chromium", events });
    return { ...page, ...run, sink: sinkValue() };
  },
  /** bench/distill.mjs --browser: distill-cases.mjs CHROMIUM_IMPLS on CHROMIUM_CASES. */
  async distill({ library, quick }) {
    const { lib, kl, page } = await engine(library);
    const zeroCopyMemory = [];
    const ctx = { kl, referenceKL: lib.referenceKL, ...distillLogits(), zeroCopyMemory };
    const timing = distill.distillTiming(quick);
    const results = await distill.runCases(distill.CHROMIUM_IMPLS, distill.CHROMIUM_CASES, ctx,
      { timing, runtime: "chromium", events });
    return { ...page, results, zeroCopyMemory, sink: sinkValue() };
  },
};
