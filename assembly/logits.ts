/**
 * The KL divergence of two rows of logits, fused: the distillation step and the comparison of
 * two models' next-token distributions. Per row:
 *
 * 1. both maxima, and whether the row is ordinary (every logit finite, within ±2^64);
 * 2. the shifted exponentials e^(x − max x) and e^(y − max y), stored in `work` and summed;
 *    the log-sums L = log Σ e^(x − max x) (log1p of the terms below the maximum for a nearly
 *    one-hot row, as src/numeric/log-sum.ts);
 * 3. the value Σ p·(e^d − 1 − d) (ops.ts KL_LOG's excess form) with p and q the stored
 *    exponentials over their sums, and for the forward gradient q − p;
 * 4. for the reverse gradient q·(d − D), D the row's value.
 *
 * Two exponentials per element pair, where the log-sum-exp passes and a value-and-gradient
 * pass took four; a row's inputs and its stored exponentials stay in cache between passes.
 *
 * d = log(q/p) comes from the logits, never from the rounded p and q, so that nearly identical
 * rows keep the digits of their own divergence: (y − x) − (max y − max x) − c, c = L_y − L_x,
 * with y − x split exactly by TwoSum and the row constant carried to twice the lanes' precision
 * (differenceLanes), so that f32 logits run in f32 lanes without rounding d before the
 * cancellation. An error ε in the row constant adds only ε²/2 to the value (the excess form's
 * property), and the value pass measures and removes even that (logitsKL).
 *
 * Rows that are not ordinary (−∞ for a zero probability, NaN, ±∞, logits beyond ±2^64) are the
 * general path's (reduce.ts with KL_LOG and the gradient ops): the kernel returns 1 and the
 * caller takes the whole call there.
 */
import { horizontalMax, horizontalSumF64x2, lanes, neumaierRoundoff, promoteHighF32x4 } from "./lanes";
import {
  accumulate, at, differenceLanes, differenceScalar, expLanes, logExcess, promotedDifference, rowConstant, seriesLanes,
} from "./logits-lanes";
import { expm1MinusXSmallScalar } from "./series";

/** The largest logit magnitude this kernel takes: differences of two stay finite in f32. */
const ORDINARY: f64 = 18446744073709551616.0; // 2^64

/** A sum within this of 1 is a nearly one-hot row's (src/numeric/log-sum.ts NEARLY_ONE_HOT). */
const NEARLY_ONE_HOT: f64 = 9.5367431640625e-7; // 2^-20

/** Elements per block: lane sums inside a block, Neumaier's compensated sum across blocks. */
const BLOCK: i32 = 256;

/** The row's maximum, or NaN if a logit is NaN, infinite or beyond ±ORDINARY. */
function ordinaryMaximum<T>(x: usize, cols: i32): f64 {
  let best: f64 = -Infinity;
  let ordinary = true;
  let i: i32 = 0;
  if (ASC_FEATURE_SIMD) {
    const LANES = lanes<T>();
    const limit = v128.splat<T>(<T>ORDINARY);
    // pmax: one instruction; NaN fails the range test below (every comparison with it is false).
    let best0 = v128.splat<T>(<T>-Infinity), best1 = best0;
    let within = i64x2.splat(-1);
    for (; i + 2 * LANES <= cols; i += 2 * LANES) {
      const x0 = v128.load(at<T>(x, i)), x1 = v128.load(at<T>(x, i + LANES));
      best0 = v128.pmax<T>(best0, x0);
      best1 = v128.pmax<T>(best1, x1);
      within = v128.and(within, v128.and(v128.le<T>(v128.abs<T>(x0), limit), v128.le<T>(v128.abs<T>(x1), limit)));
    }
    const pair = v128.pmax<T>(best0, best1);
    best = max(<f64>v128.extract_lane<T>(pair, 0), <f64>v128.extract_lane<T>(pair, 1));
    if (sizeof<T>() == 4) best = max(best, max(<f64>v128.extract_lane<T>(pair, 2), <f64>v128.extract_lane<T>(pair, 3)));
    ordinary = v128.all_true<i32>(within);
  }
  for (; i < cols; i++) {
    const v = <f64>load<T>(at<T>(x, i));
    ordinary = ordinary && Math.abs(v) <= ORDINARY;
    best = max(best, v);
  }
  return ordinary ? best : NaN;
}

/** Stores e^(x − maximum) for the row at `work` and returns log Σ of them (see NEARLY_ONE_HOT). */
function storeExpsLogSum<T>(x: usize, cols: i32, maximum: f64, work: usize): f64 {
  let sum: f64 = 0, compensation: f64 = 0;
  let i: i32 = 0;
  if (ASC_FEATURE_SIMD) {
    const LANES = lanes<T>();
    const m = v128.splat<T>(<T>maximum);
    while (i + LANES <= cols) {
      const end = i + min(BLOCK, (cols - i) & ~(LANES - 1));
      let sums0 = f64x2.splat(0), sums1 = f64x2.splat(0);
      for (; i + 2 * LANES <= end; i += 2 * LANES) {
        const e0 = expLanes<T>(v128.sub<T>(v128.load(at<T>(x, i)), m));
        const e1 = expLanes<T>(v128.sub<T>(v128.load(at<T>(x, i + LANES)), m));
        v128.store(at<T>(work, i), e0);
        v128.store(at<T>(work, i + LANES), e1);
        sums0 = accumulate<T>(sums0, e0);
        sums1 = accumulate<T>(sums1, e1);
      }
      for (; i < end; i += LANES) {
        const e0 = expLanes<T>(v128.sub<T>(v128.load(at<T>(x, i)), m));
        v128.store(at<T>(work, i), e0);
        sums0 = accumulate<T>(sums0, e0);
      }
      const block = horizontalSumF64x2(v128.add<f64>(sums0, sums1));
      const t = sum + block;
      compensation += neumaierRoundoff(sum, block, t);
      sum = t;
    }
  }
  for (; i < cols; i++) {
    const e = <T>Math.exp(<f64>load<T>(at<T>(x, i)) - maximum);
    store<T>(at<T>(work, i), e);
    const t = sum + <f64>e;
    compensation += neumaierRoundoff(sum, <f64>e, t);
    sum = t;
  }
  sum += compensation;
  if (!(sum - 1 < NEARLY_ONE_HOT)) return Math.log(sum);
  // The maximum's own 1 is log1p's; ties to it add 1 each, the terms below it their sum.
  let ties: f64 = -1, below: f64 = 0, belowCompensation: f64 = 0;
  for (let j: i32 = 0; j < cols; j++) {
    if (<f64>load<T>(at<T>(x, j)) == maximum) {
      ties++;
    } else {
      const e = <f64>load<T>(at<T>(work, j));
      const t = below + e;
      belowCompensation += neumaierRoundoff(below, e, t);
      below = t;
    }
  }
  return Math.log1p(ties + (below + belowCompensation));
}

/**
 * Per row of two [rows, cols] logits inputs x (P's) and y (Q's): D(P‖Q), or D(Q‖P) if
 * `reverse`, times `valueScale`, to `out`; each operand's log-sum-exp as its maximum and
 * log-sum (two f64 per row) to `offsetsX` and `offsetsY`; with `grad` ≠ 0, `scale` times the
 * gradient with respect to y: q − p (forward) or q·(log(q/p) − D) (reverse). `work` holds
 * 2·cols elements. Returns 1, leaving the call to the general path, at the first row that is
 * not ordinary.
 *
 * The shift c = L_y − L_x is the one constant of a row that p and q carry rounded (in f32
 * lanes, the rounding of the stored exponentials makes it ~1e-9 off): the value pass also sums
 * A = Σ w·(e^t − 1) (w and t as rowSums'), which is 0 for the exact shift, and the shift's
 * error ε follows from it (forward A = e^(−ε) − 1, reverse A = e^ε − 1). The value then loses
 * the excess form's error term A − log1p(A) (≈ ε²/2, as large as the value of rows a few f32
 * ulps apart), and the gradient is corrected to the exact shift.
 */
export function logitsKL<T>(
  reverse: bool, x: usize, y: usize, rows: i32, cols: i32, valueScale: f64, scale: f64, grad: usize,
  work: usize, offsetsX: usize, offsetsY: usize, out: usize,
): i32 {
  const rowBytes = <usize>cols << alignof<T>();
  const expX = work, expY = work + rowBytes;
  for (let r: i32 = 0; r < rows; r++) {
    const rowX = x + <usize>r * rowBytes, rowY = y + <usize>r * rowBytes;
    // 0 where there is no gradient: rowSums and the corrections test it.
    const rowGrad = grad != 0 ? grad + <usize>r * rowBytes : 0;
    const rowOut = out + (<usize>r << 3);
    const maxX = ordinaryMaximum<T>(rowX, cols);
    const maxY = ordinaryMaximum<T>(rowY, cols);
    if (isNaN(maxX) || isNaN(maxY)) return 1;
    const logSumX = storeExpsLogSum<T>(rowX, cols, maxX, expX);
    const logSumY = storeExpsLogSum<T>(rowY, cols, maxY, expY);
    store<f64>(offsetsX + (<usize>r << 4), maxX);
    store<f64>(offsetsX + (<usize>r << 4), logSumX, 8);
    store<f64>(offsetsY + (<usize>r << 4), maxY);
    store<f64>(offsetsY + (<usize>r << 4), logSumY, 8);
    // The row constant (max y − max x) + (L_y − L_x) as gap + rest, gap's rounding in rest.
    const gap = maxY - maxX;
    const gapPart = gap - maxY;
    const rest = ((maxY - (gap - gapPart)) + (-maxX - gapPart)) + (logSumY - logSumX);
    // p = e^(x − max x)/Σ, q likewise, by the reciprocals of the sums.
    const toP = 1 / Math.exp(logSumX), toQ = 1 / Math.exp(logSumY);
    const forwardGrad = reverse ? 0 : rowGrad;
    // Rows far apart: the plain Σ w·log(w/o) (see PLAIN_FLOOR); nearly equal rows: the excess
    // form, which also writes the forward gradient where the plain one's q − p would not do.
    let value = -rowMoments<T>(reverse, rowX, rowY, cols, gap, rest, toP, toQ, expX, expY, scale, forwardGrad);
    const spread = load<f64>(ROW_STATS), largestP = load<f64>(ROW_STATS, 8), largestGradient = load<f64>(ROW_STATS, 16);
    const plain = value >= PLAIN_FLOOR && value >= spread * (sizeof<T>() == 8 ? PLAIN_MARGIN_F64 : PLAIN_MARGIN_F32);
    const plainGradient = plain && largestGradient >= largestP * (sizeof<T>() == 8 ? GRADIENT_MARGIN_F64 : GRADIENT_MARGIN_F32);
    if (!plain || (forwardGrad != 0 && !plainGradient)) {
      const excess = rowSums<T>(reverse, rowX, rowY, cols, gap, rest, toP, toQ, expX, expY, scale, forwardGrad, rowOut);
      const a = load<f64>(rowOut) + excess;
      const exact = a > -0.5 && a < 0.5;
      if (!plain) value = exact ? max(excess - logExcess(a), 0) : excess;
      if (forwardGrad != 0 && exact && a != 0) correctForwardGradient<T>(cols, a, toP * scale, expX, rowGrad);
    }
    if (grad != 0 && reverse) reverseGradientRow<T>(rowX, rowY, cols, gap, rest, toQ, expY, scale, rowGrad);
    store<f64>(rowOut, value * valueScale);
  }
  return 0;
}

// The plain value −Σ w·t is taken where it is at least PLAIN_FLOOR and PLAIN_MARGIN times
// Σ w·|t|: it carries the rounding of each w·t (about ε_T·Σ w·|t|) and, through the shift, that
// of the log-sums (~1e-16 absolute in f64 lanes; ~1e-9 in f32 lanes, from the stored
// exponentials), which keeps it within 5e-14 (f64) and 5e-7 (f32) of the reference there
// (measured over random rows with KL from 1e-13 to 10). The forward gradient q − p of stored
// probabilities carries about 2ε_T of the largest p: it is kept where the largest |q − p| is at
// least GRADIENT_MARGIN of the largest p (within 1e-12, f64, and 1e-6, f32, of the largest
// element), else the excess form's p·expm1(d) is written. The value is the same whether a
// gradient is asked or not. Distillation rows (KL ~0.5) take the plain forms; a model against
// its quantised copy does not.
const PLAIN_FLOOR: f64 = 0.015625; // 2^-6
const PLAIN_MARGIN_F32: f64 = 0.03125; // 2^-5
const PLAIN_MARGIN_F64: f64 = 0.015625; // 2^-6
const GRADIENT_MARGIN_F32: f64 = 0.25;
const GRADIENT_MARGIN_F64: f64 = 0.0009765625; // 2^-10

/** rowMoments' other results: Σ w·|t|, and with a gradient the row's largest p and |q − p|. */
const ROW_STATS = memory.data(24, 8);

/**
 * The row's Σ w·t, returned, and Σ w·|t| (ROW_STATS): w = p and t = d (forward) or w = q and
 * t = −d (reverse), d as differenceLanes takes it, compensated across blocks. With `rowGrad` ≠ 0
 * (forward), scale times q − p of the stored probabilities goes there, and the row's largest p
 * and |q − p| to ROW_STATS.
 */
function rowMoments<T>(
  reverse: bool, rowX: usize, rowY: usize, cols: i32, gap: f64, rest: f64, toP: f64, toQ: f64,
  expX: usize, expY: usize, scale: f64, rowGrad: usize,
): f64 {
  let sum: f64 = 0, compensation: f64 = 0, absolute: f64 = 0;
  let largestP: f64 = 0, largestGradient: f64 = 0;
  let i: i32 = 0;
  if (ASC_FEATURE_SIMD) {
    const LANES = lanes<T>();
    const c0 = rowConstant<T>(gap, rest, 0), c1 = rowConstant<T>(gap, rest, 1), c2 = rowConstant<T>(gap, rest, 2);
    const pScale = v128.splat<T>(<T>toP), qScale = v128.splat<T>(<T>toQ), gradScale = v128.splat<T>(<T>scale);
    while (i + LANES <= cols) {
      const end = i + min(BLOCK, (cols - i) & ~(LANES - 1));
      let sums = f64x2.splat(0), magnitudes = f64x2.splat(0);
      let pMaxima = v128.splat<T>(<T>0), gradientMaxima = pMaxima;
      for (; i < end; i += LANES) {
        const d = differenceLanes<T>(v128.load(at<T>(rowX, i)), v128.load(at<T>(rowY, i)), c0, c1, c2);
        const p = v128.mul<T>(v128.load(at<T>(expX, i)), pScale);
        const q = v128.mul<T>(v128.load(at<T>(expY, i)), qScale);
        const wt = v128.mul<T>(reverse ? v128.neg<T>(q) : p, d);
        sums = accumulate<T>(sums, wt);
        magnitudes = accumulate<T>(magnitudes, v128.abs<T>(wt));
        if (rowGrad != 0) {
          const gradient = v128.sub<T>(q, p);
          pMaxima = v128.pmax<T>(pMaxima, p);
          gradientMaxima = v128.pmax<T>(gradientMaxima, v128.abs<T>(gradient));
          v128.store(at<T>(rowGrad, i), v128.mul<T>(gradient, gradScale));
        }
      }
      const block = horizontalSumF64x2(sums);
      const t = sum + block;
      compensation += neumaierRoundoff(sum, block, t);
      sum = t;
      absolute += horizontalSumF64x2(magnitudes);
      largestP = max(largestP, horizontalMax<T>(pMaxima));
      largestGradient = max(largestGradient, horizontalMax<T>(gradientMaxima));
    }
  }
  for (; i < cols; i++) {
    const d = differenceScalar(<f64>load<T>(at<T>(rowX, i)), <f64>load<T>(at<T>(rowY, i)), gap, rest);
    const p = <f64>load<T>(at<T>(expX, i)) * toP, q = <f64>load<T>(at<T>(expY, i)) * toQ;
    const wt = reverse ? -q * d : p * d;
    const t = sum + wt;
    compensation += neumaierRoundoff(sum, wt, t);
    sum = t;
    absolute += Math.abs(wt);
    if (rowGrad != 0) {
      largestP = max(largestP, p);
      largestGradient = max(largestGradient, Math.abs(q - p));
      store<T>(at<T>(rowGrad, i), <T>((q - p) * scale));
    }
  }
  store<f64>(ROW_STATS, absolute);
  store<f64>(ROW_STATS, largestP, 8);
  store<f64>(ROW_STATS, largestGradient, 16);
  return sum + compensation;
}

/**
 * The row's Σ w·(e^t − 1 − t) ≥ 0, returned, and Σ w·t, stored at `moment`: w = p and t = d
 * (forward) or w = q and t = −d (reverse), d = log(q/p) as differenceLanes takes it, both
 * compensated across blocks. The excess term is w times the series below |t| = ½, else
 * o − w·(1 + t), o = w·e^t the other probability. With `rowGrad` ≠ 0 (forward), scale times
 * q − p goes there: p·(d + series) below |d| = ½, where q − p would cancel.
 */
function rowSums<T>(
  reverse: bool, rowX: usize, rowY: usize, cols: i32, gap: f64, rest: f64, toP: f64, toQ: f64,
  expX: usize, expY: usize, scale: f64, rowGrad: usize, moment: usize,
): f64 {
  let sum: f64 = 0, compensation: f64 = 0;
  let first: f64 = 0, firstCompensation: f64 = 0;
  let i: i32 = 0;
  if (ASC_FEATURE_SIMD) {
    const LANES = lanes<T>();
    const c0 = rowConstant<T>(gap, rest, 0), c1 = rowConstant<T>(gap, rest, 1), c2 = rowConstant<T>(gap, rest, 2);
    const pScale = v128.splat<T>(<T>toP), qScale = v128.splat<T>(<T>toQ), gradScale = v128.splat<T>(<T>scale);
    const one = v128.splat<T>(<T>1), half = v128.splat<T>(<T>0.5);
    while (i + LANES <= cols) {
      const end = i + min(BLOCK, (cols - i) & ~(LANES - 1));
      let sums = f64x2.splat(0), moments = f64x2.splat(0);
      for (; i < end; i += LANES) {
        const d = differenceLanes<T>(v128.load(at<T>(rowX, i)), v128.load(at<T>(rowY, i)), c0, c1, c2);
        const p = v128.mul<T>(v128.load(at<T>(expX, i)), pScale);
        const q = v128.mul<T>(v128.load(at<T>(expY, i)), qScale);
        const w = reverse ? q : p, other = reverse ? p : q, t = reverse ? v128.neg<T>(d) : d;
        const small = v128.lt<T>(v128.abs<T>(t), half);
        const series = seriesLanes<T>(t);
        const term = v128.bitselect(v128.mul<T>(w, series), v128.sub<T>(other, v128.mul<T>(w, v128.add<T>(one, t))), small);
        sums = accumulate<T>(sums, term);
        moments = accumulate<T>(moments, v128.mul<T>(w, t));
        if (rowGrad != 0) {
          const gradient = v128.bitselect(v128.mul<T>(p, v128.add<T>(d, series)), v128.sub<T>(q, p), small);
          v128.store(at<T>(rowGrad, i), v128.mul<T>(gradient, gradScale));
        }
      }
      let block = horizontalSumF64x2(sums);
      let t = sum + block;
      compensation += neumaierRoundoff(sum, block, t);
      sum = t;
      block = horizontalSumF64x2(moments);
      t = first + block;
      firstCompensation += neumaierRoundoff(first, block, t);
      first = t;
    }
  }
  for (; i < cols; i++) {
    const d = differenceScalar(<f64>load<T>(at<T>(rowX, i)), <f64>load<T>(at<T>(rowY, i)), gap, rest);
    const p = <f64>load<T>(at<T>(expX, i)) * toP, q = <f64>load<T>(at<T>(expY, i)) * toQ;
    const w = reverse ? q : p, other = reverse ? p : q, t = reverse ? -d : d;
    const small = Math.abs(t) < 0.5;
    const series = small ? expm1MinusXSmallScalar(t) : 0;
    const term = small ? w * series : other - w * (1 + t);
    let total = sum + term;
    compensation += neumaierRoundoff(sum, term, total);
    sum = total;
    total = first + w * t;
    firstCompensation += neumaierRoundoff(first, w * t, total);
    first = total;
    if (rowGrad != 0) store<T>(at<T>(rowGrad, i), <T>((small ? p * (d + series) : q - p) * scale));
  }
  store<f64>(moment, first + firstCompensation);
  return sum + compensation;
}

/**
 * The forward gradient q − p written with a shift off by ε (A = e^(−ε) − 1, see logitsKL), made
 * exact: q = p·e^d·e^ε, so q − p = (written − A·p)/(1 + A). `pScale` is scale/Σ.
 */
function correctForwardGradient<T>(cols: i32, a: f64, pScale: f64, expX: usize, rowGrad: usize): void {
  const factor = 1 / (1 + a);
  let i: i32 = 0;
  if (ASC_FEATURE_SIMD) {
    const LANES = lanes<T>();
    const ap = v128.splat<T>(<T>(a * pScale)), f = v128.splat<T>(<T>factor);
    for (; i + LANES <= cols; i += LANES) {
      const g = at<T>(rowGrad, i);
      v128.store(g, v128.mul<T>(v128.sub<T>(v128.load(g), v128.mul<T>(ap, v128.load(at<T>(expX, i)))), f));
    }
  }
  for (; i < cols; i++) {
    const g = at<T>(rowGrad, i);
    store<T>(g, <T>((<f64>load<T>(g) - a * pScale * <f64>load<T>(at<T>(expX, i))) * factor));
  }
}

/**
 * The reverse gradient q·(d − D)·scale of one row, with D = Σ q·d from the same q and d in f64
 * (a first pass): the rounding of the row's shift is common to d and D and cancels, and d − D,
 * near 0 where q is concentrated, keeps f64's digits also in f32 lanes (whose own ulp of d ≈ 25
 * is 2e-6).
 */
function reverseGradientRow<T>(
  rowX: usize, rowY: usize, cols: i32, gap: f64, rest: f64, toQ: f64, expY: usize, scale: f64, rowGrad: usize,
): void {
  let divergence: f64 = 0, compensation: f64 = 0;
  let i: i32 = 0;
  const LANES = lanes<T>();
  if (ASC_FEATURE_SIMD) {
    const c0 = rowConstant<f64>(gap, rest, 0), c1 = rowConstant<f64>(gap, rest, 1);
    const gapLanes = f64x2.splat(gap), restLanes = f64x2.splat(rest), qScale = f64x2.splat(toQ);
    while (i + LANES <= cols) {
      const end = i + min(BLOCK, (cols - i) & ~(LANES - 1));
      let sums = f64x2.splat(0);
      for (; i < end; i += LANES) {
        const x = v128.load(at<T>(rowX, i)), y = v128.load(at<T>(rowY, i)), e = v128.load(at<T>(expY, i));
        if (sizeof<T>() == 8) {
          sums = v128.add<f64>(sums, v128.mul<f64>(v128.mul<f64>(e, qScale), differenceLanes<f64>(x, y, c0, c1, c1)));
        } else {
          const low = promotedDifference(f64x2.promote_low_f32x4(x), f64x2.promote_low_f32x4(y), gapLanes, restLanes);
          const high = promotedDifference(promoteHighF32x4(x), promoteHighF32x4(y), gapLanes, restLanes);
          sums = v128.add<f64>(sums, v128.mul<f64>(v128.mul<f64>(f64x2.promote_low_f32x4(e), qScale), low));
          sums = v128.add<f64>(sums, v128.mul<f64>(v128.mul<f64>(promoteHighF32x4(e), qScale), high));
        }
      }
      const block = horizontalSumF64x2(sums);
      const t = divergence + block;
      compensation += neumaierRoundoff(divergence, block, t);
      divergence = t;
    }
  }
  for (let j = i; j < cols; j++) {
    const term = <f64>load<T>(at<T>(expY, j)) * toQ * differenceScalar(<f64>load<T>(at<T>(rowX, j)), <f64>load<T>(at<T>(rowY, j)), gap, rest);
    const t = divergence + term;
    compensation += neumaierRoundoff(divergence, term, t);
    divergence = t;
  }
  divergence += compensation;
  i = 0;
  if (ASC_FEATURE_SIMD) {
    const c0 = rowConstant<f64>(gap, rest, 0), c1 = rowConstant<f64>(gap, rest, 1);
    const gapLanes = f64x2.splat(gap), restLanes = f64x2.splat(rest);
    const qGrad = f64x2.splat(toQ * scale), d = f64x2.splat(divergence);
    for (; i + LANES <= cols; i += LANES) {
      const x = v128.load(at<T>(rowX, i)), y = v128.load(at<T>(rowY, i)), e = v128.load(at<T>(expY, i));
      if (sizeof<T>() == 8) {
        v128.store(at<T>(rowGrad, i), v128.mul<f64>(v128.mul<f64>(e, qGrad), v128.sub<f64>(differenceLanes<f64>(x, y, c0, c1, c1), d)));
      } else {
        const low = v128.mul<f64>(v128.mul<f64>(f64x2.promote_low_f32x4(e), qGrad), v128.sub<f64>(promotedDifference(f64x2.promote_low_f32x4(x), f64x2.promote_low_f32x4(y), gapLanes, restLanes), d));
        const high = v128.mul<f64>(v128.mul<f64>(promoteHighF32x4(e), qGrad), v128.sub<f64>(promotedDifference(promoteHighF32x4(x), promoteHighF32x4(y), gapLanes, restLanes), d));
        v128.store(at<T>(rowGrad, i), v128.shuffle<f32>(f32x4.demote_f64x2_zero(low), f32x4.demote_f64x2_zero(high), 0, 1, 4, 5));
      }
    }
  }
  for (; i < cols; i++) {
    const dj = differenceScalar(<f64>load<T>(at<T>(rowX, i)), <f64>load<T>(at<T>(rowY, i)), gap, rest);
    store<T>(at<T>(rowGrad, i), <T>(<f64>load<T>(at<T>(expY, i)) * (toQ * scale) * (dj - divergence)));
  }
}
