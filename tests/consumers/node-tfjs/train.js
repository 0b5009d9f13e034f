// klwasm/tfjs with the peer dependency installed by the user: free logits trained by reverse KL
// through tf.customGrad, its gradient checked against the closed form in tfjs ops. (tfjs-core on
// its own registers no gradients for its ops in Node, so the only gradient here is klwasm's;
// tests/tfjs.test.ts trains a dense layer with the gradients of @tensorflow/tfjs registered.)
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import { createKL, KLError } from "klwasm";
import { klLoss } from "klwasm/tfjs";

await tf.setBackend("cpu");
const kl = await createKL();
const target = tf.softmax(tf.tensor2d([[2, 0, -1], [0, 1, 0], [1, 1, -2], [-1, 0, 2]]));
const logits = tf.variable(tf.tensor2d([[0, 0, 0], [1, 0, 0], [0, 0, 1], [0.5, -0.5, 0]]));
const options = { qSpace: "logits", direction: "reverse", reduction: "mean" };

// ∂/∂z D(Q‖P) = q·(log q − log p − D(Q‖P)) per row, divided by rows for "mean".
const logQ = tf.logSoftmax(logits);
const perRow = tf.sum(tf.mul(tf.exp(logQ), tf.sub(logQ, tf.log(target))), 1, true);
const expected = tf.div(tf.mul(tf.exp(logQ), tf.sub(tf.sub(logQ, tf.log(target)), perRow)), 4);
const [grad] = tf.grads((z) => klLoss(kl, target, z, options))([logits]);
const difference = tf.max(tf.abs(tf.sub(grad, expected))).dataSync()[0];
assert.ok(difference < 1e-6, `gradient differs from the closed form by ${difference}`);

const optimizer = tf.train.sgd(2);
const losses = [];
for (let step = 0; step < 50; step++) {
  const loss = optimizer.minimize(() => klLoss(kl, target, logits, options), true);
  losses.push(loss.dataSync()[0]);
  loss.dispose();
}
assert.ok(losses.at(-1) < 0.05 * losses[0], `loss ${losses[0]} → ${losses.at(-1)}`);
assert.throws(() => klLoss(kl, target, logits, { direction: "sideways" }), KLError);
console.log(`node-tfjs: reverse KL ${losses[0].toFixed(4)} → ${losses.at(-1).toExponential(2)} in ${losses.length} steps`);
