// Unknown option keys (API.md, "Bad input"): every function that takes an options object refuses
// a key it does not know with BAD_OPTION naming it (`options.<key>`), suggests the known name
// where one is close, and still accepts every key it knows, on every backend.
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import {
  createKL, createKLSync, diagGaussianKL, diagGaussianKLGrad, estimateKL, fitDiagGaussian, fitGaussian, KLError, mixtureGrid,
} from "../src/index.js";
import type { KL } from "../src/core/types.js";
import { backendNames, loadBackend } from "./backends.js";
import { show, thrown } from "./errors-helpers.js";

const DIVERGENCE = ["rows", "space", "pSpace", "qSpace", "reduction", "normalize", "base", "validate", "precision"];
const JSD = [...DIVERGENCE, "beta", "scaled"];
const GRADIENT = [...DIVERGENCE, "out"];

const P = [0.25, 0.25, 0.5, 0.1, 0.2, 0.7];
const Q = [0.5, 0.25, 0.25, 0.3, 0.3, 0.4];

/** Each instance method, its known keys, and a call with `options` whose known keys all have valid values. */
const METHODS: ReadonlyArray<[name: string, known: string[], call: (kl: KL, options: object) => unknown]> = [
  ["kl", DIVERGENCE, (kl, o) => kl.kl(P, Q, o)],
  ["forward", DIVERGENCE, (kl, o) => kl.forward(P, Q, o)],
  ["reverse", DIVERGENCE, (kl, o) => kl.reverse(P, Q, o)],
  ["entropy", DIVERGENCE, (kl, o) => kl.entropy(P, o)],
  ["crossEntropy", DIVERGENCE, (kl, o) => kl.crossEntropy(P, Q, o)],
  ["jsd", JSD, (kl, o) => kl.jsd(P, Q, o)],
  ["forwardGrad", GRADIENT, (kl, o) => kl.forwardGrad(P, Q, o)],
  ["reverseGrad", GRADIENT, (kl, o) => kl.reverseGrad(P, Q, o)],
  ["jsdGrad", [...JSD, "out"], (kl, o) => kl.jsdGrad(P, Q, o)],
  ["relEntr", ["space", "pSpace", "qSpace", "validate", "out"], (kl, o) => kl.relEntr(P, Q, o)],
];

/** A valid value for each known key (on inputs of 6 elements in probability space). */
const VALID: Record<string, unknown> = {
  rows: 2, space: "prob", pSpace: "prob", qSpace: "prob", reduction: "mean", normalize: false, base: 2, validate: true,
  precision: "accurate", beta: 0.3, scaled: true, out: new Float64Array(6),
};

/** The error `f` throws must be BAD_OPTION naming `options.<key>`. */
function expectUnknown(error: unknown, argument: string, suggestion: string | undefined, label: string): void {
  expect(error, `${label}: ${show(error)}`).toBeInstanceOf(KLError);
  expect({ code: (error as KLError).code, argument: (error as KLError).argument }, label).toEqual({ code: "BAD_OPTION", argument });
  if (suggestion !== undefined) expect((error as KLError).message, label).toContain(`did you mean \`${suggestion}\`?`);
}

/** Keys no function knows: names from SciPy and PyTorch, and random identifiers. */
const unknownKey = fc.oneof(
  fc.constantFrom("axis", "log_target", "dim", "keepdims", "dtype", "weights", "epsilon", "threads"),
  fc.stringMatching(/^[a-z][A-Za-z0-9_]{0,12}$/),
);

describe.each(backendNames)("%s", (backend) => {
  let kl: KL;
  beforeAll(async () => {
    kl = await loadBackend(backend);
  });

  it.each(METHODS)("%s: an unknown key is BAD_OPTION naming it, with known keys or without", (_, known, call) => {
    fc.assert(
      fc.property(unknownKey, fc.subarray(known), (key, present) => {
        fc.pre(!known.includes(key));
        const options = Object.fromEntries([...present.map((k) => [k, VALID[k]]), [key, 1]]);
        expectUnknown(thrown(() => call(kl, options)), `options.${key}`, undefined, JSON.stringify(Object.keys(options)));
      }),
      { numRuns: 60 },
    );
  });

  it.each(METHODS)("%s: near misses suggest the known name", (_, known, call) => {
    const misses: Array<[string, string]> = [["reduce", "reduction"], ["qspace", "qSpace"], ["Q_SPACE", "qSpace"], ["normalise", "normalize"], ["valdiate", "validate"]];
    for (const [miss, right] of misses) {
      if (!known.includes(right)) continue;
      expectUnknown(thrown(() => call(kl, { [miss]: VALID[right] })), `options.${miss}`, right, miss);
    }
    // The issue's own examples: none of these is silently ignored.
    for (const options of [{ reduce: "mean" }, { qspace: "logits" }, { axis: 0 }, { log_target: true }]) {
      expectUnknown(thrown(() => call(kl, options)), `options.${Object.keys(options)[0]}`, undefined, JSON.stringify(options));
    }
  });

  it.each(METHODS)("%s: every known key is accepted, alone and all together", (_, known, call) => {
    for (const key of known) expect(() => call(kl, { [key]: VALID[key] }), key).not.toThrow();
    expect(() => call(kl, Object.fromEntries(known.map((k) => [k, VALID[k]])))).not.toThrow();
    // An omitted options object and an empty one are fine.
    expect(() => call(kl, {})).not.toThrow();
  });
});

describe("functions outside an instance", () => {
  it("createKL and createKLSync: simd, relaxed, module, maxMemoryBytes; nothing else", async () => {
    await expect(createKL({ threads: 2 } as never)).rejects.toMatchObject({ code: "BAD_OPTION", argument: "options.threads" });
    await expect(createKL({ SIMD: false } as never)).rejects.toMatchObject({ code: "BAD_OPTION", argument: "options.SIMD", message: expect.stringContaining("`simd`") });
    expectUnknown(thrown(() => createKLSync({ maxMemory: 1 << 24 } as never)), "options.maxMemory", "maxMemoryBytes", "createKLSync");
    expect(createKLSync({ simd: false, relaxed: false, maxMemoryBytes: 1 << 24 }).backend).toBe("wasm");
  });

  it("closed forms and estimators", () => {
    const mu = [0.5, -0.5];
    const lv = [0, 0.1];
    expectUnknown(thrown(() => diagGaussianKL(mu, lv, undefined, undefined, { reduce: "mean" } as never)), "options.reduce", "reduction", "diagGaussianKL");
    expectUnknown(thrown(() => diagGaussianKL(mu, lv, undefined, undefined, { gradMu: new Float64Array(2) } as never)), "options.gradMu", undefined, "diagGaussianKL gradMu");
    expectUnknown(thrown(() => diagGaussianKLGrad(mu, lv, undefined, undefined, { gradmu: new Float64Array(2) } as never)), "options.gradmu", "gradMu", "diagGaussianKLGrad");
    expect(() => diagGaussianKLGrad(mu, lv, undefined, undefined, { rows: 1, reduction: "none", out: new Float64Array(1), gradMu: new Float64Array(2), gradLogvar: new Float64Array(2) })).not.toThrow();
    expectUnknown(thrown(() => estimateKL(mu, lv, { estimate: "k1" } as never)), "options.estimate", "estimator", "estimateKL");
    expect(() => estimateKL(mu, lv, { estimator: "k1", reduction: "none", out: new Float64Array(2) })).not.toThrow();
  });

  it("fits: their options and those of init and grid", async () => {
    const kl = await createKL();
    const mixture = { weights: [1], means: [0], sigmas: [1] };
    const quick = { steps: 2 };
    expectUnknown(thrown(() => fitGaussian(kl, mixture, { ...quick, learning_rate: 0.1 } as never)), "options.learning_rate", "learningRate", "fitGaussian");
    expectUnknown(thrown(() => fitGaussian(kl, mixture, { ...quick, init: { mean: 0 } } as never)), "options.init.mean", undefined, "init");
    expectUnknown(thrown(() => fitGaussian(kl, mixture, { ...quick, grid: { point: 11 } } as never)), "options.grid.point", "points", "grid");
    expectUnknown(thrown(() => fitDiagGaussian(kl, { mean: [0, 0], cov: [1, 0, 0, 1] }, { ...quick, directon: "reverse" } as never)), "options.directon", "direction", "fitDiagGaussian");
    expect(() => fitGaussian(kl, mixture, {
      direction: "reverse", steps: 2, learningRate: 0.1, tolerance: 0, init: { mu: 0, sigma: 1 }, grid: { min: -5, max: 5, points: 101 }, onStep: () => true,
    })).not.toThrow();
    expectUnknown(thrown(() => mixtureGrid(mixture, { Points: 11 } as never)), "grid.Points", "points", "mixtureGrid");
  });
});
