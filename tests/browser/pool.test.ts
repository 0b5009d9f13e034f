/**
 * The built package in real headless Chromium: createKLPool on Web Workers gives createKL's
 * results bit for bit, with shared memory (a cross-origin-isolated page) and without it (the
 * inputs are copied to the workers); createKL({ relaxed: true }) loads the relaxed-SIMD build.
 * The page imports dist/index.js as served, so the pool finds dist/pool-worker.js beside it.
 */
import { readFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { extname, join, normalize } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, type Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";
const ROOT = fileURLToPath(new URL("../..", import.meta.url));

// Runs in the page: every pool result against createKL's, compared bit for bit there.
const PAGE = `<!doctype html><meta charset="utf-8"><script type="module">
import { createKL, createKLPool } from "/dist/index.js";
const rows = 16, cols = 4099, n = rows * cols;
let seed = 7;
const random = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
const a = Float32Array.from({ length: n }, () => 8 * random() - 4);
const b = Float32Array.from({ length: n }, () => 8 * random() - 4);
const p = Float64Array.from({ length: n }, () => random() + 1e-3);
const q = Float64Array.from({ length: n }, () => random() + 1e-3);
const same = (x, y) => typeof x === "number" ? Object.is(x, y)
  : ArrayBuffer.isView(x) ? x.length === y.length && x.every((v, i) => Object.is(v, y[i]))
  : same(x.value, y.value) && same(x.grad, y.grad);
const single = await createKL();
const pool = await createKLPool({ threads: 2 });
const calls = {
  forwardLogits: (kl) => kl.forwardGrad(a, b, { rows, space: "logits", reduction: "mean" }),
  reverseLogits: (kl) => kl.reverseGrad(a, b, { rows, space: "logits" }),
  klRows: (kl) => kl.kl(p, q, { rows, reduction: "none" }),
  klLong: (kl) => kl.kl(p, q),
};
const results = {};
for (const [name, call] of Object.entries(calls)) results[name] = same(await call(pool), call(single));
const sharedA = pool.alloc(n, Float32Array), sharedB = pool.alloc(n, Float32Array);
sharedA.set(a); sharedB.set(b);
results.sharedInputs = same(await pool.forwardGrad(sharedA, sharedB, { rows, space: "logits" }), single.forwardGrad(a, b, { rows, space: "logits" }));
await pool.terminate();
const relaxed = await createKL({ relaxed: true });
const relativeError = Math.abs(relaxed.kl(p, q, { rows }) - single.kl(p, q, { rows })) / single.kl(p, q, { rows });
window.report = { results, shared: pool.shared, isolated: crossOriginIsolated, backend: pool.backend, relaxedBackend: relaxed.backend, relativeError };
</script>`;

function serve(isolated: boolean): Promise<Server> {
  const types: Record<string, string> = { ".js": "text/javascript", ".map": "application/json" };
  const server = createServer(async (request, response) => {
    const headers: Record<string, string> = isolated ? { "Cross-Origin-Opener-Policy": "same-origin", "Cross-Origin-Embedder-Policy": "require-corp" } : {};
    const path = normalize(new URL(request.url!, "http://localhost").pathname);
    if (path === "/") {
      response.writeHead(200, { ...headers, "Content-Type": "text/html" }).end(PAGE);
      return;
    }
    try {
      if (!path.startsWith("/dist/")) throw new Error("outside dist/");
      const body = await readFile(join(ROOT, path));
      response.writeHead(200, { ...headers, "Content-Type": types[extname(path)] ?? "application/octet-stream" }).end(body);
    } catch {
      response.writeHead(404, headers).end();
    }
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

describe("createKLPool in headless Chromium", { timeout: 120_000 }, () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--headless", "--no-sandbox", "--disable-gpu"] });
  });
  afterAll(async () => browser?.close());

  it.each([true, false])("cross-origin isolated: %s", async (isolated) => {
    const server = await serve(isolated);
    try {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on("pageerror", (error) => errors.push(error.message));
      await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
      const report = await page.waitForFunction(() => (window as unknown as { report?: unknown }).report, undefined, { timeout: 60_000 }).then((handle) => handle.jsonValue());
      expect(errors).toEqual([]);
      expect(report).toMatchObject({
        results: { forwardLogits: true, reverseLogits: true, klRows: true, klLong: true, sharedInputs: true },
        isolated,
        shared: isolated,
        backend: "wasm-simd",
        relaxedBackend: "wasm-relaxed-simd",
      });
      expect((report as { relativeError: number }).relativeError).toBeLessThanOrEqual(1e-14);
    } finally {
      server.close();
    }
  });
});
