/**
 * createKL and createKLSync: which build each option gives, and a KLError naming the option
 * for every option value they refuse.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { createKL, createKLSync, KLError } from "../../../src/index.js";
import { show, thrown } from "../../errors-helpers.js";

const p = [0.1, 0.2, 0.3, 0.4, 0.05, 0.05, 0.6, 0.3];
const q = [0.25, 0.25, 0.25, 0.25, 0.2, 0.3, 0.3, 0.2];

describe("choosing a build", () => {
  it.each([
    [{}, "wasm-simd"],
    [{ simd: true }, "wasm-simd"],
    [{ simd: false }, "wasm"],
    [{ relaxed: true }, "wasm-relaxed-simd"],
    [{ relaxed: true, simd: true }, "wasm-relaxed-simd"],
    [{ relaxed: false }, "wasm-simd"],
  ] as const)("createKL(%o) runs %s", async (options, backend) => {
    const kl = await createKL(options);
    expect(kl.backend).toBe(backend);
    expect(kl.kl(p, q, { rows: 2 })).toBeCloseTo(createKLSync({ simd: false }).kl(p, q, { rows: 2 }), 14);
  });

  it("createKLSync runs the relaxed build from its bytes", () => {
    const bytes = readFileSync(new URL("../../../build/klwasm-relaxed.wasm", import.meta.url));
    expect(createKLSync({ relaxed: true, module: bytes }).backend).toBe("wasm-relaxed-simd");
  });
});

describe("refused options", () => {
  const cases: [string, () => unknown, string][] = [
    ["simd 'yes'", () => createKLSync({ simd: "yes" as never }), "options.simd"],
    ["relaxed 1", () => createKLSync({ relaxed: 1 as never }), "options.relaxed"],
    ["relaxed with simd: false", () => createKLSync({ relaxed: true, simd: false }), "options.relaxed"],
    ["relaxed in createKLSync without its bytes", () => createKLSync({ relaxed: true }), "options.relaxed"],
    ["maxMemoryBytes 0", () => createKLSync({ maxMemoryBytes: 0 }), "options.maxMemoryBytes"],
    ["maxMemoryBytes NaN", () => createKLSync({ maxMemoryBytes: NaN }), "options.maxMemoryBytes"],
    ["a URL in createKLSync", () => createKLSync({ module: "https://example.org/klwasm.wasm" }), "options.module"],
  ];
  it.each(cases)("%s", (_, create, argument) => {
    const error = thrown(create);
    expect(error, show(error)).toBeInstanceOf(KLError);
    expect((error as KLError).code).toBe("BAD_OPTION");
    expect((error as KLError).argument).toBe(argument);
  });

  it("createKL rejects the same options with the same errors", async () => {
    await expect(createKL({ relaxed: true, simd: false })).rejects.toMatchObject({ code: "BAD_OPTION", argument: "options.relaxed" });
    await expect(createKL({ simd: 0 as never })).rejects.toMatchObject({ code: "BAD_OPTION", argument: "options.simd" });
  });
});
