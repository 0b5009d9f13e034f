/**
 * A pool worker (dist/pool-worker.js): one Wasm instance, built from the module the pool
 * sends, running the calls the pool hands it on its share of the rows. It answers with the
 * per-row values in nats, before any reduction, so that the pool reduces all rows exactly as
 * one instance would.
 */
import { buildKL } from "../../core/kl.js";
import type { Direction, Divergence, Engine } from "../../core/engine.js";
import type { Operand, Settings } from "../../core/options.js";
import type { KL } from "../../core/types.js";
import { WasmEngine } from "../wasm/engine.js";
import type { Kernels } from "../wasm/loader.js";
import { isNode, nodeModule, type CallMessage, type Endpoint, type ErrorData, type Reply, type ToWorker, type WorkerThreads } from "./protocol.js";

/**
 * An engine that records the per-row values of each call and makes "mean" divide gradients
 * by the whole call's rows (`meanRows`), not by this worker's share of them.
 */
class RecordingEngine implements Engine {
  perRow: Float64Array | undefined;
  meanRows = 1;

  constructor(private readonly engine: WasmEngine) {}

  get backend() {
    return this.engine.backend;
  }

  rowValues(divergence: Divergence, operands: Operand[], settings: Settings): Float64Array {
    const perRow = this.engine.rowValues(divergence, operands, settings);
    this.perRow = perRow.slice();
    return perRow;
  }

  gradient(direction: Direction, operands: Operand[], settings: Settings, out: Float64Array | Float32Array) {
    const result = this.engine.gradient(direction, operands, { ...settings, meanRows: this.meanRows }, out);
    this.perRow = result.perRow.slice();
    return result;
  }

  relEntr(p: Operand, q: Operand, validate: boolean, out: Float64Array | Float32Array) {
    return this.engine.relEntr(p, q, validate, out);
  }

  alloc<A extends Float64Array | Float32Array>(length: number, type: { new (length: number): A }): A {
    return this.engine.alloc(length, type);
  }

  free(view: Float64Array | Float32Array): void {
    this.engine.free(view);
  }

  reserve(bytes: number): void {
    this.engine.reserve(bytes);
  }

  memoryBytes(): number {
    return this.engine.memoryBytes();
  }

  checkView(values: unknown, argument: string): void {
    this.engine.checkView(values, argument);
  }
}

function errorData(error: unknown): ErrorData {
  const { name, message, code, argument, index } = error as ErrorData;
  return { name: String(name), message: String(message), code, argument, index };
}

export async function nodeEndpoint(): Promise<Endpoint> {
  const port = (await nodeModule<WorkerThreads>("worker_threads")).parentPort!;
  return { post: (message, transfer) => port.postMessage(message, transfer), listen: (handler) => port.on("message", handler) };
}

export function browserEndpoint(): Endpoint {
  const scope = globalThis as unknown as { postMessage(message: unknown, transfer?: ArrayBuffer[]): void; onmessage: unknown };
  return {
    post: (message, transfer) => scope.postMessage(message, transfer),
    listen: (handler) => (scope.onmessage = (event: { data: unknown }) => handler(event.data)),
  };
}

let recorder: RecordingEngine | undefined;
let kl: KL | undefined;
/** Gradients waiting for their commit, by call id. */
const held = new Map<number, Float64Array | Float32Array>();

function call(message: CallMessage): { reply: Reply; transfer: ArrayBuffer[] } {
  recorder!.perRow = undefined;
  recorder!.meanRows = message.meanRows;
  const method = (kl as unknown as Record<string, (...args: unknown[]) => unknown>)[message.method]!;
  const result = method(...message.args) as { grad?: Float64Array | Float32Array };
  const reply: Reply = { id: message.id, perRow: recorder!.perRow };
  const transfer = reply.perRow === undefined ? [] : [reply.perRow.buffer as ArrayBuffer];
  if (result.grad !== undefined) {
    if (message.holdGradient) held.set(message.id, result.grad);
    else {
      reply.grad = result.grad;
      transfer.push(result.grad.buffer as ArrayBuffer);
    }
  }
  return { reply, transfer };
}

/** Answers the pool's messages on `endpoint` with this worker's instance. */
export function serveWorker(endpoint: Endpoint): void {
endpoint.listen((data) => {
  const message = data as ToWorker;
  if (message.type === "init") {
    const kernels = new WebAssembly.Instance(message.module, {}).exports as unknown as Kernels;
    recorder = new RecordingEngine(new WasmEngine(kernels, message.backend, message.maxMemoryBytes));
    kl = buildKL(recorder);
    return;
  }
  if (message.type === "commit") {
    message.target?.set(held.get(message.id)!);
    held.delete(message.id);
    endpoint.post({ id: message.id } satisfies Reply);
    return;
  }
  try {
    const { reply, transfer } = call(message);
    endpoint.post(reply, transfer);
  } catch (error) {
    endpoint.post({ id: message.id, error: errorData(error) } satisfies Reply);
  }
});
}
