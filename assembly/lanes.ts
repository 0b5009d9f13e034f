/**
 * Lane plumbing shared by the kernels: lane counts, horizontal reductions, promotion of f32
 * lanes to f64, multiply-add, and the error-free steps of compensated summation.
 * Diagrams show lanes left to right, lane 0 first.
 */

/** Lanes of T in one v128: 2 for f64, 4 for f32. */
@inline export function lanes<T>(): i32 {
  return 16 / sizeof<T>();
}

/** f64x2 [a, b] => a + b */
@inline export function horizontalSumF64x2(v: v128): f64 {
  return f64x2.extract_lane(v, 0) + f64x2.extract_lane(v, 1);
}

/** [a, b] or [a, b, c, d] => max(a, b, c, d) as f64, NaN if any lane is NaN. */
@inline export function horizontalMax<T>(v: v128): f64 {
  let m = max(<f64>v128.extract_lane<T>(v, 0), <f64>v128.extract_lane<T>(v, 1));
  if (sizeof<T>() == 4) m = max(m, max(<f64>v128.extract_lane<T>(v, 2), <f64>v128.extract_lane<T>(v, 3)));
  return m;
}

/** f32x4 [a, b, c, d] => f64x2 [c, d] (f64x2.promote_low_f32x4 gives [a, b]). */
@inline export function promoteHighF32x4(v: v128): v128 {
  return f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 2, 3));
}

// The relaxed-SIMD build (ASC_FEATURE_RELAXED_SIMD) evaluates a·b + c with relaxed_madd,
// which the engine may or may not fuse: both roundings must, and do, keep the stated bounds of
// vecmath.ts (the plain SIMD build is the unfused case; tests/vecmath.test.ts runs the same
// bounds against both builds).

/** [a0, a1, …], [b0, b1, …], [c0, c1, …] => [a0·b0 + c0, a1·b1 + c1, …]: one rounding where the engine fuses it, else two. */
@inline export function mulAdd<T>(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return v128.relaxed_madd<T>(a, b, c);
  return v128.add<T>(v128.mul<T>(a, b), c);
}

/** [a0, …], [b0, …], [c0, …] => [c0 − a0·b0, …], rounded as mulAdd rounds. */
@inline export function negMulAdd<T>(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return v128.relaxed_nmadd<T>(a, b, c);
  return v128.sub<T>(c, v128.mul<T>(a, b));
}

/**
 * TwoSum (Knuth), f64x2 [s0, s1], [d0, d1] => [e0, e1] with (s0 + d0) + e0 exact: the rounding
 * error of each lane's sum, whatever the magnitudes.
 */
@inline export function twoSumRoundoff(sum: v128, d: v128): v128 {
  const total = v128.add<f64>(sum, d);
  const dPart = v128.sub<f64>(total, sum);
  return v128.add<f64>(v128.sub<f64>(sum, v128.sub<f64>(total, dPart)), v128.sub<f64>(d, dPart));
}

/**
 * Neumaier's step: the rounding error of `total` = sum + value, exact whichever operand is
 * larger. A compensated sum adds it to its compensation: `c += neumaierRoundoff(s, v, s + v)`.
 */
@inline export function neumaierRoundoff(sum: f64, value: f64, total: f64): f64 {
  return Math.abs(sum) >= Math.abs(value) ? (sum - total) + value : (value - total) + sum;
}

/** sum + compensation; an infinite term leaves NaN in the compensation, and the sum is exact then. */
@inline export function compensated(sum: f64, compensation: f64): f64 {
  return isFinite(sum) ? sum + compensation : sum;
}

/**
 * An f64 split into two T lanes' worth, splatted: offset => [hi, hi, …] and [lo, lo, …] with
 * hi + lo = offset to twice T's precision, so that f32 lanes can subtract an f64 offset (a
 * log-sum-exp) without rounding it to f32 first. For f64, lo is 0.
 */
@inline export function offsetHi<T>(offset: f64): v128 {
  return v128.splat<T>(<T>offset);
}

@inline export function offsetLo<T>(offset: f64): v128 {
  return v128.splat<T>(<T>(offset - <f64>(<T>offset)));
}

/** x − (hi + lo) for a split offset (offsetHi, offsetLo): f64 lanes' lo is 0, and is skipped. */
@inline export function subtractOffset<T>(x: v128, hi: v128, lo: v128): v128 {
  const difference = v128.sub<T>(x, hi);
  return sizeof<T>() == 8 ? difference : v128.sub<T>(difference, lo);
}
