// A page bundled by esbuild (platform browser) straight from the installed package: no plugin,
// no .wasm handling, the modules come inlined. The pool's worker script is a second entry point
// (`pool-worker=klwasm/pool-worker.js`), written beside main.js, where the pool looks for it;
// the runner checks that its two workers started without an error (package.json's
// consumerWorkers). Reports through document.body.dataset.result.
import { createKL, createKLPool, referenceKL } from "klwasm";

// p uniform over 1 024 outcomes, q alternately 1.5 and 0.5 times that: each row's
// D(P‖Q) = ½·ln(1/1.5) + ½·ln(1/0.5) = ½·ln(4/3).
const ROW_KL = 0.5 * Math.log(4 / 3);
const rows = 64;
const columns = 1024;

async function check() {
  const kl = await createKL();
  const p = [0.1, 0.2, 0.3, 0.4];
  const q = [0.25, 0.25, 0.25, 0.25];
  const value = kl.kl(p, q);
  const expected = referenceKL.kl(p, q);
  const agrees = Math.abs(value - expected) <= 1e-12 * expected;
  const pool = await createKLPool({ threads: 2 });
  const rowsP = new Float64Array(rows * columns).fill(1 / columns);
  const perRow = await pool.kl(rowsP, rowsP.map((_, i) => (i % 2 === 0 ? 1.5 : 0.5) / columns), { rows, reduction: "none" });
  await pool.terminate();
  const poolAgrees = perRow.length === rows && perRow.every((v) => Math.abs(v - ROW_KL) <= 1e-12 * ROW_KL);
  return { ok: agrees && poolAgrees, backend: kl.backend, value, expected, poolRow: perRow[0], poolExpected: ROW_KL };
}

check()
  .catch((error) => ({ ok: false, error: String(error?.stack ?? error) }))
  .then((result) => {
    document.getElementById("result").textContent = JSON.stringify(result, null, 2);
    document.body.dataset.result = JSON.stringify(result);
  });
