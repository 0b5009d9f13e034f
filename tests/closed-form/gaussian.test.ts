// Closed-form Gaussian divergences (README, "Gaussians and estimators"): identities between
// the forms, hand-derived values, PyTorch's values (tests/fixtures/torch_gaussian.json, from
// make_torch_gaussian.py), mpmath's at extreme arguments (closed_forms.json, from
// make_closed_forms.py), finite-difference gradients, and every kind of bad input.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { diagGaussianKL, diagGaussianKLGrad, gaussianKL, mvnKL } from "../../src/closed-form/gaussian.js";
import * as klwasm from "../../src/index.js";
import * as reference from "../../src/reference.js";
import { closedForms, expectExact } from "./extremes.js";
import { expectAllRelative, expectKLError, expectRelative, normals, uniforms } from "./helpers.js";

interface Fixture {
  normal: Array<{ mu1: number; sigma1: number; mu2: number; sigma2: number; expected: number }>;
  diag: Array<{
    rows: number;
    mu1: number[];
    logvar1: number[];
    mu2: number[] | null;
    logvar2: number[] | null;
    expected_rows: number[];
    expected_sum: number;
    expected_mean: number;
    grad_sum: { mu1: number[]; logvar1: number[] };
    grad_mean: { mu1: number[]; logvar1: number[] };
  }>;
  mvn: Array<{ mu0: number[]; cov0: number[]; mu1: number[]; cov1: number[]; expected: number }>;
}

const fixture: Fixture = JSON.parse(readFileSync(new URL("../fixtures/torch_gaussian.json", import.meta.url), "utf8"));

describe("gaussianKL", () => {
  it("is exactly 0 for equal normals", () => {
    for (const [mu, sigma] of [[0, 1], [-3.5, 1e-8], [1e6, 7.25], [0.1, 1e300]] as const) {
      expect(gaussianKL(mu, sigma, mu, sigma)).toBe(0);
    }
  });

  it("matches the seed example N(0, 2) vs N(0, 3) derived by hand", () => {
    // Standard deviations 2 and 3: log(σ2/σ1) + σ1²/(2σ2²) − ½.
    expectRelative(gaussianKL(0, 2, 0, 3), Math.log(3 / 2) + 4 / (2 * 9) - 0.5, 1e-14);
    expectRelative(gaussianKL(0, 3, 0, 2), Math.log(2 / 3) + 9 / (2 * 4) - 0.5, 1e-14);
    // Variances 2 and 3: ½log(v2/v1) + v1/(2v2) − ½.
    expectRelative(gaussianKL(0, Math.SQRT2, 0, Math.sqrt(3)), 0.5 * Math.log(3 / 2) + 2 / (2 * 3) - 0.5, 1e-14);
    expectRelative(gaussianKL(0, Math.sqrt(3), 0, Math.SQRT2), 0.5 * Math.log(2 / 3) + 3 / (2 * 2) - 0.5, 1e-14);
    // The same variance reading through the log-variance and full-covariance forms.
    expectRelative(diagGaussianKL([0], [Math.log(2)], [0], [Math.log(3)]), 0.5 * Math.log(3 / 2) + 2 / (2 * 3) - 0.5, 1e-14);
    expectRelative(mvnKL([0], [3], [0], [2]), 0.5 * Math.log(2 / 3) + 3 / (2 * 2) - 0.5, 1e-14);
  });

  it("keeps its relative accuracy as the variances approach each other", () => {
    // σ1 = 1 + ε, σ2 = 1: (r² − 1)/2 − log r = ε + ε²/2 − log(1 + ε) = ε² − ε³/3 + ε⁴/4 − … − ε⁷/7
    // (the series of log1p; the first term left out is below 1e-18 relative). The naive
    // formula loses eps/ε² relative: everything at ε = 1e-8.
    for (const nominal of [1e-3, 1e-5, 1e-8, 1e-12]) {
      const sigma = 1 + nominal;
      const epsilon = sigma - 1; // the ε actually represented, exactly (Sterbenz)
      const series = epsilon ** 2 - epsilon ** 3 / 3 + epsilon ** 4 / 4 - epsilon ** 5 / 5 + epsilon ** 6 / 6 - epsilon ** 7 / 7;
      expectRelative(gaussianKL(0, sigma, 0, 1), series, 1e-14);
      expectRelative(diagGaussianKL([0], [2 * Math.log1p(epsilon)], [0], [0]), series, 1e-14);
    }
  });

  it("matches PyTorch's Normal KL", () => {
    for (const c of fixture.normal) expectRelative(gaussianKL(c.mu1, c.sigma1, c.mu2, c.sigma2), c.expected, 1e-12);
  });
});

describe("diagGaussianKL", () => {
  const rows = 3;
  const d = 4;
  const mu1 = normals(rows * d, 11);
  const logvar1 = uniforms(rows * d, 12, -2, 2);
  const mu2 = normals(rows * d, 13);
  const logvar2 = uniforms(rows * d, 14, -2, 2);

  it("is the sum of univariate gaussianKL with sigma = exp(logvar/2)", () => {
    const perRow = diagGaussianKL(mu1, logvar1, mu2, logvar2, { rows, reduction: "none" });
    const expected = Float64Array.from({ length: rows }, (_, row) => {
      let sum = 0;
      for (let i = row * d; i < (row + 1) * d; i++) {
        sum += gaussianKL(mu1[i]!, Math.exp(logvar1[i]! / 2), mu2[i]!, Math.exp(logvar2[i]! / 2));
      }
      return sum;
    });
    expectAllRelative(perRow, expected, 1e-13);
    expectRelative(diagGaussianKL(mu1, logvar1, mu2, logvar2, { rows }), expected.reduce((a, b) => a + b), 1e-13);
    expectRelative(diagGaussianKL(mu1, logvar1, mu2, logvar2, { rows, reduction: "mean" }), expected.reduce((a, b) => a + b) / rows, 1e-13);
  });

  it("defaults the prior to N(0, I): the VAE term −½Σ(1 + logvar − mu² − e^logvar)", () => {
    const vae = -0.5 * Array.from(mu1, (mu, i) => 1 + logvar1[i]! - mu * mu - Math.exp(logvar1[i]!)).reduce((a, b) => a + b);
    expectRelative(diagGaussianKL(mu1, logvar1), vae, 1e-13);
    const zeros = new Float64Array(rows * d);
    expect(diagGaussianKL(mu1, logvar1, undefined, undefined, { rows, reduction: "none" })).toEqual(
      diagGaussianKL(mu1, logvar1, zeros, zeros, { rows, reduction: "none" }),
    );
  });

  it("writes per-row values into out", () => {
    const out = new Float64Array(rows);
    expect(diagGaussianKL(mu1, logvar1, mu2, logvar2, { rows, reduction: "none", out })).toBe(out);
    expect(out).toEqual(diagGaussianKL(mu1, logvar1, mu2, logvar2, { rows, reduction: "none" }));
  });

  it("matches PyTorch's Independent(Normal) KL, per row, summed and averaged", () => {
    for (const c of fixture.diag) {
      const args = [c.mu1, c.logvar1, c.mu2 ?? undefined, c.logvar2 ?? undefined] as const;
      expectAllRelative(diagGaussianKL(...args, { rows: c.rows, reduction: "none" }), c.expected_rows, 1e-12);
      expectRelative(diagGaussianKL(...args, { rows: c.rows }), c.expected_sum, 1e-12);
      expectRelative(diagGaussianKL(...args, { rows: c.rows, reduction: "mean" }), c.expected_mean, 1e-12);
    }
  });
});

describe("diagGaussianKLGrad", () => {
  const rows = 2;
  const d = 3;
  const mu1 = normals(rows * d, 21);
  const logvar1 = uniforms(rows * d, 22, -1.5, 1.5);
  const mu2 = normals(rows * d, 23);
  const logvar2 = uniforms(rows * d, 24, -1.5, 1.5);

  it("agrees with central finite differences of diagGaussianKL", () => {
    const { value, gradMu, gradLogvar } = diagGaussianKLGrad(mu1, logvar1, mu2, logvar2, { rows });
    expect(value).toBe(diagGaussianKL(mu1, logvar1, mu2, logvar2, { rows }));
    // Central differences err by O(h²) + O(eps/h): about 1e-10 at h = 1e-5 on values O(1).
    const h = 1e-5;
    for (const [input, grad] of [[mu1, gradMu], [logvar1, gradLogvar]] as const) {
      for (let i = 0; i < input.length; i++) {
        const plus = Float64Array.from(input);
        const minus = Float64Array.from(input);
        plus[i]! += h;
        minus[i]! -= h;
        const at = (x: Float64Array) =>
          input === mu1 ? diagGaussianKL(x, logvar1, mu2, logvar2, { rows }) : diagGaussianKL(mu1, x, mu2, logvar2, { rows });
        expect(Math.abs(grad[i]! - (at(plus) - at(minus)) / (2 * h))).toBeLessThan(1e-8);
      }
    }
  });

  it("divides the gradients by rows with reduction mean, and writes into given buffers", () => {
    const sum = diagGaussianKLGrad(mu1, logvar1, mu2, logvar2, { rows });
    const gradMu = new Float64Array(rows * d);
    const gradLogvar = new Float64Array(rows * d);
    const mean = diagGaussianKLGrad(mu1, logvar1, mu2, logvar2, { rows, reduction: "mean", gradMu, gradLogvar });
    expect(mean.gradMu).toBe(gradMu);
    expect(mean.gradLogvar).toBe(gradLogvar);
    expect(mean.value).toBe(diagGaussianKL(mu1, logvar1, mu2, logvar2, { rows, reduction: "mean" }));
    expect(Array.from(gradMu)).toEqual(Array.from(sum.gradMu, (g) => g / rows));
    expect(Array.from(gradLogvar)).toEqual(Array.from(sum.gradLogvar, (g) => g / rows));
  });

  it("matches PyTorch's autograd gradients", () => {
    for (const c of fixture.diag) {
      const args = [c.mu1, c.logvar1, c.mu2 ?? undefined, c.logvar2 ?? undefined] as const;
      for (const reduction of ["sum", "mean"] as const) {
        const { gradMu, gradLogvar } = diagGaussianKLGrad(...args, { rows: c.rows, reduction });
        const expected = reduction === "sum" ? c.grad_sum : c.grad_mean;
        expectAllRelative(gradMu, expected.mu1, 1e-10);
        expectAllRelative(gradLogvar, expected.logvar1, 1e-10);
      }
    }
  });
});

describe("mvnKL", () => {
  const d = 4;
  const mu0 = normals(d, 31);
  const mu1 = normals(d, 32);
  const logvar0 = uniforms(d, 33, -2, 2);
  const logvar1 = uniforms(d, 34, -2, 2);
  const diagonal = (logvar: Float64Array) => {
    const cov = new Float64Array(d * d);
    for (let i = 0; i < d; i++) cov[i * d + i] = Math.exp(logvar[i]!);
    return cov;
  };

  it("equals diagGaussianKL for diagonal covariances", () => {
    expectRelative(mvnKL(mu0, diagonal(logvar0), mu1, diagonal(logvar1)), diagGaussianKL(mu0, logvar0, mu1, logvar1), 1e-13);
  });

  it("is 0 between a normal and itself", () => {
    for (const c of fixture.mvn) expect(mvnKL(c.mu0, c.cov0, c.mu0, c.cov0)).toBe(0);
  });

  it("matches PyTorch's MultivariateNormal KL", () => {
    for (const c of fixture.mvn) expectRelative(mvnKL(c.mu0, c.cov0, c.mu1, c.cov1), c.expected, 1e-12);
  });
});

describe("bad input", () => {
  it("gaussianKL: NaN, infinite, non-positive sigma", () => {
    expectKLError(() => gaussianKL(NaN, 1, 0, 1), "NAN", "mu1");
    expectKLError(() => gaussianKL(0, 1, NaN, 1), "NAN", "mu2");
    expectKLError(() => gaussianKL(0, NaN, 0, 1), "NAN", "sigma1");
    expectKLError(() => gaussianKL(Infinity, 1, 0, 1), "INFINITE", "mu1");
    expectKLError(() => gaussianKL(0, 1, 0, Infinity), "INFINITE", "sigma2");
    expectKLError(() => gaussianKL(0, 0, 0, 1), "NEGATIVE", "sigma1");
    expectKLError(() => gaussianKL(0, 1, 0, -2), "NEGATIVE", "sigma2");
  });

  it("diagGaussianKL and its gradient: values, lengths, rows, options", () => {
    const calls: Array<(...args: Parameters<typeof diagGaussianKL>) => unknown> = [diagGaussianKL, diagGaussianKLGrad];
    for (const call of calls) {
      expectKLError(() => call([0, NaN], [0, 0]), "NAN", "mu1", 1);
      expectKLError(() => call([0, 0], [0, 0], [0, 0], [Infinity, 0]), "INFINITE", "logvar2", 0);
      expectKLError(() => call([0, 0], [0]), "LENGTH_MISMATCH", "logvar1");
      expectKLError(() => call([0, 0], [0, 0], [0]), "LENGTH_MISMATCH", "mu2");
      expectKLError(() => call([], []), "EMPTY", "mu1");
      expectKLError(() => call("ab" as never, [0, 0]), "NOT_A_VECTOR", "mu1");
      expectKLError(() => call([0, 0, 0], [0, 0, 0], undefined, undefined, { rows: 2 }), "BAD_ROWS", "options.rows");
      expectKLError(() => call([0, 0], [0, 0], undefined, undefined, { rows: 0 }), "BAD_ROWS", "options.rows");
      expectKLError(() => call([0, 0], [0, 0], undefined, undefined, { reduction: "max" as never }), "BAD_OPTION", "options.reduction");
      const out = new Float64Array(2);
      expectKLError(() => call([0, 0], [0, 0], undefined, undefined, { reduction: "none", out }), "BAD_OPTION", "options.out");
      expectKLError(() => call([0, 0], [0, 0], undefined, undefined, { out: new Float64Array(1) }), "BAD_OPTION", "options.out");
    }
    expectKLError(() => diagGaussianKLGrad([0, 0], [0, 0], undefined, undefined, { gradMu: new Float64Array(1) }), "BAD_OPTION", "options.gradMu");
  });

  it("mvnKL: asymmetric or indefinite covariances, shapes, values", () => {
    const identity = [1, 0, 0, 0, 1, 0, 0, 0, 1];
    const asymmetric = [1, 0, 0, 0, 1, 0.5, 0, 0.4, 1];
    expectKLError(() => mvnKL([0, 0, 0], asymmetric, [0, 0, 0], identity), "NOT_SPD", "cov0", 5);
    // Symmetric within 1e-12 relative is accepted.
    expect(mvnKL([0, 0], [2, 0.5, 0.5 * (1 + 1e-14), 1], [0, 0], [2, 0.5, 0.5, 1])).toBeLessThan(1e-14);
    // Indefinite: the pivot of row 1 is 1 − 2² < 0.
    expectKLError(() => mvnKL([0, 0, 0], identity, [0, 0, 0], [1, 2, 0, 2, 1, 0, 0, 0, 1]), "NOT_SPD", "cov1", 1);
    // Singular (positive semi-definite): the pivot of row 2 is exactly 0.
    expectKLError(() => mvnKL([0, 0, 0], [1, 0, 1, 0, 1, 0, 1, 0, 1], [0, 0, 0], identity), "NOT_SPD", "cov0", 2);
    expectKLError(() => mvnKL([0, 0], [-1, 0, 0, 1], [0, 0], [1, 0, 0, 1]), "NOT_SPD", "cov0", 0);
    expectKLError(() => mvnKL([0, 0], [1, 0, 0], [0, 0], [1, 0, 0, 1]), "LENGTH_MISMATCH", "cov0");
    expectKLError(() => mvnKL([0, 0], [1, 0, 0, 1], [0], [1, 0, 0, 1]), "LENGTH_MISMATCH", "mu1");
    expectKLError(() => mvnKL([0, 0], [1, 0, 0, 1], [0, 0], [1, 0, NaN, 1]), "NAN", "cov1", 2);
    expectKLError(() => mvnKL([0, -Infinity], [1, 0, 0, 1], [0, 0], [1, 0, 0, 1]), "INFINITE", "mu0", 1);
    expectKLError(() => mvnKL([], [], [], []), "EMPTY", "mu0");
  });

});

describe("the doors", () => {
  it("klwasm and klwasm/reference export gaussianKL, diagGaussianKL and mvnKL, the module's functions", () => {
    for (const door of [klwasm, reference]) {
      expect(door.gaussianKL(0, 2, 0, 3)).toBe(gaussianKL(0, 2, 0, 3));
      expect(door.diagGaussianKL([0.1, 0.2], [0.3, -0.4])).toBe(diagGaussianKL([0.1, 0.2], [0.3, -0.4]));
      expect(door.mvnKL([0, 0], [2, 0.5, 0.5, 1], [1, 0], [1, 0, 0, 1])).toBe(mvnKL([0, 0], [2, 0.5, 0.5, 1], [1, 0], [1, 0, 0, 1]));
    }
  });
});

describe("finite wherever the value is representable (mpmath at extreme arguments, closed_forms.json)", () => {
  it("diagGaussianKL at the issue's examples: e^710/2 and (1e-300)²·e^1500", () => {
    expectRelative(diagGaussianKL([0], [710]), 1.1169973830808555e308, 1e-12);
    expectRelative(diagGaussianKLGrad([0], [710]).gradLogvar[0]!, 1.1169973830808555e308, 1e-12);
    expectRelative(diagGaussianKL([1e-300], [-1500], [0], [-1500]), 1.3825882421254986e51, 1e-12);
  });

  it("gaussianKL", () => {
    for (const [k, c] of closedForms.normal.entries()) {
      expectExact(gaussianKL(c.mu1, c.sigma1, c.mu2, c.sigma2), c.expected, `normal case ${k}`);
    }
  });

  it("diagGaussianKL and diagGaussianKLGrad, summed and averaged over rows", () => {
    for (const [k, c] of closedForms.diag.entries()) {
      const options = { rows: c.rows };
      expectExact(diagGaussianKL(c.mu1, c.logvar1, c.mu2, c.logvar2, options) as number, c.expected_sum, `diag case ${k}, sum`);
      expectExact(diagGaussianKL(c.mu1, c.logvar1, c.mu2, c.logvar2, { ...options, reduction: "mean" }) as number, c.expected_mean, `diag case ${k}, mean`);
      const sum = diagGaussianKLGrad(c.mu1, c.logvar1, c.mu2, c.logvar2, options);
      const mean = diagGaussianKLGrad(c.mu1, c.logvar1, c.mu2, c.logvar2, { ...options, reduction: "mean" });
      c.grad_mu.forEach((g, i) => expectExact(sum.gradMu[i]!, g, `diag case ${k}, gradMu[${i}]`));
      c.grad_logvar.forEach((g, i) => expectExact(sum.gradLogvar[i]!, g, `diag case ${k}, gradLogvar[${i}]`));
      c.grad_mu_mean.forEach((g, i) => expectExact(mean.gradMu[i]!, g, `diag case ${k}, mean gradMu[${i}]`));
      c.grad_logvar_mean.forEach((g, i) => expectExact(mean.gradLogvar[i]!, g, `diag case ${k}, mean gradLogvar[${i}]`));
    }
  });

  it("mvnKL", () => {
    for (const [k, c] of closedForms.mvn.entries()) expectExact(mvnKL(c.mu0, c.cov0, c.mu1, c.cov1), c.expected, `mvn case ${k}`);
  });
});
