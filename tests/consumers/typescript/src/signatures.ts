// The public signatures as a user's editor sees them, checked under strict with the declarations
// type-checked too (skipLibCheck false). Every line is a compile-time assertion. Nothing here
// needs the DOM lib or @types/node: tsconfig.no-dom*.json check it without them (klwasm/tfjs,
// whose tfjs-core types need the DOM, is checked apart in tfjs.ts).
import { expectTypeOf } from "expect-type";
import {
  createKL, createKLSync, diagGaussianKL, estimateKL, KLError, referenceKL,
  type Backend, type DivergenceOptions, type KL, type KLErrorCode, type Reduced, type Reduction, type Vector,
} from "klwasm";
import { referenceKL as referenceOnly } from "klwasm/reference";

declare const p: Float64Array;
declare const q: Float32Array;
declare const kl: KL;

expectTypeOf(createKL).returns.toEqualTypeOf<Promise<KL>>();
expectTypeOf(createKLSync).returns.toEqualTypeOf<KL>();
expectTypeOf(referenceKL).toEqualTypeOf<KL>();
expectTypeOf(referenceOnly).toEqualTypeOf<KL>();
// The module to run: bytes or a URL string, in any lib (URL and WebAssembly.Module objects in dom.ts).
expectTypeOf(createKLSync).toBeCallableWith({ module: new Uint8Array(8) });
expectTypeOf(createKL).toBeCallableWith({ module: new ArrayBuffer(8) });
expectTypeOf(createKL).toBeCallableWith({ module: "https://example.com/klwasm-simd.wasm" });
expectTypeOf(kl.backend).toEqualTypeOf<Backend>();
expectTypeOf<Backend>().toEqualTypeOf<"wasm-simd" | "wasm-relaxed-simd" | "wasm" | "reference">();
expectTypeOf<number[]>().toMatchTypeOf<Vector>();

// The reduction decides the result type: one number, or one value per row.
expectTypeOf(kl.kl(p, q)).toEqualTypeOf<number>();
expectTypeOf(kl.kl(p, q, { reduction: "sum" })).toEqualTypeOf<number>();
expectTypeOf(kl.kl(p, q, { rows: 4, reduction: "mean" })).toEqualTypeOf<number>();
expectTypeOf(kl.kl(p, q, { rows: 4, reduction: "none" })).toEqualTypeOf<Float64Array>();
expectTypeOf(kl.forward(p, q, { space: "logits", reduction: "none" })).toEqualTypeOf<Float64Array>();
expectTypeOf(kl.jsd(p, q, { beta: 0.3, scaled: true })).toEqualTypeOf<number>();
expectTypeOf(kl.entropy([0.5, 0.5])).toEqualTypeOf<number>();
expectTypeOf(kl.relEntr(p, p)).toEqualTypeOf<Float64Array | Float32Array>();

const fused = kl.forwardGrad(p, q, { qSpace: "logits", reduction: "none" });
expectTypeOf(fused.value).toEqualTypeOf<Float64Array>();
expectTypeOf(fused.grad).toEqualTypeOf<Float64Array | Float32Array>();
expectTypeOf(kl.reverseGrad(p, q).value).toEqualTypeOf<number>();

// A reduction the type leaves open gives either result.
declare const sumOrNone: { reduction: "sum" | "none" };
declare const reduction: Reduction;
declare const options: DivergenceOptions;
expectTypeOf<Reduced<{ reduction: "sum" | "none" }>>().toEqualTypeOf<number | Float64Array>();
expectTypeOf(kl.kl(p, q, sumOrNone)).toEqualTypeOf<number | Float64Array>();
expectTypeOf(kl.entropy(p, { rows: 4, reduction })).toEqualTypeOf<number | Float64Array>();
expectTypeOf(kl.kl(p, q, options)).toEqualTypeOf<number | Float64Array>();
expectTypeOf(kl.reverseGrad(p, q, sumOrNone).value).toEqualTypeOf<number | Float64Array>();
expectTypeOf(kl.jsd(p, q, { reduction: "mean", beta: 0.3 })).toEqualTypeOf<number>();
expectTypeOf(estimateKL(p, p)).toEqualTypeOf<number>();
expectTypeOf(estimateKL(p, p, { reduction: "none" })).toEqualTypeOf<Float64Array>();
expectTypeOf(diagGaussianKL(p, p, undefined, undefined, { rows: 4 })).toEqualTypeOf<number>();

expectTypeOf(kl.alloc(8, Float32Array)).toExtend<Float32Array>();
expectTypeOf(kl.alloc(8, Float32Array)).not.toExtend<Float64Array>();
expectTypeOf(kl.alloc(8, Float64Array)).toExtend<Float64Array>();

expectTypeOf<KLError["code"]>().toEqualTypeOf<KLErrorCode>();
expectTypeOf<KLError["index"]>().toEqualTypeOf<number | undefined>();
expectTypeOf(new KLError("NAN", "p", "message")).toMatchTypeOf<Error>();

// Misuse the types catch.
// @ts-expect-error an unknown reduction
kl.kl(p, q, { reduction: "batchmean" });
// @ts-expect-error an unknown space
kl.forward(p, q, { qSpace: "softmax" });
// @ts-expect-error a string is not a vector
kl.kl("0.5,0.5", q);
// @ts-expect-error createKL is asynchronous
createKL().kl(p, q);
// @ts-expect-error the backend is read-only
kl.backend = "wasm";
