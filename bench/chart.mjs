// The forward-KL benchmark as a chart: median ns/element against n, log-log, one panel per dtype
// on a shared scale, one line per implementation. Node's lines are solid with filled markers,
// Chromium's (--browser) the same colour with open markers, the Python peers' dashed (their
// malloc-tuned run when python.json has one: the plain run adds the cost of fresh pages for
// temporaries and would double the lines; the table has both). Plain SVG text, no dependencies.
// bench/kl.mjs writes it after each run; to redraw it from the stored results without measuring:
//
//   node bench/chart.mjs    # bench/results/latest.json (+ python.json) → bench/results/latest.svg
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { pythonSweep, readPythonResults, resultsDir, writeResults } from "./common.mjs";
import { implLabel } from "./portable.mjs";

// Colour-blind-safe hues (Okabe–Ito, then Tol's muted), one per implementation, in first-seen order.
const COLOURS = ["#0072B2", "#56B4E9", "#009E73", "#882255", "#E69F00", "#D55E00", "#CC79A7", "#999933",
  "#332288", "#44AA99", "#AA4499", "#661100", "#6699CC", "#000000"];
const SUPERSCRIPT = { "-": "⁻", 0: "⁰", 1: "¹", 2: "²", 3: "³", 4: "⁴", 5: "⁵", 6: "⁶", 7: "⁷", 8: "⁸", 9: "⁹" };
const DASH = "7 4"; // the Python peers

// Layout, in px: two panels side by side, the legend under them.
const PANEL = { width: 500, height: 360, gap: 84 };
const MARGIN = { left: 66, right: 24, top: 100, axis: 48 };
const LEGEND = { columns: 3, row: 20 };
const WIDTH = MARGIN.left + 2 * PANEL.width + PANEL.gap + MARGIN.right;

const escape = (s) => String(s).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
const text = (x, y, s, attrs = "") => `<text x="${x.toFixed(1)}" y="${y.toFixed(1)}" ${attrs}>${escape(s)}</text>`;
const line = (x1, y1, x2, y2, attrs) =>
  `<line x1="${x1.toFixed(1)}" y1="${y1.toFixed(1)}" x2="${x2.toFixed(1)}" y2="${y2.toFixed(1)}" ${attrs}/>`;
const power = (k) => `10${[...String(k)].map((c) => SUPERSCRIPT[c]).join("")}`;
/** y: 0.01 … 1000 as numbers, beyond as powers; x (sizes): always powers. */
const valueLabel = (k) => (k >= -2 && k <= 3 ? String(10 ** k) : power(k));
/** [lowest, highest] decade exponents that enclose the values. */
const decades = (values) => {
  const lo = Math.floor(Math.log10(Math.min(...values)));
  return [lo, Math.max(lo + 1, Math.ceil(Math.log10(Math.max(...values))))];
};

/** The rows as lines: one per (label, dtype), points in order of n, with how to draw them. */
function seriesOf(rows) {
  const colours = new Map();
  const byKey = new Map();
  for (const r of rows) {
    const key = `${implLabel(r)}\u0000${r.dtype}`;
    if (!colours.has(r.impl)) colours.set(r.impl, COLOURS[colours.size % COLOURS.length]);
    if (!byKey.has(key)) {
      byKey.set(key, { label: implLabel(r), dtype: r.dtype, runtime: r.runtime, colour: colours.get(r.impl), points: [] });
    }
    byKey.get(key).points.push([r.n, r.nsPerElement]);
  }
  for (const s of byKey.values()) s.points.sort((a, b) => a[0] - b[0]);
  return [...byKey.values()];
}

/** One series' marker at (x, y): filled for Node, open for Chromium, none for Python. */
function marker(s, x, y) {
  if (s.runtime === "python") return "";
  const fill = s.runtime === "chromium" ? "#fff" : s.colour;
  return `<circle cx="${x.toFixed(1)}" cy="${y.toFixed(1)}" r="3.2" fill="${fill}" stroke="${s.colour}" stroke-width="1.5"/>`;
}
const stroke = (s) => `stroke="${s.colour}" stroke-width="1.8" fill="none"${s.runtime === "python" ? ` stroke-dasharray="${DASH}"` : ""}`;

function panel(series, dtype, left, xs, ys) {
  const top = MARGIN.top;
  const { width, height } = PANEL;
  const x = (n) => left + ((Math.log10(n) - xs[0]) / (xs[1] - xs[0])) * width;
  const y = (v) => top + height - ((Math.log10(v) - ys[0]) / (ys[1] - ys[0])) * height;
  const out = [];
  for (let k = ys[0]; k < ys[1]; k++) { // minor lines at 2…9 × 10^k help read values between decades
    for (let m = 2; m <= 9; m++) out.push(line(left, y(m * 10 ** k), left + width, y(m * 10 ** k), 'stroke="#eee"'));
  }
  for (let k = ys[0]; k <= ys[1]; k++) {
    out.push(line(left, y(10 ** k), left + width, y(10 ** k), 'stroke="#bbb"'));
    out.push(text(left - 6, y(10 ** k) + 4, valueLabel(k), 'text-anchor="end"'));
  }
  for (let k = xs[0]; k <= xs[1]; k++) {
    out.push(line(x(10 ** k), top, x(10 ** k), top + height, 'stroke="#bbb"'));
    out.push(text(x(10 ** k), top + height + 17, power(k), 'text-anchor="middle"'));
  }
  out.push(`<rect x="${left}" y="${top}" width="${width}" height="${height}" fill="none" stroke="#444"/>`);
  out.push(text(left + width / 2, top - 10, `${dtype} (${dtype === "f64" ? "Float64Array" : "Float32Array"})`,
    'text-anchor="middle" font-weight="bold"'));
  out.push(text(left + width / 2, top + height + 38, "n (elements per input)", 'text-anchor="middle"'));
  for (const s of series.filter((s) => s.dtype === dtype)) {
    const points = s.points.map(([n, v]) => `${x(n).toFixed(1)},${y(v).toFixed(1)}`).join(" ");
    out.push(`<g><title>${escape(`${s.label} ${dtype}`)}</title><polyline points="${points}" ${stroke(s)}/>` +
      `${s.points.map(([n, v]) => marker(s, x(n), y(v))).join("")}</g>`);
  }
  return out.join("\n");
}

function legend(series, top) {
  const labels = [...new Map(series.map((s) => [s.label, s])).values()];
  const column = (WIDTH - MARGIN.left - MARGIN.right) / LEGEND.columns;
  return labels.map((s, i) => {
    const x = MARGIN.left + (i % LEGEND.columns) * column;
    const y = top + Math.floor(i / LEGEND.columns) * LEGEND.row;
    return line(x, y, x + 34, y, stroke(s)) + marker(s, x + 17, y) + text(x + 42, y + 4, s.label);
  }).join("\n");
}

/**
 * The SVG of a bench/kl.mjs result file (latest.json) and, when given, bench/peers/python.py's
 * (python.json): its rows at the sizes latest.json has are drawn dashed.
 * @returns {string}
 */
export function klChart(latest, python) {
  const sizes = [...new Set(latest.results.map((r) => r.n))];
  const runs = python?.runs ?? [];
  const pythonRun = runs.some((run) => run.label === "malloc-tuned") ? "malloc-tuned" : runs[0]?.label;
  const peers = pythonSweep(python).filter((r) => r.run === pythonRun && sizes.includes(r.n));
  const series = seriesOf([...latest.results, ...peers]);
  const xs = decades(sizes);
  const ys = decades(series.flatMap((s) => s.points.map(([, v]) => v)));
  const legendTop = MARGIN.top + PANEL.height + MARGIN.axis + 22;
  const labels = new Set(series.map((s) => s.label)).size;
  const height = legendTop + Math.ceil(labels / LEGEND.columns) * LEGEND.row + 12;
  const right = MARGIN.left + PANEL.width + PANEL.gap;
  const middle = MARGIN.top + PANEL.height / 2;
  const machine = `${latest.cpu}, ${latest.nproc} cores · ${latest.date.slice(0, 10)}${latest.quick ? " · --quick" : ""}`;
  const key = [`filled markers: Node ${latest.node}`,
    ...(latest.chromium ? [`open markers: Chromium ${latest.chromium.version}`] : []),
    ...(peers.length ? [`dashed: Python peers, measured separately (${python.date.slice(0, 10)})`] : [])].join(" · ");
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" ` +
    `font-family="system-ui, -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif" font-size="12" fill="#222">
<rect width="100%" height="100%" fill="#fff"/>
${text(WIDTH / 2, 26, "Forward KL Σ p·log(p/q): median ns per element (log-log, lower is better)",
    'text-anchor="middle" font-size="17" font-weight="bold"')}
${text(WIDTH / 2, 46, machine, 'text-anchor="middle" fill="#555"')}
${text(WIDTH / 2, 63, key, 'text-anchor="middle" fill="#555"')}
${text(18, middle, "ns / element", `text-anchor="middle" transform="rotate(-90 18 ${middle})"`)}
${panel(series, "f64", MARGIN.left, xs, ys)}
${panel(series, "f32", right, xs, ys)}
${legend(series, legendTop)}
</svg>
`;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const latest = JSON.parse(fs.readFileSync(path.join(resultsDir, "latest.json"), "utf8"));
  writeResults("latest.svg", klChart(latest, readPythonResults()));
}
