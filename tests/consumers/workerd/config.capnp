# A Cloudflare Worker as wrangler would upload it: the bundle (esbuild with wrangler's
# conditions, the library's .wasm imports left as modules) and the Wasm modules it imports,
# which workerd compiles itself. `workerd test` runs the worker's test handler.
using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [(name = "main", worker = .worker)],
);

const worker :Workerd.Worker = (
  modules = [
    (name = "worker.js", esModule = embed "dist/worker.js"),
    (name = "klwasm-simd.wasm", wasm = embed "dist/klwasm-simd.wasm"),
    (name = "klwasm-scalar.wasm", wasm = embed "dist/klwasm-scalar.wasm"),
    (name = "klwasm-relaxed.wasm", wasm = embed "dist/klwasm-relaxed.wasm"),
  ],
  compatibilityDate = "2025-09-01",
);
