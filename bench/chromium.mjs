// Runs benchmark cases in headless Chromium for `bench/kl.mjs --browser` and
// `bench/distill.mjs --browser`: Debian's /usr/bin/chromium (CHROMIUM=… for another) through
// playwright-core, launched as tests/browser/ launches it; never a downloaded browser. The page
// script (bench/browser-page.mjs) is bundled by esbuild in memory and served with the library
// under test (the file KLWASM_LIB names, else dist/index.js, and its chunks) over node:http on a
// free port.
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { createServer } from "node:http";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { chromium } from "playwright-core";
import { libUrl } from "./common.mjs";

const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";
// tests/browser/demo.test.ts's flags: no sandbox (containers), no GPU, no background traffic.
const ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
  "--disable-component-update", "--disable-sync", "--no-first-run"];
const PAGE = '<!doctype html><meta charset="utf-8"><title>klwasm bench</title><link rel="icon" href="data:,">' +
  '<script type="module" src="/bench.js"></script>';

async function bundlePage() {
  const { outputFiles } = await build({
    entryPoints: [fileURLToPath(new URL("./browser-page.mjs", import.meta.url))],
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    write: false,
    logLevel: "warning",
  });
  return outputFiles[0].contents;
}

/** Serves what find(pathname) resolves to ([body, content type], or undefined: 404) on 127.0.0.1 at a free port. */
function serve(find) {
  const server = createServer(async (request, response) => {
    const file = await find(new URL(request.url ?? "/", "http://localhost").pathname);
    // Cross-origin isolation gives performance.now() its 5 µs resolution instead of 100 µs.
    response.writeHead(file ? 200 : 404, {
      "content-type": file?.[1] ?? "text/plain",
      "cross-origin-opener-policy": "same-origin",
      "cross-origin-embedder-policy": "require-corp",
    });
    response.end(file?.[0] ?? "not found");
  });
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => resolve({ url: `http://127.0.0.1:${server.address().port}/`, close: () => server.close() }));
  });
}

/**
 * Calls bench[name](args) of bench/browser-page.mjs in a fresh headless Chromium page, with
 * args.library set to the library's URL there.
 * @param {string} name "kl" or "distill"
 * @param {object} args
 * @param {(kind: "start" | "warn" | "done", payload: unknown) => void} onEvent the page's progress;
 *   page errors arrive as "warn"
 * @returns {Promise<object>} what the page returned, with the browser's version as `chromium`
 */
export async function runInChromium(name, args, onEvent) {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install chromium, or set CHROMIUM`);
  const js = "text/javascript; charset=utf-8";
  const script = await bundlePage();
  // The library's entry imports its chunks (./chunk-….js) by relative URL: serve its directory's scripts.
  const library = path.dirname(fileURLToPath(libUrl));
  const server = await serve(async (pathname) => {
    if (pathname === "/") return [PAGE, "text/html; charset=utf-8"];
    if (pathname === "/bench.js") return [script, js];
    const name = pathname.match(/^\/klwasm\/([\w.-]+\.js)$/)?.[1];
    return name && existsSync(path.join(library, name)) ? [await readFile(path.join(library, name)), js] : undefined;
  });
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  try {
    const page = await browser.newPage();
    page.on("pageerror", (error) => onEvent("warn", `chromium: ${error.message}`));
    page.on("console", (message) => message.type() === "error" && onEvent("warn", `chromium: ${message.text()}`));
    await page.exposeFunction("benchEvent", onEvent);
    await page.goto(server.url);
    const library = `/klwasm/${path.basename(fileURLToPath(libUrl))}`;
    const result = await page.evaluate(([fn, fnArgs]) => globalThis.bench[fn](fnArgs), [name, { ...args, library }]);
    return { ...result, chromium: browser.version() };
  } finally {
    await browser.close();
    server.close();
  }
}
