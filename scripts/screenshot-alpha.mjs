// Screenshots of the demo at α = 0, 0.4 and 1 (demo/screenshots/alpha-*.png), and at 0.4 again
// after 1, where the α fit stays on the other optimum (alpha-0.4-after-1.png): starts
// scripts/serve.mjs on a free port, drives the α slider in headless Chromium (playwright-core,
// CHROMIUM or /usr/bin/chromium) as tests/browser/demo.test.ts does, waits for the fits to
// converge at each α, and prints the fitted μ and σ the page shows. Run after `npm run build`.
import { spawn } from "node:child_process";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const root = fileURLToPath(new URL("..", import.meta.url));
const out = join(root, "demo", "screenshots");
const executablePath = process.env.CHROMIUM ?? "/usr/bin/chromium";
const ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"];

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
  const converged = () => page.waitForFunction(() => document.querySelector('[data-testid="status"]')?.textContent === "converged", null, { timeout: 120_000 });
  await converged();
  mkdirSync(out, { recursive: true });
  for (const [alpha, name] of [["0", "alpha-0"], ["0.4", "alpha-0.4"], ["1", "alpha-1"], ["0.4", "alpha-0.4-after-1"]]) {
    await page.getByTestId("alpha").fill(alpha);
    await converged();
    const text = async (id) => (await page.getByTestId(id).textContent()).trim();
    console.log(`α = ${alpha}: μ = ${await text("alpha-mu")}, σ = ${await text("alpha-sigma")}, A_α = ${await text("alpha-amari")} → demo/screenshots/${name}.png`);
    // The page down to the table of fits (the seed example below does not change with the fits).
    const bottom = await page.locator("#numbers").evaluate((element) => element.getBoundingClientRect().bottom + window.scrollY + 16);
    await page.screenshot({ path: join(out, `${name}.png`), fullPage: true, clip: { x: 0, y: 0, width: 1280, height: Math.ceil(bottom) } });
  }
  if (errors.length > 0) throw new Error(`the page logged errors:\n${errors.join("\n")}`);
} finally {
  await browser.close();
  server.kill();
}
