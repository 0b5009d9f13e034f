/** rescaledDifferences: p/S_p − q/S_q of rows taken with normalize, exact where the quotients round alike. */
import { describe, expect, it } from "vitest";
import { rescaledDifferences } from "../../src/numeric/rescaled-differences.js";

describe("rescaledDifferences", () => {
  it("gives d = 0 exactly for proportional rows, and p, q rescaled to sum 1", () => {
    const { p, q, d } = rescaledDifferences([1, 2, 5], [3, 6, 15], 0, 3);
    expect(d.every((v) => v === 0)).toBe(true);
    expect(Array.from(p)).toEqual([0.125, 0.25, 0.625]);
    expect(Array.from(q)).toEqual([0.125, 0.25, 0.625]);
  });

  it("keeps the difference of [1, 1] against [3, 3 + u], u an ulp of 3: ±u/(2(6 + u)), which the rounded quotients lose", () => {
    const u = 2 ** -51;
    const { d } = rescaledDifferences([1, 1], [3, 3 + u], 0, 2);
    const exact = u / (2 * (6 + u));
    expect(Math.abs(d[0]! - exact) / exact).toBeLessThan(1e-15);
    expect(Math.abs(d[1]! + exact) / exact).toBeLessThan(1e-15);
    expect(0.5 - 3 / (3 + (3 + u))).toBe(0); // what p/S_p − q/S_q gives: none of it
  });

  it("reads the row at `start`, and keeps rows near 1e308 and among the subnormals in range", () => {
    const { p, d } = rescaledDifferences([7, 1, 3], [7, 3, 1], 1, 2);
    expect(Array.from(p)).toEqual([0.25, 0.75]);
    expect(Array.from(d)).toEqual([-0.5, 0.5]);
    for (const scale of [1e300, 2 ** 1021, 2 ** -1074]) {
      const huge = rescaledDifferences([1, 1], [scale, 3 * scale], 0, 2);
      expect(Array.from(huge.d), `${scale}`).toEqual([0.25, -0.25]);
    }
    // One ulp apart at 1e300 (a row of counts times 1e300): still ±u/(2(6 + u)) after rescaling.
    const u = 2 ** -51;
    const near = rescaledDifferences([1e300, 1e300], [3e300, 3e300 * (1 + u / 3)], 0, 2);
    expect(near.d[0]).toBeGreaterThan(0);
    expect(near.d[0]! + near.d[1]!).toBe(0);
  });
});
