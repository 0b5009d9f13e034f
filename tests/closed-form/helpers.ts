/** Helpers of the closed-form tests: relative comparisons, seeded samples, KLError checks. */
import { expect } from "vitest";
import { KLError, type KLErrorCode } from "../../src/index.js";
import { mulberry32 } from "../random.mjs";

/** |actual − expected| ≤ tolerance·|expected|. */
export function expectRelative(actual: number, expected: number, tolerance: number): void {
  const error = Math.abs(actual - expected);
  if (!(error <= tolerance * Math.abs(expected))) {
    expect.fail(`${actual} differs from ${expected} by ${error / Math.abs(expected)} relative (tolerance ${tolerance})`);
  }
}

export function expectAllRelative(actual: ArrayLike<number>, expected: ArrayLike<number>, tolerance: number): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) expectRelative(actual[i]!, expected[i]!, tolerance);
}

/** Standard normal samples by Box–Muller from a seeded mulberry32. */
export function normals(n: number, seed: number): Float64Array {
  const uniform = mulberry32(seed);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i += 2) {
    const radius = Math.sqrt(-2 * Math.log(1 - uniform())); // 1 − u ∈ (0, 1]: no log 0
    const angle = 2 * Math.PI * uniform();
    out[i] = radius * Math.cos(angle);
    if (i + 1 < n) out[i + 1] = radius * Math.sin(angle);
  }
  return out;
}

export function uniforms(n: number, seed: number, low: number, high: number): Float64Array {
  const uniform = mulberry32(seed);
  return Float64Array.from({ length: n }, () => low + (high - low) * uniform());
}

/** Runs `call` and checks it throws a KLError with this code, argument and index. */
export function expectKLError(call: () => unknown, code: KLErrorCode, argument: string, index?: number): void {
  let thrown: unknown;
  try {
    call();
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(KLError);
  const error = thrown as KLError;
  expect({ code: error.code, argument: error.argument, index: error.index }).toEqual({ code, argument, index });
}
