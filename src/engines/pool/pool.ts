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
import type { Vector } from "../../core/types.js";
import { compensatedSum } from "../../numeric/compensated-sum.js";
import { compileFor, CREATE_KEYS, createKL } from "../wasm/create.js";
import type { EngineCall, Reply } from "./protocol.js";
import { isShared, planShares, shareOf, type Share } from "./shares.js";
import type { AbortSignalLike, KLPool, PoolOptions } from "./types.js";
import { startWorker, threadCount } from "./workers.js";

export type { AbortSignalLike, KLPool, PoolCallOptions, PoolOptions } from "./types.js";

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
