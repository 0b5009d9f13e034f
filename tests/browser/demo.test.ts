/**
 * The demo in real headless Chromium (Debian's /usr/bin/chromium, driven by playwright-core):
 * the page's fits converge to what the mathematics says, follow the sliders (the plot's range
 * too), switch backend, log no errors; the α slider refits from where the α fit is (reverse KL
 * at 0, forward at 1, the hysteresis at 0.4), the landscape's lowest cell is the fit's optimum,
 * the seed example's Rényi and Amari rows match their formulas; and the library's
 * Wasm-versus-reference parity holds inside the browser.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";
const ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"];

/** Starts scripts/serve.mjs on a free port and resolves with its URL. */
function startServer(): Promise<{ server: ChildProcess; url: string }> {
  const server = spawn(process.execPath, ["scripts/serve.mjs"], { env: { ...process.env, PORT: "0" }, stdio: ["ignore", "pipe", "pipe"] });
  return new Promise((resolve, reject) => {
    let output = "";
    const timer = setTimeout(() => reject(new Error(`the demo server did not start:\n${output}`)), 60_000);
    const read = (chunk: Buffer) => {
      output += chunk.toString();
      const url = /klwasm demo: (http:\/\/\S+\/)/.exec(output)?.[1];
      if (url) {
        clearTimeout(timer);
        resolve({ server, url });
      }
    };
    server.stdout!.on("data", read);
    server.stderr!.on("data", read);
    server.on("exit", (code) => reject(new Error(`the demo server exited (${code}):\n${output}`)));
  });
}

/** A test id's text as a number. */
async function number(page: Page, testId: string): Promise<number> {
  const text = (await page.getByTestId(testId).textContent())!.trim();
  expect(text, testId).toMatch(/^-?\d+(\.\d+)?(e[+-]?\d+)?$/);
  return Number(text);
}

async function waitFor(page: Page, testId: string, text: string, timeout = 90_000): Promise<void> {
  await page.waitForFunction(
    ([id, want]) => document.querySelector(`[data-testid="${id}"]`)?.textContent === want,
    [testId, text] as const,
    { timeout },
  );
}

/** mean = Σ w·m, σ² = Σ w·(s² + m²) − mean², weights normalised. */
function moments(modes: Array<[number, number, number]>): { mean: number; sigma: number } {
  const total = modes.reduce((t, [w]) => t + w, 0);
  const mean = modes.reduce((t, [w, m]) => t + (w / total) * m, 0);
  const second = modes.reduce((t, [w, m, s]) => t + (w / total) * (s * s + m * m), 0);
  return { mean, sigma: Math.sqrt(second - mean * mean) };
}

/** D(N(0, s1²)‖N(0, s2²)) = log(s2/s1) + s1²/(2 s2²) − ½. */
const normalKL = (s1: number, s2: number) => Math.log(s2 / s1) + (s1 * s1) / (2 * s2 * s2) - 0.5;

/**
 * Rényi's D_α(N(0, s1²)‖N(0, s2²)) = log(s2/s1) − log(v/s2²)/(2(α − 1)), v = α·s2² + (1 − α)·s1²
 * (Gil, Alajaji & Linder 2013), and Amari's A_α = (1 − e^((α−1)·D_α))/(α(1 − α)), for 0 < α < 1.
 */
function normalRenyi(s1: number, s2: number, alpha: number): number {
  const v = alpha * s2 * s2 + (1 - alpha) * s1 * s1;
  return Math.log(s2 / s1) - Math.log(v / (s2 * s2)) / (2 * (alpha - 1));
}
const normalAmari = (s1: number, s2: number, alpha: number) => (1 - Math.exp((alpha - 1) * normalRenyi(s1, s2, alpha))) / (alpha * (1 - alpha));

describe("the demo in headless Chromium", { timeout: 240_000 }, () => {
  let server: ChildProcess | undefined;
  let url: string;
  let browser: Browser;
  const errors: string[] = [];

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install chromium (see .ci/run)`);
    ({ server, url } = await startServer());
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    server?.kill();
  });

  async function open(path: string): Promise<Page> {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1100 } });
    page.on("console", (message) => {
      if (message.type() === "error") errors.push(`${path}: ${message.text()}`);
    });
    page.on("pageerror", (error) => errors.push(`${path}: ${error.message}`));
    await page.goto(new URL(path, url).href);
    return page;
  }

  it("fits P's moments forward and a mode in reverse, follows the sliders and the backend toggle", async () => {
    const page = await open("/");
    await waitFor(page, "status", "converged");
    expect(await page.getByTestId("backend").textContent()).toBe("wasm-simd");

    // The default P: 0.6·N(−2, 0.6²) + 0.4·N(2, 0.8²); every fit starts on its heavier mode, half as wide as P.
    const check = async (modes: Array<[number, number, number]>, mode: number) => {
      const { mean, sigma } = moments(modes);
      // The page prints 4 decimals: allow half a unit of the last one on top of 1e-3 relative.
      const tolerance = 1e-3 * sigma + 5e-5;
      expect(Math.abs((await number(page, "p-mean")) - mean)).toBeLessThanOrEqual(5e-5);
      expect(Math.abs((await number(page, "p-sigma")) - sigma)).toBeLessThanOrEqual(5e-5);
      expect(Math.abs((await number(page, "forward-mu")) - mean)).toBeLessThanOrEqual(tolerance);
      expect(Math.abs((await number(page, "forward-sigma")) - sigma)).toBeLessThanOrEqual(tolerance);
      expect(Math.abs((await number(page, "reverse-mu")) - mode)).toBeLessThan(0.1);
      // Each fit wins in its own direction.
      expect(await number(page, "forward-dpq")).toBeLessThan(await number(page, "reverse-dpq"));
      expect(await number(page, "reverse-dqp")).toBeLessThan(await number(page, "forward-dqp"));
    };
    await check([[0.6, -2, 0.6], [0.4, 2, 0.8]], -2);
    expect(await number(page, "ms-per-step")).toBeGreaterThan(0);

    // The seed example: closed forms, and the library's grid values beside them.
    for (const [key, s1, s2] of [["variance", Math.SQRT2, Math.sqrt(3)], ["sd", 2, 3]] as const) {
      for (const [direction, want] of [["forward", normalKL(s1, s2)], ["reverse", normalKL(s2, s1)]] as const) {
        expect(Math.abs((await number(page, `seed-${key}-${direction}-closed`)) - want)).toBeLessThanOrEqual(5e-7);
        expect(Math.abs((await number(page, `seed-${key}-${direction}-grid`)) - want)).toBeLessThanOrEqual(5e-7);
      }
    }

    // Move mode 2 from mean 2 to 4 with the keyboard (step 0.1): the fits restart and move.
    const before = await number(page, "forward-mu");
    const mean2 = page.getByTestId("mode-1-mean");
    await mean2.focus();
    for (let i = 0; i < 20; i++) await mean2.press("ArrowRight");
    expect(await mean2.inputValue()).toBe("4");
    expect(await page.getByTestId("status").textContent()).toBe("running");
    await waitFor(page, "status", "converged");
    expect(await number(page, "forward-mu")).not.toBe(before);
    await check([[0.6, -2, 0.6], [0.4, 4, 0.8]], -2);
    // The plot's x-range follows P: its mean ± 4σ, here 0.4 ± 4·√9.112, beyond the old fixed [−12, 12].
    const { mean, sigma } = moments([[0.6, -2, 0.6], [0.4, 4, 0.8]]);
    const plot = page.locator("#plot");
    expect(Math.abs(Number(await plot.getAttribute("data-x-min")) - (mean - 4 * sigma))).toBeLessThanOrEqual(1e-12);
    expect(Math.abs(Number(await plot.getAttribute("data-x-max")) - (mean + 4 * sigma))).toBeLessThanOrEqual(1e-12);
    expect(mean + 4 * sigma).toBeGreaterThan(12.4);

    // Make mode 2 the heavier one: the fits now start on it, and reverse KL stays there.
    const weight2 = page.getByTestId("mode-1-weight");
    await weight2.focus();
    for (let i = 0; i < 8; i++) await weight2.press("ArrowRight");
    expect(await weight2.inputValue()).toBe("0.8");
    await waitFor(page, "status", "converged");
    await check([[0.6, -2, 0.6], [0.8, 4, 0.8]], 4);

    // Three modes, then the same fits on the reference backend.
    const count = page.getByTestId("modes");
    await count.focus();
    await count.press("ArrowRight");
    await waitFor(page, "status", "converged");
    const three: Array<[number, number, number]> = [[0.6, -2, 0.6], [0.8, 4, 0.8], [0.3, -6, 0.8]];
    await check(three, 4);
    const wasm = { mu: await number(page, "forward-mu"), sigma: await number(page, "reverse-sigma") };
    await page.getByTestId("use-reference").check();
    await waitFor(page, "backend", "reference");
    await waitFor(page, "status", "converged");
    await check(three, 4);
    expect(Math.abs((await number(page, "forward-mu")) - wasm.mu)).toBeLessThanOrEqual(2e-4);
    expect(Math.abs((await number(page, "reverse-sigma")) - wasm.sigma)).toBeLessThanOrEqual(2e-4);
    await page.getByTestId("use-reference").uncheck();
    await waitFor(page, "backend", "wasm-simd");
    await waitFor(page, "status", "converged");

    mkdirSync("test-results", { recursive: true });
    await page.screenshot({ path: "test-results/demo.png", fullPage: true });
    expect(errors).toEqual([]);
    await page.close();
  });

  it("the α slider refits from where the α fit is: reverse KL at 0, forward at 1, either optimum at 0.4", async () => {
    const page = await open("/");
    await waitFor(page, "status", "converged");
    const slider = page.getByTestId("alpha");
    expect(await slider.inputValue()).toBe("0.5");
    const { mean, sigma } = moments([[0.6, -2, 0.6], [0.4, 2, 0.8]]);
    const fitted = async () => ({ mu: await number(page, "alpha-mu"), sigma: await number(page, "alpha-sigma"), amari: await number(page, "alpha-amari") });
    const seen: Record<string, { mu: number; sigma: number; amari: number }> = {};
    const landscape = page.locator("#landscape");
    /** Moves the slider to `alpha` and waits for the fits and the landscape. */
    const slide = async (alpha: string) => {
      await slider.fill(alpha);
      expect(await page.getByTestId("status").textContent()).toBe("running");
      await waitFor(page, "status", "converged");
      expect(await landscape.getAttribute("data-alpha")).toBe(alpha);
      expect(await page.getByTestId("alpha-now").textContent()).toBe(Number(alpha).toFixed(2));
      seen[alpha] = await fitted();
      return seen[alpha]!;
    };
    // The map's lowest cell, within a cell (the map is 60 × 60) of a point.
    const lowestNear = async (mu: number, sd: number) => {
      const axes = { mu: (await landscape.getAttribute("data-lowest-mu"))!, sigma: (await landscape.getAttribute("data-lowest-sigma"))! };
      expect(Math.abs(Number(axes.mu) - mu), "the map's lowest μ").toBeLessThanOrEqual(0.12);
      expect(Math.abs(Math.log(Number(axes.sigma) / sd)), "the map's lowest log σ").toBeLessThanOrEqual(0.05);
    };

    // From the start (the heavy mode, half as wide as P) the α fit at ½ stays on the mode: a local minimum.
    const start = await fitted();
    expect(Math.abs(start.mu - -2)).toBeLessThan(0.05);

    // α = 0 is reverse KL: on the heavy mode, where the reverse fit is (from its own start).
    const reverse = await slide("0");
    expect(Math.abs(reverse.mu - -2)).toBeLessThan(0.02);
    expect(Math.abs(reverse.sigma - 0.6)).toBeLessThan(0.02);
    expect(Math.abs(reverse.mu - (await number(page, "reverse-mu")))).toBeLessThanOrEqual(2e-4);
    expect(Math.abs(reverse.sigma - (await number(page, "reverse-sigma")))).toBeLessThanOrEqual(2e-4);
    expect(Math.abs(reverse.amari - (await number(page, "reverse-dqp")))).toBeLessThanOrEqual(1e-4);

    // α = 0.4 from the mode: the mode's local minimum (−1.980, 0.6326; tests/fit/alpha-fit.test.ts).
    const fromMode = await slide("0.4");
    expect(Math.abs(fromMode.mu - -1.9798)).toBeLessThanOrEqual(2e-4);
    expect(Math.abs(fromMode.sigma - 0.6326)).toBeLessThanOrEqual(2e-4);
    // The seed example's α rows at 0.4, against the formulas written out above.
    for (const [key, s1, s2] of [["variance", Math.SQRT2, Math.sqrt(3)], ["sd", 2, 3]] as const) {
      for (const [direction, a, b] of [["forward", s1, s2], ["reverse", s2, s1]] as const) {
        for (const [name, want] of [["renyi", normalRenyi(a, b, 0.4)], ["alpha", normalAmari(a, b, 0.4)]] as const) {
          for (const form of ["closed", "grid"]) {
            const id = `seed-${key}-${name}-${direction}-${form}`;
            expect(Math.abs((await number(page, id)) - want), id).toBeLessThanOrEqual(5e-7);
          }
        }
      }
    }

    // α = 1 is forward KL: P's mean and σ, where the forward fit is; the map's lowest cell there too.
    const forward = await slide("1");
    expect(Math.abs(forward.mu - mean)).toBeLessThanOrEqual(1e-3 * sigma + 5e-5);
    expect(Math.abs(forward.sigma - sigma)).toBeLessThanOrEqual(1e-3 * sigma + 5e-5);
    expect(Math.abs(forward.mu - (await number(page, "forward-mu")))).toBeLessThanOrEqual(1e-4);
    expect(Math.abs(forward.sigma - (await number(page, "forward-sigma")))).toBeLessThanOrEqual(1e-4);
    await lowestNear(mean, sigma);

    // Back to α = 0.4, now from the wide fit: the other, lower minimum (−0.184, 2.000).
    const fromWide = await slide("0.4");
    expect(Math.abs(fromWide.mu - -0.1838)).toBeLessThanOrEqual(2e-4);
    expect(Math.abs(fromWide.sigma - 1.9999)).toBeLessThanOrEqual(2e-4);
    expect(fromWide.amari).toBeLessThan(fromMode.amari - 0.1);
    await lowestNear(-0.1838, 1.9999);

    // A click on the map moves the start of every fit there; forward KL still finds P's moments.
    const box = (await landscape.boundingBox())!;
    await landscape.click({ position: { x: box.width / 2, y: box.height / 2 } });
    expect(await page.getByTestId("start").textContent()).not.toBe("μ = -2.00, σ = 1.04");
    await waitFor(page, "status", "converged");
    expect(Math.abs((await number(page, "forward-mu")) - mean)).toBeLessThanOrEqual(1e-3 * sigma + 5e-5);

    expect(errors).toEqual([]);
    await page.close();
  });

  it("the VI panel: fitGaussianVI lands on the heavy mode from near it, on the light one from a click there, covers both by Rényi at ½; the 2-D mean-field variances are 1/Λᵢᵢ", async () => {
    const page = await open("/");
    await waitFor(page, "vi-status", "done");
    // Drawn: the fitted Q, the ticks of the last 5 steps' draws (16 each, those inside the plot), the 2-D ellipses.
    expect(await page.getByTestId("vi-q-curve").count()).toBe(1);
    expect(await page.locator('[data-testid="vi-ticks"] line').count()).toBeGreaterThan(60);
    expect(await page.getByTestId("vi-2d-mean-field").count()).toBe(1);
    expect(await page.getByTestId("vi-2d-full-rank").count()).toBe(1);

    // The default start μ₀ = −1.5, σ₀ = 1, near the heavy mode: the ELBO fit settles on it (the grid's reverse fit: −2, 0.6).
    expect(await page.getByTestId("vi-start-mu").inputValue()).toBe("-1.5");
    expect(Math.abs((await number(page, "vi-mu")) - -2)).toBeLessThan(0.05);
    expect(Math.abs((await number(page, "vi-sigma")) - 0.61)).toBeLessThan(0.03);
    expect(Math.abs((await number(page, "vi-elbo")) - Math.log(0.6))).toBeLessThan(0.03);
    expect(await number(page, "vi-pareto-k")).toBeGreaterThan(0.7);

    // The 2-D target, ρ = 0.9: mean-field σᵢ² = 1/Λᵢᵢ = 1 − 0.81 = 0.19, full-rank (LLᵀ)ᵢᵢ = Σᵢᵢ = 1 and Σ₁₂ = 0.9.
    for (const i of [0, 1]) {
      expect(await number(page, `vi2-inverse-lambda-${i}`)).toBe(0.19);
      expect(await number(page, `vi2-sigma-${i}`)).toBe(1);
      expect(Math.abs((await number(page, `vi2-mean-field-${i}`)) - 0.19)).toBeLessThanOrEqual(0.02);
      expect(Math.abs((await number(page, `vi2-full-rank-${i}`)) - 1)).toBeLessThanOrEqual(0.02);
    }
    expect(Math.abs((await number(page, "vi2-full-rank-01")) - 0.9)).toBeLessThanOrEqual(0.02);

    // A click on the plot at x = 2 starts the fit there: it settles on the light mode, N(2, 0.8²) nearly.
    const plot = page.getByTestId("vi-plot");
    const data = await plot.evaluate((svg) => ({ ...(svg as SVGSVGElement).dataset, width: Number(svg.getAttribute("width")) }));
    const box = (await plot.boundingBox())!;
    const scale = box.width / data.width;
    const at = Number(data.plotLeft) + ((2 - Number(data.xMin)) / (Number(data.xMax) - Number(data.xMin))) * Number(data.plotWidth);
    await plot.click({ position: { x: at * scale, y: box.height / 2 } });
    expect(Math.abs(Number(await page.getByTestId("vi-start-mu").inputValue()) - 2)).toBeLessThan(0.05);
    await waitFor(page, "vi-status", "done");
    expect(Math.abs((await number(page, "vi-mu")) - 2)).toBeLessThan(0.1);
    expect(Math.abs((await number(page, "vi-sigma")) - 0.8)).toBeLessThan(0.1);

    // Rényi at α = ½ from the heavy mode: covers both modes (σ near P's own, 2.08), log Z near 0.
    await page.getByTestId("vi-start-mu").fill("-1.5");
    await page.getByTestId("vi-start-mu").dispatchEvent("change");
    await page.getByTestId("vi-objective").selectOption("renyi");
    expect(await page.getByTestId("vi-alpha").isDisabled()).toBe(false);
    await waitFor(page, "vi-status", "done");
    expect(await number(page, "vi-sigma")).toBeGreaterThan(1.5);
    expect(Math.abs(await number(page, "vi-logz"))).toBeLessThan(0.05);
    expect(errors).toEqual([]);
    await page.close();
  });

  it("the Wasm builds agree with referenceKL inside the browser", async () => {
    const page = await open("/parity.html");
    await page.waitForFunction(() => document.querySelector('[data-testid="parity-status"]')?.textContent !== "running", null, { timeout: 120_000 });
    const report = JSON.parse((await page.getByTestId("parity").textContent())!) as {
      backends: string[]; checks: number; failures: string[]; worst: { f64: number; f32: number };
    };
    expect(await page.getByTestId("parity-status").textContent()).toBe("agree");
    expect(report.backends).toEqual(["wasm-simd", "wasm"]);
    expect(report.failures).toEqual([]);
    expect(report.checks).toBeGreaterThan(100_000);
    expect(report.worst.f64).toBeLessThanOrEqual(1e-12);
    expect(report.worst.f32).toBeLessThanOrEqual(1e-5);
    expect(errors).toEqual([]);
    await page.close();
  });
});
