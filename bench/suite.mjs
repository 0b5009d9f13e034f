// `npm run bench`: the forward-KL suite (bench/kl.mjs), the distillation's gradient cases
// (bench/distill.mjs), model comparison (bench/compare.mjs), the α family beside kl (bench/alpha.mjs),
// then one call's cost on small inputs
// (bench/small.mjs), each in its own
// Node process with relaxed SIMD enabled (for the relaxed-SIMD build's rows), with this script's
// arguments (--quick, --browser, …).
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

for (const script of ["kl.mjs", "distill.mjs", "compare.mjs", "alpha.mjs", "small.mjs"]) {
  const path = fileURLToPath(new URL(script, import.meta.url));
  const { status } = spawnSync(process.execPath, ["--experimental-wasm-relaxed-simd", path, ...process.argv.slice(2)], { stdio: "inherit" });
  if (status !== 0) process.exit(status ?? 1);
}
