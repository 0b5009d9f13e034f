// The distillation cases as both runtimes run them: bench/distill.mjs in Node, bench/browser-page.mjs
// in Chromium. klwasm's implementations, and one loop that measures each case's gradient against
// the reference's and times it, on the same distillLogits() in both. No Node APIs here.
import { allocViews, implLabel, measureCall } from "./portable.mjs";

export const CASES = [
  { direction: "forward", withGrad: true },
  { direction: "reverse", withGrad: true },
  { direction: "forward", withGrad: false },
  { direction: "reverse", withGrad: false },
];
export const caseName = (c) => `${c.direction} ${c.withGrad ? "value+grad" : "value"}`;
export const distillTiming = (quick) =>
  quick
    ? { maxRuns: 5, minRunMs: 10, warmupMs: 20, budgetMs: 1500 }
    : { maxRuns: 15, minRunMs: 20, warmupMs: 200, budgetMs: 6000 };

// An implementation: { name, setup(ctx, case) → { run: () => value, grad?: () => array, dispose? } }
// with ctx = { kl, referenceKL, teacher, student, rows, cols, zeroCopyMemory } and
// case = { direction, withGrad }. Reduction "mean" is PyTorch's "batchmean".
const options = (ctx, extra = {}) => ({ rows: ctx.rows, space: "logits", reduction: "mean", ...extra });

const copyIn = (extra = {}, engineOf = (ctx) => ctx.kl) => (ctx, { direction, withGrad }) => {
  const engine = engineOf(ctx);
  if (!withGrad) return { run: () => engine[direction](ctx.teacher, ctx.student, options(ctx, extra)) };
  const out = new Float32Array(ctx.teacher.length);
  const withOut = { ...options(ctx, extra), out };
  const call = direction === "forward" ? engine.forwardGrad.bind(engine) : engine.reverseGrad.bind(engine);
  return { run: () => call(ctx.teacher, ctx.student, withOut).value, grad: () => out };
};

const zeroCopy = (extra = {}) => (ctx, { direction, withGrad }) => {
  const { kl, teacher, student } = ctx;
  const n = teacher.length;
  // Room for the three views and the call's scratch, so that no call grows (and detaches) them:
  // by default the reverse gradient of f32 logits runs in f64 lanes, and the call stages f64
  // copies of both inputs and an f64 gradient (24 bytes per element), and the value pass its own
  // scratch: 32 bytes per element of room.
  const [tv, sv, ov] = allocViews(kl, [teacher, student, new Float32Array(n)], 32 * n);
  tv.set(teacher);
  sv.set(student);
  const before = kl.memoryBytes();
  const withOut = { ...options(ctx, extra), out: ov };
  const run = withGrad
    ? direction === "forward" ? () => kl.forwardGrad(tv, sv, withOut).value : () => kl.reverseGrad(tv, sv, withOut).value
    : () => kl[direction](tv, sv, options(ctx, extra));
  return {
    run,
    grad: () => ov,
    dispose: () => {
      ctx.zeroCopyMemory.push({ ...extra, direction, withGrad, before, after: kl.memoryBytes() });
      kl.free(tv), kl.free(sv), kl.free(ov);
    },
  };
};

/**
 * createKLPool (ctx.pool): inputs and gradient in its shared memory (pool.alloc), so that each
 * worker reads its rows and writes its gradient rows without a copy. Calls are awaited.
 */
const pooled = (extra = {}) => (ctx, { direction, withGrad }) => {
  const { pool, teacher, student } = ctx;
  const [tv, sv, ov] = [teacher, student, teacher].map((a) => pool.alloc(a.length, Float32Array));
  tv.set(teacher);
  sv.set(student);
  const call = withGrad
    ? async () => (await pool[`${direction}Grad`](tv, sv, { ...options(ctx, extra), out: ov })).value
    : () => pool[direction](tv, sv, options(ctx, extra));
  return { run: call, grad: () => ov, awaited: true };
};

// An implementation with `needs` runs only where ctx has that engine (the relaxed-SIMD build
// needs an engine with relaxed SIMD: Chromium, or Node with --experimental-wasm-relaxed-simd).
export const KLWASM_IMPLS = [
  { name: "klwasm default", setup: copyIn() },
  { name: "klwasm precision:fast", setup: copyIn({ precision: "fast" }) },
  { name: "klwasm zero-copy", setup: zeroCopy() },
  { name: "klwasm zero-copy fast", setup: zeroCopy({ precision: "fast" }) },
  { name: "klwasm relaxed-simd fast", needs: "relaxedKL", setup: copyIn({ precision: "fast" }, (ctx) => ctx.relaxedKL) },
  { name: "klwasm pool ×2", needs: "pool", setup: pooled() },
  { name: "klwasm pool ×2 fast", needs: "pool", setup: pooled({ precision: "fast" }) },
  { name: "klwasm reference", setup: copyIn({}, (ctx) => ctx.referenceKL) },
];
/**
 * What `bench/distill.mjs --browser` runs in Chromium: value and gradient, klwasm without the
 * reference (over a second a call; its value is the same bits in any runtime).
 */
export const CHROMIUM_IMPLS = KLWASM_IMPLS.filter((impl) => impl.name !== "klwasm reference");
export const CHROMIUM_CASES = CASES.filter((c) => c.withGrad);

/** The reference's gradients computed in f64 from the same logits: the yardstick of every gradient. */
function referenceGradients(ctx) {
  const { referenceKL, teacher, student } = ctx;
  return Object.fromEntries(["forward", "reverse"].map((direction) => {
    const out = new Float64Array(teacher.length);
    referenceKL[`${direction}Grad`](Float64Array.from(teacher), Float64Array.from(student), { ...options(ctx), out });
    return [direction, out];
  }));
}

/** max |g − g_ref| / max |g_ref|. */
function gradientDiff(g, ref) {
  let maxDiff = 0;
  let maxRef = 0;
  for (let i = 0; i < ref.length; i++) {
    maxDiff = Math.max(maxDiff, Math.abs(g[i] - ref[i]));
    maxRef = Math.max(maxRef, Math.abs(ref[i]));
  }
  return maxDiff / maxRef;
}

/**
 * Every (implementation, case): its value, its gradient's difference from the reference's
 * (gradDiff), and its median ms per call. events.start(caseName) and events.done(result) may
 * return promises (in Chromium they are calls back to Node); they are awaited.
 */
export async function runCases(impls, cases, ctx, { timing, runtime, events }) {
  const referenceGrad = referenceGradients(ctx);
  const results = [];
  for (const impl of impls.filter((i) => i.needs === undefined || ctx[i.needs] !== undefined)) {
    for (const c of cases) {
      await events.start(`${implLabel({ impl: impl.name, runtime })} ${caseName(c)}`);
      const { run, grad, dispose, awaited } = await impl.setup(ctx, c);
      const value = await run();
      const gradDiff = c.withGrad ? gradientDiff(grad(), referenceGrad[c.direction]) : undefined;
      const m = await measureCall(run, timing.maxRuns, timing, { awaited });
      dispose?.();
      const result = { impl: impl.name, runtime, ...c, ms: m.nsPerCall / 1e6, runs: m.runs, iters: m.iters, value, gradDiff };
      results.push(result);
      await events.done(result);
    }
  }
  return results;
}
