// Monte Carlo estimators of D(Q‖P) (README, "Gaussians and estimators"): convergence to the
// closed form, the per-sample terms, and every kind of bad input.
import { describe, expect, it } from "vitest";
import { estimateKL } from "../../src/closed-form/estimators.js";
import { gaussianKL } from "../../src/closed-form/gaussian.js";
import * as klwasm from "../../src/index.js";
import * as reference from "../../src/reference.js";
import { closedForms, expectExact } from "./extremes.js";
import { expectAllRelative, expectKLError, normals } from "./helpers.js";

describe("estimateKL", () => {
  // Q = N(0, 1), P = N(0.3, 1.2²); samples x ~ Q.
  const n = 200_000;
  const x = normals(n, 41);
  const logNormal = (v: number, mu: number, sigma: number) => -0.5 * ((v - mu) / sigma) ** 2 - Math.log(sigma) - 0.5 * Math.log(2 * Math.PI);
  const logq = x.map((v) => logNormal(v, 0, 1));
  const logp = x.map((v) => logNormal(v, 0.3, 1.2));
  const exact = gaussianKL(0, 1, 0.3, 1.2);

  it("k1 and k3 converge to the closed form D(Q‖P)", () => {
    for (const estimator of ["k1", "k3"] as const) {
      const terms = estimateKL(logp, logq, { estimator, reduction: "none" });
      const mean = estimateKL(logp, logq, { estimator });
      const variance = terms.reduce((s, t) => s + (t - mean) ** 2, 0) / (n - 1);
      // Both are unbiased, so the mean of n terms is within 5 standard errors of the exact
      // value except with probability < 1e-6 (the seed is fixed, so the test is not flaky).
      // The standard error is about 7e-4 for k1 and 1e-4 for k3, against D ≈ 0.061.
      expect(Math.abs(mean - exact)).toBeLessThan(5 * Math.sqrt(variance / n));
    }
  });

  it("defaults to k3, whose every term is ≥ 0", () => {
    expect(estimateKL(logp, logq)).toBe(estimateKL(logp, logq, { estimator: "k3" }));
    const terms = estimateKL(logp, logq, { reduction: "none" });
    expect(terms.every((t) => t >= 0)).toBe(true);
    const small = estimateKL([1e-9, -1e-12, 0], [0, 0, 0], { reduction: "none" });
    // r²/2 + r³/6 + …: the naive (eʳ − 1) − r would give 0 or garbage at these sizes.
    expectAllRelative(small, [1e-18 / 2 + 1e-27 / 6, 1e-24 / 2 - 1e-36 / 6, 0], 1e-15);
  });

  it("computes k1 = −r, k2 = r²/2, k3 = eʳ − 1 − r per sample, into out", () => {
    const out = new Float64Array(2);
    expect(estimateKL([-1, 0.5], [0, 0], { estimator: "k1", reduction: "none", out })).toBe(out);
    expect(Array.from(out)).toEqual([1, -0.5]);
    expect(Array.from(estimateKL([-1, 0.5], [0, 0], { estimator: "k2", reduction: "none" }))).toEqual([0.5, 0.125]);
    expectAllRelative(estimateKL([-1, 0.5], [0, 0], { reduction: "none" }), [Math.exp(-1) - 1 + 1, Math.exp(0.5) - 1 - 0.5], 1e-15);
    expect(estimateKL([-Infinity, 0], [0, 0])).toBe(Infinity);
  });
});

describe("bad input", () => {
  it("estimateKL: values, lengths, options", () => {
    expectKLError(() => estimateKL([0, NaN], [0, 0]), "NAN", "logp", 1);
    expectKLError(() => estimateKL([0, Infinity], [0, 0]), "INFINITE", "logp", 1);
    expectKLError(() => estimateKL([0, 0], [-Infinity, 0]), "INFINITE", "logq", 0);
    expectKLError(() => estimateKL([0, 0], [0]), "LENGTH_MISMATCH", "logq");
    expectKLError(() => estimateKL([], []), "EMPTY", "logp");
    expectKLError(() => estimateKL([0], [0], { estimator: "k4" as never }), "BAD_OPTION", "options.estimator");
    expectKLError(() => estimateKL([0], [0], { reduction: "sum" as never }), "BAD_OPTION", "options.reduction");
    expectKLError(() => estimateKL([0], [0], { reduction: "none", out: new Float64Array(2) }), "BAD_OPTION", "options.out");
    expectKLError(() => estimateKL([0], [0], null as never), "BAD_OPTION", "options");
  });
});

describe("the doors", () => {
  it("klwasm and klwasm/reference export estimateKL, the module's function", () => {
    for (const door of [klwasm, reference]) expect(door.estimateKL([-1, -2], [-1.5, -1.8])).toBe(estimateKL([-1, -2], [-1.5, -1.8]));
  });
});

describe("estimateKL is finite wherever the estimate is representable (mpmath, closed_forms.json)", () => {
  it("k1, k2 and k3 whose terms' sum, or the terms themselves, overflow", () => {
    for (const [k, c] of closedForms.estimate.entries()) {
      expectExact(estimateKL(c.logp, c.logq, { estimator: c.estimator }), c.expected, `estimate case ${k} (${c.estimator})`);
    }
  });

  it("means of two terms beyond the f64 range and of opposite signs: exactly the remaining term's share", () => {
    // k1 terms 2e308, −2e308 and −0.5: the mean is −1/6; the plain sum is Infinity − Infinity.
    expect(estimateKL([-1e308, 1e308, 0.5], [1e308, -1e308, 0], { estimator: "k1" })).toBeCloseTo(-1 / 6, 15);
  });
});
