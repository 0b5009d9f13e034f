// The module's exports as the engine reads them (src/engines/wasm/kernels.ts): the op table from
// the module's OP_ globals, the f64 and f32 kernels, a clear error for a module that lacks one,
// and `reduce`, the named form of reduceRows.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { buildBytesSync } from "../../../src/engines/wasm/builds.js";
import { kernelsOf, reduce, type Kernels, type TypedKernels } from "../../../src/engines/wasm/kernels.js";
import { bytes as relaxedBytes } from "../../../src/engines/wasm/relaxed-bytes.js";
import { referenceKL } from "../../../src/index.js";
import { wasmBackendNames } from "../../backends.js";
import { probabilityLike } from "../../generate.js";

// What the module declares it exports, read from its source: the op globals and the kernels.
const assemblySource = readFileSync(new URL("../../../assembly/index.ts", import.meta.url), "utf8");
// (index.ts re-exports ops.ts's codes: `export { KL as OP_KL, … }`.)
const OP_GLOBALS = [...assemblySource.matchAll(/(?:^export const |\bas )(OP_\w+)/gm)].map((m) => m[1]!);
const KERNELS = [...assemblySource.matchAll(/^export function (\w+)F64\(/gm)].map((m) => m[1]!);
/** The ops the engine calls by name: a module without one is not a build of this version. */
const REQUIRED_OPS = [
  "KL", "KL_EXCESS", "ENTROPY", "CROSS_ENTROPY", "KL_LOG", "ENTROPY_LOG", "CROSS_ENTROPY_LOG", "EXP_SUM", "SUM",
  "GRAD_FORWARD_PROB", "GRAD_REVERSE_PROB", "GRAD_FORWARD_LOG", "GRAD_REVERSE_LOG", "JSD", "GRAD_JSD",
];

const BYTES = {
  "wasm-simd": () => buildBytesSync("simd"),
  "wasm-relaxed-simd": () => relaxedBytes,
  wasm: () => buildBytesSync("scalar"),
} as const;

function exportsOf(backend: (typeof wasmBackendNames)[number]): Record<string, unknown> {
  return { ...new WebAssembly.Instance(new WebAssembly.Module(BYTES[backend]() as BufferSource), {}).exports };
}

/** The exports without `name`. */
function without(exports: Record<string, unknown>, name: string): Record<string, unknown> {
  const { [name]: _, ...rest } = exports;
  return rest;
}

it("reads the module's source: it declares the op globals and kernels", () => {
  expect(OP_GLOBALS.length).toBeGreaterThanOrEqual(REQUIRED_OPS.length);
  expect(KERNELS).toEqual(expect.arrayContaining(["reduceRows", "relEntr", "divideRows", "rowMaxima"]));
});

describe.each(wasmBackendNames)("kernelsOf on %s", (backend) => {
  const exports = exportsOf(backend);
  const kernels: Kernels = kernelsOf(exports);

  it("has every op of the module, each a distinct integer", () => {
    expect(Object.keys(kernels.ops).sort()).toEqual(OP_GLOBALS.map((name) => name.slice(3)).sort());
    expect(Object.keys(kernels.ops)).toEqual(expect.arrayContaining(REQUIRED_OPS));
    const codes = Object.values(kernels.ops);
    for (const code of codes) expect(Number.isInteger(code)).toBe(true);
    expect(new Set(codes).size).toBe(codes.length);
  });

  it("has each op's code as the module's global holds it", () => {
    for (const name of OP_GLOBALS) expect(kernels.ops[name.slice(3)]).toBe((exports[name] as WebAssembly.Global).value);
  });

  it("has every kernel in an f64 and an f32 form, as functions of the module", () => {
    expect(kernels.f64.array).toBe(Float64Array);
    expect(kernels.f32.array).toBe(Float32Array);
    for (const name of KERNELS) {
      const [f64, f32] = [kernels.f64, kernels.f32].map((t) => (t as unknown as Record<string, unknown>)[name]);
      expect(typeof f64, `${name}F64`).toBe("function");
      expect(typeof f32, `${name}F32`).toBe("function");
      expect(f64).toBe(exports[`${name}F64`]);
      expect(f32).toBe(exports[`${name}F32`]);
      expect(f64).not.toBe(f32);
    }
  });

  it("has the module's memory, and a heap base above its static data, 16-byte aligned", () => {
    expect(kernels.memory).toBe(exports.memory);
    expect(kernels.heapBase % 16).toBe(0);
    // Static data starts at 1024 (STYLE.md): the heap base is above it.
    expect(kernels.heapBase).toBeGreaterThanOrEqual(1024);
    expect(kernels.heapBase).toBeLessThan(kernels.memory.buffer.byteLength);
  });

  it.each([...REQUIRED_OPS.map((op) => `OP_${op}`), "memory", "heapBase", "reduceRowsF64", "divideRowsF32", "logRatioElementsF64"])(
    "throws an Error naming %s when the module lacks it",
    (name) => {
      expect(() => kernelsOf(without(exports, name))).toThrow(new RegExp(`\\b${name}\\b`));
    },
  );

  it("throws for every kernel the module lacks, in either form", () => {
    for (const name of KERNELS) {
      for (const suffix of ["F64", "F32"]) expect(() => kernelsOf(without(exports, name + suffix))).toThrow(name + suffix);
    }
  });
});

describe("reduce", () => {
  /** A TypedKernels whose reduceRows records its arguments. */
  function recording(): { t: TypedKernels; calls: unknown[][] } {
    const calls: unknown[][] = [];
    const t = { array: Float64Array, reduceRows: (...args: unknown[]) => (calls.push(args), 7) } as unknown as TypedKernels;
    return { t, calls };
  }

  it("without extras, calls reduceRows with no offsets, row parameters or gradient, and scale 1", () => {
    const { t, calls } = recording();
    expect(reduce(t, 3, 1024, 2048, 4, 5, 4096)).toBe(7);
    expect(calls).toEqual([[3, 1024, 2048, 4, 5, 0, 0, 0, 1, 0, 4096]]);
  });

  it("with extras, passes each in its place and defaults the rest", () => {
    const { t, calls } = recording();
    reduce(t, 10, 1024, 2048, 4, 5, 4096, { offsetsX: 100, offsetsY: 200, rowParams: 300, scale: 0.5, grad: 400 });
    reduce(t, 10, 1024, 2048, 4, 5, 4096, { offsetsY: 200 });
    reduce(t, 10, 1024, 2048, 4, 5, 4096, {});
    expect(calls).toEqual([
      [10, 1024, 2048, 4, 5, 100, 200, 300, 0.5, 400, 4096],
      [10, 1024, 2048, 4, 5, 0, 200, 0, 1, 0, 4096],
      [10, 1024, 2048, 4, 5, 0, 0, 0, 1, 0, 4096],
    ]);
  });

  it("passes shifts last, where there are any (the log-space KL's excess form)", () => {
    const { t, calls } = recording();
    reduce(t, 3, 1024, 2048, 4, 5, 4096, { offsetsX: 100, shifts: 500 });
    reduce(t, 3, 1024, 2048, 4, 5, 4096, { offsetsX: 100, shifts: 0 });
    expect(calls).toEqual([
      [3, 1024, 2048, 4, 5, 100, 0, 0, 1, 0, 4096, 500],
      [3, 1024, 2048, 4, 5, 100, 0, 0, 1, 0, 4096],
    ]);
  });

  describe.each(wasmBackendNames)("on %s", (backend) => {
    const kernels = kernelsOf(exportsOf(backend));
    const rows = 3;
    const cols = 37;
    const n = rows * cols;
    // Addresses above the heap base, 16-byte aligned.
    const base = kernels.heapBase;
    const [x, y, out, raw, grad, rawGrad, offsets, params] = [0, 1, 2, 3, 4, 5, 6, 7].map((k) => base + k * 1024) as [number, number, number, number, number, number, number, number];
    const p = probabilityLike({ length: n, seed: 11, zeros: 0.1, decades: 4 });
    const q = probabilityLike({ length: n, seed: 12, zeros: 0, decades: 4 });
    const f64 = () => new Float64Array(kernels.memory.buffer);

    it("without extras equals the raw call, and gives each row's KL", () => {
      expect(kernels.memory.buffer.byteLength).toBeGreaterThan(base + 8 * 1024);
      f64().set(p, x / 8);
      f64().set(q, y / 8);
      const op = kernels.ops.KL_EXCESS;
      expect(reduce(kernels.f64, op, x, y, rows, cols, out)).toBe(kernels.f64.reduceRows(op, x, y, rows, cols, 0, 0, 0, 1, 0, raw));
      const named = Array.from(f64().subarray(out / 8, out / 8 + rows));
      const direct = Array.from(f64().subarray(raw / 8, raw / 8 + rows));
      expect(named).toEqual(direct);
      // KL_EXCESS sums p·log(p/q) − (p − q) and, beside it, p − q: the row's KL.
      const kl = referenceKL.kl(p, q, { rows, reduction: "none" });
      for (let r = 0; r < rows; r++) expect(named[r]!).toBeCloseTo(kl[r]!, 13);
    });

    it("with extras equals the raw call, gradient included", () => {
      // Log-probabilities as given, no offsets but row parameters (a gradient op reads them).
      const a = Float64Array.from(p, Math.log);
      const b = Float64Array.from(q, Math.log);
      f64().set(a, x / 8);
      f64().set(b, y / 8);
      f64().set([0.1, 0.05, -0.2, 0, 0.3, -0.01], offsets / 8); // per row: maximum, log-sum
      f64().set([1, 1, 1], params / 8);
      const op = kernels.ops.GRAD_FORWARD_LOG;
      const extras = { offsetsY: offsets, rowParams: params, scale: 0.5, grad };
      const status = reduce(kernels.f64, op, x, y, rows, cols, out, extras);
      expect(status).toBe(kernels.f64.reduceRows(op, x, y, rows, cols, 0, offsets, params, 0.5, rawGrad, raw));
      const view = f64();
      for (let r = 0; r < rows; r++) expect(Object.is(view[out / 8 + r], view[raw / 8 + r])).toBe(true);
      for (let i = 0; i < n; i++) expect(Object.is(view[grad / 8 + i], view[rawGrad / 8 + i])).toBe(true);
      // Something was written: the gradient of a non-trivial call is not all zero.
      expect(view.subarray(grad / 8, grad / 8 + n).some((g) => g !== 0)).toBe(true);
    });
  });
});
