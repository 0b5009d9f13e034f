// A page built by `webpack --mode production` with no loader or plugin: createKL on the inlined
// module, and createKLPool, whose worker script webpack emits as an asset (from the library's
// `new URL("./pool-worker.js", import.meta.url)`). Values are checked against their closed
// forms; the runner checks that the pool's two workers started without an error (package.json's
// consumerWorkers). Reports through document.body.dataset.result.
import { createKL, createKLPool } from "klwasm";

// p uniform over 1 024 outcomes, q alternately 1.5 and 0.5 times that: each row's
// D(P‖Q) = ½·ln(1/1.5) + ½·ln(1/0.5) = ½·ln(4/3).
const ROW_KL = 0.5 * Math.log(4 / 3);
const rows = 64;
const columns = 1024;
const p = new Float64Array(rows * columns).fill(1 / columns);
const q = p.map((_, i) => (i % 2 === 0 ? 1.5 : 0.5) / columns);

async function check() {
  const close = (value, expected) => Math.abs(value - expected) <= 1e-12 * Math.abs(expected);
  const kl = await createKL();
  // D([½, ½] ‖ [¼, ¾]) = ½·ln 2 + ½·ln(2/3) = ½·ln(4/3)
  const value = kl.kl([0.5, 0.5], [0.25, 0.75]);
  const pool = await createKLPool({ threads: 2 });
  const perRow = await pool.kl(p, q, { rows, reduction: "none" });
  const total = await pool.kl(p, q, { rows });
  await pool.terminate();
  const ok = close(value, ROW_KL) && perRow.length === rows && perRow.every((v) => close(v, ROW_KL)) && close(total, rows * ROW_KL)
    && pool.backend === "wasm-simd";
  return { ok, backend: kl.backend, value, poolRow: perRow[0], poolTotal: total, expectedRow: ROW_KL };
}

check()
  .catch((error) => ({ ok: false, error: String(error?.stack ?? error) }))
  .then((result) => {
    document.getElementById("result").textContent = JSON.stringify(result, null, 2);
    document.body.dataset.result = JSON.stringify(result);
  });
