// `npm run example`: forward and reverse KL of two Gaussian approximations to a two-mode
// target (one covering both modes, one on a single mode), by the Wasm kernels, printed as a
// table. The browser demo (`npm start`, demo/) fits the two Gaussians
// by forward and by reverse KL, interactively.
import { createKL } from "../dist/index.js";

const kl = await createKL();
const x = Float64Array.from({ length: 2001 }, (_, i) => -8 + (16 * i) / 2000);
const normal = (mu, sigma) => x.map((v) => Math.exp(-0.5 * ((v - mu) / sigma) ** 2) / (sigma * Math.sqrt(2 * Math.PI)));
const normalise = (d) => d.map((v) => v / d.reduce((a, b) => a + b, 0));

// P: two well-separated modes. Q_wide matches P's mean and variance (what forward KL finds);
// Q_mode sits on one mode (what reverse KL finds).
const target = normalise(normal(-2, 0.6).map((v, i) => 0.5 * v + 0.5 * normal(2, 0.6)[i]));
const wide = normalise(normal(0, Math.sqrt(4 + 0.36)));
const mode = normalise(normal(2, 0.6));

const rows = [
  ["Q = N(0, 2.088²), P's own mean and σ", wide],
  ["Q = N(2, 0.6²), one mode", mode],
].map(([label, q]) => ({ label, forward: kl.forward(target, q), reverse: kl.reverse(target, q) }));

console.log(`klwasm (${kl.backend}): P = ½N(−2, 0.6²) + ½N(2, 0.6²) on a grid of ${x.length} points\n`);
console.log("approximation Q".padEnd(40), "forward D(P‖Q)".padStart(16), "reverse D(Q‖P)".padStart(16));
for (const row of rows) console.log(row.label.padEnd(40), row.forward.toFixed(4).padStart(16), row.reverse.toFixed(4).padStart(16));
console.log("\nForward KL prefers the wide Q that covers both modes (zero-avoiding);");
console.log("reverse KL prefers the Q that sits on one mode (zero-forcing).");
