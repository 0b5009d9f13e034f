// A screenshot of the demo's variational-inference panel (demo/screenshots/vi.png): starts
// scripts/serve.mjs on a free port, opens the page in headless Chromium (playwright-core,
// CHROMIUM or /usr/bin/chromium) as tests/browser/demo.test.ts does, waits for the panel's
// fits, prints the numbers it shows, and saves the panel alone. Run after `npm run build`.
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
  await page.waitForFunction(() => document.querySelector('[data-testid="vi-status"]')?.textContent === "done", null, { timeout: 120_000 });
  const text = async (id) => (await page.getByTestId(id).textContent()).trim();
  console.log(`1-D, ELBO from μ₀ = −1.5, σ₀ = 1: μ = ${await text("vi-mu")}, σ = ${await text("vi-sigma")}, ELBO = ${await text("vi-elbo")} ± ${await text("vi-elbo-se")}, ` +
    `log Z = ${await text("vi-logz")} ± ${await text("vi-logz-se")}, k̂ = ${await text("vi-pareto-k")}, ${await text("vi-steps")} steps, ${await text("vi-ms")} ms`);
  for (const i of [0, 1]) {
    console.log(`2-D z${i + 1}: Σ = ${await text(`vi2-sigma-${i}`)}, 1/Λ = ${await text(`vi2-inverse-lambda-${i}`)}, mean-field σ² = ${await text(`vi2-mean-field-${i}`)}, full-rank = ${await text(`vi2-full-rank-${i}`)}`);
  }
  console.log(`2-D Σ12: ${await text("vi2-sigma-01")}, full-rank ${await text("vi2-full-rank-01")}; log Z ${await text("vi2-logz")}, ELBO mean-field ${await text("vi2-mean-field-elbo")}, full-rank ${await text("vi2-full-rank-elbo")}`);
  mkdirSync(out, { recursive: true });
  await page.locator("#vi-panel").screenshot({ path: join(out, "vi.png") });
  console.log("→ demo/screenshots/vi.png");
  if (errors.length > 0) throw new Error(`the page logged errors:\n${errors.join("\n")}`);
} finally {
  await browser.close();
  server.kill();
}
