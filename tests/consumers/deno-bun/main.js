// klwasm in Deno and in Bun (this one script runs in each), imported from the installed package
// (node_modules, beside package.json): createKL, a worker pool (the runtime's worker_threads)
// and klwasm/reference, each against the closed form of its value. The workers' replies are
// counted, so that a pool computing in this thread after its workers failed does not pass.
import { Worker } from "node:worker_threads";
import { createKL, createKLPool } from "klwasm";
import { referenceKL } from "klwasm/reference";

let replies = 0;
const on = Worker.prototype.on;
Worker.prototype.on = function (event, handler) {
  return on.call(this, event, event === "message" ? (message) => (replies++, handler(message)) : handler);
};

// p uniform over 1 024 outcomes, q alternately 1.5 and 0.5 times that: each row's
// D(P‖Q) = ½·ln(1/1.5) + ½·ln(1/0.5) = ½·ln(4/3).
const ROW_KL = 0.5 * Math.log(4 / 3);
const rows = 64;
const columns = 1024;
const p = new Float64Array(rows * columns).fill(1 / columns);
const q = p.map((_, i) => (i % 2 === 0 ? 1.5 : 0.5) / columns);

function expectClose(label, value, expected) {
  if (!(Math.abs(value - expected) <= 1e-12 * Math.abs(expected))) throw new Error(`${label}: ${value}, expected ${expected}`);
}

const runtime = typeof Deno === "object" ? `Deno ${Deno.version.deno}` : typeof Bun === "object" ? `Bun ${Bun.version}` : `not Deno nor Bun`;
const started = performance.now();
const kl = await createKL();
if (kl.backend !== "wasm-simd") throw new Error(`backend ${kl.backend}`);
// D([½, ½] ‖ [¼, ¾]) = ½·ln 2 + ½·ln(2/3) = ½·ln(4/3)
expectClose("createKL", kl.kl([0.5, 0.5], [0.25, 0.75]), ROW_KL);
expectClose("referenceKL", referenceKL.kl([0.5, 0.5], [0.25, 0.75]), ROW_KL);
const pool = await createKLPool({ threads: 2 });
const perRow = await pool.kl(p, q, { rows, reduction: "none" });
await pool.terminate();
if (perRow.length !== rows) throw new Error(`pool: ${perRow.length} rows`);
if (replies < 2) throw new Error(`pool: ${replies} replies from its workers, expected one per worker`);
perRow.forEach((value, row) => expectClose(`pool row ${row}`, value, ROW_KL));
const milliseconds = (performance.now() - started).toFixed(0);
console.log(`deno-bun: ${runtime}, ${kl.backend}: createKL, a pool of 2 workers (${rows} rows, ${replies} replies) and klwasm/reference agree with ½·ln(4/3) (${milliseconds} ms)`);
