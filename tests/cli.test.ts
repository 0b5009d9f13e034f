/**
 * The command line as a user runs it: `npx klwasm fit …` (package.json "bin" → dist/cli.js,
 * which loads dist/index.js). Rebuilds dist/ first when it is older than the sources.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";

/** The newest modification time of the files under `dir` (recursively). */
function newest(dir: string): number {
  return Math.max(0, ...readdirSync(dir, { withFileTypes: true }).map((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? newest(path) : statSync(path).mtimeMs;
  }));
}

function run(command: string, args: string[]) {
  const result = spawnSync(command, args, { encoding: "utf8", env: { ...process.env, NO_COLOR: "1" }, timeout: 60_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** mean = Σ w·m, σ² = Σ w·(s² + m²) − mean². */
function moments(modes: Array<[number, number, number]>): { mean: number; sigma: number } {
  const mean = modes.reduce((t, [w, m]) => t + w * m, 0);
  return { mean, sigma: Math.sqrt(modes.reduce((t, [w, m, s]) => t + w * (s * s + m * m), 0) - mean * mean) };
}

// The package's bin (package.json "bin": dist/cli.js), run as `npx klwasm` runs it once the
// package is installed (tests/consumers/node-esm runs it that way from the packed tarball).
describe("klwasm fit (the bin)", { timeout: 120_000 }, () => {
  beforeAll(() => {
    const built = ["dist/cli.js", "dist/index.js"].map((f) => (existsSync(f) ? statSync(f).mtimeMs : 0));
    const sources = Math.max(newest("src"), newest("build"), statSync("scripts/bundle.mjs").mtimeMs);
    if (Math.min(...built) < sources) execFileSync(process.execPath, ["scripts/bundle.mjs"], { stdio: "inherit" });
  }, 120_000);

  it("fits by reverse KL: a table on one mode, a sketch, a progress bar", () => {
    const { code, stdout, stderr } = run(process.execPath, ["dist/cli.js", "fit", "--direction", "reverse", "--mixture", "0.5:-2:0.6,0.5:2:0.6"]);
    expect(code, stderr).toBe(0);
    const row = (label: string) => stdout.split("\n").find((line) => line.startsWith(label))?.slice(label.length).trim().split(/\s+/);
    const { mean, sigma } = moments([[0.5, -2, 0.6], [0.5, 2, 0.6]]);
    const p = row("P itself (mean, σ)")!.map(Number);
    expect(Math.abs(p[0]! - mean)).toBeLessThanOrEqual(5e-5);
    expect(Math.abs(p[1]! - sigma)).toBeLessThanOrEqual(5e-5);
    const [mu, s, , reverse, , converged] = row("Q by reverse KL")!;
    expect(Math.abs(Number(mu) + 2)).toBeLessThan(0.1);
    expect(Math.abs(Number(s) - 0.6)).toBeLessThan(0.03);
    // Q on one of two equal, well-separated modes: D(Q‖P) ≈ log 2.
    expect(Math.abs(Number(reverse) - Math.log(2))).toBeLessThan(0.01);
    expect(converged).toBe("yes");
    expect(row("Q by forward KL")).toBeUndefined();
    // The sketch: 14 rows of plot, P's shading and the fit's mark, a legend.
    expect(stdout.split("\n").filter((line) => line.startsWith("│"))).toHaveLength(14);
    expect(stdout).toMatch(/░/);
    expect(stdout).toMatch(/o Q by reverse KL = N\(-1\.99\d, 0\.6\d\d²\)/);
    // Not a terminal: no bar, one line when the fit ends.
    expect(stderr).toMatch(/^reverse: \d+ steps, D = 0\.69\d+, converged\n$/);
  });

  it("prints JSON: forward matches P's moments, reverse sits closer to a mode", () => {
    const modes: Array<[number, number, number]> = [[0.2, -3, 0.5], [0.5, 0.5, 1], [0.3, 4, 0.8]];
    const { code, stdout, stderr } = run(process.execPath, ["dist/cli.js", "fit", "--json", "--mixture", modes.map((m) => m.join(":")).join(",")]);
    expect(code, stderr).toBe(0);
    const out = JSON.parse(stdout) as {
      backend: string;
      p: { mean: number; sigma: number };
      fits: Array<{ direction: string; mu: number; sigma: number; forward: number; reverse: number; converged: boolean }>;
    };
    const { mean, sigma } = moments(modes);
    expect(out.backend).toBe("wasm-simd");
    expect(out.p.mean).toBeCloseTo(mean, 12);
    expect(out.p.sigma).toBeCloseTo(sigma, 12);
    const [forward, reverse] = out.fits;
    expect(forward).toMatchObject({ direction: "forward", converged: true });
    expect(reverse).toMatchObject({ direction: "reverse", converged: true });
    expect(Math.abs(forward!.mu - mean)).toBeLessThanOrEqual(1e-3 * sigma);
    expect(Math.abs(forward!.sigma - sigma)).toBeLessThanOrEqual(1e-3 * sigma);
    // Each fit is the better one in its own direction; reverse is the narrower.
    expect(forward!.forward).toBeLessThan(reverse!.forward);
    expect(reverse!.reverse).toBeLessThan(forward!.reverse);
    expect(reverse!.sigma).toBeLessThan(forward!.sigma);
  });

  it("rejects bad arguments with exit code 2 and a pointer to the usage", () => {
    for (const args of [["fit", "--direction", "sideways"], ["fit", "--mixture", "1:0"], ["fit", "--bogus"], ["frobnicate"], ["fit", "--mixture", "1:0:0"]]) {
      const { code, stderr } = run(process.execPath, ["dist/cli.js", ...args]);
      expect(code, args.join(" ")).toBe(2);
      expect(stderr).toMatch(/^klwasm: /);
    }
    expect(run(process.execPath, ["dist/cli.js", "fit", "--bogus"]).stderr).toMatch(/klwasm fit --help for usage/);
    expect(run(process.execPath, ["dist/cli.js", "frobnicate"]).stderr).toMatch(/klwasm --help for usage/);
    for (const args of [["help", "frobnicate"], ["help", "fit", "fit"], ["help", "--bogus"]]) {
      const { code, stdout, stderr } = run(process.execPath, ["dist/cli.js", ...args]);
      expect(code, args.join(" ")).toBe(2);
      expect(stdout).toBe("");
      expect(stderr).toMatch(/^klwasm: .*\(klwasm --help for usage\)\n$/);
    }
  });

  it("answers --help and --version for the program and for every command", () => {
    const { version } = JSON.parse(readFileSync("package.json", "utf8")) as { version: string };
    const cases: Array<[string[], RegExp]> = [
      [[], /^usage: klwasm <command>/],
      [["--help"], /^usage: klwasm <command>/],
      [["-h"], /^usage: klwasm <command>/],
      [["help"], /^usage: klwasm <command>/],
      [["help", "--help"], /^usage: klwasm <command>/],
      [["help", "help"], /^usage: klwasm <command>/],
      [["fit", "--help"], /^usage: klwasm fit \[options\]/],
      [["fit", "-h"], /^usage: klwasm fit \[options\]/],
      [["help", "fit"], /^usage: klwasm fit \[options\]/],
      ...[["--version"], ["-v"], ["fit", "--version"], ["fit", "-v"], ["help", "--version"]].map((args): [string[], RegExp] => [args, new RegExp(`^${version.replace(/\./g, "\\.")}\n$`)]),
    ];
    for (const [args, want] of cases) {
      const { code, stdout, stderr } = run(process.execPath, ["dist/cli.js", ...args]);
      expect(code, `${args.join(" ")}: ${stderr}`).toBe(0);
      expect(stdout, args.join(" ")).toMatch(want);
      expect(stderr).toBe("");
    }
    // The program's usage lists every command; each command's lists --help and --version.
    const usage = run(process.execPath, ["dist/cli.js", "--help"]).stdout;
    for (const command of ["fit", "help"]) expect(usage).toMatch(new RegExp(`^ {2}${command}\\b`, "m"));
    for (const text of [usage, run(process.execPath, ["dist/cli.js", "fit", "--help"]).stdout]) {
      expect(text).toMatch(/-h, --help/);
      expect(text).toMatch(/-v, --version/);
    }
  });
});

// On a terminal (a pseudo-terminal from util-linux's `script`, Debian's bsdutils), the
// progress bar is redrawn in place and fits the terminal's width, whatever it is.
describe("klwasm fit on a terminal", { timeout: 120_000 }, () => {
  /** Every state the terminal showed on the progress line: the text between carriage returns and newlines, without escapes. */
  function progressLines(columns: number): string[] {
    const command = `stty cols ${columns} rows 40 && exec "${process.execPath}" dist/cli.js fit --direction reverse --no-sketch`;
    const { code, stdout, stderr } = run("script", ["-qec", command, "/dev/null"]);
    expect(code, stdout + stderr).toBe(0);
    return stdout.replace(/\x1b\[[0-9;]*[A-Za-z]/g, "").split(/[\r\n]+/).filter((line) => /^reverse /.test(line));
  }

  it.each([24, 40, 50, 80, 132])("%i columns: every redraw of the bar fits, with room for the cursor", (columns) => {
    const lines = progressLines(columns);
    expect(lines.length).toBeGreaterThan(1);
    for (const line of lines) expect([...line].length, line).toBeLessThanOrEqual(columns - 1);
    const last = lines[lines.length - 1]!;
    expect(last).toMatch(/100%/);
    if (columns >= 40) expect(last).toMatch(/\[█+\]/);
    // Wide enough for the whole line (81 characters): the full bar and every detail.
    if (columns >= 82) expect(last).toMatch(/^reverse\s+\[█{30}\] 100% {2}step \d+ {2}D = 0\.69\d+ {2}converged$/);
  });
});

// Every option's parser: a malformed value is an error naming the option, on one line of
// stderr, with a non-zero exit, and never a stack trace; nothing is computed from it.
describe("klwasm fit: malformed values", { timeout: 120_000 }, () => {
  const MALFORMED: Record<string, string[]> = {
    "--init": ["1:2:3", "1", ":", "1:", "a:b", "1:0", "1:-1", "0x10:1", "Infinity:1", "1:2:", "", "1,5:1"],
    "--mixture": ["1:0", "0.5:-2:0.6,", "0.5::0.6", "1:0:0", "=-1:0:1", "1:2:3:4", "a:b:c", "1:0:1e999", "", ",", "0:0:1"],
    "--points": ["1e9", "1", "2.5", "abc", "", "0x10", "=-3", "1e400"],
    "--steps": ["2.5", "abc", "", "=-1", "Infinity", "1e400"],
    "--learning-rate": ["abc", "", "=-1", "0", "NaN", "1,5"],
    "--tolerance": ["abc", "", "=-1", "Infinity"],
    "--direction": ["sideways", "", "Forward"],
    "--backend": ["gpu", ""],
  };
  const cases = Object.entries(MALFORMED).flatMap(([option, values]) => values.map((value) => [option, value] as const));

  it.each(cases)("%s %j", (option, value) => {
    // "=-1": given as --option=-1, which parseArgs reads as a value rather than a flag.
    const args = value.startsWith("=") ? [`${option}${value}`] : [option, value];
    // Five steps keep a case that wrongly runs short.
    const steps = option === "--steps" ? [] : ["--steps", "5"];
    const { code, stdout, stderr } = run(process.execPath, ["dist/cli.js", "fit", "--json", ...steps, ...args]);
    expect(code, stderr).not.toBe(0);
    expect(code, stderr).not.toBeNull();
    expect(stdout).toBe("");
    const lines = stderr.trimEnd().split("\n");
    expect(lines, stderr).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^klwasm: ${option}`));
    expect(stderr).not.toMatch(/^\s+at /m);
  });
});
