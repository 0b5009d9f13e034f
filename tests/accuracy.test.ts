/**
 * KL against 50-digit values of the exact divergence of the given floating-point inputs
 * (tests/fixtures/make_exact.py): ordinary, near-identical and wide-range inputs, f64 and f32;
 * from logits, log-probabilities and unnormalised measures (tests/fixtures/make_kl_exact.py);
 * and no negative value where the exact one is not (from logits, with normalize).
 */
import { readFileSync } from "node:fs";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import type { KL } from "../src/index.js";
import type { Space } from "../src/core/types.js";
import { backendNames, loadBackend } from "./backends.js";
import { klInputs } from "./exact-inputs.mjs";
import { logitsLike, toF32 } from "./generate.js";
import { mulberry32 } from "./random.mjs";

type KLRecipe = import("./exact-inputs.mjs").KLRecipe;

const { kl: recipes } = JSON.parse(readFileSync(new URL("./fixtures/exact.json", import.meta.url), "utf8")) as { kl: KLRecipe[] };

/** The bounds the library states (README, Accuracy). */
function bound(recipe: KLRecipe): number {
  if (recipe.f32) return 1e-6;
  return recipe.kind === "near" ? 1e-10 : 1e-14;
}

describe.each(backendNames)("%s", (name) => {
  let kl: KL;
  beforeAll(async () => {
    kl = await loadBackend(name);
  });

  it.each(recipes.map((r) => [`${r.name} (${r.f32 ? "f32" : "f64"})`, r] as const))("%s", (_label, recipe) => {
    const [p, q] = klInputs(recipe);
    // One vector, and the same numbers as 50 rows summed (the exact value is the same sum).
    for (const rows of [1, 50]) {
      const got = kl.kl(p, q, { rows });
      const error = Math.abs(got - recipe.exact) / Math.abs(recipe.exact);
      expect(error, `rows ${rows}: got ${got}, exact ${recipe.exact}`).toBeLessThanOrEqual(bound(recipe));
    }
  });
});

const { gradients } = JSON.parse(readFileSync(new URL("./fixtures/exact.json", import.meta.url), "utf8")) as { gradients: number[][] };

/** Ulps between a and b. */
function ulps(a: number, b: number): number {
  if (a === b) return 0;
  const view = new DataView(new ArrayBuffer(16));
  view.setFloat64(0, a);
  view.setFloat64(8, b);
  const ordered = (bits: bigint) => (bits < 0n ? -(bits & 0x7fffffffffffffffn) : bits);
  const d = ordered(view.getBigInt64(0)) - ordered(view.getBigInt64(8));
  return Number(d < 0n ? -d : d);
}

describe.each(backendNames)("%s: gradients element by element against 50-digit values", (name) => {
  let kl: KL;
  beforeAll(async () => {
    kl = await loadBackend(name);
  });
  const column = (i: number) => Float64Array.from(gradients, (row) => row[i]!);

  it.each([
    ["forward, prob", "forwardGrad", "prob", 0, 1, 2],
    ["reverse, prob", "reverseGrad", "prob", 0, 1, 3],
    ["forward, log", "forwardGrad", "log", 4, 5, 6],
    ["reverse, log", "reverseGrad", "log", 4, 5, 7],
  ] as const)("%s: within 4 ulp (of the gradient's parts where they cancel)", (_label, method, space, target, approx, exact) => {
    const { grad } = kl[method](column(target), column(approx), { rows: gradients.length, space });
    const want = column(exact);
    let worst = 0;
    grad.forEach((g, i) => {
      // Where log(q/p) + 1 is near 0 the gradient is a difference of larger parts: measure the
      // error in ulps of those parts (for the other gradients the part is the gradient itself).
      const row = gradients[i]!;
      const part = method === "reverseGrad" ? Math.max(Math.abs(want[i]!), space === "prob" ? 1 : Math.exp(row[5]!)) : Math.abs(want[i]!);
      const error = ulps(g, want[i]!) <= 4 ? 0 : Math.abs(g - want[i]!) / (part * Number.EPSILON);
      worst = Math.max(worst, error);
    });
    expect(worst).toBeLessThanOrEqual(4);
  });
});

/** tests/fixtures/make_kl_exact.py: given inputs and their exact D(P‖Q), D(Q‖P) (strings for ±Infinity). */
interface KLExactCase {
  name: string;
  space: Space;
  x: number[];
  y: number[];
  forward: number | string;
  reverse: number | string;
}
const { cases: exactCases } = JSON.parse(readFileSync(new URL("./fixtures/kl_exact.json", import.meta.url), "utf8")) as { cases: KLExactCase[] };

/** The goals: 1e-13 relative for the default form on any magnitudes; 1e-6 relative from logits or log-probabilities. */
function exactBound(c: KLExactCase): number {
  return c.space === "prob" ? 1e-13 : 1e-6;
}

describe.each(backendNames)("%s: KL of logits, log-probabilities and unnormalised measures against 60-digit values", (name) => {
  let kl: KL;
  beforeAll(async () => {
    kl = await loadBackend(name);
  });

  it.each(exactCases.map((c) => [c.name, c] as const))("%s", (_label, c) => {
    const x = Float64Array.from(c.x);
    const y = Float64Array.from(c.y);
    const o = { space: c.space };
    for (const [label, got, want] of [
      ["D(P‖Q)", kl.kl(x, y, o), Number(c.forward)],
      ["D(Q‖P)", kl.kl(y, x, o), Number(c.reverse)],
      ["forward", kl.forward(x, y, o), Number(c.forward)],
      ["reverse", kl.reverse(x, y, o), Number(c.reverse)],
      ["forwardGrad", kl.forwardGrad(x, y, o).value, Number(c.forward)],
      ["reverseGrad", kl.reverseGrad(x, y, o).value, Number(c.reverse)],
    ] as const) {
      if (!Number.isFinite(want) || want === 0) expect(got, label).toBe(want);
      else expect(Math.abs(got - want) / Math.abs(want), `${label}: got ${got}, exact ${want}`).toBeLessThanOrEqual(exactBound(c));
    }
  });
});

describe.each(backendNames)("%s: no negative KL where the exact value is not", (name) => {
  let kl: KL;
  beforeAll(async () => {
    kl = await loadBackend(name);
  });
  /** Rows of logits near `centre`, and a copy moved by up to `closeness` relative (or the same row shifted). */
  const pair = fc.record({
    cols: fc.integer({ min: 1, max: 300 }),
    rows: fc.integer({ min: 1, max: 3 }),
    centre: fc.constantFrom(0, 1, 30, 1e4, 1e6),
    closeness: fc.constantFrom(0, 1e-15, 1e-12, 1e-9, 1e-6, 1e-2),
    shift: fc.constantFrom(0, 0, 3, -1e3),
    seed: fc.integer({ min: 0, max: 2 ** 30 }),
    f32: fc.boolean(),
    precision: fc.constantFrom("accurate", "fast"),
  }).map(({ cols, rows, centre, closeness, shift, seed, f32, precision }) => {
    const x = logitsLike(cols * rows, seed, 3).map((v) => v + centre);
    const random = mulberry32(seed + 1);
    const y = x.map((v) => v + shift + Math.abs(v) * closeness * (2 * random() - 1));
    return { x: f32 ? toF32(x) : x, y: f32 ? toF32(y) : y, rows, precision } as const;
  });

  it("from logits, and from log-probabilities or probabilities with normalize: true", () => {
    fc.assert(
      fc.property(pair, ({ x, y, rows, precision }) => {
        const probabilities = (v: Float64Array | Float32Array) => v.map((value) => Math.exp(value / 1e6));
        for (const [p, q, o] of [
          [x, y, { space: "logits" }],
          [x, y, { space: "log", normalize: true }],
          [probabilities(x), probabilities(y), { normalize: true }],
        ] as const) {
          const options = { ...o, rows, precision, reduction: "none" } as const;
          for (const values of [kl.kl(p, q, options), kl.kl(q, p, options)]) {
            for (const v of values) expect(v, `${JSON.stringify(o)}: ${v}`).toBeGreaterThanOrEqual(0);
          }
          for (const method of ["forwardGrad", "reverseGrad"] as const) {
            if (o.space === undefined) continue; // a probability-space approx is not rescaled
            const { value } = kl[method](p, q, { ...o, rows, precision, reduction: "sum" });
            expect(value).toBeGreaterThanOrEqual(0);
          }
        }
      }),
      { numRuns: 60 },
    );
  });
});
