/**
 * fitGaussianVI against targets with closed forms: Gaussians (full-rank recovers m and Σ; mean-field
 * settles on m and 1/Λ_ii), a conjugate Bayesian linear regression (posterior and evidence, Bishop
 * PRML §3.3–3.5), Li & Turner's Rényi bounds on a mixture; seeds, both gradient sources, and every
 * bad input's KLError. Every expected value comes from a closed form, never from a run.
 */
import { describe, expect, it } from "vitest";
import { KLError } from "../../src/core/errors.js";
import { fitGaussianVI } from "../../src/fit/vi.js";
import type { VIOptions } from "../../src/fit/vi-types.js";
import { covarianceOf, gaussianTarget, inverseSPD, multiply, transpose } from "./vi-gaussians.js";

const correlated = gaussianTarget([1, -2, 0.5], [2, 0.9, -0.4, 0.9, 1, 0.3, -0.4, 0.3, 0.8], 3.7);

describe("fitGaussianVI on a Gaussian target", () => {
  it("full-rank recovers the mean and the covariance LLᵀ, and the ELBO reaches log Z", () => {
    const { d, mean, covariance, logZ, logDensity, gradLogDensity } = correlated;
    const fit = fitGaussianVI(logDensity, { dim: d, family: "full-rank", gradLogDensity, seed: 3 });
    expect(fit.family).toBe("full-rank");
    expect(fit.converged).toBe(true);
    // The stopping rule (ELBO change < 1e-3 nats per window) leaves the parameters about 1e-6 off.
    for (let i = 0; i < d; i++) expect(Math.abs(fit.mu[i]! - mean[i]!)).toBeLessThan(1e-4);
    const fitted = covarianceOf(fit.scaleTril, d);
    for (let i = 0; i < d * d; i++) expect(Math.abs(fitted[i]! - covariance[i]!)).toBeLessThan(1e-4);
    // Q = P: every log-weight is log Z, so the ELBO and the importance-sampling estimate agree with it.
    expect(Math.abs(fit.elbo - logZ)).toBeLessThan(1e-6);
    expect(Math.abs(fit.logZ - logZ)).toBeLessThan(1e-6);
    expect(fit.paretoK).toBeLessThan(0.5);
    expect(fit.warning).toBeUndefined();
    expect(fit.gradient).toBe("given");
    expect(fit.estimator).toBe("stl");
  });

  it("full-rank with the reparameterisation estimator gets there within its noise", () => {
    const { d, mean, covariance, logZ, logDensity, gradLogDensity } = correlated;
    const fit = fitGaussianVI(logDensity, { dim: d, family: "full-rank", estimator: "reparam", gradLogDensity, seed: 3, steps: 4000 });
    for (let i = 0; i < d; i++) expect(fit.mu[i]).toBeCloseTo(mean[i]!, 1);
    const fitted = covarianceOf(fit.scaleTril, d);
    for (let i = 0; i < d * d; i++) expect(Math.abs(fitted[i]! - covariance[i]!)).toBeLessThan(0.1);
    expect(Math.abs(fit.elbo - logZ)).toBeLessThan(4 * fit.elboStandardError + 0.01);
    expect(Math.abs(fit.logZ - logZ)).toBeLessThan(4 * fit.logZStandardError + 1e-3);
  });

  it("mean-field settles on the mean and the variances 1/Λ_ii, not Σ_ii", () => {
    const { d, mean, covariance, precision, logZ, logDensity, gradLogDensity } = correlated;
    const fit = fitGaussianVI(logDensity, { dim: d, gradLogDensity, seed: 5, steps: 4000 });
    expect(fit.family).toBe("mean-field");
    for (let i = 0; i < d; i++) {
      expect(Math.abs(fit.mu[i]! - mean[i]!)).toBeLessThan(0.05);
      const reverse = 1 / precision[i * d + i]!;
      expect(Math.abs(fit.sigma[i]! ** 2 / reverse - 1)).toBeLessThan(0.05);
      expect(reverse).toBeLessThan(0.9 * covariance[i * d + i]!); // the two are far apart here
    }
    // ELBO = log Z − KL(Q‖P); at the optimum KL = ½(Σ log Λ_ii + log det Σ).
    const { logDet } = inverseSPD(covariance, d);
    let kl = 0.5 * logDet;
    for (let i = 0; i < d; i++) kl += 0.5 * Math.log(precision[i * d + i]!);
    expect(Math.abs(fit.elbo - (logZ - kl))).toBeLessThan(4 * fit.elboStandardError + 0.01);
  });

  it("gives the same fit, bit for bit, for the same seed, and another for another seed", () => {
    const { d, logDensity } = correlated;
    const options: VIOptions = { dim: d, steps: 300, seed: 11 };
    const a = fitGaussianVI(logDensity, options);
    const b = fitGaussianVI(logDensity, options);
    expect(Array.from(b.mu)).toEqual(Array.from(a.mu));
    expect(Array.from(b.sigma)).toEqual(Array.from(a.sigma));
    expect([b.elbo, b.logZ, b.paretoK]).toEqual([a.elbo, a.logZ, a.paretoK]);
    expect(b.history.map((h) => h.estimate)).toEqual(a.history.map((h) => h.estimate));
    const c = fitGaussianVI(logDensity, { ...options, seed: 12 });
    expect(Array.from(c.mu)).not.toEqual(Array.from(a.mu));
  });

  it("given gradients and central differences agree", () => {
    const { d, logDensity, gradLogDensity } = correlated;
    const options: VIOptions = { dim: d, family: "full-rank", seed: 2, steps: 400 };
    const given = fitGaussianVI(logDensity, { ...options, gradLogDensity, family: "full-rank" });
    const differences = fitGaussianVI(logDensity, { ...options, family: "full-rank" });
    expect(given.gradient).toBe("given");
    expect(differences.gradient).toBe("central differences");
    for (let i = 0; i < d; i++) expect(Math.abs(differences.mu[i]! - given.mu[i]!)).toBeLessThan(1e-4);
    for (let i = 0; i < d * d; i++) expect(Math.abs(differences.scaleTril[i]! - given.scaleTril[i]!)).toBeLessThan(1e-4);
  });

  it("keeps a history per update and stops where onStep returns false", () => {
    const { d, logDensity } = correlated;
    const seen: number[] = [];
    const fit = fitGaussianVI(logDensity, { dim: d, onStep: (state) => { seen.push(state.step); expect(state.sigma).toHaveLength(d); return state.step < 7; } });
    expect(seen).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(fit.steps).toBe(7);
    expect(fit.converged).toBe(false);
    expect(fit.history).toHaveLength(7);
    expect(fit.history[0]!.mu).toHaveLength(d);
  });
});

describe("fitGaussianVI on a conjugate Bayesian linear regression", () => {
  // y = Φw + noise, w ~ N(0, α⁻¹I), noise ~ N(0, β⁻¹); Φ: the features 1, x, x² at 12 points.
  const alpha = 2;
  const beta = 25;
  const xs = Array.from({ length: 12 }, (_, i) => -1 + (2 * i) / 11);
  const trueW = [0.3, -0.8, 0.5];
  const noise = [0.1, -0.15, 0.05, 0.2, -0.05, 0.0, -0.1, 0.12, -0.2, 0.08, 0.03, -0.07];
  const phi = xs.flatMap((x) => [1, x, x * x]);
  const n = xs.length;
  const m = 3;
  const y = xs.map((x, i) => trueW[0]! + trueW[1]! * x + trueW[2]! * x * x + noise[i]!);
  const residual = (w: ArrayLike<number>) => y.map((yi, i) => yi - (phi[i * m]! * w[0]! + phi[i * m + 1]! * w[1]! + phi[i * m + 2]! * w[2]!));
  // log p(y | w) + log p(w), normalised: its integral over w is the evidence p(y).
  const logDensity = (w: Float64Array) => {
    let squares = 0;
    for (const r of residual(w)) squares += r * r;
    let prior = 0;
    for (let j = 0; j < m; j++) prior += w[j]! * w[j]!;
    return 0.5 * n * Math.log(beta / (2 * Math.PI)) - 0.5 * beta * squares + 0.5 * m * Math.log(alpha / (2 * Math.PI)) - 0.5 * alpha * prior;
  };
  const gradLogDensity = (w: Float64Array, out: Float64Array) => {
    const r = residual(w);
    for (let j = 0; j < m; j++) {
      let s = 0;
      for (let i = 0; i < n; i++) s += phi[i * m + j]! * r[i]!;
      out[j] = beta * s - alpha * w[j]!;
    }
  };
  // PRML (3.53)–(3.54): S_N⁻¹ = αI + βΦᵀΦ, m_N = βS_NΦᵀy; (3.86): the log evidence.
  const phiT = transpose(phi, n, m);
  const a = multiply(phiT, phi, m, n, m).map((v, i) => beta * v + (i % (m + 1) === 0 ? alpha : 0));
  const { inverse: sN, logDet: logDetA } = inverseSPD(a, m);
  const mN = multiply(sN, multiply(phiT, y, m, n, 1), m, m, 1).map((v) => beta * v);
  const e = 0.5 * beta * residual(mN).reduce((s, r) => s + r * r, 0) + 0.5 * alpha * mN.reduce((s, w) => s + w * w, 0);
  const evidence = 0.5 * m * Math.log(alpha) + 0.5 * n * Math.log(beta) - e - 0.5 * logDetA - 0.5 * n * Math.log(2 * Math.PI);

  it("recovers the posterior N(m_N, S_N) and the log evidence", () => {
    const fit = fitGaussianVI(logDensity, { dim: m, family: "full-rank", gradLogDensity, seed: 8, steps: 4000 });
    expect(fit.converged).toBe(true);
    for (let j = 0; j < m; j++) expect(Math.abs(fit.mu[j]! - mN[j]!)).toBeLessThan(1e-4);
    const covariance = covarianceOf(fit.scaleTril, m);
    const largest = Math.max(...sN.map(Math.abs));
    for (let i = 0; i < m * m; i++) expect(Math.abs(covariance[i]! - sN[i]!)).toBeLessThan(1e-3 * largest);
    expect(Math.abs(fit.logZ - evidence)).toBeLessThan(1e-5);
    expect(Math.abs(fit.elbo - evidence)).toBeLessThan(1e-5);
  });
});

describe("fitGaussianVI with the Rényi bound", () => {
  // A non-Gaussian target: 0.7·N(−1, 0.6²) + 0.3·N(1.5, 0.9²), times e^2 (log Z = 2).
  const components = [[0.7, -1, 0.6], [0.3, 1.5, 0.9]] as const;
  const logDensity = (z: Float64Array) => {
    let p = 0;
    for (const [w, m, s] of components) p += (w / (s * Math.sqrt(2 * Math.PI))) * Math.exp(-0.5 * ((z[0]! - m) / s) ** 2);
    return 2 + Math.log(p);
  };

  it("orders ELBO ≤ L_α ≤ log Z for α ∈ {0, ½}, averaged over seeds, and L_α grows as α falls", () => {
    const seeds = [1, 2, 3, 4];
    const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
    for (const alpha of [0.5, 0]) {
      const fits = seeds.map((seed) => fitGaussianVI(logDensity, { dim: 1, objective: "renyi", alpha, seed, steps: 1500 }));
      const elbo = mean(fits.map((f) => f.elbo));
      const bound = mean(fits.map((f) => f.renyiBound!));
      const logZ = mean(fits.map((f) => f.logZ));
      expect(elbo).toBeLessThan(bound);
      expect(bound).toBeLessThan(2);
      expect(Math.abs(logZ - 2)).toBeLessThan(0.01);
      expect(fits.every((f) => f.estimator === "reparam" && f.objective === "renyi")).toBe(true);
    }
  });

  it("is the ELBO fit at α = 1, bit for bit, and near it at α = 0.999", () => {
    const options: VIOptions = { dim: 1, estimator: "reparam", seed: 4, steps: 600 };
    const elbo = fitGaussianVI(logDensity, options);
    const one = fitGaussianVI(logDensity, { ...options, objective: "renyi", alpha: 1 });
    expect(Array.from(one.mu)).toEqual(Array.from(elbo.mu));
    expect(Array.from(one.sigma)).toEqual(Array.from(elbo.sigma));
    expect(one.renyiBound).toBeCloseTo(one.elbo, 12);
    const near = fitGaussianVI(logDensity, { ...options, objective: "renyi", alpha: 0.999 });
    expect(Math.abs(near.mu[0]! - elbo.mu[0]!)).toBeLessThan(0.02);
    expect(Math.abs(near.sigma[0]! - elbo.sigma[0]!)).toBeLessThan(0.02);
    expect(Math.abs(near.renyiBound! - near.elbo)).toBeLessThan(0.01);
  });

  it("covers more of the target at α = 0 than the ELBO does (mass-covering against mode-seeking)", () => {
    const elbo = fitGaussianVI(logDensity, { dim: 1, seed: 6 });
    const covering = fitGaussianVI(logDensity, { dim: 1, objective: "renyi", alpha: 0, seed: 6 });
    expect(covering.sigma[0]).toBeGreaterThan(elbo.sigma[0]!);
  });
});

describe("fitGaussianVI's diagnostics", () => {
  it("warns when Q is too narrow for importance sampling (Pareto-k̂ > 0.7)", () => {
    // A Student-t target with 2 degrees of freedom: a Gaussian proposal's weights have no variance.
    const logDensity = (z: Float64Array) => -1.5 * Math.log1p((z[0]! * z[0]!) / 2);
    const fit = fitGaussianVI(logDensity, { dim: 1, seed: 1 });
    expect(fit.paretoK).toBeGreaterThan(0.7);
    expect(fit.warning).toMatch(/Pareto-k̂/);
  });

  it("refuses a target with p̃ = 0 on a region (every Gaussian's ELBO is −Infinity there), naming the point", () => {
    // A half-normal and a uniform box: the fit used to drift out of the support and fail later.
    const halfNormal = (z: Float64Array) => (z[0]! < 0 ? -Infinity : -0.5 * z[0]! * z[0]!);
    const box = (z: Float64Array) => (z[0]! < 0 || z[0]! > 1 || z[1]! < 0 || z[1]! > 1 ? -Infinity : 0);
    for (const [logDensity, dim, init] of [[halfNormal, 1, { mu: [1], sigma: [0.3] }], [box, 2, { mu: [0.5, 0.5], sigma: [0.2, 0.2] }]] as const) {
      expect(() => fitGaussianVI(logDensity, { dim, init: { mu: [...init.mu], sigma: [...init.sigma] }, seed: 1 })).toThrow(/−Infinity at z = .*unconstrained space/);
    }
  });

  it("gives a flat Pareto tail, and no warning, when Q is P", () => {
    const fit = fitGaussianVI((z) => -(z[0]! * z[0]! + z[1]! * z[1]!) / 2, { dim: 2, steps: 0 });
    expect(fit.paretoK).toBe(-Infinity);
    expect(fit.warning).toBeUndefined();
    expect(fit.logZ).toBeCloseTo(Math.log(2 * Math.PI), 12);
  });
});

describe("fitGaussianVI's bad input", () => {
  const standard = (z: Float64Array) => -0.5 * z[0]! * z[0]!;
  const expectError = (run: () => unknown, code: string, argument: string, message?: RegExp) => {
    try {
      run();
    } catch (e) {
      expect(e).toBeInstanceOf(KLError);
      expect((e as KLError).code).toBe(code);
      expect((e as KLError).argument).toBe(argument);
      if (message) expect((e as KLError).message).toMatch(message);
      return;
    }
    throw new Error("no KLError");
  };
  const call = (logDensity: unknown, options: unknown) => () => fitGaussianVI(logDensity as never, options as never);

  it("names the log-density and the point where it returns NaN, +Infinity or a non-number", () => {
    expectError(call(() => NaN, { dim: 2 }), "NAN", "logDensity", /NaN at z = \[/);
    expectError(call(() => Infinity, { dim: 1 }), "INFINITE", "logDensity", /\+Infinity at z/);
    expectError(call(() => "1", { dim: 1 }), "NOT_A_VECTOR", "logDensity", /a value of type string/);
    expectError(call(() => undefined, { dim: 1 }), "NOT_A_VECTOR", "logDensity");
    expectError(call(() => -Infinity, { dim: 1 }), "NO_MASS", "logDensity", /−Infinity at z = .*step 1/);
    expectError(call("x", { dim: 1 }), "BAD_OPTION", "logDensity");
  });

  it("checks the given gradient", () => {
    expectError(call(standard, { dim: 1, gradLogDensity: () => {} }), "NAN", "options.gradLogDensity", /unwritten/);
    expectError(call(standard, { dim: 1, gradLogDensity: (_: Float64Array, out: Float64Array) => { out[0] = Infinity; } }), "INFINITE", "options.gradLogDensity");
    expectError(call(standard, { dim: 1, gradLogDensity: 3 }), "BAD_OPTION", "options.gradLogDensity");
  });

  it("checks dim, init against dim and the family, and the counts", () => {
    expectError(call(standard, undefined), "BAD_OPTION", "options");
    expectError(call(standard, {}), "BAD_OPTION", "options.dim");
    expectError(call(standard, { dim: 1.5 }), "BAD_OPTION", "options.dim");
    expectError(call(standard, { dim: 0 }), "BAD_OPTION", "options.dim");
    expectError(call(standard, { dim: 2, init: { mu: [0], sigma: [1, 1] } }), "LENGTH_MISMATCH", "options.init.mu");
    expectError(call(standard, { dim: 2, init: { mu: [0, 0], sigma: [1] } }), "LENGTH_MISMATCH", "options.init.sigma");
    expectError(call(standard, { dim: 2, init: { mu: [0, 0], sigma: [1, 0] } }), "BAD_OPTION", "options.init.sigma");
    expectError(call(standard, { dim: 2, init: { mu: [0, NaN] } }), "NAN", "options.init.mu");
    expectError(call(standard, { dim: 2, init: { mu: [0, 0], scaleTril: [1, 0, 0, 1] } }), "BAD_OPTION", "options.init.scaleTril", /sigma/);
    expectError(call(standard, { dim: 2, family: "full-rank", init: { mu: [0, 0], sigma: [1, 1] } }), "BAD_OPTION", "options.init.sigma", /scaleTril/);
    expectError(call(standard, { dim: 2, family: "full-rank", init: { mu: [0, 0], scaleTril: [1, 0.5, 0, 1] } }), "BAD_OPTION", "options.init.scaleTril", /lower triangular/);
    expectError(call(standard, { dim: 2, family: "full-rank", init: { mu: [0, 0], scaleTril: [1, 0, 0.5, -1] } }), "BAD_OPTION", "options.init.scaleTril", /positive diagonal/);
    expectError(call(standard, { dim: 2, family: "full-rank", init: { mu: [0, 0], scaleTril: [1, 0, 1] } }), "LENGTH_MISMATCH", "options.init.scaleTril");
    for (const samples of [0, -1, 2.5, "16"]) expectError(call(standard, { dim: 1, samples }), "BAD_OPTION", "options.samples");
    expectError(call(standard, { dim: 1, steps: -1 }), "BAD_OPTION", "options.steps");
    expectError(call(standard, { dim: 1, learningRate: 0 }), "BAD_OPTION", "options.learningRate");
    expectError(call(standard, { dim: 1, evaluationSamples: 5 }), "BAD_OPTION", "options.evaluationSamples");
    expectError(call(standard, { dim: 1, seed: 2 ** 32 }), "BAD_OPTION", "options.seed");
    expectError(call(standard, { dim: 1, seed: -1 }), "BAD_OPTION", "options.seed");
  });

  it("refuses unknown options and the wrong pairings of objective, alpha and estimator", () => {
    expectError(call(standard, { dim: 1, sample: 4 }), "BAD_OPTION", "options.sample", /samples/);
    expectError(call(standard, { dim: 1, family: "diagonal" }), "BAD_OPTION", "options.family");
    expectError(call(standard, { dim: 1, estimator: "score" }), "BAD_OPTION", "options.estimator");
    expectError(call(standard, { dim: 1, objective: "renyi" }), "BAD_OPTION", "options.alpha", /required/);
    expectError(call(standard, { dim: 1, alpha: 0.5 }), "BAD_OPTION", "options.alpha", /only with objective "renyi"/);
    expectError(call(standard, { dim: 1, objective: "renyi", alpha: NaN }), "BAD_OPTION", "options.alpha");
    expectError(call(standard, { dim: 1, objective: "renyi", alpha: 0.5, estimator: "stl" }), "BAD_OPTION", "options.estimator", /biased/);
  });

  it("stops with a KLError when an update makes a parameter non-finite", () => {
    const far = { dim: 1, learningRate: 800, estimator: "reparam", init: { mu: [3], sigma: [0.5] }, seed: 1 };
    expectError(call(standard, far), "INFINITE", "options.learningRate", /update 1 made parameter 1/);
  });
});
