/**
 * How a pool splits a call among its workers: contiguous groups of rows, or, for one long
 * row whose terms are independent, pieces of a fixed size whatever the number of workers (so
 * that the result does not depend on it).
 */
import type { ElementArray } from "../../core/engine.js";
import type { Settings } from "../../core/options.js";

/** Calls below this many elements run in this thread: messages would cost more than they save. */
const SMALL_CALL = 1 << 15;
/** A long single vector is split into pieces of this many elements (and one shorter last piece). */
const PIECE = 1 << 16;

/** One worker's share of a call: `rows` rows of the operands' elements [start, start + length). */
export interface Share {
  worker: number;
  start: number;
  length: number;
  rows: number;
}

/**
 * The shares of a call on `n` elements, or undefined where it runs in this thread. `additive`:
 * whether a row's value is the sum of its pieces' (not so for the Rényi divergence, a log of a sum).
 */
export function planShares(n: number, settings: Settings, threads: number, additive = true): Share[] | undefined {
  const { rows } = settings;
  if (n < SMALL_CALL) return undefined;
  const shares: Share[] = [];
  if (rows > 1) {
    const cols = n / rows;
    for (let w = 0; w < threads; w++) {
      const [first, last] = [Math.floor((rows * w) / threads), Math.floor((rows * (w + 1)) / threads)];
      if (last > first) shares.push({ worker: w, start: first * cols, length: (last - first) * cols, rows: last - first });
    }
    return shares;
  }
  // One row: its terms are independent unless the row is rescaled as a whole (normalize, logits).
  const separable = additive && !settings.normalize && !settings.spaces.includes("logits");
  if (!separable || n < 2 * PIECE) return undefined;
  const pieces = Math.floor(n / PIECE);
  for (let w = 0; w < threads; w++) {
    const [first, last] = [Math.floor((pieces * w) / threads), Math.floor((pieces * (w + 1)) / threads)];
    if (last > first) shares.push({ worker: w, start: first * PIECE, length: (last - first) * PIECE, rows: last - first });
  }
  if (n > pieces * PIECE) shares.push({ worker: threads - 1, start: pieces * PIECE, length: n - pieces * PIECE, rows: 1 });
  return shares;
}

/** Whether `array` lives in shared memory, which workers read without a copy. */
export function isShared(array: { buffer: ArrayBufferLike }): boolean {
  return typeof SharedArrayBuffer !== "undefined" && array.buffer instanceof SharedArrayBuffer;
}

/** A share of an operand as the worker receives it: a view of shared memory, else a copy it takes over. */
export function shareOf(values: ElementArray, share: Share, transfer: ArrayBuffer[]): ElementArray {
  const end = share.start + share.length;
  if (isShared(values)) return values.subarray(share.start, end);
  const copy = values.slice(share.start, end);
  transfer.push(copy.buffer as ArrayBuffer);
  return copy;
}
