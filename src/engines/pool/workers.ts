/**
 * A pool's workers as the pool sees them: a client per worker that sends requests and matches
 * their replies, started on worker_threads in Node and on module Web Workers in browsers (from a
 * blob: URL where the script is on another origin).
 */
import { checkIntegerOption } from "../../core/checks.js";
import type { URLInstance } from "../wasm/loader.js";
import { isNode, nodeModule, type CallMessage, type Endpoint, type Reply, type ToWorker, type WorkerThreads } from "./protocol.js";

/** One worker: requests by id, answered in any order. */
export class WorkerClient {
  private nextId = 0;
  private readonly pending = new Map<number, (reply: Reply) => void>();
  private failure: Reply["error"];

  /** Whether the worker failed: its script did not load, or it crashed. */
  get failed(): boolean {
    return this.failure !== undefined;
  }

  constructor(
    private readonly endpoint: Endpoint,
    private readonly terminate: () => Promise<unknown>,
  ) {
    endpoint.listen((message) => {
      const reply = message as Reply;
      this.pending.get(reply.id)?.(reply);
      this.pending.delete(reply.id);
    });
  }

  send(message: ToWorker, transfer: ArrayBuffer[] = []): void {
    this.endpoint.post(message, transfer);
  }

  /** Sends a message and resolves with its reply; a failed worker replies at once with its failure. */
  private request(id: number, message: ToWorker, transfer: ArrayBuffer[] = []): Promise<Reply> {
    if (this.failure !== undefined) return Promise.resolve({ id, error: this.failure });
    const reply = new Promise<Reply>((resolve) => this.pending.set(id, resolve));
    this.send(message, transfer);
    return reply;
  }

  call(message: Omit<CallMessage, "type" | "id">, transfer: ArrayBuffer[]): { id: number; reply: Promise<Reply> } {
    const id = this.nextId++;
    return { id, reply: this.request(id, { type: "call", id, ...message }, transfer) };
  }

  /** Has the worker write call `id`'s held gradient into `target` (or drop it). */
  async commit(id: number, target: Float64Array | Float32Array | undefined): Promise<void> {
    const { error } = await this.request(id, { type: "commit", id, target });
    if (error !== undefined && target !== undefined) throw new Error(`klwasm pool: a worker failed before writing its gradient rows: ${error.message}`);
  }

  /**
   * Stops the worker. What it was still asked is answered with a failure at once: a browser's
   * Worker.terminate() sends no event, and no request may wait for ever.
   */
  async stop(): Promise<void> {
    this.fail(new Error("klwasm pool: the worker was stopped"));
    await this.terminate();
  }

  /** A worker that failed (its script did not load, it crashed, or it exited) answers what it was asked with the failure. */
  fail(error: unknown): void {
    this.failure ??= { name: "Error", message: String((error as { message?: unknown })?.message ?? error) };
    for (const [id, resolve] of this.pending) resolve({ id, error: this.failure });
    this.pending.clear();
  }
}

export async function startWorker(url: URLInstance | string): Promise<WorkerClient> {
  let client: WorkerClient;
  const fail = (error: unknown) => client.fail(error);
  if (isNode()) {
    const { Worker } = await nodeModule<WorkerThreads>("worker_threads");
    const worker = new Worker(new URL(String(url)));
    worker.on("error", fail);
    // A worker can end without an error event (process.exit in it, a fatal error in its engine):
    // its requests would otherwise wait for ever.
    worker.on("exit", (code) => fail(new Error(`klwasm pool: a worker exited (code ${String(code)})`)));
    client = new WorkerClient(
      { post: (message, transfer) => worker.postMessage(message, transfer), listen: (handler) => worker.on("message", handler) },
      () => worker.terminate(),
    );
    return client;
  }
  const { worker, release } = moduleWorker(url);
  worker.onerror = fail;
  client = new WorkerClient(
    {
      post: (message, transfer) => worker.postMessage(message, transfer),
      listen: (handler) => (worker.onmessage = (event) => handler(event.data)),
    },
    async () => {
      worker.terminate();
      release();
    },
  );
  return client;
}

/**
 * A module Web Worker running the script at `url`. A worker's script must have the page's
 * origin (the constructor throws a SecurityError otherwise), so a page that imports klwasm
 * from a CDN gets a worker from a blob: URL of its own origin whose one line imports the script
 * from the CDN (a module import across origins, which the CORS headers CDNs send allow).
 * `release` frees the blob: URL once the worker is stopped.
 */
function moduleWorker(url: URLInstance | string): { worker: BrowserWorker; release(): void } {
  const WebWorker = (globalThis as unknown as { Worker: new (url: URLInstance | string, options: { type: "module" }) => BrowserWorker }).Worker;
  try {
    return { worker: new WebWorker(url, { type: "module" }), release: () => {} };
  } catch (error) {
    if ((error as { name?: unknown } | null)?.name !== "SecurityError") throw error;
    const script = new URL(String(url), (globalThis as { location?: { href: string } }).location?.href).href;
    const blobUrl = URL.createObjectURL(new Blob([`import ${JSON.stringify(script)};\n`], { type: "text/javascript" }));
    return { worker: new WebWorker(blobUrl, { type: "module" }), release: () => URL.revokeObjectURL(blobUrl) };
  }
}

interface BrowserWorker {
  postMessage(message: unknown, transfer?: ArrayBuffer[]): void;
  onmessage: ((event: { data: unknown }) => void) | null;
  onerror: ((error: unknown) => void) | null;
  terminate(): void;
}

async function defaultThreads(): Promise<number> {
  const navigatorCount = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency;
  if (navigatorCount !== undefined) return Math.max(1, navigatorCount);
  const os = await nodeModule<{ availableParallelism(): number }>("os");
  return Math.max(1, os.availableParallelism());
}

export async function threadCount(threads: number | undefined): Promise<number> {
  return threads === undefined ? defaultThreads() : checkIntegerOption(threads, "options.threads", 1);
}

