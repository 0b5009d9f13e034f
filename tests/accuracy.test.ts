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
    const got = kl.kl(p, q);
    const error = Math.abs(got - recipe.exact) / Math.abs(recipe.exact);
    expect(error, `got ${got}, exact ${recipe.exact}`).toBeLessThanOrEqual(bound(recipe));
  });
});
