// SUN COPYRIGHT NOTICE (fdlibm e_log.c, e_exp.c; FreeBSD's e_logf.c, from which musl's logf.c comes)
//
// Copyright (C) 1993 by Sun Microsystems, Inc. All rights reserved.
// Developed at SunSoft, a Sun Microsystems, Inc. business.
// Permission to use, copy, modify, and distribute this software is freely granted,
// provided that this notice is preserved.
//
// MUSL NOTICE (musl's src/math/logf.c)
//
// Copyright © 2005-2020 Rich Felker, et al.
//
// Permission is hereby granted, free of charge, to any person obtaining a copy of this
// software and associated documentation files (the "Software"), to deal in the Software
// without restriction, including without limitation the rights to use, copy, modify, merge,
// publish, distribute, sublicense, and/or sell copies of the Software, and to permit persons
// to whom the Software is furnished to do so, subject to the following conditions:
//
// The above copyright notice and this permission notice shall be included in all copies or
// substantial portions of the Software.
//
// THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED,
// INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY, FITNESS FOR A PARTICULAR
// PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE AUTHORS OR COPYRIGHT HOLDERS BE LIABLE
// FOR ANY CLAIM, DAMAGES OR OTHER LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR
// OTHERWISE, ARISING FROM, OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER
// DEALINGS IN THE SOFTWARE.
//
// The notices apply to the routines whose comment says "see:" one of those files.

/**
 * Vector logarithm, log-ratio and exponential: f64x2 and f32x4 lanes.
 *
 * Error bounds (checked in tests/vecmath.test.ts against Math.log / Math.exp and
 * against f64 evaluations for the f32 routines):
 *   logF64x2       ≤ 1 ulp     (fdlibm's e_log.c reduction and polynomial)
 *   logF32x4       ≤ 2 ulp     (musl's logf.c reduction and polynomial)
 *   logRatioF64x2  ≤ 2 ulp of the true log(p/q), never of a rounded p/q
 *   logRatioF32x4  ≤ 2 ulp of the true log(p/q)
 *   expF64x2       ≤ 1 ulp     (fdlibm's e_exp.c)
 *   expF32x4       ≤ 2 ulp     (Cephes expf polynomial)
 *
 * The relaxed-SIMD build fuses multiply-adds where the engine does (lanes.ts mulAdd): the
 * bounds hold for both roundings, and the tests run them against both builds.
 *
 * Constants are written as their bits, the source's decimal beside them (each decimal rounds
 * to those bits); exact small numbers (0.5, 1, 2, clamping bounds) stay decimal.
 *
 * The "Reduced" and "Ratio" routines assume positive normal inputs in a stated range;
 * callers check the range once per block and send anything else to the scalar path.
 */
import { mulAdd, negMulAdd } from "./lanes";

// ln 2 split so that k·LN2_HI is exact for |k| < 2^20 (fdlibm).
const LN2_HI_F64: f64 = reinterpret<f64>(0x3FE62E42FEE00000); // 6.93147180369123816490e-01
const LN2_LO_F64: f64 = reinterpret<f64>(0x3DEA39EF35793C76); // 1.90821492927058770002e-10
const LN2_F64: f64 = reinterpret<f64>(0x3FE62E42FEFA39EF); // 0.6931471805599453
const LN2_F32: f32 = reinterpret<f32>(0x3F317218); // 0.69314718
// musl logf: k·LN2_HI_F32 is exact for the exponents a float can have.
const LN2_HI_F32: f32 = reinterpret<f32>(0x3F317180); // 6.9313812256e-01
const LN2_LO_F32: f32 = reinterpret<f32>(0x3717F7D1); // 9.0580006145e-06

// fdlibm e_log.c: log(1+f) = f - hfsq + s·(hfsq + R(z)), |error of R| < 2^-58.45.
const LG1: f64 = reinterpret<f64>(0x3FE5555555555593); // 6.666666666666735130e-01
const LG2: f64 = reinterpret<f64>(0x3FD999999997FA04); // 3.999999999940941908e-01
const LG3: f64 = reinterpret<f64>(0x3FD2492494229359); // 2.857142874366239149e-01
const LG4: f64 = reinterpret<f64>(0x3FCC71C51D8E78AF); // 2.222219843214978396e-01
const LG5: f64 = reinterpret<f64>(0x3FC7466496CB03DE); // 1.818357216161805012e-01
const LG6: f64 = reinterpret<f64>(0x3FC39A09D078C69F); // 1.531383769920937332e-01
const LG7: f64 = reinterpret<f64>(0x3FC2F112DF3E5244); // 1.479819860511658591e-01

// musl logf.c: |error of R| < 2^-34.24 on [√2/2 - 1, √2 - 1].
const LGF1: f32 = reinterpret<f32>(0x3F2AAAAA); // 0.66666662693 (musl: 0xaaaaaa.0p-24)
const LGF2: f32 = reinterpret<f32>(0x3ECCCE13); // 0.40000972152 (musl: 0xccce13.0p-25)
const LGF3: f32 = reinterpret<f32>(0x3E91E9EE); // 0.28498786688 (musl: 0x91e9ee.0p-25)
const LGF4: f32 = reinterpret<f32>(0x3E789E26); // 0.24279078841 (musl: 0xf89e26.0p-26)

// 2·atanh(s) = s·(2 + z·P(z)), z = s², fitted by scripts/fit_log_ratio.py on
// z ≤ 0.040152 (the range the exponent-difference reduction yields).
// f64: degree 7, |error of z·P(z)| ≤ 1.05e-18.
const AT0: f64 = reinterpret<f64>(0x3FE5555555555555); // 0.66666666666666664152
const AT1: f64 = reinterpret<f64>(0x3FD9999999999F3D); // 0.40000000000008014957
const AT2: f64 = reinterpret<f64>(0x3FD24924923DA30A); // 0.2857142856724271818
const AT3: f64 = reinterpret<f64>(0x3FCC71C72E4DDAD6); // 0.22222223053878193184
const AT4: f64 = reinterpret<f64>(0x3FC745CAA923F018); // 0.18181737192924240499
const AT5: f64 = reinterpret<f64>(0x3FC3B2A13F33D3CF); // 0.15388885103280222181
const AT6: f64 = reinterpret<f64>(0x3FC0E87220A296BE); // 0.13209368318091736028
const AT7: f64 = reinterpret<f64>(0x3FC16C430386167F); // 0.13611638710078819134
// f32: degree 2, |error of z·P(z)| ≤ 1.96e-8.
const ATF0: f32 = reinterpret<f32>(0x3F2AAAB3); // 0.66666713922652496593
const ATF1: f32 = reinterpret<f32>(0x3ECCB115); // 0.39978854038462504346
const ATF2: f32 = reinterpret<f32>(0x3E996691); // 0.29961065061044424226

// fdlibm e_exp.c: exp(r) = 1 + r + r·c/(2 - c), c = r - r²·P(r²), |error| < 2^-59.
const EP1: f64 = reinterpret<f64>(0x3FC555555555553E); // 1.66666666666666019037e-01
const EP2: f64 = reinterpret<f64>(0xBF66C16C16BEBD93); // -2.77777777770155933842e-03
const EP3: f64 = reinterpret<f64>(0x3F11566AAF25DE2C); // 6.61375632143793436117e-05
const EP4: f64 = reinterpret<f64>(0xBEBBBD41C5D26BF1); // -1.65339022054652515390e-06
const EP5: f64 = reinterpret<f64>(0x3E66376972BEA4D0); // 4.13813679705723846039e-08
const INV_LN2_F64: f64 = reinterpret<f64>(0x3FF71547652B82FE); // 1.44269504088896338700e+00

// Cephes expf: exp(r) = 1 + r + r²·Q(r) on |r| ≤ ln2/2, peak relative error 2.3e-7.
const EQ0: f32 = reinterpret<f32>(0x3F000000); // 5.0000001201e-1 (Cephes; 0.5 exactly in f32)
const EQ1: f32 = reinterpret<f32>(0x3E2AAAAA); // 1.6666665459e-1
const EQ2: f32 = reinterpret<f32>(0x3D2AA9C1); // 4.1665795894e-2
const EQ3: f32 = reinterpret<f32>(0x3C088908); // 8.3334519073e-3
const EQ4: f32 = reinterpret<f32>(0x3AB743CE); // 1.3981999507e-3
const EQ5: f32 = reinterpret<f32>(0x39506967); // 1.9875691500e-4
// e^r = 1 + r + r²·Q(r) with Q of degree 4, fitted (relative error of e^r weighted, Lawson's
// iteration; scripts/fit_exp_f32.py) on |r| ≤ ln 2/2: 0.84 ulp as expNonPositiveF32x4 evaluates it in f32, one term
// fewer than Cephes's Q for the arguments the fused logits kernel takes.
const EN0: f32 = reinterpret<f32>(0x3EFFFFFE); // 4.9999994e-1
const EN1: f32 = reinterpret<f32>(0x3E2AAA49); // 1.6666521e-1
const EN2: f32 = reinterpret<f32>(0x3D2AAC79); // 4.1668389e-2
const EN3: f32 = reinterpret<f32>(0x3C091CDC); // 8.3686970e-3
const EN4: f32 = reinterpret<f32>(0x3AB511ED); // 1.3814546e-3
const LOG2E_F32: f32 = reinterpret<f32>(0x3FB8AA3B); // 1.44269504088896341 (log2 e)
const EXP_C1_F32: f32 = reinterpret<f32>(0x3F318000); // 0.693359375; few mantissa bits: k·C1 is exact
const EXP_C2_F32: f32 = reinterpret<f32>(0xB95E8083); // -2.12194440e-4

const TWO54_F64: f64 = reinterpret<f64>(0x4350000000000000); // 18014398509481984.0 = 2^54
const TWO25_F32: f32 = reinterpret<f32>(0x4C000000); // 33554432.0 = 2^25

// 1.5·2^52: adding a small integer to these bits gives a double equal to 1.5·2^52 + k.
const MAGIC_F64: f64 = reinterpret<f64>(0x4338000000000000); // 6755399441055744.0 = 1.5·2^52
const MAGIC_BITS_F64: i64 = 0x4338000000000000;

// 1.5·2^23: the f32 counterpart, for rounding to an integer and reading it from the bits.
const MAGIC_F32: f32 = reinterpret<f32>(0x4B400000); // 12582912.0 = 1.5·2^23
const MAGIC_BITS_F32: i32 = 0x4B400000;

/** Small integer lanes of an i64x2 as f64x2: [k0, k1] => [f64(k0), f64(k1)]. */
@inline function i64x2ToF64x2(k: v128): v128 {
  return v128.sub<f64>(v128.add<i64>(k, i64x2.splat(MAGIC_BITS_F64)), f64x2.splat(MAGIC_F64));
}

/** Integral f64x2 lanes (|k| < 2^51) as i64x2. */
@inline function f64x2ToI64x2(k: v128): v128 {
  return v128.sub<i64>(v128.add<f64>(k, f64x2.splat(MAGIC_F64)), i64x2.splat(MAGIC_BITS_F64));
}

/** a + b·z: one Estrin pair. */
@inline function pairF64(a: f64, b: f64, z: v128): v128 {
  return mulAdd<f64>(f64x2.splat(b), z, f64x2.splat(a));
}

/** log x for positive normal lanes, with `kBias` (i64x2) added to the binary exponent. */
@inline function logReducedF64x2(x: v128, kBias: v128): v128 { // see: fdlibm e_log.c
  // x = 2^k·m with m ∈ [√2/2, √2): shift the bits so that the exponent field rounds there.
  const ix = v128.add<i64>(x, i64x2.splat(0x00095F6200000000)); // (0x3FF00000 - 0x3FE6A09E) << 32
  const k = v128.add<i64>(v128.sub<i64>(v128.shr<i64>(ix, 52), i64x2.splat(0x3FF)), kBias);
  const m = v128.add<i64>(v128.and(ix, i64x2.splat(0x000FFFFFFFFFFFFF)), i64x2.splat(0x3FE6A09E00000000));
  const f = v128.sub<f64>(m, f64x2.splat(1.0));
  const hfsq = v128.mul<f64>(v128.mul<f64>(f64x2.splat(0.5), f), f);
  const s = v128.div<f64>(f, v128.add<f64>(f64x2.splat(2.0), f));
  const z = v128.mul<f64>(s, s);
  const w = v128.mul<f64>(z, z);
  // t1 = w·(LG2 + w·(LG4 + w·LG6)), t2 = z·(LG1 + w·(LG3 + w·(LG5 + w·LG7)))
  const t1 = v128.mul<f64>(w, mulAdd<f64>(w, pairF64(LG4, LG6, w), f64x2.splat(LG2)));
  const t2 = v128.mul<f64>(z, mulAdd<f64>(w, mulAdd<f64>(w, pairF64(LG5, LG7, w), f64x2.splat(LG3)), f64x2.splat(LG1)));
  const r = v128.add<f64>(t2, t1);
  const dk = i64x2ToF64x2(k);
  // s·(hfsq + R) + dk·ln2_lo - hfsq + f + dk·ln2_hi, in fdlibm's order
  let y = mulAdd<f64>(s, v128.add<f64>(hfsq, r), v128.mul<f64>(dk, f64x2.splat(LN2_LO_F64)));
  y = v128.add<f64>(v128.sub<f64>(y, hfsq), f);
  return mulAdd<f64>(dk, f64x2.splat(LN2_HI_F64), y);
}

/** log x for every lane: subnormals rescaled, log 0 = -Infinity, log of negatives or NaN = NaN. */
@inline export function logF64x2(x: v128): v128 {
  const subnormal = v128.lt<f64>(x, f64x2.splat(f64.MIN_NORMAL_VALUE));
  const scaled = v128.bitselect(v128.mul<f64>(x, f64x2.splat(TWO54_F64)), x, subnormal);
  let y = logReducedF64x2(scaled, v128.and(subnormal, i64x2.splat(-54)));
  y = v128.bitselect(f64x2.splat(-Infinity), y, v128.eq<f64>(x, f64x2.splat(0)));
  y = v128.bitselect(f64x2.splat(Infinity), y, v128.eq<f64>(x, f64x2.splat(Infinity)));
  return v128.bitselect(f64x2.splat(NaN), y, v128.not(v128.ge<f64>(x, f64x2.splat(0))));
}

/** log x for positive normal f64 lanes. */
@inline export function logPositiveF64x2(x: v128): v128 {
  return logReducedF64x2(x, i64x2.splat(0));
}

/** log x for positive normal f32 lanes, with `kBias` (i32x4) added to the binary exponent. */
@inline function logReducedF32x4(x: v128, kBias: v128): v128 { // see: musl src/math/logf.c (FreeBSD e_logf.c)
  const ix = v128.add<i32>(x, i32x4.splat(0x3F800000 - 0x3F3504F3));
  const k = v128.add<i32>(v128.sub<i32>(v128.shr<i32>(ix, 23), i32x4.splat(0x7F)), kBias);
  const m = v128.add<i32>(v128.and(ix, i32x4.splat(0x007FFFFF)), i32x4.splat(0x3F3504F3));
  const f = v128.sub<f32>(m, f32x4.splat(1.0));
  const s = v128.div<f32>(f, v128.add<f32>(f32x4.splat(2.0), f));
  const z = v128.mul<f32>(s, s);
  const w = v128.mul<f32>(z, z);
  const t1 = v128.mul<f32>(w, pairF32(LGF2, LGF4, w));
  const t2 = v128.mul<f32>(z, pairF32(LGF1, LGF3, w));
  const r = v128.add<f32>(t2, t1);
  const hfsq = v128.mul<f32>(v128.mul<f32>(f32x4.splat(0.5), f), f);
  const dk = f32x4.convert_i32x4_s(k);
  let y = mulAdd<f32>(s, v128.add<f32>(hfsq, r), v128.mul<f32>(dk, f32x4.splat(LN2_LO_F32)));
  y = v128.add<f32>(v128.sub<f32>(y, hfsq), f);
  return mulAdd<f32>(dk, f32x4.splat(LN2_HI_F32), y);
}

/** log x for every f32 lane, with the same special values as logF64x2. */
@inline export function logF32x4(x: v128): v128 {
  const subnormal = v128.lt<f32>(x, f32x4.splat(f32.MIN_NORMAL_VALUE));
  const scaled = v128.bitselect(v128.mul<f32>(x, f32x4.splat(TWO25_F32)), x, subnormal);
  let y = logReducedF32x4(scaled, v128.and(subnormal, i32x4.splat(-25)));
  y = v128.bitselect(f32x4.splat(-Infinity), y, v128.eq<f32>(x, f32x4.splat(0)));
  y = v128.bitselect(f32x4.splat(Infinity), y, v128.eq<f32>(x, f32x4.splat(Infinity)));
  return v128.bitselect(f32x4.splat(NaN), y, v128.not(v128.ge<f32>(x, f32x4.splat(0))));
}

/** log x for positive normal f32 lanes. */
@inline export function logPositiveF32x4(x: v128): v128 {
  return logReducedF32x4(x, i32x4.splat(0));
}

// What scaledRatioF64x2/F32x4 return: log(p/q); the KL excess p·log(p/q) − (p − q) in every
// lane; or the accurate form's split term (see klSplitF64x2).
const LOG_RATIO: i32 = 0;
const EXCESS: i32 = 1;
const SPLIT: i32 = 2;

/**
 * log(p/q) without rounding p/q ("scaled ratio"), or a KL term built on it (`form`, above).
 * The difference of the two bit patterns approximates 2^52·log2(p/q) to within 0.0861, so
 * k = round(that) leaves r = p/(q·2^k) ∈ [0.666, 1.502]. q' = q·2^k is formed exactly by
 * adding k to q's exponent, p − q' is exact (Sterbenz), and log r = 2·atanh(s) = 2s + s·z·P(z)
 * with s = (p − q')/(p + q'), z = s².
 * The excess is s·(p − q') + p·s·z·P(z) + (p·k·ln2 − (q' − q)): near 1 (k = 0) only the
 * first two parts remain, and they carry the sign they should, so it keeps every digit
 * where p·log(p/q) and p − q cancel.
 * With `given`, `difference` holds p − q of a q the caller knows better than its rounding
 * (the JSD's mixture m): lanes with k = 0 take it for p − q', so that the log and the excess
 * are those of the unrounded q; the other lanes lose nothing to q's rounding.
 * Requires p ∈ [2^-1020, 2^1022) and q positive normal (terms.ts checks it per block).
 */
@inline function scaledRatioF64x2(p: v128, q: v128, form: i32, given: bool, difference: v128): v128 { // see: scripts/fit_log_ratio.py
  const k = ratioExponentF64x2(p, q);
  const nearOne = v128.eq<i64>(k, i64x2.splat(0));
  const scaledQ = v128.add<i64>(q, v128.shl<i64>(k, 52));
  let numerator = v128.sub<f64>(p, scaledQ);
  if (given) numerator = v128.bitselect(difference, numerator, nearOne);
  const s = v128.div<f64>(numerator, v128.add<f64>(p, scaledQ));
  const z = v128.mul<f64>(s, s);
  const z2 = v128.mul<f64>(z, z);
  const z4 = v128.mul<f64>(z2, z2);
  // Estrin: P(z) = (AT0 + AT1·z + (AT2 + AT3·z)·z²) + (AT4 + AT5·z + (AT6 + AT7·z)·z²)·z⁴
  const low = mulAdd<f64>(pairF64(AT2, AT3, z), z2, pairF64(AT0, AT1, z));
  const high = mulAdd<f64>(pairF64(AT6, AT7, z), z2, pairF64(AT4, AT5, z));
  const szP = v128.mul<f64>(v128.mul<f64>(s, z), mulAdd<f64>(high, z4, low));
  const dk = i64x2ToF64x2(k);
  // p·log(p/q') − (p − q') = s·(p − q') + p·s·z·P(z)
  const nearExcess = mulAdd<f64>(s, numerator, v128.mul<f64>(p, szP));
  if (form == EXCESS) {
    // The rest, p·k·ln2 − (q' − q), is 0 for k = 0.
    const scaled = v128.sub<f64>(v128.mul<f64>(p, v128.mul<f64>(dk, f64x2.splat(LN2_F64))), v128.sub<f64>(scaledQ, q));
    return v128.add<f64>(nearExcess, scaled);
  }
  const logR = v128.add<f64>(v128.add<f64>(s, s), szP);
  const logRatio = mulAdd<f64>(dk, f64x2.splat(LN2_HI_F64), mulAdd<f64>(dk, f64x2.splat(LN2_LO_F64), logR));
  if (form == LOG_RATIO) return logRatio;
  return v128.bitselect(nearExcess, v128.mul<f64>(p, logRatio), nearOne);
}

/** The k of scaledRatioF64x2: round(log2(p/q)) to within 0.0861, from the bit patterns. */
@inline function ratioExponentF64x2(p: v128, q: v128): v128 {
  return v128.shr<i64>(v128.add<i64>(v128.sub<i64>(p, q), i64x2.splat(0x0008000000000000)), 52);
}

/** log(p/q) for the lanes scaledRatioF64x2 accepts. */
@inline export function logRatioF64x2(p: v128, q: v128): v128 {
  return scaledRatioF64x2(p, q, LOG_RATIO, false, p);
}

/** log(p/q) of an unrounded q, `difference` its p − q (see scaledRatioF64x2). */
@inline export function logRatioGivenF64x2(p: v128, q: v128, difference: v128): v128 {
  return scaledRatioF64x2(p, q, LOG_RATIO, true, difference);
}

/** p·log(p/q) − (p − q) of an unrounded q, `difference` its p − q (see scaledRatioF64x2). */
@inline export function klExcessGivenF64x2(p: v128, q: v128, difference: v128): v128 {
  return scaledRatioF64x2(p, q, EXCESS, true, difference);
}

/**
 * The accurate form's KL term for the lanes scaledRatioF64x2 accepts: the excess
 * p·log(p/q) − (p − q) where p/q ∈ [0.666, 1.502] (excessLanesF64x2), whose p − q the
 * caller sums beside it, and the plain p·log(p/q) elsewhere, where an excess and a
 * difference summed apart would cancel (q ≫ p). Lanes with p = 0 are the caller's.
 */
@inline export function klSplitF64x2(p: v128, q: v128): v128 {
  return scaledRatioF64x2(p, q, SPLIT, false, p);
}

/**
 * All-ones in the lanes where klSplitF64x2 is the excess. For lanes scaledRatioF64x2 accepts,
 * p = 0 never has k = 0 (q is normal), so those lanes are never among them.
 */
@inline export function excessLanesF64x2(p: v128, q: v128): v128 {
  return v128.eq<i64>(ratioExponentF64x2(p, q), i64x2.splat(0));
}

/** The f32 form of scaledRatioF64x2. Requires p ∈ [2^-124, 2^126) and q positive normal. */
@inline function scaledRatioF32x4(p: v128, q: v128, form: i32, given: bool, difference: v128): v128 { // see: scripts/fit_log_ratio.py
  const k = ratioExponentF32x4(p, q);
  const nearOne = v128.eq<i32>(k, i32x4.splat(0));
  const scaledQ = v128.add<i32>(q, v128.shl<i32>(k, 23));
  let numerator = v128.sub<f32>(p, scaledQ);
  if (given) numerator = v128.bitselect(difference, numerator, nearOne);
  const s = v128.div<f32>(numerator, v128.add<f32>(p, scaledQ));
  const z = v128.mul<f32>(s, s);
  const poly = mulAdd<f32>(f32x4.splat(ATF2), v128.mul<f32>(z, z), pairF32(ATF0, ATF1, z));
  const szP = v128.mul<f32>(v128.mul<f32>(s, z), poly);
  const dk = f32x4.convert_i32x4_s(k);
  const nearExcess = mulAdd<f32>(s, numerator, v128.mul<f32>(p, szP));
  if (form == EXCESS) {
    const scaled = v128.sub<f32>(v128.mul<f32>(p, v128.mul<f32>(dk, f32x4.splat(LN2_F32))), v128.sub<f32>(scaledQ, q));
    return v128.add<f32>(nearExcess, scaled);
  }
  const logR = v128.add<f32>(v128.add<f32>(s, s), szP);
  const logRatio = mulAdd<f32>(dk, f32x4.splat(LN2_HI_F32), mulAdd<f32>(dk, f32x4.splat(LN2_LO_F32), logR));
  if (form == LOG_RATIO) return logRatio;
  return v128.bitselect(nearExcess, v128.mul<f32>(p, logRatio), nearOne);
}

/** The k of scaledRatioF32x4. */
@inline function ratioExponentF32x4(p: v128, q: v128): v128 {
  return v128.shr<i32>(v128.add<i32>(v128.sub<i32>(p, q), i32x4.splat(0x00400000)), 23);
}

/** log(p/q) for the lanes scaledRatioF32x4 accepts. */
@inline export function logRatioF32x4(p: v128, q: v128): v128 {
  return scaledRatioF32x4(p, q, LOG_RATIO, false, p);
}

/** log(p/q) of an unrounded q, `difference` its p − q (see scaledRatioF64x2). */
@inline export function logRatioGivenF32x4(p: v128, q: v128, difference: v128): v128 {
  return scaledRatioF32x4(p, q, LOG_RATIO, true, difference);
}

/** p·log(p/q) − (p − q) of an unrounded q, `difference` its p − q (see scaledRatioF64x2). */
@inline export function klExcessGivenF32x4(p: v128, q: v128, difference: v128): v128 {
  return scaledRatioF32x4(p, q, EXCESS, true, difference);
}

/** klSplitF64x2 for f32 lanes. */
@inline export function klSplitF32x4(p: v128, q: v128): v128 {
  return scaledRatioF32x4(p, q, SPLIT, false, p);
}

/** excessLanesF64x2 for f32 lanes. */
@inline export function excessLanesF32x4(p: v128, q: v128): v128 {
  return v128.eq<i32>(ratioExponentF32x4(p, q), i32x4.splat(0));
}

/** 2^k for integer lanes k in the normal exponent range: [k0, k1] => [2^k0, 2^k1]. */
@inline function pow2F64x2(k: v128): v128 {
  return v128.shl<i64>(v128.add<i64>(k, i64x2.splat(1023)), 52);
}

/** e^x for every f64 lane: overflow to Infinity, gradual underflow to 0, NaN kept. */
@inline export function expF64x2(x: v128): v128 { // see: fdlibm e_exp.c
  // Clamping keeps k within ±1443, so the two-step scaling below never leaves the normal range.
  // pmin/pmax (one instruction each, unlike min/max) return x itself for NaN: it propagates.
  const clamped = v128.pmax<f64>(v128.pmin<f64>(x, f64x2.splat(1000)), f64x2.splat(-1000));
  const k = v128.nearest<f64>(v128.mul<f64>(clamped, f64x2.splat(INV_LN2_F64)));
  const hi = negMulAdd<f64>(k, f64x2.splat(LN2_HI_F64), clamped);
  const lo = v128.mul<f64>(k, f64x2.splat(LN2_LO_F64));
  const r = v128.sub<f64>(hi, lo);
  const rr = v128.mul<f64>(r, r);
  const rr2 = v128.mul<f64>(rr, rr);
  // P1 + rr·P2 + rr²·(P3 + rr·P4) + rr⁴·P5, Estrin
  const poly = mulAdd<f64>(
    f64x2.splat(EP5), v128.mul<f64>(rr2, rr2),
    mulAdd<f64>(pairF64(EP3, EP4, rr), rr2, pairF64(EP1, EP2, rr)),
  );
  const c = negMulAdd<f64>(rr, poly, r);
  const fraction = v128.div<f64>(v128.mul<f64>(r, c), v128.sub<f64>(f64x2.splat(2.0), c));
  const y = v128.add<f64>(f64x2.splat(1.0), v128.add<f64>(v128.sub<f64>(fraction, lo), hi));
  // y·2^k as y·2^(k>>1)·2^(k - k>>1): each factor is normal, and the final product rounds once.
  const ki = f64x2ToI64x2(k);
  const half = v128.shr<i64>(ki, 1);
  return v128.mul<f64>(v128.mul<f64>(y, pow2F64x2(half)), pow2F64x2(v128.sub<i64>(ki, half)));
}

/** e^x for every f32 lane, with the same conventions as expF64x2. */
@inline export function expF32x4(x: v128): v128 { // see: Cephes expf.c (S. L. Moshier)
  const clamped = v128.pmax<f32>(v128.pmin<f32>(x, f32x4.splat(150)), f32x4.splat(-150));
  // Adding 1.5·2^23 rounds to an integer (ties to even) and leaves it in the low mantissa bits.
  const shifted = v128.add<f32>(v128.mul<f32>(clamped, f32x4.splat(LOG2E_F32)), f32x4.splat(MAGIC_F32));
  const y = expReducedF32x4(clamped, shifted, false);
  const ki = v128.sub<i32>(shifted, i32x4.splat(MAGIC_BITS_F32));
  const half = v128.shr<i32>(ki, 1);
  return v128.mul<f32>(v128.mul<f32>(y, pow2F32x4(half)), pow2F32x4(v128.sub<i32>(ki, half)));
}

/**
 * e^x for T lanes, out of line: for terms that take one exponential beside much other work
 * (terms.ts KL_LOG's excess form, alpha.ts), where a call costs less than its inlined copies.
 */
export function expOutOfLine<T>(x: v128): v128 {
  return sizeof<T>() == 8 ? expF64x2(x) : expF32x4(x);
}

/**
 * e^x for f32 lanes with x ≤ 0 (a logit less its row's maximum): within 1 ulp where e^x is a
 * normal f32, 0 below x = −87.3 (e^x < 2^-126, where a subnormal keeps few digits anyway). One
 * scaling step, no upper clamp and the shorter polynomial (EN0…): 8 operations fewer than
 * expF32x4's 33.
 */
@inline export function expNonPositiveF32x4(x: v128): v128 {
  const shifted = v128.add<f32>(v128.mul<f32>(x, f32x4.splat(LOG2E_F32)), f32x4.splat(MAGIC_F32));
  const y = expReducedF32x4(x, shifted, true);
  const scaled = v128.mul<f32>(y, pow2F32x4(v128.sub<i32>(shifted, i32x4.splat(MAGIC_BITS_F32))));
  // Below −87.3 the exponent k < −126 leaves 2^k's field (and the lanes may hold anything).
  return v128.and(scaled, v128.ge<f32>(x, f32x4.splat(-87.3)));
}

/**
 * e^r for x = k·ln 2 + r, |r| ≤ ln 2/2, given x and shifted = x·log2(e) + 1.5·2^23 (k in its low
 * mantissa bits): 1 + r + r²·Q(r), Cody–Waite reduction in two steps; Q is Cephes's, or with
 * `short` the degree-4 fit (EN0…).
 */
@inline function expReducedF32x4(x: v128, shifted: v128, short: bool): v128 {
  const k = v128.sub<f32>(shifted, f32x4.splat(MAGIC_F32));
  let r = negMulAdd<f32>(k, f32x4.splat(EXP_C1_F32), x);
  r = negMulAdd<f32>(k, f32x4.splat(EXP_C2_F32), r);
  const r2 = v128.mul<f32>(r, r);
  const r4 = v128.mul<f32>(r2, r2);
  // Q(r) = (EQ0 + EQ1·r) + (EQ2 + EQ3·r)·r² + (EQ4 + EQ5·r)·r⁴, Estrin; short: (…) + EN4·r⁴
  const q = short
    ? mulAdd<f32>(f32x4.splat(EN4), r4, mulAdd<f32>(pairF32(EN2, EN3, r), r2, pairF32(EN0, EN1, r)))
    : mulAdd<f32>(pairF32(EQ4, EQ5, r), r4, mulAdd<f32>(pairF32(EQ2, EQ3, r), r2, pairF32(EQ0, EQ1, r)));
  return v128.add<f32>(mulAdd<f32>(q, r2, r), f32x4.splat(1.0));
}

/** a + b·z for f32 lanes. */
@inline function pairF32(a: f32, b: f32, z: v128): v128 {
  return mulAdd<f32>(f32x4.splat(b), z, f32x4.splat(a));
}

/** 2^k for integer f32 lanes in the normal exponent range. */
@inline function pow2F32x4(k: v128): v128 {
  return v128.shl<i32>(v128.add<i32>(k, i32x4.splat(127)), 23);
}

/**
 * 2·atanh(s) − 2s = 2·(s³/3 + s⁵/5 + …) for |s| ≤ 1/3: the fitted s·z·P(z) where it holds
 * (|s| ≤ 0.2, the vector kernels' range), else the series summed until its terms vanish.
 */
export function atanhExcess(s: f64): f64 {
  const z = s * s;
  if (z <= 0.04) {
    const poly = AT0 + z * (AT1 + z * (AT2 + z * (AT3 + z * (AT4 + z * (AT5 + z * (AT6 + z * AT7))))));
    return s * z * poly;
  }
  let power = s * z;
  let sum: f64 = 0;
  for (let k: i32 = 1; k < 64; k++) {
    const term = (2 * power) / <f64>(2 * k + 1);
    sum += term;
    if (Math.abs(term) <= 1e-18 * Math.abs(sum)) break;
    power *= z;
  }
  return sum;
}

/** Whether the scalar KL term of the accurate form is the excess (p/q ∈ (0.5, 2), where p − q is exact). */
export function excessPairScalar(p: f64, q: f64): bool {
  const r = p / q;
  return r > 0.5 && r < 2;
}

/**
 * Scalar p·log(p/q) − (p − q) for p and q within a factor 2 (excessPairScalar): the KL term
 * less its first-order part, never negative. There p − q is exact and the term is
 * s·(p − q) + p·(2·atanh(s) − 2s) with s = (p − q)/(p + q), free of cancellation (p + q is
 * halved first where it would overflow).
 */
export function klExcessScalar(p: f64, q: f64): f64 {
  return klExcessGivenScalar(p, q, p - q);
}

/**
 * klExcessScalar of an unrounded q, `difference` its p − q (the JSD's mixture m: p − m comes
 * from p − q of the inputs, exact where they are close), times `weight`. Outside a factor 2 it
 * is p·log(p/q) − difference.
 */
export function klExcessGivenScalar(p: f64, q: f64, difference: f64, weight: f64 = 1): f64 {
  // The weight goes in before the log: the excess alone may pass the largest double where the
  // weighted one does not (the JSD's p near it, m = βp tiny).
  if (!excessPairScalar(p, q)) return (weight * p) * logRatioScalar(p, q) - weight * difference;
  const sum = p + q;
  const s = sum < Infinity ? difference / sum : (0.5 * difference) / (0.5 * p + 0.5 * q);
  return (s * difference + p * atanhExcess(s)) * weight;
}

/** logRatioScalar of an unrounded q, `difference` its p − q. */
export function logRatioGivenScalar(p: f64, q: f64, difference: f64): f64 {
  return excessPairScalar(p, q) ? Math.log1p(difference / q) : logRatioScalar(p, q);
}

/**
 * Scalar log(p/q) for p, q > 0, accurate wherever the vector form is not used
 * (subnormals, the scalar build). Near 1 the difference p - q is exact, so log1p of the
 * relative difference keeps every digit; elsewhere the rounded ratio costs at most
 * half an ulp of a logarithm ≥ ln 2 in magnitude.
 */
export function logRatioScalar(p: f64, q: f64): f64 {
  const r = p / q;
  if (r > 0.5 && r < 2) return Math.log1p((p - q) / q);
  if (r >= f64.MIN_NORMAL_VALUE && r < Infinity) return Math.log(r);
  return Math.log(p) - Math.log(q);
}
