/**
 * The atanh polynomial of the vector log-ratio is tied to the script that fits it: the ATn
 * (f64) and ATFn (f32) constants in assembly/vecmath.ts must hold the bits that
 * scripts/fit_log_ratio.py wrote to scripts/fit_log_ratio.json, so that editing one without
 * rerunning the other fails here.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

interface Coefficient { name: string; power: number; bits: string; decimal: string }
interface Fit { degree: number; coefficients: Coefficient[] }

const fit = JSON.parse(readFileSync(new URL("../scripts/fit_log_ratio.json", import.meta.url), "utf8")) as { f64: Fit; f32: Fit };
const source = readFileSync(new URL("../assembly/vecmath.ts", import.meta.url), "utf8");

/** The AT and ATF constants of vecmath.ts: name => [declared type, reinterpreted type, bits as written]. */
const constants = new Map(
  [...source.matchAll(/^const (ATF?\d+): (f64|f32) = reinterpret<(f64|f32)>\((0x[0-9A-Fa-f]+)\);/gm)].map((m) => [m[1]!, [m[2]!, m[3]!, m[4]!]]),
);

function bitsOfDouble(x: number): bigint {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  return view.getBigUint64(0);
}

function bitsOfFloat(x: number): number {
  const view = new DataView(new ArrayBuffer(4));
  view.setFloat32(0, x);
  return view.getUint32(0);
}

describe("fitted log-ratio polynomial", () => {
  it.each(["f64", "f32"] as const)("vecmath.ts holds the %s coefficients of scripts/fit_log_ratio.json", (type) => {
    const { degree, coefficients } = fit[type];
    expect(coefficients.map((c) => c.power)).toEqual(Array.from({ length: degree + 1 }, (_, i) => i));
    for (const { name, bits } of coefficients) {
      const constant = constants.get(name);
      expect(constant, `${name} in assembly/vecmath.ts`).toBeDefined();
      const [declared, reinterpreted, written] = constant!;
      expect([declared, reinterpreted]).toEqual([type, type]);
      expect(BigInt(written), name).toBe(BigInt(bits));
    }
    // No coefficient in vecmath.ts that the fit does not have.
    const prefix = type === "f64" ? /^AT\d/ : /^ATF\d/;
    expect([...constants.keys()].filter((name) => prefix.test(name)).sort()).toEqual(coefficients.map((c) => c.name).sort());
  });

  it("each decimal in the JSON reads back to its bits", () => {
    for (const { name, bits, decimal } of fit.f64.coefficients) expect(bitsOfDouble(Number(decimal)), name).toBe(BigInt(bits));
    for (const { name, bits, decimal } of fit.f32.coefficients) expect(bitsOfFloat(Math.fround(Number(decimal))), name).toBe(Number(bits));
  });
});
