// Zero-copy views and memory (README.md, "Zero-copy hot loops"): kl.alloc views
// give the results copies give; freed views and views detached by memory growth are refused
// with STALE_VIEW; no call leaks Wasm memory, also when it throws.
import { beforeAll, describe, expect, it } from "vitest";
import { createKL, KLError, referenceKL } from "../src/index.js";
import type { KLErrorCode } from "../src/index.js";
import type { DivergenceOptions, KL, Space } from "../src/core/types.js";
import { backendNames, loadBackend } from "./backends.js";
import { show, thrown } from "./errors-helpers.js";
import { mulberry32 } from "./random.mjs";

type ArrayType = typeof Float64Array | typeof Float32Array;
/** An element type as alloc takes it. */
type AllocType = new (length: number) => Float64Array | Float32Array;
const ARRAY_TYPES: readonly ArrayType[] = [Float64Array, Float32Array];
const WASM = [
  { name: "wasm-simd", simd: true },
  { name: "wasm", simd: false },
] as const;

/** Valid values of one space: positive probabilities, finite log-probabilities, logits. */
function validValues(space: Space, length: number, seed: number): number[] {
  const random = mulberry32(seed);
  return Array.from({ length }, () => {
    const u = 0.02 + random();
    return space === "prob" ? u : space === "log" ? Math.log(u / 2) : 6 * random() - 3;
  });
}


function expectKLError(f: () => unknown, code: KLErrorCode, argument: string, label = ""): void {
  const error = thrown(f);
  expect(error instanceof KLError ? { code: error.code, argument: error.argument } : show(error), label).toEqual({ code, argument });
}

/** Bit-for-bit the same: a number, or the elements of an array (same length and type). */
function expectIdentical(actual: unknown, expected: unknown, label: string): void {
  if (typeof expected === "number") {
    expect(Object.is(actual, expected), `${label}: ${actual} vs ${expected}`).toBe(true);
    return;
  }
  expect(Object.getPrototypeOf(actual), label).toBe(Object.getPrototypeOf(expected));
  expect(Array.from(actual as ArrayLike<number>), label).toEqual(Array.from(expected as ArrayLike<number>));
}

/** The contract's agreement with the reference: 1e-12 (f64) / 1e-5 (f32) relative. */
function expectAgrees(actual: unknown, expected: unknown, rel: number, label: string): void {
  const a = typeof actual === "number" ? [actual] : Array.from(actual as ArrayLike<number>);
  const e = typeof expected === "number" ? [expected] : Array.from(expected as ArrayLike<number>);
  expect(a.length, label).toBe(e.length);
  const bad = e
    .map((v, i) => [i, a[i]!, v] as const)
    .filter(([, x, v]) => (Number.isFinite(v) && v !== 0 ? Math.abs(x - v) > rel * Math.abs(v) : !Object.is(x + 0, v + 0)));
  expect(bad.slice(0, 5), label).toEqual([]);
}

/** A view from `kl.alloc` holding `values`. */
function allocWith(kl: KL, type: ArrayType, values: ArrayLike<number>): Float64Array | Float32Array {
  const view = kl.alloc(values.length, type as AllocType);
  view.set(values);
  return view;
}

// ---------------------------------------------------------------------------------------
// Zero-copy views give the results of copies (every backend: the reference's alloc is a
// plain new array)
// ---------------------------------------------------------------------------------------

type Call = (kl: KL, p: Float64Array | Float32Array, q: Float64Array | Float32Array) => unknown;

/** Calls whose results must not depend on whether the inputs are views or copies. */
const CALLS: ReadonlyArray<[string, Space, Call]> = [
  ["kl", "prob", (kl, p, q) => kl.kl(p, q)],
  ["kl rows none", "prob", (kl, p, q) => kl.kl(p, q, { rows: p.length % 3 === 0 ? 3 : 1, reduction: "none" })],
  ["kl normalize base 2", "prob", (kl, p, q) => kl.kl(p, q, { normalize: true, base: 2 })],
  ["kl logits mean", "logits", (kl, p, q) => kl.kl(p, q, { space: "logits", reduction: "mean" })],
  ["kl log/logits", "log", (kl, p, q) => kl.kl(p, q, { pSpace: "log", qSpace: "logits" })],
  ["forward", "prob", (kl, p, q) => kl.forward(p, q, { normalize: true })],
  ["reverse", "prob", (kl, p, q) => kl.reverse(p, q, { normalize: true })],
  ["crossEntropy", "prob", (kl, p, q) => kl.crossEntropy(p, q)],
  ["entropy", "prob", (kl, p) => kl.entropy(p)],
  ["entropy normalize", "prob", (kl, p) => kl.entropy(p, { normalize: true })],
  ["entropy logits", "logits", (kl, p) => kl.entropy(p, { space: "logits" })],
  ["jsd", "prob", (kl, p, q) => kl.jsd(p, q)],
  ["jsd normalize", "prob", (kl, p, q) => kl.jsd(p, q, { normalize: true })],
  ["jsd log", "log", (kl, p, q) => kl.jsd(p, q, { space: "log", normalize: true })],
  ["kl(p, p)", "prob", (kl, p) => kl.kl(p, p)],
];

const SIZES = [1, 2, 3, 7, 8, 67, 300, 1003, 4099];

describe.each(backendNames)("%s: alloc views give the results of copies", (backend) => {
  let kl: KL;
  beforeAll(async () => {
    kl = await loadBackend(backend);
  });

  it.each(ARRAY_TYPES)("divergences on %o views", (type) => {
    for (const n of SIZES) {
      for (const [label, space, f] of CALLS) {
        const p = type.from(validValues(space, n, n));
        const q = type.from(validValues(space, n, n + 1));
        // Room for both views and any call's scratch: no growth detaches them below.
        kl.reserve(16 * n * 8);
        const pv = allocWith(kl, type, p);
        const qv = allocWith(kl, type, q);
        expect(pv).toBeInstanceOf(type);
        expect(pv.length).toBe(n);
        const where = `${label} n=${n}`;
        const expected = f(kl, p, q);
        expectIdentical(f(kl, pv, qv), expected, `${where} (both views)`);
        expectIdentical(f(kl, pv, q), expected, `${where} (p a view)`);
        expectIdentical(f(kl, p, qv), expected, `${where} (q a view)`);
        expectAgrees(f(kl, pv, qv), f(referenceKL, p, q), type === Float32Array ? 1e-5 : 1e-12, `${where} vs reference`);
        // Views are inputs like any other: not written to.
        expectIdentical(pv, p, `${where}: p view unchanged`);
        expectIdentical(qv, q, `${where}: q view unchanged`);
        kl.free(pv);
        kl.free(qv);
      }
    }
  });

  it.each(ARRAY_TYPES)("relEntr on %o views, into an alloc'd out view", (type) => {
    for (const n of SIZES) {
      for (const space of ["prob", "log"] as const) {
        const p = type.from(validValues(space, n, 3 * n));
        const q = type.from(validValues(space, n, 3 * n + 1));
        p[0] = space === "prob" ? 0 : -Infinity; // a zero term, whatever q is
        const expected = kl.relEntr(p, q, { space });
        kl.reserve(16 * n * 8);
        const pv = allocWith(kl, type, p);
        const qv = allocWith(kl, type, q);
        const out = kl.alloc(n, type as AllocType);
        const where = `${space} n=${n}`;
        const result = kl.relEntr(pv, qv, { space, out });
        expect(result, where).toBe(out);
        expectIdentical(out, expected, `${where} (views into an out view)`);
        expectIdentical(kl.relEntr(pv, qv, { space }), expected, `${where} (views, new out)`);
        const plainOut = new type(n);
        expect(kl.relEntr(pv, q, { space, out: plainOut })).toBe(plainOut);
        expectIdentical(plainOut, expected, `${where} (a plain out)`);
        out.fill(7);
        expect(kl.relEntr(p, q, { space, out })).toBe(out);
        expectIdentical(out, expected, `${where} (copies into an out view)`);
        expectIdentical(pv, p, `${where}: p view unchanged`);
        expectAgrees(out, referenceKL.relEntr(p, q, { space }), type === Float32Array ? 1e-5 : 1e-12, `${where} vs reference`);
        // In place: the result over the first input.
        expect(kl.relEntr(pv, qv, { space, out: pv })).toBe(pv);
        expectIdentical(pv, expected, `${where} (in place over p)`);
        kl.free(pv);
        kl.free(qv);
        kl.free(out);
      }
    }
  });
});

// ---------------------------------------------------------------------------------------
// The Wasm backends: stale views, growth, leaks
// ---------------------------------------------------------------------------------------

describe.each(WASM)("$name: memory", ({ simd }) => {
  const fresh = (): Promise<KL> => createKL({ simd });
  const P4 = [0.1, 0.2, 0.3, 0.4];
  const Q4 = [0.25, 0.25, 0.25, 0.25];

  /** Every place a stale view can be passed, with the argument name the error must give. */
  const USES: ReadonlyArray<[string, string, (kl: KL, v: Float64Array) => unknown]> = [
    ["kl p", "p", (kl, v) => kl.kl(v, Q4)],
    ["kl q", "q", (kl, v) => kl.kl(P4, v)],
    ["forward target", "target", (kl, v) => kl.forward(v, Q4)],
    ["forward approx", "approx", (kl, v) => kl.forward(P4, v)],
    ["reverse target", "target", (kl, v) => kl.reverse(v, Q4)],
    ["reverse approx", "approx", (kl, v) => kl.reverse(P4, v)],
    ["entropy p", "p", (kl, v) => kl.entropy(v, { normalize: true })],
    ["crossEntropy q", "q", (kl, v) => kl.crossEntropy(P4, v)],
    ["jsd p", "p", (kl, v) => kl.jsd(v, Q4)],
    ["jsd q", "q", (kl, v) => kl.jsd(P4, v, { space: "logits" })],
    ["relEntr p", "p", (kl, v) => kl.relEntr(v, Q4)],
    ["relEntr q", "q", (kl, v) => kl.relEntr(P4, v)],
    ["relEntr out", "options.out", (kl, v) => kl.relEntr(P4, Q4, { out: v })],
  ];

  it("a freed view is refused with STALE_VIEW wherever it is passed", async () => {
    const kl = await fresh();
    kl.reserve(4096);
    const settled = kl.memoryBytes();
    for (const [label, argument, use] of USES) {
      const view = allocWith(kl, Float64Array, P4) as Float64Array;
      expect(() => use(kl, view), `${label} before free`).not.toThrow();
      kl.free(view);
      // Another view may now sit where the freed one was: its data must not be touched.
      const other = allocWith(kl, Float64Array, [9, 9, 9, 9]);
      expectKLError(() => use(kl, view), "STALE_VIEW", argument, label);
      expect(Array.from(other), `${label}: the block's new owner untouched`).toEqual([9, 9, 9, 9]);
      kl.free(other);
    }
    expect(kl.memoryBytes()).toBe(settled);
    expectAgrees(kl.kl(P4, Q4), referenceKL.kl(P4, Q4), 1e-12, "after");
  });

  it("free: twice, a foreign array, another instance's view, a subarray all throw", async () => {
    const kl = await fresh();
    const other = await fresh();
    const view = kl.alloc(8, Float64Array);
    kl.free(view);
    expectKLError(() => kl.free(view), "STALE_VIEW", "view", "double free");
    expectKLError(() => kl.free(new Float64Array(8)), "STALE_VIEW", "view", "a plain Float64Array");
    expectKLError(() => kl.free(new Float32Array(8)), "STALE_VIEW", "view", "a plain Float32Array");
    const theirs = other.alloc(8, Float64Array);
    expectKLError(() => kl.free(theirs), "STALE_VIEW", "view", "another instance's view");
    const mine = kl.alloc(8, Float32Array);
    expectKLError(() => kl.free(mine.subarray(2)), "STALE_VIEW", "view", "a subarray of a view");
    // The failed frees released nothing: both views still work and can be freed once.
    mine.set([0.1, 0.1, 0.1, 0.1, 0.2, 0.2, 0.1, 0.1]);
    expect(kl.entropy(mine)).toBeCloseTo(referenceKL.entropy(mine), 6);
    kl.free(mine);
    other.free(theirs);
  });

  it("alloc refuses lengths and types it cannot serve", async () => {
    const kl = await fresh();
    for (const length of [0, -1, 1.5, NaN, Infinity]) {
      expect(thrown(() => kl.alloc(length, Float64Array)), `length ${length}`).toBeInstanceOf(KLError);
    }
    for (const type of [Int32Array, Uint8Array, Array]) {
      expect(thrown(() => kl.alloc(4, type as never)), type.name).toBeInstanceOf(KLError);
    }
  });

  it.each([
    ["a very large alloc", (kl: KL) => kl.alloc(4_000_000, Float64Array)],
    ["a very large call", (kl: KL) => kl.kl(new Float64Array(4_000_000).fill(1), new Float64Array(4_000_000).fill(1))],
  ] as const)("a view detached when memory grows (by %s) is refused with STALE_VIEW", async (_, grow) => {
    const kl = await fresh();
    kl.reserve(4096);
    const views = USES.map(() => allocWith(kl, Float64Array, P4) as Float64Array);
    expect(views.every((v) => v.length === 4), "the views are attached before").toBe(true);
    const before = kl.memoryBytes();
    grow(kl);
    expect(kl.memoryBytes(), "the memory grew").toBeGreaterThan(before);
    USES.forEach(([label, argument, use], k) => {
      expect(views[k]!.length, "the view is detached").toBe(0);
      expectKLError(() => use(kl, views[k]!), "STALE_VIEW", argument, label);
    });
    // A new view works.
    const again = allocWith(kl, Float64Array, P4);
    expect(kl.kl(again, Q4)).toBe(kl.kl(P4, Q4));
    expectAgrees(kl.kl(again, Q4), referenceKL.kl(P4, Q4), 1e-12, "after growth");
  });

  it("a call on valid views that grows the memory itself still returns the right value", async () => {
    const n = 50_000;
    const p = Float64Array.from(validValues("prob", n, 1));
    const q = Float64Array.from(validValues("prob", n, 2));
    const expected = referenceKL.jsd(p, q, { normalize: true });
    const kl = await fresh();
    kl.reserve(2 * n * 8);
    const pv = allocWith(kl, Float64Array, p);
    const qv = allocWith(kl, Float64Array, q);
    expect(pv.length + qv.length, "both views attached before the call").toBe(2 * n);
    const before = kl.memoryBytes();
    expectAgrees(kl.jsd(pv, qv, { normalize: true }), expected, 1e-12, "jsd normalize on views");
    // (Not itself the point, but what makes this test meaningful: the call needed more memory.)
    expect(kl.memoryBytes()).toBeGreaterThan(before);
  });

  it("bad input in a view is a KLError even when the call grows the memory before finding it", async () => {
    // jsd's scratch (q's copy and the mixture) outgrows the room alloc leaves, so the
    // memory grows and detaches pv before the kernel flags the NaN. (kl.reserve avoids the
    // growth, but without it the call must still report the NaN, not fail otherwise.)
    const n = 20_000;
    const kl = await fresh();
    const pv = allocWith(kl, Float64Array, validValues("prob", n, 3));
    pv[5] = NaN;
    const q = Float64Array.from(validValues("prob", n, 4));
    const error = thrown(() => kl.jsd(pv, q));
    expect(error instanceof KLError ? { code: error.code, argument: error.argument, index: error.index } : show(error)).toEqual({
      code: "NAN", argument: "p", index: 5,
    });
  });

  it("relEntr into an alloc'd out view returns the result even when staging the inputs grows the memory", async () => {
    const n = 20_000;
    const p = Float64Array.from(validValues("prob", n, 5));
    const q = Float64Array.from(validValues("prob", n, 6));
    const expected = referenceKL.relEntr(p, q);
    const kl = await fresh();
    const out = kl.alloc(n, Float64Array);
    let result: unknown;
    const error = thrown(() => {
      result = kl.relEntr(p, q, { out });
    });
    expect(show(error)).toBe("no error");
    expect((result as Float64Array).length).toBe(n);
    expectAgrees(result, expected, 1e-12, "relEntr into a view");
  });

  // -------------------------------------------------------------------------------------
  // No leaks
  // -------------------------------------------------------------------------------------

  const LEAK_SIZES = [1, 2, 3, 7, 16, 67, 256, 300, 1003, 2048, 5000];
  type Fn = (kl: KL, p: Float64Array | Float32Array, q: Float64Array | Float32Array, o: DivergenceOptions, space: Space) => unknown;
  const FNS: ReadonlyArray<[string, Fn]> = [
    ["kl", (kl, p, q, o) => kl.kl(p, q, o)],
    ["forward", (kl, p, q, o) => kl.forward(p, q, o)],
    ["reverse", (kl, p, q, o) => kl.reverse(p, q, o)],
    ["entropy", (kl, p, _, o) => kl.entropy(p, o)],
    ["crossEntropy", (kl, p, q, o) => kl.crossEntropy(p, q, o)],
    ["jsd", (kl, p, q, o) => kl.jsd(p, q, o)],
    // Logits are valid log-space input to relEntr too (any value below +Infinity).
    ["relEntr", (kl, p, q, _, space) => kl.relEntr(p, q, { space: space === "prob" ? "prob" : "log" })],
  ];
  /** Option sets, with the space the inputs are given in. */
  const OPTION_SETS: ReadonlyArray<[Space, (n: number) => DivergenceOptions]> = [
    ["prob", () => ({})],
    ["prob", () => ({ normalize: true })],
    ["prob", (n) => ({ rows: n % 2 === 0 ? 2 : 1, reduction: "none" })],
    ["prob", () => ({ reduction: "mean", base: 2, precision: "fast" })],
    ["log", () => ({ space: "log" })],
    ["log", () => ({ space: "log", normalize: true })],
    ["logits", (n) => ({ space: "logits", rows: n % 4 === 0 ? 4 : 1 })],
    ["log", () => ({ pSpace: "log", qSpace: "logits" })],
  ];

  interface Input { p: Float64Array | Float32Array; q: Float64Array | Float32Array }
  const plainInputs = new Map<string, Input>();
  const plainInput = (space: Space, n: number, type: ArrayType): Input => {
    const key = `${space} ${n} ${type.name}`;
    let input = plainInputs.get(key);
    if (!input) plainInputs.set(key, (input = { p: type.from(validValues(space, n, n)), q: type.from(validValues(space, n, n + 7)) }));
    return input;
  };

  /** A call that must throw a KLError after (or while) the kernels ran, with scratch allocated. */
  const FAILING: ReadonlyArray<[string, (kl: KL, n: number, type: ArrayType) => unknown]> = [
    ["NaN at the end of q", (kl, n, type) => {
      const q = type.from(validValues("prob", n, 1));
      q[n - 1] = NaN;
      return kl.kl(type.from(validValues("prob", n, 2)), q, { normalize: true });
    }],
    ["negative in jsd's q", (kl, n, type) => {
      const q = type.from(validValues("prob", n, 1));
      q[n >> 1] = -1;
      return kl.jsd(type.from(validValues("prob", n, 2)), q);
    }],
    ["zero-sum row", (kl, n, type) => kl.crossEntropy(type.from(validValues("prob", n, 2)), new type(n), { normalize: true })],
    ["logits row of −Infinity", (kl, n, type) => {
      const p = type.from(validValues("logits", n, 2));
      const q = new type(n).fill(-Infinity);
      return kl.reverse(p, q, { space: "logits" });
    }],
    ["+Infinity log value in relEntr", (kl, n, type) => {
      const q = type.from(validValues("log", n, 1));
      q[n - 1] = Infinity;
      return kl.relEntr(type.from(validValues("log", n, 2)), q, { space: "log" });
    }],
    ["bad option", (kl, n, type) => kl.entropy(type.from(validValues("prob", n, 2)), { reduction: "avg" as never })],
  ];

  // 200 000 calls guard it in CI; MEMORY_CALLS=1000000 runs the million-call soak.
  const CALLS = Number(process.env.MEMORY_CALLS ?? 200_000);

  it(`memoryBytes() stays where it was over ${CALLS} mixed calls, views and errors included`, async () => {
    const kl = await fresh();
    // Views live throughout, so that calls work around allocated blocks.
    const VIEW_SHAPES: ReadonlyArray<[Space, number, ArrayType]> = [
      ...(["prob", "log", "logits"] as const).flatMap((space) => ARRAY_TYPES.map((type) => [space, 5000, type] as [Space, number, ArrayType])),
      ["prob", 1003, Float64Array],
      ["prob", 7, Float32Array],
    ];
    const key = (space: Space, n: number, type: ArrayType): string => `${space} ${n} ${type.name}`;
    let views = new Map<string, Input>();
    const allocViews = (): void => {
      for (const { p, q } of views.values()) {
        kl.free(p);
        kl.free(q);
      }
      views = new Map(VIEW_SHAPES.map(([space, n, type]) => {
        const { p, q } = plainInput(space, n, type);
        return [key(space, n, type), { p: allocWith(kl, type, p), q: allocWith(kl, type, q) }];
      }));
    };

    type Plan = { fn: number; opts: number; n: number; type: ArrayType; view: boolean };
    /** The inputs of a plan: its views where there are views of that shape, else plain arrays. */
    const inputOf = ({ opts, n, type, view }: Plan): Input & { space: Space; size: number } => {
      const space = OPTION_SETS[opts]![0];
      const size = view && space !== "prob" ? 5000 : n;
      return { ...((view && views.get(key(space, size, type))) || plainInput(space, size, type)), space, size };
    };
    const run = (plan: Plan, on: KL = kl): unknown => {
      const { p, q, space, size } = inputOf(plan);
      return FNS[plan.fn]![1](on, p, q, OPTION_SETS[plan.opts]![1](size), space);
    };
    const VIEW_SIZES = [7, 1003, 5000];
    /** Every combination once at every size: later calls need no more than these did. */
    const warm = (): void => {
      for (const view of [false, true]) {
        for (const n of view ? VIEW_SIZES : LEAK_SIZES) {
          for (let fn = 0; fn < FNS.length; fn++) {
            for (let opts = 0; opts < OPTION_SETS.length; opts++) for (const type of ARRAY_TYPES) run({ fn, opts, n, type, view });
          }
        }
      }
      for (const n of LEAK_SIZES) {
        for (const type of ARRAY_TYPES) for (const [, fail] of FAILING) expect(thrown(() => fail(kl, n, type))).toBeInstanceOf(KLError);
      }
    };
    // Growth detaches the views: re-allocate them and warm again until a round grows nothing.
    // The memory is then as small as these calls allow, so a leak of even 16 bytes a call
    // would outgrow it within these calls.
    let settled = -1;
    for (let round = 0; round < 5 && settled < 0; round++) {
      allocViews();
      const before = kl.memoryBytes();
      const error = thrown(warm);
      if (error !== undefined && !(error instanceof KLError && error.code === "STALE_VIEW")) throw error;
      if (error === undefined && kl.memoryBytes() === before) settled = before;
    }
    expect(settled, "the memory settles once every call has been seen (if not: a leak)").toBeGreaterThan(0);

    const random = mulberry32(2024);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
    let errors = 0;
    let checked = 0;
    for (let call = 0; call < CALLS; call++) {
      const type = pick(ARRAY_TYPES);
      if (call % 10 === 9) {
        const [label, fail] = pick(FAILING);
        expect(thrown(() => fail(kl, pick(LEAK_SIZES), type)), label).toBeInstanceOf(KLError);
        errors++;
      } else {
        const view = random() < 0.25;
        const plan: Plan = {
          fn: Math.floor(random() * FNS.length), opts: Math.floor(random() * OPTION_SETS.length), n: pick(view ? VIEW_SIZES : LEAK_SIZES), type, view,
        };
        const result = run(plan);
        if (call % 97 === 0 && OPTION_SETS[plan.opts]![1](2).precision !== "fast") {
          // Now and then, also the value: the reference's.
          expectAgrees(result, run(plan, referenceKL), type === Float32Array ? 1e-5 : 1e-12, `call ${call}`);
          checked++;
        }
      }
      if (kl.memoryBytes() !== settled) expect(kl.memoryBytes(), `memory changed at call ${call}`).toBe(settled);
    }
    expect(errors).toBe(CALLS / 10);
    expect(checked).toBeGreaterThan(100);
    for (const [k, { p, q }] of views) expect(p.length * q.length, `view ${k} still attached`).toBeGreaterThan(0);
    expect(kl.memoryBytes()).toBe(settled);
  });

  it("alloc and free in a loop do not leak, nor do calls refused for a stale view", async () => {
    const kl = await fresh();
    const warm = kl.alloc(5000, Float64Array);
    kl.free(warm);
    const settled = kl.memoryBytes();
    for (let i = 0; i < 5000; i++) {
      const view = kl.alloc(1 + (i % 5000), (i % 2 ? Float64Array : Float32Array) as AllocType);
      view.fill(1 / view.length);
      expect(kl.entropy(view)).toBeGreaterThanOrEqual(0);
      kl.free(view);
      expect(thrown(() => kl.kl(view, view))).toBeInstanceOf(KLError);
    }
    expect(kl.memoryBytes()).toBe(settled);
  });
});

describe("views of the module's memory that a call's own growth detaches", () => {
  it.each([
    [true, Float32Array],
    [false, Float32Array],
    [true, Float64Array],
    [false, Float64Array],
  ] as const)("alloc views with logits still compute when the call grows the memory (simd: %s, %o)", async (simd, type) => {
    const kl = await createKL({ simd });
    const n = 64 * 4000;
    const values = type.from({ length: n }, (_, i) => Math.sin(i) * 3);
    // Room for the views only: staging the target (a plain array) grows the memory and detaches them.
    kl.reserve(2 * n * type.BYTES_PER_ELEMENT + 1000);
    const t = type.from(values, Math.exp);
    const s = kl.alloc(n, type);
    const out = kl.alloc(n, type);
    s.set(values.map((v) => -v));
    const options = { rows: 64, pSpace: "prob", qSpace: "logits" } as const;
    const want = referenceKL.forwardGrad(type.from(values, Math.exp), type.from(values, (v) => -v), options);
    const got = kl.forwardGrad(t, s, { ...options, out });
    expect(Math.abs((got.value as number) - (want.value as number))).toBeLessThanOrEqual(1e-12 * Math.abs(want.value as number));
    expect(got.grad.length).toBe(n);
    const largest = want.grad.reduce((m, g) => Math.max(m, Math.abs(g)), 0);
    const worst = got.grad.reduce((m, g, i) => Math.max(m, Math.abs(g - want.grad[i]!)), 0);
    expect(worst).toBeLessThanOrEqual(1e-6 * largest);
  });
});
