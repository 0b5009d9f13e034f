/**
 * klwasm/reference: the pure-TypeScript backend, with no WebAssembly in its import graph.
 * @module
 *
 * ```ts
 * import { referenceKL } from "klwasm/reference";
 * referenceKL.kl([0.5, 0.5], [0.9, 0.1]); // 0.5108… nats
 * ```
 */
export { referenceKL } from "./engines/reference/engine.js";
export { KLError } from "./core/errors.js";
export { diagGaussianKL, diagGaussianKLGrad, gaussianKL, mvnKL } from "./closed-form/gaussian.js";
export { gaussianAlpha, gaussianRenyi, mvnRenyi } from "./closed-form/gaussian-renyi.js";
export { estimateKL } from "./closed-form/estimators.js";
export { fitDiagGaussian, fitGaussian } from "./fit/fit.js";
export { fitGaussianVI } from "./fit/vi.js";
