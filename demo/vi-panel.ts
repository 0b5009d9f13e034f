/**
 * The variational-inference panel (SVG): the page's mixture P fitted by fitGaussianVI from a
 * start the user sets, with the last steps' Q as ticks and the objective's trace beside log Z;
 * and the PRML Fig. 10.2 picture of mean-field versus full-rank VI on a correlated Gaussian.
 * Each fit takes tens of milliseconds, so it runs once per change, in the next animation frame.
 */
import { mixtureDensity, type Mixture, type VIObjective } from "../src/index.js";
import { ticks } from "./plot.js";
import { plotRange } from "./range.js";
import { ellipse, fitCorrelated2D, fitMixture1D, LAST_STEPS, type Fit1D, type Fit2D } from "./vi.js";

const COLORS = { p: "#7a7a7a", q: "#7b3fb8", meanField: "#d1501f", fullRank: "#1f6fd1", logZ: "#1a9e50" };
const SVG = "http://www.w3.org/2000/svg";
const MARGIN = { left: 46, right: 12, top: 10, bottom: 34 };

const byTestId = (id: string) => document.querySelector<HTMLElement>(`[data-testid="${id}"]`)!;

/** Fixed decimals, never "-0.000". */
function format(value: number, digits = 3): string {
  if (!Number.isFinite(value)) return String(value);
  const text = value.toFixed(digits);
  return Number(text) === 0 ? (0).toFixed(digits) : text;
}

function element<K extends keyof SVGElementTagNameMap>(tag: K, attributes: Record<string, string | number>, text?: string): SVGElementTagNameMap[K] {
  const node = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, String(value));
  if (text !== undefined) node.textContent = text;
  return node;
}

/** An empty chart: its SVG's size, axes with ticks and labels, and the maps from data to pixels. */
function axes(svg: SVGSVGElement, box: { xMin: number; xMax: number; yMin: number; yMax: number }, labels: { x: string; y: string }, equal = false) {
  const width = Number(svg.getAttribute("width"));
  const height = Number(svg.getAttribute("height"));
  svg.replaceChildren();
  svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
  let plotWidth = width - MARGIN.left - MARGIN.right;
  let plotHeight = height - MARGIN.top - MARGIN.bottom;
  if (equal) plotWidth = plotHeight = Math.min(plotWidth, plotHeight);
  const px = (x: number) => MARGIN.left + ((x - box.xMin) / (box.xMax - box.xMin)) * plotWidth;
  const py = (y: number) => MARGIN.top + plotHeight - ((y - box.yMin) / (box.yMax - box.yMin)) * plotHeight;
  const grid = element("g", { class: "grid" });
  for (const t of ticks(box.xMin, box.xMax, equal ? 6 : 8)) {
    grid.append(element("line", { x1: px(t), x2: px(t), y1: MARGIN.top, y2: MARGIN.top + plotHeight }));
    grid.append(element("text", { x: px(t), y: MARGIN.top + plotHeight + 14, "text-anchor": "middle" }, String(Number(t.toPrecision(6)))));
  }
  for (const t of ticks(box.yMin, box.yMax, 5)) {
    grid.append(element("line", { x1: MARGIN.left, x2: MARGIN.left + plotWidth, y1: py(t), y2: py(t) }));
    grid.append(element("text", { x: MARGIN.left - 5, y: py(t) + 4, "text-anchor": "end" }, String(Number(t.toPrecision(6)))));
  }
  grid.append(element("rect", { x: MARGIN.left, y: MARGIN.top, width: plotWidth, height: plotHeight, class: "frame" }));
  grid.append(element("text", { x: MARGIN.left + plotWidth / 2, y: MARGIN.top + plotHeight + 30, "text-anchor": "middle" }, labels.x));
  grid.append(element("text", { x: 12, y: MARGIN.top + plotHeight / 2, "text-anchor": "middle", transform: `rotate(-90 12 ${MARGIN.top + plotHeight / 2})` }, labels.y));
  svg.append(grid);
  const path = (points: Array<[number, number]>) => points.map(([x, y], k) => `${k === 0 ? "M" : "L"}${px(x).toFixed(2)},${py(y).toFixed(2)}`).join("");
  /** The data x under a client x (for clicks), or undefined outside the plot area. */
  const xAt = (clientX: number) => {
    const rect = svg.getBoundingClientRect();
    const u = ((clientX - rect.left) * (width / rect.width) - MARGIN.left) / plotWidth;
    return u >= 0 && u <= 1 ? box.xMin + u * (box.xMax - box.xMin) : undefined;
  };
  return { px, py, path, xAt, plotWidth, plotHeight };
}

/** A legend with a white backing (so that it reads over the data), its first row's line at height y. */
function legend(svg: SVGSVGElement, x: number, y: number, rows: Array<{ color: string; label: string; dash?: boolean }>): void {
  const longest = Math.max(...rows.map((row) => row.label.length));
  svg.append(element("rect", { x: x - 4, y: y - 9, width: 30 + 5.8 * longest, height: 16 * rows.length + 2, fill: "#fff", "fill-opacity": 0.85 }));
  rows.forEach((row, k) => {
    const top = y + 16 * k;
    svg.append(element("line", { x1: x, x2: x + 18, y1: top, y2: top, stroke: row.color, "stroke-width": 2.5, ...(row.dash ? { "stroke-dasharray": "5 3" } : {}) }));
    svg.append(element("text", { x: x + 24, y: top + 4, class: "legend" }, row.label));
  });
}

/** The panel's state: the target (from the page), the start, the objective; the latest fits. */
export class VIPanel {
  private target: Mixture | undefined;
  private start = { mu: -1.5, sigma: 1 };
  private objective: VIObjective = "elbo";
  private alpha = 0.5;
  private rho = 0.9;
  private pending = false;
  private pending2D = true;
  private last: Fit1D | undefined;
  private last2D: Fit2D | undefined;
  private clickToX: ((clientX: number) => number | undefined) | undefined;

  constructor() {
    const input = (id: string) => byTestId(id) as HTMLInputElement;
    const startMu = input("vi-start-mu");
    const startSigma = input("vi-start-sigma");
    startMu.value = String(this.start.mu);
    startSigma.value = String(this.start.sigma);
    const readStart = () => {
      const [mu, sigma] = [Number(startMu.value), Number(startSigma.value)];
      if (Number.isFinite(mu) && Number.isFinite(sigma) && sigma > 0) this.start = { mu, sigma };
      this.schedule();
    };
    startMu.addEventListener("change", readStart);
    startSigma.addEventListener("change", readStart);
    const objective = byTestId("vi-objective") as HTMLSelectElement;
    const alpha = input("vi-alpha");
    alpha.value = String(this.alpha);
    const readObjective = () => {
      this.objective = objective.value as VIObjective;
      alpha.disabled = this.objective !== "renyi";
      if (Number.isFinite(Number(alpha.value)) && alpha.value.trim() !== "") this.alpha = Number(alpha.value);
      this.schedule();
    };
    objective.addEventListener("change", readObjective);
    alpha.addEventListener("change", readObjective);
    alpha.disabled = true;
    byTestId("vi-plot").addEventListener("click", (event) => {
      const x = this.clickToX?.((event as MouseEvent).clientX);
      if (x === undefined) return;
      this.start = { ...this.start, mu: Number(x.toFixed(2)) };
      startMu.value = String(this.start.mu);
      this.schedule();
    });
    const rho = input("vi-rho");
    rho.value = String(this.rho);
    rho.addEventListener("change", () => {
      const value = Number(rho.value);
      if (Number.isFinite(value) && Math.abs(value) < 1) this.rho = value;
      this.pending2D = true;
      this.schedule();
    });
  }

  /** A new P from the page's sliders: refit (once, in the next frame, however many moves came first). */
  setTarget(target: Mixture): void {
    this.target = target;
    this.schedule();
  }

  private schedule(): void {
    byTestId("vi-status").textContent = "fitting";
    if (this.pending) return;
    this.pending = true;
    requestAnimationFrame(() => {
      this.pending = false;
      try {
        if (this.target) this.last = fitMixture1D(this.target, this.start, this.objective, this.alpha);
        if (this.pending2D) {
          this.last2D = fitCorrelated2D(this.rho);
          this.pending2D = false;
        }
        this.render();
        byTestId("vi-status").textContent = "done";
      } catch (error) {
        byTestId("vi-status").textContent = `failed: ${String(error)}`;
      }
    });
  }

  private render(): void {
    if (this.target && this.last) {
      this.renderDensity(this.target, this.last);
      this.renderTrace(this.last);
      this.renderNumbers(this.last);
    }
    if (this.last2D) this.render2D(this.last2D);
  }

  private renderDensity(target: Mixture, fit: Fit1D): void {
    const svg = byTestId("vi-plot") as unknown as SVGSVGElement;
    const range = plotRange(target);
    const xs = Float64Array.from({ length: 600 }, (_, i) => range.xMin + ((range.xMax - range.xMin) * i) / 599);
    const p = mixtureDensity(target, xs);
    const q = xs.map((x) => Math.exp(-0.5 * ((x - fit.mu) / fit.sigma) ** 2) / (fit.sigma * Math.sqrt(2 * Math.PI)));
    const yMax = 1.1 * Math.min(Math.max(...p, ...q), 3 * Math.max(...p));
    const chart = axes(svg, { xMin: range.xMin, xMax: range.xMax, yMin: 0, yMax }, { x: "x (click to start μ there)", y: "density" });
    this.clickToX = chart.xAt;
    // For the page's tests: the x-range and the plot area's left edge and width, in the SVG's units.
    Object.assign(svg.dataset, { xMin: String(range.xMin), xMax: String(range.xMax), plotLeft: String(MARGIN.left), plotWidth: String(chart.plotWidth) });
    const clip = (y: number) => Math.min(y, yMax);
    const pPath = Array.from(xs, (x, i) => [x, p[i]!] as [number, number]);
    svg.append(element("path", { d: `${chart.path([[range.xMin, 0], ...pPath, [range.xMax, 0]])}Z`, fill: COLORS.p, "fill-opacity": 0.25, stroke: COLORS.p, "stroke-width": 1.5 }));
    svg.append(element("path", { d: chart.path(Array.from(xs, (x, i) => [x, clip(q[i]!)] as [number, number])), fill: "none", stroke: COLORS.q, "stroke-width": 2.5, "data-testid": "vi-q-curve" }));
    // The last steps' draws: one row of ticks per step at the bottom, oldest faintest.
    const rows = element("g", { "data-testid": "vi-ticks" });
    fit.lastDraws.forEach((draw, k) => {
      const base = chart.py(0) - 3 - 7 * (fit.lastDraws.length - 1 - k);
      for (const z of draw.z) {
        if (z < range.xMin || z > range.xMax) continue;
        rows.append(element("line", { x1: chart.px(z), x2: chart.px(z), y1: base, y2: base - 6, stroke: COLORS.q, "stroke-opacity": 0.3 + (0.7 * (k + 1)) / fit.lastDraws.length, "stroke-width": 1.2 }));
      }
    });
    svg.append(rows);
    // The start: a ring on the axis, and Q's mean: a dashed line.
    svg.append(element("line", { x1: chart.px(fit.mu), x2: chart.px(fit.mu), y1: chart.py(0), y2: chart.py(yMax), stroke: COLORS.q, "stroke-dasharray": "5 4" }));
    svg.append(element("circle", { cx: chart.px(this.start.mu), cy: chart.py(0), r: 5, fill: "#fff", stroke: "#000", "stroke-width": 1.5, "data-testid": "vi-start-marker" }));
    const objective = this.objective === "elbo" ? "ELBO" : `Rényi α = ${format(this.alpha, 2)}`;
    // Top right, over the lighter mode's shoulder rather than the heavy mode the fit starts near by default.
    legend(svg, chart.px(range.xMax) - 250, MARGIN.top + 12, [
      { color: COLORS.p, label: "P, the target mixture" },
      { color: COLORS.q, label: `Q by ${objective}: N(${format(fit.mu, 2)}, ${format(fit.sigma, 2)}²)` },
      { color: COLORS.q, label: `draws from the last ${LAST_STEPS.steps} steps' Q (ticks)`, dash: true },
    ]);
  }

  private renderTrace(fit: Fit1D): void {
    const svg = byTestId("vi-trace") as unknown as SVGSVGElement;
    const values = fit.history.map((h) => h.estimate);
    const sorted = [...values].filter(Number.isFinite).sort((a, b) => a - b);
    // The noisy early steps can lie far below: the axis starts at the 2% quantile, and log Z = 0 is always in view.
    const low = Math.min(sorted[Math.floor(0.02 * sorted.length)] ?? -1, fit.logZ, 0);
    const high = Math.max(sorted[sorted.length - 1] ?? 0, fit.logZ, 0);
    const pad = 0.08 * (high - low || 1);
    // Room at the top for the legend, above the log Z = 0 line.
    const box = { xMin: 1, xMax: Math.max(2, values.length), yMin: low - pad, yMax: high + pad + 0.45 * (high - low || 1) };
    const chart = axes(svg, box, { x: "step", y: this.objective === "elbo" ? "ELBO estimate" : "L_α estimate" });
    const clip = (y: number) => Math.max(box.yMin, y);
    svg.append(element("path", { d: chart.path(values.map((v, k) => [k + 1, clip(v)])), fill: "none", stroke: COLORS.q, "stroke-width": 1, "stroke-opacity": 0.7 }));
    const hline = (y: number, color: string, dash: string) =>
      svg.append(element("line", { x1: chart.px(box.xMin), x2: chart.px(box.xMax), y1: chart.py(y), y2: chart.py(y), stroke: color, "stroke-width": 2, "stroke-dasharray": dash }));
    hline(0, COLORS.p, "2 3");
    hline(fit.logZ, COLORS.logZ, "6 4");
    legend(svg, chart.px(box.xMin) + 10, MARGIN.top + 12, [
      { color: COLORS.q, label: `${this.objective === "elbo" ? "ELBO" : "L_α"} per step (its samples' estimate)` },
      { color: COLORS.logZ, label: `log Z by importance sampling: ${format(fit.logZ)}`, dash: true },
      { color: COLORS.p, label: "log Z = 0 (P is normalised)", dash: true },
    ]);
  }

  private renderNumbers(fit: Fit1D): void {
    const set = (id: string, value: string) => { byTestId(id).textContent = value; };
    set("vi-mu", format(fit.mu, 4));
    set("vi-sigma", format(fit.sigma, 4));
    set("vi-elbo", format(fit.elbo, 4));
    set("vi-elbo-se", format(fit.elboStandardError, 4));
    set("vi-logz", format(fit.logZ, 4));
    set("vi-logz-se", format(fit.logZStandardError, 4));
    set("vi-pareto-k", format(fit.paretoK, 2));
    set("vi-steps", String(fit.steps));
    set("vi-converged", fit.converged ? "converged" : "stopped at the step limit");
    set("vi-ms", format(fit.milliseconds, 0));
    set("vi-warning", fit.warning ?? "none");
  }

  private render2D(fit: Fit2D): void {
    const svg = byTestId("vi-2d") as unknown as SVGSVGElement;
    const chart = axes(svg, { xMin: -3, xMax: 3, yMin: -3, yMax: 3 }, { x: "z₁", y: "z₂" }, true);
    const draw = (points: Array<[number, number]>, color: string, width: number, testId?: string, dash?: string) =>
      svg.append(element("path", { d: `${chart.path(points)}Z`, fill: "none", stroke: color, "stroke-width": width, ...(dash ? { "stroke-dasharray": dash } : {}), ...(testId ? { "data-testid": testId } : {}) }));
    // P's contours at Mahalanobis radius 1 and 2; each fit's at radius 2 (PRML Fig. 10.2 draws one contour each).
    for (const r of [1, 2]) draw(ellipse([0, 0], fit.sigma, r), COLORS.p, 1.5, r === 2 ? "vi-2d-target" : undefined);
    draw(ellipse(fit.meanField.mu, fit.meanField.covariance, 2), COLORS.meanField, 2.5, "vi-2d-mean-field");
    draw(ellipse(fit.fullRank.mu, fit.fullRank.covariance, 2), COLORS.fullRank, 2.5, "vi-2d-full-rank", "6 4");
    legend(svg, chart.px(-3) + chart.plotWidth + 12, MARGIN.top + 12, [
      { color: COLORS.p, label: "P: radius 1 and 2" },
      { color: COLORS.meanField, label: "mean-field Q" },
      { color: COLORS.fullRank, label: "full-rank Q", dash: true },
    ]);
    const set = (id: string, value: number, digits = 4) => { byTestId(id).textContent = format(value, digits); };
    for (const i of [0, 1] as const) {
      const key = i === 0 ? "a" : "c";
      set(`vi2-sigma-${i}`, fit.sigma[key]);
      set(`vi2-inverse-lambda-${i}`, fit.inverseLambda[i]);
      set(`vi2-mean-field-${i}`, fit.meanField.covariance[key]);
      set(`vi2-full-rank-${i}`, fit.fullRank.covariance[key]);
    }
    set("vi2-sigma-01", fit.sigma.b);
    set("vi2-full-rank-01", fit.fullRank.covariance.b);
    set("vi2-logz", fit.logZ);
    set("vi2-mean-field-elbo", fit.meanField.elbo);
    set("vi2-full-rank-elbo", fit.fullRank.elbo);
    set("vi2-ms", fit.milliseconds, 0);
  }
}
