// The Wasm engine's memory (src/engines/wasm/memory.ts) on a real WebAssembly.Memory, with no
// module: the heap's first fit, alignment and growth; the scratch arena's stack of calls and its
// sizing between calls; the whole-memory views after growth.
import { describe, expect, it } from "vitest";
import { Heap, Scratch, Views } from "../../../src/engines/wasm/memory.js";

const PAGE = 65536;
/** Where the module's static data ends in these tests: the heap starts here. */
const BASE = 1024;
/** The arena's documented sizes: at least 16 KiB, grown to what calls used up to 512 KiB. */
const ARENA_MIN = 16 * 1024;
const ARENA_LIMIT = 512 * 1024;

const memoryOf = (pages: number, maximum = 256) => new WebAssembly.Memory({ initial: pages, maximum });

describe("Heap", () => {
  it("places blocks one after another from its base, each rounded up to 16 bytes", () => {
    const heap = new Heap(memoryOf(1), BASE);
    const a = heap.alloc(1);
    const b = heap.alloc(17);
    const c = heap.alloc(32);
    const d = heap.alloc(0);
    expect([a, b, c, d]).toEqual([BASE, BASE + 16, BASE + 48, BASE + 80]);
    expect(heap.top).toBe(BASE + 96);
  });

  it("aligns every block to 16 bytes whatever the sizes asked", () => {
    const heap = new Heap(memoryOf(1), BASE);
    for (const bytes of [3, 8, 15, 16, 17, 100, 1, 33, 7]) expect(heap.alloc(bytes) % 16).toBe(0);
  });

  it("reuses the first freed gap that fits, and goes past gaps that do not", () => {
    const heap = new Heap(memoryOf(1), BASE);
    const [a, b, c] = [heap.alloc(64), heap.alloc(64), heap.alloc(64)];
    heap.free(b);
    // 80 bytes do not fit the 64-byte gap: above the last block.
    expect(heap.alloc(80)).toBe(c + 64);
    // 32 bytes do: the gap's start.
    expect(heap.alloc(32)).toBe(b);
    // The rest of the gap (32 bytes) takes the next block that fits.
    expect(heap.alloc(32)).toBe(b + 32);
    heap.free(a);
    expect(heap.alloc(48)).toBe(a);
  });

  it("joins neighbouring freed blocks into one gap", () => {
    const heap = new Heap(memoryOf(1), BASE);
    const [a, b] = [heap.alloc(64), heap.alloc(64)];
    const c = heap.alloc(64);
    heap.free(a);
    heap.free(b);
    expect(heap.alloc(128)).toBe(BASE);
    expect(heap.top).toBe(c + 64);
  });

  it("lowers its top when the last block is freed", () => {
    const heap = new Heap(memoryOf(1), BASE);
    const a = heap.alloc(64);
    const b = heap.alloc(64);
    heap.free(b);
    expect(heap.top).toBe(a + 64);
    heap.free(a);
    expect(heap.top).toBe(BASE);
    // Freeing an address it never gave is a no-op.
    heap.free(12345);
    expect(heap.top).toBe(BASE);
  });

  it("grows the memory by whole pages, only as far as needed", () => {
    const memory = memoryOf(1);
    const heap = new Heap(memory, BASE);
    heap.ensure(PAGE);
    expect(memory.buffer.byteLength).toBe(PAGE);
    heap.ensure(PAGE + 1);
    expect(memory.buffer.byteLength).toBe(2 * PAGE);
    heap.ensure(5 * PAGE - 7);
    expect(memory.buffer.byteLength).toBe(5 * PAGE);
    heap.ensure(3 * PAGE);
    expect(memory.buffer.byteLength).toBe(5 * PAGE);
    // A block past the end grows the memory to hold it.
    const block = heap.alloc(5 * PAGE);
    expect(block).toBe(BASE);
    expect(memory.buffer.byteLength).toBe(6 * PAGE);
  });

  it("refuses to grow past its limit, and leaves its blocks and the memory as they were", () => {
    const memory = memoryOf(1);
    const heap = new Heap(memory, BASE, 2 * PAGE);
    expect(heap.available).toBe(2 * PAGE - BASE);
    heap.ensure(2 * PAGE);
    expect(memory.buffer.byteLength).toBe(2 * PAGE);
    expect(() => heap.ensure(2 * PAGE + 1)).toThrow(expect.objectContaining({ code: "TOO_LARGE" }));
    const a = heap.alloc(PAGE);
    expect(() => heap.alloc(PAGE)).toThrow(expect.objectContaining({ code: "TOO_LARGE" }));
    expect(heap.top).toBe(a + PAGE);
    expect(memory.buffer.byteLength).toBe(2 * PAGE);
    expect(heap.available).toBe(2 * PAGE - (a + PAGE));
    // What still fits is still given.
    expect(heap.alloc(PAGE - BASE)).toBe(a + PAGE);
  });
});

describe("Scratch", () => {
  function setUp(pages = 1, limit?: number) {
    const memory = memoryOf(pages);
    const heap = new Heap(memory, BASE, limit);
    return { memory, heap, scratch: new Scratch(heap) };
  }

  it("takes small allocations from its arena (16 KiB at first) and releases them at end", () => {
    const { heap, scratch } = setUp();
    scratch.begin();
    expect(heap.top).toBe(BASE + ARENA_MIN);
    const a = scratch.alloc(100);
    const b = scratch.alloc(8);
    expect([a, b]).toEqual([BASE, BASE + 112]);
    expect(heap.top).toBe(BASE + ARENA_MIN);
    scratch.end();
    scratch.begin();
    expect(scratch.alloc(100)).toBe(a);
    scratch.end();
  });

  it("takes what does not fit the arena from the heap, and frees it at end", () => {
    const { heap, scratch } = setUp();
    scratch.begin();
    scratch.alloc(ARENA_MIN - 16);
    const fallback = scratch.alloc(64);
    expect(fallback).toBe(BASE + ARENA_MIN);
    expect(heap.top).toBe(BASE + ARENA_MIN + 64);
    scratch.end();
    expect(heap.top).toBe(BASE + ARENA_MIN);
    // The freed block is the heap's again.
    expect(heap.alloc(64)).toBe(fallback);
  });

  it("nests: an inner call takes scratch above the outer one's, and its end restores the outer call's top", () => {
    const { heap, scratch } = setUp();
    scratch.begin();
    const outer = scratch.alloc(100);
    scratch.begin();
    const inner = scratch.alloc(100);
    expect(inner).toBe(outer + 112);
    scratch.end();
    // The outer call continues where it was: the inner call's scratch is free again.
    expect(scratch.alloc(100)).toBe(inner);
    scratch.end();
    expect(heap.top).toBe(BASE + ARENA_MIN);
  });

  it("nests heap fallbacks: an inner end frees the inner call's blocks only", () => {
    const { heap, scratch } = setUp(4);
    scratch.begin();
    const outerBlock = scratch.alloc(ARENA_MIN + 16);
    expect(outerBlock).toBe(BASE + ARENA_MIN);
    scratch.begin();
    const innerBlock = scratch.alloc(ARENA_MIN + 16);
    expect(innerBlock).toBe(outerBlock + ARENA_MIN + 16);
    scratch.end();
    expect(heap.top).toBe(outerBlock + ARENA_MIN + 16);
    scratch.end();
    expect(heap.top).toBe(BASE + ARENA_MIN);
  });

  it("grows its arena between calls to what a call used, and reuses it: a repeated call grows nothing", () => {
    const { memory, heap, scratch } = setUp();
    const used = 100_000;
    scratch.begin();
    scratch.alloc(used / 2);
    scratch.alloc(used / 2);
    scratch.end();
    const grownTo = memory.buffer.byteLength;

    for (let call = 0; call < 3; call++) {
      scratch.begin();
      const top = heap.top;
      const first = scratch.alloc(used / 2);
      const second = scratch.alloc(used / 2);
      // Both halves come from the arena: the heap's top does not move.
      expect(second).toBe(first + used / 2);
      expect(heap.top).toBe(top);
      expect(heap.top - first).toBe(used);
      scratch.end();
      expect(memory.buffer.byteLength).toBe(grownTo);
    }
  });

  it("grows its arena to at most 512 KiB, however much a call used", () => {
    const { heap, scratch } = setUp(1);
    scratch.begin();
    scratch.alloc(2 * ARENA_LIMIT);
    scratch.end();
    scratch.begin();
    const arenaTop = heap.top;
    const inArena = scratch.alloc(ARENA_LIMIT);
    expect(heap.top).toBe(arenaTop);
    expect(arenaTop - inArena).toBe(ARENA_LIMIT);
    // The arena is full: the next byte comes from the heap.
    expect(scratch.alloc(1)).toBe(arenaTop);
    expect(heap.top).toBe(arenaTop + 16);
    scratch.end();
  });

  it("sizes the arena by the outermost call, nested calls included", () => {
    const { heap, scratch } = setUp(2);
    scratch.begin();
    scratch.alloc(20_000);
    scratch.begin();
    scratch.alloc(20_000);
    scratch.end();
    scratch.end();
    scratch.begin();
    const top = heap.top;
    scratch.alloc(40_000);
    expect(heap.top).toBe(top);
    scratch.end();
  });

  it("counts what the arena has left as available", () => {
    const { heap, scratch } = setUp(1, 4 * PAGE);
    scratch.begin();
    expect(scratch.available).toBe(heap.available + ARENA_MIN);
    scratch.alloc(1000);
    expect(scratch.available).toBe(heap.available + ARENA_MIN - 1008);
    scratch.end();
  });
});

describe("Views", () => {
  it("gives views of the whole memory", () => {
    const memory = memoryOf(1);
    const views = new Views(memory);
    expect(views.buffer).toBe(memory.buffer);
    expect(views.f64().length).toBe(PAGE / 8);
    expect(views.f32().length).toBe(PAGE / 4);
    expect(views.of(Float64Array)).toBe(views.f64());
    expect(views.of(Float32Array)).toBe(views.f32());
  });

  it("after memory.grow, gives live views of the new buffer, holding what the old one held", () => {
    const memory = memoryOf(1);
    const views = new Views(memory);
    views.f64()[3] = 2.5;
    views.f32()[100] = 0.25;
    const before = views.f64();
    memory.grow(2);
    // Growth detached the old buffer and every view of it.
    expect(before.length).toBe(0);
    const f64 = views.f64();
    const f32 = views.f32();
    expect(views.buffer).toBe(memory.buffer);
    expect(f64.buffer).toBe(memory.buffer);
    expect(f32.buffer).toBe(memory.buffer);
    expect(f64.length).toBe((3 * PAGE) / 8);
    expect(f32.length).toBe((3 * PAGE) / 4);
    expect(f64[3]).toBe(2.5);
    expect(f32[100]).toBe(0.25);
    // Live: writes through them are the memory's.
    f64[(3 * PAGE) / 8 - 1] = -7;
    expect(new Float64Array(memory.buffer)[(3 * PAGE) / 8 - 1]).toBe(-7);
  });

  it("follows growth that happens between any two reads, whichever is read first", () => {
    const memory = memoryOf(1);
    const views = new Views(memory);
    for (let grown = 1; grown <= 3; grown++) {
      memory.grow(1);
      expect(views.f32().length).toBe(((1 + grown) * PAGE) / 4);
      expect(views.f64().length).toBe(((1 + grown) * PAGE) / 8);
      expect(views.buffer.byteLength).toBe((1 + grown) * PAGE);
    }
  });
});
