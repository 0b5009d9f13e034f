/**
 * src/core/inputs.ts: the shapes ML users hold (nested rows, tensor-likes, ndarrays, integer
 * counts, ONNX Runtime's float16 bits) give, in every method and on every backend and the pool,
 * exactly what the same values give as a flat Float64Array/Float32Array with `rows`; shapes
 * that cannot be read in order are KLErrors naming the argument. Float16Array itself is tested
 * in Chromium (tests/browser/inputs.test.ts): Node 20 has none.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createKLPool, KLError, type KL, type KLPool } from "../../src/index.js";
import { backendNames, loadBackend, wasmBackendNames } from "../backends.js";

const ROWS = 6;
const COLS = 5;
/** A deterministic batch of ROWS positive rows of COLS (not normalised: `normalize` cases use it too). */
const flatP = Float64Array.from({ length: ROWS * COLS }, (_, i) => 0.05 + ((i * 7) % 11) / 10);
const flatQ = Float64Array.from({ length: ROWS * COLS }, (_, i) => 0.1 + ((i * 5) % 13) / 12);
const nested = (values: ArrayLike<number>) => Array.from({ length: ROWS }, (_, r) => Array.from(values).slice(r * COLS, (r + 1) * COLS));

const DIVERGENCES = ["kl", "forward", "reverse", "crossEntropy", "jsd"] as const;
const GRADIENTS = ["forwardGrad", "reverseGrad", "jsdGrad"] as const;

/** A method called on any backend or the pool; results awaited either way. */
type Caller = (method: string, ...args: unknown[]) => Promise<unknown>;
const callerOf = (kl: KL | KLPool): Caller => async (method, ...args) => (kl as unknown as Record<string, (...a: unknown[]) => unknown>)[method]!(...args);

function thrown(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error("expected a KLError, got a result");
}

/** Each shape of the batch, with what the flat form needs beside it (rows). */
function shapes(p: Float64Array | Float32Array): Array<[string, unknown]> {
  const f32 = p instanceof Float32Array;
  const padded = new (f32 ? Float32Array : Float64Array)(p.length + 3).fill(9);
  padded.set(p, 2);
  // Rows of f32 arrays are f32; rows of numbers are f64.
  const rows = f32 ? Array.from({ length: ROWS }, (_, r) => p.subarray(r * COLS, (r + 1) * COLS)) : nested(p);
  return [
    ["number[][]", rows],
    ["{ data, dims } [2, 3, cols]", { data: p, dims: [2, 3, COLS], type: f32 ? "float32" : "float64", location: "cpu" }],
    ["{ data, shape } [rows, cols]", { data: p, shape: [ROWS, COLS] }],
    // An axis of length 1 may have any stride.
    ["ndarray inside a longer buffer", { data: padded, shape: [ROWS, 1, COLS], stride: [COLS, 7, 1], offset: 2 }],
    ["number[][][]", [rows.slice(0, 3), rows.slice(3)]],
  ];
}

function checkAllShapes(name: string, load: () => Promise<Caller>) {
  let call: Caller;
  beforeAll(async () => {
    call = await load();
  });

  it.each([false, true])(`${name}: every method on every shape equals the flat call with rows (f32: %s)`, async (f32) => {
    const [p, q] = f32 ? [Float32Array.from(flatP), Float32Array.from(flatQ)] : [flatP, flatQ];
    const qShapes = shapes(q);
    for (const [index, [label, shapedP]] of shapes(p).entries()) {
      const shapedQ = qShapes[index]![1];
      const context = `${label}, f32 ${f32}`;
      for (const method of DIVERGENCES) {
        for (const reduction of ["sum", "mean", "none"] as const) {
          expect(await call(method, shapedP, shapedQ, { reduction }), `${method} ${reduction} ${context}`).toEqual(await call(method, p, q, { rows: ROWS, reduction }));
        }
        // Rows come from the shape with no options at all, and with a `rows` that agrees.
        expect(await call(method, shapedP, shapedQ), `${method} ${context}`).toEqual(await call(method, p, q, { rows: ROWS }));
        expect(await call(method, shapedP, q, { rows: ROWS, space: "logits" }), `${method} ${context}`).toEqual(await call(method, p, q, { rows: ROWS, space: "logits" }));
      }
      expect(await call("entropy", shapedP, { reduction: "none" }), `entropy ${context}`).toEqual(await call("entropy", p, { rows: ROWS, reduction: "none" }));
      expect(await call("entropy", shapedP), `entropy ${context}`).toEqual(await call("entropy", p, { rows: ROWS }));
      for (const method of GRADIENTS) {
        const got = (await call(method, shapedP, shapedQ, { space: "logits", reduction: "mean" })) as { value: number; grad: Float64Array | Float32Array };
        const want = (await call(method, p, q, { space: "logits", reduction: "mean", rows: ROWS })) as typeof got;
        // The gradient is flat, row-major, of approx's element type, whatever approx's shape.
        expect(got.grad, `${method} ${context}`).toBeInstanceOf(f32 ? Float32Array : Float64Array);
        expect(got, `${method} ${context}`).toEqual(want);
      }
      const elementwise = await call("relEntr", shapedP, shapedQ);
      expect(elementwise, `relEntr ${context}`).toBeInstanceOf(f32 ? Float32Array : Float64Array);
      expect(elementwise, `relEntr ${context}`).toEqual(await call("relEntr", p, q));
    }
  });

  it(`${name}: integer counts are read as f64, ONNX Runtime float16 bits as the halves they encode`, async () => {
    const counts = [3, 0, 1, 4, 1, 5];
    const other = [1, 1, 2, 2, 3, 3];
    const want = await call("kl", Float64Array.from(counts), Float64Array.from(other), { normalize: true, rows: 2 });
    for (const type of [Uint8Array, Uint8ClampedArray, Int8Array, Uint16Array, Int16Array, Uint32Array, Int32Array]) {
      expect(await call("kl", type.from(counts), type.from(other), { normalize: true, rows: 2 }), type.name).toBe(want);
      expect(await call("kl", { data: type.from(counts), dims: [2, 3] }, other, { normalize: true }), type.name).toBe(want);
    }
    const { grad } = (await call("forwardGrad", Int32Array.from(counts), Uint16Array.from(other))) as { grad: unknown };
    expect(grad).toBeInstanceOf(Float64Array);
    // Binary16 bit patterns and the numbers IEEE 754 assigns them: 1, 1/3 rounded, the least
    // subnormal 2^−24, the largest subnormal, the least normal 2^−14, the largest half 65504.
    const bits = Uint16Array.of(0x3c00, 0x3555, 0x0001, 0x03ff, 0x0400, 0x7bff);
    const halves = Float32Array.of(1, 0.333251953125, 2 ** -24, 1023 * 2 ** -24, 2 ** -14, 65504);
    const ones = new Float32Array(bits.length).fill(1);
    const decoded = (await call("forwardGrad", { data: bits, dims: [bits.length, 1], type: "float16" }, ones)) as { grad: Float32Array };
    expect(decoded.grad).toEqual(halves.map((h) => -h)); // −p/q with q = 1
    expect(await call("entropy", { data: bits, dims: [bits.length], type: "float16" })).toBe(await call("entropy", halves));
    // Infinity's pattern is refused as Infinity is.
    await expect(call("entropy", { data: Uint16Array.of(0x3c00, 0x7c00), dims: [2], type: "float16" })).rejects.toMatchObject({ code: "INFINITE", argument: "p", index: 1 });
  });

  it(`${name}: a rows option or a second shape that contradicts the first is a KLError`, async () => {
    const shaped = { data: flatP, dims: [ROWS, COLS] };
    await expect(call("kl", shaped, flatQ, { rows: 3 })).rejects.toMatchObject({ code: "BAD_ROWS", argument: "options.rows" });
    await expect(call("kl", flatP, shaped, { rows: 1 })).rejects.toMatchObject({ code: "BAD_ROWS", argument: "options.rows" });
    await expect(call("forwardGrad", shaped, { data: flatQ, dims: [3, 10] })).rejects.toMatchObject({ code: "BAD_SHAPE", argument: "approx" });
    await expect(call("reverse", nested(flatP), { data: flatQ, shape: [COLS, ROWS] })).rejects.toMatchObject({ code: "BAD_SHAPE", argument: "approx" });
    await expect(call("kl", shaped, flatQ.subarray(1))).rejects.toMatchObject({ code: "LENGTH_MISMATCH", argument: "q" });
    // An unknown key in a tensor-like is its own business; in the options it is still an error.
    expect(await call("kl", { ...shaped, name: "logits", cpuData: null }, flatQ)).toBe(await call("kl", flatP, flatQ, { rows: ROWS }));
    await expect(call("kl", shaped, flatQ, { row: ROWS })).rejects.toMatchObject({ code: "BAD_OPTION", argument: "options.row" });
  });
}

describe.each(backendNames)("%s", (backend) => {
  let kl: KL;
  beforeAll(async () => {
    kl = await loadBackend(backend);
  });
  checkAllShapes(backend, async () => callerOf(kl));

  it("forgetting rows cannot happen where the shape is known: [batch, tokens, vocabulary] is a mean over tokens", () => {
    const [batch, tokens, vocabulary] = [2, 3, 4];
    const logits = Float32Array.from({ length: batch * tokens * vocabulary }, (_, i) => Math.sin(i * 1.3) * 3);
    const target = Float32Array.from(logits, (x, i) => x + Math.cos(i));
    const perToken = Array.from({ length: batch * tokens }, (_, t) =>
      kl.forward(target.subarray(t * vocabulary, (t + 1) * vocabulary), logits.subarray(t * vocabulary, (t + 1) * vocabulary), { space: "logits" }));
    const mean = perToken.reduce((s, v) => s + v, 0) / perToken.length;
    const dims = [batch, tokens, vocabulary];
    const got = kl.forward({ data: target, dims }, { data: logits, dims }, { space: "logits", reduction: "mean" });
    expect(Math.abs(got - mean)).toBeLessThanOrEqual(1e-6 * mean);
    // The flat buffers, rows forgotten, are one distribution over all 24 entries: another number.
    expect(Math.abs(kl.forward(target, logits, { space: "logits", reduction: "mean" }) - mean)).toBeGreaterThan(0.01);
  });

  it("shapes that cannot be read in order are KLErrors naming the argument, the row or the key", () => {
    const cases: Array<[unknown, string, string, number | undefined]> = [
      [[[0.5, 0.5], [0.2, 0.3, 0.5]], "LENGTH_MISMATCH", "p", 1],
      [[[[0.5, 0.5]], [0.5, 0.5]], "LENGTH_MISMATCH", "p", 1],
      [[[0.5, 0.5], "0.5,0.5"], "NOT_A_VECTOR", "p", 1],
      [[[0.5, 0.5], 0.5], "NOT_A_VECTOR", "p", 0],
      [[[0.5, 0.5], [0.5, "0.5"]], "NOT_A_VECTOR", "p", 3],
      [[[], []], "EMPTY", "p", undefined],
      // An ndarray transpose: stride [1, 2] for shape [2, 2] would read column by column.
      [{ data: [0.1, 0.2, 0.3, 0.4], shape: [2, 2], stride: [1, 2], offset: 0 }, "BAD_SHAPE", "p.stride", undefined],
      [{ data: [0.1, 0.2, 0.3, 0.4], shape: [2, 2], stride: [-2, 1], offset: 2 }, "BAD_SHAPE", "p.stride", undefined],
      [{ data: [0.1, 0.2, 0.3, 0.4], shape: [2, 2], offset: -1 }, "BAD_SHAPE", "p.offset", undefined],
      [{ data: [0.1, 0.2, 0.3, 0.4], dims: [2, 3] }, "BAD_SHAPE", "p", undefined],
      [{ data: [0.1, 0.2, 0.3, 0.4], dims: [2, 2.5] }, "BAD_SHAPE", "p.dims", undefined],
      [{ data: [0.1, 0.2, 0.3, 0.4] }, "NOT_A_VECTOR", "p", undefined],
      [{ data: "0.1,0.2", dims: [2] }, "NOT_A_VECTOR", "p.data", undefined],
      [{ data: BigInt64Array.of(1n, 2n), dims: [2] }, "NOT_A_VECTOR", "p.data", undefined],
      [{ data: new Float32Array(0), dims: [0, 4] }, "EMPTY", "p", undefined],
      // A tf.Tensor: its data is a method (klwasm/tfjs reads it).
      [{ shape: [2], dtype: "float32", data: async () => Float32Array.of(0.5, 0.5) }, "NOT_A_VECTOR", "p", undefined],
      [BigUint64Array.of(1n, 2n), "NOT_A_VECTOR", "p", undefined],
    ];
    for (const [p, code, where, index] of cases) {
      const calls = [["p", () => kl.kl(p as never, [0.5, 0.5])], ["target", () => kl.forwardGrad(p as never, [0.5, 0.5])], ["p", () => kl.relEntr(p as never, [0.5, 0.5])]] as const;
      for (const [name, run] of calls) {
        const argument = where.replace(/^p/, name);
        const error = thrown(run);
        expect(error, JSON.stringify(p, (_, v) => (typeof v === "bigint" ? `${v}n` : v))).toBeInstanceOf(KLError);
        expect({ code: (error as KLError).code, argument: (error as KLError).argument, index: (error as KLError).index }, (error as Error).message).toEqual({ code, argument, index });
      }
    }
    expect((thrown(() => kl.kl([[0.5, 0.5], [0.5, "0.5"]], [0.5, 0.5, 0.5, 0.5])) as Error).message).toContain("row 1, column 1");
  });

  it("reads inputs without changing them; `out` takes the flat layout", () => {
    const p = nested(flatP);
    const q = { data: flatQ.slice(), dims: [ROWS, COLS], extra: "kept" };
    const [pBefore, qBefore] = [structuredClone(p), structuredClone(q)];
    const out = new Float64Array(ROWS * COLS);
    const { grad } = kl.reverseGrad(p, q, { out, qSpace: "logits" });
    expect(grad).toBe(out);
    expect(p).toEqual(pBefore);
    expect(q).toEqual(qBefore);
    expect(thrown(() => kl.forwardGrad(p, q, { out: new Float32Array(ROWS * COLS) }))).toMatchObject({ code: "BAD_OPTION", argument: "options.out" });
    expect(kl.relEntr(p, q, { out })).toBe(out);
  });

});

describe.each(wasmBackendNames)("%s", (backend) => {
  it("a tensor-like over an alloc view is read in place, and a freed one is STALE_VIEW naming its data", async () => {
    const kl = await loadBackend(backend);
    const view = kl.alloc(ROWS * COLS, Float64Array);
    view.set(flatP);
    expect(kl.kl({ data: view, dims: [ROWS, COLS] }, flatQ)).toBe(kl.kl(flatP, flatQ, { rows: ROWS }));
    kl.free(view);
    expect(thrown(() => kl.kl({ data: view, dims: [ROWS, COLS] }, flatQ))).toMatchObject({ code: "STALE_VIEW", argument: "p.data" });
  });
});

describe("createKLPool", () => {
  let pool: KLPool;
  beforeAll(async () => {
    pool = await createKLPool({ threads: 2 });
  });
  afterAll(() => pool.terminate());
  checkAllShapes("pool", async () => callerOf(pool));

  it("splits rows given by a shape among its workers as it splits rows given by options", async () => {
    const rows = 64;
    const cols = 4096;
    const a = Float32Array.from({ length: rows * cols }, (_, i) => Math.sin(i));
    const b = Float32Array.from(a, (x, i) => x + Math.cos(i));
    const dims = [4, 16, cols];
    const got = await pool.forwardGrad({ data: a, dims }, { data: b, dims }, { space: "logits", reduction: "mean" });
    expect(got).toEqual(await pool.forwardGrad(a, b, { rows, space: "logits", reduction: "mean" }));
    expect(got.grad).toBeInstanceOf(Float32Array);
  });
});
