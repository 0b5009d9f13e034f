// Starts a classic and a module worker, each computing with createKLSync, and reports what they
// sent through document.body.dataset.result.
function run(url, options) {
  const worker = new Worker(url, options);
  return new Promise((resolve, reject) => {
    worker.onmessage = (event) => resolve(event.data);
    worker.onerror = (event) => reject(new Error(`${url}: ${event.message}`));
  }).finally(() => worker.terminate());
}

async function check() {
  const workers = await Promise.all([run("./classic-worker.js"), run("./module-worker.js", { type: "module" })]);
  const ok = workers.every((w) => w.backend === "wasm-simd" && Math.abs(w.value - w.expected) <= 1e-12 * Math.abs(w.expected) && w.gradLength === 64000);
  return { ok, backend: workers[0].backend, workers };
}

check()
  .catch((error) => ({ ok: false, error: String(error?.stack ?? error) }))
  .then((result) => {
    document.getElementById("result").textContent = JSON.stringify(result, null, 2);
    document.body.dataset.result = JSON.stringify(result);
  });
