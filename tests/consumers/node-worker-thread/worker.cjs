const { parentPort, workerData } = require("node:worker_threads");
const { createKLSync } = require("klwasm");

const { p, q, options } = workerData;
const kl = createKLSync();
parentPort.postMessage({ backend: kl.backend, perRow: kl.kl(p, q, options) });
