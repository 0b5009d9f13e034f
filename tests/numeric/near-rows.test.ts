/** nearRowsKL: the KL of nearly identical rows of log-probabilities, from their differences. */
import { describe, expect, it } from "vitest";
import { nearRowsKL } from "../../src/numeric/near-rows.js";
import { partition } from "./partition.js";

describe("nearRowsKL", () => {
  it("is 0 for rows that differ by a constant, exactly", () => {
    const x = [0, 1, 2, 3.5];
    const y = [3, 4, 5, 6.5];
    expect(nearRowsKL(x, y, 0, 4, partition(x), partition(y))).toBe(0);
  });

  it("is undefined for rows whose log-sums differ by more than log1p(±½) beyond their maxima", () => {
    const [x, y] = [[0, 0, 0, 0], [0, -20, -20, -20]];
    expect(nearRowsKL(x, y, 0, 4, partition(x), partition(y))).toBeUndefined();
    const [a, b] = [[0, -Infinity], [0, 0]];
    expect(nearRowsKL(a, b, 0, 2, partition(a), partition(b))).toBeUndefined();
    expect(nearRowsKL([0, -Infinity], [0, -Infinity], 0, 2, [0, 0], [0, 0])).toBe(0);
  });

  it("reads the row at `start`, and gives the second-order value of a small move: p_k(1 − p_k)·ε²/2", () => {
    // y = x + ε·e_k: KL(P‖Q) = log(1 + p_k·(e^ε − 1)) − p_k·ε ≈ p_k(1 − p_k)·ε²/2.
    const x = [9, 9, 0, 1, 2];
    const eps = 2 ** -40;
    const y = [9, 9, 0, 1, 2 + eps];
    const [rowX, rowY] = [x.slice(2), y.slice(2)];
    const pk = Math.exp(2 - Math.log(rowX.reduce((s, v) => s + Math.exp(v), 0)));
    const want = (pk * (1 - pk) * eps * eps) / 2;
    const got = nearRowsKL(x, y, 2, 3, partition(rowX), partition(rowY))!;
    expect(Math.abs(got - want) / want).toBeLessThanOrEqual(1e-10);
  });

  it("keeps elements far apart or of probability 0 on one side: their q, or q − p − p·d", () => {
    // A fourth element of probability 0 in P and e^-75 in Q: the KL gains q₄ = e^-75/Σ.
    const eps = 2 ** -52;
    const [x, y] = [[0, 1, 2, -Infinity], [0, 1 + eps, 2, -75]];
    const got = nearRowsKL(x, y, 0, 4, partition(x), partition(y))!;
    const [withoutFar] = [nearRowsKL([0, 1, 2], [0, 1 + eps, 2], 0, 3, partition([0, 1, 2]), partition([0, 1 + eps, 2]))!];
    // q₄ = e^-75/(1 + e + e² + e^-75) ≈ 2.41e-34 beside a KL of rows one ulp apart (~4.6e-33);
    // tests/fixtures/make_kl_exact.py has the whole row's exact value.
    const q4 = Math.exp(-75) / (1 + Math.E + Math.E ** 2);
    expect(Math.abs(got - withoutFar - q4) / q4).toBeLessThan(0.05);
  });
});
