/** The mpmath values at extreme arguments (tests/fixtures/closed_forms.json, from make_closed_forms.py). */
import { readFileSync } from "node:fs";
import { expect } from "vitest";

/** A number as the fixture writes it: beyond the f64 range as the string "Infinity" or "-Infinity". */
export type Exact = number | "Infinity" | "-Infinity";

export interface ClosedForms {
  normal: Array<{ mu1: number; sigma1: number; mu2: number; sigma2: number; expected: Exact }>;
  diag: Array<{
    mu1: number[]; logvar1: number[]; mu2: number[]; logvar2: number[]; rows: number;
    expected_sum: Exact; expected_mean: Exact; grad_mu: Exact[]; grad_logvar: Exact[]; grad_mu_mean: Exact[]; grad_logvar_mean: Exact[];
  }>;
  mvn: Array<{ mu0: number[]; cov0: number[]; mu1: number[]; cov1: number[]; expected: Exact }>;
  estimate: Array<{ logp: number[]; logq: number[]; estimator: "k1" | "k2" | "k3"; expected: Exact }>;
}

export const closedForms: ClosedForms = JSON.parse(readFileSync(new URL("../fixtures/closed_forms.json", import.meta.url), "utf8"));

/**
 * `actual` is mpmath's value: within 1e-12 relative where that is finite (so finite itself),
 * and the same infinity where it is beyond the f64 range. `what` names the case in a failure.
 */
export function expectExact(actual: number, exact: Exact, what: string): void {
  const expected = Number(exact);
  if (!Number.isFinite(expected)) {
    expect(actual, what).toBe(expected);
    return;
  }
  expect(Number.isFinite(actual), `${what}: ${actual}, not finite, where the value is ${expected}`).toBe(true);
  expect(Math.abs(actual - expected), `${what}: ${actual} against ${expected}`).toBeLessThanOrEqual(1e-12 * Math.abs(expected));
}
