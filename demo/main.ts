/**
 * The forward-versus-reverse demo: P is a Gaussian mixture set with sliders; two Gaussians
 * are fitted to it, one by forward KL and one by reverse KL, a few optimiser steps per
 * animation frame, on the Wasm backend or (toggle) on referenceKL.
 */
import {
  createKL, fitGaussianSteps, mixtureDensity, mixtureGrid, mixtureLogDensity, mixtureMoments, referenceKL,
  type FitDirection, type FitState, type KL, type Mixture,
} from "../src/index.js";
import { drawPlot } from "./plot.js";
import { plotRange } from "./range.js";

interface Mode {
  weight: number;
  mean: number;
  sigma: number;
}

const MAX_MODES = 3;
const STEPS_PER_FRAME = 4;
const COLORS = { p: "#7a7a7a", forward: "#1f6fd1", reverse: "#d1501f" };

const modes: Mode[] = [
  { weight: 0.5, mean: -2, sigma: 0.6 },
  { weight: 0.5, mean: 2, sigma: 0.6 },
  { weight: 0.3, mean: -6, sigma: 0.8 },
];
let modeCount = 2;

const byId = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const byTestId = (id: string) => document.querySelector<HTMLElement>(`[data-testid="${id}"]`)!;

/** A plain number for the page (and its tests): fixed decimals, never "-0.0000". */
function format(value: number, digits = 4): string {
  if (!Number.isFinite(value)) return String(value);
  const text = value.toFixed(digits);
  return Number(text) === 0 ? (0).toFixed(digits) : text;
}

function mixture(): Mixture {
  const active = modes.slice(0, modeCount);
  return { weights: active.map((m) => m.weight), means: active.map((m) => m.mean), sigmas: active.map((m) => m.sigma) };
}

/** One fit in progress: its steps, its latest state, and the time its steps took. */
class FitRun {
  readonly direction: FitDirection;
  private readonly steps: Generator<FitState, unknown, boolean | void>;
  state: FitState;
  done = false;
  milliseconds = 0;
  evaluations = 0;

  constructor(kl: KL, target: Mixture, direction: FitDirection) {
    this.direction = direction;
    this.steps = fitGaussianSteps(kl, target, { direction });
    this.state = this.advance(1)!;
  }

  /** Runs up to `count` evaluations; returns the latest state. */
  advance(count: number): FitState {
    for (let i = 0; i < count && !this.done; i++) {
      const start = performance.now();
      const next = this.steps.next();
      this.milliseconds += performance.now() - start;
      if (next.done) this.done = true;
      else {
        this.state = next.value;
        this.evaluations++;
      }
    }
    return this.state;
  }
}

let wasm: KL;
let kl: KL;
let runs: FitRun[] = [];
let frameRequested = false;
const timings = new Map<string, number>();

/** Both divergences of Q = N(mu, sigma²) against P on P's grid, from Q's logits. */
function divergences(target: Mixture, mu: number, sigma: number): { forward: number; reverse: number } {
  const x = mixtureGrid(target);
  const logP = mixtureLogDensity(target, x);
  let max = -Infinity;
  for (const v of logP) max = Math.max(max, v);
  let sum = 0;
  for (const v of logP) sum += Math.exp(v - max);
  const shift = max + Math.log(sum);
  const target01 = logP.map((v) => v - shift);
  const logits = x.map((v) => -(((v - mu) / sigma) ** 2) / 2);
  const options = { pSpace: "log", qSpace: "logits" } as const;
  return { forward: kl.forward(target01, logits, options), reverse: kl.reverse(target01, logits, options) };
}

function normal(x: Float64Array, mu: number, sigma: number): Float64Array {
  return x.map((v) => Math.exp(-0.5 * ((v - mu) / sigma) ** 2) / (sigma * Math.sqrt(2 * Math.PI)));
}

function render(): void {
  const target = mixture();
  const { mean, sigma } = mixtureMoments(target);
  byTestId("p-mean").textContent = format(mean);
  byTestId("p-sigma").textContent = format(sigma);
  byTestId("backend").textContent = kl.backend;

  // The axis follows P: wide modes are drawn whole, narrow ones with enough points.
  const plot = plotRange(target);
  const x = Float64Array.from({ length: plot.points }, (_, i) => plot.xMin + ((plot.xMax - plot.xMin) * i) / (plot.points - 1));
  const p = mixtureDensity(target, x);
  const curves = [{ label: "P, the target mixture", color: COLORS.p, x, y: p, fill: true }];
  let yMax = Math.max(...p);
  for (const run of runs) {
    const { mu, sigma: s } = run.state;
    const d = divergences(target, mu, s);
    const name = run.direction;
    byTestId(`${name}-mu`).textContent = format(mu);
    byTestId(`${name}-sigma`).textContent = format(s);
    byTestId(`${name}-dpq`).textContent = format(d.forward);
    byTestId(`${name}-dqp`).textContent = format(d.reverse);
    byTestId(`${name}-steps`).textContent = String(run.state.step);
    const q = normal(x, mu, s);
    yMax = Math.max(yMax, 1 / (s * Math.sqrt(2 * Math.PI)));
    curves.push({
      label: `Q by ${name} KL: N(${format(mu, 2)}, ${format(s, 2)}²)`,
      color: COLORS[name], x, y: q, fill: false, marker: mu,
    } as (typeof curves)[number]);
  }
  const canvas = byId<HTMLCanvasElement>("plot");
  Object.assign(canvas.dataset, { xMin: String(plot.xMin), xMax: String(plot.xMax) }); // for the page's tests
  drawPlot(canvas, curves, { xMin: plot.xMin, xMax: plot.xMax, yMax: 1.1 * Math.min(yMax, 3 * Math.max(...p)), xLabel: "x", yLabel: "density" });

  const evaluations = runs.reduce((n, r) => n + r.evaluations, 0);
  const perStep = runs.reduce((t, r) => t + r.milliseconds, 0) / Math.max(1, evaluations);
  byTestId("ms-per-step").textContent = format(perStep, 3);
  const done = runs.every((r) => r.done);
  if (done) timings.set(kl.backend, perStep);
  byId("timings").textContent = timings.size > 1
    ? `; last full fits: ${[...timings].map(([b, t]) => `${b} ${format(t, 3)} ms`).join(", ")}`
    : "";
  byId("grid-points").textContent = String(mixtureGrid(target).length);
  byId("status").textContent = done ? "converged" : "running";
}

function frame(): void {
  frameRequested = false;
  for (const run of runs) run.advance(STEPS_PER_FRAME);
  render();
  if (!runs.every((r) => r.done)) requestFrame();
}

function requestFrame(): void {
  if (frameRequested) return;
  frameRequested = true;
  requestAnimationFrame(frame);
}

/** New fits of the current mixture, from their default starts. */
function restart(): void {
  const target = mixture();
  runs = (["forward", "reverse"] as const).map((direction) => new FitRun(kl, target, direction));
  render();
  requestFrame();
}

function slider(label: string, testId: string, min: number, max: number, step: number, value: number, onInput: (v: number) => void): HTMLLabelElement {
  const row = document.createElement("label");
  row.className = "row";
  const input = Object.assign(document.createElement("input"), { type: "range", min: String(min), max: String(max), step: String(step), value: String(value) });
  input.dataset.testid = testId;
  const output = document.createElement("output");
  output.textContent = String(value);
  input.addEventListener("input", () => {
    output.textContent = input.value;
    onInput(Number(input.value));
    restart();
  });
  row.append(label, input, output);
  return row;
}

function buildControls(): void {
  const container = byId("mode-controls");
  const fieldsets = modes.map((mode, k) => {
    const fieldset = document.createElement("fieldset");
    const legend = document.createElement("legend");
    legend.textContent = `mode ${k + 1}`;
    fieldset.append(
      legend,
      slider("weight", `mode-${k}-weight`, 0.05, 1, 0.05, mode.weight, (v) => { mode.weight = v; }),
      slider("mean", `mode-${k}-mean`, -8, 8, 0.1, mode.mean, (v) => { mode.mean = v; }),
      slider("width σ", `mode-${k}-sigma`, 0.2, 3, 0.05, mode.sigma, (v) => { mode.sigma = v; }),
    );
    container.append(fieldset);
    return fieldset;
  });
  const count = byId<HTMLInputElement>("modes");
  const showCount = () => {
    byId("modes-value").textContent = String(modeCount);
    fieldsets.forEach((f, k) => { f.disabled = k >= modeCount; });
  };
  count.max = String(MAX_MODES);
  count.addEventListener("input", () => {
    modeCount = Number(count.value);
    showCount();
    restart();
  });
  showCount();
  byId<HTMLInputElement>("use-reference").addEventListener("change", (event) => {
    kl = (event.target as HTMLInputElement).checked ? referenceKL : wasm;
    renderSeed();
    restart();
  });
  byId("restart").addEventListener("click", restart);
}

/** D(N(mu1, s1²)‖N(mu2, s2²)) = log(s2/s1) + (s1² + (mu1 − mu2)²)/(2 s2²) − ½, s the standard deviations. */
function normalKL(mu1: number, s1: number, mu2: number, s2: number): number {
  return Math.log(s2 / s1) + (s1 * s1 + (mu1 - mu2) ** 2) / (2 * s2 * s2) - 0.5;
}

/** The seed example, closed form beside the library's value on a grid, both readings, both directions. */
function renderSeed(): void {
  const points = 6001;
  const x = Float64Array.from({ length: points }, (_, i) => -30 + (60 * i) / (points - 1));
  const discrete = (s: number) => {
    const d = normal(x, 0, s);
    const total = d.reduce((a, b) => a + b, 0);
    return d.map((v) => v / total);
  };
  const readings = [
    { key: "variance", name: "2 and 3 are variances", p: "N(0, σ = √2)", q: "N(0, σ = √3)", s1: Math.SQRT2, s2: Math.sqrt(3) },
    { key: "sd", name: "2 and 3 are standard deviations", p: "N(0, σ = 2)", q: "N(0, σ = 3)", s1: 2, s2: 3 },
  ];
  const rows = byId("seed-rows");
  rows.replaceChildren();
  for (const r of readings) {
    const [p, q] = [discrete(r.s1), discrete(r.s2)];
    const cells = [
      r.name, r.p, r.q,
      [format(normalKL(0, r.s1, 0, r.s2), 6), `seed-${r.key}-forward-closed`],
      [format(kl.forward(p, q), 6), `seed-${r.key}-forward-grid`],
      [format(normalKL(0, r.s2, 0, r.s1), 6), `seed-${r.key}-reverse-closed`],
      [format(kl.reverse(p, q), 6), `seed-${r.key}-reverse-grid`],
    ];
    const tr = document.createElement("tr");
    for (const cell of cells) {
      const td = document.createElement(typeof cell === "string" && cell === r.name ? "th" : "td");
      if (typeof cell === "string") td.textContent = cell;
      else {
        td.textContent = cell[0]!;
        td.dataset.testid = cell[1]!;
      }
      tr.append(td);
    }
    rows.append(tr);
  }
  byId("seed-points").textContent = String(points);
}

async function main(): Promise<void> {
  wasm = await createKL();
  kl = wasm;
  buildControls();
  renderSeed();
  restart();
  window.addEventListener("resize", render);
}

main().catch((error: unknown) => {
  byId("status").textContent = `failed: ${String(error)}`;
  console.error(error);
});
