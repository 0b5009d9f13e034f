// The CommonJS build of klwasm/tfjs requires the same @tensorflow/tfjs-core the user does.
const assert = require("node:assert/strict");
const tf = require("@tensorflow/tfjs-core");
require("@tensorflow/tfjs-backend-cpu");
const { createKLSync, KLError } = require("klwasm");
const { createKLLoss } = require("klwasm/tfjs");

const kl = createKLSync();
const forward = createKLLoss(kl, { pSpace: "prob", qSpace: "logits" });
const target = tf.tensor1d([0.2, 0.3, 0.5]);
const logits = tf.tensor1d([0.1, 0.2, 0.3]);
const [grad] = tf.grads((z) => forward(target, z))([logits]);
const expected = tf.sub(tf.softmax(logits), target);
assert.ok(tf.max(tf.abs(tf.sub(grad, expected))).dataSync()[0] < 1e-6);
assert.throws(() => forward(target, tf.tensor1d([0.1, 0.2])), KLError);
console.log("node-tfjs: require(\"klwasm/tfjs\") gradient q − p matches");
