/**
 * forwardGrad / reverseGrad on every backend: agreement with the reference, central finite
 * differences, identities, zeros and extreme logits.
 */
import { readFileSync } from "node:fs";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { referenceKL, type KL } from "../src/index.js";
import type { Space } from "../src/core/types.js";
import { backendNames, loadBackend } from "./backends.js";
import { logitsLike, probabilityLike, toF32 } from "./generate.js";

fc.configureGlobal({ seed: Number(process.env.FC_SEED ?? 20261125), numRuns: 150 });

const spaces: Space[] = ["prob", "log", "logits"];
const directions = ["forwardGrad", "reverseGrad"] as const;

/** An input in a space: probabilities, their logs, or logits. */
function input(space: Space, length: number, seed: number, zeros = 0): Float64Array {
  if (space === "logits") return logitsLike(length, seed, 3);
  const p = probabilityLike({ length, seed, zeros, decades: 3 });
  return space === "log" ? p.map(Math.log) : p;
}

function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, relative: number, absolute: number, context: string): void {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    const w = want[i]!;
    if (!Number.isFinite(w)) expect(got[i], `${context} [${i}]`).toBe(w);
    else expect(Math.abs(got[i]! - w), `${context} [${i}]: got ${got[i]}, want ${w}`).toBeLessThanOrEqual(relative * Math.abs(w) + absolute);
  }
}


/**
 * Every element of `grad` within 1e-6 (relative where it exceeds 1) of the central difference
 * (f(a + h) − f(a − h)) / 2h in that element, with h = step(a[i]).
 */
function expectCentralDifferences(grad: ArrayLike<number>, approx: Float64Array, f: (a: Float64Array) => number, step: (x: number) => number): void {
  for (let i = 0; i < approx.length; i++) {
    const h = step(approx[i]!);
    const plus = approx.slice();
    const minus = approx.slice();
    plus[i]! += h;
    minus[i]! -= h;
    const numeric = (f(plus) - f(minus)) / (2 * h);
    expect(Math.abs(grad[i]! - numeric), `element ${i}: ${grad[i]} vs ${numeric}`).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(numeric)));
  }
}
describe.each(backendNames)("%s", (name) => {
  let kl: KL;
  beforeAll(async () => {
    kl = await loadBackend(name);
  });

  it("agrees with the reference on random shapes, spaces and options", () => {
    fc.assert(
      fc.property(
        fc.record({
          direction: fc.constantFrom(...directions),
          rows: fc.integer({ min: 1, max: 4 }),
          cols: fc.integer({ min: 1, max: 70 }),
          pSpace: fc.constantFrom(...spaces),
          qSpace: fc.constantFrom(...spaces),
          reduction: fc.constantFrom("sum", "mean", "none") as fc.Arbitrary<"sum" | "mean" | "none">,
          base: fc.constantFrom(Math.E, 2),
          f32: fc.boolean(),
          seed: fc.integer({ min: 0, max: 1e9 }),
        }),
        (c) => {
          const n = c.rows * c.cols;
          const target = input(c.pSpace, n, c.seed, 0.2);
          const approx = input(c.qSpace, n, c.seed + 1);
          const [t, a] = c.f32 ? [toF32(target), toF32(approx)] : [target, approx];
          const options = { rows: c.rows, pSpace: c.pSpace, qSpace: c.qSpace, reduction: c.reduction, base: c.base };
          const got = kl[c.direction](t, a, options);
          const want = referenceKL[c.direction](t, a, options);
          expect(got.grad).toBeInstanceOf(c.f32 ? Float32Array : Float64Array);
          const tolerance = c.f32 ? 1e-5 : 1e-12;
          // Logits gradients are compared to the largest element, as the contract states.
          const scale = Math.max(...Array.from(want.grad, (g) => (Number.isFinite(g) ? Math.abs(g) : 0)));
          expectClose(got.grad, want.grad, tolerance, c.qSpace === "logits" ? tolerance * scale : c.f32 ? 1e-30 : 0, JSON.stringify(c));
          const asArray = (v: number | Float64Array) => (typeof v === "number" ? [v] : v);
          expectClose(asArray(got.value), asArray(want.value), tolerance, 1e-14, "value");
        },
      ),
    );
  });

  it.each(spaces.flatMap((target) => spaces.flatMap((approx) => directions.map((d) => [d, target, approx] as const))))(
    "%s matches central finite differences (target %s, approx %s)",
    (direction, targetSpace, approxSpace) => {
      const n = 7;
      const target = input(targetSpace, n, 3);
      const approx = input(approxSpace, n, 4);
      const options = { pSpace: targetSpace, qSpace: approxSpace };
      const { value, grad } = kl[direction](target, approx, options);
      const divergence = (a: Float64Array) =>
        direction === "forwardGrad" ? kl.forward(target, a, options) : kl.reverse(target, a, options);
      expect(Math.abs(value - divergence(approx))).toBeLessThanOrEqual(1e-14 * Math.abs(value));
      expectCentralDifferences(grad, approx, divergence, (x) => 1e-6 * Math.max(1, Math.abs(x)) * (approxSpace === "prob" ? x : 1));
    },
  );

  it("forward KL's logits gradient sums to 0 in every row; mean divides the gradient by rows", () => {
    const rows = 4;
    const target = input("logits", rows * 33, 5);
    const approx = input("logits", rows * 33, 6);
    const { grad } = kl.forwardGrad(target, approx, { rows, space: "logits" });
    for (let r = 0; r < rows; r++) {
      const rowSum = grad.slice(r * 33, (r + 1) * 33).reduce((s, g) => s + g, 0);
      expect(Math.abs(rowSum)).toBeLessThanOrEqual(1e-15);
    }
    const mean = kl.forwardGrad(target, approx, { rows, space: "logits", reduction: "mean" });
    expectClose(mean.grad, grad.map((g) => g / rows), 1e-15, 0, "mean");
  });

  it("writes into out and returns it", () => {
    const target = input("logits", 40, 7);
    const approx = input("logits", 40, 8);
    const out = new Float64Array(40);
    const result = kl.reverseGrad(target, approx, { space: "logits", out });
    expect(result.grad).toBe(out);
    expectClose(out, referenceKL.reverseGrad(target, approx, { space: "logits" }).grad, 1e-12, 1e-15, "out");
  });

  it("p = 0 gives a 0 value term and a finite gradient in every space; −Infinity log-probabilities are handled", () => {
    const p = Float64Array.from([0, 0.5, 0, 0.5]);
    const q = Float64Array.from([0.25, 0.25, 0.25, 0.25]);
    for (const direction of directions) {
      for (const [pSpace, target] of [["prob", p], ["log", p.map(Math.log)]] as const) {
        for (const [qSpace, approx] of [["prob", q], ["log", q.map(Math.log)], ["logits", q.map(Math.log)]] as const) {
          const { value, grad } = kl[direction](target, approx, { pSpace, qSpace });
          const want = referenceKL[direction](target, approx, { pSpace, qSpace });
          expectClose([value as number], [want.value as number], 1e-14, 0, `${direction} ${pSpace} ${qSpace} value`);
          expectClose(grad, want.grad, 1e-14, 0, `${direction} ${pSpace} ${qSpace} grad`);
          if (direction === "forwardGrad") expect(grad.every(Number.isFinite)).toBe(true);
        }
      }
    }
  });

  it.each([Float64Array, Float32Array])("extreme logits (±1e4) give finite, correct results (%o)", (type) => {
    const target = type.from([1e4, -1e4, 0, 5e3, -5e3, 1]);
    const approx = type.from([-1e4, 1e4, 1, 0, 3, -2]);
    for (const direction of directions) {
      const got = kl[direction](target, approx, { space: "logits" });
      const want = referenceKL[direction](target, approx, { space: "logits" });
      expect(Number.isFinite(got.value)).toBe(true);
      expect(Array.from(got.grad).every(Number.isFinite)).toBe(true);
      expectClose([got.value], [want.value], type === Float32Array ? 1e-6 : 1e-12, 0, `${direction} value`);
      const largest = Math.max(...Array.from(want.grad, Math.abs));
      expectClose(got.grad, want.grad, 0, (type === Float32Array ? 1e-6 : 1e-12) * largest, `${direction} grad`);
    }
  });
});

/** The methods whose gradients have conventions at zeros, with the divergence each differentiates. */
const atZeros = [
  ["forwardGrad", (kl: KL, p: number[], q: number[]) => kl.kl(p, q)],
  ["reverseGrad", (kl: KL, p: number[], q: number[]) => kl.kl(q, p)],
  ["jsdGrad", (kl: KL, p: number[], q: number[]) => kl.jsd(p, q, { beta: 0.3 })],
] as const;

describe.each(backendNames)("%s: gradients at zeros (README, Gradients)", (name) => {
  let kl: KL;
  beforeAll(async () => {
    kl = await loadBackend(name);
  });
  const options = (method: string) => (method === "jsdGrad" ? { beta: 0.3 } : {});

  it.each(atZeros)("%s, probabilities: the one-sided derivative where q = 0", (method, value) => {
    const target = [0.4, 0, 0.3, 0, 0.3];
    const approx = [0, 0, 0.5, 0.2, 0.3];
    const { grad } = kl[method](target, approx, options(method));
    const f = (a: number[]) => value(kl, target, a);
    for (const i of [0, 1]) {
      const at = (h: number) => approx.map((v, j) => (j === i ? h : v));
      // (f(q + h) − f(q))/h for h = 1e-4, 1e-6, 1e-8; where f(q) is +Infinity, the gradient at q + h.
      const slopes = [1e-4, 1e-6, 1e-8].map((h) => (Number.isFinite(f(approx)) ? (f(at(h)) - f(approx)) / h : kl[method](target, at(h), options(method)).grad[i]!));
      const g = grad[i]!;
      if (Number.isFinite(g)) for (const slope of slopes) expect(Math.abs(slope - g), `${i}: ${slope} vs ${g}`).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(g)));
      else if (g === Infinity) expect(slopes).toEqual([Infinity, Infinity, Infinity]);
      else {
        // −Infinity: the slopes fall without bound (by log 100 per step, times 1 − β for the JSD).
        expect(g).toBe(-Infinity);
        expect(slopes[1]!).toBeLessThan(slopes[0]! - 1);
        expect(slopes[2]!).toBeLessThan(slopes[1]! - 1);
      }
    }
  });

  it.each(atZeros)("%s, log and logits: a −Infinity element gets the gradient's limit", (method) => {
    const target = [Math.log(0.4), Math.log(0.1), Math.log(0.2), Math.log(0.3)];
    for (const space of ["log", "logits"] as const) {
      const at = (b: number) => [b, b, Math.log(0.5), Math.log(0.5)];
      const { grad } = kl[method](target, at(-Infinity), { ...options(method), space });
      const near = kl[method](target, at(-80), { ...options(method), space }).grad;
      // The two calls may take different paths (−∞ is the general path's, −80 the fused logits
      // kernel's): the same value but for the rounding of p (an ulp of it) and q ≈ 1e-35.
      for (const i of [0, 1]) expect(Math.abs(grad[i]! - near[i]!), `${space} [${i}]`).toBeLessThanOrEqual(2.3e-16 * Math.abs(grad[i]!) + 1e-30);
    }
  });

  it("log space, q = 0 where p = 0: the chain rule's factor q makes every gradient 0 there", () => {
    const target = [Math.log(0.5), -Infinity, Math.log(0.5)];
    const approx = [Math.log(0.5), -Infinity, Math.log(0.5)];
    for (const [method] of atZeros) expect(kl[method](target, approx, { ...options(method), space: "log" }).grad[1], method).toBe(0);
  });

  it("jsdGrad([1, 0], [1, 0]) is [0, −½·log ½]: where p = 0 the term is linear in q", () => {
    // (+ 0: log(q/m) = log 1 may come out as −0)
    expect(Array.from(kl.jsdGrad([1, 0], [1, 0]).grad, (g) => g + 0)).toEqual([0, 0.34657359027997264]);
    const f32 = kl.jsdGrad(Float32Array.from([1, 0]), Float32Array.from([1, 0])).grad;
    expect(Array.from(f32, (g) => g + 0)).toEqual([0, Math.fround(0.34657359027997264)]);
  });
});

describe.each(backendNames)("%s: jsdGrad", (name) => {
  let kl: KL;
  beforeAll(async () => {
    kl = await loadBackend(name);
  });

  it.each(spaces.flatMap((approxSpace) => [0.5, 0.2, 0.9].map((beta) => [approxSpace, beta] as const)))(
    "matches central finite differences (approx %s, β = %d)",
    (approxSpace, beta) => {
      const n = 9;
      const target = input("prob", n, 11);
      const approx = input(approxSpace, n, 12);
      const options = { qSpace: approxSpace, beta, normalize: approxSpace !== "prob" };
      const { value, grad } = kl.jsdGrad(target, approx, options);
      const jsd = (a: Float64Array) => kl.jsd(target, a, options);
      expect(value).toBe(jsd(approx));
      expectCentralDifferences(grad, approx, jsd, (x) => 1e-6 * (approxSpace === "prob" ? x : 1));
    },
  );

  it("scaled: forwardGrad at β = 0, reverseGrad at β = 1, approached continuously", () => {
    const target = input("logits", 40, 13);
    const approx = input("logits", 40, 14);
    const options = { space: "logits" as const, scaled: true };
    const forward = kl.forwardGrad(target, approx, { space: "logits" });
    const reverse = kl.reverseGrad(target, approx, { space: "logits" });
    expect(kl.jsdGrad(target, approx, { ...options, beta: 0 })).toEqual(forward);
    expect(kl.jsdGrad(target, approx, { ...options, beta: 1 })).toEqual(reverse);
    const nearForward = kl.jsdGrad(target, approx, { ...options, beta: 1e-7 });
    const nearReverse = kl.jsdGrad(target, approx, { ...options, beta: 1 - 1e-7 });
    const largest = (g: ArrayLike<number>) => Math.max(...Array.from(g, Math.abs));
    expectClose(nearForward.grad, forward.grad, 0, 1e-5 * largest(forward.grad), "β → 0");
    expectClose(nearReverse.grad, reverse.grad, 0, 1e-5 * largest(reverse.grad), "β → 1");
  });
});

interface TorchCase {
  name: string;
  direction: "forward" | "reverse";
  qSpace: Space;
  rows: number;
  reduction: "sum" | "mean";
  target: number[];
  approx: number[];
  value: number;
  grad: number[];
}
const torchCases = (JSON.parse(readFileSync(new URL("./fixtures/torch_grad.json", import.meta.url), "utf8")) as { cases: TorchCase[] }).cases;

describe.each(backendNames)("%s: against PyTorch autograd", (name) => {
  let kl: KL;
  beforeAll(async () => {
    kl = await loadBackend(name);
  });

  it.each(torchCases.map((c) => [c.name, c] as const))("%s", (_label, c) => {
    const call = c.direction === "forward" ? kl.forwardGrad : kl.reverseGrad;
    const { value, grad } = call(Float64Array.from(c.target), Float64Array.from(c.approx), {
      rows: c.rows, qSpace: c.qSpace, reduction: c.reduction,
    });
    expect(Math.abs((value as number) - c.value)).toBeLessThanOrEqual(1e-12 * Math.abs(c.value));
    const largest = Math.max(...c.grad.map(Math.abs));
    expectClose(grad, c.grad, 1e-12, 1e-13 * largest, c.name);
  });
});

describe.each(backendNames)("%s: a gradient call's value is the divergence call's, bit for bit", (name) => {
  let kl: KL;
  beforeAll(async () => {
    kl = await loadBackend(name);
  });

  it("in every space, both directions, on random and nearly equal inputs", () => {
    fc.assert(
      fc.property(
        fc.record({
          space: fc.constantFrom(...spaces),
          cols: fc.integer({ min: 1, max: 600 }),
          rows: fc.integer({ min: 1, max: 3 }),
          closeness: fc.constantFrom(-1, 0, 1e-12, 1e-8, 1e-4),
          zeros: fc.constantFrom(0, 0.2),
          f32: fc.boolean(),
          precision: fc.constantFrom("accurate", "fast"),
          normalize: fc.boolean(),
          reduction: fc.constantFrom("sum", "mean", "none"),
          seed: fc.integer({ min: 0, max: 2 ** 30 }),
        }),
        ({ space, cols, rows, closeness, zeros, f32, precision, normalize, reduction, seed }) => {
          const n = cols * rows;
          const target = input(space, n, seed, zeros);
          // closeness −1: an unrelated approx; else target moved by up to that relative amount.
          const approx = closeness < 0 ? input(space, n, seed + 1, zeros) : target.map((v, i) => (Number.isFinite(v) ? v + Math.abs(v) * closeness * Math.sin(i + seed) : v));
          const [t, a] = f32 ? [toF32(target), toF32(approx)] : [target, approx];
          const o = { space, rows, precision, reduction, normalize: normalize && space !== "prob" } as const;
          for (const [gradient, divergence] of [["forwardGrad", "forward"], ["reverseGrad", "reverse"]] as const) {
            const { value } = kl[gradient](t, a, o);
            const direct = kl[divergence](t, a, o);
            if (typeof value === "number") expect(Object.is(value, direct), `${gradient}: ${value} vs ${divergence}: ${direct}`).toBe(true);
            else expect(Array.from(value)).toEqual(Array.from(direct as Float64Array));
          }
        },
      ),
      { numRuns: 120 },
    );
  });
});
