/**
 * The forward-versus-reverse demo: P is a Gaussian mixture set with sliders; Gaussians are
 * fitted to it by forward KL, by reverse KL and by Amari's α-divergence at the slider's α,
 * all from one start, a few optimiser steps per animation frame, on the Wasm backend or
 * (toggle) on referenceKL. Moving α refits from the α fit's current place (a warm start), so
 * that sliding back and forth shows the hysteresis between its two kinds of optimum; the
 * landscape panel draws A_α over (μ, log σ) with the fits on it.
 */
import {
  createKL, fitGaussianSteps, gaussianAlpha, gaussianKL, gaussianRenyi, mixtureDensity, mixtureGrid, mixtureLogDensity, mixtureMoments, referenceKL,
  type FitOptions, type FitState, type KL, type Mixture,
} from "../src/index.js";
import { drawLandscape, Landscape, pointAt, type Overlay } from "./landscape.js";
import { drawPlot } from "./plot.js";
import { plotRange } from "./range.js";
import { VIPanel } from "./vi-panel.js";

interface Mode {
  weight: number;
  mean: number;
  sigma: number;
}

type FitName = "forward" | "reverse" | "alpha";

const MAX_MODES = 3;
/** Evaluations per fit per animation frame: fast enough to follow the α slider, slow enough to watch. */
const STEPS_PER_FRAME = 12;
/** The α the page opens with: Amari's ½, the middle of the family (4·(1 − Σ√(pq)), symmetric). */
const DEFAULT_ALPHA = 0.5;
/** The most points of the α fit's path kept (the latest): sliding α back and forth adds a few hundred per move. */
const MAX_PATH = 20_000;
const COLORS = { p: "#7a7a7a", forward: "#1f6fd1", reverse: "#d1501f", alpha: "#1a9e50", start: "#fff" };

// The default P: 0.6·N(−2, 0.6²) + 0.4·N(2, 0.8²), the α fit's test target (tests/fit/alpha-fit.test.ts).
const modes: Mode[] = [
  { weight: 0.6, mean: -2, sigma: 0.6 },
  { weight: 0.4, mean: 2, sigma: 0.8 },
  { weight: 0.3, mean: -6, sigma: 0.8 },
];
let modeCount = 2;

const byId = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const byTestId = (id: string) => document.querySelector<HTMLElement>(`[data-testid="${id}"]`)!;

/** A plain number for the page (and its tests): fixed decimals, never "-0.0000". */
function format(value: number, digits = 4): string {
  if (!Number.isFinite(value)) return value === Infinity ? "∞" : String(value);
  const text = value.toFixed(digits);
  return Number(text) === 0 ? (0).toFixed(digits) : text;
}

function mixture(): Mixture {
  const active = modes.slice(0, modeCount);
  return { weights: active.map((m) => m.weight), means: active.map((m) => m.mean), sigmas: active.map((m) => m.sigma) };
}

/**
 * Where every fit starts: centred on P's heaviest component and half as wide as P. Not on
 * either fit's optimum, and inside the basin of that mode for the zero-forcing fits.
 */
function defaultStart(target: Mixture): { mu: number; sigma: number } {
  const weights = Array.from(target.weights);
  const heaviest = weights.indexOf(Math.max(...weights));
  return { mu: target.means[heaviest]!, sigma: mixtureMoments(target).sigma / 2 };
}

/** One fit in progress: its steps, its latest state, its path over (μ, σ), and the time its steps took. */
class FitRun {
  private readonly steps: Generator<FitState, unknown, boolean | void>;
  state: FitState;
  done = false;
  milliseconds = 0;
  evaluations = 0;

  constructor(kl: KL, target: Mixture, options: FitOptions, readonly path: Array<{ mu: number; sigma: number }> = []) {
    this.steps = fitGaussianSteps(kl, target, options);
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
        this.path.push({ mu: next.value.mu, sigma: next.value.sigma });
        if (this.path.length > MAX_PATH) this.path.splice(0, this.path.length - MAX_PATH);
        this.evaluations++;
      }
    }
    return this.state;
  }
}

let wasm: KL;
let kl: KL;
let target: Mixture;
let start: { mu: number; sigma: number };
let alpha = DEFAULT_ALPHA;
let runs: Record<FitName, FitRun>;
let landscape: Landscape;
let landscapeValues: Float64Array | undefined;
let landscapeMilliseconds = 0;
let frameRequested = false;
let viPanel: VIPanel | undefined;
const timings = new Map<string, number>();

/** P on its fit grid, normalised in log space: what the table's divergences compare each Q with. */
let gridTarget: { x: Float64Array; logP: Float64Array };

function setGridTarget(): void {
  const x = mixtureGrid(target);
  const logP = mixtureLogDensity(target, x);
  let max = -Infinity;
  for (const v of logP) max = Math.max(max, v);
  let sum = 0;
  for (const v of logP) sum += Math.exp(v - max);
  const shift = max + Math.log(sum);
  gridTarget = { x, logP: logP.map((v) => v - shift) };
}

/** D(P‖Q), D(Q‖P) and A_α(P‖Q) of Q = N(mu, sigma²) against P on P's grid, from Q's logits. */
function divergences(mu: number, sigma: number): { forward: number; reverse: number; alpha: number } {
  const { x, logP } = gridTarget;
  const logits = x.map((v) => -(((v - mu) / sigma) ** 2) / 2);
  const options = { pSpace: "log", qSpace: "logits" } as const;
  return {
    forward: kl.forward(logP, logits, options),
    reverse: kl.reverse(logP, logits, options),
    alpha: kl.alphaDivergence(logP, logits, { ...options, alpha }),
  };
}

function normal(x: Float64Array, mu: number, sigma: number): Float64Array {
  return x.map((v) => Math.exp(-0.5 * ((v - mu) / sigma) ** 2) / (sigma * Math.sqrt(2 * Math.PI)));
}

function render(): void {
  const { mean, sigma } = mixtureMoments(target);
  byTestId("p-mean").textContent = format(mean);
  byTestId("p-sigma").textContent = format(sigma);
  byTestId("backend").textContent = kl.backend;
  document.querySelectorAll(".alpha-now").forEach((text) => { text.textContent = format(alpha, 2); });
  byTestId("start").textContent = `μ = ${format(start.mu, 2)}, σ = ${format(start.sigma, 2)}`;

  // The axis follows P: wide modes are drawn whole, narrow ones with enough points.
  const plot = plotRange(target);
  const x = Float64Array.from({ length: plot.points }, (_, i) => plot.xMin + ((plot.xMax - plot.xMin) * i) / (plot.points - 1));
  const p = mixtureDensity(target, x);
  const curves = [{ label: "P, the target mixture", color: COLORS.p, x, y: p, fill: true }];
  let yMax = Math.max(...p);
  for (const name of ["forward", "reverse", "alpha"] as const) {
    const { mu, sigma: s, step } = runs[name].state;
    const d = divergences(mu, s);
    byTestId(`${name}-mu`).textContent = format(mu);
    byTestId(`${name}-sigma`).textContent = format(s);
    byTestId(`${name}-dpq`).textContent = format(d.forward);
    byTestId(`${name}-dqp`).textContent = format(d.reverse);
    byTestId(`${name}-amari`).textContent = format(d.alpha);
    byTestId(`${name}-steps`).textContent = String(step);
    const q = normal(x, mu, s);
    yMax = Math.max(yMax, 1 / (s * Math.sqrt(2 * Math.PI)));
    const label = name === "alpha" ? `A_α, α = ${format(alpha, 2)}` : `${name} KL`;
    curves.push({
      label: `Q by ${label}: N(${format(mu, 2)}, ${format(s, 2)}²)`,
      color: COLORS[name], x, y: q, fill: false, marker: mu,
    } as (typeof curves)[number]);
  }
  const canvas = byId<HTMLCanvasElement>("plot");
  Object.assign(canvas.dataset, { xMin: String(plot.xMin), xMax: String(plot.xMax) }); // for the page's tests
  drawPlot(canvas, curves, { xMin: plot.xMin, xMax: plot.xMax, yMax: 1.1 * Math.min(yMax, 3 * Math.max(...p)), xLabel: "x", yLabel: "density" });

  if (landscapeValues) {
    const end = (name: FitName) => ({ mu: runs[name].state.mu, sigma: runs[name].state.sigma });
    // The α fit's path first, so that the other fits' points show where they coincide with it.
    const overlays: Overlay[] = [
      { color: COLORS.alpha, label: `A_α's fit and its path (α = ${format(alpha, 2)})`, points: [start, ...runs.alpha.path] },
      { color: COLORS.forward, label: "forward KL's fit", points: [end("forward")] },
      { color: COLORS.reverse, label: "reverse KL's fit", points: [end("reverse")] },
      { color: COLORS.start, label: "the fits' start (click to move it)", points: [start], ring: true },
    ];
    const canvas = byId<HTMLCanvasElement>("landscape");
    drawLandscape(canvas, landscape, landscapeValues, overlays);
    // For the page's tests: the map's lowest cell.
    let lowest = 0;
    landscapeValues.forEach((v, k) => { if (v < landscapeValues![lowest]!) lowest = k; });
    const { mu, logSigma } = landscape.cell(lowest);
    Object.assign(canvas.dataset, { lowestMu: String(mu), lowestSigma: String(Math.exp(logSigma)), alpha: String(alpha) });
  }
  byId("landscape-ms").textContent = format(landscapeMilliseconds, 1);
  byId("landscape-points").textContent = String(landscape.x.length);

  const all = Object.values(runs);
  const evaluations = all.reduce((n, r) => n + r.evaluations, 0);
  const perStep = all.reduce((t, r) => t + r.milliseconds, 0) / Math.max(1, evaluations);
  byTestId("ms-per-step").textContent = format(perStep, 3);
  const done = all.every((r) => r.done);
  if (done) timings.set(kl.backend, perStep);
  byId("timings").textContent = timings.size > 1
    ? `; last full fits: ${[...timings].map(([b, t]) => `${b} ${format(t, 3)} ms`).join(", ")}`
    : "";
  byId("grid-points").textContent = String(gridTarget.x.length);
  byId("status").textContent = done ? "converged" : "running";
}

/** A_α over the landscape's grid for the current α: one call, timed. */
function computeLandscape(): void {
  const begin = performance.now();
  landscapeValues = landscape.values(kl, alpha);
  landscapeMilliseconds = performance.now() - begin;
}

function frame(): void {
  frameRequested = false;
  for (const run of Object.values(runs)) run.advance(STEPS_PER_FRAME);
  if (!landscapeValues) computeLandscape();
  render();
  if (!Object.values(runs).every((r) => r.done)) requestFrame();
}

function requestFrame(): void {
  if (frameRequested) return;
  frameRequested = true;
  requestAnimationFrame(frame);
}

/** New fits of the current mixture, all from `start`; the α fit's path begins again. */
function restart(): void {
  const init = { ...start };
  runs = {
    forward: new FitRun(kl, target, { direction: "forward", init }),
    reverse: new FitRun(kl, target, { direction: "reverse", init }),
    alpha: new FitRun(kl, target, { direction: "alpha", alpha, init }),
  };
  landscapeValues = undefined;
  render();
  requestFrame();
}

/** A new P: its grids, the landscape's Gaussians, the default start, and new fits. */
function newTarget(): void {
  target = mixture();
  setGridTarget();
  landscape = new Landscape(target);
  start = defaultStart(target);
  restart();
  viPanel?.setTarget(target);
}

/** A new α: the α fit continues from where it is (its path too), and the landscape is redrawn for it. */
function newAlpha(value: number): void {
  alpha = value;
  const { mu, sigma } = runs.alpha.state;
  runs.alpha = new FitRun(kl, target, { direction: "alpha", alpha, init: { mu, sigma } }, runs.alpha.path);
  landscapeValues = undefined;
  renderSeed();
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
    newTarget();
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
    newTarget();
  });
  showCount();
  byId<HTMLInputElement>("use-reference").addEventListener("change", (event) => {
    kl = (event.target as HTMLInputElement).checked ? referenceKL : wasm;
    renderSeed();
    restart();
  });
  byId("restart").addEventListener("click", () => {
    start = defaultStart(target);
    restart();
  });

  const alphaInput = byId<HTMLInputElement>("alpha");
  alphaInput.value = String(DEFAULT_ALPHA);
  alphaInput.addEventListener("input", () => newAlpha(Number(alphaInput.value)));

  const canvas = byId<HTMLCanvasElement>("landscape");
  canvas.addEventListener("click", (event) => {
    const box = canvas.getBoundingClientRect();
    const point = pointAt(canvas, landscape.axes, event.clientX - box.left, event.clientY - box.top);
    if (!point) return;
    start = point;
    restart();
  });
}

/** The seed example's readings of "N(0, 2) against N(0, 3)": 2 and 3 as variances, and as standard deviations. */
const READINGS = [
  { key: "variance", name: "2 and 3 are variances", p: "N(0, σ = √2)", q: "N(0, σ = √3)", s1: Math.SQRT2, s2: Math.sqrt(3) },
  { key: "sd", name: "2 and 3 are standard deviations", p: "N(0, σ = 2)", q: "N(0, σ = 3)", s1: 2, s2: 3 },
];

/**
 * The seed example, each reading's closed forms beside the library's values on a grid, both
 * directions: KL (gaussianKL), and at the slider's α Rényi's D_α (gaussianRenyi; α ≥ 0 only)
 * and Amari's A_α (gaussianAlpha), all in standard deviations.
 */
function renderSeed(): void {
  const points = 6001;
  const x = Float64Array.from({ length: points }, (_, i) => -30 + (60 * i) / (points - 1));
  const discrete = (s: number) => {
    const d = normal(x, 0, s);
    const total = d.reduce((a, b) => a + b, 0);
    return d.map((v) => v / total);
  };
  const divergences = [
    { key: "", name: "KL", closed: (s1: number, s2: number) => gaussianKL(0, s1, 0, s2), grid: (p: Float64Array, q: Float64Array) => kl.kl(p, q) },
    {
      key: "renyi-", name: `Rényi D_α, α = ${format(alpha, 2)}`,
      closed: (s1: number, s2: number) => (alpha < 0 ? NaN : gaussianRenyi(0, s1, 0, s2, alpha)),
      grid: (p: Float64Array, q: Float64Array) => (alpha < 0 ? NaN : kl.renyi(p, q, { alpha })),
    },
    {
      key: "alpha-", name: `Amari A_α, α = ${format(alpha, 2)}`,
      closed: (s1: number, s2: number) => gaussianAlpha(0, s1, 0, s2, alpha),
      grid: (p: Float64Array, q: Float64Array) => kl.alphaDivergence(p, q, { alpha }),
    },
  ];
  const rows = byId("seed-rows");
  rows.replaceChildren();
  for (const r of READINGS) {
    const [p, q] = [discrete(r.s1), discrete(r.s2)];
    for (const d of divergences) {
      const shown = (value: number) => (Number.isNaN(value) ? "—" : format(value, 6));
      const cells: Array<string | [string, string]> = [
        r.name, r.p, r.q, d.name,
        [shown(d.closed(r.s1, r.s2)), `seed-${r.key}-${d.key}forward-closed`],
        [shown(d.grid(p, q)), `seed-${r.key}-${d.key}forward-grid`],
        [shown(d.closed(r.s2, r.s1)), `seed-${r.key}-${d.key}reverse-closed`],
        [shown(d.grid(q, p)), `seed-${r.key}-${d.key}reverse-grid`],
      ];
      const tr = document.createElement("tr");
      cells.forEach((cell, k) => {
        const td = document.createElement(k === 0 ? "th" : "td");
        if (typeof cell === "string") td.textContent = cell;
        else {
          td.textContent = cell[0];
          td.dataset.testid = cell[1];
        }
        tr.append(td);
      });
      rows.append(tr);
    }
  }
  byId("seed-points").textContent = String(points);
}

async function main(): Promise<void> {
  wasm = await createKL();
  kl = wasm;
  buildControls();
  renderSeed();
  viPanel = new VIPanel();
  newTarget();
  window.addEventListener("resize", render);
}

main().catch((error: unknown) => {
  byId("status").textContent = `failed: ${String(error)}`;
  console.error(error);
});
