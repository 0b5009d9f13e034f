/**
 * The demo's variational-inference panel computations (demo/vi.ts): the 1-D fitGaussianVI of
 * the page's default mixture settles on the mode it starts near (the grid's reverse fit there),
 * the Rényi bound at α = ½ covers both modes, the ticks are draws from the last steps' Q; the
 * 2-D mean-field fit has variances 1/Λᵢᵢ and the full-rank fit Σ; the ellipses lie on their
 * Mahalanobis radius.
 */
import { describe, expect, it } from "vitest";
import { ellipse, fitCorrelated2D, fitMixture1D, LAST_STEPS } from "../../demo/vi.js";

// The page's default P: 0.6·N(−2, 0.6²) + 0.4·N(2, 0.8²).
const target = { weights: [0.6, 0.4], means: [-2, 2], sigmas: [0.6, 0.8] };

describe("fitMixture1D", () => {
  it("by the ELBO, settles on the mode it starts near: the heavy one from −1.5, the light one from 1.5", () => {
    const heavy = fitMixture1D(target, { mu: -1.5, sigma: 1 }, "elbo", 0.5);
    expect(Math.abs(heavy.mu - -2)).toBeLessThan(0.05);
    expect(Math.abs(heavy.sigma - 0.61)).toBeLessThan(0.03);
    // On one mode of weight w, the ELBO is about log w (Q ≈ that component, D(Q‖P) ≈ −log w).
    expect(Math.abs(heavy.elbo - Math.log(0.6))).toBeLessThan(0.03);
    expect(heavy.paretoK).toBeGreaterThan(0.7);
    expect(heavy.warning).toMatch(/Pareto/);
    const light = fitMixture1D(target, { mu: 1.5, sigma: 1 }, "elbo", 0.5);
    expect(Math.abs(light.mu - 2)).toBeLessThan(0.1);
    expect(light.elbo).toBeLessThan(heavy.elbo);
  });

  it("by the Rényi bound at α = ½, covers both modes: wider than either, log Z near 0", () => {
    const fit = fitMixture1D(target, { mu: -1.5, sigma: 1 }, "renyi", 0.5);
    expect(fit.sigma).toBeGreaterThan(1.5);
    expect(Math.abs(fit.logZ)).toBeLessThan(5 * fit.logZStandardError + 0.01);
    expect(fit.paretoK).toBeLessThan(0.7);
  });

  it("keeps the last steps' Q, in order, with seeded draws from each; the same inputs give the same fit", () => {
    const fit = fitMixture1D(target, { mu: -1.5, sigma: 1 }, "elbo", 0.5);
    expect(fit.lastDraws.map((d) => d.step)).toEqual(Array.from({ length: LAST_STEPS.steps }, (_, k) => fit.steps - LAST_STEPS.steps + 1 + k));
    expect(fit.history).toHaveLength(fit.steps);
    for (const draw of fit.lastDraws) {
      expect(draw.z).toHaveLength(LAST_STEPS.draws);
      for (const z of draw.z) expect(Math.abs(z - draw.mu)).toBeLessThan(6 * draw.sigma);
    }
    const again = fitMixture1D(target, { mu: -1.5, sigma: 1 }, "elbo", 0.5);
    expect(again.mu).toBe(fit.mu);
    expect(again.lastDraws).toEqual(fit.lastDraws);
  });
});

describe("fitCorrelated2D", () => {
  it("ρ = 0.9: mean-field variances 1/Λᵢᵢ = 1 − ρ² = 0.19, full-rank Σ, log Z = log(2π√det Σ)", () => {
    const fit = fitCorrelated2D(0.9);
    for (const i of [0, 1] as const) expect(fit.inverseLambda[i]).toBeCloseTo(0.19, 12);
    expect(Math.abs(fit.meanField.covariance.a - 0.19)).toBeLessThan(0.02);
    expect(Math.abs(fit.meanField.covariance.c - 0.19)).toBeLessThan(0.02);
    expect(Math.abs(fit.fullRank.covariance.a - 1)).toBeLessThan(0.02);
    expect(Math.abs(fit.fullRank.covariance.b - 0.9)).toBeLessThan(0.02);
    expect(Math.abs(fit.fullRank.covariance.c - 1)).toBeLessThan(0.02);
    expect(fit.logZ).toBeCloseTo(Math.log(2 * Math.PI * Math.sqrt(0.19)), 12);
    expect(Math.abs(fit.fullRank.elbo - fit.logZ)).toBeLessThan(0.01);
    expect(fit.meanField.elbo).toBeLessThan(fit.logZ - 0.5);
  });
});

describe("ellipse", () => {
  it("lies at Mahalanobis radius r: (x − m)ᵀC⁻¹(x − m) = r² at every point", () => {
    const [m, c, r] = [[0.5, -1] as [number, number], { a: 2, b: 0.7, c: 0.5 }, 1.5];
    const det = c.a * c.c - c.b * c.b;
    for (const [x, y] of ellipse(m, c, r, 40)) {
      const [u, v] = [x - m[0], y - m[1]];
      expect((c.c * u * u - 2 * c.b * u * v + c.a * v * v) / det).toBeCloseTo(r * r, 10);
    }
  });
});
