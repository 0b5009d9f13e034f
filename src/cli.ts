#!/usr/bin/env node
/**
 * `npx klwasm fit …`: the forward-versus-reverse experiment in a terminal. Fits a Gaussian to
 * a mixture by forward and/or reverse KL, with a progress bar while it optimises, then prints
 * the fit as a table and a sketch of P and Q. Bundled to dist/cli.js, which loads the
 * library from dist/index.js.
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import {
  ADAM_DEFAULTS, createKL, fitGaussianSteps, GRID_DEFAULTS, mixtureDensity, mixtureGrid, mixtureLogDensity, mixtureMoments, referenceKL,
  type FitDirection, type GaussianFit, type KL, type Mixture,
} from "./index.js";

const USAGE = `usage: klwasm <command> [options]

Kullback–Leibler divergences in the terminal.

commands:
  fit                      fit a Gaussian to a mixture by forward and/or reverse KL
  help [command]           this text, or a command's

options:
  -h, --help               this text (klwasm <command> --help: the command's)
  -v, --version            klwasm's version`;

const FIT_USAGE = `usage: klwasm fit [options]

Fits a Gaussian Q to a mixture P by minimising forward D(P‖Q) and/or reverse D(Q‖P).

options:
  --mixture "w:m:s,…"      P as weight:mean:sigma per mode (default "0.5:-2:0.6,0.5:2:0.6")
  --direction D            forward, reverse or both (default both)
  --init mu:sigma          where to start (default: forward the grid's centre, reverse the
                           largest-weight mode)
  --steps N                the most optimiser steps (default ${ADAM_DEFAULTS.steps})
  --learning-rate X        Adam's step size (default ${ADAM_DEFAULTS.learningRate})
  --tolerance X            stop when the update and the change of D are below X (default ${ADAM_DEFAULTS.tolerance})
  --points N               grid points (default ${GRID_DEFAULTS.points})
  --backend B              wasm-simd, wasm or reference (default: the fastest available)
  --json                   print the results as JSON instead of the table and sketch
  --no-sketch              leave out the sketch
  -h, --help               this text
  -v, --version            klwasm's version`;

const USAGES: Record<string, string> = { fit: FIT_USAGE, help: USAGE };

/** The installed package's version: dist/cli.js sits one level below package.json. */
function version(): string {
  return (JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string }).version;
}

class UsageError extends Error {}

const color = process.stdout.isTTY && !process.env.NO_COLOR;
const paint = (code: number, text: string) => (color ? `\x1b[${code}m${text}\x1b[0m` : text);
const COLORS: Record<FitDirection | "p", number> = { p: 90, forward: 34, reverse: 31 };
const MARKS: Record<FitDirection, string> = { forward: "*", reverse: "o" };

/** A decimal number as a user types one ("2", "-0.5", "1e-3"): not "", "0x10", "Infinity" or "1,5". */
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

function parseNumber(value: string | undefined, name: string, integer = false): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!DECIMAL.test(value.trim()) || !Number.isFinite(n) || (integer && !Number.isInteger(n))) {
    throw new UsageError(`--${name}: "${value}" is not ${integer ? "an integer" : "a number"}`);
  }
  return n;
}

/** `text` as exactly `names.length` numbers separated by colons ("mu:sigma"), for option `name`. */
function parseFields(text: string, name: string, names: readonly string[]): number[] {
  const fields = text.split(":");
  const shape = names.join(":");
  if (fields.length !== names.length || fields.some((field) => !DECIMAL.test(field.trim()) || !Number.isFinite(Number(field)))) {
    throw new UsageError(`--${name}: "${text}" is not ${shape} (${names.length} numbers)`);
  }
  return fields.map(Number);
}

function parseMixture(text: string): Mixture {
  const modes = text.split(",").map((mode) => parseFields(mode, "mixture", ["weight", "mean", "sigma"]));
  return { weights: modes.map((m) => m[0]!), means: modes.map((m) => m[1]!), sigmas: modes.map((m) => m[2]!) };
}

async function backend(name: string | undefined): Promise<KL> {
  switch (name) {
    case undefined: return createKL();
    case "wasm-simd": return createKL({ simd: true });
    case "wasm": return createKL({ simd: false });
    case "reference": return referenceKL;
    default: throw new UsageError(`--backend: "${name}" is not wasm-simd, wasm or reference`);
  }
}

/** The most columns the bar takes, and the fewest worth drawing. */
const BAR = { max: 30, min: 8 };

/**
 * A progress bar on stderr, redrawn in place and fitted to the terminal's width (read at each
 * draw, so a resize is followed). Where stderr is not a terminal (a pipe, a log) there is no
 * bar: one line when the fit ends.
 */
class Progress {
  private drawn = -1;

  constructor(private readonly label: string, private readonly total: number) {}

  update(step: number, kl: number, done = false, converged = false): void {
    const outcome = converged ? "converged" : "stopped at the step limit";
    if (!process.stderr.isTTY) {
      if (done) process.stderr.write(`${this.label}: ${step} steps, D = ${kl.toFixed(6)}, ${outcome}\n`);
      return;
    }
    const fraction = done ? 1 : Math.min(1, step / Math.max(1, this.total));
    const percent = Math.round(fraction * 100);
    if (!done && percent === this.drawn) return;
    this.drawn = percent;
    const line = progressLine(this.label, fraction, [`step ${step}`, `D = ${kl.toFixed(6)}`, done ? outcome : ""], process.stderr.columns);
    process.stderr.write(`\r\x1b[2K${line}${done ? "\n" : ""}`);
  }
}

/**
 * `label [███░░] 42%  details…` in fewer than `columns` characters (the last column would make
 * some terminals wrap): the bar takes the room the text leaves, up to BAR.max; where that is
 * under BAR.min the details are dropped from the first on, then the bar.
 */
function progressLine(label: string, fraction: number, details: string[], columns: number): string {
  const width = columns - 1;
  const head = label.padEnd(8);
  const percent = `${String(Math.round(fraction * 100)).padStart(3)}%`;
  for (let first = 0; first <= details.length; first++) {
    const tail = details.slice(first).filter((d) => d !== "").map((d) => `  ${d}`).join("");
    const room = Math.min(BAR.max, width - head.length - percent.length - tail.length - 4);
    if (room >= BAR.min) {
      const filled = Math.round(fraction * room);
      return `${head} [${"█".repeat(filled)}${"░".repeat(room - filled)}] ${percent}${tail}`;
    }
  }
  return `${head} ${percent}`.slice(0, width);
}

/** Both divergences of N(mu, sigma²) against P on P's grid. */
function divergences(kl: KL, logP: Float64Array, x: Float64Array, mu: number, sigma: number): { forward: number; reverse: number } {
  const logits = x.map((v) => -(((v - mu) / sigma) ** 2) / 2);
  const options = { pSpace: "log", qSpace: "logits", normalize: true } as const;
  return { forward: kl.forward(logP, logits, options), reverse: kl.reverse(logP, logits, options) };
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows.map((r) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join("  ").trimEnd()).join("\n");
}

/** P filled with ░, each fit as a line of its mark, over P's grid; `width` columns of plot. */
function sketch(mixture: Mixture, fits: Array<{ direction: FitDirection; fit: GaussianFit }>, lo: number, hi: number, width: number): string {
  const height = 14;
  const x = Float64Array.from({ length: width }, (_, c) => lo + ((hi - lo) * (c + 0.5)) / width);
  const p = mixtureDensity(mixture, x);
  const qs = fits.map(({ direction, fit }) => ({
    direction,
    q: x.map((v) => Math.exp(-0.5 * ((v - fit.mu) / fit.sigma) ** 2) / (fit.sigma * Math.sqrt(2 * Math.PI))),
  }));
  const top = Math.max(...p, ...qs.flatMap(({ q }) => Array.from(q)));
  const grid = Array.from({ length: height }, () => new Array<string>(width).fill(" "));
  const rowOf = (y: number) => Math.min(height - 1, Math.max(0, height - 1 - Math.floor((y / top) * height * 0.999)));
  for (let c = 0; c < width; c++) {
    for (let r = 0; r < height; r++) if (p[c]! >= (top * (height - r - 0.5)) / height) grid[r]![c] = paint(COLORS.p, "░");
  }
  for (const { direction, q } of qs) {
    for (let c = 0; c < width; c++) {
      // Join each column to the next so that steep flanks stay connected.
      const [a, b] = [rowOf(q[c]!), rowOf(q[Math.min(width - 1, c + 1)]!)];
      const [from, to] = a <= b ? [a, Math.max(a, b - 1)] : [Math.max(b + 1, 0), a];
      for (let r = from; r <= to; r++) {
        if (q[c]! < top * 1e-3 && r === height - 1 && p[c]! < top * 1e-3) continue;
        grid[r]![c] = paint(COLORS[direction], MARKS[direction]);
      }
    }
  }
  const axis = `${lo.toFixed(1)}`.padEnd(width / 2 - 2) + `${((lo + hi) / 2).toFixed(1)}`.padEnd(width / 2 + 2 - `${hi.toFixed(1)}`.length) + `${hi.toFixed(1)}`;
  const legend = [
    `${paint(COLORS.p, "░")} P`,
    ...fits.map(({ direction, fit }) => `${paint(COLORS[direction], MARKS[direction])} Q by ${direction} KL = N(${fit.mu.toFixed(3)}, ${fit.sigma.toFixed(3)}²)`),
  ].join("   ");
  return [...grid.map((row) => `│${row.join("")}`), `└${"─".repeat(width)}`, ` ${axis}`, "", legend].join("\n");
}

async function fit(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      mixture: { type: "string", default: "0.5:-2:0.6,0.5:2:0.6" },
      direction: { type: "string", default: "both" },
      init: { type: "string" },
      steps: { type: "string" },
      "learning-rate": { type: "string" },
      tolerance: { type: "string" },
      points: { type: "string" },
      backend: { type: "string" },
      json: { type: "boolean", default: false },
      "no-sketch": { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
      version: { type: "boolean", short: "v", default: false },
    },
    strict: true,
  });
  if (values.help || values.version) {
    console.log(values.help ? FIT_USAGE : version());
    return;
  }
  const mixture = parseMixture(values.mixture!);
  const directions: FitDirection[] = values.direction === "both" ? ["forward", "reverse"]
    : values.direction === "forward" || values.direction === "reverse" ? [values.direction]
      : (() => { throw new UsageError(`--direction: "${values.direction}" is not forward, reverse or both`); })();
  let init: { mu: number; sigma: number } | undefined;
  if (values.init !== undefined) {
    const [mu, sigma] = parseFields(values.init, "init", ["mu", "sigma"]);
    init = { mu: mu!, sigma: sigma! };
  }
  const steps = parseNumber(values.steps, "steps", true) ?? ADAM_DEFAULTS.steps;
  const options = {
    init,
    steps,
    learningRate: parseNumber(values["learning-rate"], "learning-rate"),
    tolerance: parseNumber(values.tolerance, "tolerance"),
    grid: { points: parseNumber(values.points, "points", true) },
  };
  const kl = await backend(values.backend);

  const x = mixtureGrid(mixture, options.grid);
  const logP = mixtureLogDensity(mixture, x);
  const { mean, sigma } = mixtureMoments(mixture);
  const results: Array<{ direction: FitDirection; fit: GaussianFit; milliseconds: number }> = [];
  for (const direction of directions) {
    const progress = new Progress(direction, steps);
    const run = fitGaussianSteps(kl, mixture, { ...options, direction });
    const start = performance.now();
    for (;;) {
      const next = run.next();
      if (next.done) {
        progress.update(next.value.steps, next.value.kl, true, next.value.converged);
        results.push({ direction, fit: next.value, milliseconds: performance.now() - start });
        break;
      }
      progress.update(next.value.step, next.value.kl);
    }
  }

  const described = mixture.weights.length === 0 ? "" : Array.from(mixture.weights, (w, k) => `${w}·N(${mixture.means[k]}, ${mixture.sigmas[k]}²)`).join(" + ");
  const rows = results.map(({ direction, fit, milliseconds }) => ({ direction, ...fit, ...divergences(kl, logP, x, fit.mu, fit.sigma), milliseconds }));
  if (values.json) {
    console.log(JSON.stringify({
      backend: kl.backend, mixture, grid: { min: x[0], max: x[x.length - 1], points: x.length }, p: { mean, sigma },
      fits: rows.map(({ history: _history, ...row }) => row),
    }, null, 2));
    return;
  }
  console.log(`P = ${described}`);
  console.log(`grid: ${x.length} points over [${x[0]!.toFixed(3)}, ${x[x.length - 1]!.toFixed(3)}]; backend: ${kl.backend}\n`);
  console.log(table([
    ["", "μ", "σ", "D(P‖Q)", "D(Q‖P)", "steps", "converged", "ms/step"],
    ["P itself (mean, σ)", mean.toFixed(4), sigma.toFixed(4), "", "", "", "", ""],
    ...rows.map((r) => [
      `Q by ${r.direction} KL`, r.mu.toFixed(4), r.sigma.toFixed(4), r.forward.toFixed(4), r.reverse.toFixed(4),
      String(r.steps), r.converged ? "yes" : "no", (r.milliseconds / Math.max(1, r.history.length)).toFixed(3),
    ]),
  ]));
  // 72 columns, or what a narrower terminal has (less its axis and last column), kept even for the axis labels.
  const width = process.stdout.isTTY ? 2 * Math.floor(Math.max(24, Math.min(72, process.stdout.columns - 2)) / 2) : 72;
  if (!values["no-sketch"]) console.log(`\n${sketch(mixture, results, x[0]!, x[x.length - 1]!, width)}`);
}

/** `klwasm help [command]`, which answers --help and --version as every command does. */
function help(args: string[]): void {
  const { values, positionals } = parseArgs({
    args,
    options: { help: { type: "boolean", short: "h", default: false }, version: { type: "boolean", short: "v", default: false } },
    allowPositionals: true,
    strict: true,
  });
  if (values.version) return console.log(version());
  if (positionals.length > 1) throw new UsageError(`help takes one command, got ${positionals.length}`);
  const topic = values.help ? "help" : positionals[0] ?? "help";
  if (USAGES[topic] === undefined) throw new UsageError(`no command "${topic}": the commands are ${Object.keys(USAGES).join(" and ")}`);
  console.log(USAGES[topic]);
}

/** The flag behind each option the library checks, for its errors. */
const FLAGS: Record<string, string> = {
  "options.grid.points": "--points", "options.grid": "--points", "options.steps": "--steps", "options.learningRate": "--learning-rate",
  "options.tolerance": "--tolerance", "options.init.mu": "--init", "options.init.sigma": "--init",
  "target.weights": "--mixture", "target.means": "--mixture", "target.sigmas": "--mixture",
  // mixtureGrid and mixtureMoments name their own parameters.
  "grid.points": "--points", grid: "--points",
  "mixture.weights": "--mixture", "mixture.means": "--mixture", "mixture.sigmas": "--mixture",
  "options.init": "--init",
};

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (command === "fit") await fit(rest);
    else if (command === "-v" || command === "--version") console.log(version());
    else if (command === undefined || command === "-h" || command === "--help") console.log(USAGE);
    else if (command === "help") help(rest);
    else throw new UsageError(`unknown command "${command}"`);
    return 0;
  } catch (error) {
    // Bad arguments from parseArgs, ours, or a KLError from the library: say what in one line
    // (no stack: the user's input is at fault, not the program), and where the usage is.
    const usage = error instanceof UsageError || (error as { code?: string }).code?.startsWith("ERR_PARSE_ARGS");
    const library = (error as { name?: string }).name === "KLError";
    if (!usage && !library) throw error;
    const argument = (error as { argument?: string }).argument;
    const flag = library && argument !== undefined ? FLAGS[argument] : undefined;
    // A library error names the option as the library knows it: say the flag the user typed.
    const text = flag === undefined ? String((error as Error).message) : `${flag}: ${(error as Error).message.slice(argument!.length + 2)}`;
    const message = text.replace(/\s*\n\s*/g, " ");
    const help = command === "fit" ? "klwasm fit --help" : "klwasm --help";
    console.error(`klwasm: ${message}${usage ? ` (${help} for usage)` : ""}`);
    return 2;
  }
}

process.exitCode = await main(process.argv.slice(2));
