/**
 * The generalised JSD on a KernelCall's probabilities, by the JSD ops (assembly/ops.ts), with M =
 * βP + (1 − β)Q: never negative, no digit lost to the rounding of M; rows too near for their
 * rounded p and q are taken again (near-rows.ts refineNearJSD).
 */
import { gradientScale, type Settings } from "../../core/options.js";
import type { KernelCall, Operand } from "./call.js";
import type { OpTable } from "./kernels.js";
import { refineNearJSD } from "./near-rows.js";
import { throughSpace } from "./through-space.js";

/** The JSD ops' rowParams: per row, β and the power of two on its weights (Settings.jsdWeight). */
function betas(call: KernelCall, settings: Settings, rows: number): number {
  const at = call.rowsOfF64(2);
  const params = call.f64At(at, 2 * rows);
  for (let r = 0; r < rows; r++) [params[2 * r], params[2 * r + 1]] = [settings.beta, settings.jsdWeight];
  return at;
}

/** Per-row JSD β·D(P‖M) + (1 − β)·D(Q‖M) of a call's operands. */
export function jsdRows(ops: OpTable, call: KernelCall, settings: Settings, rows: number): Float64Array {
  const rowParams = betas(call, settings, rows);
  const scale = settings.rowScale;
  const values = call.f64At(call.reduce(ops.JSD, call.probabilities(0), call.probabilities(1), { rowParams, scale }), rows).slice();
  refineNearJSD(call, values, settings, scale);
  return values;
}

/**
 * The generalised JSD per row, and its gradient with respect to approx at `grad`:
 * ∂J/∂q = (1 − β)·log(q/m) (the terms through M cancel), fused in the GRAD_JSD op (its
 * conventions at zeros: assembly/ops.ts); log and logits spaces by the chain rule through the
 * log-softmax, q·(g − Σ q·g).
 */
export function jsdGradient(ops: OpTable, call: KernelCall, operands: Operand[], settings: Settings, rows: number, grad: number): Float64Array {
  const p = call.probabilities(0);
  const q = call.probabilities(1);
  const rowParams = betas(call, settings, rows);
  const scale = gradientScale(settings);
  const space = operands[1]!.space;
  if (space === "prob") return call.f64At(call.reduce(ops.GRAD_JSD, p, q, { rowParams, scale, grad }), rows).slice();
  const byQ = call.elements();
  const values = call.f64At(call.reduce(ops.GRAD_JSD, p, q, { rowParams, grad: byQ }), rows).slice();
  refineNearJSD(call, values, settings, 1, byQ);
  throughSpace(call, q, byQ, grad, space, settings.normalize, rows, scale);
  return values;
}
