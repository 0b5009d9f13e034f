// Bad input to the α family, on every backend: the order α missing, of the wrong type or out of
// range (BAD_OPTION naming options.alpha), `base` on the divergences that are not in nats and
// other unknown keys (BAD_OPTION naming the key), NaN, negative and infinite elements (the code,
// the argument's name and the element's index), lengths that differ, a row of p with no mass; and
// nothing mutated, whether the call throws or not.
import { beforeAll, describe, expect, it } from "vitest";
import { KLError, type KL, type KLErrorCode } from "../../src/index.js";
import { backendNames, loadBackend } from "../backends.js";
import { show, thrown } from "../errors-helpers.js";

const P = [0.25, 0.25, 0.5, 0.1, 0.2, 0.7];
const Q = [0.5, 0.25, 0.25, 0.3, 0.3, 0.4];

type Call = (kl: KL, p: unknown, q: unknown, options?: object) => unknown;
// (the casts to never let the tests pass what the types refuse)

/** The methods that take an order α: its range, and the argument names. */
const ORDERED: ReadonlyArray<[name: string, range: "renyi" | "real", names: [string, string], call: Call]> = [
  ["renyi", "renyi", ["p", "q"], (kl, p, q, o) => kl.renyi(p as never, q as never, o as never)],
  ["alphaDivergence", "real", ["p", "q"], (kl, p, q, o) => kl.alphaDivergence(p as never, q as never, o as never)],
  ["alphaGrad", "real", ["target", "approx"], (kl, p, q, o) => kl.alphaGrad(p as never, q as never, o as never)],
  ["renyiGrad", "renyi", ["target", "approx"], (kl, p, q, o) => kl.renyiGrad(p as never, q as never, o as never)],
];

/** The methods without an order: whether they take `base`. */
const FIXED: ReadonlyArray<[name: string, base: boolean, call: Call]> = [
  ["hellinger", false, (kl, p, q, o) => kl.hellinger(p as never, q as never, o)],
  ["totalVariation", false, (kl, p, q, o) => kl.totalVariation(p as never, q as never, o)],
  ["chiSquare", false, (kl, p, q, o) => kl.chiSquare(p as never, q as never, o)],
  ["bhattacharyya", true, (kl, p, q, o) => kl.bhattacharyya(p as never, q as never, o)],
  ["jeffreys", true, (kl, p, q, o) => kl.jeffreys(p as never, q as never, o)],
];

/** Every method, with valid options (an order where it needs one), and its argument names. */
const ALL: ReadonlyArray<[name: string, names: [string, string], call: (kl: KL, p: unknown, q: unknown, extra?: object) => unknown]> = [
  // (options that hold an order are passed as they are: the mutation test watches that object)
  ...ORDERED.map(([name, , names, call]) => [name, names, (kl: KL, p: unknown, q: unknown, extra = {}) => call(kl, p, q, "alpha" in extra ? extra : { alpha: 0.5, ...extra })] as const),
  ...FIXED.map(([name, , call]) => [name, ["p", "q"], (kl: KL, p: unknown, q: unknown, extra = {}) => call(kl, p, q, extra)] as const),
] as never;

function expectError(error: unknown, code: KLErrorCode, argument: string, index: number | undefined, label: string): void {
  expect(error, `${label}: ${show(error)}`).toBeInstanceOf(KLError);
  const e = error as KLError;
  expect({ code: e.code, argument: e.argument, index: e.index }, label).toEqual({ code, argument, index });
}

describe.each(backendNames)("%s: bad input to the α family", (backend) => {
  let kl: KL;
  beforeAll(async () => {
    kl = await loadBackend(backend);
  });

  it.each(ORDERED)("%s: a missing order is BAD_OPTION naming options.alpha, with options or without", (name, _range, _names, call) => {
    for (const options of [undefined, {}, { rows: 2 }, { alpha: undefined }]) {
      const error = thrown(() => call(kl, P, Q, options));
      expectError(error, "BAD_OPTION", "options.alpha", undefined, `${name}(${JSON.stringify(options)})`);
      expect((error as KLError).message).toMatch(/alpha/);
    }
  });

  it.each(ORDERED)("%s: an order of the wrong type or out of range is BAD_OPTION naming options.alpha", (name, range, _names, call) => {
    const wrong: unknown[] = ["0.5", null, true, 1n, [0.5], { valueOf: () => 0.5 }, NaN, -Infinity];
    if (range === "renyi") wrong.push(-1e-300, -0.5, -1);
    else wrong.push(Infinity);
    for (const alpha of wrong) {
      expectError(thrown(() => call(kl, P, Q, { alpha })), "BAD_OPTION", "options.alpha", undefined, `${name} α = ${String(alpha)}`);
    }
    // The range's own ends and beyond: Rényi's [0, ∞] (both ends its limits), Amari's every finite order.
    const fine = range === "renyi" ? [0, -0, 5e-324, 1, Infinity, 1e308] : [0, -0, 1, -1e308, 1e308, -5e-324];
    for (const alpha of fine) {
      const error = thrown(() => call(kl, P, Q, { alpha }));
      expect(error, `${name} α = ${alpha}: ${show(error)}`).toBeUndefined();
    }
  });

  it.each(ORDERED)("%s: base is taken by the Rényi divergence (in nats) and refused by Amari's (a logarithm only at α = 0, 1)", (name, range, _names, call) => {
    const withBase = thrown(() => call(kl, P, Q, { alpha: 0.5, base: 2 }));
    if (range === "renyi") expect(withBase, show(withBase)).toBeUndefined();
    else expectError(withBase, "BAD_OPTION", "options.base", undefined, `${name} with base`);
  });

  it.each(FIXED)("%s: base is %s; an order is not an option of it", (name, takesBase, call) => {
    const withBase = thrown(() => call(kl, P, Q, { base: 2 }));
    if (takesBase) expect(withBase, show(withBase)).toBeUndefined();
    else expectError(withBase, "BAD_OPTION", "options.base", undefined, `${name} with base`);
    expectError(thrown(() => call(kl, P, Q, { alpha: 0.5 })), "BAD_OPTION", "options.alpha", undefined, `${name} with alpha`);
  });

  it.each(ALL)("%s: unknown keys are BAD_OPTION naming them (a close one suggested)", (name, _names, call) => {
    const typo = thrown(() => call(kl, P, Q, { reduce: "mean" }));
    expectError(typo, "BAD_OPTION", "options.reduce", undefined, `${name} reduce`);
    expect((typo as KLError).message).toContain("did you mean `reduction`?");
    for (const key of ["beta", "scaled", "order", "dim"]) {
      expectError(thrown(() => call(kl, P, Q, { [key]: 0.5 })), "BAD_OPTION", `options.${key}`, undefined, `${name} ${key}`);
    }
    // `out` only where something is written: the gradients.
    const out = thrown(() => call(kl, P, Q, { out: new Float64Array(6) }));
    if (name === "alphaGrad" || name === "renyiGrad") expect(out, show(out)).toBeUndefined();
    else expectError(out, "BAD_OPTION", "options.out", undefined, `${name} out`);
  });

  it.each(ALL)("%s: NaN, negative and infinite elements name the argument and the index; nothing is computed", (name, [first, second], call) => {
    const at = (values: number[], i: number, x: number) => values.map((v, k) => (k === i ? x : v));
    expectError(thrown(() => call(kl, at(P, 3, NaN), Q)), "NAN", first, 3, `${name} NaN in ${first}`);
    expectError(thrown(() => call(kl, P, at(Q, 4, NaN))), "NAN", second, 4, `${name} NaN in ${second}`);
    expectError(thrown(() => call(kl, Float64Array.from(at(P, 0, NaN)), Float32Array.from(Q))), "NAN", first, 0, `${name} NaN in an f64 ${first}`);
    expectError(thrown(() => call(kl, P, Float32Array.from(at(Q, 5, NaN)))), "NAN", second, 5, `${name} NaN in an f32 ${second}`);
    expectError(thrown(() => call(kl, at(P, 2, -0.1), Q)), "NEGATIVE", first, 2, `${name} negative ${first}`);
    expectError(thrown(() => call(kl, P, at(Q, 1, Infinity))), "INFINITE", second, 1, `${name} infinite ${second}`);
    // NaN in log space, and +Infinity there.
    const logs = (values: number[]) => values.map(Math.log);
    expectError(thrown(() => call(kl, logs(P), at(logs(Q), 2, NaN), { space: "log" })), "NAN", second, 2, `${name} NaN in log space`);
    expectError(thrown(() => call(kl, at(logs(P), 1, Infinity), logs(Q), { space: "logits" })), "INFINITE", first, 1, `${name} +Infinity logit`);
    // Non-numbers are NOT_A_VECTOR with the index, whatever validate says.
    expectError(thrown(() => call(kl, at(P, 4, "0.2" as unknown as number), Q, { validate: false })), "NOT_A_VECTOR", first, 4, `${name} a string element`);
  });

  it.each(ALL)("%s: lengths that differ, empty inputs and rows that do not divide the length", (name, [first, second], call) => {
    expectError(thrown(() => call(kl, P, Q.slice(0, 5))), "LENGTH_MISMATCH", second, undefined, `${name} lengths`);
    expectError(thrown(() => call(kl, [], []))!, "EMPTY", first, undefined, `${name} empty`);
    expectError(thrown(() => call(kl, P, Q, { rows: 4 })), "BAD_ROWS", "options.rows", undefined, `${name} rows`);
    expectError(thrown(() => call(kl, P, Q, { space: "probability" })), "BAD_OPTION", "options.space", undefined, `${name} space`);
    expectError(thrown(() => call(kl, P, Q, { reduction: "avg" })), "BAD_OPTION", "options.reduction", undefined, `${name} reduction`);
  });

  it("renyi and bhattacharyya refuse a row of p with no mass (ZERO_SUM naming p and the row); normalize refuses it everywhere", () => {
    const p = [0.5, 0.5, 0, 0];
    const q = [0.25, 0.25, 0.25, 0.25];
    expectError(thrown(() => kl.renyi(p, q, { alpha: 0.5, rows: 2 })), "ZERO_SUM", "p", 1, "renyi");
    expectError(thrown(() => kl.bhattacharyya(p, q, { rows: 2 })), "ZERO_SUM", "p", 1, "bhattacharyya");
    expectError(thrown(() => kl.renyiGrad(p, q, { alpha: 2, rows: 2 })), "ZERO_SUM", "target", 1, "renyiGrad");
    for (const [name, , call] of FIXED) {
      expectError(thrown(() => call(kl, q, p, { rows: 2, normalize: true })), "ZERO_SUM", "q", 1, `${name} normalize`);
    }
    // A probability-space approx is differentiated as given: no normalize.
    expectError(thrown(() => kl.alphaGrad(q, q, { alpha: 0.5, normalize: true })), "BAD_OPTION", "options.normalize", undefined, "alphaGrad normalize");
    expectError(thrown(() => kl.renyiGrad(q, q, { alpha: 0.5, normalize: true })), "BAD_OPTION", "options.normalize", undefined, "renyiGrad normalize");
  });

  it("an out of the wrong type or length is BAD_OPTION naming options.out", () => {
    for (const method of ["alphaGrad", "renyiGrad"] as const) {
      expectError(thrown(() => kl[method](P, Q, { alpha: 0.5, out: new Float64Array(5) })), "BAD_OPTION", "options.out", undefined, `${method} short out`);
      expectError(thrown(() => kl[method](P, Q, { alpha: 0.5, out: new Float32Array(6) })), "BAD_OPTION", "options.out", undefined, `${method} f32 out for f64 approx`);
      expectError(thrown(() => kl[method](P, Float32Array.from(Q), { alpha: 0.5, out: new Float64Array(6) })), "BAD_OPTION", "options.out", undefined, `${method} f64 out for f32 approx`);
    }
  });

  it.each(ALL)("%s: nothing is mutated, whether the call throws or not", (name, _names, call) => {
    const calls: Array<[unknown, unknown, object]> = [
      [P, Q, {}],
      [Float64Array.from(P), Float32Array.from(Q), { rows: 2, reduction: "none" }],
      [P.map(Math.log), Q.map(Math.log), { space: "logits", rows: 3 }],
      [[0.5, NaN, 0.5, 0.1, 0.2, 0.7], Q, {}],
      [P, Q.slice(0, 5), {}],
      [P, Q, { rows: 2, reduce: "sum" }],
      [P, Q, { normalize: true, space: "prob", rows: 2 }],
    ];
    for (const [p, q, extra] of calls) {
      const snapshot = (x: unknown) => (ArrayBuffer.isView(x) ? Array.from(x as Float64Array) : structuredClone(x));
      const before = [snapshot(p), snapshot(q), JSON.stringify(ORDERED.some(([ordered]) => ordered === name) ? { alpha: 0.5, ...extra } : extra)];
      const options = ORDERED.some(([ordered]) => ordered === name) ? { alpha: 0.5, ...extra } : { ...extra };
      try {
        call(kl, p, q, options);
      } catch {
        // (the errors are the other tests' concern)
      }
      expect([snapshot(p), snapshot(q), JSON.stringify(options)], `${name} ${JSON.stringify(extra)}`).toEqual(before);
    }
  });
});
