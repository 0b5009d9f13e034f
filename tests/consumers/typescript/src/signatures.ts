// The public signatures as a user's editor sees them, checked under strict with the declarations
// type-checked too (skipLibCheck false). Every line is a compile-time assertion. Nothing here
// needs the DOM lib or @types/node: tsconfig.no-dom*.json check it without them (klwasm/tfjs,
// whose tfjs-core types need the DOM, is checked apart in tfjs.ts).
import { expectTypeOf } from "expect-type";
import {
  createKL, createKLSync, diagGaussianKL, estimateKL, KLError, referenceKL,
  type Backend, type DivergenceOptions, type ElementsOf, type Float16ArrayLike, type Input, type KL, type KLErrorCode,
  type KLPool, type Reduced, type Reduction, type Vector,
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
// relEntr's result follows its inputs: f32 only where both are.
expectTypeOf(kl.relEntr(p, p)).toEqualTypeOf<Float64Array>();
expectTypeOf(kl.relEntr(q, q)).toEqualTypeOf<Float32Array>();
expectTypeOf(kl.relEntr(q, p)).toEqualTypeOf<Float64Array>();
expectTypeOf(kl.relEntr([0.5, 0.5], q)).toEqualTypeOf<Float64Array>();

// A gradient has approx's element type (target's does not matter).
const fused = kl.forwardGrad(p, q, { qSpace: "logits", reduction: "none" });
expectTypeOf(fused.value).toEqualTypeOf<Float64Array>();
expectTypeOf(fused.grad).toEqualTypeOf<Float32Array>();
expectTypeOf(kl.forwardGrad(q, q).grad).toEqualTypeOf<Float32Array>();
expectTypeOf(kl.forwardGrad(q, p).grad).toEqualTypeOf<Float64Array>();
expectTypeOf(kl.reverseGrad(q, [0.5, 0.5]).grad).toEqualTypeOf<Float64Array>();
expectTypeOf(kl.jsdGrad(p, q, { beta: 0.3 }).grad).toEqualTypeOf<Float32Array>();
declare const vector: Vector;
expectTypeOf(kl.forwardGrad(p, vector).grad).toEqualTypeOf<Float64Array | Float32Array>();

// The shapes ML users hold: nested rows, tensor-likes, Float16Array and integer counts.
declare const half: Float16ArrayLike;
declare const counts: Uint32Array;
declare const onnxOutput: { readonly dims: readonly number[]; readonly type: string; readonly data: Float32Array | Int32Array | BigInt64Array | string[] };
expectTypeOf(kl.kl([[0.5, 0.5], [0.9, 0.1]], [[0.9, 0.1], [0.5, 0.5]])).toEqualTypeOf<number>();
expectTypeOf(kl.kl({ data: q, dims: [2, 2] }, { data: q, shape: [2, 2] }, { reduction: "none" })).toEqualTypeOf<Float64Array>();
expectTypeOf(kl.entropy(onnxOutput)).toEqualTypeOf<number>();
expectTypeOf(kl.forwardGrad(p, [[0.5, 0.5]]).grad).toEqualTypeOf<Float64Array>();
expectTypeOf(kl.forwardGrad(p, [q, q]).grad).toEqualTypeOf<Float32Array>();
expectTypeOf(kl.forwardGrad(p, { data: q, dims: [1, 2] }).grad).toEqualTypeOf<Float32Array>();
expectTypeOf(kl.forwardGrad(p, { data: [0.5, 0.5], shape: [2] }).grad).toEqualTypeOf<Float64Array>();
expectTypeOf(kl.forwardGrad(p, onnxOutput).grad).toEqualTypeOf<Float64Array | Float32Array>();
expectTypeOf(kl.forwardGrad(p, half).grad).toEqualTypeOf<Float32Array>();
expectTypeOf(kl.forwardGrad(p, counts).grad).toEqualTypeOf<Float64Array>();
expectTypeOf(kl.relEntr(half, q)).toEqualTypeOf<Float32Array>();
expectTypeOf<ElementsOf<Input>>().toEqualTypeOf<Float64Array | Float32Array>();
declare const pool: KLPool;
expectTypeOf(pool.forwardGrad(p, q)).resolves.toHaveProperty("grad").toEqualTypeOf<Float32Array>();
expectTypeOf(pool.relEntr(p, [[0.5, 0.5]])).resolves.toEqualTypeOf<Float64Array>();
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
// @ts-expect-error a tensor-like needs dims or shape
kl.kl({ data: q }, q);
// @ts-expect-error rows of strings are not rows of numbers
kl.kl([["0.5", "0.5"]], q);
// @ts-expect-error createKL is asynchronous
createKL().kl(p, q);
// @ts-expect-error the backend is read-only
kl.backend = "wasm";
