/**
 * TensorFlow.js interop (`klwasm/tfjs`): forward or reverse KL as a tfjs loss. The value and
 * its gradient come from one fused klwasm pass (`forwardGrad` or `reverseGrad`) over the
 * tensors' data, and `tf.customGrad` hands that gradient to tfjs, so `optimizer.minimize`,
 * `tf.grads` and the rest train through it like any other loss.
 *
 * `@tensorflow/tfjs-core` is an optional peer dependency: install it and a backend yourself.
 *
 * ```ts
 * import * as tf from "@tensorflow/tfjs-core";
 * import "@tensorflow/tfjs-backend-cpu";
 * import { createKL } from "klwasm";
 * import { klLoss } from "klwasm/tfjs";
 *
 * const kl = await createKL();
 * const optimizer = tf.train.adam(0.01);
 * optimizer.minimize(() => klLoss(kl, teacherProbs, studentLogits(x), { qSpace: "logits", reduction: "mean" }));
 * ```
 * @module
 */
import { customGrad, mul, reshape, scalar, tensor, zerosLike, type GradSaveFunc, type Tensor } from "@tensorflow/tfjs-core";
// From the entry, not ./errors.js: the bundle keeps "./index.js" external, so the KLError thrown
// here is the class users import from "klwasm" and `instanceof` holds.
import { KLError } from "./index.js";
import type { DivergenceOptions, KL, ValueAndGradient } from "./core/types.js";
import type { KLPool } from "./engines/pool/pool.js";
import { shown } from "./core/checks.js";

/**
 * Which KL the loss is: D(target‖approx) (forward) or D(approx‖target) (reverse).
 * @example
 * const direction: KLLossDirection = "reverse"; // mode-seeking: the student may drop some of the teacher's modes
 * klLoss(kl, teacherProbs, studentLogits, { qSpace: "logits", direction });
 */
export type KLLossDirection = "forward" | "reverse";

/**
 * Options of klLoss: klwasm's divergence options (defaults as there: `space` "prob",
 * `reduction` "sum") and the direction. `rows` comes from the tensors' shape: every axis but
 * the last indexes a distribution.
 * @example
 * const options: KLLossOptions = { pSpace: "prob", qSpace: "logits", reduction: "mean", direction: "forward" };
 * const loss = klLoss(kl, teacherProbs, studentLogits, options); // a scalar tensor
 */
export interface KLLossOptions extends Omit<DivergenceOptions, "rows"> {
  /** "forward" (default): D(target‖approx), zero-avoiding; "reverse": D(approx‖target), zero-forcing. */
  direction?: KLLossDirection;
}

/**
 * Forward or reverse KL between two tensors of the same shape, as a tfjs loss: differentiable
 * with respect to `approx` (the gradient klwasm's fused kernels give), while `target` is held
 * constant (its gradient is zero, as for a teacher's distribution in distillation).
 *
 * Each call reads both tensors with `dataSync()` (a download on GPU backends) and computes on
 * the CPU; float32 tensors run klwasm's f32 kernels.
 * @example
 * ```ts
 * const loss = klLoss(kl, targetProbs, logits, { qSpace: "logits", direction: "reverse", reduction: "mean" });
 * ```
 * @example
 * ```ts
 * const perExample = klLoss(kl, targetProbs, logits, { qSpace: "logits", reduction: "none" }); // shape [batch]
 * ```
 * @param kl a klwasm instance (`createKL()`, `createKLSync()` or `referenceKL`).
 * @param target the fixed distribution P, shape `[..., classes]`, in `pSpace` (or `space`).
 * @param approx the distribution Q being fitted, the same shape, in `qSpace` (or `space`):
 *   probabilities, log-probabilities or logits.
 * @param options `direction` and klwasm's divergence options.
 * @returns a scalar for `reduction` "sum" or "mean"; for "none" one value per distribution,
 *   shaped as `approx` without its last axis.
 * @throws KLError for bad values or options, as klwasm's own calls do.
 */
export function klLoss(kl: KL, target: Tensor, approx: Tensor, options: KLLossOptions = {}): Tensor {
  const { direction, divergence } = lossOptions(options);
  const loss = customGrad((...inputs: Array<Tensor | GradSaveFunc>) => {
    const [targetTensor, approxTensor, save] = inputs as [Tensor, Tensor, GradSaveFunc];
    const { value, grad } = kl[direction](fromTensor(targetTensor), fromTensor(approxTensor), divergence);
    const rowShape = approx.shape.slice(0, -1);
    save([gradientTensor(grad, approx)]);
    return {
      value: valueTensor(value, approx),
      // The per-row gradients scale by that row's upstream gradient: one number for a
      // reduced loss, one per row (broadcast along the last axis) for "none".
      gradFunc: (dy: Tensor, saved: Tensor[]) => [
        zerosLike(targetTensor),
        mul(typeof value === "number" ? dy : reshape(dy, [...rowShape, 1]), saved[0]!),
      ],
    };
  });
  return loss(target, approx);
}

/**
 * klLoss's value and its gradient with respect to `approx`, read with `await tensor.data()`
 * instead of `dataSync()`, so that a GPU backend is not stalled while its results download, and
 * computed by an instance or a worker pool (`createKLPool`). Not a differentiable op: apply the
 * gradient yourself (`tf.grads`/`optimizer.applyGradients` through the model with `grad` as the
 * upstream gradient of approx).
 * @example
 * ```ts
 * const { value, grad } = await klLossAsync(pool, teacherProbs, studentLogits, { qSpace: "logits", reduction: "mean" });
 * const { grads } = tf.variableGrads(() => tf.sum(tf.mul(model.predict(x), grad))); // chain rule through the model
 * optimizer.applyGradients(grads);
 * ```
 * @param kl a klwasm instance or a pool.
 * @param target the fixed distribution P, shape `[..., classes]`.
 * @param approx the distribution Q, the same shape.
 * @param options as for klLoss.
 * @returns `value`: a scalar tensor ("sum", "mean") or one value per distribution ("none");
 *   `grad`: the gradient with respect to approx, approx's shape, float32.
 * @throws KLError for bad values or options (the promise rejects).
 */
export async function klLossAsync(kl: KL | KLPool, target: Tensor, approx: Tensor, options: KLLossOptions = {}): Promise<KLLossValueAndGradient> {
  const { direction, divergence } = lossOptions(options);
  const [p, q] = await Promise.all([fromTensorAsync(target), fromTensorAsync(approx)]);
  const call = kl[direction] as (target: TensorData, approx: TensorData, options: object) => ValueAndGradient<object> | Promise<ValueAndGradient<object>>;
  const { value, grad } = await call.call(kl, p, q, divergence);
  return { value: valueTensor(value, approx), grad: gradientTensor(grad, approx) };
}

/**
 * What klLossAsync resolves to.
 * @example const { value, grad }: KLLossValueAndGradient = await klLossAsync(kl, teacherProbs, studentLogits, { qSpace: "logits" });
 */
export interface KLLossValueAndGradient {
  /** The loss: a scalar for `reduction` "sum" or "mean", one value per distribution for "none". */
  value: Tensor;
  /** Its gradient with respect to approx: approx's shape, float32. */
  grad: Tensor;
}

/**
 * A tensor's values and shape, as every klwasm method reads them: rows are the product of
 * every axis but the last.
 * @example const perToken = kl.kl(fromTensor(teacherProbs), fromTensor(studentProbs), { reduction: "none" }); // [batch, tokens, vocabulary] → batch·tokens values
 */
export interface TensorData {
  /** The tensor's values, row-major: Float32Array for float32, Int32Array for int32, Uint8Array for bool. */
  readonly data: Float32Array | Int32Array | Uint8Array;
  /** The tensor's shape. */
  readonly shape: readonly number[];
}

/**
 * A tensor's values and shape, read with `dataSync()` (which waits for a GPU backend).
 * @example kl.forward(fromTensor(teacherLogits), fromTensor(studentLogits), { space: "logits", reduction: "mean" });
 * @param tensor any tf.Tensor of numbers.
 * @returns `{ data, shape }`, which every klwasm method accepts.
 */
export function fromTensor(tensor: Tensor): TensorData {
  return { data: tensor.dataSync() as TensorData["data"], shape: tensor.shape };
}

/**
 * A tensor's values and shape, read with `await tensor.data()`: the thread is not blocked.
 * @example await pool.forward(await fromTensorAsync(teacherLogits), await fromTensorAsync(studentLogits), { space: "logits" });
 * @param tensor any tf.Tensor of numbers.
 * @returns a promise of `{ data, shape }`.
 */
export async function fromTensorAsync(tensor: Tensor): Promise<TensorData> {
  return { data: (await tensor.data()) as TensorData["data"], shape: tensor.shape };
}

/** The loss's options checked: the direction as the method it calls, and klwasm's options. */
function lossOptions(options: KLLossOptions): { direction: "forwardGrad" | "reverseGrad"; divergence: DivergenceOptions } {
  const { direction = "forward", ...divergence } = options;
  // Any other unknown key is refused by forwardGrad/reverseGrad; these two it would accept.
  for (const key of ["rows", "out"]) {
    if (key in divergence) throw new KLError("BAD_OPTION", `options.${key}`, "is not an option of klLoss: rows come from approx's shape, and the gradient goes to tfjs");
  }
  if (direction !== "forward" && direction !== "reverse") {
    throw new KLError("BAD_OPTION", "options.direction", `must be "forward" or "reverse", got ${shown(direction)}`);
  }
  return { direction: `${direction}Grad`, divergence };
}

// tfjs takes no Float64Array: per-row values (and a gradient, should approx not be float32)
// are rounded to float32, the element type of tfjs's tensors.

/** A loss value as a tensor: a scalar, or one value per row shaped as approx without its last axis. */
function valueTensor(value: number | Float64Array, approx: Tensor): Tensor {
  return typeof value === "number" ? scalar(value) : tensor(Float32Array.from(value), approx.shape.slice(0, -1));
}

/** A gradient as a float32 tensor of approx's shape. */
function gradientTensor(grad: Float64Array | Float32Array, approx: Tensor): Tensor {
  return tensor(grad instanceof Float32Array ? grad : Float32Array.from(grad), approx.shape);
}

/**
 * klLoss with the instance and options bound: `(target, approx) => loss`.
 * @example
 * ```ts
 * const distill = createKLLoss(kl, { pSpace: "prob", qSpace: "logits", reduction: "mean" });
 * optimizer.minimize(() => distill(teacherProbs, studentLogits(x)));
 * ```
 * @param kl a klwasm instance.
 * @param options as for klLoss.
 * @returns a function of (target, approx) giving the loss tensor.
 */
export function createKLLoss(kl: KL, options: KLLossOptions = {}): (target: Tensor, approx: Tensor) => Tensor {
  return (target, approx) => klLoss(kl, target, approx, options);
}
