// Node module hooks that let the benchmarks load tfjs-core's own gradient definitions
// (@tensorflow/tfjs-core/dist/register_all_gradients.js, the file the union package
// @tensorflow/tfjs imports). tfjs-core's Node bundle registers no gradients, and the
// unbundled dist/*.js files are ES modules with extension-less relative imports in a
// package without "type": "module", which Node will not load as they are. These hooks
// add the ".js" and load those files as ES modules; nothing else is touched. The copy of
// tfjs-core they form shares the engine and the kernel and gradient registries with the
// bundle (tfjs keeps them in globals), so gradients registered here serve every backend.
// Registered by bench/common.mjs (loadTfjs({ gradients: true })).
import fs from "node:fs";
import { fileURLToPath } from "node:url";

const UNBUNDLED = /\/@tensorflow\/tfjs-core\/dist\/(?!tf-core[^/]*\.js$)[^?#]*\.js$/;

export async function resolve(specifier, context, next) {
  const parent = context.parentURL ?? "";
  if (UNBUNDLED.test(parent) && specifier.startsWith(".") && !specifier.endsWith(".js")) {
    const base = new URL(specifier, parent).href;
    for (const url of [`${base}.js`, `${base}/index.js`]) {
      if (fs.existsSync(fileURLToPath(url))) return { url, format: "module", shortCircuit: true };
    }
  }
  return next(specifier, context);
}

export async function load(url, context, next) {
  return UNBUNDLED.test(url) ? next(url, { ...context, format: "module" }) : next(url, context);
}
