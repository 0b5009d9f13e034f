/**
 * Inputs larger than the module's memory: with a lowered limit, calls run in groups of
 * rows (or, for plain sums, in pieces of long rows) and give the values of a single pass.
 */
import { describe, expect, it } from "vitest";
import { createKL, KLError, referenceKL } from "../src/index.js";
import { logitsLike, probabilityLike, toF32 } from "./generate.js";

const LIMIT = 2 << 20; // 2 MiB: every input below is several times larger.

describe.each([true, false])("simd: %s", (simd) => {
  it("plain sums over a 1-row input 20× the memory limit equal the unlimited result", async () => {
    const capped = await createKL({ simd, maxMemoryBytes: LIMIT });
    const free = await createKL({ simd });
    const p = probabilityLike({ length: 5_000_000, seed: 1, zeros: 0.1, decades: 5 });
    const q = probabilityLike({ length: 5_000_000, seed: 2, zeros: 0, decades: 5 });
    expect(capped.kl(p, q)).toBe(free.kl(p, q));
    expect(capped.entropy(toF32(p))).toBe(free.entropy(toF32(p)));
    expect(capped.memoryBytes()).toBeLessThanOrEqual(LIMIT);
  });

  it("logits, normalisation, JSD and gradients run in row groups with the same values", async () => {
    const capped = await createKL({ simd, maxMemoryBytes: LIMIT });
    const free = await createKL({ simd });
    const rows = 64;
    const t = logitsLike(rows * 8000, 3, 4);
    const a = logitsLike(rows * 8000, 4, 4);
    const options = { rows, space: "logits" as const, reduction: "none" as const };
    expect(capped.forward(t, a, options)).toEqual(free.forward(t, a, options));
    expect(capped.jsd(t, a, options)).toEqual(free.jsd(t, a, options));
    const p = probabilityLike({ length: rows * 8000, seed: 5, zeros: 0, decades: 3 });
    expect(capped.kl(p, p.map((v) => v * 2), { rows, normalize: true })).toBe(0);
    const gradCapped = capped.reverseGrad(t, a, { ...options, reduction: "mean" });
    const gradFree = free.reverseGrad(t, a, { ...options, reduction: "mean" });
    expect(gradCapped.value).toEqual(gradFree.value);
    expect(gradCapped.grad).toEqual(gradFree.grad);
    expect(capped.memoryBytes()).toBeLessThanOrEqual(LIMIT);
  });

  it("errors name the index and row of the whole input", async () => {
    const capped = await createKL({ simd, maxMemoryBytes: LIMIT });
    const rows = 64;
    const t = logitsLike(rows * 8000, 6, 4);
    const a = logitsLike(rows * 8000, 7, 4);
    const bad = rows * 8000 - 5;
    t[bad] = Number.NaN;
    expect(() => capped.forward(t, a, { rows, space: "logits" })).toThrow(expect.objectContaining({ code: "NAN", argument: "target", index: bad }));
    t[bad] = 0;
    a.fill(-Infinity, 50 * 8000, 51 * 8000);
    expect(() => capped.forward(t, a, { rows, space: "logits" })).toThrow(expect.objectContaining({ code: "NO_MASS", argument: "approx", index: 50 }));
  });

  it("a row that cannot fit is a KLError TOO_LARGE; plain sums still stream it", async () => {
    const capped = await createKL({ simd, maxMemoryBytes: LIMIT });
    const x = logitsLike(1_000_000, 8, 2);
    expect(() => capped.forward(x, x, { space: "logits" })).toThrow(KLError);
    expect(() => capped.forward(x, x, { space: "logits" })).toThrow(expect.objectContaining({ code: "TOO_LARGE" }));
    const p = probabilityLike({ length: 1_000_000, seed: 9, zeros: 0, decades: 3 });
    expect(capped.kl(p, p)).toBe(0);
    expect(Math.abs(capped.entropy(p) - referenceKL.entropy(p)) / referenceKL.entropy(p)).toBeLessThanOrEqual(1e-12);
  });
});
