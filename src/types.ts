/** A vector of numbers: Float32Array inputs run the f32 kernels, everything else f64. */
export type Vector = Float64Array | Float32Array | readonly number[];

/** How a vector's numbers are given: probabilities, natural-log probabilities, or logits. */
export type Space = "prob" | "log" | "logits";

/** How per-row values are combined. */
export type Reduction = "sum" | "mean" | "none";

/** Which implementation computes: the SIMD module, the scalar module, or plain TypeScript. */
export type Backend = "wasm-simd" | "wasm" | "reference";

/** Options every divergence accepts. */
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

/** Options of jsd: the generalised Jensen–Shannon divergence. */
export interface JSDOptions extends DivergenceOptions {
  /** Mixture weight β ∈ [0, 1], M = βP + (1 − β)Q; the value is β·D(P‖M) + (1 − β)·D(Q‖M). Default ½. */
  beta?: number;
  /** Divide by β(1 − β): D(P‖Q) at β = 0 and D(Q‖P) at β = 1, continuously in between. */
  scaled?: boolean;
}

/** The result type for a given reduction: a number, or one value per row. */
export type Reduced<O> = O extends { reduction: "none" } ? Float64Array : number;

/** Options of element-wise calls. */
export interface ElementwiseOptions {
  space?: Space;
  pSpace?: Space;
  qSpace?: Space;
  validate?: boolean;
  /** Where to write the result: a typed array of the input's element type and length. */
  out?: Float64Array | Float32Array;
}

/** Options of the gradient calls: those of the divergences plus where to write the gradient. */
export interface GradientOptions extends DivergenceOptions {
  /** Where to write the gradient: a typed array of approx's element type and length. */
  out?: Float64Array | Float32Array;
}

/** A divergence and its gradient with respect to `approx`, in approx's own space and element type. */
export interface ValueAndGradient<O> {
  value: Reduced<O>;
  grad: Float64Array | Float32Array;
}

/** The closed-form Gaussian divergences and the Monte-Carlo estimators (src/gaussian.ts, src/estimators.ts). */
export interface GaussianDivergences {
  /** D(N(mu1, sigma1²)‖N(mu2, sigma2²)), standard deviations. */
  gaussianKL: typeof import("./gaussian.js").gaussianKL;
  /** Batched diagonal normals (rows = batch); with mu2/logvar2 omitted the prior is N(0, I). */
  diagGaussianKL: typeof import("./gaussian.js").diagGaussianKL;
  /** diagGaussianKL with its gradients for mu1 and logvar1. */
  diagGaussianKLGrad: typeof import("./gaussian.js").diagGaussianKLGrad;
  /** Full covariance (row-major d×d), via Cholesky; a matrix that is not SPD is a KLError. */
  mvnKL: typeof import("./gaussian.js").mvnKL;
  /** Monte-Carlo estimators k1, k2, k3 of D(Q‖P) from samples x ~ Q, r = logp − logq. */
  estimateKL: typeof import("./estimators.js").estimateKL;
}

/** The forward-versus-reverse experiment on this instance's kernels (src/fit.ts). */
export interface Fitting {
  /**
   * Fits a Gaussian Q to a target (a mixture or a density on a grid) by minimising forward
   * or reverse KL on the grid with Adam and the gradient kernels.
   */
  fitGaussian(target: import("./fit.js").Mixture | import("./fit.js").GridDensity, options?: import("./fit.js").FitOptions): import("./fit.js").GaussianFit;
  /** The factorised (mean-field) fit of a d-dimensional Gaussian target. */
  fitDiagGaussian(target: import("./fit.js").GaussianTarget | import("./fit.js").GridDensityND, options?: import("./fit.js").DiagFitOptions): import("./fit.js").DiagGaussianFit;
}

/** The interface every backend implements. */
export interface KL extends GaussianDivergences, Fitting {
  /** Which implementation computes. */
  readonly backend: Backend;
  /**
   * D(P‖Q) = Σ p·log(p/q).
   * @example kl.kl([0.5, 0.5], [0.9, 0.1]); // 0.5108… nats
   * @example kl.kl(p, q, { rows: 64, reduction: "none" }); // Float64Array, one value per row
   */
  kl<O extends DivergenceOptions>(p: Vector, q: Vector, options?: O): Reduced<O>;
  /**
   * D(target‖approx): forward KL, zero-avoiding.
   * @example kl.forward(teacherLogits, studentLogits, { rows: 64, space: "logits", reduction: "mean" });
   */
  forward<O extends DivergenceOptions>(target: Vector, approx: Vector, options?: O): Reduced<O>;
  /**
   * D(approx‖target): reverse KL, zero-forcing.
   * @example kl.reverse(target, approx); // equals kl.forward(approx, target)
   */
  reverse<O extends DivergenceOptions>(target: Vector, approx: Vector, options?: O): Reduced<O>;
  /**
   * H(P) = −Σ p·log p.
   * @example kl.entropy([0.5, 0.5], { base: 2 }); // 1 bit
   */
  entropy<O extends DivergenceOptions>(p: Vector, options?: O): Reduced<O>;
  /**
   * H(P, Q) = −Σ p·log q.
   * @example kl.crossEntropy(labels, predictedProbs, { rows: batch, reduction: "mean" });
   */
  crossEntropy<O extends DivergenceOptions>(p: Vector, q: Vector, options?: O): Reduced<O>;
  /**
   * Jensen–Shannon divergence ½D(P‖M) + ½D(Q‖M), M = ½(P + Q); generalised with `beta`, `scaled`.
   * @example kl.jsd(p, q); // ≤ ln 2
   * @example kl.jsd(p, q, { beta: 0.1, scaled: true }); // D(P‖Q) as β → 0
   */
  jsd<O extends JSDOptions>(p: Vector, q: Vector, options?: O): Reduced<O>;
  /**
   * D(target‖approx) and its gradient with respect to approx, from one fused pass:
   * −p/q (prob), −p (log), q − p (logits). With reduction "mean" the gradient is divided by rows.
   * @example const { value, grad } = kl.forwardGrad(teacher, studentLogits, { space: "logits", rows: 64, reduction: "mean" });
   */
  forwardGrad<O extends GradientOptions>(target: Vector, approx: Vector, options?: O): ValueAndGradient<O>;
  /**
   * D(approx‖target) and its gradient with respect to approx: log(q/p) + 1 (prob),
   * q·(ℓ − log p + 1) (log, ℓ = log q), q·(log q − log p − D(Q‖P)) (logits).
   * @example const { value, grad } = kl.reverseGrad(targetLogProbs, logits, { pSpace: "log", qSpace: "logits", out: gradBuffer });
   */
  reverseGrad<O extends GradientOptions>(target: Vector, approx: Vector, options?: O): ValueAndGradient<O>;
  /**
   * The (generalised) JSD of target and approx, and its gradient with respect to approx:
   * (1 − β)·log(q/m) for probabilities, through the chain rule for log and logits.
   * With `scaled` at β = 0 or 1 it is forwardGrad or reverseGrad.
   * @example kl.jsdGrad(teacherLogits, studentLogits, { space: "logits", beta: 0.5, rows: 64 });
   */
  jsdGrad<O extends JSDOptions & GradientOptions>(target: Vector, approx: Vector, options?: O): ValueAndGradient<O>;
  /**
   * Element-wise p·log(p/q), as scipy.special.rel_entr, in the input's element type.
   * @example kl.relEntr([0.5, 0, 0.5], [0.25, 0.5, 0]); // Float64Array [0.3466…, 0, Infinity]
   */
  relEntr(p: Vector, q: Vector, options?: ElementwiseOptions): Float64Array | Float32Array;
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
