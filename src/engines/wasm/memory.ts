/**
 * Everything that knows the module's memory grows: the allocator, the scratch of calls, the
 * views over the whole memory (growth detaches every view of the old buffer, so they are
 * rebuilt after it), and the blocks `alloc` handed out.
 */
import { checkAllocation } from "../../core/checks.js";
import type { ElementArray } from "../../core/engine.js";
import { KLError } from "../../core/errors.js";
import type { LinearMemory } from "./kernels.js";

const PAGE = 65536;
const ALIGN = 16;
/** Wasm32 memory is at most 65536 pages: 4 GiB. */
export const MAX_MEMORY_BYTES = 65536 * PAGE;

/** Free memory kept above every `alloc`, so that calls on alloc'd views rarely grow the memory. */
const ALLOC_SLACK = 1 << 16;

/**
 * The scratch arena kept between calls: at least 16 KiB (small calls, within the room kept
 * free above every alloc), and grown to what earlier calls used, up to 512 KiB (two operands of
 * a streamed piece and its row sums); a call needing more takes the rest from the heap.
 */
const ARENA_MIN = 1 << 14;
const ARENA_LIMIT = 1 << 19;

const aligned = (bytes: number) => Math.max(ALIGN, Math.ceil(bytes / ALIGN) * ALIGN);

/**
 * A first-fit allocator over the module's linear memory, above the module's static data.
 * Every block is 16-byte aligned so that vector loads never straddle more than needed.
 */
export class Heap {
  /** Allocated blocks, sorted by start: [start, end). */
  private readonly blocks: Array<{ start: number; end: number }> = [];

  constructor(
    private readonly memory: LinearMemory,
    private readonly base: number,
    /** The most the memory may grow to (a lower cap makes chunking testable on small inputs). */
    readonly limit: number = MAX_MEMORY_BYTES,
  ) {}

  /** Bytes still free above the last block, up to the limit. */
  get available(): number {
    return this.limit - this.top;
  }

  /**
   * Byte address of a new block of `bytes`; grows the memory if no gap fits. If it cannot,
   * throws TOO_LARGE naming `argument` and leaves the heap as it was.
   */
  alloc(bytes: number, argument: string): number {
    const size = aligned(bytes);
    let start = this.base;
    let index = 0;
    for (; index < this.blocks.length; index++) {
      const block = this.blocks[index]!;
      if (block.start - start >= size) break;
      start = block.end;
    }
    this.ensure(start + size, argument);
    this.blocks.splice(index, 0, { start, end: start + size });
    return start;
  }

  free(start: number): void {
    const index = this.blocks.findIndex((block) => block.start === start);
    if (index >= 0) this.blocks.splice(index, 1);
  }

  /** First byte after the last allocated block. */
  get top(): number {
    return this.blocks.length === 0 ? this.base : this.blocks[this.blocks.length - 1]!.end;
  }

  /**
   * Grows the memory so that addresses below `end` exist, or throws TOO_LARGE naming
   * `argument` (past the limit, or where the engine refuses to grow).
   */
  ensure(end: number, argument: string): void {
    const have = this.memory.buffer.byteLength;
    if (end <= have) return;
    const tooLarge = (why: string) =>
      new KLError("TOO_LARGE", argument, `needs the module's memory to reach ${end} bytes, ${why}; free kl.alloc blocks, split the input, or raise maxMemoryBytes`);
    if (end > this.limit) throw tooLarge(`more than its limit of ${this.limit} bytes`);
    try {
      this.memory.grow(Math.ceil((end - have) / PAGE));
    } catch {
      throw tooLarge("and the engine could not grow it that far");
    }
  }

  /** Grows the memory towards `end` as far as the limit allows (room kept for later calls, never required). */
  ensureUpTo(end: number, argument: string): void {
    this.ensure(Math.min(end, this.limit), argument);
  }
}

/**
 * The scratch of calls: a bump arena kept between calls, so that a call whose buffers fit
 * allocates nothing, and heap blocks for what does not fit. The arena is sized, between calls,
 * to what calls have used (a hint would grow the memory for scratch a call never takes).
 * Calls nest like a stack (a call made from inside another, by an input's getter, takes
 * scratch above the outer call's), so `end` releases exactly what its `begin` opened.
 */
export class Scratch {
  private arena = 0;
  private arenaEnd = 0;
  private top = 0;
  /** Per open call: the arena top and the number of heap blocks at its begin. */
  private readonly marks: number[] = [];
  /** Per open call: the argument named if its scratch does not fit (its first input). */
  private readonly arguments: string[] = [];
  private readonly heapBlocks: number[] = [];
  /** Bytes the open outermost call has taken, and the most any call has taken. */
  private used = 0;
  private mostUsed = ARENA_MIN;

  constructor(private readonly heap: Heap) {}

  /** Opens a call's scratch; `argument` is named if it does not fit (the call's first input). */
  begin(argument: string): void {
    if (this.marks.length === 0) {
      this.fit(Math.min(ARENA_LIMIT, this.mostUsed));
      this.used = 0;
    }
    this.marks.push(this.top, this.heapBlocks.length);
    this.arguments.push(argument);
  }

  /** Releases everything allocated since the matching `begin`. */
  end(): void {
    this.arguments.pop();
    const blocks = this.marks.pop()!;
    this.top = this.marks.pop()!;
    while (this.heapBlocks.length > blocks) this.heap.free(this.heapBlocks.pop()!);
    if (this.marks.length === 0) this.mostUsed = Math.max(this.mostUsed, this.used);
  }

  alloc(bytes: number): number {
    const size = aligned(bytes);
    this.used += size;
    if (this.top + size <= this.arenaEnd) {
      const address = this.top;
      this.top += size;
      return address;
    }
    const address = this.heap.alloc(size, this.arguments[this.arguments.length - 1]!);
    this.heapBlocks.push(address);
    return address;
  }

  /** Bytes a call could still take without growing the memory past its limit. */
  get available(): number {
    return this.heap.available + (this.arenaEnd - this.top);
  }

  private fit(bytes: number): void {
    if (bytes <= this.arenaEnd - this.arena) return;
    if (this.arena !== 0) this.heap.free(this.arena);
    this.arena = 0;
    this.arenaEnd = 0;
    this.top = 0;
    // The arena only saves allocations: where the limit leaves no room for it, calls take
    // their scratch from the heap (and a call that does not fit there says so).
    try {
      this.arena = this.heap.alloc(bytes, "memory");
    } catch (error) {
      if (error instanceof KLError) return;
      throw error;
    }
    this.arenaEnd = this.arena + bytes;
    this.top = this.arena;
  }
}

/** Views over the whole memory, rebuilt after growth (a detached view has length 0). */
export class Views {
  private current: ArrayBuffer;
  private f64View: Float64Array;
  private f32View: Float32Array;

  constructor(private readonly memory: LinearMemory) {
    this.current = memory.buffer;
    this.f64View = new Float64Array(this.current);
    this.f32View = new Float32Array(this.current);
  }

  /** Rebuilds the views if the memory grew since (reading `memory.buffer` costs more than a length). */
  private refresh(): void {
    if (this.f64View.length !== 0) return;
    this.current = this.memory.buffer;
    this.f64View = new Float64Array(this.current);
    this.f32View = new Float32Array(this.current);
  }

  /** The memory's current buffer. */
  get buffer(): ArrayBuffer {
    this.refresh();
    return this.current;
  }

  f64(): Float64Array {
    this.refresh();
    return this.f64View;
  }

  f32(): Float32Array {
    this.refresh();
    return this.f32View;
  }

  /** The whole-memory view of `array`'s element type. */
  of(array: typeof Float64Array | typeof Float32Array): Float64Array | Float32Array {
    return array === Float64Array ? this.f64() : this.f32();
  }
}

/** A live alloc block: its bytes [start, end) and the allocation that made it. */
interface Block {
  start: number;
  end: number;
  allocation: number;
}

/**
 * The blocks `alloc` handed out, and the views over them. Only what lies inside a live block
 * is the caller's: everything else in the module's memory (static data, the heap's other
 * blocks, call scratch, freed blocks) is the instance's own, so a view of it is refused, never
 * read or written in place.
 */
export class Allocations {
  /** Views handed out by alloc: their block's address and the allocation that made it. */
  private readonly views = new WeakMap<ElementArray, { address: number; length: number; allocation: number }>();
  /** Live alloc blocks, sorted by start (a reused address gets a new allocation number). */
  private readonly live: Block[] = [];
  private allocations = 0;

  constructor(private readonly heap: Heap, private readonly memory: Views) {}

  alloc<A extends ElementArray>(length: number, type: { new (length: number): A }): A {
    const array: unknown = type;
    checkAllocation(length, array);
    const bytes = length * array.BYTES_PER_ELEMENT;
    const address = this.heap.alloc(bytes, "length");
    // Room for a call's small scratch where the limit leaves it, so that calls on this view
    // rarely grow (and detach) it.
    try {
      this.heap.ensureUpTo(this.heap.top + ALLOC_SLACK, "length");
    } catch (error) {
      this.heap.free(address);
      throw error;
    }
    const allocation = ++this.allocations;
    const at = this.blockAfter(address);
    this.live.splice(at, 0, { start: address, end: address + bytes, allocation });
    const view = new array(this.memory.buffer, address, length) as unknown as A;
    this.views.set(view, { address, length, allocation });
    return view;
  }

  reserve(bytes: number): void {
    if (!(bytes >= 0) || !Number.isFinite(bytes)) throw new KLError("BAD_OPTION", "bytes", `must be a finite number ≥ 0, got ${bytes}`);
    this.heap.ensure(this.heap.top + bytes, "bytes");
    this.heap.ensureUpTo(this.heap.top + bytes + ALLOC_SLACK, "bytes");
  }

  /** The index of the first live block starting after `address`. */
  private blockAfter(address: number): number {
    let low = 0;
    let high = this.live.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (this.live[middle]!.start <= address) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  /** The live block holding every byte of `values`, a view of the current memory, if there is one. */
  private blockOf(values: ElementArray): Block | undefined {
    if (values.buffer !== this.memory.buffer) return undefined;
    const block = this.live[this.blockAfter(values.byteOffset) - 1];
    return block !== undefined && values.byteOffset + values.byteLength <= block.end ? block : undefined;
  }

  /** Whether `values` may be read or written in place: a view of the memory inside one live alloc block. */
  holds(values: unknown): boolean {
    return (values instanceof Float64Array || values instanceof Float32Array) && this.blockOf(values) !== undefined;
  }

  /** Whether the view's block is still allocated (not freed, its address not reused since). */
  private isLive(view: ElementArray): boolean {
    const block = this.views.get(view);
    if (block === undefined) return false;
    const live = this.live[this.blockAfter(block.address) - 1];
    return live !== undefined && live.start === block.address && live.allocation === block.allocation;
  }

  free(view: ElementArray): void {
    if (!this.isLive(view)) {
      throw new KLError("STALE_VIEW", "view", "was not returned by this instance's alloc, or was freed already");
    }
    const { address } = this.views.get(view)!;
    this.heap.free(address);
    this.live.splice(this.blockAfter(address) - 1, 1);
  }

  /**
   * The array to hand back for `view` after a call: itself, or, for an alloc view that the
   * call's growth detached, a fresh view over the same block (both stay registered).
   */
  survivor(view: ElementArray): ElementArray {
    const block = this.views.get(view);
    if (block === undefined || view.buffer === this.memory.buffer) return view;
    const fresh = new (view.constructor as typeof Float64Array)(this.memory.buffer, block.address, block.length);
    this.views.set(fresh, block);
    return fresh;
  }

  checkView(values: unknown, argument: string): void {
    if (!(values instanceof Float64Array || values instanceof Float32Array)) return;
    if (this.views.has(values)) {
      if (!this.isLive(values)) throw new KLError("STALE_VIEW", argument, "is a view that kl.free released; its memory may hold other data now");
      if (values.buffer !== this.memory.buffer) {
        throw new KLError("STALE_VIEW", argument, "is a kl.alloc view from before the module's memory grew (growth detaches every view); call kl.reserve(bytes) before allocating, or allocate it again");
      }
      return;
    }
    // Another view of this memory (a sub-view, or one made over its buffer) is the caller's only inside a live block.
    if (values.buffer === this.memory.buffer && this.blockOf(values) === undefined) {
      throw new KLError("STALE_VIEW", argument, "is a view of this instance's memory outside every live kl.alloc block (a sub-view of a freed block, or a view made over its buffer): those bytes are the instance's own; use a kl.alloc view, or copy the values out");
    }
  }
}
