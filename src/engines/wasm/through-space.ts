/** The chain rule from a gradient by probabilities to one in approx's own space, for the JSD and the α family. */
import type { Space } from "../../core/types.js";
import { CompensatedSum } from "../../numeric/compensated-sum.js";
import type { KernelCall } from "./call.js";

/**
 * The chain rule from a gradient by q (`byQ`, at scratch) to one in approx's `space`, times
 * `scale`, written at `grad`: q·g in log space, q·(g − Σ q·g) through the softmax (logits, or
 * log with normalize); rows of q are read at `q`.
 */
export function throughSpace(call: KernelCall, q: number, byQ: number, grad: number, space: Space, normalize: boolean, rows: number, scale: number): void {
  const { cols } = call;
  const [qs, g, out] = [call.elementsAt(q), call.elementsAt(byQ), call.elementsAt(grad)];
  const throughSoftmax = space === "logits" || normalize;
  for (let r = 0; r < rows; r++) {
    const row = r * cols;
    const shift = new CompensatedSum();
    if (throughSoftmax) for (let i = row; i < row + cols; i++) if (qs[i]! > 0) shift.add(qs[i]! * g[i]!);
    const s = shift.value;
    for (let i = row; i < row + cols; i++) out[i] = qs[i] === 0 ? 0 : qs[i]! * (g[i]! - s) * scale;
  }
}
