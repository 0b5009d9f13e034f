// What both workers run: the synchronous factory (allowed off the main thread), a batch of rows,
// and a gradient, posted back to the page.
import { createKLSync, referenceKL } from "klwasm";

export function compute() {
  const kl = createKLSync();
  const rows = 64;
  const columns = 1000;
  const target = new Float64Array(rows * columns);
  const logits = new Float64Array(rows * columns);
  for (let i = 0; i < target.length; i++) {
    target[i] = 1 + Math.sin(i);
    logits[i] = Math.cos(3 * i);
  }
  const options = { rows, pSpace: "prob", qSpace: "logits", normalize: true, reduction: "mean" };
  const { value, grad } = kl.forwardGrad(target, logits, options);
  const expected = referenceKL.forward(target, logits, options);
  return { backend: kl.backend, value, expected, gradLength: grad.length };
}
