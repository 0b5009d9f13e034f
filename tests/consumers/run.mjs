// Runs every consumer fixture (tests/consumers/<name>/, each a small project as a user would
// write it) against the package as published: `npm pack` of the current dist/ into a temporary
// directory, then for each fixture a temporary copy, `npm install <tarball>` there (offline from
// the npm cache where it can be), its `build` and `test` scripts, and, when its package.json
// names a `consumerPage`, that page served over HTTP and opened in Debian's Chromium, which must
// report `{ ok: true, backend: "wasm-simd" }` in document.body.dataset.result. A fixture that also
// names a `consumerCdn` directory has it served on a second origin with the headers a CDN sends,
// and finds that origin's URL in its page's query (`?cdn=…`). Every Web Worker a page starts is
// recorded: one that reports an error fails the page, and a fixture that names `consumerWorkers`
// must start that many (a pool whose workers did not start computes in the page's thread, with
// the right values).
//
// usage: node tests/consumers/run.mjs [name …] [--keep]
//   name …   run only these fixtures
//   --keep   leave the temporary directory (printed) for inspection
// It tests dist/ as it stands: `npm run build` first after changing src/ or assembly/.
import { execFile } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { dirname, extname, join, normalize, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, "../..");
const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";
const CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"];
// Installs are the slow part (a few seconds each, mostly unpacking): run this many at once.
const PARALLEL = 4;
const COMMAND_TIMEOUT_MS = 180_000;
const PAGE_TIMEOUT_MS = 60_000;

const args = process.argv.slice(2);
const keep = args.includes("--keep");
const wanted = args.filter((arg) => !arg.startsWith("--"));
const fixtures = readdirSync(here, { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && existsSync(join(here, entry.name, "package.json")))
  .map((entry) => entry.name)
  .filter((name) => wanted.length === 0 || wanted.includes(name));
for (const name of wanted) {
  if (!fixtures.includes(name)) fail(`no fixture named ${name} in ${relative(root, here)}`);
}
for (const file of ["index.js", "index.cjs", "reference.js", "reference.cjs", "tfjs.js", "tfjs.cjs", "index.d.ts", "index.d.cts"]) {
  if (!existsSync(join(root, "dist", file))) fail(`dist/${file} is missing: run \`npm run build\` first`);
}

/** Runs a command; resolves with its output, rejects with the output's tail on failure. */
function run(command, commandArgs, cwd) {
  return new Promise((resolvePromise, reject) => {
    execFile(command, commandArgs, { cwd, timeout: COMMAND_TIMEOUT_MS, maxBuffer: 64 << 20, env: { ...process.env, NO_COLOR: "1" } }, (error, stdout, stderr) => {
      const output = `${stdout}${stderr}`.trim();
      if (error) reject(new Error(`\`${command} ${commandArgs.join(" ")}\` failed (${error.code ?? error.signal}):\n${tail(output)}`));
      else resolvePromise(output);
    });
  });
}

function tail(text, lines = 30) {
  return text.split("\n").slice(-lines).map((line) => `    ${line}`).join("\n");
}

function fail(message) {
  console.error(`consumers: ${message}`);
  process.exit(2);
}

const MIME = { ".html": "text/html", ".js": "text/javascript", ".mjs": "text/javascript", ".wasm": "application/wasm", ".json": "application/json", ".css": "text/css", ".map": "application/json" };

// What public CDNs send with a package's files: any origin may load them (module scripts and
// workers' imports from another origin need the first).
const CDN_HEADERS = { "access-control-allow-origin": "*", "cross-origin-resource-policy": "cross-origin" };

/** Serves `directory` on a free port, with `headers` on every file; resolves with the server and its base URL. */
function serve(directory, headers = {}) {
  const server = createServer(async (request, response) => {
    const path = normalize(join(directory, decodeURIComponent(new URL(request.url, "http://x").pathname)));
    if (!path.startsWith(directory + sep)) {
      response.writeHead(403).end();
      return;
    }
    try {
      const body = await readFile(path);
      response.writeHead(200, { ...headers, "content-type": MIME[extname(path)] ?? "application/octet-stream" }).end(body);
    } catch {
      response.writeHead(404).end();
    }
  });
  return new Promise((resolvePromise) => {
    server.listen(0, "127.0.0.1", () => resolvePromise({ server, url: `http://127.0.0.1:${server.address().port}/` }));
  });
}

let browserPromise;
function browser() {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install chromium (see .ci/run)`);
  browserPromise ??= chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  return browserPromise;
}

/** Runs in the page before its own scripts: records every Web Worker it starts, and the worker's errors. */
function recordWorkers() {
  const started = (window.consumerWorkers = []);
  window.Worker = class extends window.Worker {
    constructor(url, options) {
      super(url, options);
      const record = { url: String(url), errors: [] };
      started.push(record);
      this.addEventListener("error", (event) => record.errors.push(event.message || "error"));
    }
  };
}

/**
 * Opens the built page in Chromium (with `cdnPath` on a second origin) and returns what it
 * reported; page errors, worker errors and another number of workers than `workerCount` fail it.
 */
async function openPage(directory, pagePath, { cdnPath, workerCount }) {
  const { server, url } = await serve(resolve(directory, dirname(pagePath)));
  const cdn = cdnPath && (await serve(resolve(directory, cdnPath), CDN_HEADERS));
  const page = await (await browser()).newPage();
  await page.addInitScript(recordWorkers);
  const errors = [];
  page.on("pageerror", (error) => errors.push(String(error)));
  page.on("console", (message) => {
    if (message.type() === "error") errors.push(message.text());
  });
  page.on("response", (response) => {
    if (response.status() >= 400) errors.push(`HTTP ${response.status()} for ${response.url()}`);
  });
  try {
    await page.goto(url + pagePath.split("/").at(-1) + (cdn ? `?cdn=${encodeURIComponent(cdn.url)}` : ""));
    await page.waitForFunction(() => document.body?.dataset.result, null, { timeout: PAGE_TIMEOUT_MS });
    const result = JSON.parse(await page.evaluate(() => document.body.dataset.result));
    if (errors.length > 0) throw new Error(`the page logged errors:\n${tail(errors.join("\n"))}`);
    if (!result.ok) throw new Error(`the page reported a failure:\n${tail(JSON.stringify(result, null, 2))}`);
    if (result.backend !== "wasm-simd") throw new Error(`backend is ${result.backend}, not wasm-simd`);
    const workers = await page.evaluate(() => window.consumerWorkers);
    const failing = workers.filter((worker) => worker.errors.length > 0);
    if (failing.length > 0) throw new Error(`workers reported errors:\n${tail(JSON.stringify(failing, null, 2))}`);
    if (workerCount !== undefined && workers.length !== workerCount) throw new Error(`the page started ${workers.length} workers, not ${workerCount}`);
    return `page: ${JSON.stringify(result)}\npage: workers ${JSON.stringify(workers.map((worker) => worker.url.replace(url, "./")))}`;
  } finally {
    await page.close();
    server.close();
    cdn?.server.close();
  }
}

/** One fixture, from a clean copy to its last check. Resolves with its log; rejects on failure. */
async function runFixture(name, tarball, workspace) {
  const directory = join(workspace, name);
  cpSync(join(here, name), directory, { recursive: true, filter: (source) => !/[\\/](node_modules|dist)$/.test(source) });
  const manifest = JSON.parse(readFileSync(join(directory, "package.json"), "utf8"));
  const log = [];
  log.push(await run("npm", ["install", tarball, "--no-save", "--prefer-offline", "--no-audit", "--no-fund", "--loglevel=error"], directory));
  if (manifest.scripts?.build) log.push(await run("npm", ["run", "--silent", "build"], directory));
  if (manifest.scripts?.test) log.push(await run("npm", ["run", "--silent", "test"], directory));
  if (manifest.consumerPage) log.push(await openPage(directory, manifest.consumerPage, { cdnPath: manifest.consumerCdn, workerCount: manifest.consumerWorkers }));
  return log.filter(Boolean).join("\n");
}

const started = performance.now();
const workspace = mkdtempSync(join(tmpdir(), "klwasm-consumers-"));
let passed = 0;
let failed = 0;
try {
  const packed = JSON.parse(await run("npm", ["pack", "--json", "--ignore-scripts", "--pack-destination", workspace], root));
  const tarball = join(workspace, packed[0].filename);
  console.log(`consumers: ${packed[0].filename} (${packed[0].entryCount} files, ${(packed[0].size / 1024).toFixed(0)} kB packed), ${fixtures.length} fixtures`);
  const queue = [...fixtures];
  const worker = async () => {
    for (let name = queue.shift(); name !== undefined; name = queue.shift()) {
      const start = performance.now();
      try {
        const output = await runFixture(name, tarball, workspace);
        passed++;
        // On success only the fixture's own report lines ("<name>: …", "page: …"); all of it on failure.
        const report = output.split("\n").filter((line) => line.startsWith(`${name}: `) || line.startsWith("page: "));
        console.log(`ok   ${name} (${((performance.now() - start) / 1000).toFixed(1)} s)${report.map((line) => `\n    ${line}`).join("")}`);
      } catch (error) {
        failed++;
        console.log(`FAIL ${name} (${((performance.now() - start) / 1000).toFixed(1)} s)\n${error.message}`);
      }
    }
  };
  await Promise.all(Array.from({ length: PARALLEL }, worker));
} finally {
  if (browserPromise) await (await browserPromise).close();
  if (keep) console.log(`consumers: kept ${workspace}`);
  else rmSync(workspace, { recursive: true, force: true });
}
console.log(`consumers: ${((performance.now() - started) / 1000).toFixed(0)} s`);
console.log(`${passed} passed, ${failed} failed`);
process.exitCode = failed === 0 ? 0 : 1;
