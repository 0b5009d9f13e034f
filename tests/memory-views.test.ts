// The module's memory at the API boundary (API.md, "Bad input"): only live alloc blocks (and
// sub-views inside one) are read or written in place, any other view of the memory is refused
// with STALE_VIEW and never written through; calls made from an input's getter are safe; a failed
// allocation leaves the heap as it was; and asking for too much is a KLError TOO_LARGE.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createKL, createKLSync, KLError, referenceKL } from "../src/index.js";
import type { KL } from "../src/core/types.js";
import { backendNames, loadBackend, wasmBackendNames } from "./backends.js";
import { show, thrown } from "./errors-helpers.js";

const P = [0.1, 0.2, 0.3, 0.4, 0.05, 0.15, 0.3, 0.5];
const Q = [0.25, 0.25, 0.25, 0.25, 0.1, 0.2, 0.3, 0.4];

function expectCode(error: unknown, code: string, argument: string, label: string): void {
  expect(error, `${label}: ${show(error)}`).toBeInstanceOf(KLError);
  expect({ code: (error as KLError).code, argument: (error as KLError).argument }, `${label}: ${show(error)}`).toEqual({ code, argument });
}

/** Every way a view can be passed to a call: as each argument of a divergence, a gradient, relEntr, and as `out`. */
const USES: ReadonlyArray<[string, string, (kl: KL, view: Float64Array) => unknown]> = [
  ["kl p", "p", (kl, v) => kl.kl(v, Q)],
  ["kl q (logits)", "q", (kl, v) => kl.kl(P, v, { qSpace: "logits" })],
  ["entropy", "p", (kl, v) => kl.entropy(v, { rows: 2 })],
  ["jsd q", "q", (kl, v) => kl.jsd(P, v)],
  ["forwardGrad approx", "approx", (kl, v) => kl.forwardGrad(P, v)],
  ["reverseGrad target", "target", (kl, v) => kl.reverseGrad(v, Q)],
  ["forwardGrad out", "options.out", (kl, v) => kl.forwardGrad(P, Q, { out: v })],
  ["jsdGrad out", "options.out", (kl, v) => kl.jsdGrad(P, Q, { out: v })],
  ["relEntr q", "q", (kl, v) => kl.relEntr(P, v)],
  ["relEntr out", "options.out", (kl, v) => kl.relEntr(P, Q, { out: v })],
];

describe.each(wasmBackendNames)("%s: views of the module's memory", (backend) => {
  it("sub-views of a live block are used in place, and a call on them agrees with the reference", async () => {
    const kl = await loadBackend(backend);
    const block = kl.alloc(3 * P.length, Float64Array);
    block.set([...Q, ...P, ...Q]);
    const middle = block.subarray(P.length, 2 * P.length);
    expect(kl.kl(middle, Q)).toBe(kl.kl(P, Q));
    const out = block.subarray(0, P.length);
    const { grad } = kl.forwardGrad(P, Q, { out });
    expect(Array.from(grad)).toEqual(Array.from(kl.forwardGrad(P, Q).grad));
    expect(Array.from(block.subarray(0, P.length))).toEqual(Array.from(grad));
    expect(Array.from(block.subarray(2 * P.length))).toEqual(Q);
    kl.relEntr(P, Q, { out: block.subarray(2 * P.length) });
    expect(Array.from(block.subarray(2 * P.length))).toEqual(Array.from(kl.relEntr(P, Q)));
    expect(Array.from(middle)).toEqual(P);
    kl.free(block);
  });

  it.each(USES)("a sub-view of a freed block, and a view at address 0, are refused (%s)", async (label, argument, use) => {
    const kl = await loadBackend(backend);
    const block = kl.alloc(2 * P.length, Float64Array);
    block.set([...P, ...P]);
    const sub = block.subarray(P.length);
    kl.free(block);
    expectCode(thrown(() => use(kl, sub)), "STALE_VIEW", argument, `freed sub-view, ${label}`);
    const live = kl.alloc(P.length, Float64Array);
    const atZero = new Float64Array(live.buffer, 0, P.length);
    const staticData = new Uint8Array(live.buffer, 0, 4096).slice();
    expectCode(thrown(() => use(kl, atZero)), "STALE_VIEW", argument, `view at address 0, ${label}`);
    // A view that starts in a live block and runs past its end is not inside it.
    const straddling = new Float64Array(live.buffer, live.byteOffset + 8, P.length);
    expectCode(thrown(() => use(kl, straddling)), "STALE_VIEW", argument, `straddling view, ${label}`);
    expect(new Uint8Array(live.buffer, 0, 4096).every((b, i) => b === staticData[i])).toBe(true);
  });

  it("random views over the memory: inside a live block they compute, anywhere else they are refused and nothing outside out changes", async () => {
    const kl = await loadBackend(backend);
    // Room for every call below, so that no call grows (and detaches) the memory under the test's views.
    kl.reserve(1 << 20);
    const a = kl.alloc(64, Float64Array);
    const b = kl.alloc(64, Float64Array);
    const fill = () => {
      a.set(Array.from({ length: 64 }, (_, i) => 0.01 + (i % 9) / 10));
      b.set(Array.from({ length: 64 }, (_, i) => 0.02 + (i % 5) / 10));
    };
    const buffer = a.buffer;
    const inside = (view: Float64Array) => [a, b].some((block) => view.byteOffset >= block.byteOffset && view.byteOffset + view.byteLength <= block.byteOffset + block.byteLength);
    // Addresses all over the memory, and many near and inside the blocks.
    const address = fc.oneof(fc.nat(buffer.byteLength / 8 - P.length), fc.integer({ min: a.byteOffset / 8 - 10, max: b.byteOffset / 8 + 70 }));
    fc.assert(
      fc.property(address, fc.constantFrom(...USES), (at, [label, argument, use]) => {
        fill();
        const view = new Float64Array(buffer, at * 8, P.length);
        const before = new Uint8Array(buffer).slice();
        const error = thrown(() => use(kl, view));
        expect(a.buffer, "the memory did not grow").toBe(buffer);
        const after = new Uint8Array(buffer);
        const where = `${label} at byte ${at * 8}`;
        if (!inside(view)) {
          expectCode(error, "STALE_VIEW", argument, where);
          // Nothing the caller can see changed: the blocks, the bytes under the refused view, the static data.
          for (const [start, length] of [[a.byteOffset, a.byteLength], [b.byteOffset, b.byteLength], [view.byteOffset, view.byteLength], [0, 1024]]) {
            expect(after.subarray(start, start + length).every((x, i) => x === before[start + i]), where).toBe(true);
          }
          return;
        }
        expect(error, `${where}: ${show(error)}`).toBeUndefined();
        // The blocks are as they were, but for `out` where the call wrote it.
        const writesOut = argument === "options.out";
        for (const block of [a, b]) {
          for (let i = block.byteOffset; i < block.byteOffset + block.byteLength; i++) {
            if (writesOut && i >= view.byteOffset && i < view.byteOffset + view.byteLength) continue;
            expect(after[i], `${where}: byte ${i}`).toBe(before[i]);
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});

/** An array whose getter at index 1 calls `kl` on ever larger inputs the first times it is read (each call grows the memory). */
function reentrant(kl: KL, values: number[]): number[] {
  let reads = 0;
  return new Proxy(values, {
    get(target, key, receiver) {
      if (key === "1" && reads < 3) {
        reads++;
        // Only the Wasm builds have a memory to grow; the reference gets a small call.
        const big = new Float64Array(kl.backend === "reference" ? 100 : 50_000 * 4 ** reads).fill(0.5);
        kl.kl(big, big, { space: "logits" });
      }
      return Reflect.get(target, key, receiver);
    },
  });
}

/** A result (number, array, or { value, grad }) to 12 digits, for comparing with the reference. */
const rounded = (result: unknown) =>
  JSON.stringify(result, (_, v) => (ArrayBuffer.isView(v) ? Array.from(v as Float64Array, (x) => +x.toPrecision(12)) : typeof v === "number" ? +v.toPrecision(12) : v));

describe.each(backendNames)("%s: calls made from an input's getter", (backend) => {
  const families: ReadonlyArray<[string, (kl: KL, p: number[], q: number[]) => unknown]> = [
    ["kl (small path)", (kl, p, q) => kl.kl(p, q)],
    ["kl rows (streamed)", (kl, p, q) => kl.kl(p, q, { rows: 2 })],
    ["forward logits (staged)", (kl, p, q) => kl.forward(p, q, { space: "logits", rows: 2, reduction: "none" })],
    ["entropy", (kl, p) => kl.entropy(p, { normalize: true })],
    ["jsd", (kl, p, q) => kl.jsd(p, q, { reduction: "none", rows: 2 })],
    ["forwardGrad", (kl, p, q) => kl.forwardGrad(p, q, { qSpace: "logits" })],
    ["jsdGrad", (kl, p, q) => kl.jsdGrad(p, q)],
    ["relEntr", (kl, p, q) => kl.relEntr(p, q)],
  ];

  it.each(families)("%s: the result is the reference's, or the call is refused, never a wrong value", async (_, f) => {
    const kl = await loadBackend(backend);
    for (const position of [0, 1]) {
      const args = [P.slice(), Q.slice()];
      const want = f(referenceKL, P, Q);
      args[position] = reentrant(kl, args[position]!);
      let got: unknown;
      const error = thrown(() => (got = f(kl, args[0]!, args[1]!)));
      if (error !== undefined) {
        expect(error, show(error)).toBeInstanceOf(KLError);
        continue;
      }
      expect(rounded(got), `the ${["first", "second"][position]} argument re-entered`).toBe(rounded(want));
    }
  });
});

describe.each(wasmBackendNames)("%s: allocation", (backend) => {
  const build = backend === "wasm" ? { simd: false } : {};

  it("asking for more than the memory can hold is TOO_LARGE naming the argument", async () => {
    const kl = await createKL(build);
    expectCode(thrown(() => kl.alloc(2 ** 31, Float64Array)), "TOO_LARGE", "length", "alloc(2^31)");
    expectCode(thrown(() => kl.alloc(2 ** 40, Float32Array)), "TOO_LARGE", "length", "alloc(2^40)");
    expectCode(thrown(() => kl.reserve(2 ** 33)), "TOO_LARGE", "bytes", "reserve(2^33)");
    const small = createKLSync({ ...build, maxMemoryBytes: 1 << 20 });
    expectCode(thrown(() => small.alloc(1 << 18, Float64Array)), "TOO_LARGE", "length", "past maxMemoryBytes");
    expectCode(thrown(() => small.reserve(1 << 21)), "TOO_LARGE", "bytes", "reserve past maxMemoryBytes");
  });

  it("a failed allocation leaves the heap as it was: later allocations and calls work", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 1, max: 40_000 }), fc.boolean()), { minLength: 1, maxLength: 12 }), (steps) => {
        const kl = createKLSync({ ...build, maxMemoryBytes: 1 << 20 });
        const live: Float64Array[] = [];
        for (const [length, freeOne] of steps) {
          const bytes = kl.memoryBytes();
          const error = thrown(() => live.push(kl.alloc(length, Float64Array)));
          if (error !== undefined) {
            expectCode(error, "TOO_LARGE", "length", `alloc(${length})`);
            expect(kl.memoryBytes()).toBe(bytes);
          }
          if (freeOne && live.length > 0) kl.free(live.shift()!);
        }
        // No failed allocation kept a block: with every block freed, three quarters of the
        // memory fit in one block again, and small calls run.
        for (const view of live) kl.free(view);
        kl.free(kl.alloc(96_000, Float64Array));
        kl.free(kl.alloc(1, Float64Array));
        expect(kl.kl(P, Q, { space: "logits" })).toBeCloseTo(referenceKL.kl(P, Q, { space: "logits" }), 12);
      }),
      { numRuns: 40 },
    );
  });

  it("an allocation that fits, but not with the room kept above it, is made; alloc(1) and small calls still work", () => {
    const kl = createKLSync({ ...build, maxMemoryBytes: 1 << 20 });
    const top = kl.alloc(1, Float64Array);
    const room = (1 << 20) - (top.byteOffset + 16);
    const big = kl.alloc(Math.floor((room - 4096) / 8), Float64Array);
    expect(big.length).toBeGreaterThan(0);
    kl.free(big);
    kl.free(kl.alloc(1, Float64Array));
    expect(kl.kl(P, Q, { space: "logits" })).toBeCloseTo(referenceKL.kl(P, Q, { space: "logits" }), 12);
  });
});

describe("the reference's alloc", () => {
  it("checks its arguments and says TOO_LARGE like the Wasm builds", () => {
    expectCode(thrown(() => referenceKL.alloc(2 ** 40, Float64Array)), "TOO_LARGE", "length", "reference alloc(2^40)");
    expectCode(thrown(() => referenceKL.alloc(0, Float64Array)), "BAD_OPTION", "length", "reference alloc(0)");
  });
});
