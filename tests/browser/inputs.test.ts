/**
 * Float16Array inputs in headless Chromium, which has Float16Array (Node 20 has none): the built
 * package computes them as f32, so every method gives exactly what the same values give as a
 * Float32Array, gradients and relEntr are Float32Arrays, on the SIMD and scalar builds and the
 * reference. ONNX Runtime's float16 bits (a Uint16Array with `type: "float16"`) decode to what
 * the engine's own Float16Array reads from the same bits, for every finite non-negative half.
 * The page's requests are answered from dist/ by playwright's routing: no server.
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, type Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";
const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const ORIGIN = "http://klwasm.test";

describe("Float16Array in headless Chromium", { timeout: 120_000 }, () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--headless", "--no-sandbox", "--disable-gpu"] });
  });
  afterAll(async () => browser?.close());

  it("computes as f32 in every method, and decodes float16 bits as the engine does", async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on("pageerror", (error) => errors.push(error.message));
    await page.route(`${ORIGIN}/**`, (route) => {
      const path = new URL(route.request().url()).pathname;
      if (path === "/") return route.fulfill({ contentType: "text/html", body: "<!doctype html><title>klwasm</title>" });
      if (!path.startsWith("/dist/")) return route.fulfill({ status: 404 });
      return route.fulfill({ path: join(ROOT, path), contentType: path.endsWith(".js") ? "text/javascript" : undefined });
    });
    await page.goto(`${ORIGIN}/`);
    const report = await page.evaluate(async () => {
      // An import() written here would be rewritten by vitest's transform: the page's own one.
      const load = new Function("url", "return import(url)") as (url: string) => Promise<Record<string, any>>;
      const { createKL, referenceKL } = await load(`${location.origin}/dist/index.js`);
      const Half = (globalThis as unknown as { Float16Array: Float32ArrayConstructor }).Float16Array;
      const rows = 4, cols = 257, n = rows * cols;
      const p16 = new Half(n).map((_, i) => 0.01 + ((i * 37) % 101) / 100);
      const q16 = new Half(n).map((_, i) => 0.02 + ((i * 53) % 97) / 90);
      const [p32, q32] = [Float32Array.from(p16), Float32Array.from(q16)];
      const same = (x: unknown, y: unknown): boolean => typeof x === "number" ? Object.is(x, y)
        : ArrayBuffer.isView(x) ? x.constructor === (y as object).constructor && (x as Float32Array).every((v, i) => Object.is(v, (y as Float32Array)[i]))
        : same((x as { value: unknown }).value, (y as { value: unknown }).value) && same((x as { grad: unknown }).grad, (y as { grad: unknown }).grad);
      const results: Record<string, boolean> = {};
      for (const kl of [await createKL(), await createKL({ simd: false }), referenceKL]) {
        const check = (name: string, call: (p: unknown, q: unknown) => unknown) => {
          results[`${kl.backend} ${name}`] = same(call(p16, q16), call(p32, q32));
        };
        for (const method of ["kl", "forward", "reverse", "crossEntropy", "jsd"]) check(method, (p, q) => kl[method](p, q, { rows, reduction: "none" }));
        check("entropy", (p) => kl.entropy(p, { rows }));
        check("forwardGrad", (p, q) => kl.forwardGrad(p, q, { rows, space: "logits", reduction: "mean" }));
        check("reverseGrad", (p, q) => kl.reverseGrad(p, q, { rows }));
        check("jsdGrad", (p, q) => kl.jsdGrad(p, q, { rows, space: "log" }));
        check("relEntr", (p, q) => kl.relEntr(p, q));
        check("rows of Float16Arrays", (p, q) => kl.forwardGrad([(p as Float32Array).subarray(0, cols), (p as Float32Array).subarray(cols, 2 * cols)], { data: (q as Float32Array).subarray(0, 2 * cols), dims: [2, cols] }));
        results[`${kl.backend} grad is a Float32Array`] = kl.forwardGrad(p32, q16).grad instanceof Float32Array;
        // Every finite non-negative half, 0x0000 … 0x7bff: −p/q with q = 1 is −p exactly.
        const bits = Uint16Array.from({ length: 0x7c00 }, (_, i) => i);
        const ones = new Float32Array(bits.length).fill(1);
        const fromBits = kl.forwardGrad({ data: bits, dims: [bits.length, 1], type: "float16" }, ones).grad;
        const fromHalves = kl.forwardGrad(new Half(bits.buffer), ones).grad;
        results[`${kl.backend} float16 bits`] = same(fromBits, fromHalves) && fromBits.every((g: number, i: number) => g === -new Half(bits.buffer)[i]! || (g === 0 && i === 0));
      }
      return results;
    });
    expect(errors).toEqual([]);
    expect(Object.keys(report)).toHaveLength(3 * 13);
    expect(Object.entries(report).filter(([, ok]) => !ok)).toEqual([]);
  });
});
