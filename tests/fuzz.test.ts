/**
 * Fuzzing with fast-check over random options, element types, lengths 1…10 000 and values
 * from 1e-320 to 1e300 (zeros, ties, bad values included): the Wasm builds and the reference
 * agree, or both throw a KLError with the same code, argument and index. The Wasm builds get
 * the inputs in any shape a user holds (flat with `rows`, nested rows, a tensor-like whose shape
 * gives the rows), the reference flat: shapes change nothing, errors included. FC_SEED replays a run.
 */
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { KLError, referenceKL, type KL } from "../src/index.js";
import type { Space } from "../src/core/types.js";
import { loadBackend, wasmBackendNames } from "./backends.js";

// Per Wasm build: three builds × 3400 = 10 200 cases in CI (FUZZ_RUNS to run more).
const RUNS = Number(process.env.FUZZ_RUNS ?? 3400);

/** Values across the whole range, with zeros, ties, and now and then a bad one. */
const value = fc.oneof(
  { weight: 6, arbitrary: fc.double({ min: 1e-320, max: 1e300, noNaN: true }) },
  { weight: 6, arbitrary: fc.double({ min: 1e-6, max: 1, noNaN: true }) },
  { weight: 2, arbitrary: fc.constant(0) },
  { weight: 1, arbitrary: fc.constant(0.25) },
  { weight: 1, arbitrary: fc.constantFrom(Number.NaN, -1, Infinity, -Infinity) },
);

const fuzzCase = fc
  .record({
    method: fc.constantFrom("kl", "forward", "reverse", "entropy", "crossEntropy", "jsd", "relEntr", "forwardGrad", "reverseGrad"),
    length: fc.oneof(fc.integer({ min: 1, max: 70 }), fc.integer({ min: 1, max: 10_000 })),
    rows: fc.integer({ min: 1, max: 8 }),
    pSpace: fc.constantFrom<Space>("prob", "log", "logits"),
    qSpace: fc.constantFrom<Space>("prob", "log", "logits"),
    reduction: fc.constantFrom("sum", "mean", "none"),
    normalize: fc.boolean(),
    base: fc.constantFrom(Math.E, 2),
    f32: fc.boolean(),
    shape: fc.constantFrom("flat", "flat", "nested", "tensor"),
    seed: fc.integer({ min: 0, max: 2 ** 30 }),
  })
  .chain((c) => {
    const n = c.length - (c.length % c.rows || 0) || c.rows;
    return fc.record({
      c: fc.constant({ ...c, length: n }),
      p: fc.array(value, { minLength: n, maxLength: n }),
      q: fc.array(value, { minLength: n, maxLength: n }),
    });
  });

type Outcome = { error: { code: string; argument: string; index: number | undefined } } | { value: number | Float64Array | Float32Array; grad?: Float64Array | Float32Array };

function run(kl: KL, method: string, p: unknown, q: unknown, options: object): Outcome {
  try {
    const call = kl[method as "kl"] as (...args: unknown[]) => unknown;
    const result = method === "entropy" ? kl.entropy(p as Float64Array, options) : call(p, q, options);
    if (typeof result === "object" && result !== null && "grad" in result) {
      const { value, grad } = result as { value: number | Float64Array; grad: Float64Array | Float32Array };
      return { value, grad };
    }
    return { value: result as number | Float64Array };
  } catch (error) {
    if (!(error instanceof KLError)) throw error;
    return { error: { code: error.code, argument: error.argument, index: error.index } };
  }
}

/**
 * `values` in the shape `shape` with `rows` rows, and the options that go with it: a shaped
 * input carries its rows, so `rows` leaves the options (relEntr takes none).
 */
function shaped(values: Float64Array | Float32Array, shape: string, rows: number): unknown {
  const cols = values.length / rows;
  if (shape === "nested") return Array.from({ length: rows }, (_, r) => values.subarray(r * cols, (r + 1) * cols));
  if (shape === "tensor") return { data: values, dims: [rows, cols] };
  return values;
}

/** Agreement: exact for non-finite values; else relative, with the scale of the inputs' terms. */
function agrees(got: ArrayLike<number>, want: ArrayLike<number>, tolerance: number, scale: number): boolean {
  for (let i = 0; i < want.length; i++) {
    const [g, w] = [got[i]!, want[i]!];
    if (Number.isNaN(w) ? !Number.isNaN(g) : !Number.isFinite(w) ? g !== w : Math.abs(g - w) > tolerance * (Math.abs(w) + scale)) return false;
  }
  return true;
}

/** A flat operand's rows as natural-log probabilities, as the call reads them (logits and `normalize` normalised). */
function logProbabilityRows(values: ArrayLike<number>, space: Space, rows: number, normalize: boolean): number[] {
  const cols = values.length / rows;
  const out: number[] = [];
  for (let r = 0; r < rows; r++) {
    const row = Array.from({ length: cols }, (_, i) => values[r * cols + i]!);
    const logs = space === "prob" ? row.map(Math.log) : row;
    const max = Math.max(...logs);
    const logSum = space === "logits" || normalize ? Math.log(logs.reduce((s, v) => s + Math.exp(v - max), 0)) + max : 0;
    out.push(...logs.map((v) => v - logSum));
  }
  return out;
}

/**
 * The scale of a log-space reverse gradient's rounding: q·(b − a − D) takes b − a from log
 * q and log p each good to an ulp of itself, so an element carries about ε·q·(|a| + |b|),
 * far above ε·|gradient| where p and q are close.
 */
function reverseGradientPartsScale(p: ArrayLike<number>, q: ArrayLike<number>, c: { rows: number; pSpace: Space; qSpace: Space; normalize: boolean }): number {
  const a = logProbabilityRows(p, c.pSpace, c.rows, c.normalize);
  const b = logProbabilityRows(q, c.qSpace, c.rows, c.normalize);
  return Math.max(0, ...b.map((bi, i) => (Number.isFinite(bi) && Number.isFinite(a[i]!) ? Math.exp(bi) * (Math.abs(a[i]!) + Math.abs(bi)) : 0)));
}

describe.each(wasmBackendNames)("%s", (name) => {
  let kl: KL;
  beforeAll(async () => {
    kl = await loadBackend(name);
  });

  it(`agrees with the reference or throws the same KLError (${RUNS} cases)`, () => {
    fc.assert(
      fc.property(fuzzCase, ({ c, p, q }) => {
        const [x, y] = c.f32 ? [Float32Array.from(p), Float32Array.from(q)] : [Float64Array.from(p), Float64Array.from(q)];
        const space = c.method === "relEntr" ? { space: c.pSpace === "logits" ? "log" : c.pSpace } : { pSpace: c.pSpace, qSpace: c.qSpace };
        const options = c.method === "relEntr" ? space : { rows: c.rows, reduction: c.reduction, normalize: c.normalize, base: c.base, ...space };
        const { rows: _, ...shapedOptions } = options as { rows?: number };
        const xCopy = x.slice();
        const yCopy = y.slice();
        const got = c.shape === "flat"
          ? run(kl, c.method, x, y, options)
          : run(kl, c.method, shaped(x, c.shape, c.rows), shaped(y, c.shape, c.rows), shapedOptions);
        const want = run(referenceKL, c.method, x, y, options);
        expect(x).toEqual(xCopy);
        expect(y).toEqual(yCopy);
        if ("error" in want || "error" in got) {
          expect(got).toEqual(want);
          return;
        }
        // Sums of terms that cancel are compared at the size of the terms, not of the sum.
        const scale = Array.from(referenceKL.relEntr(x.map(Math.abs), y.map(Math.abs), { validate: false })).reduce((s, t) => s + (Number.isFinite(t) ? Math.abs(t) : 0), 0);
        const tolerance = c.f32 ? 1e-5 : 1e-12;
        const values = (v: number | ArrayLike<number>) => (typeof v === "number" ? [v] : v);
        expect(agrees(values(got.value), values(want.value), tolerance, scale), JSON.stringify({ c, got: got.value, want: want.value })).toBe(true);
        if (want.grad) {
          const logSpace = c.method === "reverseGrad" && c.qSpace !== "prob";
          const gradScale = Math.max(0, ...Array.from(want.grad, (g) => (Number.isFinite(g) ? Math.abs(g) : 0)), logSpace ? reverseGradientPartsScale(x, y, c) : 0);
          expect(agrees(got.grad!, want.grad, tolerance, gradScale), "gradient").toBe(true);
        }
      }),
      { numRuns: RUNS, seed: Number(process.env.FC_SEED ?? 7) },
    );
    // 3400 cases take 75–100 s on a quiet 2-core machine, more on a busy one: room beyond the
    // suite's 120 s.
  }, 400_000);
});
