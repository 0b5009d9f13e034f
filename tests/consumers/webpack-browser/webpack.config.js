// A production build as webpack 5 users write it, with one setting of our own: the size budget.
// webpack's default (244 KiB, before compression) is below what klwasm's inlined SIMD module
// weighs as hex text (190 kB of Wasm, 380 kB of text, which gzips to about 40 kB), so the budget
// here is that of the bundle as it is, and a build over it still fails (--fail-on-warnings).
import { fileURLToPath } from "node:url";

export default {
  entry: "./src/main.js",
  output: { path: fileURLToPath(new URL("./public", import.meta.url)), filename: "main.js" },
  performance: { maxAssetSize: 512 * 1024, maxEntrypointSize: 512 * 1024 },
};
