// The table of public methods (src/core/routes.ts): every divergence and gradient method of the
// KL interface is in it, on referenceKL, on a createKL instance and on a pool, and nothing
// else is; each computes what its route says (values from the definitions, for p = [½, ½] and
// q = [0.9, 0.1]).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultSettings } from "../../src/core/options.js";
import { DIVERGENCE_METHODS, GRADIENT_METHODS, GRADIENT_NAMES, GRADIENTS, ROUTES, SCALED_JSD_LIMITS } from "../../src/core/routes.js";
import type { KL } from "../../src/core/types.js";
import { createKL, referenceKL } from "../../src/index.js";
// The pool's workers run the built worker script, so the pool is the built package's.
import { createKLPool, type KLPool } from "../../dist/index.js";

/**
 * Every member of the KL interface, by kind. A Record over `keyof KL`: a member added to the
 * interface and not listed here, or listed and not in the interface, fails the type check.
 */
const KL_MEMBERS: Record<keyof KL, "divergence" | "gradient" | "other"> = {
  backend: "other",
  kl: "divergence",
  forward: "divergence",
  reverse: "divergence",
  entropy: "divergence",
  crossEntropy: "divergence",
  jsd: "divergence",
  renyi: "divergence",
  alphaDivergence: "divergence",
  hellinger: "divergence",
  bhattacharyya: "divergence",
  totalVariation: "divergence",
  chiSquare: "divergence",
  jeffreys: "divergence",
  forwardGrad: "gradient",
  reverseGrad: "gradient",
  jsdGrad: "gradient",
  alphaGrad: "gradient",
  renyiGrad: "gradient",
  relEntr: "other",
  alloc: "other",
  free: "other",
  reserve: "other",
  memoryBytes: "other",
};

/** The same for the pool's interface. */
const POOL_MEMBERS: Record<keyof KLPool, "divergence" | "gradient" | "other"> = {
  backend: "other",
  threads: "other",
  shared: "other",
  kl: "divergence",
  forward: "divergence",
  reverse: "divergence",
  entropy: "divergence",
  crossEntropy: "divergence",
  jsd: "divergence",
  renyi: "divergence",
  alphaDivergence: "divergence",
  hellinger: "divergence",
  bhattacharyya: "divergence",
  totalVariation: "divergence",
  chiSquare: "divergence",
  jeffreys: "divergence",
  forwardGrad: "gradient",
  reverseGrad: "gradient",
  jsdGrad: "gradient",
  alphaGrad: "gradient",
  renyiGrad: "gradient",
  relEntr: "other",
  alloc: "other",
  terminate: "other",
};

const ofKind = (members: Record<string, string>, kind: string) =>
  Object.keys(members).filter((name) => members[name] === kind).sort();

const DIVERGENCES = ofKind(KL_MEMBERS, "divergence");
const GRADIENT_METHOD_NAMES = ofKind(KL_MEMBERS, "gradient");

describe("the tables", () => {
  it("hold exactly the divergence methods of the KL interface", () => {
    expect([...DIVERGENCE_METHODS].sort()).toEqual(DIVERGENCES);
    expect(Object.keys(ROUTES).sort()).toEqual(DIVERGENCES);
  });

  it("hold exactly the gradient methods of the KL interface", () => {
    expect([...GRADIENT_METHODS].sort()).toEqual(GRADIENT_METHOD_NAMES);
    expect(Object.keys(GRADIENTS).sort()).toEqual(GRADIENT_METHOD_NAMES);
  });

  it("give the pool the same methods as one instance", () => {
    expect(ofKind(POOL_MEMBERS, "divergence")).toEqual(DIVERGENCES);
    expect(ofKind(POOL_MEMBERS, "gradient")).toEqual(GRADIENT_METHOD_NAMES);
  });

  it("route each divergence method to what it computes, with the caller's argument names", () => {
    const summary = Object.fromEntries(
      Object.entries(ROUTES).map(([method, r]) => [method, [r.divergence, r.names.join(","), r.swap, r.unary]]),
    );
    expect(summary).toEqual({
      kl: ["kl", "p,q", false, false],
      forward: ["kl", "target,approx", false, false],
      reverse: ["kl", "target,approx", true, false],
      entropy: ["entropy", "p,p", false, true],
      crossEntropy: ["crossEntropy", "p,q", false, false],
      jsd: ["jsd", "p,q", false, false],
      renyi: ["renyi", "p,q", false, false],
      alphaDivergence: ["alphaDivergence", "p,q", false, false],
      hellinger: ["alphaDivergence", "p,q", false, false],
      bhattacharyya: ["renyi", "p,q", false, false],
      totalVariation: ["totalVariation", "p,q", false, false],
      chiSquare: ["alphaDivergence", "p,q", false, false],
      jeffreys: ["jeffreys", "p,q", false, false],
    });
    // The order α each takes: from options.alpha (a real, or Rényi's [0, ∞]) or fixed; and the map of its rows.
    expect(Object.fromEntries(Object.entries(ROUTES).filter(([, r]) => r.alpha !== undefined).map(([method, r]) => [method, [r.alpha, r.rowMap]]))).toEqual({
      renyi: ["renyi", "none"],
      alphaDivergence: ["real", "none"],
      hellinger: [0.5, "hellinger"],
      bhattacharyya: [0.5, "half"],
      chiSquare: [2, "double"],
    });
  });

  it("give each route the default settings with the names in the engine's order (none where alpha must be given)", () => {
    for (const r of Object.values(ROUTES)) {
      if (r.alpha === "real" || r.alpha === "renyi") {
        expect(r.defaults).toBeUndefined();
        continue;
      }
      const engineOrder = r.swap ? [r.names[1], r.names[0]] : [...r.names];
      expect(r.defaults).toEqual({ ...defaultSettings(engineOrder as [string, string]), alpha: r.alpha ?? 1, rowMap: r.rowMap });
      expect(Object.isFrozen(r.defaults)).toBe(true);
    }
  });

  it("take the scaled JSD's limits as D(P‖Q) at β = 0 and D(Q‖P) at β = 1", () => {
    expect(SCALED_JSD_LIMITS.map((r) => [r.divergence, r.swap, r.names.join(",")])).toEqual([
      ["kl", false, "p,q"],
      ["kl", true, "p,q"],
    ]);
  });

  it("map each gradient method to the divergence it differentiates", () => {
    expect(GRADIENTS).toEqual({ forwardGrad: "forward", reverseGrad: "reverse", jsdGrad: "jsd", alphaGrad: "alphaDivergence", renyiGrad: "renyi" });
    expect(GRADIENT_NAMES).toEqual(["target", "approx"]);
  });
});

// p = [½, ½], q = [0.9, 0.1], m = ½(p + q) = [0.7, 0.3].
const P = [0.5, 0.5];
const Q = [0.9, 0.1];
const VALUES: Record<string, number> = {
  kl: Math.log(5 / 3), // ½·ln(5/9) + ½·ln 5
  forward: Math.log(5 / 3),
  reverse: 0.9 * Math.log(1.8) + 0.1 * Math.log(0.2),
  entropy: Math.LN2,
  crossEntropy: -0.5 * Math.log(0.9) - 0.5 * Math.log(0.1),
  jsd: 0.5 * (0.5 * Math.log(5 / 7) + 0.5 * Math.log(5 / 3)) + 0.5 * (0.9 * Math.log(9 / 7) + 0.1 * Math.log(1 / 3)),
  // At α = 2 (OPTIONS): log Σ p²/q = log(0.25/0.9 + 0.25/0.1).
  renyi: Math.log(0.25 / 0.9 + 2.5),
  // At α = 2: Σ[2p − q − p²/q]/(2·(−1)) = (Σ p²/q − 1)/2.
  alphaDivergence: (0.25 / 0.9 + 2.5 - 1) / 2,
  hellinger: Math.sqrt(0.5 * ((Math.sqrt(0.5) - Math.sqrt(0.9)) ** 2 + (Math.sqrt(0.5) - Math.sqrt(0.1)) ** 2)),
  bhattacharyya: -Math.log(Math.sqrt(0.45) + Math.sqrt(0.05)),
  totalVariation: 0.4,
  chiSquare: 0.16 / 0.9 + 0.16 / 0.1,
  jeffreys: Math.log(5 / 3) + 0.9 * Math.log(1.8) + 0.1 * Math.log(0.2),
};
/** The options a method needs: the order of those that read `alpha`. */
const OPTIONS: Record<string, object> = { renyi: { alpha: 2 }, alphaDivergence: { alpha: 2 }, renyiGrad: { alpha: 2 }, alphaGrad: { alpha: 2 } };
const GRADIENT_VALUES: Record<string, { value: number; grad: number[] }> = {
  forwardGrad: { value: VALUES.forward!, grad: [-0.5 / 0.9, -0.5 / 0.1] }, // −p/q
  reverseGrad: { value: VALUES.reverse!, grad: [Math.log(1.8) + 1, Math.log(0.2) + 1] }, // log(q/p) + 1
  jsdGrad: { value: VALUES.jsd!, grad: [0.5 * Math.log(9 / 7), 0.5 * Math.log(1 / 3)] }, // (1 − β)·log(q/m)
  // At α = 2: (1 − (p/q)²)/2; Rényi's −(p/q)²/S, S = Σ p²/q.
  alphaGrad: { value: VALUES.alphaDivergence!, grad: [(1 - (0.5 / 0.9) ** 2) / 2, (1 - 25) / 2] },
  renyiGrad: { value: VALUES.renyi!, grad: [-((0.5 / 0.9) ** 2) / (0.25 / 0.9 + 2.5), -25 / (0.25 / 0.9 + 2.5)] },
};

type AnyMethod = (...args: unknown[]) => unknown;

/** The names of an object's function-valued members. */
const functionsOf = (object: object) =>
  Object.keys(object).filter((key) => typeof (object as Record<string, unknown>)[key] === "function").sort();

describe.each([
  ["referenceKL", async () => referenceKL],
  ["createKL()", async () => createKL()],
])("%s", (_, make) => {
  let kl: KL;
  beforeAll(async () => {
    kl = await make();
  });

  it("has every member of the KL interface, and no other", () => {
    expect(Object.keys(kl).sort()).toEqual(Object.keys(KL_MEMBERS).sort());
    expect(functionsOf(kl)).toEqual(Object.keys(KL_MEMBERS).filter((name) => name !== "backend").sort());
  });

  it.each(DIVERGENCES)("%s computes what its route says", async (method) => {
    const args = ROUTES[method as keyof typeof ROUTES].unary ? [P] : [P, Q, OPTIONS[method]];
    expect((kl[method as keyof KL] as AnyMethod)(...args) as number).toBeCloseTo(VALUES[method]!, 14);
  });

  it.each(GRADIENT_METHOD_NAMES)("%s computes what its table says", (method) => {
    const { value, grad } = (kl[method as keyof KL] as AnyMethod)(P, Q, OPTIONS[method]) as { value: number; grad: Float64Array };
    expect(value).toBeCloseTo(GRADIENT_VALUES[method]!.value, 14);
    expect(grad).toBeInstanceOf(Float64Array);
    grad.forEach((g, i) => expect(g).toBeCloseTo(GRADIENT_VALUES[method]!.grad[i]!, 13));
  });
});

describe("createKLPool({ threads: 1 })", () => {
  let pool: KLPool;
  beforeAll(async () => {
    pool = await createKLPool({ threads: 1 });
  });
  afterAll(async () => {
    await pool?.terminate();
  });

  it("has every member of the KLPool interface, and no other", () => {
    expect(Object.keys(pool).sort()).toEqual(Object.keys(POOL_MEMBERS).sort());
    expect(functionsOf(pool)).toEqual(Object.keys(POOL_MEMBERS).filter((name) => !["backend", "threads", "shared"].includes(name)).sort());
  });

  it.each(DIVERGENCES)("%s computes what its route says", async (method) => {
    const args = ROUTES[method as keyof typeof ROUTES].unary ? [P] : [P, Q, OPTIONS[method]];
    expect(await ((pool as unknown as Record<string, AnyMethod>)[method]!(...args) as Promise<number>)).toBeCloseTo(VALUES[method]!, 14);
  });

  it.each(GRADIENT_METHOD_NAMES)("%s computes what its table says", async (method) => {
    const { value, grad } = await ((pool as unknown as Record<string, AnyMethod>)[method]!(P, Q, OPTIONS[method]) as Promise<{ value: number; grad: Float64Array }>);
    expect(value).toBeCloseTo(GRADIENT_VALUES[method]!.value, 14);
    grad.forEach((g, i) => expect(g).toBeCloseTo(GRADIENT_VALUES[method]!.grad[i]!, 13));
  });
});
