// Bad input (README.md, "Bad input"): every kind of input the contract rejects throws a
// KLError with the right code, argument and index, on every backend, for every divergence
// it applies to; nothing is mutated, and the instance keeps computing correct values.
import { beforeAll, describe, expect, it } from "vitest";
import { KLError, referenceKL } from "../src/index.js";
import type { KLErrorCode } from "../src/index.js";
import type { DivergenceOptions, KL, Space, Vector } from "../src/core/types.js";
import { backendNames, loadBackend } from "./backends.js";
import { show, thrown } from "./errors-helpers.js";
import { mulberry32 } from "./random.mjs";

// ---------------------------------------------------------------------------------------
// The methods and how to call them
// ---------------------------------------------------------------------------------------

type MethodName = "kl" | "forward" | "reverse" | "entropy" | "crossEntropy" | "jsd" | "relEntr";

interface Method {
  name: MethodName;
  /** Parameter names, as errors must report them. */
  args: readonly string[];
  /** Takes DivergenceOptions (rows, reduction, normalize, base, precision); relEntr does not. */
  reduces: boolean;
  /** Accepts "logits" (relEntr takes "prob" or "log" only). */
  logits: boolean;
}

const METHODS: readonly Method[] = [
  { name: "kl", args: ["p", "q"], reduces: true, logits: true },
  { name: "forward", args: ["target", "approx"], reduces: true, logits: true },
  { name: "reverse", args: ["target", "approx"], reduces: true, logits: true },
  { name: "entropy", args: ["p"], reduces: true, logits: true },
  { name: "crossEntropy", args: ["p", "q"], reduces: true, logits: true },
  { name: "jsd", args: ["p", "q"], reduces: true, logits: true },
  { name: "relEntr", args: ["p", "q"], reduces: false, logits: false },
];
const TWO_ARGS = METHODS.filter((m) => m.args.length === 2);
const REDUCING = METHODS.filter((m) => m.reduces);

/** Calls `method` on `kl` with the arguments given positionally (as a user would, untyped). */
function call(kl: KL, method: Method, args: readonly unknown[], options?: unknown): unknown {
  const fn = kl[method.name] as (...a: unknown[]) => unknown;
  return fn(...args.slice(0, method.args.length), options);
}

// ---------------------------------------------------------------------------------------
// Inputs
// ---------------------------------------------------------------------------------------

type DType = "f64" | "f32" | "array";
const DTYPES: readonly DType[] = ["f64", "f32", "array"];

function asDType(values: ArrayLike<number>, dtype: DType): Vector {
  if (dtype === "f64") return Float64Array.from(values);
  if (dtype === "f32") return Float32Array.from(values);
  return Array.from(values);
}

/** Valid values of one space: positive probabilities, finite log-probabilities, logits. */
function validValues(space: Space, length: number, seed: number): number[] {
  const random = mulberry32(seed);
  return Array.from({ length }, () => {
    const u = 0.02 + random();
    return space === "prob" ? u : space === "log" ? Math.log(u / 2) : 6 * random() - 3;
  });
}

/** Shapes [length, rows]: scalar tails of every size, whole SIMD blocks (256), several rows. */
const SHAPES: ReadonlyArray<readonly [number, number]> = [
  [1, 1], [3, 1], [5, 1], [7, 1], [9, 1], [9, 3], [67, 1], [67, 67], [300, 1], [300, 4], [1003, 1], [1003, 17],
];

/**
 * Where to put the bad element: the first and last elements, the scalar tail, the middle
 * of a SIMD block (block 1 covers 0–255, block 2 starts at 256), the start and middle of
 * a later row.
 */
function positions(length: number, rows: number): number[] {
  const cols = length / rows;
  const candidates = [
    0, 1, 2, cols - 1, cols, Math.floor(length / 2), 129, 130, 255, 256, 383,
    (rows - 1) * cols + Math.floor(cols / 2), length - 3, length - 2, length - 1,
  ];
  return [...new Set(candidates)].filter((i) => i >= 0 && i < length).sort((a, b) => a - b);
}

// ---------------------------------------------------------------------------------------
// Checking errors
// ---------------------------------------------------------------------------------------

interface Expected {
  code: KLErrorCode;
  argument: string;
  /** The first bad element (or row); undefined where no one element is at fault. */
  index?: number;
}


/** A description of how `error` differs from what is expected, or null if it matches. */
function mismatch(error: unknown, want: Expected): string | null {
  if (!(error instanceof KLError)) return `wanted KLError ${want.code} ${want.argument}[${want.index}], got ${show(error)}`;
  if (error.code !== want.code || error.argument !== want.argument || error.index !== want.index) {
    return `wanted ${want.code} ${want.argument} index=${want.index}, got ${show(error)}`;
  }
  if (error.name !== "KLError" || !error.message.includes(want.argument)) return `message does not name ${want.argument}: ${show(error)}`;
  if (want.index !== undefined && !new RegExp(`(^|\\D)${want.index}(\\D|$)`).test(error.message)) {
    return `message does not mention index ${want.index}: ${show(error)}`;
  }
  return null;
}

function expectKLError(f: () => unknown, want: Expected, label = ""): void {
  const problem = mismatch(thrown(f), want);
  expect(problem, label).toBeNull();
}

/** Copies of the inputs, to check afterwards that nothing was mutated. */
function snapshot(args: readonly unknown[]): unknown[] {
  return args.map((a) => (ArrayBuffer.isView(a) || Array.isArray(a) ? (a as Float64Array).slice() : a));
}

function mutated(args: readonly unknown[], before: readonly unknown[]): boolean {
  return args.some((a, k) => {
    if (!(ArrayBuffer.isView(a) || Array.isArray(a))) return false;
    const now = a as ArrayLike<number>;
    const then = before[k] as ArrayLike<number>;
    if (now.length !== then.length || Object.getPrototypeOf(now) !== Object.getPrototypeOf(then)) return true;
    for (let i = 0; i < now.length; i++) if (!Object.is(now[i], then[i])) return true;
    return false;
  });
}

// ---------------------------------------------------------------------------------------
// Checking values
// ---------------------------------------------------------------------------------------

/** The contract's agreement: 1e-12 relative (f64), 1e-5 (f32); infinities and zeros exactly. */
function agrees(actual: number, expected: number, rel: number): boolean {
  if (!Number.isFinite(expected) || expected === 0) return Object.is(actual + 0, expected + 0);
  return Math.abs(actual - expected) <= rel * Math.abs(expected);
}

function expectAgrees(actual: unknown, expected: unknown, rel: number, label: string): void {
  if (typeof expected === "number") {
    expect(typeof actual, label).toBe("number");
    expect(agrees(actual as number, expected, rel), `${label}: ${actual} vs ${expected}`).toBe(true);
    return;
  }
  const e = Array.from(expected as ArrayLike<number>);
  const a = Array.from(actual as ArrayLike<number>);
  expect(a.length, label).toBe(e.length);
  const bad = e.map((v, i) => [i, a[i]!, v] as const).filter(([, x, v]) => !agrees(x, v, rel));
  expect(bad.slice(0, 5), label).toEqual([]);
}

const HEALTH_P = validValues("prob", 1004, 11);
const HEALTH_Q = validValues("prob", 1004, 12);
const HEALTH_LOGITS = validValues("logits", 1004, 13);

/** The instance still computes what the reference does, after whatever came before. */
function expectStillCorrect(kl: KL): void {
  const p = Float64Array.from(HEALTH_P);
  const q = Float64Array.from(HEALTH_Q);
  const cases: Array<[string, (k: KL) => unknown]> = [
    ["kl", (k) => k.kl(p, q)],
    ["kl rows none", (k) => k.kl(p, q, { rows: 4, reduction: "none" })],
    ["kl normalize base 2", (k) => k.kl(p, q, { normalize: true, base: 2, rows: 2 })],
    ["reverse logits", (k) => k.reverse(HEALTH_LOGITS, q, { pSpace: "logits", normalize: true, rows: 4 })],
    ["entropy logits", (k) => k.entropy(HEALTH_LOGITS, { space: "logits", rows: 4, reduction: "mean" })],
    ["jsd", (k) => k.jsd(p, q, { normalize: true })],
    ["crossEntropy", (k) => k.crossEntropy(p, q, { rows: 4, reduction: "none" })],
    ["relEntr", (k) => k.relEntr(p, q)],
  ];
  for (const [label, f] of cases) expectAgrees(f(kl), f(referenceKL), 1e-12, `still correct: ${label}`);
}

// ---------------------------------------------------------------------------------------
// Bad values, wherever they sit
// ---------------------------------------------------------------------------------------

interface BadValue {
  label: string;
  space: Space;
  value: number;
  code: KLErrorCode;
  /** Skips dtypes that cannot hold the value (a negative subnormal double is −0 in f32). */
  f32?: false;
}

const BAD_VALUES: readonly BadValue[] = [
  { label: "NaN probability", space: "prob", value: NaN, code: "NAN" },
  { label: "-1 probability", space: "prob", value: -1, code: "NEGATIVE" },
  { label: "-5e-324 probability (negative subnormal)", space: "prob", value: -5e-324, code: "NEGATIVE", f32: false },
  { label: "-Infinity probability", space: "prob", value: -Infinity, code: "NEGATIVE" },
  { label: "+Infinity probability", space: "prob", value: Infinity, code: "INFINITE" },
  { label: "NaN log-probability", space: "log", value: NaN, code: "NAN" },
  { label: "+Infinity log-probability", space: "log", value: Infinity, code: "INFINITE" },
  { label: "NaN logit", space: "logits", value: NaN, code: "NAN" },
  { label: "+Infinity logit", space: "logits", value: Infinity, code: "INFINITE" },
];

/** Options that set the space of both arguments and, where the method takes it, rows. */
function optionsFor(method: Method, space: Space, rows: number): DivergenceOptions {
  return method.reduces ? { space, rows, reduction: rows > 1 ? "none" : "sum" } : { space };
}

describe.each(backendNames)("%s", (backend) => {
  let kl: KL;
  beforeAll(async () => {
    kl = await loadBackend(backend);
  });

  describe.each(METHODS)("$name", (method) => {
    const applicable = BAD_VALUES.filter((bad) => bad.space !== "logits" || method.logits);

    it.each(applicable)("$label: found at every position, in every argument, dtype and row", (bad) => {
      const failures: string[] = [];
      let calls = 0;
      for (const [length, rows] of SHAPES) {
        for (const dtype of DTYPES) {
          if (dtype === "f32" && bad.f32 === false) continue;
          const args = method.args.map((_, k) => asDType(validValues(bad.space, length, 100 * length + k), dtype)) as number[][];
          const options = optionsFor(method, bad.space, rows);
          for (let k = 0; k < args.length; k++) {
            for (const i of positions(length, rows)) {
              const target = args[k]!;
              const good = target[i]!;
              target[i] = bad.value;
              const before = snapshot(args);
              const error = thrown(() => call(kl, method, args, options));
              calls++;
              const where = `${dtype} length ${length} rows ${rows}, ${method.args[k]}[${i}]`;
              const problem = mismatch(error, { code: bad.code, argument: method.args[k]!, index: i });
              if (problem) failures.push(`${where}: ${problem}`);
              if (mutated(args, before)) failures.push(`${where}: input mutated`);
              target[i] = good;
            }
          }
        }
      }
      expect(calls).toBeGreaterThan(100);
      expect(failures.slice(0, 10), `${failures.length} of ${calls} calls wrong`).toEqual([]);
      expectStillCorrect(kl);
    });

    it("accepts what is not bad: 0 and −0 probabilities, subnormals, −Infinity in log space", () => {
      const cases: Array<{ space: Space; values: number[] }> = [
        { space: "prob", values: [0, -0, 5e-324, 0.5, 1e30, 0.25, 0, 0.125, 2] },
        { space: "log", values: [-Infinity, -1, -Infinity, -0.5, 0, -2, -Infinity, -3, -0.1] },
      ];
      if (method.logits) cases.push({ space: "logits", values: [-Infinity, 3, -7, -Infinity, 0, 1e3, -1e3, 2, -Infinity] });
      for (const { space, values } of cases) {
        for (const dtype of DTYPES) {
          const args = method.args.map((_, k) => asDType(k === 0 ? values : [...values].reverse(), dtype));
          const before = snapshot(args);
          const options = method.reduces ? { space, rows: 3, reduction: "none" as const } : { space };
          const label = `${space} ${dtype}`;
          const result = call(kl, method, args, options);
          expect(mutated(args, before), label).toBe(false);
          expectAgrees(result, call(referenceKL, method, args, options), dtype === "f32" ? 1e-5 : 1e-12, label);
        }
      }
    });

    it("validate: false does not throw on NaN (the result is unspecified)", () => {
      for (const dtype of DTYPES) {
        for (let k = 0; k < method.args.length; k++) {
          for (const space of ["prob", "log", "logits"] as const) {
            if (space === "logits" && !method.logits) continue;
            const args = method.args.map((_, j) => asDType(validValues(space, 67, j), dtype)) as number[][];
            args[k]![33] = NaN;
            args[k]![66] = NaN;
            const options = method.reduces ? { space, validate: false, rows: 67 } : { space, validate: false };
            expect(() => call(kl, method, args, options), `${dtype} ${space} ${method.args[k]}`).not.toThrow();
          }
        }
      }
      expectStillCorrect(kl);
    });
  });

  // -------------------------------------------------------------------------------------
  // Several faults at once: which one is reported
  // -------------------------------------------------------------------------------------

  describe("several bad elements", () => {
    const BASE = [0.1, 0.2, 0.3, 0.4, 0.1, 0.2, 0.3, 0.4, 0.1, 0.2];
    const withBad = (changes: Record<number, number>): number[] => BASE.map((v, i) => changes[i] ?? v);

    it.each(METHODS)("$name: within one argument, the first bad element wins, whatever its kind", (method) => {
      const cases: Array<[Record<number, number>, KLErrorCode, number]> = [
        [{ 3: -1, 7: NaN }, "NEGATIVE", 3],
        [{ 3: NaN, 7: -1 }, "NAN", 3],
        [{ 2: Infinity, 9: NaN }, "INFINITE", 2],
        [{ 5: NaN, 6: NaN }, "NAN", 5],
      ];
      for (const dtype of DTYPES) {
        for (const [changes, code, index] of cases) {
          for (let k = 0; k < method.args.length; k++) {
            const args = method.args.map((_, j) => asDType(j === k ? withBad(changes) : BASE, dtype));
            expectKLError(() => call(kl, method, args), { code, argument: method.args[k]!, index }, `${dtype} ${JSON.stringify(changes)}`);
          }
        }
      }
    });

    it.each(TWO_ARGS.filter((m) => m.name !== "reverse"))("$name: the first argument is reported before the second", (method) => {
      for (const dtype of DTYPES) {
        // The second argument's bad element comes earlier: the first argument still wins.
        const args = [asDType(withBad({ 8: NaN }), dtype), asDType(withBad({ 1: NaN }), dtype)];
        expectKLError(() => call(kl, method, args), { code: "NAN", argument: method.args[0]!, index: 8 }, dtype);
        const args2 = [asDType(withBad({ 8: -2 }), dtype), asDType(withBad({ 1: NaN }), dtype)];
        expectKLError(() => call(kl, method, args2), { code: "NEGATIVE", argument: method.args[0]!, index: 8 }, dtype);
      }
    });

    it("reverse: with both arguments bad, reports what the reference reports, under the names target/approx", () => {
      for (const dtype of DTYPES) {
        const args = [asDType(withBad({ 8: NaN }), dtype), asDType(withBad({ 1: -1 }), dtype)] as const;
        const error = thrown(() => kl.reverse(args[0], args[1]));
        const expected = thrown(() => referenceKL.reverse(args[0], args[1])) as KLError;
        expect(["target", "approx"]).toContain(expected.argument);
        const want = expected.argument === "target" ? { code: "NAN", index: 8 } : { code: "NEGATIVE", index: 1 };
        expect({ code: expected.code, index: expected.index }).toEqual(want);
        expect(mismatch(error, { code: expected.code, argument: expected.argument, index: expected.index }), dtype).toBeNull();
      }
    });

    it("reverse keeps the names target and approx for each argument", () => {
      for (const dtype of DTYPES) {
        expectKLError(() => kl.reverse(asDType(withBad({ 4: NaN }), dtype), asDType(BASE, dtype)), { code: "NAN", argument: "target", index: 4 });
        expectKLError(() => kl.reverse(asDType(BASE, dtype), asDType(withBad({ 6: -1 }), dtype)), { code: "NEGATIVE", argument: "approx", index: 6 });
        expectKLError(() => kl.reverse(asDType(withBad({ 0: Infinity }), dtype), asDType(BASE, dtype), { pSpace: "logits" }), {
          code: "INFINITE", argument: "target", index: 0,
        });
        expectKLError(() => kl.reverse(asDType(BASE, dtype), asDType(withBad({ 9: Infinity }), dtype), { qSpace: "log" }), {
          code: "INFINITE", argument: "approx", index: 9,
        });
        expectKLError(() => kl.reverse(BASE, BASE.slice(1)), { code: "LENGTH_MISMATCH", argument: "approx" });
        expectKLError(() => kl.reverse([], BASE), { code: "EMPTY", argument: "target" });
        expectKLError(() => kl.reverse(BASE, null as never), { code: "NOT_A_VECTOR", argument: "approx" });
      }
    });

    it("each argument is checked in its own space (pSpace/qSpace)", () => {
      const negative = withBad({ 4: -1 });
      const minusInf = withBad({ 2: -Infinity });
      for (const dtype of DTYPES) {
        for (const method of TWO_ARGS.filter((m) => m.logits)) {
          const [a, b] = method.args as [string, string];
          // −1 is a fine logit or log-probability but a bad probability, whichever argument holds it.
          expect(() => call(kl, method, [asDType(negative, dtype), asDType(BASE, dtype)], { pSpace: "logits" })).not.toThrow();
          expectKLError(() => call(kl, method, [asDType(BASE, dtype), asDType(negative, dtype)], { pSpace: "logits" }), {
            code: "NEGATIVE", argument: b, index: 4,
          }, `${method.name} ${dtype}`);
          expectKLError(() => call(kl, method, [asDType(negative, dtype), asDType(BASE, dtype)], { qSpace: "log" }), {
            code: "NEGATIVE", argument: a, index: 4,
          }, `${method.name} ${dtype}`);
          expect(() => call(kl, method, [asDType(BASE, dtype), asDType(minusInf, dtype)], { qSpace: "log" })).not.toThrow();
          expectKLError(() => call(kl, method, [asDType(minusInf, dtype), asDType(BASE, dtype)], { qSpace: "log" }), {
            code: "NEGATIVE", argument: a, index: 2,
          }, `${method.name} ${dtype}`);
        }
      }
    });
  });

  // -------------------------------------------------------------------------------------
  // Rows with no probability: ZERO_SUM (normalize) and NO_MASS (logits, normalised log)
  // -------------------------------------------------------------------------------------

  describe("rows holding no probability", () => {
    /** [rows, cols]: one-element rows, scalar tails, SIMD blocks, more than one block. */
    const ROW_SHAPES: ReadonlyArray<readonly [number, number]> = [[1, 1], [3, 1], [2, 3], [4, 7], [3, 67], [2, 300]];

    interface RowCase {
      label: string;
      space: Space;
      fill: number;
      code: KLErrorCode;
      normalize: boolean;
    }
    const ROW_CASES: readonly RowCase[] = [
      { label: "zero-sum probability row with normalize", space: "prob", fill: 0, code: "ZERO_SUM", normalize: true },
      { label: "logits row of all −Infinity", space: "logits", fill: -Infinity, code: "NO_MASS", normalize: false },
      { label: "log row of all −Infinity with normalize", space: "log", fill: -Infinity, code: "NO_MASS", normalize: true },
    ];

    it.each(REDUCING.flatMap((method) => ROW_CASES.map((c) => ({ ...c, method, name: method.name }))))(
      "$name: $label, in every row, argument and dtype",
      ({ method, space, fill, code, normalize }) => {
        const failures: string[] = [];
        for (const [rows, cols] of ROW_SHAPES) {
          for (const dtype of DTYPES) {
            for (let k = 0; k < method.args.length; k++) {
              for (const row of new Set([0, rows - 1, Math.floor(rows / 2)])) {
                const args = method.args.map((_, j) => validValues(space, rows * cols, 7 * j + rows));
                for (let i = row * cols; i < (row + 1) * cols; i++) args[k]![i] = fill;
                const typed = args.map((a) => asDType(a, dtype));
                const before = snapshot(typed);
                const where = `${dtype} [${rows}, ${cols}] ${method.args[k]} row ${row}`;
                const problem = mismatch(thrown(() => call(kl, method, typed, { space, normalize, rows })), {
                  code, argument: method.args[k]!, index: row,
                });
                if (problem) failures.push(`${where}: ${problem}`);
                if (mutated(typed, before)) failures.push(`${where}: input mutated`);
              }
            }
          }
        }
        expect(failures.slice(0, 10), `${failures.length} wrong`).toEqual([]);
        expectStillCorrect(kl);
      },
    );

    it("without normalize, a zero probability row or an all −Infinity log row is a valid distribution of no mass", () => {
      const p = [0, 0, 0, 0.2, 0.3, 0.5];
      const q = [0.1, 0.2, 0.7, 0.2, 0.3, 0.5];
      expect(kl.kl(p, q, { rows: 2, reduction: "none" })).toEqual(new Float64Array([0, 0]));
      expect(kl.entropy(p, { rows: 2, reduction: "none" })[0]).toBe(0);
      const logp = p.map(Math.log);
      expect(kl.kl(logp, q, { rows: 2, reduction: "none", pSpace: "log" })[0]).toBe(0);
    });

    it("bad values are reported before empty rows; the first empty row is reported", () => {
      // NaN in q, an empty row in p: the NaN is reported, as nothing can be said about q's mass.
      const p = [0, 0, 0, 0.2, 0.3, 0.5];
      const q = [0.1, 0.2, 0.7, 0.2, NaN, 0.5];
      for (const dtype of DTYPES) {
        expectKLError(() => kl.kl(asDType(p, dtype), asDType(q, dtype), { rows: 2, normalize: true }), { code: "NAN", argument: "q", index: 4 });
        const logits = [-Infinity, -Infinity, -Infinity, 1, Infinity, 2];
        expectKLError(() => kl.entropy(asDType(logits, dtype), { rows: 2, space: "logits" }), { code: "INFINITE", argument: "p", index: 4 });
        const twoEmpty = [0.5, 0.5, 0, 0, 0, 0];
        expectKLError(() => kl.entropy(asDType(twoEmpty, dtype), { rows: 3, normalize: true }), { code: "ZERO_SUM", argument: "p", index: 1 });
      }
    });

    it("with empty rows in both arguments, reports what the reference reports", () => {
      // p's row 1 and q's row 0 hold no mass.
      const p = [0.5, 0.5, 0, 0];
      const q = [0, 0, 0.5, 0.5];
      const cases: Array<[MethodName, DivergenceOptions, number[], number[]]> = [
        ["kl", { rows: 2, normalize: true }, p, q],
        ["jsd", { rows: 2, normalize: true }, p, q],
        ["kl", { rows: 2, space: "logits" }, p.map(Math.log), q.map(Math.log)],
      ];
      for (const [name, options, a, b] of cases) {
        const method = METHODS.find((m) => m.name === name)!;
        const expected = thrown(() => call(referenceKL, method, [a, b], options)) as KLError;
        expect(expected).toBeInstanceOf(KLError);
        const problem = mismatch(thrown(() => call(kl, method, [a, b], options)), {
          code: expected.code, argument: expected.argument, index: expected.index,
        });
        expect(problem, `${name} ${JSON.stringify(options)}`).toBeNull();
      }
    });
  });

  // -------------------------------------------------------------------------------------
  // Shapes and arguments
  // -------------------------------------------------------------------------------------

  describe("shapes and arguments", () => {
    it.each(TWO_ARGS)("$name: lengths that differ", (method) => {
      for (const [a, b] of [[4, 5], [5, 4], [1, 2], [1003, 1002]] as const) {
        for (const dtype of DTYPES) {
          const args = [asDType(validValues("prob", a, 1), dtype), asDType(validValues("prob", b, 2), dtype)];
          const error = thrown(() => call(kl, method, args));
          expect(mismatch(error, { code: "LENGTH_MISMATCH", argument: method.args[1]! }), `${a} vs ${b} ${dtype}`).toBeNull();
          expect((error as Error).message).toContain(String(a));
          expect((error as Error).message).toContain(String(b));
        }
      }
      // f64 against f32 of another length, and with a NaN: the shape is reported first.
      expectKLError(() => call(kl, method, [new Float64Array(3).fill(0.3), new Float32Array(4).fill(0.25)]), {
        code: "LENGTH_MISMATCH", argument: method.args[1]!,
      });
      expectKLError(() => call(kl, method, [[NaN, 0.5], [0.5]]), { code: "LENGTH_MISMATCH", argument: method.args[1]! });
    });

    it.each(METHODS)("$name: empty input", (method) => {
      const empties: unknown[] = [[], new Float64Array(0), new Float32Array(0)];
      const full = [0.5, 0.5];
      for (const empty of empties) {
        for (let k = 0; k < method.args.length; k++) {
          const args = method.args.map((_, j) => (j === k ? empty : full));
          // An empty second argument differs in length too; either way it is that argument's fault.
          const error = thrown(() => call(kl, method, args));
          expect(error, `${method.args[k]} ${show(error)}`).toBeInstanceOf(KLError);
          expect((error as KLError).argument).toBe(method.args[k]);
          expect(["EMPTY", "LENGTH_MISMATCH"]).toContain((error as KLError).code);
        }
        expectKLError(() => call(kl, method, method.args.map(() => empty)), { code: "EMPTY", argument: method.args[0]! });
        expectKLError(() => call(kl, method, [empty, empty], method.reduces ? { rows: 1 } : {}), { code: "EMPTY", argument: method.args[0]! });
      }
      if (method.args.length === 2) expectKLError(() => call(kl, method, [[], []]), { code: "EMPTY", argument: method.args[0]! });
    });

    const NOT_VECTORS: ReadonlyArray<[string, unknown]> = [
      ["null", null],
      ["undefined", undefined],
      ["a number", 0.5],
      ["a string", "0.5,0.5"],
      ["an object", { 0: 0.5, 1: 0.5, length: 2 }],
      // Integer arrays are counts (tests/core/inputs.test.ts); 64-bit ones hold bigints.
      ["a BigInt64Array", new BigInt64Array([1n, 1n])],
      ["an object with data but no shape", { data: [0.5, 0.5] }],
      ["a tf.Tensor", { shape: [2], dtype: "float32", data: async () => [0.5, 0.5] }],
      ["a DataView", new DataView(new ArrayBuffer(16))],
      ["a Set", new Set([0.5, 0.5])],
    ];

    it.each(METHODS)("$name: arguments that are not vectors", (method) => {
      for (const [label, value] of NOT_VECTORS) {
        for (let k = 0; k < method.args.length; k++) {
          const args = method.args.map((_, j) => (j === k ? value : [0.5, 0.5]));
          expectKLError(() => call(kl, method, args), { code: "NOT_A_VECTOR", argument: method.args[k]! }, `${method.args[k]} = ${label}`);
        }
      }
      // A missing argument.
      expectKLError(() => (kl[method.name] as (...a: unknown[]) => unknown)(), { code: "NOT_A_VECTOR", argument: method.args[0]! });
    });

    it.each(METHODS)("$name: arrays holding something other than numbers", (method) => {
      // A number[] is a vector; an array with a non-number at 1 is not a valid one: either
      // NOT_A_VECTOR for the argument or NAN at the element, never a silent result.
      for (const [label, value] of [["undefined", undefined], ["a string", "x"], ["an object", {}]] as const) {
        for (let k = 0; k < method.args.length; k++) {
          const args = method.args.map((_, j) => (j === k ? [0.5, value, 0.5] : [0.25, 0.5, 0.25]));
          const error = thrown(() => call(kl, method, args));
          const label2 = `${method.args[k]}[1] = ${label}: ${show(error)}`;
          expect(error, label2).toBeInstanceOf(KLError);
          expect((error as KLError).argument, label2).toBe(method.args[k]);
          expect(["NAN", "NOT_A_VECTOR"], label2).toContain((error as KLError).code);
          if ((error as KLError).code === "NAN") expect((error as KLError).index, label2).toBe(1);
        }
      }
    });
  });

  // -------------------------------------------------------------------------------------
  // Options
  // -------------------------------------------------------------------------------------

  describe("options", () => {
    type OptionCase = [label: string, options: unknown, argument: string, code: KLErrorCode];

    const ROWS: readonly OptionCase[] = [
      ["rows 0", { rows: 0 }, "options.rows", "BAD_ROWS"],
      ["rows -1", { rows: -1 }, "options.rows", "BAD_ROWS"],
      ["rows 1.5", { rows: 1.5 }, "options.rows", "BAD_ROWS"],
      ["rows NaN", { rows: NaN }, "options.rows", "BAD_ROWS"],
      ["rows Infinity", { rows: Infinity }, "options.rows", "BAD_ROWS"],
      ["rows '2'", { rows: "2" }, "options.rows", "BAD_ROWS"],
      ["rows 4 (does not divide 6)", { rows: 4 }, "options.rows", "BAD_ROWS"],
      ["rows 7 (more rows than elements)", { rows: 7 }, "options.rows", "BAD_ROWS"],
      ["rows 5 (does not divide 6)", { rows: 5, normalize: true }, "options.rows", "BAD_ROWS"],
    ];
    const SPACES: readonly OptionCase[] = [
      ["space 'probability'", { space: "probability" }, "options.space", "BAD_OPTION"],
      ["space 'Log'", { space: "Log" }, "options.space", "BAD_OPTION"],
      ["space ''", { space: "" }, "options.space", "BAD_OPTION"],
      ["space null", { space: null }, "options.space", "BAD_OPTION"],
      ["pSpace 'linear'", { pSpace: "linear" }, "options.pSpace", "BAD_OPTION"],
      ["qSpace 'softmax'", { qSpace: "softmax" }, "options.qSpace", "BAD_OPTION"],
      ["qSpace 1", { qSpace: 1 }, "options.qSpace", "BAD_OPTION"],
      ["validate 'no'", { validate: "no" }, "options.validate", "BAD_OPTION"],
      ["validate 0", { validate: 0 }, "options.validate", "BAD_OPTION"],
      ["options null", null, "options", "BAD_OPTION"],
      ["options a string", "sum", "options", "BAD_OPTION"],
    ];
    const REDUCING_OPTIONS: readonly OptionCase[] = [
      ["reduction 'batchmean'", { reduction: "batchmean" }, "options.reduction", "BAD_OPTION"],
      ["reduction 'Sum'", { reduction: "Sum" }, "options.reduction", "BAD_OPTION"],
      ["reduction 'avg'", { reduction: "avg" }, "options.reduction", "BAD_OPTION"],
      ["precision 'exact'", { precision: "exact" }, "options.precision", "BAD_OPTION"],
      ["precision 'FAST'", { precision: "FAST" }, "options.precision", "BAD_OPTION"],
      ["normalize 'yes'", { normalize: "yes" }, "options.normalize", "BAD_OPTION"],
      ["normalize 1", { normalize: 1 }, "options.normalize", "BAD_OPTION"],
      ["normalize null", { normalize: null }, "options.normalize", "BAD_OPTION"],
      ["base 0", { base: 0 }, "options.base", "BAD_OPTION"],
      ["base -2", { base: -2 }, "options.base", "BAD_OPTION"],
      ["base 1", { base: 1 }, "options.base", "BAD_OPTION"],
      ["base NaN", { base: NaN }, "options.base", "BAD_OPTION"],
      ["base Infinity", { base: Infinity }, "options.base", "BAD_OPTION"],
      ["base -Infinity", { base: -Infinity }, "options.base", "BAD_OPTION"],
      ["base '2'", { base: "2" }, "options.base", "BAD_OPTION"],
    ];
    const REL_ENTR_OPTIONS: readonly OptionCase[] = [
      ["space 'logits' (relEntr takes prob or log)", { space: "logits" }, "options.space", "BAD_OPTION"],
      ["pSpace and qSpace that differ", { pSpace: "prob", qSpace: "log" }, "options.space", "BAD_OPTION"],
      ["out of the wrong length", { out: new Float64Array(5) }, "options.out", "BAD_OPTION"],
      ["out of the wrong type", { out: new Int32Array(6) }, "options.out", "BAD_OPTION"],
      ["out a plain array", { out: [0, 0, 0, 0, 0, 0] }, "options.out", "BAD_OPTION"],
    ];

    const P = [0.1, 0.2, 0.3, 0.15, 0.15, 0.1];
    const Q = [0.2, 0.2, 0.2, 0.1, 0.1, 0.2];

    const tableFor = (method: Method): OptionCase[] =>
      method.reduces ? [...ROWS, ...SPACES, ...REDUCING_OPTIONS] : [...SPACES, ...REL_ENTR_OPTIONS];

    it("relEntr: out must have the inputs' element type", () => {
      const f32 = [Float32Array.from(P), Float32Array.from(Q)] as const;
      expectKLError(() => kl.relEntr(P, Q, { out: new Float32Array(6) }), { code: "BAD_OPTION", argument: "options.out" });
      expectKLError(() => kl.relEntr(f32[0], f32[1], { out: new Float64Array(6) }), { code: "BAD_OPTION", argument: "options.out" });
      expect(kl.relEntr(f32[0], f32[1], { out: new Float32Array(6) })).toBeInstanceOf(Float32Array);
    });

    it.each(METHODS)("$name: unknown option values, rows that are not positive integers or do not divide", (method) => {
      for (const [label, options, argument, code] of tableFor(method)) {
        for (const dtype of DTYPES) {
          const args = [asDType(P, dtype), asDType(Q, dtype)];
          const before = snapshot(args);
          const error = thrown(() => call(kl, method, args, options));
          expect(mismatch(error, { code, argument }), `${label} ${dtype}`).toBeNull();
          if (argument !== "options") expect((error as Error).message, label).toMatch(/got|divide|must/);
          expect(mutated(args, before), label).toBe(false);
          // Option errors are reported even when the data is bad too.
          const nan = asDType([NaN, ...P.slice(1)], dtype);
          expect(mismatch(thrown(() => call(kl, method, [nan, nan], options)), { code, argument }), `${label} ${dtype} with NaN`).toBeNull();
        }
      }
      expectStillCorrect(kl);
    });

    it.each(REDUCING)("$name: the valid values of each option are accepted", (method) => {
      const valid: DivergenceOptions[] = [
        {}, { rows: 1 }, { rows: 2 }, { rows: 3 }, { rows: 6 }, { space: "prob" }, { space: "log", normalize: true }, { space: "logits" },
        { pSpace: "logits", qSpace: "log" }, { reduction: "sum" }, { reduction: "mean" }, { reduction: "none" },
        { precision: "accurate" }, { precision: "fast" }, { normalize: false }, { base: 2 }, { base: 10 }, { base: 0.5 },
        { validate: true }, { validate: false },
      ];
      for (const options of valid) {
        const logSpace = options.space === "log" || options.space === "logits" || options.pSpace !== undefined;
        const args = logSpace ? [P.map(Math.log), Q.map(Math.log)] : [P, Q];
        expect(() => call(kl, method, args, options), JSON.stringify(options)).not.toThrow();
      }
    });
  });

  // -------------------------------------------------------------------------------------
  // After errors
  // -------------------------------------------------------------------------------------

  it("an instance keeps computing correct values between errors of every kind", () => {
    const rng = mulberry32(99);
    const bad: Array<() => unknown> = [
      () => kl.kl([0.5, NaN], [0.5, 0.5]),
      () => kl.jsd(new Float32Array(1003).fill(0.001).fill(-1, 1002), new Float32Array(1003).fill(0.001)),
      () => kl.entropy(new Float64Array(600).fill(-Infinity), { space: "logits", rows: 2 }),
      () => kl.crossEntropy(new Float64Array(300), new Float64Array(300).fill(0.1), { normalize: true, rows: 3 }),
      () => kl.reverse([0.5, 0.5], [0.5]),
      () => kl.kl([0.5, 0.5], [0.5, 0.5], { rows: 3 }),
      () => kl.relEntr(new Float64Array(67).fill(Infinity), new Float64Array(67)),
      () => kl.forward([1], [1], { reduction: "all" as never }),
    ];
    for (let round = 0; round < 30; round++) {
      const f = bad[Math.floor(rng() * bad.length)]!;
      expect(thrown(f)).toBeInstanceOf(KLError);
      const n = 1 + Math.floor(rng() * 2000);
      const p = Float64Array.from(validValues("prob", n, round));
      const q = Float64Array.from(validValues("prob", n, round + 1000));
      expectAgrees(kl.kl(p, q, { normalize: true }), referenceKL.kl(p, q, { normalize: true }), 1e-12, `round ${round} n ${n}`);
      expectAgrees(kl.jsd(p, q), referenceKL.jsd(p, q), 1e-12, `round ${round} n ${n} jsd`);
    }
    expectStillCorrect(kl);
  });
});
