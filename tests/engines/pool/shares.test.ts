// How a pool splits a call (src/engines/pool/shares.ts): small calls stay in this thread; rows
// go to workers in contiguous groups that cover each row once; one long row whose terms are
// independent splits into 65 536-element pieces whatever the number of workers; rows that are
// rescaled as a whole are never split; shares of ordinary memory are copies handed over.
import { describe, expect, it } from "vitest";
import { JSD_KEYS, readSettings, type Settings } from "../../../src/core/options.js";
import { isShared, planShares, shareOf, type Share } from "../../../src/engines/pool/shares.js";

const SMALL_CALL = 2 ** 15;
const PIECE = 65536;

const settingsOf = (n: number, options: object = {}): Settings => readSettings(options, n, ["p", "q"], JSD_KEYS);

/** Checks that shares are contiguous, in order, and cover [0, n) once; returns their rows. */
function expectCover(shares: Share[], n: number): void {
  let next = 0;
  for (const share of shares) {
    expect(share.start).toBe(next);
    expect(share.length).toBeGreaterThan(0);
    next += share.length;
  }
  expect(next).toBe(n);
}

describe("planShares", () => {
  it("keeps calls below 2^15 elements in this thread", () => {
    for (const threads of [1, 2, 4]) {
      expect(planShares(SMALL_CALL - 1, settingsOf(SMALL_CALL - 1), threads)).toBeUndefined();
      expect(planShares(SMALL_CALL - 1, settingsOf(SMALL_CALL - 1, { rows: 7 }), threads)).toBeUndefined();
      expect(planShares(1, settingsOf(1), threads)).toBeUndefined();
    }
    expect(planShares(SMALL_CALL, settingsOf(SMALL_CALL, { rows: 2 }), 2)).toHaveLength(2);
  });

  describe("rows", () => {
    const SHAPES: [rows: number, cols: number][] = [
      [2, SMALL_CALL / 2],
      [3, 20000],
      [7, 5000],
      [24, 3001],
      [64, 1024],
      [1000, 40],
    ];
    for (const threads of [1, 2, 3, 4]) {
      it.each(SHAPES)(`${threads} thread(s): %i rows of %i split contiguously, each row exactly once`, (rows, cols) => {
        const n = rows * cols;
        const shares = planShares(n, settingsOf(n, { rows }), threads)!;
        expect(shares).toBeDefined();
        expectCover(shares, n);
        // Whole rows per share, as many rows as elements say, each worker at most once.
        for (const share of shares) {
          expect(share.start % cols).toBe(0);
          expect(share.length).toBe(share.rows * cols);
        }
        expect(shares.reduce((total, share) => total + share.rows, 0)).toBe(rows);
        const workers = shares.map((share) => share.worker);
        expect(new Set(workers).size).toBe(workers.length);
        for (const worker of workers) expect(worker >= 0 && worker < threads).toBe(true);
        // As even as whole rows allow.
        const counts = shares.map((share) => share.rows);
        expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(1);
        expect(shares).toHaveLength(Math.min(rows, threads));
      });
    }

    it("splits rescaled rows (normalize, logits) by whole rows too", () => {
      const [rows, cols] = [8, 5000];
      for (const options of [{ normalize: true }, { space: "logits" }, { qSpace: "logits" }]) {
        const shares = planShares(rows * cols, settingsOf(rows * cols, { rows, ...options }), 3)!;
        expectCover(shares, rows * cols);
        for (const share of shares) expect([share.start % cols, share.length % cols]).toEqual([0, 0]);
      }
    });
  });

  describe("one long row", () => {
    /** The boundaries of the pieces the workers compute (a share of k pieces is k rows of 65 536). */
    const pieceBoundaries = (shares: Share[]) =>
      shares.flatMap((share) => Array.from({ length: share.rows }, (_, k) => share.start + (k * share.length) / share.rows));

    it.each([2 * PIECE, 2 * PIECE + 1, 5 * PIECE, 7 * PIECE + 12345, 10 ** 6])(
      "of %i elements splits at the same 65 536-element boundaries for 1, 2 and 3 threads",
      (n) => {
        const pieces = Math.floor(n / PIECE);
        const expected = Array.from({ length: pieces }, (_, k) => k * PIECE);
        if (n % PIECE !== 0) expected.push(pieces * PIECE);
        for (const threads of [1, 2, 3]) {
          const shares = planShares(n, settingsOf(n), threads)!;
          expectCover(shares, n);
          expect(pieceBoundaries(shares)).toEqual(expected);
          // Every piece but the last is whole.
          for (const share of shares.slice(0, -1)) expect(share.length).toBe(share.rows * PIECE);
        }
      },
    );

    it("gives the pieces to the threads in contiguous groups, the shorter last piece to the last thread", () => {
      const n = 7 * PIECE + 100;
      const shares = planShares(n, settingsOf(n), 3)!;
      expect(shares.map(({ worker, rows }) => [worker, rows])).toEqual([[0, 2], [1, 2], [2, 3], [2, 1]]);
      expect(shares.at(-1)).toEqual({ worker: 2, start: 7 * PIECE, length: 100, rows: 1 });
    });

    it("in log space is split like probabilities (its terms are independent too)", () => {
      const n = 3 * PIECE;
      expect(planShares(n, settingsOf(n, { space: "log" }), 2)).toEqual(planShares(n, settingsOf(n), 2));
    });

    it("shorter than two pieces stays in this thread", () => {
      for (const n of [SMALL_CALL, PIECE, 2 * PIECE - 1]) expect(planShares(n, settingsOf(n), 4)).toBeUndefined();
    });

    it.each([
      ["normalize", { normalize: true }],
      ["logits", { space: "logits" }],
      ["logits approx", { qSpace: "logits" }],
      ["logits target", { pSpace: "logits" }],
    ])("rescaled as a whole (%s) is not split", (_, options) => {
      const n = 10 * PIECE;
      for (const threads of [1, 2, 4]) expect(planShares(n, settingsOf(n, options), threads)).toBeUndefined();
    });
  });
});

describe("shareOf", () => {
  const share: Share = { worker: 1, start: 3, length: 4, rows: 1 };

  it("copies a share of ordinary memory and lists the copy's buffer to transfer", () => {
    const values = Float64Array.from({ length: 10 }, (_, i) => i / 10);
    const transfer: ArrayBuffer[] = [];
    const part = shareOf(values, share, transfer);
    expect(part).toBeInstanceOf(Float64Array);
    expect(Array.from(part)).toEqual([0.3, 0.4, 0.5, 0.6]);
    expect(part.buffer).not.toBe(values.buffer);
    expect(part.buffer.byteLength).toBe(4 * 8);
    expect(transfer).toEqual([part.buffer]);
    values[3] = 99;
    expect(part[0]).toBe(0.3);
    expect(isShared(values)).toBe(false);
  });

  it("keeps the element type", () => {
    const part = shareOf(Float32Array.of(0, 1, 2, 3, 4, 5, 6, 7), share, []);
    expect(part).toBeInstanceOf(Float32Array);
    expect(Array.from(part)).toEqual([3, 4, 5, 6]);
  });

  it("gives a view of shared memory, and lists nothing to transfer", () => {
    const values = new Float32Array(new SharedArrayBuffer(10 * 4));
    values.set([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(isShared(values)).toBe(true);
    const transfer: ArrayBuffer[] = [];
    const part = shareOf(values, share, transfer);
    expect(part.buffer).toBe(values.buffer);
    expect(part.byteOffset).toBe(3 * 4);
    expect(Array.from(part)).toEqual([3, 4, 5, 6]);
    expect(transfer).toEqual([]);
    values[3] = 99;
    expect(part[0]).toBe(99);
  });
});
