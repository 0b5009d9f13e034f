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
export { createKL, createKLSync, type CreateOptions, type WasmBackend } from "./create.js";
export { createKLPool, type KLPool, type PoolOptions } from "./pool/pool.js";
export { KLError } from "./errors.js";
export type { KLErrorCode } from "./errors.js";
export { referenceKL } from "./reference.js";
export type * from "./types.js";
export type { DiagGaussianGrad, DiagGaussianGradOptions, DiagGaussianOptions } from "./gaussian.js";
export type { EstimateOptions, Estimator } from "./estimators.js";
export { fitDiagGaussian, fitGaussian, gridMoments, mixtureDensity, mixtureGrid, mixtureMoments } from "./fit.js";
export type * from "./fit.js";
