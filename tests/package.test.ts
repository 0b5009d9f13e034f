/**
 * package.json as users install it: no script runs on install (npm warns about lifecycle scripts
 * a tarball or registry install would run), and the workerd door is found before the generic
 * conditions. publint and arethetypeswrong check the rest on the packed tarball in .ci/run.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

const manifest = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));

describe("package.json", () => {
  it("runs no script when installed: the build is prepack's, which a git install runs too", () => {
    for (const script of ["preinstall", "install", "postinstall", "prepare"]) expect(manifest.scripts[script], script).toBeUndefined();
    expect(manifest.scripts.prepack).toBe("node scripts/build.mjs");
  });

  it("gives workerd its door first: conditions match in the order they are listed", () => {
    expect(Object.keys(manifest.exports["."])[0]).toBe("workerd");
    expect(manifest.exports["."].workerd.default).toBe("./dist/workerd.js");
  });

  it("says where the project lives", () => {
    expect(manifest.repository.url).toMatch(/^git\+https:\/\/github\.com\/klwasm\/klwasm\.git$/);
    expect(manifest.homepage).toMatch(/^https:\/\/github\.com\/klwasm\/klwasm/);
    expect(manifest.bugs.url).toMatch(/\/issues$/);
    expect(manifest.keywords.length).toBeGreaterThan(0);
  });
});
