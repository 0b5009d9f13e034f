// The scalar series of the closed forms and estimators (src/numeric/series.ts).
import { describe, expect, it } from "vitest";
import { expm1MinusX } from "../../src/numeric/series.js";
import { expectRelative } from "../closed-form/helpers.js";

describe("expm1MinusX", () => {
  it("is e^x − 1 − x across the series threshold, and never negative", () => {
    // Reference: the Taylor series summed to convergence in f64, fine for |x| ≤ 1.
    const series = (x: number) => {
      let term = x;
      let sum = 0;
      for (let k = 2; k < 40; k++) sum += term *= x / k;
      return sum;
    };
    for (const x of [-1, -0.5000001, -0.4999999, -0.1, -1e-9, 1e-9, 0.1, 0.4999999, 0.5, 1]) {
      expectRelative(expm1MinusX(x), series(x), 1e-15);
    }
    expect(expm1MinusX(0)).toBe(0);
    expect(expm1MinusX(Infinity)).toBe(Infinity);
    expect(expm1MinusX(-Infinity)).toBe(Infinity);
  });
});
