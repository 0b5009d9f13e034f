/**
 * The α family on a KernelCall's probabilities: Amari's α-divergence and its gradient by q from
 * the ALPHA_DIVERGENCE ops (assembly/ops.ts), and the Rényi divergence from those sums. Rows the
 * sums cannot give — the orders 0 and ∞, S below half of Σp (where log1p(x) would cancel), sums
 * that overflow — are taken by the reference's renyiRow (they are rare, and it takes them the
 * same way: see reference/alpha.ts), as near-rows.ts takes near rows.
 *
 * With A = Σ p·f(log(q/p)) Amari's sum, β = 1 − α and S = Σ p^α q^β:
 * S/Σp − 1 = x = β·(Σq − Σp − α·A)/Σp, D_α = log(S/Σp)/(α − 1) = −(x/β)·log1p(x)/x;
 * the Rényi gradient by q is −(p/q)^α/S = (α·g − 1)/S with g = (1 − (p/q)^α)/α Amari's.
 */
import { zeroSumRow } from "../../core/checks.js";
import { gradientScale, type Settings } from "../../core/options.js";
import { differenceError } from "../../numeric/log-space-differences.js";
import { renyiRow, renyiRowGradient, type RenyiRow } from "../reference/alpha.js";
import { logRatio } from "../reference/terms.js";
import type { KernelCall, Operand } from "./call.js";
import type { OpTable } from "./kernels.js";
import { throughSpace } from "./through-space.js";

/** Whether an operand's rows sum to 1 by construction (logits, or rescaled with normalize): its mass is then exactly 1. */
const isDistribution = (operand: Operand, settings: Settings) => operand.space === "logits" || settings.normalize;

/** The per-row orders the ALPHA_DIVERGENCE ops read (rowParams: one f64 per row). */
function orders(call: KernelCall, rows: number, alpha: number): number {
  const at = call.rowsOfF64();
  call.f64At(at, rows).fill(alpha);
  return at;
}

/**
 * Per-row Amari sums of p and q (addresses of probabilities) at Settings.alpha, times
 * `valueScale`; with `gradient`, the gradient by q times its `scale` written at its `grad`.
 */
export function amariRows(
  ops: OpTable, call: KernelCall, p: number, q: number, settings: Settings, rows: number,
  gradient?: { grad: number; scale: number }, valueScale = settings.rowScale,
): Float64Array {
  const rowParams = orders(call, rows, settings.alpha);
  if (gradient === undefined) return call.f64At(call.reduce(ops.ALPHA_DIVERGENCE, p, q, { rowParams, scale: valueScale }), rows).slice();
  return call.f64At(call.reduce(ops.GRAD_ALPHA_DIVERGENCE, p, q, { rowParams, ...gradient }), rows).slice();
}

/** The rows of one operand's probabilities as numbers, for renyiRow. */
function rowAt(call: KernelCall, address: number, r: number): number[] {
  return Array.from(call.elementsAt(address).subarray(r * call.cols, (r + 1) * call.cols));
}

/** A call's Rényi rows: the values, and for each row taken by renyiRow its weights. */
interface RenyiRows {
  values: Float64Array;
  /** S/Σp − 1 per row where the row came from Amari's sum, else NaN (renyiRow took it). */
  excess: Float64Array;
  /** renyiRow's answer for the rows it took. */
  taken: Map<number, RenyiRow>;
  /** Σp per row (1 for a distribution). */
  massP: Float64Array;
}

/**
 * Σq − Σp over elements [from, to) of two rows used as given: a compensated (Neumaier) sum of each
 * element's q − p and its rounding error (TwoSum), so 0 exactly for identical rows and every digit
 * for nearly equal ones, which the difference of the two rounded sums loses. Written out on
 * locals: it is the one pass over the elements the Rényi divergence takes in JavaScript.
 */
function massDifference(p: ArrayLike<number>, q: ArrayLike<number>, from: number, to: number): number {
  // Each element's rounding errors are summed apart, then join the differences' compensated sum:
  // they are below an ulp of each difference, so their plain sum is exact enough.
  let sum = 0;
  let compensation = 0;
  let errors = 0;
  for (let i = from; i < to; i++) {
    const pi = p[i]!;
    const qi = q[i]!;
    const d = qi - pi;
    errors += differenceError(qi, pi, d);
    const t = sum + d;
    compensation += Math.abs(sum) >= Math.abs(d) ? (sum - t) + d : (d - t) + sum;
    sum = t;
  }
  return sum + (compensation + errors);
}

/** The mass of each row of the probabilities at `address`: exactly 1 for a distribution. */
function masses(ops: OpTable, call: KernelCall, address: number, distribution: boolean, rows: number): Float64Array {
  return distribution ? new Float64Array(rows).fill(1) : call.f64At(call.reduce(ops.SUM, address), rows).slice();
}

/**
 * The Rényi divergence of each row (times rowScale) from Amari's sums `amari`, of the
 * probabilities at p and q; a row of p with no mass has none (ZERO_SUM).
 */
function renyiFromAmari(ops: OpTable, call: KernelCall, operands: Operand[], p: number, q: number, amari: Float64Array, settings: Settings, rows: number): RenyiRows {
  const { alpha } = settings;
  const beta = 1 - alpha;
  const [pDistribution, qDistribution] = operands.map((o) => isDistribution(o, settings)) as [boolean, boolean];
  const bothGiven = !pDistribution && !qDistribution;
  const massP = masses(ops, call, p, pDistribution, rows);
  // Two rows used as given take Σq − Σp from their elements (massDifference), and Σq from that.
  const massQ = bothGiven ? undefined : masses(ops, call, q, qDistribution, rows);
  const values = new Float64Array(rows);
  const excess = new Float64Array(rows).fill(NaN);
  const taken = new Map<number, RenyiRow>();
  const [pView, qView] = [call.elementsAt(p), call.elementsAt(q)];
  for (let r = 0; r < rows; r++) {
    if (!(massP[r]! > 0)) call.fail(zeroSumRow(operands[0]!.name, r, operands[0]!.space, true));
    const difference = bothGiven ? massDifference(pView, qView, r * call.cols, (r + 1) * call.cols) : massQ![r]! - massP[r]!;
    // Sums beyond the largest double, or deep in the subnormals: renyiRow scales the rows first.
    const ordinary = massP[r]! >= 2 ** -500 && massP[r]! <= 2 ** 500 && massP[r]! + difference <= 2 ** 500;
    const xOverBeta = (difference - alpha * amari[r]!) / massP[r]!;
    const x = beta * xOverBeta;
    if (ordinary && Number.isFinite(amari[r]) && x >= -0.5 && x < Infinity) {
      values[r] = (-xOverBeta * (x === 0 ? 1 : Math.log1p(x) / x) + 0) * settings.rowScale;
      excess[r] = x;
    } else {
      const row = renyiRow(rowAt(call, p, r), rowAt(call, q, r), alpha, [pDistribution, qDistribution]);
      taken.set(r, row);
      values[r] = row.value * settings.rowScale;
    }
  }
  return { values, excess, taken, massP };
}

/** Per-row Rényi divergences at Settings.alpha of the call's two operands. */
export function renyiValues(ops: OpTable, call: KernelCall, operands: Operand[], settings: Settings, rows: number): Float64Array {
  const [p, q] = [call.probabilities(0), call.probabilities(1)];
  // The limits 0 and ∞ are no Amari sum: a NaN stands in, and renyiRow takes every row.
  const finiteOrder = settings.alpha > 0 && settings.alpha < Infinity;
  // Rényi's value takes Amari's sum itself (rowScale goes on the value).
  const amari = finiteOrder ? amariRows(ops, call, p, q, settings, rows, undefined, 1) : new Float64Array(rows).fill(NaN);
  return renyiFromAmari(ops, call, operands, p, q, amari, settings, rows).values;
}

/** Amari's α-divergence per row and its gradient with respect to approx, written at `grad`. */
export function alphaGradient(ops: OpTable, call: KernelCall, operands: Operand[], settings: Settings, rows: number, grad: number): Float64Array {
  const [p, q] = [call.probabilities(0), call.probabilities(1)];
  const scale = gradientScale(settings);
  const space = operands[1]!.space;
  if (space === "prob") return amariRows(ops, call, p, q, settings, rows, { grad, scale });
  const byQ = call.elements();
  const values = amariRows(ops, call, p, q, settings, rows, { grad: byQ, scale: 1 });
  throughSpace(call, q, byQ, grad, space, settings.normalize, rows, scale);
  return values;
}

/**
 * The Rényi gradient by q, −(p/q)^α/S, from Amari's g = (1 − (p/q)^α)/α: as (α·g − 1)/S where
 * (p/q)^α is at least ½ (no digit lost), from (p/q)^α itself below, where α·g − 1 would cancel.
 * p = 0 has no term in S: 0, not α·(1/α) − 1 rounded.
 */
function renyiByQ(alpha: number, p: number, q: number, g: number, S: number): number {
  if (p === 0) return 0;
  const power = 1 - alpha * g;
  return power >= 0.5 || !(q > 0) ? -power / S : -Math.exp(alpha * logRatio(p, q)) / S;
}

/**
 * The Rényi divergence per row and its gradient with respect to approx, written at `grad`: by q,
 * (α·g − 1)/S with g Amari's; in log space q times that; through the softmax (α/S)·q·(g − Σ q·g),
 * which is q − w without the cancellation of q − w where they are close. Rows renyiRow took
 * come from its weights w: −w/q, −w, q − w.
 */
export function renyiGradient(ops: OpTable, call: KernelCall, operands: Operand[], settings: Settings, rows: number, grad: number): Float64Array {
  const [p, q] = [call.probabilities(0), call.probabilities(1)];
  const { alpha } = settings;
  const scale = gradientScale(settings);
  const space = operands[1]!.space;
  const finiteOrder = alpha > 0 && alpha < Infinity;
  const byQ = call.elements();
  const amari = finiteOrder ? amariRows(ops, call, p, q, settings, rows, { grad: byQ, scale: 1 }) : new Float64Array(rows).fill(NaN);
  const renyi = renyiFromAmari(ops, call, operands, p, q, amari, settings, rows);
  const { cols } = call;
  const [ps, qs, g, out] = [call.elementsAt(p), call.elementsAt(q), call.elementsAt(byQ), call.elementsAt(grad)];
  const targetIsDistribution = isDistribution(operands[0]!, settings);
  // (p/q)^α beyond the largest double where w = u/S is not (S as large): renyiRow takes the row by logarithms.
  for (let r = 0; r < rows; r++) {
    if (renyi.taken.has(r)) continue;
    for (let i = r * cols; i < (r + 1) * cols; i++) {
      if (ps[i]! > 0 && qs[i]! > 0 && !Number.isFinite(g[i])) {
        renyi.taken.set(r, renyiRow(rowAt(call, p, r), rowAt(call, q, r), alpha, [targetIsDistribution, isDistribution(operands[1]!, settings)]));
        break;
      }
    }
  }
  const throughSoftmax = space === "logits" || (space === "log" && settings.normalize);
  if (throughSoftmax && finiteOrder) throughSpace(call, q, byQ, byQ, space, true, rows, 1);
  const form = space === "prob" ? "prob" : throughSoftmax ? "softmax" : "log";
  for (let r = 0; r < rows; r++) {
    const taken = renyi.taken.get(r);
    if (taken !== undefined) {
      const [from, to] = [r * cols, (r + 1) * cols];
      renyiRowGradient(taken, ps.subarray(from, to), qs.subarray(from, to), alpha, form, targetIsDistribution).forEach((value, j) => (out[from + j] = value * scale));
      continue;
    }
    const sum = renyi.massP[r]! * (1 + renyi.excess[r]!);
    for (let i = r * cols; i < (r + 1) * cols; i++) {
      const [pi, qi] = [ps[i]!, qs[i]!];
      out[i] = (throughSoftmax ? (alpha / sum) * g[i]! : space === "prob" ? renyiByQ(alpha, pi, qi, g[i]!, sum) : qi * renyiByQ(alpha, pi, qi, g[i]!, sum)) * scale;
    }
  }
  return renyi.values;
}
