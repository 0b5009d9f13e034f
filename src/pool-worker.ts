// The pool's worker script (dist/pool-worker.js): one Wasm instance answering a pool's calls.
import { isNode } from "./engines/pool/protocol.js";
import { browserEndpoint, nodeEndpoint, serveWorker } from "./engines/pool/worker.js";

// A browser delivers messages as soon as the module yields, so its listener is attached
// without awaiting anything; Node queues them until the port has a listener.
serveWorker(isNode() ? await nodeEndpoint() : browserEndpoint());
