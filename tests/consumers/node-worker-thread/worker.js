import { parentPort, workerData } from "node:worker_threads";
import { createKLSync } from "klwasm";

const { p, q, options, module } = workerData;
const kl = createKLSync(module ? { module } : {});
parentPort.postMessage({ backend: kl.backend, perRow: kl.kl(p, q, options) });
