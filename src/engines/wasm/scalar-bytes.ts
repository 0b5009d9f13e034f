// The scalar build's bytes, a module of their own: createKL imports them only on engines
// without SIMD or when `simd: false` asks for them.
export { default as bytes } from "../../../build/klwasm-scalar.wasm";
