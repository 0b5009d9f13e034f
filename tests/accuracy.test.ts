/**
 * KL against 50-digit values of the exact divergence of the given floating-point inputs
 * (tests/fixtures/make_exact.py): ordinary, near-identical and wide-range inputs, f64 and f32.
 */
import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import type { KL } from "../src/index.js";
import { backendNames, loadBackend } from "./backends.js";
import { klInputs } from "./exact-inputs.mjs";

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
