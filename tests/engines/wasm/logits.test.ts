/**
 * The fused KL of rows of logits (assembly/logits.ts) on every Wasm build, against the
 * reference: random rows of every SIMD tail length and across blocks, f64 and f32, far apart,
 * nearly equal and shifted copies; the rows it leaves to the general path (−∞, huge logits);
 * exact zeros; inputs left as they were.
 */
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { referenceKL, type KL } from "../../../src/index.js";
import { loadBackend, wasmBackendNames } from "../../backends.js";
import { mulberry32 } from "../../random.mjs";

fc.configureGlobal({ seed: Number(process.env.FC_SEED ?? 20261130), numRuns: 120 });

/** Rows of logits, and a second set: independent, or the first shifted by `shift` and moved by `closeness`. */
const rowsOfLogits = fc.record({
  rows: fc.integer({ min: 1, max: 3 }),
  cols: fc.oneof(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 250, max: 600 })),
  spread: fc.constantFrom(0.1, 3, 30),
  closeness: fc.constantFrom(0, 1e-9, 1e-7, 1e-4, 1e-2, Infinity),
  shift: fc.constantFrom(0, 2, -7.5, 1e3),
  f32: fc.boolean(),
  seed: fc.integer({ min: 0, max: 2 ** 30 }),
}).map(({ rows, cols, spread, closeness, shift, f32, seed }) => {
  const random = mulberry32(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(random() + 1e-300)) * Math.cos(2 * Math.PI * random());
  const x = Float64Array.from({ length: rows * cols }, () => spread * gauss());
  const y = x.map((v) => (closeness === Infinity ? spread * gauss() : v + shift + closeness * gauss()));
  return { rows, f32, x: f32 ? Float32Array.from(x) : x, y: f32 ? Float32Array.from(y) : y };
});

/**
 * |got − want| ≤ relative·max|want| + `floor` for every element. The floor is the reference's
 * own rounding (README, Accuracy): it takes a forward gradient q − p as the difference of two
 * rounded probabilities (an ulp of 1; the kernel takes p·expm1(d) where they are close), and a
 * reverse gradient q·(b − a − D) carries about an ulp of |a| + |b| times q.
 */
function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, relative: number, floor: number, label: string): void {
  let largest = 0;
  for (let i = 0; i < want.length; i++) largest = Math.max(largest, Math.abs(want[i]!));
  for (let i = 0; i < want.length; i++) {
    expect(Math.abs(got[i]! - want[i]!), `${label}[${i}]: got ${got[i]}, reference ${want[i]}`).toBeLessThanOrEqual(relative * largest + floor);
  }
}

/** Two ulps of 1 + the row's largest |x| + |y| (expectClose's floor). */
function roundingFloor(x: ArrayLike<number>, y: ArrayLike<number>): number {
  let largest = 0;
  for (let i = 0; i < x.length; i++) largest = Math.max(largest, Math.abs(x[i]!) + Math.abs(y[i]!));
  return 2 ** -51 * (1 + largest);
}

describe.each(wasmBackendNames)("%s: the fused KL of logits", (name) => {
  let kl: KL;
  beforeAll(async () => {
    kl = await loadBackend(name);
  });

  it("agrees with the reference: values to 1e-12 (f64) and 1e-5 (f32, the README's bound) of each row's, gradients of the largest element", () => {
    fc.assert(
      fc.property(rowsOfLogits, ({ rows, f32, x, y }) => {
        const options = { space: "logits", rows, reduction: "none" } as const;
        const tolerance = f32 ? 1e-5 : 1e-12;
        for (const direction of ["forward", "reverse"] as const) {
          const got = kl[direction](x, y, options) as Float64Array;
          const want = referenceKL[direction](x, y, options) as Float64Array;
          for (let r = 0; r < rows; r++) {
            expect(got[r]!).toBeGreaterThanOrEqual(0);
            expect(Math.abs(got[r]! - want[r]!), `${direction} row ${r}: got ${got[r]}, reference ${want[r]}`).toBeLessThanOrEqual(tolerance * want[r]! + 1e-300);
          }
          const method = direction === "forward" ? "forwardGrad" : "reverseGrad";
          const g = kl[method](x, y, options);
          const w = referenceKL[method](x, y, options);
          expect(g.grad).toBeInstanceOf(f32 ? Float32Array : Float64Array);
          expect(Array.from(g.value as Float64Array)).toEqual(Array.from(got));
          // f32 gradients are stored as f32: a relative 6e-8 of each element, 1e-6 of the largest.
          for (let r = 0; r < rows; r++) {
            const cols = x.length / rows;
            const [from, to] = [r * cols, (r + 1) * cols];
            const floor = roundingFloor(x.subarray(from, to), y.subarray(from, to));
            expectClose(g.grad.subarray(from, to), w.grad.subarray(from, to), f32 ? 1e-6 : 1e-12, floor, `${method} row ${r}`);
          }
        }
      }),
    );
  });

  it("gives exactly 0, and a zero gradient, for logits that differ by a constant", () => {
    for (const type of [Float64Array, Float32Array]) {
      for (const cols of [1, 3, 4, 7, 8, 33, 300]) {
        const x = type.from({ length: 2 * cols }, (_, i) => ((i * 37) % 23) / 8 - 1);
        const y = x.map((v) => v + 3);
        const options = { space: "logits", rows: 2, reduction: "none" } as const;
        expect(Array.from(kl.forward(x, y, options) as Float64Array)).toEqual([0, 0]);
        expect(Array.from(kl.reverse(x, y, options) as Float64Array)).toEqual([0, 0]);
        for (const method of ["forwardGrad", "reverseGrad"] as const) {
          expect(Array.from(kl[method](x, y, options).grad, (g) => g + 0)).toEqual(new Array(2 * cols).fill(0));
        }
      }
    }
  });

  it("leaves rows it does not take (−∞, logits beyond ±2^64) to the general path, with the same results as the reference", () => {
    const x = Float64Array.from([0, 1, -Infinity, 2, 0.5, 1, 3e30, -3e30, 1, 2, 3, 4]);
    const y = Float64Array.from([0, 1.5, 2, -Infinity, 1, 0.5, 2e30, 1, 4, 3, 2, 1]);
    const options = { space: "logits", rows: 3, reduction: "none" } as const;
    for (const direction of ["forward", "reverse"] as const) {
      const got = kl[direction](x, y, options) as Float64Array;
      const want = referenceKL[direction](x, y, options) as Float64Array;
      expect([got[0], got[1]]).toEqual([want[0], want[1]]);
      expect(Math.abs(got[2]! - want[2]!)).toBeLessThanOrEqual(1e-15 * want[2]!);
    }
    const got = kl.forwardGrad(x.subarray(8), y.subarray(8), { space: "logits" });
    const want = referenceKL.forwardGrad(x.subarray(8), y.subarray(8), { space: "logits" });
    expectClose(got.grad, want.grad, 1e-15, 0, "grad");
  });

  it("gives the same value and gradient when `out` is one of its inputs (validate: false), also after falling back to the general path", () => {
    for (const type of [Float64Array, Float32Array]) {
      const cols = 13;
      const x = type.from({ length: 2 * cols }, (_, i) => 4 * Math.sin(1.3 * i));
      const y = x.map((v, i) => v + 1e-3 * Math.cos(0.7 * i));
      for (const masked of [false, true]) {
        // A −∞ in the second row: the fused kernel has written the first row's gradient when it gives up.
        if (masked) [x[cols + 12], y[cols + 12]] = [-Infinity, -Infinity];
        for (const method of ["forwardGrad", "reverseGrad"] as const) {
          const options = { space: "logits", rows: 2, reduction: "none", validate: false } as const;
          const apart = kl[method](x, y, options);
          for (const alias of ["target", "approx"] as const) {
            const [xv, yv] = [kl.alloc(x.length, type), kl.alloc(y.length, type)];
            xv.set(x);
            yv.set(y);
            const got = kl[method](xv, yv, { ...options, out: alias === "target" ? xv : yv });
            const label = `${type.name} ${method}, out = ${alias}${masked ? ", −∞" : ""}`;
            expect(Array.from(got.value as Float64Array), label).toEqual(Array.from(apart.value as Float64Array));
            expect(Array.from(got.grad), label).toEqual(Array.from(apart.grad));
            kl.free(xv);
            kl.free(yv);
          }
        }
      }
    }
  });

  it("leaves its inputs as they were, copied in or in the instance's memory", () => {
    for (const type of [Float64Array, Float32Array]) {
      const x = type.from({ length: 3 * 40 }, (_, i) => Math.sin(i));
      const y = type.from({ length: 3 * 40 }, (_, i) => Math.cos(i));
      const [xv, yv, out] = [kl.alloc(x.length, type), kl.alloc(y.length, type), kl.alloc(x.length, type)];
      xv.set(x);
      yv.set(y);
      const options = { space: "logits", rows: 3 } as const;
      kl.forward(x, y, options);
      kl.forward(xv, yv, options);
      kl.reverseGrad(xv, yv, { ...options, out, validate: false });
      kl.forwardGrad(xv, yv, { ...options, out });
      expect(Array.from(xv)).toEqual(Array.from(x));
      expect(Array.from(yv)).toEqual(Array.from(y));
      kl.free(xv);
      kl.free(yv);
      kl.free(out);
    }
  });
});
