/** Input generators shared by the property and edge-case tests. */
import { mulberry32 } from "./random.mjs";

export interface VectorShape {
  length: number;
  seed: number;
  /** Share of elements set to exactly 0. */
  zeros: number;
  /** Orders of magnitude the values span below 1. */
  decades: number;
}

/** Positive values spread over `decades` orders of magnitude, with some exact zeros. */
export function probabilityLike({ length, seed, zeros, decades }: VectorShape): Float64Array {
  const random = mulberry32(seed);
  return Float64Array.from({ length }, () => (random() < zeros ? 0 : 10 ** (-random() * decades) * (0.5 + random())));
}

/** Logits: normal-ish scores of a given scale. */
export function logitsLike(length: number, seed: number, scale: number): Float64Array {
  const random = mulberry32(seed);
  return Float64Array.from({ length }, () => (random() + random() + random() - 1.5) * scale);
}

/** The same values rounded to f32. */
export const toF32 = (values: Float64Array): Float32Array => Float32Array.from(values);
