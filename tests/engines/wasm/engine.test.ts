/**
 * The Wasm engine's fast path for one-row calls with no options (WasmEngine.defaultRowValue,
 * src/engines/wasm/engine.ts): it gives the general path's value bit for bit, and the general
 * path's KLError for bad input; it leaves alloc views and long rows to the general path; and
 * an input whose getter calls the same instance (re-entrant) never gets a wrong value.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { buildKL } from "../../../src/core/kl.js";
import type { KL, Vector } from "../../../src/core/types.js";
import { WasmEngine } from "../../../src/engines/wasm/engine.js";
import type { Build } from "../../../src/engines/wasm/loader.js";
import { KLError, referenceKL } from "../../../src/index.js";
import { kernelsOf } from "../../../src/engines/wasm/kernels.js";
import { loadKernels, wasmBackendNames } from "../../backends.js";
import { show, thrown } from "../../errors-helpers.js";
import { probabilityLike } from "../../generate.js";
import { ulpDistanceF64 } from "../../ulp.js";

const BUILDS: Record<(typeof wasmBackendNames)[number], Build> = { "wasm-simd": "simd", "wasm-relaxed-simd": "relaxed", wasm: "scalar" };

/** An engine on its own instance, and the public interface over it. */
function engineOf(backend: (typeof wasmBackendNames)[number]): { engine: WasmEngine; kl: KL } {
  const engine = new WasmEngine(kernelsOf(loadKernels(BUILDS[backend])), backend);
  return { engine, kl: buildKL(engine) };
}

/** The result of a call: its value, or the KLError it threw (anything else is rethrown). */
function outcome(call: () => unknown): { value: unknown } | { error: { code: string; argument: string; index: number | undefined } } {
  try {
    return { value: call() };
  } catch (error) {
    if (!(error instanceof KLError)) throw error;
    return { error: { code: error.code, argument: error.argument, index: error.index } };
  }
}

function expectSameOutcome(fast: ReturnType<typeof outcome>, general: ReturnType<typeof outcome>): void {
  if ("value" in fast && "value" in general) {
    expect(Object.is(fast.value, general.value), `fast ${String(fast.value)}, general ${String(general.value)}`).toBe(true);
  } else expect(fast).toEqual(general);
}

type Method = "kl" | "forward" | "reverse" | "entropy" | "crossEntropy";
const METHODS: readonly Method[] = ["kl", "forward", "reverse", "entropy", "crossEntropy"];

/** Calls `method` with its vectors, and `options` when given (a unary method takes one vector). */
function call(kl: KL, method: Method, p: Vector, q: Vector, options?: object): unknown {
  if (method === "entropy") return options === undefined ? kl.entropy(p) : kl.entropy(p, options);
  return options === undefined ? kl[method](p, q) : kl[method](p, q, options);
}

/** Probabilities from 5e-324 to 1e300, with exact zeros and ties. */
const element = fc.oneof(
  { weight: 4, arbitrary: fc.double({ min: 0, max: 1, noNaN: true }) },
  { weight: 2, arbitrary: fc.double({ min: 5e-324, max: 1e300, noNaN: true }) },
  { weight: 2, arbitrary: fc.constant(0) },
  { weight: 1, arbitrary: fc.constantFrom(5e-324, 1e-310, 1e-300, 1e-40, 1e30, 1e300, Number.MAX_VALUE, 0.25) },
);
type Kind = "f64" | "f32" | "array";
const kind = fc.constantFrom<Kind>("f64", "f32", "array");
const asKind = (values: number[], k: Kind): Vector => (k === "f64" ? Float64Array.from(values) : k === "f32" ? Float32Array.from(values) : values);

/** A call's inputs: n ∈ [1, 1100] (both sides of the fast path's 1024), each operand of its own kind. */
const inputs = fc
  .integer({ min: 1, max: 1100 })
  .chain((n) => fc.tuple(fc.array(element, { minLength: n, maxLength: n }), fc.array(element, { minLength: n, maxLength: n }), kind, kind))
  .map(([p, q, kp, kq]) => ({ p: asKind(p, kp), q: asKind(q, kq), kinds: `${kp}/${kq}` }));

describe.each(wasmBackendNames)("%s", (backend) => {
  describe("defaultRowValue", () => {
    it.each(METHODS)("%s: gives the general path's value bit for bit, or its KLError", (method) => {
      const { kl } = engineOf(backend);
      fc.assert(
        fc.property(inputs, ({ p, q }) => {
          expectSameOutcome(outcome(() => call(kl, method, p, q)), outcome(() => call(kl, method, p, q, { rows: 1 })));
        }),
        { numRuns: 150 },
      );
    });

    it("is taken for one row of up to 1024 elements and not beyond, nor for the JSD", () => {
      const { engine } = engineOf(backend);
      const p = probabilityLike({ length: 1025, seed: 1, zeros: 0.1, decades: 8 });
      const q = probabilityLike({ length: 1025, seed: 2, zeros: 0, decades: 8 });
      expect(typeof engine.defaultRowValue("kl", p.subarray(0, 1024), q.subarray(0, 1024), ["p", "q"])).toBe("number");
      expect(typeof engine.defaultRowValue("entropy", Array.from(p.subarray(0, 1)), undefined, ["p", "q"])).toBe("number");
      expect(engine.defaultRowValue("kl", p, q, ["p", "q"])).toBeUndefined();
      expect(engine.defaultRowValue("jsd", p.subarray(0, 8), q.subarray(0, 8), ["p", "q"])).toBeUndefined();
      // Bad input is left to the general path, which says where it is.
      expect(engine.defaultRowValue("kl", [0.5, NaN], [0.5, 0.5], ["p", "q"])).toBeUndefined();
    });

    it("gives the definitions' values on small inputs", () => {
      const { kl } = engineOf(backend);
      const p = [0.5, 0.5];
      const q = [0.9, 0.1];
      expect(kl.kl(p, q)).toBeCloseTo(Math.log(5 / 3), 15);
      expect(kl.reverse(p, q)).toBeCloseTo(0.9 * Math.log(1.8) + 0.1 * Math.log(0.2), 15);
      expect(kl.entropy(Float32Array.of(0.5, 0.5))).toBeCloseTo(Math.LN2, 7);
      expect(kl.crossEntropy(p, Float64Array.of(1, 0))).toBe(Infinity);
      expect(kl.kl([0, 1], [0.5, 0.5])).toBeCloseTo(Math.LN2, 15);
      expect(kl.kl([0.3], [0.3])).toBe(0);
    });

    const BAD: [string, Vector, Vector, string, string, number][] = [
      ["NaN in p", [0.5, NaN, 0.5], [0.2, 0.3, 0.5], "NAN", "p", 1],
      ["a negative q", Float64Array.of(0.5, 0.5, 0), Float64Array.of(0.2, -0.3, 0.5), "NEGATIVE", "q", 1],
      ["Infinity in p", Float32Array.of(0.5, 0.5, Infinity), Float32Array.of(0.2, 0.3, 0.5), "INFINITE", "p", 2],
      ["NaN in q (f32 p, f64 q)", Float32Array.of(0.5, 0.5, 0), Float64Array.of(0.2, 0.3, NaN), "NAN", "q", 2],
      ["a negative p among 1000", [...new Array<number>(999).fill(0.001), -1e-300], new Array<number>(1000).fill(0.001), "NEGATIVE", "p", 999],
    ];
    it.each(BAD)("%s: throws the general path's KLError", (_, p, q, code, argument, index) => {
      const { kl } = engineOf(backend);
      for (const method of METHODS) {
        // entropy reads p only: it throws for a bad p and computes with a bad q, on either path.
        expectSameOutcome(outcome(() => call(kl, method, p, q)), outcome(() => call(kl, method, p, q, { rows: 1 })));
        if (method !== "entropy" || argument === "p") {
          const fast = thrown(() => call(kl, method, p, q));
          expect(fast, show(fast)).toBeInstanceOf(KLError);
          expect(show(fast)).toBe(show(thrown(() => call(kl, method, p, q, { rows: 1 }))));
        }
      }
      // The names are the caller's: reverse and forward say target and approx.
      const error = thrown(() => kl.kl(p, q)) as KLError;
      expect([error.code, error.argument, error.index]).toEqual([code, argument, index]);
      expect((thrown(() => kl.reverse(p, q)) as KLError).argument).toBe(argument === "p" ? "target" : "approx");
    });

    it("leaves a view from kl.alloc to the general path, which gives the right value", () => {
      const { engine, kl } = engineOf(backend);
      const n = 100;
      const p = probabilityLike({ length: n, seed: 3, zeros: 0.1, decades: 6 });
      const q = probabilityLike({ length: n, seed: 4, zeros: 0, decades: 6 });
      kl.reserve(2 * n * 8);
      const pView = kl.alloc(n, Float64Array);
      const qView = kl.alloc(n, Float64Array);
      pView.set(p);
      qView.set(q);
      expect(engine.defaultRowValue("kl", pView, qView, ["p", "q"])).toBeUndefined();
      expect(engine.defaultRowValue("kl", pView, q, ["p", "q"])).toBeUndefined();
      expect(engine.defaultRowValue("entropy", qView, undefined, ["p", "q"])).toBeUndefined();
      const value = kl.kl(pView, qView);
      expect(Object.is(value, kl.kl(p, q, { rows: 1 }))).toBe(true);
      // The reference sums the same terms in another order: a few ulp apart at most.
      expect(ulpDistanceF64(value, referenceKL.kl(p, q))).toBeLessThanOrEqual(4);
      expect(ulpDistanceF64(kl.entropy(qView), referenceKL.entropy(q))).toBeLessThanOrEqual(4);
      expect(ulpDistanceF64(kl.kl(pView, q), referenceKL.kl(p, q))).toBeLessThanOrEqual(4);
    });
  });

  describe("an input whose getter calls the same instance (re-entrant)", () => {
    const P = [0.1, 0.2, 0.3, 0.4, 0.05, 0.05, 0.6, 0.3];
    const Q = [0.25, 0.25, 0.25, 0.25, 0.2, 0.3, 0.3, 0.2];
    const EXPECTED = referenceKL.kl(P, Q);

    /** `values` behind a Proxy whose getter runs `reenter` once, when element 3 is read. */
    function reentrant(values: number[], reenter: () => void): number[] {
      let done = false;
      return new Proxy(values, {
        get(target, key, receiver) {
          if (key === "3" && !done) {
            done = true;
            reenter();
          }
          return Reflect.get(target, key, receiver);
        },
      });
    }

    for (const [path, options] of [["fast path", undefined], ["general path", { rows: 1 }]] as const) {
      for (const which of ["p", "q"] as const) {
        it(`${path}, getter of ${which} making a small call: gives the reference's value, and the inner call too`, () => {
          const { kl } = engineOf(backend);
          const inner: number[] = [];
          const wrapped = reentrant(which === "p" ? P : Q, () => inner.push(kl.kl([0.5, 0.5], [0.9, 0.1])));
          const [p, q] = which === "p" ? [wrapped, Q] : [P, wrapped];
          const value = options === undefined ? kl.kl(p, q) : kl.kl(p, q, options);
          expect(value).toBeCloseTo(EXPECTED, 14);
          expect(inner).toHaveLength(1);
          expect(inner[0]).toBeCloseTo(Math.log(5 / 3), 15);
          // The instance still computes correctly afterwards.
          expect(kl.kl(P, Q)).toBeCloseTo(EXPECTED, 14);
        });
      }
    }

    // A getter that grows the instance's memory (here by kl.reserve) detaches the view the
    // outer call is copying into: the copy is made again, on either path.
    const growing: [string, "p" | "q", object | undefined][] = [
      ["fast path", "p", undefined],
      ["fast path", "q", undefined],
      ["general path", "p", { rows: 1 }],
      ["general path", "q", { rows: 1 }],
    ];
    for (const [path, which, options] of growing) {
      it(`${path}, getter of ${which} growing the memory: gives the reference's value`, () => {
        const { kl } = engineOf(backend);
        const before = kl.memoryBytes();
        const wrapped = reentrant(which === "p" ? P : Q, () => kl.reserve(2 * before));
        const [p, q] = which === "p" ? [wrapped, Q] : [P, wrapped];
        const value = options === undefined ? kl.kl(p, q) : kl.kl(p, q, options);
        expect(kl.memoryBytes()).toBeGreaterThan(before);
        expect(value).toBeCloseTo(EXPECTED, 14);
      });
    }
  });
});
