// The scalar series of the closed forms and estimators (src/numeric/series.ts).
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { expm1MinusX, log1pMinusX, log1pMinusXOverX, log1pOverX } from "../../src/numeric/series.js";
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

describe("log1pMinusX, log1pMinusXOverX, log1pOverX", () => {
  const { cases } = JSON.parse(readFileSync(new URL("../fixtures/series.json", import.meta.url), "utf8")) as {
    cases: Array<{ y: number; log1pMinusX: number; log1pMinusXOverX: number; log1pOverX: number }>;
  };
  it("are within 4 ulps of 700-digit values (tests/fixtures/make_series.py), across |y| = ½ and from −1 + 2^-52 to 1e300", () => {
    for (const c of cases) {
      const label = `y = ${c.y}`;
      // (below 1e-150, (log1p(y) − y) ≈ −y²/2 is itself subnormal or 0)
      if (Math.abs(c.y) > 1e-150) expect(Math.abs(log1pMinusX(c.y) - c.log1pMinusX), label).toBeLessThanOrEqual(4 * 2 ** -52 * Math.abs(c.log1pMinusX));
      expect(Math.abs(log1pMinusXOverX(c.y) - c.log1pMinusXOverX), label).toBeLessThanOrEqual(4 * 2 ** -52 * Math.abs(c.log1pMinusXOverX));
      expect(Math.abs(log1pOverX(c.y) - c.log1pOverX), label).toBeLessThanOrEqual(4 * 2 ** -52 * Math.abs(c.log1pOverX));
    }
  });

  it("take their limits at 0 and −1", () => {
    expect(log1pMinusX(0)).toBe(0);
    expect(log1pMinusXOverX(0)).toBe(0);
    expect(log1pOverX(0)).toBe(1);
    expect(log1pMinusX(-1)).toBe(-Infinity);
  });
});
