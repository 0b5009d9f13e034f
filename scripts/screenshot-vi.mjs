// A screenshot of the demo's variational-inference panel (demo/screenshots/vi.png): waits for the
// panel's fits on the demo page (demo-page.mjs), prints the numbers it shows, and saves the panel
// alone. Run after `npm run build`.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { screenshots, textOf, withDemoPage } from "./demo-page.mjs";

await withDemoPage(async (page) => {
  await page.waitForFunction(() => document.querySelector('[data-testid="vi-status"]')?.textContent === "done", null, { timeout: 120_000 });
  const text = (id) => textOf(page, id);
  console.log(`1-D, ELBO from μ₀ = −1.5, σ₀ = 1: μ = ${await text("vi-mu")}, σ = ${await text("vi-sigma")}, ELBO = ${await text("vi-elbo")} ± ${await text("vi-elbo-se")}, ` +
    `log Z = ${await text("vi-logz")} ± ${await text("vi-logz-se")}, k̂ = ${await text("vi-pareto-k")}, ${await text("vi-steps")} steps, ${await text("vi-ms")} ms`);
  for (const i of [0, 1]) {
    console.log(`2-D z${i + 1}: Σ = ${await text(`vi2-sigma-${i}`)}, 1/Λ = ${await text(`vi2-inverse-lambda-${i}`)}, mean-field σ² = ${await text(`vi2-mean-field-${i}`)}, full-rank = ${await text(`vi2-full-rank-${i}`)}`);
  }
  console.log(`2-D Σ12: ${await text("vi2-sigma-01")}, full-rank ${await text("vi2-full-rank-01")}; log Z ${await text("vi2-logz")}, ELBO mean-field ${await text("vi2-mean-field-elbo")}, full-rank ${await text("vi2-full-rank-elbo")}`);
  mkdirSync(screenshots, { recursive: true });
  await page.locator("#vi-panel").screenshot({ path: join(screenshots, "vi.png") });
  console.log("→ demo/screenshots/vi.png");
});
