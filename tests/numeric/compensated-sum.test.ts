// Neumaier's compensated sum (src/numeric/compensated-sum.ts): the sum of finite terms is what
// their exact sum rounds to, also where a partial sum passes the largest double on the way.
import fc from "fast-check";
import { expect, it } from "vitest";
import { compensatedSum, CompensatedSum } from "../../src/numeric/compensated-sum.js";

const MAX = Number.MAX_VALUE;

it("a partial sum beyond the largest double comes back: the exact sum, in any order", () => {
  // 3·2^1023 (beyond max) − 2·2^1023 = 2^1023, every number exact.
  const half = 2 ** 1023;
  const terms = [half, half, half, -half, -half];
  expect(compensatedSum(terms)).toBe(half);
  expect(compensatedSum([...terms].reverse())).toBe(half);
  // Beyond max overall: ±Infinity with the sign of the exact sum.
  expect(compensatedSum([MAX, MAX, -0.5 * MAX])).toBe(Infinity);
  expect(compensatedSum([-MAX, -MAX, 0.5 * MAX])).toBe(-Infinity);
});

it("infinite terms keep their meaning", () => {
  const sum = new CompensatedSum();
  for (const t of [MAX, MAX, Infinity, 1]) sum.add(t);
  expect(sum.value).toBe(Infinity);
  expect(compensatedSum([Infinity, -Infinity])).toBeNaN();
});

it("agrees with the sum of the terms scaled by 2^-64 (exact) wherever that is finite", () => {
  fc.assert(
    fc.property(fc.array(fc.double({ min: -MAX, max: MAX, noNaN: true }), { minLength: 1, maxLength: 40 }), (terms) => {
      const scaled = compensatedSum(terms.map((t) => t * 2 ** -64)) * 2 ** 64;
      const got = compensatedSum(terms);
      if (Number.isFinite(scaled)) expect(Math.abs(got - scaled)).toBeLessThanOrEqual(1e-15 * Math.abs(scaled) + 1e-300);
      else expect(got).toBe(scaled);
    }),
    { seed: 20261130, numRuns: 300 },
  );
});
