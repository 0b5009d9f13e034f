/**
 * Accurate sums: a divergence of 10^7 terms lies within 1e-14 of the exact sum of its terms,
 * computed here in BigInt fixed point from the reference's terms.
 */
import { beforeAll, describe, expect, it } from "vitest";
import type { KL } from "../src/index.js";
import { klTerm } from "../src/engines/reference/terms.js";
import { backendNames, loadBackend } from "./backends.js";
import { probabilityLike } from "./generate.js";

const SCALE = 2 ** 200;

/** Σ terms exactly: every term of magnitude ≥ 2^-148 is an integer multiple of 2^-200. */
function exactSum(terms: Float64Array): number {
  let total = 0n;
  for (const t of terms) total += BigInt(Math.round(t * SCALE));
  return Number(total) / SCALE;
}

describe.each(backendNames.filter((name) => name !== "reference"))("%s", (name) => {
  let kl: KL;
  beforeAll(async () => {
    kl = await loadBackend(name);
  });

  it("KL of 10^7 terms is within 1e-14 of the exact sum of its terms", () => {
    const n = 10_000_000;
    const p = probabilityLike({ length: n, seed: 11, zeros: 0.05, decades: 4 });
    const q = probabilityLike({ length: n, seed: 12, zeros: 0, decades: 4 });
    const exact = exactSum(Float64Array.from(p, (v, i) => klTerm(v, q[i]!)));
    const got = kl.kl(p, q);
    expect(Math.abs(got - exact) / Math.abs(exact)).toBeLessThanOrEqual(1e-14);
  });
});
