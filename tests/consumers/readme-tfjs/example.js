import * as tf from "@tensorflow/tfjs"; // tfjs with its layers and every op's gradient registered
import { createKL } from "klwasm";
import { klLoss } from "klwasm/tfjs";

const kl = await createKL();
const x = tf.randomNormal([64, 16], 0, 1, "float32", 1); // 64 examples of 16 features
const teacherProbs = tf.softmax(tf.matMul(x, tf.randomNormal([16, 10], 0, 1, "float32", 2)));
const model = tf.sequential({ layers: [tf.layers.dense({ inputShape: [16], units: 10 })] }); // the student's logits
const loss = () => klLoss(kl, teacherProbs, model.predict(x), { qSpace: "logits", reduction: "mean" });

const optimizer = tf.train.adam(0.05);
const before = loss().dataSync()[0];
for (let step = 0; step < 100; step++) optimizer.minimize(loss);
console.log(`D(teacher‖student): ${before.toFixed(4)} → ${loss().dataSync()[0].toFixed(4)} nats`);
