/**
 * The lane arithmetic of the fused logits kernel (logits.ts): d = log(q/p) from the logits
 * without rounding y − x or the row constant first, the row constants themselves, the series
 * of e^t − 1 − t, the exponential of x ≤ 0, f64 sums of T lanes, and a − log1p(a).
 */
import { offsetHi, offsetLo, promoteHighF32x4 } from "./lanes";
import { expm1MinusXSmallF32x4, expm1MinusXSmallF64x2 } from "./series";
import { atanhExcess, expF64x2, expNonPositiveF32x4 } from "./vecmath";

@inline export function at<T>(base: usize, i: i32): usize {
  return base + (<usize>i << alignof<T>());
}

/** e^x of x ≤ 0 (a logit less its row's maximum); f32 lanes flush below 2^-126 to 0 (vecmath.ts). */
@inline export function expLanes<T>(x: v128): v128 {
  return sizeof<T>() == 8 ? expF64x2(x) : expNonPositiveF32x4(x);
}

/** f64 lanes plus the lanes of one T vector: f64 [a, b] + [t0, t1]; f32 [t0 + t2, t1 + t3]. */
@inline export function accumulate<T>(sums: v128, v: v128): v128 {
  if (sizeof<T>() == 8) return v128.add<f64>(sums, v);
  return v128.add<f64>(sums, v128.add<f64>(f64x2.promote_low_f32x4(v), promoteHighF32x4(v)));
}

/**
 * d = log(q/p) = (y − x) − (max y − max x) − c of one vector, c = L_y − L_x, without rounding
 * y − x or the row constant first: y − x = s + e exactly (TwoSum), the row constant
 * (max y − max x) + c as c0 + (c1 + c2) (rowConstants), and d = ((s − c0) + (e − c1)) − c2, where
 * s − c0 is exact for small d (Sterbenz). So nearly identical rows keep their digits also where
 * one is shifted (y ≈ x + k, whose (y − max y) − (x − max x) rounds).
 */
@inline export function differenceLanes<T>(x: v128, y: v128, c0: v128, c1: v128, c2: v128): v128 {
  const negX = v128.neg<T>(x);
  const s = v128.add<T>(y, negX);
  const yPart = v128.sub<T>(s, negX);
  const e = v128.add<T>(v128.sub<T>(y, yPart), v128.sub<T>(negX, v128.sub<T>(s, yPart)));
  const d = v128.add<T>(v128.sub<T>(s, c0), v128.sub<T>(e, c1));
  return sizeof<T>() == 8 ? d : v128.sub<f32>(d, c2);
}

/** differenceLanes for one element in f64, `gap` + `rest` the row constant (rowConstants' f64 form). */
@inline export function differenceScalar(x: f64, y: f64, gap: f64, rest: f64): f64 {
  const s = y - x;
  const yPart = s + x;
  const e = (y - yPart) + (-x - (s - yPart));
  return (s - gap) + (e - rest);
}

/** e^t − 1 − t for |t| < ½ in T lanes (series.ts). */
@inline export function seriesLanes<T>(t: v128): v128 {
  return sizeof<T>() == 8 ? expm1MinusXSmallF64x2(t) : expm1MinusXSmallF32x4(t);
}

/**
 * a − log1p(a) for |a| < ½, without the cancellation of its two terms (a of 1e-8 would keep
 * only 1e-8 of its digits): log1p(a) = 2·atanh(u), u = a/(2 + a), so a − log1p(a) is
 * a²/(2 + a) − (2·atanh(u) − 2u).
 */
export function logExcess(a: f64): f64 {
  const u = a / (2 + a);
  return (a * a) / (2 + a) - atanhExcess(u);
}

/**
 * The lanes of a row constant K = gap + rest for differenceLanes (gap the maxima's difference
 * rounded to f64, rest its rounding error plus c, and for the reverse gradient plus D, since
 * d − D = (y − x) − K): c0 is
 * K rounded to the lanes' type, c1 + c2 the remainder (f64 lanes: TwoSum's error and –; f32
 * lanes: the f64 remainder split in two f32). With c0 ≈ K, s − c0 is exact wherever the result
 * is small, which is where its digits matter (d of near rows, d − D of the reverse gradient).
 */
@inline export function rowConstant<T>(gap: f64, rest: f64, part: i32): v128 {
  const total = gap + rest;
  if (sizeof<T>() == 8) {
    if (part == 0) return f64x2.splat(total);
    const restPart = total - gap;
    return f64x2.splat((gap - (total - restPart)) + (rest - restPart));
  }
  const hi = <f64><f32>total;
  if (part == 0) return f32x4.splat(<f32>hi);
  const remainder = (gap - hi) + rest;
  return part == 1 ? offsetHi<f32>(remainder) : offsetLo<f32>(remainder);
}

/** d of f32 inputs promoted to f64 lanes: ((y − x) − gap) − rest, y − x and gap exact. */
@inline export function promotedDifference(x: v128, y: v128, gap: v128, rest: v128): v128 {
  return v128.sub<f64>(v128.sub<f64>(v128.sub<f64>(y, x), gap), rest);
}
