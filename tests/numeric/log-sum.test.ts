/** logSumBeyondMaximum: log Σ e^(v − max) of nearly one-hot rows, to their own precision. */
import { describe, expect, it } from "vitest";
import { logSumBeyondMaximum } from "../../src/numeric/log-sum.js";

const sumOf = (v: number[], max: number) => v.reduce((s, x) => s + Math.exp(x - max), 0);

describe("logSumBeyondMaximum", () => {
  it("keeps the log-sum of [0, −a] where the rounded sum is 1: log1p(e^−a)", () => {
    for (const a of [20, 40, 100, 700]) {
      const row = [0, -a];
      expect(sumOf(row, 0) - 1 < 2 ** -20).toBe(true);
      expect(logSumBeyondMaximum(row, 0, 2, 0, sumOf(row, 0))).toBe(Math.log1p(Math.exp(-a)));
    }
  });

  it("counts ties to the maximum, reads the row at `start`, and takes log(sum) for rows far from one-hot", () => {
    const row = [9, 3, 3, -47];
    expect(logSumBeyondMaximum(row, 1, 3, 3, sumOf(row.slice(1), 3))).toBe(Math.log1p(1 + Math.exp(-50)));
    const spread = [0, -1, -2];
    expect(logSumBeyondMaximum(spread, 0, 3, 0, sumOf(spread, 0))).toBe(Math.log(sumOf(spread, 0)));
  });
});
