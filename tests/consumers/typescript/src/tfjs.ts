// klwasm/tfjs: tensors in, a tensor out. Apart from signatures.ts because tfjs-core's own types
// need the DOM lib; the DOM-free tsconfigs leave this file out.
import { expectTypeOf } from "expect-type";
import type { KL } from "klwasm";
import { createKLLoss, klLoss, type KLLossOptions } from "klwasm/tfjs";
import type { Tensor } from "@tensorflow/tfjs-core";

declare const kl: KL;

expectTypeOf(klLoss).parameter(0).toEqualTypeOf<KL>();
expectTypeOf(klLoss).returns.toEqualTypeOf<Tensor>();
expectTypeOf(createKLLoss(kl, { direction: "reverse" })).toEqualTypeOf<(target: Tensor, approx: Tensor) => Tensor>();
expectTypeOf<KLLossOptions["direction"]>().toEqualTypeOf<"forward" | "reverse" | undefined>();
// @ts-expect-error rows come from the tensors' shape
const withRows: KLLossOptions = { rows: 2 };
