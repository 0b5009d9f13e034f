// Where the lib has the DOM, the module to run may also be a URL or a compiled WebAssembly.Module
// (the declarations name neither, so that they need no DOM lib: see signatures.ts).
import { expectTypeOf } from "expect-type";
import { createKL, createKLSync } from "klwasm";

declare const compiled: WebAssembly.Module;

expectTypeOf(createKL).toBeCallableWith({ module: new URL("https://example.com/klwasm-simd.wasm") });
expectTypeOf(createKL).toBeCallableWith({ module: compiled });
expectTypeOf(createKLSync).toBeCallableWith({ module: compiled });
