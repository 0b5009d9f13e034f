/**
 * The vector log, exp and log-ratio against their stated bounds (assembly/vecmath.ts), for
 * the SIMD build, the relaxed-SIMD build (fused multiply-add where the engine fuses) and the
 * scalar build (which uses AssemblyScript's scalar Math there).
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { loadKernels, type RawExports } from "./backends.js";
import { expArguments, logArguments } from "./exact-inputs.mjs";
import { mulberry32 } from "./random.mjs";
import { ulpDistanceF64, ulpErrorF32 } from "./ulp.js";

const exact = JSON.parse(readFileSync(new URL("./fixtures/exact.json", import.meta.url), "utf8")) as {
  logRatioF64: [number, number, number][];
  logRatioF32: [number, number, number][];
};

type ArrayType = typeof Float64Array | typeof Float32Array;

/** Copies inputs into the module's memory, runs `kernel(addresses…, n, out)`, returns out. */
function runKernel(k: RawExports, type: ArrayType, inputs: ArrayLike<number>[], kernel: (...args: number[]) => void): Float64Array | Float32Array {
  const n = inputs[0]!.length;
  const bytes = n * type.BYTES_PER_ELEMENT;
  const base = k.heapBase();
  const needed = base + bytes * (inputs.length + 1) + 64;
  if (needed > k.memory.buffer.byteLength) k.memory.grow(Math.ceil((needed - k.memory.buffer.byteLength) / 65536));
  const addresses = inputs.map((input, i) => {
    const address = base + i * bytes;
    new type(k.memory.buffer, address, n).set(input);
    return address;
  });
  const out = base + inputs.length * bytes;
  kernel(...addresses, n, out);
  return new type(k.memory.buffer, out, n).slice();
}

function positiveFloats(count: number, seed: number): Float32Array {
  const random = mulberry32(seed);
  const bits = Uint32Array.from({ length: count }, () => (Math.floor(random() * 255) << 23) | Math.floor(random() * 2 ** 23));
  return new Float32Array(bits.buffer);
}

function maxError(got: ArrayLike<number>, expected: ArrayLike<number>, error: (a: number, b: number) => number): number {
  let worst = 0;
  for (let i = 0; i < got.length; i++) worst = Math.max(worst, error(got[i]!, expected[i]!));
  return worst;
}

describe.each(["simd", "relaxed", "scalar"] as const)("vector math (%s build)", (build) => {
  const k = loadKernels(build);
  const log = (type: ArrayType, x: ArrayLike<number>) =>
    runKernel(k, type, [x], (a, n, out) => (type === Float64Array ? k.logElementsF64 : k.logElementsF32)(a, n, out));
  // exp(x − 0) over one row; the row's offset (maximum and log-sum) goes in the spare bytes runKernel leaves after out.
  const exp = (type: ArrayType, x: ArrayLike<number>) =>
    runKernel(k, type, [x], (a, n, out) => {
      const offset = out + Math.ceil((n * type.BYTES_PER_ELEMENT) / 8) * 8;
      new Float64Array(k.memory.buffer, offset, 2).fill(0);
      (type === Float64Array ? k.expShiftedRowsF64 : k.expShiftedRowsF32)(a, 1, n, offset, out);
    });

  it("log f64 is within 1 ulp of Math.log over 10^6 positive doubles, subnormals included", () => {
    const x = logArguments(1_000_000, 1);
    const got = log(Float64Array, x);
    expect(maxError(got, x.map(Math.log), ulpDistanceF64)).toBeLessThanOrEqual(1);
  });

  it("log f64 near 1 is within 1 ulp", () => {
    const random = mulberry32(2);
    const x = Float64Array.from({ length: 100_000 }, () => 1 + (random() - 0.5) * 10 ** (-random() * 15));
    expect(maxError(log(Float64Array, x), x.map(Math.log), ulpDistanceF64)).toBeLessThanOrEqual(1);
  });

  it("log f32 is within 2 ulp of the exact value over 10^6 positive floats, subnormals included", () => {
    const x = positiveFloats(1_000_000, 3);
    const got = log(Float32Array, x);
    expect(maxError(got, Array.from(x, Math.log), ulpErrorF32)).toBeLessThanOrEqual(2);
  });

  it.each([Float64Array, Float32Array])("log gives exact special values (%o)", (type) => {
    const got = Array.from(log(type, [0, 1, Infinity, -1, NaN, -0]));
    expect(got).toEqual([-Infinity, 0, Infinity, NaN, NaN, -Infinity]);
  });

  it("exp f64 is within 1 ulp of Math.exp on [-745, 709.7]", () => {
    const random = mulberry32(4);
    const x = Float64Array.from({ length: 1_000_000 }, () => -745 + random() * 1454.7);
    expect(maxError(exp(Float64Array, x), x.map(Math.exp), ulpDistanceF64)).toBeLessThanOrEqual(1);
  });

  it("exp f32 is within 2 ulp of the exact value on [-87, 88]", () => {
    const random = mulberry32(5);
    const x = Float32Array.from({ length: 1_000_000 }, () => -87 + random() * 175);
    expect(maxError(exp(Float32Array, x), Array.from(x, Math.exp), ulpErrorF32)).toBeLessThanOrEqual(2);
  });

  // The fused logits kernel's exp of x ≤ 0 (expNonPositiveF32x4, assembly/logits.ts), read from
  // the exponentials it stores: one row holding 0 (its maximum) and x, compared with itself.
  const storedExps = (x: Float32Array) => {
    const n = x.length;
    const base = k.heapBase();
    const [at, work, offsets, out] = [base, base + n * 4, base + 3 * n * 4, base + 3 * n * 4 + 64];
    const needed = out + 64;
    if (needed > k.memory.buffer.byteLength) k.memory.grow(Math.ceil((needed - k.memory.buffer.byteLength) / 65536));
    new Float32Array(k.memory.buffer, at, n).set(x);
    expect(k.logitsKLF32(0, at, at, 1, n, 1, 1, 0, work, offsets, offsets + 16, out)).toBe(0);
    return new Float32Array(k.memory.buffer, work, n).slice();
  };

  it("the fused logits kernel's f32 exp of x ≤ 0 is within 1 ulp of the exact value on [-87.3, 0], 0 below", () => {
    const random = mulberry32(6);
    const x = Float32Array.from({ length: 1_000_000 }, (_, i) => (i === 0 ? 0 : -87.3 * random()));
    // The scalar build and the vector tail take Math.exp: the same bound.
    expect(maxError(storedExps(x), Array.from(x, Math.exp), ulpErrorF32)).toBeLessThanOrEqual(1);
    const below = Float32Array.from([0, -87.34, -90, -103, -1e4, -1e19, -87.35, -200]);
    const stored = storedExps(below);
    // Vector lanes flush below 2^-126; the scalar build keeps Math.exp's subnormals.
    for (let i = 1; i < below.length; i++) expect(stored[i]).toBeLessThan(2 ** -126);
    if (build !== "scalar") expect(Array.from(stored.subarray(1, 5))).toEqual([0, 0, 0, 0]);
  });

  it.each([Float64Array, Float32Array])("exp overflows, underflows and keeps NaN (%o)", (type) => {
    expect(Array.from(exp(type, [-Infinity, Infinity, 1e4, -1e4, 0, NaN]))).toEqual([0, Infinity, Infinity, 0, 1, NaN]);
  });

  it.each([
    ["log", "log_exact.f64", () => logArguments(100_000, 101), (x: ArrayLike<number>) => log(Float64Array, x)],
    ["exp", "exp_exact.f64", () => expArguments(100_000, 102), (x: ArrayLike<number>) => exp(Float64Array, x)],
  ] as const)("%s f64 is within 1 ulp of 50-digit values at 10^5 arguments", (_name, file, argumentsOf, compute) => {
    const bytes = readFileSync(new URL(`./fixtures/${file}`, import.meta.url));
    const exactValues = new Float64Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
    const got = compute(argumentsOf());
    expect(maxError(got, exactValues, ulpDistanceF64)).toBeLessThanOrEqual(1);
  });

  it("log(p/q) f64 is within 2 ulp of the exact value, also where p ≈ q", () => {
    const cases = exact.logRatioF64;
    const got = runKernel(k, Float64Array, [cases.map((c) => c[0]), cases.map((c) => c[1])], k.logRatioElementsF64);
    expect(maxError(got, cases.map((c) => c[2]), ulpDistanceF64)).toBeLessThanOrEqual(2);
  });

  it("log(p/q) f32 is within 2 ulp of the exact value", () => {
    const cases = exact.logRatioF32;
    const got = runKernel(k, Float32Array, [cases.map((c) => c[0]), cases.map((c) => c[1])], k.logRatioElementsF32);
    expect(maxError(got, cases.map((c) => c[2]), ulpErrorF32)).toBeLessThanOrEqual(2);
  });
});
