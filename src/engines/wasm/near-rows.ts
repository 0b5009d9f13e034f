/**
 * Rows the kernels' sums leave short of their own precision, taken again in JavaScript from the
 * rows' exact differences (they are rare: a model against itself, nearly proportional counts):
 * the JSD of two log-space or two rescaled operands, and the KL of rows rescaled by `normalize`.
 * The thresholds and their error bounds are src/numeric/near-rows.ts's; the reference takes the
 * same rows the same way.
 */
import type { Settings } from "../../core/options.js";
import { compensatedSum } from "../../numeric/compensated-sum.js";
import { logSpaceDifferences } from "../../numeric/log-space-differences.js";
import { NEAR_ROW_JSD, NEAR_ROW_RESCALED_KL } from "../../numeric/near-rows.js";
import { rescaledDifferences } from "../../numeric/rescaled-differences.js";
import { excessOver, jsdGradientTerm, jsdTerm } from "../reference/terms.js";
import type { KernelCall } from "./call.js";

/**
 * The rows of a JSD (per-row `values`, times `valueScale`) below NEAR_ROW_JSD, of two log-space
 * operands or of two probability operands rescaled (`normalize`): those whose rounded p and q
 * lose p − q.
 */
function nearJSDRows(values: Float64Array, settings: Settings, valueScale: number): number[] {
  const [first, second] = settings.spaces;
  const bothLog = first !== "prob" && second !== "prob";
  const bothRescaled = first === "prob" && second === "prob" && settings.normalize;
  if (!bothLog && !bothRescaled) return [];
  const bound = NEAR_ROW_JSD * (settings.beta * settings.jsdWeight) * (1 - settings.beta) * valueScale;
  const near: number[] = [];
  values.forEach((value, r) => {
    if (Math.abs(value) < bound) near.push(r);
  });
  return near;
}

/**
 * Rows of a JSD whose value is below NEAR_ROW_JSD (nearJSDRows): taken again from the rows'
 * differences (src/numeric/log-space-differences.ts, rescaled-differences.ts) with the
 * reference's terms, value times `valueScale`, and where `byQ` (an address of the call's
 * elements) is given, their (1 − β)·log(q/m) written there.
 */
export function refineNearJSD(call: KernelCall, values: Float64Array, settings: Settings, valueScale: number, byQ?: number): void {
  const near = nearJSDRows(values, settings, valueScale);
  if (near.length === 0) return;
  const rows = values.length;
  const { cols } = call;
  const inLogSpace = settings.spaces[0] !== "prob";
  const [[a, offsetsX], [b, offsetsY]] = inLogSpace ? [call.logProbabilities(0), call.logProbabilities(1)] : [[call.staged[0]!, 0], [call.staged[1]!, 0]];
  const none = new Float64Array(2 * rows);
  const [partsX, partsY] = [offsetsX === 0 ? none : call.f64At(offsetsX, 2 * rows), offsetsY === 0 ? none : call.f64At(offsetsY, 2 * rows)];
  const [x, y] = [call.elementsAt(a), call.elementsAt(b)];
  const gradient = byQ === undefined ? undefined : call.elementsAt(byQ);
  const { beta } = settings;
  const weight = settings.jsdWeight * valueScale;
  for (const r of near) {
    const partition = (parts: Float64Array) => [parts[2 * r]!, parts[2 * r + 1]!] as const;
    const { p, q, d } = inLogSpace
      ? logSpaceDifferences(x, y, r * cols, cols, partition(partsX), partition(partsY), offsetsX !== 0 && offsetsY !== 0)
      : rescaledDifferences(x, y, r * cols, cols);
    values[r] = compensatedSum(p.map((pj, j) => jsdTerm(pj, q[j]!, beta, weight, d[j]!)));
    if (gradient !== undefined) for (let j = 0; j < cols; j++) gradient[r * cols + j] = jsdGradientTerm(p[j]!, q[j]!, beta, d[j]!);
  }
}

/**
 * Rows of a KL of probabilities rescaled by `normalize` whose value is below NEAR_ROW_RESCALED_KL:
 * taken again with p − q of the rescaled rows exact (src/numeric/rescaled-differences.ts),
 * the reference's excess terms, value times `valueScale`.
 */
export function refineNearRescaledKL(call: KernelCall, values: Float64Array, valueScale: number): Float64Array {
  const { cols } = call;
  const [x, y] = [call.elementsAt(call.staged[0]!), call.elementsAt(call.staged[1]!)];
  values.forEach((value, r) => {
    if (!(Math.abs(value) < NEAR_ROW_RESCALED_KL * valueScale)) return;
    const { p, q, d } = rescaledDifferences(x, y, r * cols, cols);
    values[r] = compensatedSum(p.map((pj, j) => excessOver(pj, q[j]!, d[j]!, valueScale)));
  });
  return values;
}
