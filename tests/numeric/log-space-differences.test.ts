/** logSpaceDifferences and differenceBeyondShift: p − q of log-space rows, exact where e^a and e^b round alike. */
import { describe, expect, it } from "vitest";
import { differenceBeyondShift, logSpaceDifferences } from "../../src/numeric/log-space-differences.js";
import { partition } from "./partition.js";

describe("logSpaceDifferences", () => {
  it("gives d = 0 exactly for logits that differ by a constant, and p, q their softmax", () => {
    const x = [0, 1, 2, 3.5];
    const y = [3, 4, 5, 6.5];
    const { p, q, d } = logSpaceDifferences(x, y, 0, 4, partition(x), partition(y), true);
    expect(d.every((v) => v === 0)).toBe(true);
    const total = x.reduce((s, v) => s + Math.exp(v), 0);
    p.forEach((pj, j) => expect(Math.abs(pj - Math.exp(x[j]!) / total)).toBeLessThanOrEqual(2 ** -52));
    q.forEach((qj, j) => expect(Math.abs(qj - p[j]!)).toBeLessThanOrEqual(2 ** -52));
  });

  it("keeps p − q of one logit moved by an ulp: p_k(1 − p_k)·ε to first order, where e^a and e^b round alike", () => {
    const x = [0, 1, 2];
    const eps = 2 ** -51;
    const y = [0, 1, 2 + eps];
    const { p, d } = logSpaceDifferences(x, y, 0, 3, partition(x), partition(y), true);
    // q_k − p_k = p_k(1 − p_k)·ε, the others −p_j·p_k·ε (to O(ε²)).
    const pk = p[2]!;
    expect(Math.abs(-d[2]! - pk * (1 - pk) * eps) / (pk * (1 - pk) * eps)).toBeLessThan(1e-6);
    expect(Math.abs(d[0]! - p[0]! * pk * eps) / (p[0]! * pk * eps)).toBeLessThan(1e-6);
  });

  it("reads the row at `start`, and takes rows used as given as they are", () => {
    const x = [9, Math.log(0.5), Math.log(0.25)];
    const y = [9, Math.log(0.25), Math.log(0.5)];
    const { p, q, d } = logSpaceDifferences(x, y, 1, 2, [0, 0], [0, 0], false);
    expect(Array.from(p)).toEqual([0.5, 0.25]);
    expect(Array.from(q)).toEqual([0.25, 0.5]);
    expect(Array.from(d)).toEqual([0.25, -0.25]);
  });

  it("gives p = 0 or q = 0 where a logit is −Infinity, and d = 0 where both are", () => {
    const x = [0, -Infinity, -Infinity];
    const y = [0, 0, -Infinity];
    const { p, q, d } = logSpaceDifferences(x, y, 0, 3, partition(x), partition(y), true);
    expect(p[1]).toBe(0);
    expect(d[1]).toBe(-q[1]!);
    expect(d[2]).toBe(0);
  });
});

describe("differenceBeyondShift", () => {
  it("is (y − x) − (max y − max x) where both are exact, and keeps the differences of logits near ±1e12", () => {
    expect(differenceBeyondShift(1.25, 1.5, 2, 2)).toBe(0.25);
    // y − x = 2e12 + … rounds to 2^-12 steps; each row's own maximum taken first keeps it.
    const [u, v] = [-1.1405029296875, 0.7274169921875];
    expect(differenceBeyondShift(-1e12 + u, 1e12 + v, -1e12, 1e12)).toBe(v - u);
  });
});
