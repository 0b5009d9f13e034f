// The public signatures as a user's editor sees them, checked under strict with the declarations
// type-checked too (skipLibCheck false). Every line is a compile-time assertion.
import { expectTypeOf } from "expect-type";
import { createKL, createKLSync, KLError, referenceKL, type Backend, type KL, type KLErrorCode, type Vector } from "klwasm";
import { referenceKL as referenceOnly } from "klwasm/reference";
import { createKLLoss, klLoss, type KLLossOptions } from "klwasm/tfjs";
import type { Tensor } from "@tensorflow/tfjs-core";

declare const p: Float64Array;
declare const q: Float32Array;
declare const kl: KL;

expectTypeOf(createKL).returns.toEqualTypeOf<Promise<KL>>();
expectTypeOf(createKLSync).returns.toEqualTypeOf<KL>();
expectTypeOf(referenceKL).toEqualTypeOf<KL>();
expectTypeOf(referenceOnly).toEqualTypeOf<KL>();
expectTypeOf(kl.backend).toEqualTypeOf<Backend>();
expectTypeOf<Backend>().toEqualTypeOf<"wasm-simd" | "wasm" | "reference">();
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

// klwasm/tfjs: tensors in, a tensor out.
expectTypeOf(klLoss).parameter(0).toEqualTypeOf<KL>();
expectTypeOf(klLoss).returns.toEqualTypeOf<Tensor>();
expectTypeOf(createKLLoss(kl, { direction: "reverse" })).toEqualTypeOf<(target: Tensor, approx: Tensor) => Tensor>();
expectTypeOf<KLLossOptions["direction"]>().toEqualTypeOf<"forward" | "reverse" | undefined>();
// @ts-expect-error rows come from the tensors' shape
const withRows: KLLossOptions = { rows: 2 };
