/**
 * createKLPool against createKL: batches of rows give the same results bit for bit whatever the
 * number of workers; one long vector gives a result that does not depend on it; bad input gives
 * createKL's KLError and leaves a shared `out` untouched. The pool runs the built package
 * (dist/), whose worker script is dist/pool-worker.js.
 */
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createKL, createKLPool, KLError, type KL, type KLPool } from "../../../dist/index.js";
import { logitsLike, probabilityLike } from "../../generate.js";

const THREADS = [1, 2, 3, 4];
const ROWS = 24;
const COLS = 3001; // odd: every share ends in a SIMD tail

type ArrayType = typeof Float64Array | typeof Float32Array;

function inputs(type: ArrayType, seed: number) {
  const n = ROWS * COLS;
  return {
    p: type.from(probabilityLike({ length: n, seed, zeros: 0.05, decades: 6 })),
    q: type.from(probabilityLike({ length: n, seed: seed + 1, zeros: 0, decades: 6 })),
    a: type.from(logitsLike(n, seed + 2, 4)),
    b: type.from(logitsLike(n, seed + 3, 4)),
  };
}

/** Whether two results are the same to the last bit (values, arrays, or { value, grad }). */
function identical(x: unknown, y: unknown): boolean {
  if (typeof x === "number") return Object.is(x, y);
  if (ArrayBuffer.isView(x)) {
    const [u, v] = [x as Float64Array, y as Float64Array];
    return u.constructor === v.constructor && u.length === v.length && u.every((value, i) => Object.is(value, v[i]));
  }
  const [u, v] = [x as { value: unknown; grad: unknown }, y as { value: unknown; grad: unknown }];
  return identical(u.value, v.value) && identical(u.grad, v.grad);
}

type Case = [label: string, call: (kl: KL | KLPool, x: ReturnType<typeof inputs>) => unknown];
const CASES: Case[] = [
  ["kl sum", (kl, { p, q }) => kl.kl(p, q, { rows: ROWS })],
  ["kl none, base 2", (kl, { p, q }) => kl.kl(p, q, { rows: ROWS, reduction: "none", base: 2 })],
  ["forward logits mean", (kl, { a, b }) => kl.forward(a, b, { rows: ROWS, space: "logits", reduction: "mean" })],
  ["reverse log/logits", (kl, { a, b }) => kl.reverse(a, b, { rows: ROWS, pSpace: "logits", qSpace: "logits" })],
  ["entropy normalize", (kl, { p }) => kl.entropy(p, { rows: ROWS, normalize: true })],
  ["crossEntropy fast", (kl, { p, q }) => kl.crossEntropy(p, q, { rows: ROWS, precision: "fast" })],
  ["jsd scaled β = 0.3", (kl, { p, q }) => kl.jsd(p, q, { rows: ROWS, beta: 0.3, scaled: true, reduction: "none" })],
  ["jsd scaled β = 0", (kl, { p, q }) => kl.jsd(p, q, { rows: ROWS, beta: 0, scaled: true })],
  ["jsd of nearly equal rows", (kl, { p }) => kl.jsd(p, p.map((v) => v * (1 + 1e-12)), { rows: ROWS, reduction: "none" })],
  ["jsdGrad prob, zeros in p", (kl, { p, q }) => kl.jsdGrad(p, q, { rows: ROWS, beta: 0.3 })],
  ["forwardGrad logits mean", (kl, { a, b }) => kl.forwardGrad(a, b, { rows: ROWS, space: "logits", reduction: "mean" })],
  ["forwardGrad prob", (kl, { p, q }) => kl.forwardGrad(p, q, { rows: ROWS })],
  ["reverseGrad logits, base 2", (kl, { a, b }) => kl.reverseGrad(a, b, { rows: ROWS, space: "logits", base: 2, reduction: "mean" })],
  ["reverseGrad prob/log none", (kl, { p, q }) => kl.reverseGrad(p, q.map(Math.log), { rows: ROWS, qSpace: "log", reduction: "none" })],
];

let single: KL;
const pools = new Map<number, KLPool>();

beforeAll(async () => {
  single = await createKL();
  for (const threads of THREADS) pools.set(threads, await createKLPool({ threads }));
});

afterAll(async () => {
  await Promise.all([...pools.values()].map((pool) => pool.terminate()));
});

describe.each([Float64Array, Float32Array])("%o rows", (type) => {
  const x = inputs(type, 11);
  it.each(CASES)("%s: every pool size gives createKL's result bit for bit", async (_, call) => {
    const expected = call(single, x);
    for (const threads of THREADS) {
      const got = await call(pools.get(threads)!, x);
      expect(identical(got, expected), `${threads} workers`).toBe(true);
    }
  });

  it("inputs and out in shared memory give the results of copies", async () => {
    const pool = pools.get(3)!;
    const [sharedA, sharedB] = [pool.alloc(x.a.length, type), pool.alloc(x.b.length, type)];
    sharedA.set(x.a);
    sharedB.set(x.b);
    const out = pool.alloc(x.b.length, type);
    const options = { rows: ROWS, space: "logits" as const, out };
    const result = await pool.reverseGrad(sharedA, sharedB, options);
    expect(pool.shared).toBe(true);
    expect(result.grad).toBe(out);
    expect(identical(result, single.reverseGrad(x.a, x.b, { rows: ROWS, space: "logits" }))).toBe(true);
  });
});

describe("one long vector", () => {
  const n = 5 * 65536 + 12345;
  const p = Float64Array.from(probabilityLike({ length: n, seed: 5, zeros: 0.01, decades: 8 }));
  const q = Float64Array.from(probabilityLike({ length: n, seed: 6, zeros: 0, decades: 8 }));

  it.each([
    ["kl", (kl: KL | KLPool) => kl.kl(p, q)],
    ["entropy, base 2", (kl: KL | KLPool) => kl.entropy(p, { base: 2 })],
    ["jsd", (kl: KL | KLPool) => kl.jsd(p, q)],
    ["reverseGrad", (kl: KL | KLPool) => kl.reverseGrad(q, p)],
  ] as const)("%s: the same whatever the number of workers, and createKL's value to 1e-14", async (_, call) => {
    const results = [];
    for (const threads of THREADS) results.push(await call(pools.get(threads)!));
    for (const result of results) expect(identical(result, results[0])).toBe(true);
    const expected = call(single) as number | { value: number; grad: Float64Array };
    const [got, want] = typeof expected === "number" ? [results[0] as number, expected] : [(results[0] as { value: number }).value, expected.value];
    expect(Math.abs(got - want)).toBeLessThanOrEqual(1e-14 * Math.abs(want));
    if (typeof expected !== "number") expect(identical((results[0] as { grad: Float64Array }).grad, expected.grad)).toBe(true);
  });
});

describe("rows beyond the largest double whose sum is not", () => {
  // Row 0: 2·e^709.78 (beyond max alone), row 1: −4·e^708.78 (beyond −max alone), rows 2, 3: 0.
  const cols = 16384;
  const a = new Float64Array(4 * cols).fill(-Infinity);
  const b = new Float64Array(4 * cols).fill(0);
  a.fill(709.78, 0, 2);
  b.fill(708.78, 0, 2);
  a.fill(708.78, cols, cols + 4);
  b.fill(709.78, cols, cols + 4);
  a[2 * cols] = a[3 * cols] = b[2 * cols] = b[3 * cols] = 0;
  const want = Math.exp(708.78) * (2 * Math.E - 4);

  it.each(["sum", "mean"] as const)("%s: createKL's value, what the exact sum rounds to", async (reduction) => {
    const options = { space: "log", rows: 4, reduction } as const;
    const expected = single.kl(a, b, options) as number;
    expect(Math.abs(expected * (reduction === "mean" ? 4 : 1) - want) / want).toBeLessThanOrEqual(1e-13);
    for (const threads of THREADS) {
      expect(await pools.get(threads)!.kl(a, b, options), `${threads} workers`).toBe(expected);
      expect((await pools.get(threads)!.forwardGrad(a, b, options)).value, `${threads} workers`).toBe(expected);
    }
  });
});

describe("bad input", () => {
  const x = inputs(Float64Array, 21);
  const bad = x.p.slice();
  bad[17 * COLS + 5] = NaN;

  it("gives createKL's KLError, with the index in the whole input", async () => {
    const pool = pools.get(4)!;
    for (const call of [
      (kl: KL | KLPool) => kl.kl(x.q, bad, { rows: ROWS }),
      (kl: KL | KLPool) => kl.forwardGrad(bad, x.q, { rows: ROWS }),
      (kl: KL | KLPool) => kl.kl(x.p, x.q, { rows: 7 }),
      (kl: KL | KLPool) => kl.kl(x.p, x.q.subarray(1), { rows: ROWS }),
      (kl: KL | KLPool) => kl.kl(x.p, x.q, { rows: ROWS, space: "linear" as never }),
    ]) {
      let expected: unknown;
      try {
        await call(single);
      } catch (error) {
        expected = error;
      }
      expect(expected).toBeInstanceOf(KLError);
      const got = await (call(pool) as Promise<unknown>).then(() => undefined, (error: unknown) => error);
      expect(got).toBeInstanceOf(KLError);
      const [g, e] = [got as KLError, expected as KLError];
      expect([g.code, g.argument, g.index, g.message]).toEqual([e.code, e.argument, e.index, e.message]);
    }
  });

  it("leaves a shared out untouched, and the pool keeps working", async () => {
    const pool = pools.get(2)!;
    const out = pool.alloc(bad.length, Float64Array).fill(7);
    await expect(pool.reverseGrad(bad, x.q, { rows: ROWS, out })).rejects.toMatchObject({ code: "NAN", argument: "target" });
    expect(out.every((value) => value === 7)).toBe(true);
    expect(identical(await pool.kl(x.p, x.q, { rows: ROWS }), single.kl(x.p, x.q, { rows: ROWS }))).toBe(true);
  });

  it.each([0, 1.5, -2, "2"])("threads %o is a KLError", async (threads) => {
    await expect(createKLPool({ threads: threads as number })).rejects.toMatchObject({ code: "BAD_OPTION", argument: "options.threads" });
  });
});

describe("calls in flight at once", () => {
  it("each give createKL's result, shared outs included", async () => {
    const pool = pools.get(3)!;
    const x = inputs(Float32Array, 41);
    const outs = [0, 1, 2].map(() => pool.alloc(x.b.length, Float32Array));
    const calls = [
      pool.forwardGrad(x.a, x.b, { rows: ROWS, space: "logits", out: outs[0] }),
      pool.reverseGrad(x.a, x.b, { rows: ROWS, space: "logits", out: outs[1] }),
      pool.kl(x.p, x.q, { rows: ROWS, reduction: "none" }),
      pool.forwardGrad(x.b, x.a, { rows: ROWS, space: "logits", out: outs[2] }),
    ];
    const [forward, reverse, perRow, swapped] = await Promise.all(calls);
    expect(identical(forward, single.forwardGrad(x.a, x.b, { rows: ROWS, space: "logits" }))).toBe(true);
    expect(identical(reverse, single.reverseGrad(x.a, x.b, { rows: ROWS, space: "logits" }))).toBe(true);
    expect(identical(perRow, single.kl(x.p, x.q, { rows: ROWS, reduction: "none" }))).toBe(true);
    expect(identical(swapped, single.forwardGrad(x.b, x.a, { rows: ROWS, space: "logits" }))).toBe(true);
  });
});

describe("a worker that fails", () => {
  it("leaves the pool computing in this thread, with createKL's results", async () => {
    const pool = await createKLPool({ threads: 2, workerUrl: new URL("./no-such-worker.js", import.meta.url) });
    const x = inputs(Float64Array, 31);
    try {
      expect(identical(await pool.kl(x.p, x.q, { rows: ROWS }), single.kl(x.p, x.q, { rows: ROWS }))).toBe(true);
      expect(identical(await pool.forwardGrad(x.a, x.b, { rows: ROWS, space: "logits" }), single.forwardGrad(x.a, x.b, { rows: ROWS, space: "logits" }))).toBe(true);
    } finally {
      await pool.terminate();
    }
  });
});

describe("the other methods", () => {
  it("run as createKL's do", async () => {
    const pool = pools.get(2)!;
    const p = [0.2, 0.3, 0.5];
    const q = [0.3, 0.3, 0.4];
    expect(identical(await pool.relEntr(p, q), single.relEntr(p, q))).toBe(true);
    expect(identical(await pool.jsdGrad(p, q), single.jsdGrad(p, q))).toBe(true);
    expect(await pool.kl(p, q)).toBe(single.kl(p, q));
  });
});

/** Whether `promise` settles within `ms` milliseconds: "resolved", "rejected" or "pending". */
async function within(promise: Promise<unknown>, ms: number): Promise<"resolved" | "rejected" | "pending"> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const pending = new Promise<"pending">((resolve) => (timer = setTimeout(() => resolve("pending"), ms)));
  const outcome = await Promise.race([promise.then(() => "resolved" as const, () => "rejected" as const), pending]);
  clearTimeout(timer);
  return outcome;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("terminate()", () => {
  it("rejects the calls in flight and every later call with a KLError TERMINATED, and resolves after", async () => {
    const pool = await createKLPool({ threads: 2 });
    const x = inputs(Float64Array, 51);
    const out = pool.alloc(x.b.length, Float64Array).fill(7);
    const calls = [
      pool.kl(x.p, x.q, { rows: ROWS }),
      pool.forwardGrad(x.a, x.b, { rows: ROWS, space: "logits", out }),
      pool.reverseGrad(x.a, x.b, { rows: ROWS, space: "logits" }),
    ];
    calls.forEach((call) => call.catch(() => undefined));
    expect(await within(pool.terminate(), 5000)).toBe("resolved");
    for (const call of calls) {
      expect(await within(call, 1000)).toBe("rejected");
      await expect(call).rejects.toMatchObject({ name: "KLError", code: "TERMINATED", argument: "pool" });
    }
    // Later calls, large, small and in this thread alike.
    await expect(pool.kl(x.p, x.q, { rows: ROWS })).rejects.toMatchObject({ code: "TERMINATED" });
    await expect(pool.kl([0.5, 0.5], [0.5, 0.5])).rejects.toMatchObject({ code: "TERMINATED" });
    await expect(pool.relEntr([0.5, 0.5], [0.5, 0.5])).rejects.toMatchObject({ code: "TERMINATED" });
    await expect(pool.jsdGrad(x.a, x.b, { rows: ROWS })).rejects.toMatchObject({ code: "TERMINATED" });
    await sleep(50);
    expect(out.every((value) => value === 7)).toBe(true);
  });
});

describe("a worker that exits without an error event", () => {
  it("settles every call, in this thread, with createKL's results", async () => {
    const pool = await createKLPool({ threads: 2, workerUrl: new URL("../../fixtures/exiting-worker.mjs", import.meta.url) });
    const x = inputs(Float64Array, 61);
    try {
      const first = pool.kl(x.p, x.q, { rows: ROWS });
      expect(await within(first, 5000)).toBe("resolved");
      expect(identical(await first, single.kl(x.p, x.q, { rows: ROWS }))).toBe(true);
      const later = pool.forwardGrad(x.a, x.b, { rows: ROWS, space: "logits" });
      expect(await within(later, 5000)).toBe("resolved");
      expect(identical(await later, single.forwardGrad(x.a, x.b, { rows: ROWS, space: "logits" }))).toBe(true);
    } finally {
      expect(await within(pool.terminate(), 5000)).toBe("resolved");
    }
  });
});

describe("options.signal", () => {
  const x = inputs(Float32Array, 71);

  it("an aborted signal rejects with its reason, before anything runs", async () => {
    const pool = pools.get(2)!;
    const reason = new Error("stop");
    const out = pool.alloc(x.b.length, Float32Array).fill(7);
    await expect(pool.forwardGrad(x.a, x.b, { rows: ROWS, space: "logits", out, signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    await expect(pool.kl([0.5, 0.5], [0.5, 0.5], { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    await expect(pool.entropy(x.p, { rows: ROWS, signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    expect(out.every((value) => value === 7)).toBe(true);
  });

  it("a signal that gives no reason rejects with a KLError ABORTED", async () => {
    const signal = { aborted: true, reason: undefined, addEventListener() {}, removeEventListener() {} } as unknown as AbortSignal;
    await expect(pools.get(2)!.kl(x.p, x.q, { rows: ROWS, signal })).rejects.toMatchObject({ code: "ABORTED", argument: "options.signal" });
  });

  it("a signal that never aborts changes nothing: createKL's results bit for bit", async () => {
    const signal = new AbortController().signal;
    for (const [label, call] of CASES) {
      const expected = call(single, x);
      const pool = pools.get(3)!;
      const wrapped = new Proxy(pool, {
        get: (target, key) => (...args: unknown[]) => {
          const options = args[args.length - 1] as object;
          return (target as unknown as Record<string | symbol, (...a: unknown[]) => unknown>)[key]!(...args.slice(0, -1), { ...options, signal });
        },
      });
      expect(identical(await call(wrapped as KLPool, x), expected), label).toBe(true);
    }
  });

  it("is an AbortSignal or a KLError BAD_OPTION", async () => {
    for (const signal of [1, "abort", {}, null, () => undefined]) {
      await expect(pools.get(2)!.kl(x.p, x.q, { rows: ROWS, signal: signal as unknown as AbortSignal })).rejects.toMatchObject({ code: "BAD_OPTION", argument: "options.signal" });
    }
  });

  it("aborting at any moment: the call gives createKL's result or rejects at once with the reason, and out is written only with the result (fast-check)", async () => {
    const pool = pools.get(2)!;
    const expected = single.forwardGrad(x.a, x.b, { rows: ROWS, space: "logits" });
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 30 }), fc.boolean(), async (delay, sharedOut) => {
        const out = sharedOut ? pool.alloc(x.b.length, Float32Array).fill(7) : new Float32Array(x.b.length).fill(7);
        const controller = new AbortController();
        const reason = new Error(`abort after ${delay} ms`);
        const call = pool.forwardGrad(x.a, x.b, { rows: ROWS, space: "logits", out, signal: controller.signal });
        call.catch(() => undefined);
        await sleep(delay);
        controller.abort(reason);
        const outcome = await within(call, 2000);
        expect(outcome).not.toBe("pending");
        if (outcome === "resolved") {
          expect(identical(await call, expected)).toBe(true);
        } else {
          await expect(call).rejects.toBe(reason);
          await sleep(40); // the workers' late results must not reach out
          expect(out.every((value) => value === 7)).toBe(true);
        }
      }),
      { numRuns: 25 },
    );
  });
});

describe("options holding a function or a Symbol", () => {
  // The pool sends workers Settings (plain data), never the options: nothing there is cloned.
  const x = inputs(Float64Array, 81);
  const symbol = Symbol("tag");
  const OPTIONS: Array<[string, Record<string | symbol, unknown>]> = [
    ["a function value", { rows: ROWS, onProgress: () => undefined }],
    ["a Symbol value", { rows: ROWS, tag: symbol }],
    ["a Symbol key", { rows: ROWS, [symbol]: 1 }],
    ["a function as a known option", { rows: ROWS, base: () => 2 }],
    ["a Symbol as a known option", { rows: ROWS, reduction: symbol }],
  ];

  /** A call's outcome: its result, or its error's name, code and argument. */
  async function outcome(call: () => unknown): Promise<unknown> {
    try {
      return { result: await call() };
    } catch (error) {
      const { name, code, argument } = error as KLError;
      return { name, code, argument };
    }
  }

  it.each(OPTIONS)("%s: each method on a large call behaves as createKL's", async (_, options) => {
    const pool = pools.get(2)!;
    for (const name of ["kl", "forward", "jsd", "forwardGrad", "reverseGrad"] as const) {
      const want = await outcome(() => (single[name] as (...a: unknown[]) => unknown)(x.p, x.q, options));
      const got = await outcome(() => (pool[name] as (...a: unknown[]) => unknown)(x.p, x.q, options));
      const same = "result" in (want as object) ? identical((got as { result: unknown }).result, (want as { result: unknown }).result) : JSON.stringify(got) === JSON.stringify(want);
      expect(same, `${name}: ${JSON.stringify(got)}`).toBe(true);
    }
  });
});

describe("the API boundary, as createKL's", () => {
  const rows = ROWS;
  const n = ROWS * COLS;
  const plain = (value: number) => new Array<unknown>(n).fill(value);

  it("unknown option keys, of createKLPool and of every method, are BAD_OPTION naming them", async () => {
    await expect(createKLPool({ thread: 2 } as never)).rejects.toMatchObject({ code: "BAD_OPTION", argument: "options.thread", message: expect.stringContaining("`threads`") });
    await expect(createKLPool({ worker_url: "x" } as never)).rejects.toMatchObject({ code: "BAD_OPTION", argument: "options.worker_url" });
    const pool = pools.get(2)!;
    const x = inputs(Float64Array, 51);
    for (const call of [
      () => pool.kl(x.p, x.q, { rows, reduce: "mean" } as never),
      () => pool.jsd(x.p, x.q, { rows, betta: 0.3 } as never),
      () => pool.forwardGrad(x.p, x.q, { rows, axis: 0 } as never),
      () => pool.relEntr(x.p, x.q, { rows } as never),
    ]) {
      const error = await call().then(() => undefined, (e: unknown) => e);
      expect(error).toBeInstanceOf(KLError);
      expect((error as KLError).code).toBe("BAD_OPTION");
      expect((error as KLError).argument).toMatch(/^options\.(reduce|betta|axis|rows)$/);
    }
  });

  it("a non-number in a large array is createKL's NOT_A_VECTOR, never coerced", async () => {
    const pool = pools.get(3)!;
    for (const bad of ["0.5", null, true, 1n, { valueOf: () => 0.5 }]) {
      for (const k of [0, 1]) {
        const args = [plain(0.5), plain(0.5)];
        args[k]![n - 2] = bad;
        for (const method of ["kl", "forwardGrad"] as const) {
          const error = await (pool[method] as (...a: unknown[]) => Promise<unknown>)(args[0], args[1], { rows }).then(() => undefined, (e: unknown) => e);
          expect(error, `${method} ${String(bad)}`).toBeInstanceOf(KLError);
          const names = method === "kl" ? ["p", "q"] : ["target", "approx"];
          expect([(error as KLError).code, (error as KLError).argument, (error as KLError).index]).toEqual(["NOT_A_VECTOR", names[k], n - 2]);
        }
      }
    }
  });

  it("a rejected call leaves out untouched, shared or not, whichever share holds the fault", async () => {
    const pool = pools.get(4)!;
    for (const at of [0, n - 1, Math.floor(n / 2)]) {
      for (const shared of [true, false]) {
        const target = plain(1 / COLS) as number[];
        target[at] = NaN;
        const out = shared ? pool.alloc(n, Float64Array) : new Float64Array(n);
        out.fill(-3.5);
        const error = await pool.forwardGrad(target, plain(1 / COLS) as number[], { rows, out }).then(() => undefined, (e: unknown) => e);
        expect((error as KLError).code).toBe("NAN");
        expect(out.every((value) => value === -3.5), `NaN at ${at}, shared ${shared}`).toBe(true);
      }
    }
  });

  it("pool.alloc of more than the engine can hold is TOO_LARGE", () => {
    const pool = pools.get(1)!;
    let error: unknown;
    try {
      pool.alloc(2 ** 40, Float64Array);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(KLError);
    expect([(error as KLError).code, (error as KLError).argument]).toEqual(["TOO_LARGE", "length"]);
  });
});
