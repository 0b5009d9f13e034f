// Errors name the caller's own arguments (API.md, "Bad input"): a bad element in any argument of
// any method — a non-number (string, null, boolean, bigint, undefined, an object with valueOf),
// NaN, a negative or infinite probability — gives the KLError that names that method's own
// parameter and the element's index, on every backend, whichever path the call takes (the small
// one-row path, streamed sums, staged calls, row groups); and the fits name the target's fields.
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { createKLSync, fitGaussian, KLError, referenceKL } from "../src/index.js";
import type { KL, Space } from "../src/core/types.js";
import { backendNames, loadBackend } from "./backends.js";
import { show, thrown } from "./errors-helpers.js";

/** Each method with its parameters' names, as its signature gives them. */
const METHODS: ReadonlyArray<[name: keyof KL, params: string[]]> = [
  ["kl", ["p", "q"]], ["forward", ["target", "approx"]], ["reverse", ["target", "approx"]], ["entropy", ["p"]],
  ["crossEntropy", ["p", "q"]], ["jsd", ["p", "q"]], ["forwardGrad", ["target", "approx"]], ["reverseGrad", ["target", "approx"]],
  ["jsdGrad", ["target", "approx"]], ["relEntr", ["p", "q"]],
];

const NON_NUMBERS: ReadonlyArray<[string, unknown]> = [
  ["a numeric string", "0.5"], ["null", null], ["true", true], ["false", false], ["undefined", undefined],
  ["a bigint", 1n], ["an object with valueOf", { valueOf: () => 0.5 }], ["an array", [0.5]],
];

/** Options that send a call down each path: none (small path), rows, logits (staged), normalize, validate off. */
function optionsFor(method: keyof KL, variant: number, rows: number): object | undefined {
  if (variant === 0) return undefined;
  if (method === "relEntr") return [{}, { space: "log" }, { validate: false }, {}][variant - 1];
  const gradient = method.endsWith("Grad");
  return [
    { rows },
    { space: "logits", rows },
    gradient ? { qSpace: "logits", normalize: true } : { normalize: true, rows },
    { validate: false, rows, reduction: "none" },
  ][variant - 1];
}

function call(kl: KL, method: keyof KL, params: string[], args: unknown[], options: object | undefined): unknown {
  return (kl[method] as (...a: unknown[]) => unknown)(...args.slice(0, params.length), options);
}

function expectNamed(error: unknown, code: string, argument: string, index: number, label: string): void {
  expect(error, `${label}: ${show(error)}`).toBeInstanceOf(KLError);
  const { code: got, argument: named, index: at } = error as KLError;
  expect({ code: got, argument: named, index: at }, `${label}: ${show(error)}`).toEqual({ code, argument, index });
  expect((error as KLError).message, label).toContain(`element ${index}`);
}

describe.each(backendNames)("%s", (backend) => {
  let kl: KL;
  beforeAll(async () => {
    kl = await loadBackend(backend);
  });

  it.each(METHODS)("%s: a non-number anywhere is NOT_A_VECTOR naming the parameter and index, on every path", (method, params) => {
    fc.assert(
      fc.property(
        fc.constantFrom(...NON_NUMBERS), fc.nat(params.length - 1), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 300 }),
        fc.nat(), fc.integer({ min: 0, max: 4 }),
        ([label, bad], k, rows, cols, at, variant) => {
          const n = rows * cols;
          // [[0.5]] alone is one row given as nested rows, a valid input (tests/core/inputs.test.ts).
          fc.pre(!(Array.isArray(bad) && n === 1));
          const args = params.map((_, j) => Array.from({ length: n }, (_, i) => 0.1 + ((i * 7 + j) % 5) / 10));
          const index = at % n;
          (args[k] as unknown[])[index] = bad;
          const options = optionsFor(method, variant, rows);
          expectNamed(thrown(() => call(kl, method, params, args, options)), "NOT_A_VECTOR", params[k]!, index, `${label} in ${params[k]}[${index}] of ${n}, ${JSON.stringify(options)}`);
        },
      ),
      { numRuns: 150 },
    );
  });

  it.each(METHODS)("%s: a bad number in either argument names that parameter", (method, params) => {
    fc.assert(
      fc.property(
        fc.constantFrom<[number, string, Space]>([NaN, "NAN", "prob"], [-1, "NEGATIVE", "prob"], [Infinity, "INFINITE", "prob"], [Infinity, "INFINITE", "log"]),
        fc.nat(params.length - 1), fc.integer({ min: 1, max: 400 }), fc.nat(), fc.boolean(),
        ([bad, code, space], k, n, at, f32) => {
          const good = space === "prob" ? 0.2 : -1.5;
          const args = params.map(() => new Array<number>(n).fill(good));
          const index = at % n;
          args[k]![index] = bad;
          const typed = args.map((a) => (f32 ? Float32Array.from(a) : a));
          expectNamed(thrown(() => call(kl, method, params, typed, { space })), code, params[k]!, index, `${bad} in ${params[k]}[${index}] of ${n}`);
        },
      ),
      { numRuns: 100 },
    );
  });

  it("the first non-number in argument order wins, as in the reference, over bad numbers and over later pieces", () => {
    // p's non-number lies beyond the streamed first piece; q's, and a NaN in p, come before it.
    const n = 40000;
    const p: unknown[] = new Array(n).fill(0.1);
    const q: unknown[] = new Array(n).fill(0.1);
    p[3] = NaN;
    p[30000] = "x";
    q[5] = null;
    for (const method of ["kl", "crossEntropy", "jsd"] as const) {
      const expected = thrown(() => referenceKL[method](p as number[], q as number[])) as KLError;
      expect(expected.argument).toBe("p");
      expectNamed(thrown(() => kl[method](p as number[], q as number[])), "NOT_A_VECTOR", "p", 30000, method);
    }
  });
});

describe("row groups (inputs larger than the memory an instance may use)", () => {
  it.each([true, false])("name the parameter and the index in the whole input (simd: %s)", (simd) => {
    const kl = createKLSync({ simd, maxMemoryBytes: 1 << 21 });
    const rows = 64;
    const n = rows * 4000;
    for (const [method, params] of METHODS.filter(([name]) => name !== "relEntr")) {
      for (const [label, bad] of [["a string", "x"], ["NaN", NaN]] as const) {
        for (let k = 0; k < params.length; k++) {
          const args = params.map(() => new Array<unknown>(n).fill(0.5));
          const index = n - 4001;
          args[k]![index] = bad;
          const code = typeof bad === "number" ? "NAN" : "NOT_A_VECTOR";
          expectNamed(thrown(() => call(kl, method, params, args, { rows, space: "logits" })), code, params[k]!, index, `${method} ${label}`);
        }
      }
    }
  });
});

describe("fits name the target's fields", () => {
  it("a mixture whose σ the grid cannot hold names target.sigmas, never the kernels' arguments", async () => {
    const kl = await loadBackend("wasm-simd");
    const error = thrown(() => fitGaussian(kl, { weights: [1], means: [0], sigmas: [1e-300] }));
    expect(error, show(error)).toBeInstanceOf(KLError);
    expect((error as KLError).argument).toBe("target.sigmas");
    expect((thrown(() => fitGaussian(kl, { weights: [1], means: [1], sigmas: [1e-20] })) as KLError).argument).toBe("target.sigmas");
  });

  it("for any mixture, a fit returns or throws a KLError naming one of the caller's arguments", () => {
    const scale = fc.double({ min: -300, max: 300, noNaN: true }).map((e) => 10 ** e);
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.double({ min: 0.01, max: 1, noNaN: true }), fc.double({ min: -1e300, max: 1e300, noNaN: true }), scale), { minLength: 1, maxLength: 3 }),
        fc.constantFrom("forward", "reverse"),
        (components, direction) => {
          const mixture = { weights: components.map((c) => c[0]), means: components.map((c) => c[1]), sigmas: components.map((c) => c[2]) };
          const error = thrown(() => fitGaussian(referenceKL, mixture, { direction: direction as "forward" | "reverse", steps: 3, grid: { points: 64 } }));
          if (error === undefined) return;
          expect(error, show(error)).toBeInstanceOf(KLError);
          expect((error as KLError).argument, show(error)).toMatch(/^(target\.(weights|means|sigmas)|options\.grid)/);
        },
      ),
      { numRuns: 200 },
    );
  });
});
