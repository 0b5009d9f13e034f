/**
 * Many instances at once are independent; the library works inside worker_threads; results
 * do not depend on which instance or thread computes them.
 */
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { describe, expect, it } from "vitest";
import { createKL, createKLSync, referenceKL } from "../src/index.js";
import { logitsLike, probabilityLike } from "./generate.js";

const p = probabilityLike({ length: 4099, seed: 1, zeros: 0.1, decades: 4 });
const q = probabilityLike({ length: 4099, seed: 2, zeros: 0, decades: 4 });

describe("concurrency", () => {
  it("createKL() called 32 times at once gives working, independent instances", async () => {
    const instances = await Promise.all(Array.from({ length: 32 }, (_, i) => createKL({ simd: i % 2 === 0 })));
    const values = instances.map((kl) => kl.kl(p, q));
    expect(new Set(values.filter((_, i) => i % 2 === 0)).size).toBe(1);
    expect(new Set(values.filter((_, i) => i % 2 === 1)).size).toBe(1);
    // Independent memories: growing one leaves the others where they were.
    const before = instances.map((kl) => kl.memoryBytes());
    instances[0]!.kl(logitsLike(1_000_000, 3, 2), logitsLike(1_000_000, 4, 2), { space: "logits" });
    expect(instances[0]!.memoryBytes()).toBeGreaterThan(before[0]!);
    expect(instances.slice(1).map((kl) => kl.memoryBytes())).toEqual(before.slice(1));
    expect(Math.abs(values[0]! - referenceKL.kl(p, q)) / referenceKL.kl(p, q)).toBeLessThanOrEqual(1e-12);
  });

  it("works inside worker_threads with createKLSync, bit for bit as on the main thread", async () => {
    const bundle = fileURLToPath(new URL("../dist/index.js", import.meta.url));
    const source = `
      const { parentPort, workerData } = require("node:worker_threads");
      import(${JSON.stringify(bundle)}).then(({ createKLSync }) => {
        const kl = createKLSync();
        const p = new Float64Array(workerData.p), q = new Float64Array(workerData.q);
        parentPort.postMessage({ backend: kl.backend, value: kl.kl(p, q), grad: kl.forwardGrad(p, q).grad });
      });`;
    const results = await Promise.all(
      [0, 1, 2, 3].map(
        () =>
          new Promise<{ backend: string; value: number; grad: Float64Array }>((resolve, reject) => {
            const worker = new Worker(source, { eval: true, workerData: { p: Array.from(p), q: Array.from(q) } });
            worker.once("message", (message) => {
              resolve(message);
              void worker.terminate();
            });
            worker.once("error", reject);
          }),
      ),
    );
    const main = createKLSync();
    for (const result of results) {
      expect(result.backend).toBe("wasm-simd");
      expect(result.value).toBe(main.kl(p, q));
      expect(Array.from(result.grad)).toEqual(Array.from(main.forwardGrad(p, q).grad));
    }
  });
});
