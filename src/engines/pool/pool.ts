/**
 * createKLPool: the KL interface with async methods, computed by workers (worker_threads in
 * Node, Web Workers in browsers), each running its own instance of the same compiled module.
 *
 * Divergences and gradients over many rows are split into contiguous groups of rows, one per
 * worker; a worker returns per-row values before any reduction, and the pool reduces all of
 * them exactly as one instance does, so results equal createKL's bit for bit. One long vector
 * (rows = 1) is split into pieces of a fixed size, whatever the number of workers, whose sums
 * are added in piece order, compensated: the result does not depend on the number of workers.
 * Everything else, small calls, and any call a worker rejects run on an instance in this
 * thread, so errors are exactly those of createKL.
 */
import { reduceRowValues, scaleJsd } from "../../core/kl.js";
import { compileFor, createKL, type CreateOptions, type WasmBackend } from "../wasm/create.js";
import type { URLInstance } from "../wasm/loader.js";
import { KLError } from "../../core/errors.js";
import { settle, type Settings } from "../../core/options.js";
import { checkAllocation } from "../../core/checks.js";
import { compensatedSum } from "../../numeric/compensated-sum.js";
import type { DivergenceOptions, GradientOptions, JSDOptions, KL, Reduced, ValueAndGradient, Vector } from "../../core/types.js";
import { isNode, nodeModule, type CallMessage, type Endpoint, type Reply, type ToWorker, type WorkerThreads } from "./protocol.js";

/**
 * Options of createKLPool: those of createKL, and the workers'.
 * @example const options: PoolOptions = { threads: 2, relaxed: true };
 */
export interface PoolOptions extends CreateOptions {
  /** How many workers (default: the number of logical processors, at least 1). */
  threads?: number;
  /**
   * Where the worker script is (default: `pool-worker.js` beside the library's own file,
   * `klwasm/dist/pool-worker.js`). Bundlers that do not copy it need this.
   */
  workerUrl?: URLInstance | string;
}

type Async<F> = F extends (...args: infer A) => infer R ? (...args: A) => Promise<R> : never;

/** The methods that run in this thread's instance, whole. */
type WholeMethods = "relEntr" | "jsdGrad";

/**
 * The KL interface of a pool: the same methods, returning promises. Inputs in shared memory
 * (`pool.alloc`) reach the workers without a copy; other typed arrays are copied once, in
 * pieces.
 * @example
 * const pool = await createKLPool({ threads: 2 });
 * const { value, grad } = await pool.forwardGrad(teacherLogits, studentLogits, { space: "logits", rows: 64 });
 * await pool.terminate();
 */
export interface KLPool {
  /** The build every worker runs. */
  readonly backend: WasmBackend;
  /** How many workers. */
  readonly threads: number;
  /** Whether `alloc` gives shared memory (SharedArrayBuffer: Node, cross-origin-isolated pages). */
  readonly shared: boolean;
  /**
   * KL.kl on the workers: D(P‖Q), rows split among them.
   * @example await pool.kl(p, q, { rows: 256, reduction: "none" }); // Float64Array, one value per row
   */
  kl<O extends DivergenceOptions = {}>(p: Vector, q: Vector, options?: O): Promise<Reduced<O>>;
  /**
   * KL.forward on the workers: D(target‖approx).
   * @example await pool.forward(teacherLogits, studentLogits, { rows: 64, space: "logits", reduction: "mean" });
   */
  forward<O extends DivergenceOptions = {}>(target: Vector, approx: Vector, options?: O): Promise<Reduced<O>>;
  /**
   * KL.reverse on the workers: D(approx‖target).
   * @example await pool.reverse(target, approx, { rows: 64 });
   */
  reverse<O extends DivergenceOptions = {}>(target: Vector, approx: Vector, options?: O): Promise<Reduced<O>>;
  /**
   * KL.entropy on the workers.
   * @example await pool.entropy(p, { rows: 64, base: 2 });
   */
  entropy<O extends DivergenceOptions = {}>(p: Vector, options?: O): Promise<Reduced<O>>;
  /**
   * KL.crossEntropy on the workers.
   * @example await pool.crossEntropy(labels, predicted, { rows: 64, reduction: "mean" });
   */
  crossEntropy<O extends DivergenceOptions = {}>(p: Vector, q: Vector, options?: O): Promise<Reduced<O>>;
  /**
   * KL.jsd on the workers, `beta` and `scaled` included.
   * @example await pool.jsd(p, q, { rows: 64, beta: 0.2, scaled: true });
   */
  jsd<O extends JSDOptions = {}>(p: Vector, q: Vector, options?: O): Promise<Reduced<O>>;
  /**
   * KL.forwardGrad on the workers; with a shared `out` (from `alloc`) each worker writes its rows there.
   * @example const { value, grad } = await pool.forwardGrad(teacherLogits, studentLogits, { rows: 64, space: "logits", out: pool.alloc(64 * 32000, Float32Array) });
   */
  forwardGrad<O extends GradientOptions = {}>(target: Vector, approx: Vector, options?: O): Promise<ValueAndGradient<O>>;
  /**
   * KL.reverseGrad on the workers.
   * @example const { value, grad } = await pool.reverseGrad(targetLogits, logits, { rows: 64, space: "logits" });
   */
  reverseGrad<O extends GradientOptions = {}>(target: Vector, approx: Vector, options?: O): Promise<ValueAndGradient<O>>;
  /**
   * KL.relEntr, in this thread: element-wise work gains less from workers than the messages cost.
   * @example await pool.relEntr([0.5, 0, 0.5], [0.25, 0.5, 0]); // Float64Array [0.3466…, 0, Infinity]
   */
  relEntr: Async<KL["relEntr"]>;
  /**
   * KL.jsdGrad, in this thread.
   * @example const { value, grad } = await pool.jsdGrad(p, q);
   */
  jsdGrad: Async<KL["jsdGrad"]>;
  /**
   * A vector every worker reads without a copy: a typed array on a SharedArrayBuffer where
   * there is one (`shared`), else an ordinary one. Give it as input or as `out`.
   * @example const logits = pool.alloc(64 * 32000, Float32Array);
   */
  alloc<A extends Float64Array | Float32Array>(length: number, type: { new (buffer: ArrayBufferLike): A; BYTES_PER_ELEMENT: number }): A;
  /**
   * Stops the workers; the pool cannot be used afterwards.
   * @example await pool.terminate();
   */
  terminate(): Promise<void>;
}

/** Calls below this many elements run in this thread: messages would cost more than they save. */
const SMALL_CALL = 1 << 15;
/** A long single vector is split into pieces of this many elements (and one shorter last piece). */
const PIECE = 1 << 16;

type SplitMethod = "kl" | "forward" | "reverse" | "entropy" | "crossEntropy" | "jsd" | "forwardGrad" | "reverseGrad";
const ARGUMENT_NAMES: Record<SplitMethod, string[]> = {
  kl: ["p", "q"], forward: ["target", "approx"], reverse: ["target", "approx"], entropy: ["p"],
  crossEntropy: ["p", "q"], jsd: ["p", "q"], forwardGrad: ["target", "approx"], reverseGrad: ["target", "approx"],
};

/** One worker's share of a call: `rows` rows of the operands' elements [start, start + length). */
interface Share {
  worker: number;
  start: number;
  length: number;
  rows: number;
}

/** The shares of a call, or undefined where it runs in this thread. */
function planShares(settings: Settings, spaces: string[], threads: number): Share[] | undefined {
  const { rows, cols } = settings;
  const n = rows * cols;
  if (n < SMALL_CALL) return undefined;
  const shares: Share[] = [];
  if (rows > 1) {
    for (let w = 0; w < threads; w++) {
      const [first, last] = [Math.floor((rows * w) / threads), Math.floor((rows * (w + 1)) / threads)];
      if (last > first) shares.push({ worker: w, start: first * cols, length: (last - first) * cols, rows: last - first });
    }
    return shares;
  }
  // One row: its terms are independent unless the row is rescaled as a whole (normalize, logits).
  const separable = !settings.normalize && !spaces.includes("logits");
  if (!separable || n < 2 * PIECE) return undefined;
  const pieces = Math.floor(n / PIECE);
  for (let w = 0; w < threads; w++) {
    const [first, last] = [Math.floor((pieces * w) / threads), Math.floor((pieces * (w + 1)) / threads)];
    if (last > first) shares.push({ worker: w, start: first * PIECE, length: (last - first) * PIECE, rows: last - first });
  }
  if (n > pieces * PIECE) shares.push({ worker: threads - 1, start: pieces * PIECE, length: n - pieces * PIECE, rows: 1 });
  return shares;
}

function isShared(array: { buffer: ArrayBufferLike }): boolean {
  return typeof SharedArrayBuffer !== "undefined" && array.buffer instanceof SharedArrayBuffer;
}

/** A share of an operand as the worker receives it: a view of shared memory, else a copy it takes over. */
function shareOf(values: Float64Array | Float32Array, share: Share, transfer: ArrayBuffer[]): Float64Array | Float32Array {
  const end = share.start + share.length;
  if (isShared(values)) return values.subarray(share.start, end);
  const copy = values.slice(share.start, end);
  transfer.push(copy.buffer as ArrayBuffer);
  return copy;
}

/** One worker: requests by id, answered in any order. */
class WorkerClient {
  private nextId = 0;
  private readonly pending = new Map<number, (reply: Reply) => void>();
  private failure: Reply["error"];

  /** Whether the worker failed: its script did not load, or it crashed. */
  get failed(): boolean {
    return this.failure !== undefined;
  }

  constructor(
    private readonly endpoint: Endpoint,
    readonly stop: () => Promise<unknown>,
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

  /** A worker that failed (its script did not load, or it crashed) answers what it was asked with the failure. */
  fail(error: unknown): void {
    this.failure ??= { name: "Error", message: String((error as { message?: unknown })?.message ?? error) };
    for (const [id, resolve] of this.pending) resolve({ id, error: this.failure });
    this.pending.clear();
  }
}

async function startWorker(url: URLInstance | string): Promise<WorkerClient> {
  let client: WorkerClient;
  const fail = (error: unknown) => client.fail(error);
  if (isNode()) {
    const { Worker } = await nodeModule<WorkerThreads>("worker_threads");
    const worker = new Worker(new URL(String(url)));
    worker.on("error", fail);
    client = new WorkerClient(
      { post: (message, transfer) => worker.postMessage(message, transfer), listen: (handler) => worker.on("message", handler) },
      () => worker.terminate(),
    );
    return client;
  }
  const WebWorker = (globalThis as unknown as { Worker: new (url: URLInstance | string, options: { type: "module" }) => BrowserWorker }).Worker;
  const worker = new WebWorker(url, { type: "module" });
  worker.onerror = fail;
  client = new WorkerClient(
    {
      post: (message, transfer) => worker.postMessage(message, transfer),
      listen: (handler) => (worker.onmessage = (event) => handler(event.data)),
    },
    async () => worker.terminate(),
  );
  return client;
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

async function threadCount(threads: number | undefined): Promise<number> {
  if (threads === undefined) return defaultThreads();
  if (!Number.isInteger(threads) || threads < 1) {
    throw new KLError("BAD_OPTION", "options.threads", `must be a positive integer, got ${String(threads)}`);
  }
  return threads;
}

/**
 * Starts `threads` workers running the build createKL would choose, and returns the KL
 * interface over them with async methods. Results equal createKL's bit for bit for batches of
 * rows; for one long vector they do not depend on the number of workers.
 * @example
 * const pool = await createKLPool({ threads: 2 });
 * const perRow = await pool.kl(p, q, { rows: 256, reduction: "none" });
 * await pool.terminate();
 * @param options `threads`, `workerUrl`, and createKL's options (`simd`, `relaxed`, `module`, `maxMemoryBytes`).
 */
export async function createKLPool(options: PoolOptions = {}): Promise<KLPool> {
  const threads = await threadCount(options.threads);
  const { module, backend } = await compileFor(options);
  const local = await createKL({ ...options, module });
  const url = options.workerUrl ?? new URL("./pool-worker.js", import.meta.url);
  const workers = await Promise.all(Array.from({ length: threads }, () => startWorker(url)));
  // After a worker fails, every call runs in this thread.
  const anyFailed = () => workers.some((worker) => worker.failed);
  for (const worker of workers) worker.send({ type: "init", module: module as WebAssembly.Module, backend, maxMemoryBytes: options.maxMemoryBytes });

  /** The call on this thread's instance: createKL's result, or createKL's error. */
  const inThisThread = (method: string, args: unknown[]) => (local as unknown as Record<string, (...a: unknown[]) => unknown>)[method]!(...args);

  async function split(method: SplitMethod, args: unknown[]): Promise<unknown> {
    const names = ARGUMENT_NAMES[method];
    const options = (args[names.length] ?? {}) as GradientOptions & JSDOptions;
    let planned: { settings: Settings; shares: Share[] | undefined };
    try {
      const { operands, settings } = settle(names.map((name, i) => ({ values: args[i], name })), options);
      planned = { settings, shares: planShares(settings, operands.map((o) => o.space), threads) };
    } catch {
      return inThisThread(method, args);
    }
    const { settings, shares } = planned;
    if (shares === undefined || anyFailed()) return inThisThread(method, args);
    const operands = args.slice(0, names.length).map((values) => (Array.isArray(values) ? Float64Array.from(values) : values) as Float64Array | Float32Array);
    const approx = operands[operands.length - 1]!;
    const gradient = method === "forwardGrad" || method === "reverseGrad";
    const out = gradient ? options.out : undefined;
    const gradType = approx instanceof Float32Array ? Float32Array : Float64Array;
    // An unusable out is refused by this thread's instance, with createKL's error.
    if (out !== undefined && !(out instanceof gradType && out.length === approx.length)) return inThisThread(method, args);
    const holdGradient = out !== undefined && isShared(out);
    const calls = shares.map((share) => {
      const transfer: ArrayBuffer[] = [];
      const shareArgs = operands.map((values) => shareOf(values, share, transfer));
      const shareOptions = { ...options, rows: share.rows, out: undefined };
      return workers[share.worker]!.call({ method, args: [...shareArgs, shareOptions], meanRows: settings.meanRows, holdGradient }, transfer);
    });
    const replies = await Promise.all(calls.map((c) => c.reply));
    if (replies.some((reply) => reply.error !== undefined)) {
      if (holdGradient) await Promise.all(calls.map((c, i) => workers[shares[i]!.worker]!.commit(c.id, undefined)));
      const result = inThisThread(method, args);
      if (anyFailed()) return result;
      const { message } = replies.find((reply) => reply.error !== undefined)!.error!;
      throw new Error(`klwasm pool: a worker failed where one instance does not: ${message}`);
    }
    const perRow = Float64Array.from(replies.flatMap((reply) => Array.from(reply.perRow!)));
    // A split long vector's piece sums are added in piece order: one row again.
    const rowValues = settings.rows === 1 ? Float64Array.of(compensatedSum(perRow)) : perRow;
    let value = reduceRowValues(rowValues, settings);
    const beta = options.beta ?? 0.5;
    if (method === "jsd" && options.scaled === true && beta > 0 && beta < 1) value = scaleJsd(value, beta);
    if (!gradient) return value;
    const grad = out ?? new gradType(approx.length);
    if (holdGradient) await Promise.all(calls.map((c, i) => workers[shares[i]!.worker]!.commit(c.id, grad.subarray(shares[i]!.start, shares[i]!.start + shares[i]!.length))));
    else replies.forEach((reply, i) => grad.set(reply.grad!, shares[i]!.start));
    return { value, grad };
  }

  const splitting = (method: SplitMethod) => (...args: unknown[]) => split(method, args);
  const whole = (method: WholeMethods) => async (...args: unknown[]) => inThisThread(method, args);
  const shared = typeof SharedArrayBuffer !== "undefined";
  const pool = {
    backend,
    threads,
    shared,
    kl: splitting("kl"),
    forward: splitting("forward"),
    reverse: splitting("reverse"),
    entropy: splitting("entropy"),
    crossEntropy: splitting("crossEntropy"),
    jsd: splitting("jsd"),
    forwardGrad: splitting("forwardGrad"),
    reverseGrad: splitting("reverseGrad"),
    relEntr: whole("relEntr"),
    jsdGrad: whole("jsdGrad"),
    alloc<A extends Float64Array | Float32Array>(length: number, type: { new (buffer: ArrayBufferLike): A; BYTES_PER_ELEMENT: number }): A {
      checkAllocation(length, type);
      const bytes = length * type.BYTES_PER_ELEMENT;
      return new type(shared ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes));
    },
    async terminate() {
      await Promise.all(workers.map((worker) => worker.stop()));
    },
  };
  return pool as unknown as KLPool;
}
