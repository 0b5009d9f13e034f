// CommonJS TypeScript (node16): `require` resolves the .d.cts declarations of the "require" condition.
import klwasm = require("klwasm");
import reference = require("klwasm/reference");
import { expectTypeOf } from "expect-type";

expectTypeOf(klwasm.createKLSync).returns.toEqualTypeOf<klwasm.KL>();
expectTypeOf(klwasm.createKLSync().kl([0.5, 0.5], [0.9, 0.1], { reduction: "none" })).toEqualTypeOf<Float64Array>();
expectTypeOf(reference.referenceKL.kl([0.5, 0.5], [0.9, 0.1])).toEqualTypeOf<number>();
