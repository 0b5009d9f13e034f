// The relaxed-SIMD build's bytes, apart from the loader: bundles split it into a chunk that is
// fetched only when createKL({ relaxed: true }) asks for it.
export { default } from "../../../build/klwasm-relaxed.wasm";
