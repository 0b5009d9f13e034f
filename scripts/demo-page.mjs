// The demo page in headless Chromium, for the screenshot scripts: starts scripts/serve.mjs on a
// free port, opens the page (playwright-core, CHROMIUM or /usr/bin/chromium, as
// tests/browser/demo.test.ts does), runs `work(page)`, fails if the page logged errors, and
// stops the browser and the server.
import { spawn } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

export const root = fileURLToPath(new URL("..", import.meta.url));
/** Where the screenshots go. */
export const screenshots = join(root, "demo", "screenshots");
const executablePath = process.env.CHROMIUM ?? "/usr/bin/chromium";
const ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"];

/** The trimmed text of the element with `data-testid` `id`. */
export const textOf = async (page, id) => (await page.getByTestId(id).textContent()).trim();

export async function withDemoPage(work) {
  const server = spawn(process.execPath, [join(root, "scripts", "serve.mjs")], { env: { ...process.env, PORT: "0" }, stdio: ["ignore", "pipe", "inherit"] });
  const url = await new Promise((resolve, reject) => {
    let output = "";
    server.stdout.on("data", (chunk) => {
      output += chunk.toString();
      const found = /klwasm demo: (http:\/\/\S+\/)/.exec(output)?.[1];
      if (found) resolve(found);
    });
    server.on("exit", (code) => reject(new Error(`the demo server exited (${code}):\n${output}`)));
  });
  const browser = await chromium.launch({ executablePath, args: ARGS });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1100 } });
    const errors = [];
    page.on("pageerror", (error) => errors.push(error.message));
    page.on("console", (message) => { if (message.type() === "error") errors.push(message.text()); });
    await page.goto(url);
    await work(page);
    if (errors.length > 0) throw new Error(`the page logged errors:\n${errors.join("\n")}`);
  } finally {
    await browser.close();
    server.kill();
  }
}
