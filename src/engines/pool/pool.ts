/**
 * createKLPool: the KL interface with async methods, computed by workers (worker_threads in
 * Node, Web Workers in browsers), each running its own engine on the same compiled module.
 *
 * A call is planned as one instance plans it (core/kl.ts), split into shares (shares.ts), and
 * each worker runs the Engine call on its share: contiguous groups of rows, or pieces of a
 * fixed size of one long vector (whose sums are added in piece order, compensated, so the
 * result does not depend on the number of workers). The per-row values are `finish`ed as one
 * instance finishes them, so results equal createKL's bit for bit for batches of rows.
 * Small calls, relEntr, and any call a worker rejects run on an instance in this thread, so
 * errors are exactly those of createKL.
 */
import type { ElementArray } from "../../core/engine.js";
import { finish, gradientArray, needsRescaledRows, planDivergence, planGradient, type DivergencePlan, type GradientPlan, type ViewCheck } from "../../core/kl.js";
import { DIVERGENCE_METHODS, GRADIENT_METHODS, ROUTES, type DivergenceMethod, type GradientMethod } from "../../core/routes.js";
import type { Settings } from "../../core/options.js";
import { checkAllocation } from "../../core/checks.js";
import { KLError } from "../../core/errors.js";
import type {
  AlphaOptions, AmariOptions, DivergenceOptions, ElementsOf, ElementwiseOptions, GradientOptions, Input, JSDOptions, PairElementsOf, Reduced, UnitlessOptions, ValueAndGradient, Vector,
} from "../../core/types.js";
import { compensatedSum } from "../../numeric/compensated-sum.js";
import { compileFor, CREATE_KEYS, createKL, type CreateOptions, type WasmBackend } from "../wasm/create.js";
import type { URLInstance } from "../wasm/loader.js";
import type { EngineCall, Reply } from "./protocol.js";
import { isShared, planShares, shareOf, type Share } from "./shares.js";
import { startWorker, threadCount } from "./workers.js";

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

/**
 * As much of an `AbortSignal` as a pool call uses, spelled out so that the published types name
 * no DOM or Node type: every AbortSignal is one.
 * @example const signal: AbortSignalLike = AbortSignal.timeout(1000);
 */
export interface AbortSignalLike {
  /** Whether the signal has aborted. */
  readonly aborted: boolean;
  /** Why it aborted (the pool rejects with it). */
  readonly reason?: unknown;
  /**
   * Calls `listener` when the signal aborts.
   * @example signal.addEventListener("abort", () => console.log("aborted"), { once: true });
   */
  addEventListener(type: "abort", listener: () => void, options?: { once?: boolean }): void;
  /**
   * Stops calling `listener`.
   * @example signal.removeEventListener("abort", onAbort);
   */
  removeEventListener(type: "abort", listener: () => void): void;
}

/**
 * What a pool call accepts beside createKL's options.
 * @example
 * const controller = new AbortController();
 * const value = pool.kl(p, q, { rows: 256, signal: controller.signal });
 * controller.abort(); // value rejects with the signal's reason; a given `out` is left untouched
 */
export interface PoolCallOptions {
  /**
   * Abandons the call when aborted: it rejects at once with the signal's reason (a KLError
   * ABORTED where the reason is undefined), the workers' results are dropped, and `out` is
   * left untouched.
   */
  signal?: AbortSignalLike;
}


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
  kl<O extends DivergenceOptions & PoolCallOptions = {}>(p: Input, q: Input, options?: O): Promise<Reduced<O>>;
  /**
   * KL.forward on the workers: D(target‖approx).
   * @example await pool.forward(teacherLogits, studentLogits, { rows: 64, space: "logits", reduction: "mean" });
   */
  forward<O extends DivergenceOptions & PoolCallOptions = {}>(target: Input, approx: Input, options?: O): Promise<Reduced<O>>;
  /**
   * KL.reverse on the workers: D(approx‖target).
   * @example await pool.reverse(target, approx, { rows: 64 });
   */
  reverse<O extends DivergenceOptions & PoolCallOptions = {}>(target: Input, approx: Input, options?: O): Promise<Reduced<O>>;
  /**
   * KL.entropy on the workers.
   * @example await pool.entropy(p, { rows: 64, base: 2 });
   */
  entropy<O extends DivergenceOptions & PoolCallOptions = {}>(p: Input, options?: O): Promise<Reduced<O>>;
  /**
   * KL.crossEntropy on the workers.
   * @example await pool.crossEntropy(labels, predicted, { rows: 64, reduction: "mean" });
   */
  crossEntropy<O extends DivergenceOptions & PoolCallOptions = {}>(p: Input, q: Input, options?: O): Promise<Reduced<O>>;
  /**
   * KL.jsd on the workers, `beta` and `scaled` included.
   * @example await pool.jsd(p, q, { rows: 64, beta: 0.2, scaled: true });
   */
  jsd<O extends JSDOptions & PoolCallOptions = {}>(p: Input, q: Input, options?: O): Promise<Reduced<O>>;
  /**
   * KL.forwardGrad on the workers; with a shared `out` (from `alloc`) each worker writes its rows there.
   * @example const { value, grad } = await pool.forwardGrad(teacherLogits, studentLogits, { rows: 64, space: "logits", out: pool.alloc(64 * 32000, Float32Array) });
   */
  forwardGrad<O extends GradientOptions & PoolCallOptions = {}, A extends Input = Input>(target: Input, approx: A, options?: O): Promise<ValueAndGradient<O, ElementsOf<A>>>;
  /**
   * KL.reverseGrad on the workers.
   * @example const { value, grad } = await pool.reverseGrad(targetLogits, logits, { rows: 64, space: "logits" });
   */
  reverseGrad<O extends GradientOptions & PoolCallOptions = {}, A extends Input = Input>(target: Input, approx: A, options?: O): Promise<ValueAndGradient<O, ElementsOf<A>>>;
  /**
   * KL.relEntr, in this thread: element-wise work gains less from workers than the messages cost.
   * @example await pool.relEntr([0.5, 0, 0.5], [0.25, 0.5, 0]); // Float64Array [0.3466…, 0, Infinity]
   */
  relEntr<P extends Input = Input, Q extends Input = Input>(p: P, q: Q, options?: ElementwiseOptions): Promise<PairElementsOf<P, Q>>;
  /**
   * KL.jsdGrad on the workers.
   * @example const { value, grad } = await pool.jsdGrad(teacherLogits, studentLogits, { space: "logits", rows: 64 });
   */
  jsdGrad<O extends JSDOptions & GradientOptions & PoolCallOptions = {}, A extends Input = Input>(target: Input, approx: A, options?: O): Promise<ValueAndGradient<O, ElementsOf<A>>>;
  /**
   * KL.renyi on the workers.
   * @example await pool.renyi(p, q, { alpha: 0.5, rows: 256, reduction: "none" });
   */
  renyi<O extends AlphaOptions & PoolCallOptions>(p: Input, q: Input, options: O): Promise<Reduced<O>>;
  /**
   * KL.alphaDivergence on the workers.
   * @example await pool.alphaDivergence(p, q, { alpha: 0.3, rows: 256 });
   */
  alphaDivergence<O extends AmariOptions & PoolCallOptions>(p: Input, q: Input, options: O): Promise<Reduced<O>>;
  /**
   * KL.hellinger on the workers.
   * @example await pool.hellinger(p, q, { rows: 256, reduction: "none" });
   */
  hellinger<O extends UnitlessOptions & PoolCallOptions = {}>(p: Input, q: Input, options?: O): Promise<Reduced<O>>;
  /**
   * KL.bhattacharyya on the workers.
   * @example await pool.bhattacharyya(p, q, { rows: 256 });
   */
  bhattacharyya<O extends DivergenceOptions & PoolCallOptions = {}>(p: Input, q: Input, options?: O): Promise<Reduced<O>>;
  /**
   * KL.totalVariation on the workers.
   * @example await pool.totalVariation(p, q, { rows: 256, reduction: "mean" });
   */
  totalVariation<O extends UnitlessOptions & PoolCallOptions = {}>(p: Input, q: Input, options?: O): Promise<Reduced<O>>;
  /**
   * KL.chiSquare on the workers.
   * @example await pool.chiSquare(observed, expected, { rows: 256, normalize: true });
   */
  chiSquare<O extends UnitlessOptions & PoolCallOptions = {}>(p: Input, q: Input, options?: O): Promise<Reduced<O>>;
  /**
   * KL.jeffreys on the workers.
   * @example await pool.jeffreys(expectedBins, actualBins, { rows: 256, normalize: true });
   */
  jeffreys<O extends DivergenceOptions & PoolCallOptions = {}>(p: Input, q: Input, options?: O): Promise<Reduced<O>>;
  /**
   * KL.alphaGrad on the workers.
   * @example const { value, grad } = await pool.alphaGrad(teacherLogits, studentLogits, { alpha: 0.5, space: "logits", rows: 64 });
   */
  alphaGrad<O extends AmariOptions & Omit<GradientOptions, "base"> & PoolCallOptions, A extends Input = Input>(target: Input, approx: A, options: O): Promise<ValueAndGradient<O, ElementsOf<A>>>;
  /**
   * KL.renyiGrad on the workers.
   * @example const { value, grad } = await pool.renyiGrad(teacherLogits, studentLogits, { alpha: 0.5, space: "logits", rows: 64 });
   */
  renyiGrad<O extends AlphaOptions & GradientOptions & PoolCallOptions, A extends Input = Input>(target: Input, approx: A, options: O): Promise<ValueAndGradient<O, ElementsOf<A>>>;
  /**
   * A vector every worker reads without a copy: a typed array on a SharedArrayBuffer where
   * there is one (`shared`), else an ordinary one. Give it as input or as `out`.
   * @example const logits = pool.alloc(64 * 32000, Float32Array);
   */
  alloc<A extends Float64Array | Float32Array>(length: number, type: { new (buffer: ArrayBufferLike): A; BYTES_PER_ELEMENT: number }): A;
  /**
   * Stops the workers; the pool cannot be used afterwards. Calls in flight reject at once with
   * a KLError TERMINATED (their workers' results are dropped, `out` left untouched), and so do
   * later calls; it resolves once the workers have stopped.
   * @example await pool.terminate();
   */
  terminate(): Promise<void>;
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
  const { module, backend } = await compileFor(options, POOL_KEYS);
  const threads = await threadCount(options.threads);
  const local = await createKL({ simd: options.simd, relaxed: options.relaxed, maxMemoryBytes: options.maxMemoryBytes, module });
  const url = options.workerUrl ?? new URL("./pool-worker.js", import.meta.url);
  const workers = await Promise.all(Array.from({ length: threads }, () => startWorker(url)));
  // After a worker fails, every call runs in this thread.
  const anyFailed = () => workers.some((worker) => worker.failed);
  for (const worker of workers) worker.send({ type: "init", module: module as WebAssembly.Module, backend, maxMemoryBytes: options.maxMemoryBytes });

  /** The call on this thread's instance: createKL's result, or createKL's error. */
  const inThisThread = (method: string, args: unknown[]) => (local as unknown as Record<string, (...a: unknown[]) => unknown>)[method]!(...args);

  /** Sends each share its Engine call, and returns the per-row values of all shares in order. */
  async function fanOut(
    shares: Share[], settings: Settings, holdGradient: boolean,
    callFor: (share: Share, settings: Settings, transfer: ArrayBuffer[]) => EngineCall,
  ): Promise<{ calls: Array<{ id: number }>; replies: Reply[] } | undefined> {
    const calls = shares.map((share) => {
      const transfer: ArrayBuffer[] = [];
      const call = callFor(share, { ...settings, rows: share.rows }, transfer);
      return workers[share.worker]!.call({ call, holdGradient }, transfer);
    });
    const replies = await Promise.all(calls.map((c) => c.reply));
    if (replies.every((reply) => reply.error === undefined)) return { calls, replies };
    if (holdGradient) await Promise.all(calls.map((c, i) => workers[shares[i]!.worker]!.commit(c.id, undefined)));
    return undefined;
  }

  /** A worker rejected a share: the call runs here, and gives createKL's error unless a worker failed. */
  function rerun(method: string, args: unknown[]): unknown {
    const result = inThisThread(method, args);
    if (anyFailed()) return result;
    throw new Error("klwasm pool: a worker failed where one instance does not");
  }

  /** Per-row values of all shares: a split long vector's piece sums are added in piece order, one row again. */
  const joinRows = (replies: Reply[], settings: Settings) => {
    const perRow = Float64Array.from(replies.flatMap((reply) => Array.from(reply.perRow!)));
    return settings.rows === 1 ? Float64Array.of(compensatedSum(perRow)) : perRow;
  };

  async function divergence(method: DivergenceMethod, args: unknown[], mayWrite: () => boolean): Promise<unknown> {
    let plan: DivergencePlan;
    let shares: Share[] | undefined;
    try {
      plan = planDivergence(NO_VIEWS, method, args);
      shares = planShares(plan.first.length, plan.settings, threads, plan.divergence !== "renyi");
    } catch {
      return inThisThread(method, args);
    }
    const first = typedArray(plan.first);
    const second = plan.second === undefined ? undefined : typedArray(plan.second);
    const nonNumbers = first === undefined || (plan.second !== undefined && second === undefined);
    if (shares === undefined || anyFailed() || nonNumbers) return inThisThread(method, args);
    const done = await fanOut(shares, plan.settings, false, (share, settings, transfer) => ({
      method: "rowValues", divergence: plan.divergence, settings,
      first: shareOf(first!, share, transfer), second: second === undefined ? undefined : shareOf(second, share, transfer),
    }));
    // Abandoned: the results are dropped (and a rerun here, which would write `out`, is not made).
    if (!mayWrite()) return undefined;
    if (done === undefined) return rerun(method, args);
    const perRow = joinRows(done.replies, plan.settings);
    // Rows beyond the largest double whose total may not be: computed again here, rescaled.
    if (needsRescaledRows(perRow, plan.settings)) return inThisThread(method, args);
    return finish(perRow, plan.settings);
  }

  async function gradient(method: GradientMethod, args: unknown[], mayWrite: () => boolean): Promise<unknown> {
    let plan: GradientPlan;
    let shares: Share[] | undefined;
    try {
      plan = planGradient(NO_VIEWS, method, args[0], args[1], args[2]);
      shares = planShares(plan.target.length, plan.settings, threads, plan.kind !== "renyi");
    } catch {
      return inThisThread(method, args);
    }
    const target = typedArray(plan.target);
    const approx = typedArray(plan.approx);
    if (shares === undefined || anyFailed() || target === undefined || approx === undefined) return inThisThread(method, args);
    const holdGradient = plan.out !== undefined && isShared(plan.out);
    const done = await fanOut(shares, plan.settings, holdGradient, (share, settings, transfer) => ({
      method: "gradient", kind: plan.kind, settings,
      target: shareOf(target, share, transfer), approx: shareOf(approx, share, transfer),
    }));
    if (!mayWrite()) {
      // Abandoned: the held gradients are dropped and `out` is not written.
      if (done !== undefined && holdGradient) await Promise.all(done.calls.map((c, i) => workers[shares[i]!.worker]!.commit(c.id, undefined)));
      return undefined;
    }
    if (done === undefined) return rerun(method, args);
    const perRow = joinRows(done.replies, plan.settings);
    if (needsRescaledRows(perRow, plan.settings)) {
      if (holdGradient) await Promise.all(done.calls.map((c, i) => workers[shares[i]!.worker]!.commit(c.id, undefined)));
      return inThisThread(method, args);
    }
    const value = finish(perRow, plan.settings);
    const grad = gradientArray(plan);
    if (holdGradient) {
      await Promise.all(done.calls.map((c, i) => workers[shares[i]!.worker]!.commit(c.id, grad.subarray(shares[i]!.start, shares[i]!.start + shares[i]!.length))));
    } else done.replies.forEach((reply, i) => grad.set(reply.grad!, shares[i]!.start));
    return { value, grad };
  }

  /** The calls in flight, for terminate(). */
  const inFlight = new Set<InFlight>();
  let terminated = false;

  /**
   * Runs a pool call: settles with `work`'s result, or rejects at once when its signal aborts
   * or the pool is terminated. `work` asks `mayWrite()` before it writes the caller's `out`:
   * false once the call was abandoned (drop the results); true makes the call finish as it
   * is, as writes spread over several workers cannot be taken back.
   */
  function settle(signal: AbortSignalLike | undefined, work: (mayWrite: () => boolean) => Promise<unknown>): Promise<unknown> {
    if (terminated) return Promise.reject(terminatedError());
    if (signal?.aborted) return Promise.reject(abortReason(signal));
    return new Promise((resolve, reject) => {
      let settled = false;
      const end = (settle: () => void) => {
        if (settled) return;
        settled = true;
        inFlight.delete(call);
        signal?.removeEventListener("abort", onAbort);
        settle();
      };
      const call: InFlight = {
        writing: false,
        stop: (error) => { if (!call.writing) end(() => reject(error)); },
        finished: Promise.resolve(),
      };
      const onAbort = () => call.stop(abortReason(signal!));
      inFlight.add(call);
      signal?.addEventListener("abort", onAbort, { once: true });
      const mayWrite = () => !settled && (call.writing = true);
      call.finished = work(mayWrite).then((value) => end(() => resolve(value)), (error) => end(() => reject(error)));
    });
  }

  /** A method taking options at `at`: its signal is split off (the engines know no signal) before the call runs. */
  const method = (at: number, run: (args: unknown[], mayWrite: () => boolean) => Promise<unknown>) => (...args: unknown[]) => {
    let signal: AbortSignalLike | undefined;
    try {
      [signal, args[at]] = splitSignal(args[at]);
    } catch (error) {
      return Promise.reject(error);
    }
    return settle(signal, (mayWrite) => run(args, mayWrite));
  };

  const shared = typeof SharedArrayBuffer !== "undefined";
  const pool = {
    backend,
    threads,
    shared,
    ...Object.fromEntries(DIVERGENCE_METHODS.map((name) => [name, method(ROUTES[name].unary ? 1 : 2, (args, mayWrite) => divergence(name, args, mayWrite))])),
    ...Object.fromEntries(GRADIENT_METHODS.map((name) => [name, method(2, (args, mayWrite) => gradient(name, args, mayWrite))])),
    relEntr: (...args: unknown[]) => settle(undefined, async () => inThisThread("relEntr", args)),
    alloc<A extends Float64Array | Float32Array>(length: number, type: { new (buffer: ArrayBufferLike): A; BYTES_PER_ELEMENT: number }): A {
      checkAllocation(length, type);
      const bytes = length * type.BYTES_PER_ELEMENT;
      let buffer: ArrayBufferLike;
      try {
        buffer = shared ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes);
      } catch {
        throw new KLError("TOO_LARGE", "length", `${length} elements need ${bytes} bytes, more than this engine can allocate`);
      }
      return new type(buffer);
    },
    async terminate() {
      terminated = true;
      // Calls writing their `out` finish first (a copy per worker), so that no out is left half written.
      const writing = [...inFlight].filter((call) => call.writing).map((call) => call.finished);
      for (const call of [...inFlight]) call.stop(terminatedError());
      await Promise.all(writing);
      await Promise.all(workers.map((worker) => worker.stop()));
    },
  };
  return pool as unknown as KLPool;
}

/** The options of createKLPool: createKL's and the workers'. */
const POOL_KEYS: readonly string[] = [...CREATE_KEYS, "threads", "workerUrl"];

/** The pool's inputs are never views of an instance's memory: there is nothing to check. */
const NO_VIEWS: ViewCheck = () => undefined;

/**
 * A vector as a typed array the workers can receive (arrays of numbers as f64), or undefined
 * for an array holding something else: nothing is coerced, and the call then runs in this
 * thread, whose instance says which element.
 */
function typedArray(values: Vector): ElementArray | undefined {
  if (!Array.isArray(values)) return values as ElementArray;
  const copy = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const x: unknown = values[i];
    if (typeof x !== "number") return undefined;
    copy[i] = x;
  }
  return copy;
}

/** A pool call in flight: `stop` rejects it unless it is `writing` its out; `finished` when its work is. */
interface InFlight {
  writing: boolean;
  stop(error: unknown): void;
  finished: Promise<unknown>;
}

function terminatedError(): KLError {
  return new KLError("TERMINATED", "pool", "was terminated: it runs no call after terminate()");
}

/** Why an aborted call rejects: the signal's reason, or a KLError where it gives none. */
function abortReason(signal: AbortSignalLike): unknown {
  return signal.reason ?? new KLError("ABORTED", "options.signal", "aborted the call");
}

/**
 * A call's options split into its `signal` (checked) and the rest: createKL's options, which
 * the engines' readSettings reads. Options that are not an object are passed on as they are,
 * for the engines to reject as createKL does.
 */
function splitSignal(options: unknown): [AbortSignalLike | undefined, unknown] {
  if (options === null || typeof options !== "object" || !("signal" in options)) return [undefined, options];
  const { signal, ...rest } = options as { signal?: unknown };
  if (signal === undefined) return [undefined, rest];
  const candidate = signal as Partial<AbortSignalLike>;
  if (typeof candidate !== "object" || signal === null || typeof candidate.aborted !== "boolean" || typeof candidate.addEventListener !== "function") {
    throw new KLError("BAD_OPTION", "options.signal", "must be an AbortSignal (from an AbortController)");
  }
  return [signal as AbortSignalLike, rest];
}
