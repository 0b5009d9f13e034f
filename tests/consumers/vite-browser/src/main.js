// A page built by `vite build` with no configuration: the inlined modules, the shipped .wasm as
// an emitted asset (`?url`, for apps that keep Wasm out of the JavaScript), a module worker, and
// createKLPool, whose worker script Vite emits as an asset (from the library's
// `new URL("./pool-worker.js", import.meta.url)`); the runner checks that the three workers
// started without an error (package.json's consumerWorkers). Reports through
// document.body.dataset.result.
import { createKL, createKLPool, referenceKL } from "klwasm";
import simdUrl from "klwasm/wasm/klwasm-simd.wasm?url";

function fromWorker() {
  const worker = new Worker(new URL("./worker.js", import.meta.url), { type: "module" });
  return new Promise((resolve, reject) => {
    worker.onmessage = (event) => resolve(event.data);
    worker.onerror = (event) => reject(new Error(`worker: ${event.message}`));
  });
}

// p uniform over 1 024 outcomes, q alternately 1.5 and 0.5 times that: each row's
// D(P‖Q) = ½·ln(1/1.5) + ½·ln(1/0.5) = ½·ln(4/3).
async function poolRows() {
  const rows = 64;
  const columns = 1024;
  const p = new Float64Array(rows * columns).fill(1 / columns);
  const pool = await createKLPool({ threads: 2 });
  const perRow = await pool.kl(p, p.map((_, i) => (i % 2 === 0 ? 1.5 : 0.5) / columns), { rows, reduction: "none" });
  await pool.terminate();
  return perRow;
}

async function check() {
  const p = [0.1, 0.2, 0.3, 0.4];
  const q = [0.25, 0.25, 0.25, 0.25];
  const expected = referenceKL.kl(p, q);
  const close = (value) => Math.abs(value - expected) <= 1e-12 * expected;
  const kl = await createKL();
  const value = kl.kl(p, q);
  const fromUrl = await createKL({ module: simdUrl });
  const worker = await fromWorker();
  const perRow = await poolRows();
  const rowKL = 0.5 * Math.log(4 / 3);
  const poolAgrees = perRow.length === 64 && perRow.every((v) => Math.abs(v - rowKL) <= 1e-12 * rowKL);
  const ok = close(value) && close(fromUrl.kl(p, q)) && close(worker.value) && fromUrl.backend === "wasm-simd" && worker.backend === "wasm-simd" && poolAgrees;
  return { ok, backend: kl.backend, value, expected, wasmUrl: simdUrl, worker, poolRow: perRow[0], poolExpected: rowKL };
}

check()
  .catch((error) => ({ ok: false, error: String(error?.stack ?? error) }))
  .then((result) => {
    document.getElementById("result").textContent = JSON.stringify(result, null, 2);
    document.body.dataset.result = JSON.stringify(result);
  });
