/**
 * The op table (assembly/ops.ts) as the module exports it, on every build: the loader's op
 * and kernel names are all exported, the codes are distinct, and a code outside the table
 * traps instead of computing anything.
 */
import { describe, expect, it } from "vitest";
import { KERNEL_NAMES, OP_NAMES } from "../src/engines/wasm/kernels.js";
import { loadKernels } from "./backends.js";

describe.each(["simd", "relaxed", "scalar"] as const)("op table (%s build)", (build) => {
  const k = loadKernels(build);
  const exported = Object.keys(k);
  const opGlobals = exported.filter((name) => name.startsWith("OP_"));

  it("exports every op the loader names, and every kernel in both forms", () => {
    for (const name of OP_NAMES) expect(exported).toContain(`OP_${name}`);
    for (const name of KERNEL_NAMES) {
      expect(typeof k[`${name}F64`]).toBe("function");
      expect(typeof k[`${name}F32`]).toBe("function");
    }
  });

  it("exports each op code once, as an immutable global", () => {
    const codes = opGlobals.map((name) => {
      const global = k[name] as WebAssembly.Global;
      expect(global).toBeInstanceOf(WebAssembly.Global);
      expect(() => { global.value = 0; }).toThrow();
      return global.value as number;
    });
    expect(new Set(codes).size).toBe(codes.length);
    expect(opGlobals.length).toBe(OP_NAMES.length);
  });

  it.each(["F64", "F32"] as const)("traps on an unknown op instead of summing (reduceRows%s)", (suffix) => {
    const type = suffix === "F64" ? Float64Array : Float32Array;
    const reduceRows = k[`reduceRows${suffix}`] as (...args: number[]) => number;
    const known = new Set(opGlobals.map((name) => (k[name] as WebAssembly.Global).value as number));
    const n = 8;
    const base = k.heapBase();
    const [x, y, out] = [base, base + 64, base + 128];
    new type(k.memory.buffer, x, n).set([0.1, 0.2, 0.3, 0.05, 0.05, 0.1, 0.1, 0.1]);
    new type(k.memory.buffer, y, n).fill(0.125);
    const result = new Float64Array(k.memory.buffer, out, 1);
    expect(reduceRows(k.OP_SUM.value, x, y, 1, n, 0, 0, 0, 1, 0, out)).toBe(0);
    expect(result[0]).toBeCloseTo(1, 6);
    for (const op of [-1, Math.max(...known) + 1, 99, 0x7fffffff, -0x80000000]) {
      expect(known.has(op)).toBe(false);
      result[0] = -42;
      expect(() => reduceRows(op, x, y, 1, n, 0, 0, 0, 1, 0, out)).toThrow(WebAssembly.RuntimeError);
      expect(result[0]).toBe(-42);
    }
    // The instance stays usable after the trap.
    expect(reduceRows(k.OP_SUM.value, x, y, 1, n, 0, 0, 0, 1, 0, out)).toBe(0);
    expect(result[0]).toBeCloseTo(1, 6);
  });
});
