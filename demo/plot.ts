/** A small canvas line plot: axes with ticks, filled or stroked curves, markers, a legend. */

export interface Curve {
  label: string;
  color: string;
  x: ArrayLike<number>;
  y: ArrayLike<number>;
  /** Fill the area under the curve (for the target). */
  fill?: boolean;
  /** Draw a dashed vertical line here (a fitted mean). */
  marker?: number;
}

export interface Frame {
  xMin: number;
  xMax: number;
  yMax: number;
  xLabel: string;
  yLabel: string;
}

/** The canvas plots' margins around their axes (this plot and the landscape). */
export const MARGIN = { left: 58, right: 16, top: 14, bottom: 42 };

/** Tick positions at 1, 2 or 5 × 10^k, about `count` of them over [min, max]. */
export function ticks(min: number, max: number, count: number): number[] {
  const raw = (max - min) / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((f) => f * power).find((s) => s >= raw) ?? 10 * power;
  const out: number[] = [];
  for (let t = Math.ceil(min / step) * step; t <= max + step * 1e-9; t += step) out.push(Math.abs(t) < step * 1e-9 ? 0 : t);
  return out;
}

function label(value: number): string {
  return Number(value.toPrecision(6)).toString();
}

/** Draws the curves into the canvas, at the device's pixel ratio. */
export function drawPlot(canvas: HTMLCanvasElement, curves: Curve[], frame: Frame): void {
  const ratio = window.devicePixelRatio || 1;
  const width = canvas.clientWidth || canvas.width;
  const height = Math.round((width * 420) / 900);
  if (canvas.width !== Math.round(width * ratio)) {
    canvas.width = Math.round(width * ratio);
    canvas.height = Math.round(height * ratio);
  }
  const g = canvas.getContext("2d")!;
  g.setTransform(ratio, 0, 0, ratio, 0, 0);
  g.clearRect(0, 0, width, height);

  const plotWidth = width - MARGIN.left - MARGIN.right;
  const plotHeight = height - MARGIN.top - MARGIN.bottom;
  const px = (x: number) => MARGIN.left + ((x - frame.xMin) / (frame.xMax - frame.xMin)) * plotWidth;
  const py = (y: number) => MARGIN.top + plotHeight - (Math.min(y, frame.yMax * 1.2) / frame.yMax) * plotHeight;

  // Grid lines, ticks and labels.
  g.font = "12px system-ui, sans-serif";
  g.fillStyle = "#444";
  g.strokeStyle = "#e6e6e6";
  g.lineWidth = 1;
  g.textAlign = "center";
  g.textBaseline = "top";
  for (const t of ticks(frame.xMin, frame.xMax, 10)) {
    g.beginPath();
    g.moveTo(px(t), MARGIN.top);
    g.lineTo(px(t), MARGIN.top + plotHeight);
    g.stroke();
    g.fillText(label(t), px(t), MARGIN.top + plotHeight + 6);
  }
  g.textAlign = "right";
  g.textBaseline = "middle";
  for (const t of ticks(0, frame.yMax, 5)) {
    g.beginPath();
    g.moveTo(MARGIN.left, py(t));
    g.lineTo(MARGIN.left + plotWidth, py(t));
    g.stroke();
    g.fillText(label(t), MARGIN.left - 6, py(t));
  }
  g.strokeStyle = "#333";
  g.beginPath();
  g.moveTo(MARGIN.left, MARGIN.top);
  g.lineTo(MARGIN.left, MARGIN.top + plotHeight);
  g.lineTo(MARGIN.left + plotWidth, MARGIN.top + plotHeight);
  g.stroke();
  g.textAlign = "center";
  g.textBaseline = "bottom";
  g.fillText(frame.xLabel, MARGIN.left + plotWidth / 2, height - 2);
  g.save();
  g.translate(14, MARGIN.top + plotHeight / 2);
  g.rotate(-Math.PI / 2);
  g.textBaseline = "middle";
  g.fillText(frame.yLabel, 0, 0);
  g.restore();

  // Curves, clipped to the plot area.
  g.save();
  g.beginPath();
  g.rect(MARGIN.left, MARGIN.top, plotWidth, plotHeight);
  g.clip();
  for (const curve of curves) {
    g.beginPath();
    for (let i = 0; i < curve.x.length; i++) {
      const [x, y] = [px(curve.x[i]!), py(curve.y[i]!)];
      if (i === 0) g.moveTo(x, y);
      else g.lineTo(x, y);
    }
    if (curve.fill) {
      g.lineTo(px(curve.x[curve.x.length - 1]!), py(0));
      g.lineTo(px(curve.x[0]!), py(0));
      g.closePath();
      g.fillStyle = curve.color + "44";
      g.fill();
      g.strokeStyle = curve.color;
      g.lineWidth = 1.5;
      g.stroke();
    } else {
      g.strokeStyle = curve.color;
      g.lineWidth = 2.5;
      g.stroke();
    }
    if (curve.marker !== undefined) {
      g.setLineDash([5, 4]);
      g.lineWidth = 1.2;
      g.beginPath();
      g.moveTo(px(curve.marker), MARGIN.top);
      g.lineTo(px(curve.marker), MARGIN.top + plotHeight);
      g.stroke();
      g.setLineDash([]);
    }
  }
  g.restore();

  const rowHeight = 20;
  const { left, top } = legendBox(g, curves.map((c) => c.label), MARGIN.left + plotWidth, rowHeight, 44);
  curves.forEach((curve, i) => {
    const y = top + 4 + rowHeight * i + rowHeight / 2;
    g.fillStyle = curve.fill ? curve.color + "66" : curve.color;
    g.fillRect(left + 8, y - (curve.fill ? 6 : 1.5), 22, curve.fill ? 12 : 3);
    g.fillStyle = "#222";
    g.fillText(curve.label, left + 36, y);
  });
}

/**
 * A legend's white box at the top right of a canvas plot whose area ends at `right`: rows of
 * `rowHeight` for `labels`, each `swatch` pixels of key before its text. Returns the box's
 * corner, with the text left-aligned and centred on its row.
 */
export function legendBox(g: CanvasRenderingContext2D, labels: string[], right: number, rowHeight: number, swatch: number): { left: number; top: number } {
  const width = Math.max(...labels.map((text) => g.measureText(text).width)) + swatch;
  const left = right - width - 8;
  const top = MARGIN.top + 8;
  g.fillStyle = "rgba(255, 255, 255, 0.9)";
  g.strokeStyle = "#ccc";
  g.lineWidth = 1;
  g.fillRect(left, top, width, rowHeight * labels.length + 8);
  g.strokeRect(left, top, width, rowHeight * labels.length + 8);
  g.textAlign = "left";
  g.textBaseline = "middle";
  return { left, top };
}
