/**
 * A first-fit allocator over the module's linear memory, above the module's static data.
 * Every block is 16-byte aligned so that vector loads never straddle more than needed.
 */
const PAGE = 65536;
const ALIGN = 16;
/** Wasm32 memory is at most 65536 pages: 4 GiB. */
export const MAX_MEMORY_BYTES = 65536 * PAGE;

export class Heap {
  /** Allocated blocks, sorted by start: [start, end). */
  private readonly blocks: Array<{ start: number; end: number }> = [];

  constructor(
    private readonly memory: WebAssembly.Memory,
    private readonly base: number,
    /** The most the memory may grow to (a lower cap makes chunking testable on small inputs). */
    readonly limit: number = MAX_MEMORY_BYTES,
  ) {}

  /** Bytes still free above the last block, up to the limit. */
  get available(): number {
    return this.limit - this.top;
  }

  /** Byte address of a new block of `bytes`; grows the memory if no gap fits. */
  alloc(bytes: number): number {
    const size = Math.max(ALIGN, Math.ceil(bytes / ALIGN) * ALIGN);
    let start = this.base;
    let index = 0;
    for (; index < this.blocks.length; index++) {
      const block = this.blocks[index]!;
      if (block.start - start >= size) break;
      start = block.end;
    }
    this.ensure(start + size);
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

  /** Grows the memory so that addresses below `end` exist. */
  ensure(end: number): void {
    const have = this.memory.buffer.byteLength;
    if (end <= have) return;
    if (end > this.limit) throw new RangeError(`klwasm: ${end} bytes exceed the module's memory limit of ${this.limit} bytes`);
    this.memory.grow(Math.ceil((end - have) / PAGE));
  }
}
