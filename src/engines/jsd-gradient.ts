/**
 * The gradient of the generalised JSD with respect to approx, in plain TypeScript for every
 * backend (the value comes from the backend's own jsd). With M = βP + (1 − β)Q,
 * ∂/∂q [β·D(P‖M) + (1 − β)·D(Q‖M)] = (1 − β)·log(q/m): the P-side and Q-side terms through
 * M cancel. Log and logits spaces follow by the chain rule.
 */
import type { Operand, Settings } from "../core/options.js";
import { gradientScale } from "../core/options.js";
import { logRatio, probabilities } from "./reference/terms.js";

/** Writes ∂J/∂approx (scaled by gradientScale and `factor`) into `out`, row by row. */
export function jsdGradient([target, approx]: Operand[], settings: Settings, factor: number, out: Float64Array | Float32Array): void {
  const { cols, beta } = settings;
  const scale = gradientScale(settings) * factor;
  for (let row = 0; row < settings.rows; row++) {
    const p = probabilities(target!, row, settings);
    const q = probabilities(approx!, row, settings);
    // Gradient with respect to the probabilities q themselves.
    const byQ = q.map((qi, i) => {
      const m = beta * p[i]! + (1 - beta) * qi;
      return qi === 0 ? -Infinity : (1 - beta) * logRatio(qi, m);
    });
    let shift = 0;
    if (approx!.space === "logits" || (approx!.space === "log" && settings.normalize)) {
      // Through the log-softmax: q·(g − Σ q·g); a q of 0 contributes nothing.
      for (let i = 0; i < cols; i++) if (q[i]! > 0) shift += q[i]! * byQ[i]!;
    }
    for (let i = 0; i < cols; i++) {
      const g = approx!.space === "prob" ? byQ[i]! : q[i] === 0 ? 0 : q[i]! * (byQ[i]! - shift);
      out[row * cols + i] = g * scale;
    }
  }
}
