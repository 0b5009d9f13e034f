// The relaxed-SIMD build's bytes, a module of their own: loaded only when
// createKL({ relaxed: true }) asks for them.
export { default as bytes } from "../../../build/klwasm-relaxed.wasm";
