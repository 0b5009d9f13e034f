/**
 * klwasm: Kullback–Leibler divergences computed by WebAssembly SIMD kernels.
 * @module
 *
 * ```ts
 * import { createKL } from "klwasm";
 * const kl = await createKL();
 * kl.forward([0.5, 0.5], [0.9, 0.1]); // D(target‖approx) in nats
 * ```
 */
export { createKL, createKLSync, type CreateOptions, type WasmBackend } from "./engines/wasm/create.js";
export { createKLPool, type AbortSignalLike, type KLPool, type PoolCallOptions, type PoolOptions } from "./engines/pool/pool.js";
export { KLError } from "./core/errors.js";
export type { KLErrorCode } from "./core/errors.js";
export { referenceKL } from "./engines/reference/engine.js";
export type * from "./core/types.js";
export { diagGaussianKL, diagGaussianKLGrad, gaussianKL, mvnKL, type DiagGaussianGrad, type DiagGaussianGradOptions, type DiagGaussianOptions } from "./closed-form/gaussian.js";
export { gaussianAlpha, gaussianRenyi, mvnRenyi } from "./closed-form/gaussian-renyi.js";
export { estimateKL, type EstimateOptions, type Estimator } from "./closed-form/estimators.js";
export { fitDiagGaussian, fitDiagGaussianSteps, fitGaussian, fitGaussianSteps } from "./fit/fit.js";
export { GRID_DEFAULTS, gridMoments, mixtureDensity, mixtureGrid, mixtureLogDensity, mixtureMoments } from "./fit/targets.js";
export { ADAM_DEFAULTS } from "./fit/adam.js";
export { fitGaussianVI, VI_DEFAULTS } from "./fit/vi.js";
export type * from "./fit/vi-types.js";
export type * from "./fit/types.js";
