/** The largest of many values, without spreading them into a call's arguments. */

/**
 * The largest of `values` (−Infinity for none; NaN if any is NaN), by a loop: spreading a row
 * into Math.max's arguments overflows the call stack beyond ~60 000 elements.
 * @param values any array-like of numbers.
 * @returns their maximum.
 */
export function largest(values: ArrayLike<number>): number {
  let top = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (Number.isNaN(v)) return NaN;
    if (v > top) top = v;
  }
  return top;
}
