// The pool's worker script (dist/pool-worker.js, exported as `klwasm/pool-worker.js`): one Wasm
// instance answering a pool's calls. No top-level await: bundlers copy or bundle this file as a
// classic script (webpack's minimizer parses it as one), where top-level await is a syntax error.
import { isNode } from "./engines/pool/protocol.js";
import { browserEndpoint, nodeEndpoint, serveWorker } from "./engines/pool/worker.js";

// A browser delivers messages as soon as the module yields, so its listener is attached
// synchronously; Node queues them until the port has a listener.
if (isNode()) void nodeEndpoint().then(serveWorker);
else serveWorker(browserEndpoint());
