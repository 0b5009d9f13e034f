/**
 * klwasm/tfjs: klLoss as a TensorFlow.js loss. A dense layer producing logits, trained by SGD
 * with klLoss, follows the same loss curve as the same layer trained with tfjs's own formula for
 * the same divergence (tfjs-core on the cpu backend, with its op gradients registered as the
 * @tensorflow/tfjs bundle does). The speed-up of the fused kernels is measured and printed, not
 * asserted.
 */
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import "@tensorflow/tfjs-core/dist/register_all_gradients";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createKLPool, createKLSync, KLError, type KL, type KLPool } from "../src/index.js";
import { fromTensor, fromTensorAsync, klLoss, klLossAsync, type KLLossOptions } from "../src/tfjs.js";
import { mulberry32 } from "./random.mjs";

function randomArray(length: number, scale: number, seed: number): Float32Array {
  const next = mulberry32(seed);
  return Float32Array.from({ length }, () => (2 * next() - 1) * scale);
}

/** tfjs's own formulas, differentiated by tfjs's autograd: the curves klLoss must reproduce. */
function tfjsKL(target: tf.Tensor, logits: tf.Tensor, direction: "forward" | "reverse"): tf.Scalar {
  const rows = logits.size / logits.shape[logits.shape.length - 1]!;
  const logQ = tf.logSoftmax(logits);
  const logP = tf.log(target);
  const terms = direction === "forward" ? tf.mul(target, tf.sub(logP, logQ)) : tf.mul(tf.exp(logQ), tf.sub(logQ, logP));
  return tf.div(tf.sum(terms), rows);
}

interface Problem {
  x: tf.Tensor2D;
  target: tf.Tensor2D;
  weights: Float32Array;
  bias: Float32Array;
  features: number;
  classes: number;
}

/** A teacher's softmax outputs on random inputs, and the student's initial dense layer. */
function problem(batch: number, features: number, classes: number, seed: number): Problem {
  const x = tf.tensor2d(randomArray(batch * features, 1, seed), [batch, features]);
  const teacher = tf.tensor2d(randomArray(features * classes, 1.5, seed + 1), [features, classes]);
  const target = tf.softmax(tf.matMul(x, teacher)) as tf.Tensor2D;
  return { x, target, weights: randomArray(features * classes, 0.1, seed + 2), bias: new Float32Array(classes), features, classes };
}

/** A dense layer `logits = x·W + b` from the problem's initial weights, and one SGD step on `loss`. */
function trainer(setup: Problem, loss: (target: tf.Tensor, logits: tf.Tensor) => tf.Scalar, learningRate = 0.5) {
  const weights = tf.variable(tf.tensor2d(setup.weights, [setup.features, setup.classes]));
  const bias = tf.variable(tf.tensor1d(setup.bias));
  const optimizer = tf.train.sgd(learningRate);
  return {
    /** One step; returns the loss before it. */
    step(): number {
      const cost = optimizer.minimize(() => loss(setup.target, tf.add(tf.matMul(setup.x, weights), bias)), true)!;
      const value = cost.dataSync()[0]!;
      cost.dispose();
      return value;
    },
    dispose(): void {
      optimizer.dispose();
      weights.dispose();
      bias.dispose();
    },
  };
}

/** Trains the dense layer by SGD on `loss`; returns the loss before each step. */
function train(setup: Problem, loss: (target: tf.Tensor, logits: tf.Tensor) => tf.Scalar, steps: number, learningRate = 0.5): number[] {
  const model = trainer(setup, loss, learningRate);
  const curve = Array.from({ length: steps }, () => model.step());
  model.dispose();
  return curve;
}

/** Milliseconds per call of `run`, the median of `repeats` after two warm-up calls. */
function time(run: () => void, repeats: number): number {
  run();
  run();
  const samples: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const start = performance.now();
    run();
    samples.push(performance.now() - start);
  }
  return samples.sort((a, b) => a - b)[repeats >> 1]!;
}

let kl: KL;
beforeAll(async () => {
  await tf.setBackend("cpu");
  kl = createKLSync();
});

describe("klLoss trains a tfjs model as tfjs's own formula does", () => {
  for (const direction of ["forward", "reverse"] as const) {
    it(`${direction} KL: the same loss curve over 30 SGD steps`, () => {
      const setup = problem(32, 16, 10, direction === "forward" ? 11 : 23);
      const options: KLLossOptions = { direction, qSpace: "logits", reduction: "mean" };
      const ours = train(setup, (target, logits) => klLoss(kl, target, logits, options) as tf.Scalar, 30);
      const theirs = train(setup, (target, logits) => tfjsKL(target, logits, direction), 30);
      expect(ours[ours.length - 1]!).toBeLessThan(0.5 * ours[0]!);
      for (let step = 0; step < ours.length; step++) {
        expect(Math.abs(ours[step]! - theirs[step]!), `step ${step}: ${ours[step]} vs ${theirs[step]}`).toBeLessThan(1e-5 + 1e-4 * theirs[step]!);
      }
    });
  }

  it("log-probability approx: the gradient flows on through tf.logSoftmax", () => {
    const setup = problem(16, 8, 6, 5);
    const ours = train(setup, (target, logits) => klLoss(kl, target, tf.logSoftmax(logits), { qSpace: "log", direction: "reverse", reduction: "mean" }) as tf.Scalar, 20);
    const theirs = train(setup, (target, logits) => tfjsKL(target, logits, "reverse"), 20);
    for (let step = 0; step < ours.length; step++) expect(Math.abs(ours[step]! - theirs[step]!)).toBeLessThan(1e-5 + 1e-4 * theirs[step]!);
  });

  it("probability approx, reduction sum: the gradient −p/q flows on through tf.softmax", () => {
    const setup = problem(8, 4, 5, 7);
    const ours = train(setup, (target, logits) => klLoss(kl, target, tf.softmax(logits)) as tf.Scalar, 20, 0.05);
    const theirs = train(setup, (target, logits) => tf.mul(tfjsKL(target, logits, "forward"), 8), 20, 0.05);
    for (let step = 0; step < ours.length; step++) expect(Math.abs(ours[step]! - theirs[step]!)).toBeLessThan(1e-5 + 1e-4 * theirs[step]!);
  });
});

describe("klLoss as a differentiable op", () => {
  const target = () => tf.tensor2d([[0.2, 0.3, 0.5], [0.6, 0.3, 0.1]]);
  const logits = () => tf.tensor2d([[0.1, -0.4, 0.9], [1.2, 0.0, -0.3]]);

  it("reduction none: one value per row, each row's gradient scaled by its upstream gradient", () => {
    const perRow = klLoss(kl, target(), logits(), { qSpace: "logits", reduction: "none" });
    expect(perRow.shape).toEqual([2]);
    const expected = kl.forward(target().dataSync(), logits().dataSync(), { rows: 2, qSpace: "logits", reduction: "none" });
    expect(Array.from(perRow.dataSync())).toEqual(Array.from(expected, Math.fround));
    const weighted = (z: tf.Tensor) => tf.sum(tf.mul(klLoss(kl, target(), z, { qSpace: "logits", reduction: "none" }), tf.tensor1d([2, -3])));
    const [grad] = tf.grads(weighted)([logits()]);
    const q = tf.softmax(logits());
    const closedForm = tf.mul(tf.sub(q, target()), tf.tensor2d([[2], [-3]]));
    expect(tf.max(tf.abs(tf.sub(grad!, closedForm))).dataSync()[0]).toBeLessThan(1e-6);
  });

  it("the target is held constant: its gradient is zero", () => {
    const [targetGrad] = tf.grads((p: tf.Tensor, z: tf.Tensor) => klLoss(kl, p, z, { qSpace: "logits" }))([target(), logits()]);
    expect(Array.from(targetGrad!.dataSync())).toEqual([0, 0, 0, 0, 0, 0]);
  });

  it("bad input and options throw KLError, as klwasm's own calls do", () => {
    expect(() => klLoss(kl, target(), logits(), { direction: "sideways" as "forward" })).toThrow(KLError);
    expect(() => klLoss(kl, target(), tf.tensor2d([[0.1, 0.2]]), { qSpace: "logits" })).toThrow(KLError);
    expect(() => klLoss(kl, tf.tensor2d([[0.2, Number.NaN, 0.8]]), tf.tensor2d([[0.1, 0.2, 0.3]]), { qSpace: "logits" })).toThrow(KLError);
  });
});

describe("tensors as klwasm inputs, read without blocking", () => {
  const dims = [2, 3, 5];
  const target = () => tf.softmax(tf.tensor3d(randomArray(30, 2, 41), dims as [number, number, number]));
  const logits = () => tf.tensor3d(randomArray(30, 2, 43), dims as [number, number, number]);
  let pool: KLPool;
  beforeAll(async () => {
    pool = await createKLPool({ threads: 1 });
  });
  afterAll(() => pool.terminate());

  it("fromTensor and fromTensorAsync carry the shape: one value per distribution, every method", async () => {
    const [p, z] = [target(), logits()];
    const want = kl.forward(p.dataSync(), z.dataSync(), { rows: 6, qSpace: "logits", reduction: "none" });
    expect(kl.forward(fromTensor(p), fromTensor(z), { qSpace: "logits", reduction: "none" })).toEqual(want);
    expect(kl.forward(await fromTensorAsync(p), await fromTensorAsync(z), { qSpace: "logits", reduction: "none" })).toEqual(want);
    expect(await pool.forward(await fromTensorAsync(p), await fromTensorAsync(z), { qSpace: "logits", reduction: "none" })).toEqual(want);
    // int32 counts read as f64.
    const counts = tf.tensor2d([[3, 1, 0], [2, 2, 4]], [2, 3], "int32");
    expect(kl.entropy(fromTensor(counts), { normalize: true, reduction: "none" })).toEqual(kl.entropy([3, 1, 0, 2, 2, 4], { rows: 2, normalize: true, reduction: "none" }));
    // A tensor itself is refused with the way to read it.
    expect(() => kl.kl(p as never, p as never)).toThrow(/fromTensor/);
  });

  it("klLossAsync gives klLoss's value and gradient, on an instance or a pool, without dataSync", async () => {
    for (const options of [{ qSpace: "logits", reduction: "mean" }, { qSpace: "logits", direction: "reverse", reduction: "none" }] as const) {
      const [p, z] = [target(), logits()];
      const value = klLoss(kl, p, z, options);
      const [grad] = tf.grads((x: tf.Tensor) => tf.sum(klLoss(kl, p, x, options)))([z]);
      const dataSync = vi.spyOn(tf.Tensor.prototype, "dataSync");
      for (const engine of [kl, pool]) {
        const got = await klLossAsync(engine, p, z, options);
        expect(got.value.shape).toEqual(value.shape);
        expect(Array.from(got.value.dataSync())).toEqual(Array.from(value.dataSync()));
        expect(got.grad.shape).toEqual(dims);
        // Summing a per-row loss sends an upstream gradient of 1 to every row: the same gradient.
        expect(Array.from(got.grad.dataSync())).toEqual(Array.from(grad!.dataSync()));
        dataSync.mockClear();
        await klLossAsync(engine, p, z, options);
        expect(dataSync).not.toHaveBeenCalled();
      }
      dataSync.mockRestore();
    }
    await expect(klLossAsync(kl, target(), logits(), { rows: 6 } as KLLossOptions)).rejects.toBeInstanceOf(KLError);
    await expect(klLossAsync(pool, target(), tf.tensor2d([[0.1, 0.2]]), { qSpace: "logits" })).rejects.toMatchObject({ code: "LENGTH_MISMATCH" });
  });
});

describe("speed-up over tfjs's formula (measured, printed, not asserted)", () => {
  it("loss and gradient, and a training step of a dense layer, on the cpu backend", () => {
    const report: string[] = [];
    for (const [rows, classes] of [[64, 100], [256, 1000]] as const) {
      const target = tf.softmax(tf.tensor2d(randomArray(rows * classes, 3, rows), [rows, classes]));
      const logits = tf.variable(tf.tensor2d(randomArray(rows * classes, 3, classes), [rows, classes]));
      for (const direction of ["forward", "reverse"] as const) {
        const ours = time(() => tf.tidy(() => void tf.variableGrads(() => klLoss(kl, target, logits, { direction, qSpace: "logits", reduction: "mean" }) as tf.Scalar)), 9);
        const theirs = time(() => tf.tidy(() => void tf.variableGrads(() => tfjsKL(target, logits, direction))), 9);
        report.push(`loss + gradient, ${direction.padEnd(7)} [${rows}×${classes}]: klwasm ${ours.toFixed(2)} ms, tfjs ${theirs.toFixed(2)} ms, ×${(theirs / ours).toFixed(1)}`);
      }
      logits.dispose();
      target.dispose();
    }
    const setup = problem(256, 64, 1000, 3);
    for (const direction of ["forward", "reverse"] as const) {
      const stepTime = (loss: (target: tf.Tensor, logits: tf.Tensor) => tf.Scalar) => {
        const model = trainer(setup, loss, 0.01);
        const ms = time(() => void model.step(), 5);
        model.dispose();
        return ms;
      };
      const ours = stepTime((target, logits) => klLoss(kl, target, logits, { direction, qSpace: "logits", reduction: "mean" }) as tf.Scalar);
      const theirs = stepTime((target, logits) => tfjsKL(target, logits, direction));
      report.push(`SGD step, dense 64→1000, batch 256, ${direction}: klwasm ${ours.toFixed(2)} ms, tfjs ${theirs.toFixed(2)} ms, ×${(theirs / ours).toFixed(1)}`);
    }
    console.log(`klwasm/tfjs (${kl.backend}) against tfjs's formula, tfjs-core cpu backend, median ms:\n  ${report.join("\n  ")}`);
    expect(report.length).toBe(6);
  });
});
