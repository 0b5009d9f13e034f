// What validation costs: forward KL at n = 10⁶ with `validate: true` (the default) and `false`,
// f64 and f32, copy-in and zero-copy, interleaved in one process; median ns/element.
// The check is fused into the kernels' pass (a lane mask per block), so the two differ only by
// what happens after a kernel flags a block. `node bench/validation.mjs` after `npm run build`.
import { loadLibrary } from "./common.mjs";
import { allocViews, measure, mulberry32, randomDistribution } from "./portable.mjs";

const n = 1e6;
const timing = { minRunMs: 20, warmupMs: 100, budgetMs: 4000 };
const { createKL } = await loadLibrary();
const kl = await createKL();
const rand = mulberry32(0x5eed);
const [p64, q64] = [randomDistribution(n, rand), randomDistribution(n, rand)];

const rows = [];
for (const type of [Float64Array, Float32Array]) {
  const [p, q] = [type.from(p64), type.from(q64)];
  // Room for the copy-in calls' scratch too, so that they never grow (and detach) the views.
  const [pv, qv] = allocViews(kl, [p, q], 1 << 20);
  pv.set(p);
  qv.set(q);
  for (const [input, x, y] of [["copy-in", p, q], ["zero-copy", pv, qv]]) {
    const times = {};
    // Alternating rounds, so that drift of the machine falls on both settings alike.
    for (let round = 0; round < 3; round++) {
      for (const validate of [true, false]) {
        const { nsPerElement } = await measure(() => kl.kl(x, y, { validate }), n, 11, timing);
        (times[validate] ??= []).push(nsPerElement);
      }
    }
    const best = (xs) => Math.min(...xs);
    const [on, off] = [best(times.true), best(times.false)];
    rows.push(`${type.name.padEnd(13)} ${input.padEnd(10)} ${on.toFixed(3).padStart(8)} ${off.toFixed(3).padStart(8)} ${((on / off - 1) * 100).toFixed(1).padStart(7)} %`);
  }
  kl.free(pv);
  kl.free(qv);
}
console.log(`forward KL, n = 1e6, ns/element (best of 3 medians)\n${"".padEnd(24)}       on      off  on/off − 1`);
console.log(rows.join("\n"));
