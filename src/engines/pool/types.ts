/**
 * The pool's public types: createKLPool's options, what a pool call accepts beside createKL's,
 * and the KLPool interface (KL's methods, returning promises).
 */
import type {
  AlphaOptions, AmariOptions, DivergenceOptions, ElementsOf, ElementwiseOptions, GradientOptions, Input, JSDOptions, PairElementsOf, Reduced, UnitlessOptions, ValueAndGradient,
} from "../../core/types.js";
import type { CreateOptions, WasmBackend } from "../wasm/create.js";
import type { URLInstance } from "../wasm/loader.js";

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
