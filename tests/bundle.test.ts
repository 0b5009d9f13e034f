/**
 * What the bundles in dist/ (scripts/bundle.mjs) load, and when: the SIMD build with the
 * library, the scalar and relaxed builds only when asked for, in ES modules and in CommonJS.
 * (What applications bundle from them is measured by scripts/check-size.mjs.)
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const dist = (file: string) => fileURLToPath(new URL(`../dist/${file}`, import.meta.url));

/** Runs `script` in a fresh Node (CommonJS, relaxed SIMD enabled) and returns what it printed. */
function node(script: string): string {
  return execFileSync(process.execPath, ["--experimental-wasm-relaxed-simd", "-e", script], { encoding: "utf8" }).trim();
}

describe("dist/index.cjs", () => {
  // The build files require.cache holds after each step, in order.
  const steps = node(`
    const loaded = () => Object.keys(require.cache).map((path) => path.split(/[\\\\/]/).pop()).filter((name) => name.endsWith("-bytes.cjs")).sort().join(" ");
    const klwasm = require(${JSON.stringify(dist("index.cjs"))});
    const seen = [loaded()];
    klwasm.createKL().then(async (kl) => {
      seen.push(kl.backend + ": " + loaded());
      seen.push(klwasm.createKLSync({ simd: false }).backend + ": " + loaded());
      seen.push((await klwasm.createKL({ relaxed: true })).backend + ": " + loaded());
      console.log(JSON.stringify(seen));
    });
  `);

  it("requires the SIMD build with the library, the scalar and relaxed ones when first asked for", () => {
    expect(JSON.parse(steps)).toEqual([
      "simd-bytes.cjs",
      "wasm-simd: simd-bytes.cjs",
      "wasm: scalar-bytes.cjs simd-bytes.cjs",
      "wasm-relaxed-simd: relaxed-bytes.cjs scalar-bytes.cjs simd-bytes.cjs",
    ]);
  });
});

describe("dist/index.js", () => {
  const text = readFileSync(dist("index.js"), "utf8");
  const staticImports = [...text.matchAll(/^import\s*{[^}]*}\s*from\s*"([^"]+)"/gm)].map((match) => match[1]).sort();
  const dynamicImports = [...text.matchAll(/\bimport\("([^"]+)"\)/g)].map((match) => match[1]).sort();

  it("imports the SIMD build and createKLSync's scalar copy statically, the rest dynamically", () => {
    expect(staticImports).toEqual(["./scalar-sync.js", "./simd-bytes.js"]);
    expect(dynamicImports).toEqual(["./relaxed-bytes.js", "./scalar-bytes.js"]);
  });

  it("carries no Wasm of its own", () => {
    expect(text).not.toMatch(/"0061736d[0-9a-f]{64,}/);
  });
});
