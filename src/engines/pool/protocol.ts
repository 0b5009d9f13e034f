/**
 * The messages between a pool (pool.ts) and its workers (worker.ts), and the two ends of
 * a message channel in Node (worker_threads) and in browsers (Web Workers).
 */

import type { ElementArray } from "../../core/engine.js";
import type { Divergence, GradientKind } from "../../core/routes.js";
import type { Settings } from "../../core/options.js";
import type { URLInstance } from "../wasm/loader.js";

/** The first message: the compiled module to instantiate, and how. */
export interface InitMessage {
  type: "init";
  module: WebAssembly.Module;
  backend: "wasm-simd" | "wasm-relaxed-simd" | "wasm";
  maxMemoryBytes: number | undefined;
}

/**
 * An Engine call on a worker's share of the rows, with the call's Settings (its `rows` the
 * share's, its `meanRows` the whole call's, which "mean" divides gradients by).
 */
export type EngineCall =
  | { method: "rowValues"; divergence: Divergence; first: ElementArray; second: ElementArray | undefined; settings: Settings }
  | { method: "gradient"; kind: GradientKind; target: ElementArray; approx: ElementArray; settings: Settings };

/**
 * Runs `call` on the worker's engine. With `holdGradient` the gradient stays in the worker
 * until a CommitMessage says where to write it (so that a failing share leaves a shared `out`
 * untouched).
 */
export interface CallMessage {
  type: "call";
  id: number;
  call: EngineCall;
  holdGradient: boolean;
}

/** Writes the held gradient of call `id` into `target` (a view of shared memory), or drops it. */
export interface CommitMessage {
  type: "commit";
  id: number;
  target: Float64Array | Float32Array | undefined;
}

export type ToWorker = InitMessage | CallMessage | CommitMessage;

/** A thrown error as data: KLErrors keep their code, argument and index. */
export interface ErrorData {
  name: string;
  message: string;
  code?: string;
  argument?: string;
  index?: number;
}

/** The answer to a call (per-row values in nats, and the gradient unless held) or a commit. */
export interface Reply {
  id: number;
  perRow?: Float64Array;
  grad?: Float64Array | Float32Array;
  error?: ErrorData;
}

/** One end of a channel: post a message (moving `transfer`), and receive them. */
export interface Endpoint {
  post(message: unknown, transfer?: ArrayBuffer[]): void;
  listen(handler: (message: unknown) => void): void;
}

/** Whether this is Node (where workers are worker_threads) rather than a browser. */
export function isNode(): boolean {
  const versions = (globalThis as { process?: { versions?: { node?: string } } }).process?.versions;
  return versions?.node !== undefined;
}

/** The parts of Node's worker_threads the pool uses (typed here, so that no Node types are needed). */
export interface NodePort {
  postMessage(message: unknown, transfer?: ArrayBuffer[]): void;
  on(event: "message", handler: (message: unknown) => void): void;
}
export interface NodeWorker extends NodePort {
  on(event: "message" | "error" | "exit", handler: (value: unknown) => void): void;
  terminate(): Promise<number>;
}
export interface WorkerThreads {
  Worker: new (url: URLInstance) => NodeWorker;
  parentPort: NodePort | null;
}

/**
 * A Node built-in module ("worker_threads", "os"), loaded only in Node. The specifier is
 * built at run time: bundlers would otherwise try to resolve "node:…" for the browser. The
 * comments keep Vite and webpack from warning that they cannot resolve it (webpack's
 * "Critical dependency: the request of a dependency is an expression").
 */
export async function nodeModule<M>(name: string): Promise<M> {
  return import(/* webpackIgnore: true */ /* @vite-ignore */ ["node", name].join(":")) as Promise<M>;
}
