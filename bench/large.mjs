// An input larger than one WebAssembly memory (4 GiB): two Float32Arrays of 1.2·10⁹ elements
// (4.8 GB each). The wrapper streams them through the module in pieces; this reports the
// time, the peak RSS, and the value against a plain f64 loop over the same data.
import { createKL } from "../dist/index.js";

const n = Number(process.argv[2] ?? 1.2e9);
const p = new Float32Array(n);
const q = new Float32Array(n);
// A cheap deterministic fill: a linear congruential sequence, values in (0, 1].
let state = 12345;
for (let i = 0; i < n; i++) {
  state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
  p[i] = (state >>> 8) / 16777216 + 1e-7;
  state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
  q[i] = (state >>> 8) / 16777216 + 1e-7;
}
const kl = await createKL();
const start = performance.now();
const value = kl.kl(p, q);
const seconds = (performance.now() - start) / 1000;
let check = 0;
for (let i = 0; i < n; i++) check += p[i] * Math.log(p[i] / q[i]);
console.log(JSON.stringify({
  n, bytesPerInput: p.byteLength, value, plainLoopValue: check, relativeDifference: Math.abs(value - check) / Math.abs(check),
  seconds, nsPerElement: (seconds * 1e9) / n, peakRssGiB: process.resourceUsage().maxRSS / 2 ** 20, wasmMemoryMiB: kl.memoryBytes() / 2 ** 20,
}, null, 2));
