// Rényi and Amari α-divergences between normals (src/closed-form/gaussian-renyi.ts): against
// mpmath's closed form at 80 digits, itself checked against quadrature
// (tests/fixtures/make_gaussian_renyi.py: orders near 0 and 1, the limits, negative and large
// orders, nearly equal normals, variance ratios up to e^±1400), identities with independent
// forms (the Bhattacharyya coefficient, χ², the KL at the ends, Amari's symmetry), monotonicity
// in the order, and every kind of bad input.
import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { gaussianKL, mvnKL } from "../../src/closed-form/gaussian.js";
import { gaussianAlpha, gaussianRenyi, mvnRenyi } from "../../src/closed-form/gaussian-renyi.js";
import * as klwasm from "../../src/index.js";
import * as reference from "../../src/reference.js";
import { expectKLError } from "./helpers.js";

interface Case {
  mu1: number;
  sigma1: number;
  mu2: number;
  sigma2: number;
  alpha: number | "Infinity";
  expected: number | "Infinity";
}
interface MvnCase {
  mu0: number[];
  cov0: number[];
  mu1: number[];
  cov1: number[];
  alpha: number;
  expected: number | "NOT_SPD";
}
const fixture = JSON.parse(readFileSync(new URL("../fixtures/gaussian_renyi.json", import.meta.url), "utf8")) as { renyi: Case[]; alpha: Case[]; mvn: MvnCase[] };

/** Relative error, 0 for equal values (infinities and zeros must be equal). */
function relativeError(got: number, want: number): number {
  if (got === want) return 0;
  return Math.abs(got - want) / Math.abs(want);
}

describe.each([
  ["gaussianRenyi", gaussianRenyi, fixture.renyi],
  ["gaussianAlpha", gaussianAlpha, fixture.alpha],
] as const)("%s", (_name, divergence, cases) => {
  it("agrees with mpmath to 1e-13 relative (exact infinities and zeros, two subnormal ulps) over every fixture case", () => {
    for (const c of cases) {
      const got = divergence(c.mu1, c.sigma1, c.mu2, c.sigma2, Number(c.alpha));
      const want = Number(c.expected);
      const label = `${JSON.stringify(c)}: got ${got}`;
      if (!Number.isFinite(want)) expect(got, label).toBe(want);
      else if (want === 0) expect(got === 0, label).toBe(true);
      // (values in the subnormals, at orders near 2^-1074, keep their absolute precision)
      else expect(Math.abs(got - want), label).toBeLessThanOrEqual(1e-13 * Math.abs(want) + 2 ** -1073);
    }
  });

  it("is exported by klwasm and klwasm/reference", () => {
    expect(klwasm[_name]).toBe(divergence);
    expect(reference[_name]).toBe(divergence);
    expect(klwasm.mvnRenyi).toBe(mvnRenyi);
    expect(reference.mvnRenyi).toBe(mvnRenyi);
  });
});

describe("mvnRenyi", () => {
  it("agrees with mpmath's determinant form to 1e-12 relative, NOT_SPD where Σ_α is not positive definite", () => {
    for (const c of fixture.mvn) {
      const label = JSON.stringify(c);
      if (c.expected === "NOT_SPD") expectKLError(() => mvnRenyi(c.mu0, c.cov0, c.mu1, c.cov1, c.alpha), "NOT_SPD", "alpha");
      else expect(relativeError(mvnRenyi(c.mu0, c.cov0, c.mu1, c.cov1, c.alpha), c.expected), label).toBeLessThanOrEqual(1e-12);
    }
  });

  it("is gaussianRenyi in one dimension and the sum over independent ones, and mvnKL at α = 1", () => {
    fc.assert(
      fc.property(normal, normal, fc.oneof(fc.double({ min: 0, max: 0.99, noNaN: true }), fc.constantFrom(0, 0.5, 1, 1 + 2 ** -30)), (a, b, alpha) => {
        // The covariances are the squared σ, rounded: a different input by an ulp, which moves a
        // variance ratio r by about 4e-16·r, and the divergence by that over |r − 1| (nearly equal
        // covariances are the mpmath fixture's).
        const moved = (n: typeof a) => 4e-16 / Math.abs((n.sigma1 / n.sigma2) ** 2 - 1);
        fc.pre(moved(a) < 1e-9 && moved(b) < 1e-9);
        const one = mvnRenyi([a.mu1], [a.sigma1 ** 2], [a.mu2], [a.sigma2 ** 2], alpha);
        const want = gaussianRenyi(a.mu1, a.sigma1, a.mu2, a.sigma2, alpha);
        expect(Math.abs(one - want)).toBeLessThanOrEqual((1e-13 + moved(a)) * want + 2 ** -960);
        const two = mvnRenyi([a.mu1, b.mu1], [a.sigma1 ** 2, 0, 0, b.sigma1 ** 2], [a.mu2, b.mu2], [a.sigma2 ** 2, 0, 0, b.sigma2 ** 2], alpha);
        const sum = want + gaussianRenyi(b.mu1, b.sigma1, b.mu2, b.sigma2, alpha);
        expect(Math.abs(two - sum)).toBeLessThanOrEqual((1e-13 + moved(a) + moved(b)) * sum + 2 ** -960);
      }),
    );
    const [mu0, cov0, mu1, cov1] = [[1, -1], [2, 0.3, 0.3, 1], [0, 0.5], [1, -0.2, -0.2, 3]];
    expect(relativeError(mvnRenyi(mu0, cov0, mu1, cov1, 1), mvnKL(mu0, cov0, mu1, cov1))).toBeLessThanOrEqual(1e-14);
    expect(mvnRenyi(mu0, cov0, mu1, cov1, 0)).toBe(0);
    // log sup p/q: finite where Σ1 − Σ0 is positive definite, +Infinity here, where it is not.
    expect(mvnRenyi(mu0, cov0, mu1, cov1, Infinity)).toBe(Infinity);
    expect(mvnRenyi([0, 0], [1, 0, 0, 1], [0, 0], [4, 0, 0, 9], Infinity)).toBeCloseTo(Math.log(2) + Math.log(3), 14);
  });

  it("refuses bad normals and orders, naming the argument", () => {
    expectKLError(() => mvnRenyi([0, 0], [1, 2, 2, 1], [0, 0], [1, 0, 0, 1], 0.5), "NOT_SPD", "cov0", 1);
    expectKLError(() => mvnRenyi([0, 0], [1, 0, 0, 1], [0], [1, 0, 0, 1], 0.5), "LENGTH_MISMATCH", "mu1");
    expectKLError(() => mvnRenyi([0, 0], [1, 0, 0, 1], [0, 0], [1, 0, 0, 1], -1), "NEGATIVE", "alpha");
    expectKLError(() => mvnRenyi([0, 0], [1, 0, 0, 1], [0, 0], [1, 0, 0, 1], NaN), "NAN", "alpha");
    // Σ_α = 3·Σ1 − 2·Σ0 = diag(−5, 1) at α = 3 for Σ0 = diag(4, 1), Σ1 = I.
    expectKLError(() => mvnRenyi([0, 0], [4, 0, 0, 1], [0, 0], [1, 0, 0, 1], 3), "NOT_SPD", "alpha");
  });
});

/** Random normals and orders for the identities. */
const normal = fc.record({
  mu1: fc.double({ min: -5, max: 5, noNaN: true }),
  sigma1: fc.double({ min: 0.05, max: 20, noNaN: true }),
  mu2: fc.double({ min: -5, max: 5, noNaN: true }),
  sigma2: fc.double({ min: 0.05, max: 20, noNaN: true }),
});

describe("identities", () => {
  it("D_½ = −2·log BC, D_2 = log(1 + χ²), and the KL at α = 1 (Rényi) and at α = 1, 0 (Amari)", () => {
    fc.assert(
      fc.property(normal, ({ mu1, sigma1, mu2, sigma2 }) => {
        const s = sigma1 * sigma1 + sigma2 * sigma2;
        const logBC = 0.5 * Math.log((2 * sigma1 * sigma2) / s) - ((mu1 - mu2) * (mu1 - mu2)) / (4 * s);
        // (the identity's own log carries ~1e-16 absolute where BC is near 1)
        expect(Math.abs(gaussianRenyi(mu1, sigma1, mu2, sigma2, 0.5) + 2 * logBC)).toBeLessThanOrEqual(1e-12 * -2 * logBC + 4e-16);
        // Amari's α = ½ is 4·(1 − BC).
        expect(Math.abs(gaussianAlpha(mu1, sigma1, mu2, sigma2, 0.5) + 4 * Math.expm1(logBC))).toBeLessThanOrEqual(1e-12 * -4 * Math.expm1(logBC) + 1e-15);
        // χ² = ∫p²/q − 1, finite where 2σ2² > σ1²: σ2²/(σ1·√(2σ2² − σ1²))·exp((μ1 − μ2)²/(2σ2² − σ1²)) − 1.
        const v = 2 * sigma2 * sigma2 - sigma1 * sigma1;
        const logOnePlusChi2 = v > 0 ? Math.log((sigma2 * sigma2) / (sigma1 * Math.sqrt(v))) + ((mu1 - mu2) * (mu1 - mu2)) / v : Infinity;
        const d2 = gaussianRenyi(mu1, sigma1, mu2, sigma2, 2);
        if (logOnePlusChi2 === Infinity) expect(d2).toBe(Infinity);
        else expect(Math.abs(d2 - logOnePlusChi2)).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(logOnePlusChi2)));
        expect(gaussianRenyi(mu1, sigma1, mu2, sigma2, 1)).toBe(gaussianKL(mu1, sigma1, mu2, sigma2));
        expect(gaussianAlpha(mu1, sigma1, mu2, sigma2, 1)).toBe(gaussianKL(mu1, sigma1, mu2, sigma2));
        expect(gaussianAlpha(mu1, sigma1, mu2, sigma2, 0)).toBe(gaussianKL(mu2, sigma2, mu1, sigma1));
      }),
    );
  });

  it("Amari's divergence of order α from P to Q is that of order 1 − α from Q to P", () => {
    fc.assert(
      fc.property(normal, fc.double({ min: -2, max: 3, noNaN: true }), ({ mu1, sigma1, mu2, sigma2 }, alpha) => {
        const forward = gaussianAlpha(mu1, sigma1, mu2, sigma2, alpha);
        const swapped = gaussianAlpha(mu2, sigma2, mu1, sigma1, 1 - alpha);
        if (!Number.isFinite(forward)) expect(swapped).toBe(forward);
        else expect(relativeError(swapped, forward)).toBeLessThanOrEqual(1e-10);
      }),
    );
  });

  it("Rényi's divergence is ≥ 0 and non-decreasing in the order, from 0 at α = 0 to log sup p/q at Infinity", () => {
    fc.assert(
      fc.property(normal, fc.array(fc.double({ min: 0, max: 50, noNaN: true }), { minLength: 2, maxLength: 6 }), ({ mu1, sigma1, mu2, sigma2 }, orders) => {
        const sorted = [0, ...orders.sort((a, b) => a - b), Infinity];
        const values = sorted.map((a) => gaussianRenyi(mu1, sigma1, mu2, sigma2, a));
        expect(values[0]).toBe(0);
        for (let i = 1; i < values.length; i++) {
          expect(values[i]!).toBeGreaterThanOrEqual(0);
          // Non-decreasing, but for the rounding of two nearly equal values.
          expect(values[i]!, `orders ${sorted[i - 1]}, ${sorted[i]}`).toBeGreaterThanOrEqual(values[i - 1]! * (1 - 1e-13));
        }
      }),
    );
  });

  it("is continuous at α = 1 and α = 0, with the slope there: ½·Var_P[log p/q] for Rényi's at 1", () => {
    /** ½·Var_P[log(p/q)] for p = N(μ1, σ1²), q = N(μ2, σ2²): log p/q = const + a·y² + b·y, y = x − μ1. */
    const halfVariance = (mu1: number, sigma1: number, mu2: number, sigma2: number) => {
      // a·σ1² = (σ1² − σ2²)/(2σ2²), taken as (σ1 − σ2)(σ1 + σ2): exact for nearly equal σ.
      const av = (0.5 * (sigma1 - sigma2) * (sigma1 + sigma2)) / (sigma2 * sigma2);
      const b = (mu1 - mu2) / (sigma2 * sigma2);
      return 0.5 * (2 * av * av + b * b * sigma1 * sigma1);
    };
    // Standard deviations within a factor 4, where the higher derivatives stay moderate (the
    // fixture holds orders 1 ± 2^-k for ratios up to 1e6).
    const nearby = fc.record({
      mu1: fc.double({ min: -3, max: 3, noNaN: true }),
      sigma1: fc.double({ min: 0.1, max: 10, noNaN: true }),
      mu2: fc.double({ min: -3, max: 3, noNaN: true }),
      ratio: fc.double({ min: 0.25, max: 4, noNaN: true }),
    }).map(({ mu1, sigma1, mu2, ratio }) => ({ mu1, sigma1, mu2, sigma2: sigma1 * ratio }));
    fc.assert(
      fc.property(nearby, ({ mu1, sigma1, mu2, sigma2 }) => {
        const forwardKL = gaussianKL(mu1, sigma1, mu2, sigma2);
        const reverseKL = gaussianKL(mu2, sigma2, mu1, sigma1);
        const renyiSlope = halfVariance(mu1, sigma1, mu2, sigma2);
        // Amari's: d/dα [(D_α/α)·expm1(x)/x], x = −(1 − α)·D_α, at α = 1; at α = 0 by its symmetry.
        const amariSlopeAtOne = renyiSlope - forwardKL + (forwardKL * forwardKL) / 2;
        const amariSlopeAtZero = -(halfVariance(mu2, sigma2, mu1, sigma1) - reverseKL + (reverseKL * reverseKL) / 2);
        const close = (got: number, at: number, slope: number, step: number) =>
          expect(Math.abs(got - (at + step * slope)), `${got} against ${at} + ${step}·${slope}`).toBeLessThanOrEqual(1e-12 * at + 1e-4 * Math.abs(step * slope) + 1e-300);
        for (const size of [2 ** -30, 2 ** -40, 2 ** -52]) {
          for (const step of [-size, size]) {
            close(gaussianRenyi(mu1, sigma1, mu2, sigma2, 1 + step), forwardKL, renyiSlope, step);
            close(gaussianAlpha(mu1, sigma1, mu2, sigma2, 1 + step), forwardKL, amariSlopeAtOne, step);
            close(gaussianAlpha(mu1, sigma1, mu2, sigma2, step), reverseKL, amariSlopeAtZero, step);
          }
        }
      }),
    );
  });
});

describe("bad input", () => {
  it("names the argument: NAN, INFINITE, NEGATIVE", () => {
    for (const divergence of [gaussianRenyi, gaussianAlpha]) {
      expectKLError(() => divergence(NaN, 1, 0, 1, 0.5), "NAN", "mu1");
      expectKLError(() => divergence(0, 0, 0, 1, 0.5), "NEGATIVE", "sigma1");
      expectKLError(() => divergence(0, 1, Infinity, 1, 0.5), "INFINITE", "mu2");
      expectKLError(() => divergence(0, 1, 0, -2, 0.5), "NEGATIVE", "sigma2");
      expectKLError(() => divergence(0, 1, 0, 1, NaN), "NAN", "alpha");
      expectKLError(() => divergence(0, 1, 0, 1, "0.5" as unknown as number), "NAN", "alpha");
    }
    expectKLError(() => gaussianRenyi(0, 1, 0, 1, -0.5), "NEGATIVE", "alpha");
    expectKLError(() => gaussianAlpha(0, 1, 0, 1, Infinity), "INFINITE", "alpha");
  });
});
