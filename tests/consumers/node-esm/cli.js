// The package's command line, as `npx klwasm` runs it (npm puts node_modules/.bin on PATH).
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";

const output = execFileSync("klwasm", ["fit", "--json", "--steps", "20", "--points", "201"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
const result = JSON.parse(output);
assert.equal(result.backend, "wasm-simd");
assert.deepEqual(result.fits.map((fit) => fit.direction), ["forward", "reverse"]);
console.log(`node-esm: klwasm fit ran ${result.fits.length} fits on ${result.backend}`);
