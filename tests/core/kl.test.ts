// The public layer over any engine (src/core/kl.ts): how per-row values are finished into a
// call's result, and how divergence and gradient calls are planned (operands, names, settings).
import { describe, expect, it } from "vitest";
import { KLError } from "../../src/core/errors.js";
import { finish, gradientArray, planDivergence, planGradient, type ViewCheck } from "../../src/core/kl.js";
import { defaultSettings, JSD_KEYS, readSettings, type Settings } from "../../src/core/options.js";
import { show, thrown } from "../errors-helpers.js";

/** A view check that accepts everything: the plans' own checks are under test. */
const ANY_VIEW: ViewCheck = () => undefined;

const settingsWith = (changes: Partial<Settings>): Settings => ({ ...defaultSettings(["p", "q"]), ...changes });

function expectKLError(f: () => unknown, code: string, argument: string): void {
  const error = thrown(f);
  expect(error, show(error)).toBeInstanceOf(KLError);
  expect(error).toMatchObject({ code, argument });
}

describe("finish", () => {
  it("sums rows compensated: [1e16, 1, −1e16] sums to 1 (a plain sum gives 0)", () => {
    const perRow = Float64Array.of(1e16, 1, -1e16);
    expect(perRow.reduce((a, b) => a + b)).toBe(0);
    expect(finish(perRow, settingsWith({ rows: 3, meanRows: 3 }))).toBe(1);
  });

  it("sums an infinite row to Infinity, not NaN", () => {
    expect(finish(Float64Array.of(1, Infinity, 2), settingsWith({ rows: 3, meanRows: 3 }))).toBe(Infinity);
  });

  it("divides 'mean' by meanRows (the whole call's rows), not by the rows it was given", () => {
    // A pool worker's share: 2 of the call's 8 rows.
    expect(finish(Float64Array.of(1, 3), settingsWith({ rows: 2, meanRows: 8, reduction: "mean" }))).toBe(0.5);
    expect(finish(Float64Array.of(1, 3), settingsWith({ rows: 2, meanRows: 2, reduction: "mean" }))).toBe(2);
  });

  it("gives the sum in the log base, times the factor", () => {
    const perRow = Float64Array.of(Math.LN2, 3 * Math.LN2);
    expect(finish(perRow, settingsWith({ rows: 2, meanRows: 2, logBase: Math.LN2 }))).toBe(4);
    expect(finish(perRow, settingsWith({ rows: 2, meanRows: 2, logBase: Math.LN2, factor: 4, reduction: "mean" }))).toBe(8);
  });

  it("returns 'none' as a copy, each row divided by ln(base) and times the factor", () => {
    const perRow = Float64Array.of(Math.LN2, 2 * Math.LN2, 0, Infinity);
    const result = finish(perRow, settingsWith({ rows: 4, meanRows: 4, reduction: "none", logBase: Math.LN2, factor: 4 })) as Float64Array;
    expect(result).toBeInstanceOf(Float64Array);
    expect(Array.from(result)).toEqual([4, 8, 0, Infinity]);
    expect(result).not.toBe(perRow);
    expect(Array.from(perRow)).toEqual([Math.LN2, 2 * Math.LN2, 0, Infinity]);
  });

  it("returns 'none' in nats as a copy too (engines reuse their per-row arrays)", () => {
    const perRow = Float64Array.of(0.25, 0.5);
    const result = finish(perRow, settingsWith({ rows: 2, meanRows: 2, reduction: "none" })) as Float64Array;
    expect(result).not.toBe(perRow);
    perRow[0] = 99;
    expect(Array.from(result)).toEqual([0.25, 0.5]);
  });

  it("gives a one-row call its row's value, in the base and times the factor", () => {
    expect(finish(Float64Array.of(0.75), settingsWith({}))).toBe(0.75);
    expect(finish(Float64Array.of(0.75), settingsWith({ reduction: "mean" }))).toBe(0.75);
    expect(finish(Float64Array.of(Math.LN2), settingsWith({ logBase: Math.LN2, factor: 4 }))).toBe(4);
    expect(finish(Float64Array.of(-0), settingsWith({}))).toBe(-0);
    expect(finish(Float64Array.of(Infinity), settingsWith({}))).toBe(Infinity);
  });
});

describe("planDivergence", () => {
  const p = [0.5, 0.5];
  const q = [0.9, 0.1];

  it("plans kl with its operands in order and the default settings", () => {
    const plan = planDivergence(ANY_VIEW, "kl", [p, q]);
    expect(plan).toMatchObject({ divergence: "kl", first: p, second: q });
    expect(plan.settings).toEqual(defaultSettings(["p", "q"]));
  });

  it("plans forward as kl of target and approx", () => {
    const plan = planDivergence(ANY_VIEW, "forward", [p, q, { base: 2 }]);
    expect(plan).toMatchObject({ divergence: "kl", first: p, second: q });
    expect(plan.settings.names).toEqual(["target", "approx"]);
    expect(plan.settings.logBase).toBe(Math.LN2);
  });

  it("plans reverse as kl with the operands, names and spaces swapped", () => {
    for (const options of [undefined, { pSpace: "log", qSpace: "logits" } as const]) {
      const plan = planDivergence(ANY_VIEW, "reverse", options === undefined ? [p, q] : [p, q, options]);
      expect(plan.divergence).toBe("kl");
      expect(plan.first).toBe(q);
      expect(plan.second).toBe(p);
      expect(plan.settings.names).toEqual(["approx", "target"]);
      expect(plan.settings.spaces).toEqual(options === undefined ? ["prob", "prob"] : ["logits", "log"]);
    }
  });

  it("names the caller's arguments in shape errors of a swapped call", () => {
    expectKLError(() => planDivergence(ANY_VIEW, "reverse", [p, [0.2, 0.3, 0.5]]), "LENGTH_MISMATCH", "approx");
    expectKLError(() => planDivergence(ANY_VIEW, "reverse", [[], q]), "EMPTY", "target");
  });

  it("takes entropy's second parameter as its options", () => {
    const plan = planDivergence(ANY_VIEW, "entropy", [p, { base: 2, rows: 2 }]);
    expect(plan).toMatchObject({ divergence: "entropy", first: p, second: undefined });
    expect(plan.settings).toMatchObject({ logBase: Math.LN2, rows: 2 });
    expect(planDivergence(ANY_VIEW, "entropy", [p]).settings.rows).toBe(1);
    expectKLError(() => planDivergence(ANY_VIEW, "entropy", [p, "log"]), "BAD_OPTION", "options");
  });

  it("routes the scaled JSD at β = 0 to kl(p, q) and at β = 1 to kl(q, p), with no factor", () => {
    const atZero = planDivergence(ANY_VIEW, "jsd", [p, q, { beta: 0, scaled: true }]);
    expect(atZero).toMatchObject({ divergence: "kl", first: p, second: q });
    expect(atZero.settings.names).toEqual(["p", "q"]);
    expect(atZero.settings.factor).toBe(1);
    const atOne = planDivergence(ANY_VIEW, "jsd", [p, q, { beta: 1, scaled: true }]);
    expect(atOne).toMatchObject({ divergence: "kl", first: q, second: p });
    expect(atOne.settings.names).toEqual(["q", "p"]);
    expect(atOne.settings.factor).toBe(1);
  });

  it("keeps the JSD a JSD inside (0, 1) or unscaled, with factor 1/(β(1 − β)) when scaled", () => {
    expect(planDivergence(ANY_VIEW, "jsd", [p, q, { beta: 0.5, scaled: true }]).settings).toMatchObject({ factor: 4, beta: 0.5 });
    expect(planDivergence(ANY_VIEW, "jsd", [p, q, { beta: 0.5, scaled: true }]).divergence).toBe("jsd");
    const unscaled = planDivergence(ANY_VIEW, "jsd", [p, q, { beta: 0 }]);
    expect(unscaled).toMatchObject({ divergence: "jsd", first: p, second: q });
    expect(unscaled.settings).toMatchObject({ beta: 0, factor: 1 });
  });

  it("asks the view check about each argument by name", () => {
    const asked: string[] = [];
    planDivergence((_, argument) => void asked.push(argument), "reverse", [p, q]);
    expect(asked.sort()).toEqual(["approx", "target"]);
    const refuse: ViewCheck = (values, argument) => {
      if (values === q) throw new KLError("STALE_VIEW", argument, "freed");
    };
    expectKLError(() => planDivergence(refuse, "kl", [p, q]), "STALE_VIEW", "q");
  });
});

describe("planGradient", () => {
  const target = Float64Array.of(0.5, 0.5);
  const approx = Float64Array.of(0.9, 0.1);

  it("plans forwardGrad with the default settings and no out", () => {
    const plan = planGradient(ANY_VIEW, "forwardGrad", target, approx, undefined);
    expect(plan).toMatchObject({ kind: "forward", target, approx, out: undefined });
    expect(plan.settings).toEqual(defaultSettings(["target", "approx"]));
  });

  it("plans the scaled jsdGrad at β = 0 as forwardGrad and at β = 1 as reverseGrad", () => {
    expect(planGradient(ANY_VIEW, "jsdGrad", target, approx, { beta: 0, scaled: true }).kind).toBe("forward");
    expect(planGradient(ANY_VIEW, "jsdGrad", target, approx, { beta: 1, scaled: true }).kind).toBe("reverse");
    const forward = planGradient(ANY_VIEW, "jsdGrad", target, approx, { beta: 0, scaled: true });
    expect(forward.settings.factor).toBe(1);
  });

  it("keeps jsdGrad a JSD gradient inside (0, 1) or unscaled", () => {
    const scaled = planGradient(ANY_VIEW, "jsdGrad", target, approx, { beta: 0.25, scaled: true });
    expect(scaled.kind).toBe("jsd");
    expect(scaled.settings.factor).toBe(1 / (0.25 * 0.75));
    expect(planGradient(ANY_VIEW, "jsdGrad", target, approx, { beta: 1 }).kind).toBe("jsd");
  });

  it("takes an out of approx's element type and length", () => {
    const out = new Float64Array(2);
    expect(planGradient(ANY_VIEW, "forwardGrad", target, approx, { out }).out).toBe(out);
    const out32 = new Float32Array(2);
    expect(planGradient(ANY_VIEW, "reverseGrad", target, Float32Array.of(0.9, 0.1), { out: out32 }).out).toBe(out32);
    // An array of numbers is differentiated in f64.
    expect(planGradient(ANY_VIEW, "forwardGrad", target, [0.9, 0.1], { out }).out).toBe(out);
  });

  const BAD_OUT: [string, unknown, Float64Array | Float32Array][] = [
    ["a Float32Array for a Float64Array approx", new Float32Array(2), approx],
    ["a Float64Array for a Float32Array approx", new Float64Array(2), Float32Array.of(0.9, 0.1)],
    ["a shorter out", new Float64Array(1), approx],
    ["a longer out", new Float64Array(3), approx],
    ["an array of numbers", [0, 0], approx],
    ["a number", 2, approx],
  ];
  it.each(BAD_OUT)("refuses %s as options.out", (_, out, approxValues) => {
    expectKLError(() => planGradient(ANY_VIEW, "forwardGrad", target, approxValues, { out: out as never }), "BAD_OPTION", "options.out");
  });

  it("refuses normalize with a probability-space approx, and takes it with logits or log", () => {
    expectKLError(() => planGradient(ANY_VIEW, "forwardGrad", target, approx, { normalize: true }), "BAD_OPTION", "options.normalize");
    expectKLError(() => planGradient(ANY_VIEW, "jsdGrad", target, approx, { normalize: true, pSpace: "log" }), "BAD_OPTION", "options.normalize");
    expect(planGradient(ANY_VIEW, "forwardGrad", target, approx, { normalize: true, qSpace: "logits" }).settings.normalize).toBe(true);
    expect(planGradient(ANY_VIEW, "reverseGrad", target, approx, { normalize: true, space: "log" }).settings.normalize).toBe(true);
  });

  it("refuses options that are not an object, and bad arguments by their names", () => {
    expectKLError(() => planGradient(ANY_VIEW, "forwardGrad", target, approx, "mean"), "BAD_OPTION", "options");
    expectKLError(() => planGradient(ANY_VIEW, "forwardGrad", target, [0.5], undefined), "LENGTH_MISMATCH", "approx");
    expectKLError(() => planGradient(ANY_VIEW, "forwardGrad", "p", approx, undefined), "NOT_A_VECTOR", "target");
  });

  it("refuses null options as the divergences do", () => {
    expectKLError(() => planGradient(ANY_VIEW, "forwardGrad", target, approx, null), "BAD_OPTION", "options");
  });

  it("checks out as a view, after the arguments", () => {
    const out = new Float64Array(2);
    const refuse: ViewCheck = (values, argument) => {
      if (values === out) throw new KLError("STALE_VIEW", argument, "freed");
    };
    expectKLError(() => planGradient(refuse, "forwardGrad", target, approx, { out }), "STALE_VIEW", "options.out");
  });

  it("gives the gradient a new array of approx's element type, or out", () => {
    const f64 = gradientArray(planGradient(ANY_VIEW, "forwardGrad", target, [0.9, 0.1], undefined));
    expect(f64).toBeInstanceOf(Float64Array);
    expect(f64.length).toBe(2);
    const f32 = gradientArray(planGradient(ANY_VIEW, "forwardGrad", target, Float32Array.of(0.9, 0.1), undefined));
    expect(f32).toBeInstanceOf(Float32Array);
    const out = new Float64Array(2);
    expect(gradientArray(planGradient(ANY_VIEW, "forwardGrad", target, approx, { out }))).toBe(out);
  });

  it("reads 'mean' over the call's rows", () => {
    const plan = planGradient(ANY_VIEW, "forwardGrad", [0.5, 0.5, 0.5, 0.5], [0.9, 0.1, 0.2, 0.8], { rows: 2, reduction: "mean" });
    expect(plan.settings).toEqual(readSettings({ rows: 2, reduction: "mean" }, 4, ["target", "approx"], JSD_KEYS));
  });
});
