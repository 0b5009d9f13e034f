/** nearRowsKL: the KL of nearly identical rows of log-probabilities, from their differences. */
import { describe, expect, it } from "vitest";
import { nearRowsKL } from "../../src/numeric/near-rows.js";

/** log Σ e^v, for the rows below (small, well-scaled: plain sums suffice); nearRowsKL takes it of x − max x. */
const logSumExp = (v: number[]) => Math.log(v.reduce((s, x) => s + Math.exp(x), 0));

describe("nearRowsKL", () => {
  it("is 0 for rows that differ by a constant, exactly", () => {
    const x = [0, 1, 2, 3.5];
    const y = [3, 4, 5, 6.5];
    expect(nearRowsKL(x, y, 0, 4, 3.5, 6.5, logSumExp(x.map((v) => v - 3.5)))).toBe(0);
  });

  it("is undefined where an element is more than a factor e from its partner, or a zero on one side only", () => {
    expect(nearRowsKL([0, 0], [0, 1.5], 0, 2, 0, 1.5, logSumExp([0, 0]))).toBeUndefined();
    expect(nearRowsKL([0, -Infinity], [0, 0], 0, 2, 0, 0, 0)).toBeUndefined();
    expect(nearRowsKL([0, -Infinity], [0, -Infinity], 0, 2, 0, 0, 0)).toBe(0);
  });

  it("reads the row at `start`, and gives the second-order value of a small move: Var_p(δ)/2", () => {
    // y = x + ε·e_k: KL(P‖Q) = log(1 + p_k·(e^ε − 1)) − p_k·ε ≈ p_k(1 − p_k)·ε²/2.
    const x = [9, 9, 0, 1, 2];
    const eps = 2 ** -40;
    const y = [9, 9, 0, 1, 2 + eps];
    const lse = logSumExp([0, 1, 2]);
    const pk = Math.exp(2 - lse);
    const want = (pk * (1 - pk) * eps * eps) / 2;
    const got = nearRowsKL(x, y, 2, 3, 2, 2 + eps, lse - 2)!;
    expect(Math.abs(got - want) / want).toBeLessThanOrEqual(1e-10);
  });
});
