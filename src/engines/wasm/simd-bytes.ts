// The SIMD build's bytes, a file of its own in dist/ that the library imports statically: the
// build nearly every engine runs, and the one createKLSync must have at hand.
export { default as bytes } from "../../../build/klwasm-simd.wasm";
