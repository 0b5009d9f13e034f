// A page bundled by esbuild (platform browser) straight from the installed package: no plugin,
// no .wasm handling, the modules come inlined. Reports through document.body.dataset.result.
import { createKL, referenceKL } from "klwasm";

async function check() {
  const kl = await createKL();
  const p = [0.1, 0.2, 0.3, 0.4];
  const q = [0.25, 0.25, 0.25, 0.25];
  const value = kl.kl(p, q);
  const expected = referenceKL.kl(p, q);
  const agrees = Math.abs(value - expected) <= 1e-12 * expected;
  return { ok: agrees, backend: kl.backend, value, expected };
}

check()
  .catch((error) => ({ ok: false, error: String(error?.stack ?? error) }))
  .then((result) => {
    document.getElementById("result").textContent = JSON.stringify(result, null, 2);
    document.body.dataset.result = JSON.stringify(result);
  });
