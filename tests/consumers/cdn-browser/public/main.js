// klwasm imported from another origin (the CDN): createKL with each build (the relaxed one a
// chunk loaded from the CDN on demand), and createKLPool, whose workers cannot be started from
// the CDN's URL (a worker's script must have the page's origin) and so start from blob: URLs of
// this page that import the worker script from the CDN. Values are checked against their closed
// forms; the runner checks that the pool's two workers started without an error (package.json's
// consumerWorkers). Reports through document.body.dataset.result.
import { createKL, createKLPool } from "klwasm";

// p uniform over 1 024 outcomes, q alternately 1.5 and 0.5 times that: each row's
// D(P‖Q) = ½·ln(1/1.5) + ½·ln(1/0.5) = ½·ln(4/3), which is also D([½, ½] ‖ [¼, ¾]).
const ROW_KL = 0.5 * Math.log(4 / 3);
const rows = 64;
const columns = 1024;
const p = new Float64Array(rows * columns).fill(1 / columns);
const q = p.map((_, i) => (i % 2 === 0 ? 1.5 : 0.5) / columns);

async function check() {
  const close = (value) => Math.abs(value - ROW_KL) <= 1e-12 * ROW_KL;
  const builds = await Promise.all([createKL(), createKL({ relaxed: true }), createKL({ simd: false })]);
  const values = builds.map((kl) => kl.kl([0.5, 0.5], [0.25, 0.75]));
  const pool = await createKLPool({ threads: 2 });
  const perRow = await pool.kl(p, q, { rows, reduction: "none" });
  await pool.terminate();
  const ok = values.every(close) && perRow.length === rows && perRow.every(close)
    && builds.map((kl) => kl.backend).join() === "wasm-simd,wasm-relaxed-simd,wasm";
  return { ok, backend: builds[0].backend, values, poolRow: perRow[0], expected: ROW_KL, library: import.meta.resolve("klwasm") };
}

check()
  .catch((error) => ({ ok: false, error: String(error?.stack ?? error) }))
  .then((result) => {
    document.getElementById("result").textContent = JSON.stringify(result, null, 2);
    document.body.dataset.result = JSON.stringify(result);
  });
