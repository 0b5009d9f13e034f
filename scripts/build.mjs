// `npm run build` (and prepare, pretest, start, example, bench): builds what is out of date and
// nothing else. Each Wasm target is rebuilt only when its inputs changed (assembly/, asconfig.json,
// the compiler's version), recorded as a content hash beside its output; the bundles in dist/
// likewise (src/, the Wasm files, the bundling script, package.json, tsconfig.json). A cold
// build runs the Wasm targets two at a time and says which is running and for how long.
//
//   node scripts/build.mjs            build what is stale
//   node scripts/build.mjs --force    rebuild everything
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const TARGETS = ["simd", "relaxed", "scalar"];
const force = process.argv.includes("--force");

/** Every file under `dir` (recursively) ending in one of `extensions`, sorted. */
function filesUnder(dir, extensions) {
  return readdirSync(dir, { recursive: true, encoding: "utf8" })
    .filter((file) => extensions.some((extension) => file.endsWith(extension)))
    .map((file) => join(dir, file))
    .filter((file) => statSync(file).isFile())
    .sort();
}

/** A hash of the files' names and contents, and of `extra` strings. */
function hashOf(files, extra = []) {
  const hash = createHash("sha256");
  for (const file of files) hash.update(file).update("\0").update(readFileSync(file)).update("\0");
  for (const text of extra) hash.update(text).update("\0");
  return hash.digest("hex");
}

/** Whether `outputs` exist and were built from inputs with this hash (recorded in `stamp`). */
function upToDate(stamp, hash, outputs) {
  return !force && outputs.every((file) => existsSync(file)) && existsSync(stamp) && readFileSync(stamp, "utf8") === hash;
}

const seconds = (start) => `${((Date.now() - start) / 1000).toFixed(0)} s`;

/** Runs a command, printing its output only if it fails. */
function run(command, args) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (data) => (output += data));
    child.stderr.on("data", (data) => (output += data));
    child.on("close", (code) => (code === 0 ? resolve() : reject(new Error(`${command} ${args.join(" ")} failed:\n${output}`))));
  });
}

const compiler = JSON.parse(readFileSync("node_modules/assemblyscript/package.json", "utf8")).version;
const wasmHash = hashOf([...filesUnder("assembly", [".ts"]), "asconfig.json"], [compiler]);
const stale = TARGETS.filter((target) => !upToDate(`build/klwasm-${target}.hash`, wasmHash, [`build/klwasm-${target}.wasm`]));

if (stale.length > 0) {
  const start = Date.now();
  const running = new Set();
  const timer = setInterval(() => process.stderr.write(`  building Wasm: ${[...running].join(", ")} (${seconds(start)})\n`), 15_000);
  // Two at a time: Binaryen's optimiser keeps a core busy per target.
  const queue = [...stale];
  const worker = async () => {
    for (let target = queue.shift(); target !== undefined; target = queue.shift()) {
      running.add(target);
      const begun = Date.now();
      process.stderr.write(`building Wasm target ${target}…\n`);
      await run(process.execPath, ["node_modules/assemblyscript/bin/asc.js", "assembly/index.ts", "--target", target]);
      writeFileSync(`build/klwasm-${target}.hash`, wasmHash);
      running.delete(target);
      process.stderr.write(`built ${target} in ${seconds(begun)}\n`);
    }
  };
  try {
    await Promise.all([worker(), worker()]);
  } finally {
    clearInterval(timer);
  }
  process.stderr.write(`Wasm targets built in ${seconds(start)}\n`);
}

const bundleHash = hashOf(
  [...filesUnder("src", [".ts"]), ...TARGETS.map((target) => `build/klwasm-${target}.wasm`), "scripts/bundle.mjs", "package.json", "tsconfig.json"],
);
if (!upToDate("dist/.hash", bundleHash, ["dist/index.js", "dist/index.cjs", "dist/reference.js", "dist/pool-worker.js"])) {
  const start = Date.now();
  process.stderr.write("bundling dist/…\n");
  await run(process.execPath, ["scripts/bundle.mjs"]);
  writeFileSync("dist/.hash", bundleHash);
  process.stderr.write(`bundled in ${seconds(start)}\n`);
}
