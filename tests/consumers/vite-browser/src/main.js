// A page built by `vite build` with no configuration: the inlined modules, the shipped .wasm as
// an emitted asset (`?url`, for apps that keep Wasm out of the JavaScript), and a module worker.
// Reports through document.body.dataset.result.
import { createKL, referenceKL } from "klwasm";
import simdUrl from "klwasm/wasm/klwasm-simd.wasm?url";

function fromWorker() {
  const worker = new Worker(new URL("./worker.js", import.meta.url), { type: "module" });
  return new Promise((resolve, reject) => {
    worker.onmessage = (event) => resolve(event.data);
    worker.onerror = (event) => reject(new Error(`worker: ${event.message}`));
  });
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
  const ok = close(value) && close(fromUrl.kl(p, q)) && close(worker.value) && fromUrl.backend === "wasm-simd" && worker.backend === "wasm-simd";
  return { ok, backend: kl.backend, value, expected, wasmUrl: simdUrl, worker };
}

check()
  .catch((error) => ({ ok: false, error: String(error?.stack ?? error) }))
  .then((result) => {
    document.getElementById("result").textContent = JSON.stringify(result, null, 2);
    document.body.dataset.result = JSON.stringify(result);
  });
