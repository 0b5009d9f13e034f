/**
 * A vector of numbers: Float32Array inputs run the f32 kernels, everything else f64.
 * @example
 * const p: Vector = [0.5, 0.5]; // f64
 * const q: Vector = Float32Array.of(0.9, 0.1); // f32 kernels
 * kl.kl(p, q); // 0.5108… (mixed inputs are fine)
 */
export type Vector = Float64Array | Float32Array | readonly number[];

/**
 * Integer typed arrays (counts): read as f64.
 * @example kl.kl(Uint32Array.of(3, 1), Uint32Array.of(1, 1), { normalize: true }); // D(¾, ¼ ‖ ½, ½)
 */
export type CountArray = Int8Array | Uint8Array | Uint8ClampedArray | Int16Array | Uint16Array | Int32Array | Uint32Array;

/**
 * A `Float16Array`, where the engine has one (computed as f32). Described by its tag so that
 * these types need no lib that declares Float16Array.
 * @example kl.kl(new Float16Array([0.5, 0.5]), new Float16Array([0.75, 0.25])); // f32 kernels
 */
export interface Float16ArrayLike extends ArrayLike<number> {
  /** What tells a Float16Array from the other typed arrays. */
  readonly [Symbol.toStringTag]: "Float16Array";
}

/**
 * One flat array of numbers in any element type klwasm reads.
 * @example const counts: FlatInput = Uint32Array.of(3, 1, 0, 4);
 */
export type FlatInput = Vector | CountArray | Float16ArrayLike;

/**
 * Rows as nested arrays: `number[][]` (one row per inner array), or deeper
 * (`[batch][tokens][vocabulary]`): rows are the product of the leading dimensions. Ragged
 * rows are a KLError.
 * @example kl.kl([[0.5, 0.5], [0.9, 0.1]], [[0.9, 0.1], [0.5, 0.5]], { reduction: "none" }); // two rows
 */
export type NestedRows = ReadonlyArray<FlatInput | NestedRows>;

/**
 * A tensor-like object: ONNX Runtime Web and transformers.js tensors (`{ data, dims }`),
 * ndarray-style objects (`{ data, shape, stride?, offset? }`). Rows are the product of every
 * dimension but the last, the last being the distribution; a `rows` option must agree.
 * Strides must be contiguous row-major (a transposed view is a KLError, never read in the
 * wrong order). ONNX Runtime's float16 data (bits in a Uint16Array, `type: "float16"`) is
 * decoded. Other keys are ignored. `data` is typed loosely, as tensor libraries type it; data
 * that is not numbers (bigints, strings) is a KLError.
 * @example kl.forward({ data: teacher, dims: [8, 128, 32000] }, { data: student, dims: [8, 128, 32000] }, { space: "logits", reduction: "mean" }); // mean over 1024 tokens
 */
export type TensorLike<D = ArrayLike<unknown>> = {
  /** The values, row-major (a typed array or an array of numbers). */
  readonly data: D;
  /** ndarray: elements between neighbours along each axis; must be contiguous row-major. */
  readonly stride?: readonly number[];
  /** ndarray: where in `data` the tensor starts. */
  readonly offset?: number;
  /** ONNX Runtime, transformers.js: the element type; "float16" data in a Uint16Array is decoded. */
  readonly type?: string;
} & (
  | {
    /** The shape (ONNX Runtime, transformers.js). */
    readonly dims: readonly number[];
  }
  | {
    /** The shape (ndarray and others). */
    readonly shape: readonly number[];
  }
);

/**
 * Anything a divergence or gradient accepts as one argument: a flat array of numbers (the
 * rows then come from `options.rows`, default 1), nested rows, or a tensor-like (rows from
 * its shape).
 * @example const batch: Input = { data: logits, dims: [64, 32000] };
 */
export type Input = FlatInput | NestedRows | TensorLike;

/**
 * The element type a call computes in for an input of type `I`, and so the type of its
 * gradient: Float32Array for f32 and f16 data (rows all f32 included), Float64Array for
 * everything else (f64, number[], counts), either where the type leaves it open.
 * @example type G = ElementsOf<Float32Array>; // Float32Array
 */
export type ElementsOf<I> = I extends Float32Array | Float16ArrayLike
  ? Float32Array
  : I extends Float64Array | CountArray | readonly number[]
    ? Float64Array
    : I extends {
      /** A tensor-like's data. */
      readonly data: infer D;
    }
      ? ElementsOf<D>
      : I extends ReadonlyArray<infer R>
        // NestedRows itself (recursive) says nothing more: stop there.
        ? NestedRows extends I ? Float64Array | Float32Array : ElementsOf<R>
        : Float64Array | Float32Array;

/**
 * relEntr's result type for inputs `P` and `Q`: Float32Array where both compute in f32,
 * Float64Array where either computes in f64, either where the types leave it open.
 * @example type Terms = PairElementsOf<Float32Array, number[]>; // Float64Array
 */
export type PairElementsOf<P, Q> = [ElementsOf<P>] extends [Float32Array]
  ? [ElementsOf<Q>] extends [Float32Array] ? Float32Array : [ElementsOf<Q>] extends [Float64Array] ? Float64Array : Float64Array | Float32Array
  : [ElementsOf<P>] extends [Float64Array] ? Float64Array : [ElementsOf<Q>] extends [Float64Array] ? Float64Array : Float64Array | Float32Array;

/**
 * How a vector's numbers are given: probabilities, natural-log probabilities, or logits.
 * @example
 * kl.kl([2, 0, -1], [0, 0, 0], { space: "logits" }); // 0.5743…: D(softmax([2, 0, −1])‖uniform)
 * kl.forward([0.7, 0.2, 0.1], [Math.log(0.6), Math.log(0.3), Math.log(0.1)], { qSpace: "log" });
 */
export type Space = "prob" | "log" | "logits";

/**
 * How per-row values are combined.
 * @example
 * const p = [0.5, 0.5, 0.9, 0.1], q = [0.9, 0.1, 0.5, 0.5]; // two rows of two
 * kl.kl(p, q, { rows: 2, reduction: "none" }); // Float64Array [0.5108…, 0.3680…]
 * kl.kl(p, q, { rows: 2, reduction: "mean" }); // 0.4394…
 * kl.kl(p, q, { rows: 2 }); // 0.8788…: "sum", the default
 */
export type Reduction = "sum" | "mean" | "none";

/**
 * Which implementation computes: the SIMD module, the relaxed-SIMD module (opt-in, with
 * fused multiply-add), the scalar module, or plain TypeScript.
 * @example
 * const kl = await createKL();
 * if (kl.backend === "wasm") console.log("this engine has no WebAssembly SIMD: running the scalar build");
 */
export type Backend = "wasm-simd" | "wasm-relaxed-simd" | "wasm" | "reference";

/**
 * Options every divergence accepts.
 * @example
 * // `satisfies` keeps "mean" a literal, so the result is typed number (see Reduced).
 * const options = { rows: 64, space: "logits", reduction: "mean", base: 2 } satisfies DivergenceOptions;
 * const bits: number = kl.forward(teacherLogits, studentLogits, options);
 */
export interface DivergenceOptions {
  /** The inputs are row-major `[rows, length / rows]`; each row is one distribution. Default 1. */
  rows?: number;
  /** Space of both arguments (default "prob"). */
  space?: Space;
  /** Space of the first argument (p, target), overriding `space`. */
  pSpace?: Space;
  /** Space of the second argument (q, approx), overriding `space`. */
  qSpace?: Space;
  /** "sum" (default): one number over all rows; "mean": that divided by rows; "none": one value per row. */
  reduction?: Reduction;
  /** Rescale each probability row to sum 1 first, as scipy.stats.entropy does. Default false. */
  normalize?: boolean;
  /** Logarithm base (default e; 2 gives bits). */
  base?: number;
  /** Check the input for NaN, negative or infinite probabilities (default true). */
  validate?: boolean;
  /**
   * "accurate" (default) or "fast": plain p·log(p/q) terms (no cancellation-free form) and
   * f32 lanes for f32 inputs in log space, rescaled rows and the JSD mixture.
   */
  precision?: "accurate" | "fast";
}

/**
 * Options of jsd: the generalised Jensen–Shannon divergence.
 * @example
 * kl.jsd([0.5, 0.5], [0.9, 0.1], { beta: 0.25 }); // 0.0833…: 0.25·D(P‖M) + 0.75·D(Q‖M), M = 0.25P + 0.75Q
 * kl.jsd([1, 0], [0, 1], { base: 2 }); // 1 bit, the largest the symmetric JSD can be
 */
export interface JSDOptions extends DivergenceOptions {
  /** Mixture weight β ∈ [0, 1], M = βP + (1 − β)Q; the value is β·D(P‖M) + (1 − β)·D(Q‖M). Default ½. */
  beta?: number;
  /** Divide by β(1 − β): D(P‖Q) at β = 0 and D(Q‖P) at β = 1, continuously in between. */
  scaled?: boolean;
}

/**
 * Options of the α family: `alpha`, the order, is required.
 * @example
 * kl.renyi([0.5, 0.5], [0.9, 0.1], { alpha: 2 }); // log(Σ p²/q) = 1.0216… nats
 * kl.alphaDivergence([0.5, 0.5], [0.9, 0.1], { alpha: 0 }); // KL(Q‖P) = 0.3681…
 */
export interface AlphaOptions extends DivergenceOptions {
  /**
   * The order α: for `renyi` in [0, Infinity] (0, 1 and Infinity give its limits exactly), for
   * `alphaDivergence` any finite number (Amari's α: KL(Q‖P) at 0, KL(P‖Q) at 1).
   */
  alpha: number;
}

/**
 * Options of Amari's α-divergence: an order, and no `base` (it is a logarithm only at α = 0 and 1).
 * @example kl.alphaDivergence(p, q, { alpha: 0.5, rows: 64, reduction: "none" });
 */
export type AmariOptions = Omit<AlphaOptions, "base">;

/**
 * Options of the divergences that are not measured in nats (Hellinger, total variation, χ²): no `base`.
 * @example kl.hellinger([0.5, 0.5], [0.9, 0.1], { rows: 1 }); // 0.3249…
 */
export type UnitlessOptions = Omit<DivergenceOptions, "base">;

/**
 * The result type for options of type `O`: `Float64Array` (one value per row) where the
 * reduction is certainly "none", `number` where it certainly is not ("sum", "mean" or
 * absent), and `number | Float64Array` where the type leaves it open (a `Reduction`
 * variable, or options typed as `DivergenceOptions`).
 * @example
 * type PerRow = Reduced<{ rows: 4; reduction: "none" }>; // Float64Array
 * type Total = Reduced<{ rows: 4 }>; // number
 * type Either = Reduced<{ reduction: "sum" | "none" }>; // number | Float64Array
 */
export type Reduced<O> = O extends { reduction: "none" }
  ? Float64Array
  // The index signature keeps this from being a weak type (all properties optional), which
  // options without a reduction, such as `{ rows: 4 }`, would fail to extend; of type any,
  // it admits interfaces too.
  : O extends { [option: string]: any; reduction?: "sum" | "mean" | undefined }
    ? number
    : number | Float64Array;

/**
 * Options of element-wise calls.
 * @example
 * const out = new Float64Array(2);
 * kl.relEntr([Math.log(0.5), Math.log(0.5)], [Math.log(0.9), Math.log(0.1)], { space: "log", out }); // out = [−0.2938…, 0.8047…]
 */
export interface ElementwiseOptions {
  /** Space of both arguments (default "prob"). */
  space?: Space;
  /** Space of the first argument (p), overriding `space`. */
  pSpace?: Space;
  /** Space of the second argument (q), overriding `space`. */
  qSpace?: Space;
  /** Check the input for NaN, negative or infinite probabilities (default true). */
  validate?: boolean;
  /** Where to write the result: a typed array of the input's element type and length. */
  out?: Float64Array | Float32Array;
}

/**
 * Options of the gradient calls: those of the divergences plus where to write the gradient.
 * @example
 * const grad = new Float32Array(3); // approx's element type and length, reused every step
 * kl.forwardGrad([0.7, 0.2, 0.1], Float32Array.of(1, 0, -1), { qSpace: "logits", out: grad }); // grad = softmax(z) − p
 */
export interface GradientOptions extends DivergenceOptions {
  /** Where to write the gradient: a typed array of approx's element type and length. */
  out?: Float64Array | Float32Array;
}

/**
 * A divergence and its gradient with respect to `approx`, in approx's own space and element type.
 * @example
 * const { value, grad }: ValueAndGradient<{ qSpace: "logits" }> = kl.forwardGrad(target, logits, { qSpace: "logits" });
 * for (let i = 0; i < logits.length; i++) logits[i] -= 0.1 * grad[i]; // one step of gradient descent on D(target‖softmax(logits))
 */
export interface ValueAndGradient<O, G extends Float64Array | Float32Array = Float64Array | Float32Array> {
  /** The divergence, as the matching divergence call returns it (a number, or one value per row with reduction "none"). */
  value: Reduced<O>;
  /**
   * Its gradient with respect to approx: a new typed array of approx's element type
   * (`ElementsOf`: Float32Array for f32 or f16 approx, whatever target is; else Float64Array)
   * and length, or `options.out`. Flat and row-major for every input shape: rows given as
   * nested arrays get one flat array, a tensor-like the layout of its data.
   */
  grad: G;
}

/**
 * The interface every backend implements: createKL's, createKLSync's and referenceKL.
 * @example
 * function distillLoss(kl: KL, teacherLogits: Float32Array, studentLogits: Float32Array, rows: number): number {
 *   return kl.forward(teacherLogits, studentLogits, { rows, space: "logits", reduction: "mean" });
 * }
 * distillLoss(await createKL(), teacher, student, 64); // or distillLoss(referenceKL, …): the same value to 1e-5
 */
export interface KL {
  /** Which implementation computes. */
  readonly backend: Backend;
  /**
   * D(P‖Q) = Σ p·log(p/q).
   * @example kl.kl([0.5, 0.5], [0.9, 0.1]); // 0.5108… nats
   * @example kl.kl(p, q, { rows: 64, reduction: "none" }); // Float64Array, one value per row
   */
  kl<O extends DivergenceOptions = {}>(p: Input, q: Input, options?: O): Reduced<O>;
  /**
   * D(target‖approx): forward KL, zero-avoiding.
   * @example kl.forward(teacherLogits, studentLogits, { rows: 64, space: "logits", reduction: "mean" });
   */
  forward<O extends DivergenceOptions = {}>(target: Input, approx: Input, options?: O): Reduced<O>;
  /**
   * D(approx‖target): reverse KL, zero-forcing.
   * @example kl.reverse(target, approx); // equals kl.forward(approx, target)
   */
  reverse<O extends DivergenceOptions = {}>(target: Input, approx: Input, options?: O): Reduced<O>;
  /**
   * H(P) = −Σ p·log p.
   * @example kl.entropy([0.5, 0.5], { base: 2 }); // 1 bit
   */
  entropy<O extends DivergenceOptions = {}>(p: Input, options?: O): Reduced<O>;
  /**
   * H(P, Q) = −Σ p·log q.
   * @example kl.crossEntropy(labels, predictedProbs, { rows: batch, reduction: "mean" });
   */
  crossEntropy<O extends DivergenceOptions = {}>(p: Input, q: Input, options?: O): Reduced<O>;
  /**
   * Jensen–Shannon divergence ½D(P‖M) + ½D(Q‖M), M = ½(P + Q); generalised with `beta`, `scaled`.
   * @example kl.jsd(p, q); // ≤ ln 2
   * @example kl.jsd(p, q, { beta: 0.1, scaled: true }); // D(P‖Q) as β → 0
   */
  jsd<O extends JSDOptions = {}>(p: Input, q: Input, options?: O): Reduced<O>;
  /**
   * D(target‖approx) and its gradient with respect to approx, from one fused pass:
   * −p/q (prob), −p (log), q − p (logits). With reduction "mean" the gradient is divided by rows.
   * @example const { value, grad } = kl.forwardGrad(teacher, studentLogits, { space: "logits", rows: 64, reduction: "mean" });
   */
  forwardGrad<O extends GradientOptions = {}, A extends Input = Input>(target: Input, approx: A, options?: O): ValueAndGradient<O, ElementsOf<A>>;
  /**
   * D(approx‖target) and its gradient with respect to approx: log(q/p) + 1 (prob),
   * q·(ℓ − log p + 1) (log, ℓ = log q), q·(log q − log p − D(Q‖P)) (logits).
   * @example const { value, grad } = kl.reverseGrad(targetLogProbs, logits, { pSpace: "log", qSpace: "logits", out: gradBuffer });
   */
  reverseGrad<O extends GradientOptions = {}, A extends Input = Input>(target: Input, approx: A, options?: O): ValueAndGradient<O, ElementsOf<A>>;
  /**
   * The (generalised) JSD of target and approx, and its gradient with respect to approx:
   * (1 − β)·log(q/m) for probabilities, through the chain rule for log and logits.
   * With `scaled` at β = 0 or 1 it is forwardGrad or reverseGrad.
   * @example kl.jsdGrad(teacherLogits, studentLogits, { space: "logits", beta: 0.5, rows: 64 });
   */
  jsdGrad<O extends JSDOptions & GradientOptions = {}, A extends Input = Input>(target: Input, approx: A, options?: O): ValueAndGradient<O, ElementsOf<A>>;
  /**
   * Rényi's divergence of order α (Rényi 1961; van Erven & Harremoës 2014), in nats:
   * log(Σ p^α q^(1−α) / Σp)/(α − 1), α ∈ [0, Infinity]. Σp is 1 for distributions; for rows
   * used as given it is Rényi's form for incomplete distributions, whose limits stay finite. The
   * limits are exact: −log(Σ_{p>0} q / Σp) at α = 0, KL(P‖Q)/Σp at α = 1, log max p/q at α = ∞.
   * Non-decreasing in α; ½Var_P[log p/q] is its slope at α = 1. Throws BAD_OPTION without `alpha`,
   * and ZERO_SUM for a row of p with no mass.
   * @example kl.renyi(p, q, { alpha: 0.5 }); // −2·log Σ√(pq): twice the Bhattacharyya distance
   * @example kl.renyi(p, q, { alpha: 2, rows: 64, reduction: "none" }); // log(1 + χ²(P‖Q)) per row
   */
  renyi<O extends AlphaOptions>(p: Input, q: Input, options: O): Reduced<O>;
  /**
   * Amari's α-divergence (Amari 1985; Minka 2005 eq. 5; TensorFlow Probability's amari_alpha),
   * Σ [α·p + (1 − α)·q − p^α q^(1−α)] / (α(1 − α)), any finite α, every term ≥ 0 and computed
   * without cancellation: the generalised KL(Q‖P) at α = 0, KL(P‖Q) at α = 1 (each Σ[p·log(p/q)
   * − p + q] for its order), 4·(1 − Σ√(pq)) at α = ½, ½χ²(P‖Q) at α = 2. Bishop's α (PRML eq.
   * 10.19) is 2α − 1; Rényi's order α is this α.
   * @example kl.alphaDivergence(p, q, { alpha: 0.5 }); // 2·Σ(√p − √q)²
   */
  alphaDivergence<O extends AmariOptions>(p: Input, q: Input, options: O): Reduced<O>;
  /**
   * The Hellinger distance √(½Σ(√p − √q)²) ∈ [0, 1] (for distributions), without cancellation
   * where p ≈ q; not in nats, so no `base`.
   * @example kl.hellinger([0.5, 0.5], [0.5, 0.5]); // 0 exactly
   */
  hellinger<O extends UnitlessOptions = {}>(p: Input, q: Input, options?: O): Reduced<O>;
  /**
   * The Bhattacharyya distance −log Σ√(pq) (for distributions; half the Rényi divergence of order ½), in nats.
   * @example kl.bhattacharyya([0.5, 0.5], [0.9, 0.1]); // 0.1116…
   */
  bhattacharyya<O extends DivergenceOptions = {}>(p: Input, q: Input, options?: O): Reduced<O>;
  /**
   * Total variation ½Σ|p − q| ∈ [0, 1] (for distributions); not in nats, so no `base`.
   * @example kl.totalVariation([0.5, 0.5], [0.9, 0.1]); // 0.4
   */
  totalVariation<O extends UnitlessOptions = {}>(p: Input, q: Input, options?: O): Reduced<O>;
  /**
   * Pearson's χ²(P‖Q) = Σ(p − q)²/q (twice Amari's α-divergence at α = 2); +Infinity where q = 0 < p.
   * @example kl.chiSquare([0.5, 0.5], [0.9, 0.1]); // 1.7777…
   */
  chiSquare<O extends UnitlessOptions = {}>(p: Input, q: Input, options?: O): Reduced<O>;
  /**
   * Jeffreys' divergence KL(P‖Q) + KL(Q‖P), symmetric; on binned data, the Population Stability Index.
   * @example kl.jeffreys(expectedBins, actualBins, { normalize: true }); // PSI
   */
  jeffreys<O extends DivergenceOptions = {}>(p: Input, q: Input, options?: O): Reduced<O>;
  /**
   * Amari's α-divergence of target and approx and its gradient with respect to approx, ∂/∂q =
   * (1 − (p/q)^α)/α (prob); q·that (log); −(u − q·Σu)/α with u = p^α q^(1−α) (logits, through
   * the softmax).
   * @example kl.alphaGrad(target, logits, { alpha: 0.5, qSpace: "logits" });
   */
  alphaGrad<O extends AmariOptions & Omit<GradientOptions, "base">, A extends Input = Input>(target: Input, approx: A, options: O): ValueAndGradient<O, ElementsOf<A>>;
  /**
   * The Rényi divergence D_α(target‖approx) and its gradient with respect to approx: −(p/q)^α/S
   * with S = Σ p^α q^(1−α) (prob); −w (log) and q − w (logits), w = p^α q^(1−α)/S. At α = ∞,
   * the gradient of log max p/q (w on its arg max, shared by ties).
   * @example kl.renyiGrad(teacherLogits, studentLogits, { alpha: 0.5, space: "logits", rows: 64 });
   */
  renyiGrad<O extends AlphaOptions & GradientOptions, A extends Input = Input>(target: Input, approx: A, options: O): ValueAndGradient<O, ElementsOf<A>>;
  /**
   * Element-wise p·log(p/q), as scipy.special.rel_entr: a Float32Array where both inputs are
   * f32 (or f16), else a Float64Array; flat, whatever the inputs' shape.
   * @example kl.relEntr([0.5, 0, 0.5], [0.25, 0.5, 0]); // Float64Array [0.3466…, 0, Infinity]
   */
  relEntr<P extends Input = Input, Q extends Input = Input>(p: P, q: Q, options?: ElementwiseOptions): PairElementsOf<P, Q>;
  /**
   * A vector in the module's memory that every call reads without copying. Views stay valid
   * until the memory grows (growth detaches every view of it; a call given a detached view
   * throws KLError "STALE_VIEW"): reserve room first when allocating several.
   * @example kl.reserve(2 * n * 8); const p = kl.alloc(n, Float64Array), q = kl.alloc(n, Float64Array);
   */
  alloc<A extends Float64Array | Float32Array>(length: number, type: { new (length: number): A }): A;
  /**
   * Releases a vector from `alloc`; using it afterwards throws KLError "STALE_VIEW".
   * @example kl.free(p);
   */
  free(view: Float64Array | Float32Array): void;
  /**
   * Grows the memory once so that allocations and call scratch totalling `bytes` fit
   * without growing it again (and so without detaching views). No-op for the reference.
   * @example kl.reserve(64 * 32000 * 4 * 3); // two f32 inputs and a gradient of 64 × 32 000
   */
  reserve(bytes: number): void;
  /**
   * Current size of the module's memory in bytes (0 for the reference).
   * @example const before = kl.memoryBytes(); kl.kl(p, q); kl.memoryBytes() === before; // no leak
   */
  memoryBytes(): number;
}
