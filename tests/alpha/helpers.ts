/**
 * Shared by the α family's tests (tests/alpha/*.test.ts): the mpmath fixture
 * (tests/fixtures/make_alpha_family.py), comparisons that hold infinities and zeros exactly, and
 * seeded rows for the property tests.
 */
import { readFileSync } from "node:fs";
import fc from "fast-check";
import type { Space } from "../../src/core/types.js";
import { mulberry32 } from "../random.mjs";

/** A fixture number: a double, "Infinity"/"-Infinity", or null (a nonzero exact value below the least normal double). */
export type Exact = number | "Infinity" | "-Infinity" | null;

export interface Entry {
  /** The exact value of each row (reduction "none"). */
  rows: Exact[];
  /** The exact sum over the rows (reduction "sum"). */
  sum: Exact;
}

export interface OrderEntry extends Entry {
  alpha: number | "Infinity";
}

export interface GradientEntry {
  alpha: number | "Infinity";
  /** The exact value of the divergence (summed over rows). */
  value: Exact;
  /** The exact gradient with respect to approx, in approx's space, flat; null where it is not defined. */
  grad: Exact[] | null;
}

export interface AlphaCase {
  name: string;
  space: Space;
  rows: number;
  normalize: boolean;
  /** Whether p and q are f32 values (stored as the doubles equal to them). */
  f32: boolean;
  p: number[];
  q: number[];
  renyi: OrderEntry[];
  alphaDivergence: OrderEntry[];
  hellinger: Entry;
  bhattacharyya: Entry;
  totalVariation: Entry;
  chiSquare: Entry;
  jeffreys: Entry;
  /** Absent with normalize (a probability-space approx is differentiated as given). */
  alphaGrad?: GradientEntry[];
  renyiGrad?: GradientEntry[];
}

export const alphaCases: AlphaCase[] = (
  JSON.parse(readFileSync(new URL("../fixtures/alpha_family.json", import.meta.url), "utf8")) as { cases: AlphaCase[] }
).cases;

/** A fixture number as a JS number (null stays null). */
export function exact(value: Exact | number): number | null {
  if (value === "Infinity") return Infinity;
  if (value === "-Infinity") return -Infinity;
  return value;
}

/** A fixture order α as a number. */
export const order = (alpha: number | "Infinity"): number => (alpha === "Infinity" ? Infinity : alpha);

/**
 * The error of `got` against an exact `want`, relative: 0 where they are equal, Infinity where
 * `want` is an infinity or zero and `got` is not that (an exact 0 may come out as −0).
 */
export function relativeError(got: number, want: number): number {
  if (got === want) return 0;
  if (!Number.isFinite(want) || want === 0) return Infinity;
  return Math.abs(got - want) / Math.abs(want);
}

/** The largest observed error per divergence (for the report that fixtures.test.ts prints with ALPHA_ERRORS=1). */
export class ErrorLog {
  readonly worst = new Map<string, { error: number; where: string }>();

  record(key: string, error: number, where: string): void {
    const seen = this.worst.get(key);
    if (seen === undefined || !(error <= seen.error)) this.worst.set(key, { error, where });
  }

  lines(): string[] {
    return [...this.worst.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([key, { error, where }]) => `${key.padEnd(30)} ${error.toExponential(2)}  (${where})`);
  }
}

/** Σ values, compensated (Neumaier): the identities' independent sums of a few dozen terms; an infinite sum is itself. */
export function fsum(values: Iterable<number>): number {
  let sum = 0;
  let c = 0;
  for (const v of values) {
    const t = sum + v;
    c += Math.abs(sum) >= Math.abs(v) ? sum - t + v : v - t + sum;
    sum = t;
  }
  return Number.isFinite(sum) ? sum + c : sum;
}

/** A row of `n` positive values over `decades` orders of magnitude, a share `zeros` of them exactly 0. */
export function positives(n: number, seed: number, decades = 3, zeros = 0): Float64Array {
  const random = mulberry32(seed);
  return Float64Array.from({ length: n }, () => (random() < zeros ? 0 : 10 ** (-random() * decades) * (0.5 + random())));
}

/** `rows` rows of `n` values each divided by its row's sum (doubles summing to 1 but for rounding); no row without mass. */
export function distributions(rows: number, n: number, seed: number, decades = 3, zeros = 0): Float64Array {
  const out = new Float64Array(rows * n);
  for (let r = 0; r < rows; r++) {
    const row = positives(n, seed + 7919 * r, decades, zeros);
    if (!row.some((v) => v > 0)) row[0] = 1;
    const total = fsum(row);
    row.forEach((v, i) => (out[r * n + i] = v / total));
  }
  return out;
}

/** Logits of order `scale`. */
export function logits(length: number, seed: number, scale = 3): Float64Array {
  const random = mulberry32(seed);
  return Float64Array.from({ length }, () => (random() + random() + random() - 1.5) * scale);
}

/** Row `r` of a flat row-major vector. */
export const rowOf = (values: ArrayLike<number>, r: number, n: number): number[] => Array.from({ length: n }, (_, i) => values[r * n + i]!);

/** Exact probabilities of one row in a space, in doubles (softmax for logits, e^x for log). */
export function probabilitiesOf(values: number[], space: Space, normalize = false): number[] {
  if (space === "logits") {
    const top = Math.max(...values);
    const e = values.map((v) => Math.exp(v - top));
    const total = fsum(e);
    return e.map((v) => v / total);
  }
  const p = space === "log" ? values.map(Math.exp) : values;
  if (!normalize) return p;
  const total = fsum(p);
  return p.map((v) => v / total);
}

/** A shape for the property tests: rows of n, a seed, and how the rows are given. */
export interface Rows {
  rows: number;
  n: number;
  seed: number;
  /** "given": distributions as doubles (sum 1 but for rounding); "normalize": unnormalised values with normalize; "logits". */
  form: "given" | "normalize" | "logits";
  /** Share of zeros in p and in q (probability forms only). */
  zeros: number;
}

export const rowShapes = (forms: Rows["form"][] = ["given", "normalize", "logits"], zeros: number[] = [0]): fc.Arbitrary<Rows> =>
  fc.record({
    rows: fc.integer({ min: 1, max: 3 }),
    n: fc.integer({ min: 1, max: 40 }),
    seed: fc.integer({ min: 0, max: 2 ** 30 }),
    form: fc.constantFrom(...forms),
    zeros: fc.constantFrom(...zeros),
  });

/** The inputs and options of a shape: p and q (independent rows), and the options that read them so. */
export function inputsOf({ rows, n, seed, form, zeros }: Rows): { p: Float64Array; q: Float64Array; options: { rows: number; space: Space; normalize: boolean } } {
  const length = rows * n;
  if (form === "logits") return { p: logits(length, seed), q: logits(length, seed + 1), options: { rows, space: "logits", normalize: false } };
  if (form === "normalize") {
    const p = distributions(rows, n, seed, 3, zeros).map((v) => v * 37.5);
    const q = distributions(rows, n, seed + 1, 3, zeros).map((v) => v * 0.02);
    return { p, q, options: { rows, space: "prob", normalize: true } };
  }
  return { p: distributions(rows, n, seed, 3, zeros), q: distributions(rows, n, seed + 1, 3, zeros), options: { rows, space: "prob", normalize: false } };
}

/** Per-row probabilities of a shape's inputs, as the call reads them. */
export function rowProbabilities(values: Float64Array, { rows, n, form }: Rows): number[][] {
  const space: Space = form === "logits" ? "logits" : "prob";
  return Array.from({ length: rows }, (_, r) => probabilitiesOf(rowOf(values, r, n), space, form === "normalize"));
}

/** A value or per-row values as an array. */
export const asArray = (value: number | Float64Array): number[] => (typeof value === "number" ? [value] : Array.from(value));
