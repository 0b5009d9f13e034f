// The README's TensorFlow.js example (example.js, quoted there verbatim: tests/readme.test.ts
// keeps the two the same) as a user runs it, with @tensorflow/tfjs installed: it must train.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";

const output = execFileSync(process.execPath, ["example.js"], { encoding: "utf8" });
const match = /D\(teacher‖student\): (\d+\.\d+) → (\d+\.\d+) nats/.exec(output);
assert.ok(match, `no loss line in:\n${output}`);
const [before, after] = [Number(match[1]), Number(match[2])];
assert.ok(after < 0.2 * before, `the student did not learn: ${before} → ${after}`);
console.log(`readme-tfjs: the README's example trains, D(teacher‖student) ${before} → ${after}`);
