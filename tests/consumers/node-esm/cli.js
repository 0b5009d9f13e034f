// The package's command line, as `npx klwasm` runs it (npm puts node_modules/.bin on PATH).
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";

const output = execFileSync("klwasm", ["fit", "--json", "--steps", "20", "--points", "201"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
const result = JSON.parse(output);
assert.equal(result.backend, "wasm-simd");
assert.deepEqual(result.fits.map((fit) => fit.direction), ["forward", "reverse"]);
// --version reads the installed package's own package.json, beside dist/.
const version = execFileSync("klwasm", ["--version"], { encoding: "utf8" }).trim();
assert.equal(version, JSON.parse(readFileSync("node_modules/klwasm/package.json", "utf8")).version);
console.log(`node-esm: klwasm fit ran ${result.fits.length} fits on ${result.backend}`);
