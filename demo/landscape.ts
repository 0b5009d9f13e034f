/**
 * The landscape panel: Amari's α-divergence A_α(P‖N(μ, σ²)) over a grid of (μ, log σ), from
 * one `alphaDivergence` call whose rows are the grid's Gaussians, drawn as a heat map with the
 * fits' paths on it.
 */
import { mixtureGrid, mixtureLogDensity, mixtureMoments, type KL, type Mixture } from "../src/index.js";
import { legendBox, MARGIN, ticks } from "./plot.js";

/**
 * Cells per side (60 × 60 Gaussians), and the bounds of the x-grid each is discretised on:
 * at least two points per σ of the narrowest Gaussian drawn, where the trapezoidal rule on a
 * Gaussian is exact to e^(−2π²·4) ≈ 1e−34 (so the heat map is the fit's objective, whose grid
 * has 2001 points), and 201 to 1001 points in all (3600 rows of 201 points: 0.7 M elements).
 */
export const LANDSCAPE = { cells: 60, pointsPerSigma: 2, minPoints: 201, maxPoints: 1001 };

/** The region drawn: μ from muMin to muMax, log σ from logSigmaMin to logSigmaMax (the outer edges of the cells). */
export interface LandscapeAxes {
  muMin: number;
  muMax: number;
  logSigmaMin: number;
  logSigmaMax: number;
}

/**
 * Where the fits can end up: μ over every mode m ± 2s and P's mean ± σ (the forward fit's);
 * σ from half the narrowest mode's (the zero-forcing fits are a mode's width or narrower) to
 * twice P's own σ (the mass-covering fits are about as wide as P).
 */
export function landscapeAxes(target: Mixture): LandscapeAxes {
  const { mean, sigma } = mixtureMoments(target);
  const means = Array.from(target.means);
  const sigmas = Array.from(target.sigmas);
  return {
    muMin: Math.min(mean - sigma, ...means.map((m, k) => m - 2 * sigmas[k]!)),
    muMax: Math.max(mean + sigma, ...means.map((m, k) => m + 2 * sigmas[k]!)),
    logSigmaMin: Math.log(Math.min(...sigmas) / 2),
    logSigmaMax: Math.log(2 * sigma),
  };
}

/** The grid of Gaussians for one target, and A_α over it for any α. */
export class Landscape {
  readonly axes: LandscapeAxes;
  /** The points the Gaussians and P are discretised on: the fit's grid range, fewer points. */
  readonly x: Float64Array;
  private readonly logP: Float64Array;
  private readonly logits: Float64Array;

  constructor(target: Mixture) {
    const { cells, pointsPerSigma, minPoints, maxPoints } = LANDSCAPE;
    this.axes = landscapeAxes(target);
    const wide = mixtureGrid(target);
    const [min, max] = [wide[0]!, wide[wide.length - 1]!];
    const wanted = Math.ceil(((max - min) * pointsPerSigma) / Math.exp(this.axes.logSigmaMin)) + 1;
    const points = Math.min(maxPoints, Math.max(minPoints, wanted));
    this.x = mixtureGrid(target, { points });
    // P as log-probabilities on the grid (log-density minus its log-sum-exp), repeated on every
    // row (the call has no broadcasting): its logs stay finite where its density underflows,
    // as in the fit.
    const logDensity = mixtureLogDensity(target, this.x);
    const top = Math.max(...logDensity);
    const logSum = top + Math.log(logDensity.reduce((sum, l) => sum + Math.exp(l - top), 0));
    const logP = logDensity.map((l) => l - logSum);
    const rows = cells * cells;
    this.logP = new Float64Array(rows * points);
    this.logits = new Float64Array(rows * points);
    for (let row = 0; row < rows; row++) {
      this.logP.set(logP, row * points);
      const { mu, logSigma } = this.cell(row);
      const scale = -0.5 * Math.exp(-2 * logSigma);
      for (let i = 0; i < points; i++) this.logits[row * points + i] = scale * (this.x[i]! - mu) ** 2;
    }
  }

  /** The Gaussian of cell `row` (row-major from the top left: largest σ first, μ increasing). */
  cell(row: number): { mu: number; logSigma: number } {
    const { cells } = LANDSCAPE;
    const { muMin, muMax, logSigmaMin, logSigmaMax } = this.axes;
    const [i, j] = [row % cells, Math.floor(row / cells)];
    return {
      mu: muMin + ((i + 0.5) * (muMax - muMin)) / cells,
      logSigma: logSigmaMax - ((j + 0.5) * (logSigmaMax - logSigmaMin)) / cells,
    };
  }

  /**
   * A_α(P‖Q) for every cell's Q, in nats, row-major as `cell` numbers them: one call,
   * `rows: cells²`, P as log-probabilities and each Q as logits (softmax-normalised on the grid).
   */
  values(kl: KL, alpha: number): Float64Array {
    const rows = LANDSCAPE.cells ** 2;
    return kl.alphaDivergence(this.logP, this.logits, { alpha, rows, pSpace: "log", qSpace: "logits", reduction: "none" });
  }
}

/** A path or a point drawn on the heat map. */
export interface Overlay {
  color: string;
  label: string;
  /** (μ, σ) pairs, drawn as a line ending in a dot; one pair is a dot (or a ring). */
  points: Array<{ mu: number; sigma: number }>;
  ring?: boolean;
}


/** Viridis at five stops (dark: low A_α), interpolated linearly. */
const COLORMAP = [[68, 1, 84], [59, 82, 139], [33, 145, 140], [94, 201, 98], [253, 231, 37]];

function color(t: number): [number, number, number] {
  const s = Math.min(1, Math.max(0, t)) * (COLORMAP.length - 1);
  const k = Math.min(COLORMAP.length - 2, Math.floor(s));
  const f = s - k;
  const [a, b] = [COLORMAP[k]!, COLORMAP[k + 1]!];
  return [0, 1, 2].map((c) => Math.round(a[c]! + f * (b[c]! - a[c]!))) as [number, number, number];
}

/**
 * Each value's place on the colour scale, 0 to 1: its rank among the finite values (the
 * colours are A_α's quantiles; Infinity at the top). A_α spans orders of magnitude (outside
 * [0, 1] of α, a hundred and more), and a linear or even a log scale gives all the colours to
 * one basin; by rank every local minimum is a dark hollow in its surroundings.
 */
export function colourScale(values: Float64Array): Float64Array {
  const order = Array.from(values.keys()).filter((k) => Number.isFinite(values[k]!)).sort((a, b) => values[a]! - values[b]!);
  const scale = new Float64Array(values.length).fill(1);
  order.forEach((k, rank) => { scale[k] = order.length > 1 ? rank / (order.length - 1) : 0; });
  return scale;
}

/** Where the plot area is in the canvas (CSS pixels), and the (μ, log σ) ↔ pixel maps. */
function frameOf(canvas: HTMLCanvasElement, axes: LandscapeAxes) {
  const width = canvas.clientWidth || canvas.width;
  const height = Math.round((width * 360) / 900);
  const plotWidth = width - MARGIN.left - MARGIN.right;
  const plotHeight = height - MARGIN.top - MARGIN.bottom;
  const px = (mu: number) => MARGIN.left + ((mu - axes.muMin) / (axes.muMax - axes.muMin)) * plotWidth;
  const py = (sigma: number) => MARGIN.top + ((axes.logSigmaMax - Math.log(sigma)) / (axes.logSigmaMax - axes.logSigmaMin)) * plotHeight;
  return { width, height, plotWidth, plotHeight, px, py };
}

/** The (μ, σ) under a point of the canvas (CSS pixels from its top left), or undefined outside the heat map. */
export function pointAt(canvas: HTMLCanvasElement, axes: LandscapeAxes, x: number, y: number): { mu: number; sigma: number } | undefined {
  const { plotWidth, plotHeight } = frameOf(canvas, axes);
  const [u, v] = [(x - MARGIN.left) / plotWidth, (y - MARGIN.top) / plotHeight];
  if (!(u >= 0 && u <= 1 && v >= 0 && v <= 1)) return undefined;
  return {
    mu: axes.muMin + u * (axes.muMax - axes.muMin),
    sigma: Math.exp(axes.logSigmaMax - v * (axes.logSigmaMax - axes.logSigmaMin)),
  };
}

/** σ ticks on the log axis: 1, 2, 5 × 10^k between the ends. */
function sigmaTicks(min: number, max: number): number[] {
  const out: number[] = [];
  for (let k = Math.floor(Math.log10(min)); k <= Math.ceil(Math.log10(max)); k++) {
    for (const f of [1, 2, 5]) {
      const t = f * 10 ** k;
      if (t >= min && t <= max) out.push(Number(t.toPrecision(6)));
    }
  }
  return out;
}

/** Draws the heat map of `values` (from Landscape.values), its axes, and the overlays. */
export function drawLandscape(canvas: HTMLCanvasElement, landscape: Landscape, values: Float64Array, overlays: Overlay[]): void {
  const { axes } = landscape;
  const { cells } = LANDSCAPE;
  const ratio = window.devicePixelRatio || 1;
  const { width, height, plotWidth, plotHeight, px, py } = frameOf(canvas, axes);
  if (canvas.width !== Math.round(width * ratio)) {
    canvas.width = Math.round(width * ratio);
    canvas.height = Math.round(height * ratio);
  }
  const g = canvas.getContext("2d")!;
  g.setTransform(ratio, 0, 0, ratio, 0, 0);
  g.clearRect(0, 0, width, height);

  // The cells as an image of cells × cells pixels, stretched (and smoothed) over the plot area.
  const image = new ImageData(cells, cells);
  colourScale(values).forEach((t, row) => {
    const [r, gr, b] = color(t);
    image.data.set([r, gr, b, 255], 4 * row);
  });
  const small = document.createElement("canvas");
  [small.width, small.height] = [cells, cells];
  small.getContext("2d")!.putImageData(image, 0, 0);
  g.imageSmoothingEnabled = true;
  g.drawImage(small, MARGIN.left, MARGIN.top, plotWidth, plotHeight);

  g.font = "12px system-ui, sans-serif";
  g.fillStyle = "#444";
  g.strokeStyle = "#333";
  g.lineWidth = 1;
  g.textAlign = "center";
  g.textBaseline = "top";
  for (const t of ticks(axes.muMin, axes.muMax, 10)) {
    g.beginPath();
    g.moveTo(px(t), MARGIN.top + plotHeight);
    g.lineTo(px(t), MARGIN.top + plotHeight + 4);
    g.stroke();
    g.fillText(String(Number(t.toPrecision(6))), px(t), MARGIN.top + plotHeight + 6);
  }
  g.textAlign = "right";
  g.textBaseline = "middle";
  for (const t of sigmaTicks(Math.exp(axes.logSigmaMin), Math.exp(axes.logSigmaMax))) {
    g.beginPath();
    g.moveTo(MARGIN.left - 4, py(t));
    g.lineTo(MARGIN.left, py(t));
    g.stroke();
    g.fillText(String(t), MARGIN.left - 6, py(t));
  }
  g.strokeRect(MARGIN.left, MARGIN.top, plotWidth, plotHeight);
  g.textAlign = "center";
  g.textBaseline = "bottom";
  g.fillText("μ (Q's mean)", MARGIN.left + plotWidth / 2, height - 2);
  g.save();
  g.translate(14, MARGIN.top + plotHeight / 2);
  g.rotate(-Math.PI / 2);
  g.textBaseline = "middle";
  g.fillText("σ (Q's width, log scale)", 0, 0);
  g.restore();

  // Paths and points, clipped to the heat map; each outlined so that it shows on any colour.
  g.save();
  g.beginPath();
  g.rect(MARGIN.left, MARGIN.top, plotWidth, plotHeight);
  g.clip();
  g.lineJoin = "round";
  for (const overlay of overlays) {
    const points = overlay.points.map(({ mu, sigma }) => [px(mu), py(sigma)] as const);
    if (points.length > 1) {
      for (const [stroke, lineWidth] of [["#000", 4], [overlay.color, 2]] as const) {
        g.beginPath();
        points.forEach(([x, y], k) => (k === 0 ? g.moveTo(x, y) : g.lineTo(x, y)));
        g.strokeStyle = stroke;
        g.lineWidth = lineWidth;
        g.stroke();
      }
    }
    const [x, y] = points[points.length - 1]!;
    g.beginPath();
    g.arc(x, y, overlay.ring ? 6 : 4.5, 0, 2 * Math.PI);
    g.lineWidth = 2;
    g.strokeStyle = overlay.ring ? overlay.color : "#000";
    if (!overlay.ring) {
      g.fillStyle = overlay.color;
      g.fill();
    }
    g.stroke();
  }
  g.restore();

  const rowHeight = 18;
  const { left, top } = legendBox(g, overlays.map((o) => o.label), MARGIN.left + plotWidth, rowHeight, 34);
  overlays.forEach((overlay, k) => {
    const y = top + 4 + rowHeight * k + rowHeight / 2;
    g.beginPath();
    g.arc(left + 14, y, 4.5, 0, 2 * Math.PI);
    g.lineWidth = 2;
    if (overlay.ring) {
      g.strokeStyle = overlay.color === "#fff" ? "#000" : overlay.color;
    } else {
      g.fillStyle = overlay.color;
      g.fill();
      g.strokeStyle = "#000";
    }
    g.stroke();
    g.fillStyle = "#222";
    g.fillText(overlay.label, left + 26, y);
  });
}
