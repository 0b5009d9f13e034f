// A Cloudflare Worker importing the library as wrangler bundles it (the `workerd` condition):
// workerd compiles no Wasm from bytes, so the library's workerd door instantiates the .wasm
// modules the worker imports. Every build, both factories, against the reference.
import { createKL, createKLSync, KLError, referenceKL } from "klwasm";

const p = [0.1, 0.2, 0.3, 0.4];
const q = [0.25, 0.25, 0.25, 0.25];
const expected = referenceKL.kl(p, q);

function check(kl, backends) {
  const value = kl.kl(p, q);
  if (!backends.includes(kl.backend)) throw new Error(`backend ${kl.backend}, expected ${backends.join(" or ")}`);
  if (!(Math.abs(value - expected) <= 1e-12 * expected)) throw new Error(`${kl.backend}: D(P‖Q) = ${value}, expected ${expected}`);
  return `${kl.backend} ${value}`;
}

export default {
  async test() {
    // The runtime refuses what the main entry would do here: compile Wasm from bytes.
    const refused = await WebAssembly.compile(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0])).then(() => false, (error) => /disallowed/.test(String(error)));
    if (!refused) throw new Error("workerd compiled Wasm from bytes: the door is not needed");
    const results = [
      check(await createKL(), ["wasm-simd"]),
      check(await createKL({ simd: false }), ["wasm"]),
      check(await createKL({ relaxed: true }), ["wasm-relaxed-simd", "wasm-simd"]),
      check(createKLSync(), ["wasm-simd"]),
    ];
    let error;
    try {
      (await createKL()).kl([0.5, -1], [0.5, 0.5]);
    } catch (caught) {
      error = caught;
    }
    if (!(error instanceof KLError) || error.code !== "NEGATIVE") throw new Error(`expected a KLError NEGATIVE, got ${error}`);
    console.log(`workerd: ${results.join(", ")}`);
  },
};
