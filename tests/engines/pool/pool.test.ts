/**
 * createKLPool against createKL: batches of rows give the same results bit for bit whatever the
 * number of workers; one long vector gives a result that does not depend on it; bad input gives
 * createKL's KLError and leaves a shared `out` untouched. The pool runs the built package
 * (dist/), whose worker script is dist/pool-worker.js.
 */
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
