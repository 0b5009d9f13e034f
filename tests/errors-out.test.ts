// A call that throws leaves `out` untouched (API.md, "Bad input"): for every method that writes
// into `out` (the gradients and relEntr), every kind of bad input, an `out` of the caller's own
// or from kl.alloc, on every backend and in calls split into row groups, `out` keeps every bit.
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { createKLSync, KLError } from "../src/index.js";
import type { KL } from "../src/core/types.js";
import { backendNames, loadBackend } from "./backends.js";
import { show, thrown } from "./errors-helpers.js";

type Writer = "forwardGrad" | "reverseGrad" | "jsdGrad" | "relEntr";
const WRITERS: readonly Writer[] = ["forwardGrad", "reverseGrad", "jsdGrad", "relEntr"];

/** A kind of bad input: what it does to the arguments and options of a call on `rows` rows. */
interface Fault {
  label: string;
  /** Whether relEntr (no rows, no normalize, no logits) can have it. */
  elementwise: boolean;
  apply(args: unknown[][], options: Record<string, unknown>, k: number, index: number, rows: number): void;
}

const FAULTS: readonly Fault[] = [
  { label: "NaN", elementwise: true, apply: (a, _, k, i) => void (a[k]![i] = NaN) },
  { label: "a negative probability", elementwise: true, apply: (a, _, k, i) => void (a[k]![i] = -0.5) },
  { label: "Infinity", elementwise: true, apply: (a, _, k, i) => void (a[k]![i] = Infinity) },
  { label: "a string", elementwise: true, apply: (a, _, k, i) => void (a[k]![i] = "0.5") },
  { label: "null", elementwise: true, apply: (a, _, k, i) => void (a[k]![i] = null) },
  { label: "an unknown option", elementwise: true, apply: (_, o) => void (o.reduce = "mean") },
  { label: "a bad option value", elementwise: true, apply: (_, o) => void (o.space = "probability") },
  { label: "a zero row with normalize", elementwise: false, apply: (a, o, k, i, rows) => {
    const cols = a[0]!.length / rows;
    const row = Math.floor(i / cols);
    o.normalize = true;
    o.pSpace = "prob";
    o.qSpace = "logits";
    if (k === 0) for (let j = row * cols; j < (row + 1) * cols; j++) a[0]![j] = 0;
    else for (let j = row * cols; j < (row + 1) * cols; j++) a[1]![j] = -Infinity;
  } },
];

function makeOut(kl: KL, type: typeof Float64Array | typeof Float32Array, n: number, alloc: boolean): Float64Array | Float32Array {
  // Room for the call's scratch first: growth would detach an alloc'd out, and this test reads
  // out through its view after the call (what growth does to views is tests/memory.test.ts's).
  if (alloc) kl.reserve(64 * n * 8 + (1 << 22));
  const out = alloc ? kl.alloc(n, type) : new type(n);
  for (let i = 0; i < n; i++) out[i] = (i % 7) - 3.25;
  return out;
}

/** Calls `method` with `fault` applied; checks it throws a KLError and that `out` kept every bit. */
function expectOutUntouched(kl: KL, method: Writer, fault: Fault, rows: number, cols: number, k: number, index: number, f32: boolean, alloc: boolean): void {
  const n = rows * cols;
  const type = f32 ? Float32Array : Float64Array;
  const args: unknown[][] = [0, 1].map((j) => Array.from({ length: n }, (_, i) => 0.05 + ((i * 3 + j) % 11) / 20));
  const options: Record<string, unknown> = method === "relEntr" ? {} : { rows };
  fault.apply(args, options, k, index, rows);
  const typed = args.map((a) => (f32 && a.every((x) => typeof x === "number") ? Float32Array.from(a as number[]) : a));
  const out = makeOut(kl, type, n, alloc);
  const before = out.slice();
  options.out = out;
  const label = `${method} ${fault.label} in argument ${k} at ${index} of [${rows}, ${cols}], ${type.name} out${alloc ? " (alloc)" : ""}`;
  const error = thrown(() => (kl[method] as (...a: unknown[]) => unknown)(typed[0], typed[1], options));
  // An element type that does not match approx's is itself an error; either way nothing is written.
  expect(error, `${label}: ${show(error)}`).toBeInstanceOf(KLError);
  const now = new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  const then = new Uint8Array(before.buffer);
  expect(now.every((b, i) => b === then[i]), label).toBe(true);
  if (alloc) kl.free(out);
}

describe.each(backendNames)("%s", (backend) => {
  let kl: KL;
  beforeAll(async () => {
    kl = await loadBackend(backend);
  });

  it.each(WRITERS)("%s: out keeps every bit when the call throws", (method) => {
    const faults = FAULTS.filter((f) => method !== "relEntr" || f.elementwise);
    fc.assert(
      fc.property(
        fc.constantFrom(...faults), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 700 }), fc.nat(1), fc.nat(), fc.boolean(), fc.boolean(),
        (fault, rows, cols, k, at, f32, alloc) => {
          const effectiveRows = method === "relEntr" ? 1 : rows;
          const n = effectiveRows * cols;
          expectOutUntouched(kl, method, fault, effectiveRows, cols, k, at % n, f32, alloc && backend !== "reference");
        },
      ),
      { numRuns: 120 },
    );
  });

  it.each(WRITERS)("%s: a bad value at the very end of an alloc'd out's call leaves out as it was", (method) => {
    if (backend === "reference") return;
    // The case: out from kl.alloc, the kernel writing in place before it flags the input.
    const out = kl.alloc(4, Float64Array);
    out.set([1, 2, 3, 4]);
    const error = thrown(() => (kl[method] as (...a: unknown[]) => unknown)([0.25, 0.25, 0.25, 0.25], [0.25, 0.25, 0.25, NaN], { out }));
    expect(error).toBeInstanceOf(KLError);
    expect(Array.from(out)).toEqual([1, 2, 3, 4]);
    kl.free(out);
  });
});

describe("calls split into row groups", () => {
  it.each([true, false])("a fault in the last group leaves out untouched (simd: %s)", (simd) => {
    const kl = createKLSync({ simd, maxMemoryBytes: 1 << 21 });
    const rows = 64;
    const cols = 4000;
    for (const method of WRITERS.filter((m) => m !== "relEntr")) {
      for (const fault of FAULTS) {
        expectOutUntouched(kl, method, fault, rows, cols, 1, rows * cols - 5, false, false);
      }
    }
  });
});
