/**
 * A pool's worker: one Wasm engine, built from the module the pool sends, answering the
 * Engine calls the pool hands it on its share of the rows with per-row values in nats (before
 * any reduction, which the pool's `finish` applies to all rows, as one instance does).
 */
import type { ElementArray } from "../../core/engine.js";
import { WasmEngine } from "../wasm/engine.js";
import { instantiateSync } from "../wasm/loader.js";
import { nodeModule, type CallMessage, type Endpoint, type ErrorData, type Reply, type ToWorker, type WorkerThreads } from "./protocol.js";

function errorData(error: unknown): ErrorData {
  const { name, message, code, argument, index } = error as ErrorData;
  return { name: String(name), message: String(message), code, argument, index };
}

/** The worker's end of the channel in Node (worker_threads' parent port). */
export async function nodeEndpoint(): Promise<Endpoint> {
  const port = (await nodeModule<WorkerThreads>("worker_threads")).parentPort!;
  return { post: (message, transfer) => port.postMessage(message, transfer), listen: (handler) => port.on("message", handler) };
}

/** The worker's end of the channel in a browser (the Web Worker's global scope). */
export function browserEndpoint(): Endpoint {
  const scope = globalThis as unknown as { postMessage(message: unknown, transfer?: ArrayBuffer[]): void; onmessage: unknown };
  return {
    post: (message, transfer) => scope.postMessage(message, transfer),
    listen: (handler) => (scope.onmessage = (event: { data: unknown }) => handler(event.data)),
  };
}

/** Runs one call on `engine`: the per-row values (a copy the reply takes over) and the gradient. */
function run(engine: WasmEngine, { call }: CallMessage): { perRow: Float64Array; grad?: ElementArray } {
  if (call.method === "rowValues") return { perRow: engine.rowValues(call.divergence, call.first, call.second, call.settings).slice() };
  const out = call.approx instanceof Float32Array ? new Float32Array(call.approx.length) : new Float64Array(call.approx.length);
  const { perRow, grad } = engine.gradient(call.kind, call.target, call.approx, call.settings, out);
  return { perRow: perRow.slice(), grad };
}

/** Answers the pool's messages on `endpoint` with this worker's engine. */
export function serveWorker(endpoint: Endpoint): void {
  let engine: WasmEngine | undefined;
  /** Gradients waiting for their commit, by call id. */
  const held = new Map<number, ElementArray>();
  endpoint.listen((data) => {
    const message = data as ToWorker;
    if (message.type === "init") {
      engine = new WasmEngine(instantiateSync(message.module), message.backend, message.maxMemoryBytes);
      return;
    }
    if (message.type === "commit") {
      message.target?.set(held.get(message.id)!);
      held.delete(message.id);
      endpoint.post({ id: message.id } satisfies Reply);
      return;
    }
    try {
      const { perRow, grad } = run(engine!, message);
      const reply: Reply = { id: message.id, perRow };
      const transfer = [perRow.buffer as ArrayBuffer];
      if (grad !== undefined && message.holdGradient) held.set(message.id, grad);
      else if (grad !== undefined) {
        reply.grad = grad;
        transfer.push(grad.buffer as ArrayBuffer);
      }
      endpoint.post(reply, transfer);
    } catch (error) {
      endpoint.post({ id: message.id, error: errorData(error) } satisfies Reply);
    }
  });
}
