/**
 * The README's examples as a user runs them: the first example through the package's own
 * name (`import … from "klwasm"` resolves to dist/ inside this package), its stated values
 * against its output and against the mathematics; the TensorFlow.js example is the file a
 * consumer project runs (tests/consumers/readme-tfjs); the quick start is the two commands after
 * `npm ci`. (The CDN page: tests/browser/readme.test.ts.)
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { readmeBlock, readmeSection } from "./readme-blocks.js";

const root = fileURLToPath(new URL("..", import.meta.url));

/** The numbers in `text`, identifiers (`Float64Array(2)`) left out. */
const numbers = (text: string) => (text.replace(/[A-Za-z_]\w*(\(\d+\))?/g, " ").match(/-?\d+(\.\d+)?(e[+-]?\d+)?/g) ?? []).map(Number);

describe("the README's examples", { timeout: 120_000 }, () => {
  it("runs the first example, which prints what its comments say and what the mathematics says", () => {
    const { language, code } = readmeBlock("tests/readme.test.ts runs this block");
    expect(language).toBe("js");
    mkdirSync(join(root, "test-results"), { recursive: true });
    const directory = mkdtempSync(join(root, "test-results", "readme-"));
    let stdout: string;
    try {
      writeFileSync(join(directory, "first-example.mjs"), code);
      stdout = execFileSync(process.execPath, [join(directory, "first-example.mjs")], { cwd: root, encoding: "utf8" });
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
    // Each console.log line's comment states its output, up to the first " = ".
    const stated = code.split("\n").filter((line) => line.startsWith("console.log(")).map((line) => numbers(line.split("//")[1]!.split(" = ")[0]!));
    const printed = stdout.trimEnd().split("\n").map(numbers);
    expect(printed).toHaveLength(stated.length);
    // D(P‖Q) = ½ln(0.5/0.9) + ½ln(0.5/0.1) = ln(5/3); in bits ÷ ln 2; D(Q‖P) = 0.9·ln 1.8 + 0.1·ln 0.2; −p/q.
    const exact = [[Math.log(5 / 3)], [Math.log(5 / 3) / Math.LN2], [0.9 * Math.log(1.8) + 0.1 * Math.log(0.2)], [-5 / 9, -5]];
    expect(printed.map((values) => values.length)).toEqual(exact.map((values) => values.length));
    printed.forEach((values, line) => values.forEach((value, k) => {
      expect(Math.abs(value - stated[line]![k]!), `line ${line}: ${value} printed, ${stated[line]![k]} stated`).toBeLessThanOrEqual(1e-15 * Math.abs(value));
      expect(Math.abs(value - exact[line]![k]!), `line ${line}: ${value} printed, ${exact[line]![k]} exact`).toBeLessThanOrEqual(1e-15 * Math.abs(value));
    }));
  });

  it("shows the TensorFlow.js example that tests/consumers/readme-tfjs runs, as it is there", () => {
    const { language, code } = readmeBlock("tests/consumers/readme-tfjs/example.js");
    expect(language).toBe("js");
    expect(code).toBe(readFileSync(join(root, "tests/consumers/readme-tfjs/example.js"), "utf8"));
    // The whole of tfjs: tfjs-core alone registers no gradient for matMul in Node.
    expect(code).toMatch(/from "@tensorflow\/tfjs";/);
  });

  it("has two commands after npm ci in the contributors' quick start: npm start and npm test", () => {
    const section = readmeSection("## Quick start");
    const commands = /```sh\n([\s\S]*?)```/.exec(section)![1]!.trim().split("\n").map((line) => line.split("#")[0]!.trim());
    expect(commands).toEqual(["npm ci", "npm start", "npm test"]);
    // Installing comes before contributing.
    const readme = readFileSync(join(root, "README.md"), "utf8");
    expect(readme.indexOf("## Install")).toBeLessThan(readme.indexOf("## Quick start"));
    expect(readme).toMatch(/npm test` needs Debian's Chromium/);
  });
});
