/**
 * The README's CDN page as a browser meets it: the HTML block after its comment, served from a
 * page of another origin, with cdn.jsdelivr.net answered from dist/ (as the published package
 * would be, with jsDelivr's CORS header) so that no network is needed. The import map and
 * the module script must compute D(P‖Q) with the SIMD build.
 */
import { existsSync, readFileSync } from "node:fs";
import { extname, join, normalize } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, type Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readmeBlock } from "../readme-blocks.js";

const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";
const ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"];
const dist = fileURLToPath(new URL("../../dist/", import.meta.url));
const CDN = "https://cdn.jsdelivr.net/npm/klwasm@0.2/dist/";
const PAGE = "https://app.example/readme.html";

describe("the README's CDN page in headless Chromium", { timeout: 120_000 }, () => {
  let browser: Browser;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install chromium (see .ci/run)`);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
  });

  it("imports klwasm through the import map and computes D(P‖Q) = ln(5/3)", async () => {
    const { language, code } = readmeBlock("tests/browser/readme.test.ts opens this page");
    expect(language).toBe("html");
    expect(code).toContain(`"${CDN}index.js"`);
    const page = await browser.newPage();
    const errors: string[] = [];
    const fetched: string[] = [];
    page.on("pageerror", (error) => errors.push(error.message));
    page.on("console", (message) => {
      if (message.type() === "error") errors.push(message.text());
    });
    // Nothing leaves the machine: the page and the CDN are answered here, anything else fails.
    await page.route("**/*", async (route) => {
      const url = route.request().url();
      if (url === PAGE) return route.fulfill({ status: 200, contentType: "text/html", body: `<!doctype html><meta charset="utf-8">\n${code}` });
      if (url.startsWith(CDN)) {
        const file = normalize(join(dist, url.slice(CDN.length)));
        if (!file.startsWith(dist) || !existsSync(file)) return route.fulfill({ status: 404 });
        fetched.push(url.slice(CDN.length));
        const type = extname(file) === ".js" ? "text/javascript" : "application/octet-stream";
        return route.fulfill({ status: 200, contentType: type, headers: { "access-control-allow-origin": "*" }, body: readFileSync(file) });
      }
      return route.abort();
    });
    await page.goto(PAGE);
    await page.waitForFunction(() => /nats/.test(document.body?.textContent ?? ""), null, { timeout: 60_000 });
    const text = (await page.textContent("body"))!;
    const value = Number(/D\(P‖Q\) = (\S+) nats/.exec(text)![1]);
    expect(Math.abs(value - Math.log(5 / 3))).toBeLessThanOrEqual(1e-15 * value);
    expect(fetched).toContain("index.js");
    expect(errors).toEqual([]);
    await page.close();
  });
});
