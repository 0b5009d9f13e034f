// Screenshots of the demo at α = 0, 0.4 and 1 (demo/screenshots/alpha-*.png), and at 0.4 again
// after 1, where the α fit stays on the other optimum (alpha-0.4-after-1.png): drives the α
// slider on the demo page (demo-page.mjs), waits for the fits to converge at each α, and prints
// the fitted μ and σ the page shows. Run after `npm run build`.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { screenshots, textOf, withDemoPage } from "./demo-page.mjs";

await withDemoPage(async (page) => {
  const converged = () => page.waitForFunction(() => document.querySelector('[data-testid="status"]')?.textContent === "converged", null, { timeout: 120_000 });
  await converged();
  mkdirSync(screenshots, { recursive: true });
  for (const [alpha, name] of [["0", "alpha-0"], ["0.4", "alpha-0.4"], ["1", "alpha-1"], ["0.4", "alpha-0.4-after-1"]]) {
    await page.getByTestId("alpha").fill(alpha);
    await converged();
    console.log(`α = ${alpha}: μ = ${await textOf(page, "alpha-mu")}, σ = ${await textOf(page, "alpha-sigma")}, A_α = ${await textOf(page, "alpha-amari")} → demo/screenshots/${name}.png`);
    // The page down to the table of fits (the seed example below does not change with the fits).
    const bottom = await page.locator("#numbers").evaluate((element) => element.getBoundingClientRect().bottom + window.scrollY + 16);
    await page.screenshot({ path: join(screenshots, `${name}.png`), fullPage: true, clip: { x: 0, y: 0, width: 1280, height: Math.ceil(bottom) } });
  }
});
