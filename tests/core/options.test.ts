// The one reader of a call's options (src/core/options.ts): the Settings it fills in, what
// `swap`, `jsd` and `base` do to them, the KLError of each refused option, and the gradient's scale.
import { describe, expect, it } from "vitest";
import { KLError } from "../../src/core/errors.js";
import { defaultSettings, gradientScale, JSD_KEYS, readSettings, type Settings } from "../../src/core/options.js";
import { show, thrown } from "../errors-helpers.js";

const PQ = ["p", "q"] as const;
const TARGET_APPROX = ["target", "approx"] as const;

describe("readSettings", () => {
  it("fills every omitted option with its default", () => {
    expect(readSettings({}, 6, PQ, JSD_KEYS)).toEqual({
      names: ["p", "q"], spaces: ["prob", "prob"], rows: 1, meanRows: 1, reduction: "sum", normalize: false,
      logBase: 1, validate: true, precision: "accurate", beta: 0.5, jsdWeight: 1, alpha: 1, rowMap: "none", factor: 1, rowScale: 1,
    });
  });

  it("equals defaultSettings when no option is given", () => {
    expect(readSettings({}, 4, PQ, JSD_KEYS)).toEqual(defaultSettings(PQ));
    expect(readSettings({}, 4, TARGET_APPROX, JSD_KEYS)).toEqual(defaultSettings(TARGET_APPROX));
  });

  it("keeps the options it is given", () => {
    const settings = readSettings(
      { rows: 3, reduction: "mean", normalize: true, validate: false, precision: "fast", beta: 0.25, space: "log" }, 12, PQ, JSD_KEYS,
    );
    expect(settings).toMatchObject({
      rows: 3, meanRows: 3, reduction: "mean", normalize: true, validate: false, precision: "fast", beta: 0.25, spaces: ["log", "log"],
    });
  });

  it("lets pSpace and qSpace override space, each for its own argument", () => {
    expect(readSettings({ space: "log", qSpace: "logits" }, 2, PQ, JSD_KEYS).spaces).toEqual(["log", "logits"]);
    expect(readSettings({ space: "logits", pSpace: "prob" }, 2, PQ, JSD_KEYS).spaces).toEqual(["prob", "logits"]);
    expect(readSettings({ pSpace: "log" }, 2, PQ, JSD_KEYS).spaces).toEqual(["log", "prob"]);
  });

  it("with swap, gives the names and spaces in the order the engine reads them (second argument first)", () => {
    const settings = readSettings({ pSpace: "log", qSpace: "logits" }, 2, TARGET_APPROX, JSD_KEYS, true);
    expect(settings.names).toEqual(["approx", "target"]);
    expect(settings.spaces).toEqual(["logits", "log"]);
    // Nothing else depends on the order.
    const unswapped = readSettings({ pSpace: "log", qSpace: "logits" }, 2, TARGET_APPROX, JSD_KEYS);
    expect({ ...settings, names: unswapped.names, spaces: unswapped.spaces }).toEqual(unswapped);
  });

  it("takes ln(base) as logBase, and 1 for base e or none", () => {
    expect(readSettings({ base: 2 }, 2, PQ, JSD_KEYS).logBase).toBe(Math.LN2);
    expect(readSettings({ base: 10 }, 2, PQ, JSD_KEYS).logBase).toBe(Math.LN10);
    expect(readSettings({ base: 0.5 }, 2, PQ, JSD_KEYS).logBase).toBe(-Math.LN2);
    expect(readSettings({ base: Math.E }, 2, PQ, JSD_KEYS).logBase).toBe(1);
    expect(readSettings({}, 2, PQ, JSD_KEYS).logBase).toBe(1);
  });

  describe("the JSD's factor", () => {
    it.each([0.5, 0.25, 0.1, 0.9, 1e-6])("is 1/(β(1 − β)) for a scaled JSD at β = %s", (beta) => {
      expect(readSettings({ beta, scaled: true }, 2, PQ, JSD_KEYS, false, true).factor).toBe(1 / (beta * (1 - beta)));
    });

    it("is 4 for the scaled symmetric JSD (β = ½ by default)", () => {
      expect(readSettings({ scaled: true }, 2, PQ, JSD_KEYS, false, true).factor).toBe(4);
    });

    it("is 1 at β = 0 and β = 1, where 1/(β(1 − β)) has no value", () => {
      expect(readSettings({ beta: 0, scaled: true }, 2, PQ, JSD_KEYS, false, true).factor).toBe(1);
      expect(readSettings({ beta: 1, scaled: true }, 2, PQ, JSD_KEYS, false, true).factor).toBe(1);
    });

    it("is 1 unless scaled", () => {
      expect(readSettings({ beta: 0.25 }, 2, PQ, JSD_KEYS, false, true).factor).toBe(1);
      expect(readSettings({ beta: 0.25, scaled: false }, 2, PQ, JSD_KEYS, false, true).factor).toBe(1);
    });

    it("is 1 for a call that is not a JSD, scaled or not", () => {
      expect(readSettings({ beta: 0.25, scaled: true } as never, 2, PQ, JSD_KEYS, false, false).factor).toBe(1);
    });
  });

  describe("refuses each bad option with a KLError naming it", () => {
    const cases: [string, unknown, number, string, string][] = [
      ["options null", null, 4, "BAD_OPTION", "options"],
      ["options a number", 3, 4, "BAD_OPTION", "options"],
      ["rows 0", { rows: 0 }, 4, "BAD_ROWS", "options.rows"],
      ["rows 1.5", { rows: 1.5 }, 4, "BAD_ROWS", "options.rows"],
      ["rows '2'", { rows: "2" }, 4, "BAD_ROWS", "options.rows"],
      ["rows not dividing the length", { rows: 3 }, 4, "BAD_ROWS", "options.rows"],
      ["base 1", { base: 1 }, 4, "BAD_OPTION", "options.base"],
      ["base 0", { base: 0 }, 4, "BAD_OPTION", "options.base"],
      ["base −2", { base: -2 }, 4, "BAD_OPTION", "options.base"],
      ["base Infinity", { base: Infinity }, 4, "BAD_OPTION", "options.base"],
      ["base NaN", { base: NaN }, 4, "BAD_OPTION", "options.base"],
      ["base '2'", { base: "2" }, 4, "BAD_OPTION", "options.base"],
      ["space 'probability'", { space: "probability" }, 4, "BAD_OPTION", "options.space"],
      ["pSpace 'logit'", { pSpace: "logit" }, 4, "BAD_OPTION", "options.pSpace"],
      ["qSpace 1", { qSpace: 1 }, 4, "BAD_OPTION", "options.qSpace"],
      ["reduction 'avg'", { reduction: "avg" }, 4, "BAD_OPTION", "options.reduction"],
      ["normalize 1", { normalize: 1 }, 4, "BAD_OPTION", "options.normalize"],
      ["validate 'no'", { validate: "no" }, 4, "BAD_OPTION", "options.validate"],
      ["precision 'exact'", { precision: "exact" }, 4, "BAD_OPTION", "options.precision"],
      ["beta −0.1", { beta: -0.1 }, 4, "BAD_OPTION", "options.beta"],
      ["beta 1.5", { beta: 1.5 }, 4, "BAD_OPTION", "options.beta"],
      ["beta NaN", { beta: NaN }, 4, "BAD_OPTION", "options.beta"],
      ["beta '0.5'", { beta: "0.5" }, 4, "BAD_OPTION", "options.beta"],
    ];
    it.each(cases)("%s", (_, options, length, code, argument) => {
      const error = thrown(() => readSettings(options as never, length, PQ, JSD_KEYS, false, true));
      expect(error, show(error)).toBeInstanceOf(KLError);
      expect((error as KLError).code).toBe(code);
      expect((error as KLError).argument).toBe(argument);
    });

    it("scaled 'yes' in a JSD", () => {
      const error = thrown(() => readSettings({ scaled: "yes" as never }, 4, PQ, JSD_KEYS, false, true));
      expect(error, show(error)).toBeInstanceOf(KLError);
      expect(error).toMatchObject({ code: "BAD_OPTION", argument: "options.scaled" });
    });
  });
});

describe("defaultSettings", () => {
  it("is frozen, so a call cannot change the next call's defaults", () => {
    const settings = defaultSettings(PQ);
    expect(Object.isFrozen(settings)).toBe(true);
    expect(() => {
      (settings as { rows: number }).rows = 2;
    }).toThrow(TypeError);
  });

  it("holds the given names and spaces", () => {
    const settings = defaultSettings(["approx", "target"], ["log", "logits"]);
    expect(settings.names).toEqual(["approx", "target"]);
    expect(settings.spaces).toEqual(["log", "logits"]);
    expect(settings).toMatchObject({ rows: 1, meanRows: 1, reduction: "sum", logBase: 1, factor: 1, beta: 0.5 });
  });
});

describe("gradientScale", () => {
  const base: Settings = defaultSettings(TARGET_APPROX);

  it("is 1 by default", () => {
    expect(gradientScale(base)).toBe(1);
  });

  it("divides by ln(base)", () => {
    expect(gradientScale(readSettings({ base: 2 }, 4, TARGET_APPROX, JSD_KEYS))).toBe(1 / Math.LN2);
  });

  it("divides by the call's rows for 'mean' only", () => {
    expect(gradientScale(readSettings({ rows: 4, reduction: "mean" }, 8, TARGET_APPROX, JSD_KEYS))).toBe(0.25);
    expect(gradientScale(readSettings({ rows: 4, reduction: "sum" }, 8, TARGET_APPROX, JSD_KEYS))).toBe(1);
    expect(gradientScale(readSettings({ rows: 4, reduction: "none" }, 8, TARGET_APPROX, JSD_KEYS))).toBe(1);
  });

  it("divides by meanRows, not rows: a pool worker's share of a 'mean' call scales by the whole call", () => {
    const whole = readSettings({ rows: 8, reduction: "mean" }, 16, TARGET_APPROX, JSD_KEYS);
    const share: Settings = { ...whole, rows: 2 };
    expect(gradientScale(share)).toBe(1 / 8);
  });

  it("multiplies by the scaled JSD's factor", () => {
    // β = ¼: 1/(¼·¾) = 16/3.
    const settings = readSettings({ beta: 0.25, scaled: true, base: 2, rows: 2, reduction: "mean" }, 4, TARGET_APPROX, JSD_KEYS, false, true);
    expect(gradientScale(settings)).toBeCloseTo(16 / 3 / Math.LN2 / 2, 15);
  });
});

describe("messages", () => {
  it("show the value given: NaN as NaN, strings quoted, never JSON's null", () => {
    for (const [options, text] of [
      [{ beta: NaN }, "got NaN"], [{ normalize: NaN }, "got NaN"], [{ precision: NaN }, "got NaN"],
      [{ reduction: "avg" }, 'got "avg"'], [{ validate: null }, "got null"],
    ] as const) {
      const error = thrown(() => readSettings(options, 4, TARGET_APPROX, JSD_KEYS, false, true));
      expect(error, show(error)).toBeInstanceOf(KLError);
      expect((error as KLError).message).toContain(text);
    }
  });
});

describe("the scaled JSD's β", () => {
  it("is refused below the least normal double, where β(1 − β)·J keeps no digit; 0 and 2^-1022 are taken", () => {
    for (const beta of [5e-324, 1e-310, 2 ** -1023]) {
      const error = thrown(() => readSettings({ beta, scaled: true }, 4, TARGET_APPROX, JSD_KEYS, false, true)) as KLError;
      expect([error.code, error.argument]).toEqual(["BAD_OPTION", "options.beta"]);
    }
    // Below 2^-64 the weights take a power of two near 1/β, which the factor divides out.
    expect(readSettings({ beta: 2 ** -1022, scaled: true }, 4, TARGET_APPROX, JSD_KEYS, false, true)).toMatchObject({ jsdWeight: 2 ** 1022, factor: 1 / (1 - 2 ** -1022) });
    expect(readSettings({ beta: 3 * 2 ** -70, scaled: true }, 4, TARGET_APPROX, JSD_KEYS, false, true)).toMatchObject({ jsdWeight: 2 ** 69, factor: 1 / (1.5 * (1 - 3 * 2 ** -70)) });
    expect(readSettings({ beta: 0.25, scaled: true }, 4, TARGET_APPROX, JSD_KEYS, false, true)).toMatchObject({ jsdWeight: 1, factor: 1 / (0.25 * 0.75) });
    expect(readSettings({ beta: 0, scaled: true }, 4, TARGET_APPROX, JSD_KEYS, false, true).factor).toBe(1);
    expect(readSettings({ beta: 5e-324 }, 4, TARGET_APPROX, JSD_KEYS, false, true).beta).toBe(5e-324);
  });
});
