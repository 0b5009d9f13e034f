// The Jacobi eigendecomposition (src/numeric/symmetric-eigen.ts): A·v_k = λ_k·v_k and VᵀV = I on
// random symmetric matrices of orders 1 to 8, every scale, repeated and zero eigenvalues.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { symmetricEigen } from "../../src/numeric/symmetric-eigen.js";

const matrix = fc
  .record({ d: fc.integer({ min: 1, max: 8 }), scale: fc.constantFrom(1e-200, 1e-8, 1, 1e8, 1e200), entries: fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: 64, maxLength: 64 }) })
  .map(({ d, scale, entries }) => {
    const a = new Float64Array(d * d);
    for (let i = 0; i < d; i++) for (let j = 0; j <= i; j++) a[i * d + j] = a[j * d + i] = scale * entries[i * 8 + j]!;
    return { d, a };
  });

describe("symmetricEigen", () => {
  it("gives A·v = λ·v and orthonormal V to a few ulps of the largest entry (subnormal scales: of a subnormal ulp)", () => {
    fc.assert(
      fc.property(matrix, ({ d, a }) => {
        const { values, vectors } = symmetricEigen(a, d);
        const largest = Math.max(...Array.from(a, Math.abs));
        for (let k = 0; k < d; k++) {
          for (let i = 0; i < d; i++) {
            let av = 0;
            for (let j = 0; j < d; j++) av += a[i * d + j]! * vectors[j * d + k]!;
            expect(Math.abs(av - values[k]! * vectors[i * d + k]!)).toBeLessThanOrEqual(1e-13 * largest * d + 2 ** -1060);
          }
          for (let l = 0; l < d; l++) {
            let dot = 0;
            for (let i = 0; i < d; i++) dot += vectors[i * d + k]! * vectors[i * d + l]!;
            expect(Math.abs(dot - (k === l ? 1 : 0))).toBeLessThanOrEqual(1e-14 * d);
          }
        }
      }),
    );
  });

  it("takes diagonal matrices as they are, and a repeated eigenvalue", () => {
    const { values, vectors } = symmetricEigen([3, 0, 0, -2], 2);
    expect(Array.from(values)).toEqual([3, -2]);
    expect(Array.from(vectors)).toEqual([1, 0, 0, 1]);
    // [[2, 1], [1, 2]]: eigenvalues 1 and 3.
    expect(Array.from(symmetricEigen([2, 1, 1, 2], 2).values).sort()).toEqual([1, 3].map((v) => expect.closeTo(v, 14)));
    expect(Array.from(symmetricEigen([0, 0, 0, 0], 2).values)).toEqual([0, 0]);
  });
});
