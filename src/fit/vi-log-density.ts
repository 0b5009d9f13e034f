/**
 * The user's log-density and its gradient, called and checked: NaN, +Infinity and non-numbers
 * are KLErrors that say at which z; without a gradient, central differences.
 */
import { KLError } from "../core/errors.js";
import type { LogDensity, VIOptions } from "./vi-types.js";

/** Central differences' relative step: ε^(1/3) balances truncation error O(h²) against rounding O(ε/h). */
const DIFFERENCE_STEP = Math.cbrt(Number.EPSILON);

/** A point for messages: its first 6 coordinates to 6 significant digits. */
export function shownPoint(z: Float64Array): string {
  const head = Array.from(z.subarray(0, 6), (x) => String(Number(x.toPrecision(6))));
  return `[${head.join(", ")}${z.length > 6 ? ", …" : ""}]`;
}

/** Calls the log-density and checks its value: a number, not NaN, not +Infinity (−Infinity is p = 0). */
export function evaluate(logDensity: LogDensity, z: Float64Array): number {
  const value: unknown = logDensity(z);
  if (typeof value !== "number") throw new KLError("NOT_A_VECTOR", "logDensity", `returned ${value === null || value === undefined ? String(value) : `a value of type ${typeof value}`}, not a number, at z = ${shownPoint(z)}`);
  if (Number.isNaN(value)) throw new KLError("NAN", "logDensity", `returned NaN at z = ${shownPoint(z)}`);
  if (value === Infinity) throw new KLError("INFINITE", "logDensity", `returned +Infinity at z = ${shownPoint(z)}: an unnormalised log-density must be < Infinity`);
  return value;
}

/** ∇ log p̃(z) into `out`: the user's gradient, checked, or central differences. */
export function gradientAt(logDensity: LogDensity, given: VIOptions["gradLogDensity"], z: Float64Array, out: Float64Array, shifted: Float64Array): void {
  if (given) {
    out.fill(NaN);
    given(z, out);
    for (let i = 0; i < out.length; i++) {
      if (!Number.isFinite(out[i])) throw new KLError(Number.isNaN(out[i]) ? "NAN" : "INFINITE", "options.gradLogDensity", `element ${i} is ${out[i]} at z = ${shownPoint(z)} (unwritten elements stay NaN)`, i);
    }
    return;
  }
  shifted.set(z);
  for (let i = 0; i < z.length; i++) {
    const x = z[i]!;
    const h = DIFFERENCE_STEP * Math.max(1, Math.abs(x));
    shifted[i] = x + h;
    const up = evaluate(logDensity, shifted);
    shifted[i] = x - h;
    const down = evaluate(logDensity, shifted);
    shifted[i] = x;
    // The steps actually taken, after rounding x ± h.
    out[i] = (up - down) / ((x + h) - (x - h));
    if (!Number.isFinite(out[i])) throw new KLError("INFINITE", "logDensity", `has no finite central difference along coordinate ${i} at z = ${shownPoint(z)} (log p̃ is ${up} and ${down} on either side): give options.gradLogDensity or keep p̃ > 0 near Q`, i);
  }
}

