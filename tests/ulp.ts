/** Distances in units in the last place, for the accuracy tests. */

const f64Bits = new DataView(new ArrayBuffer(8));

function orderedBits(x: number): bigint {
  f64Bits.setFloat64(0, x);
  const bits = f64Bits.getBigInt64(0);
  // Map the sign-magnitude encoding onto a line where adjacent doubles differ by 1.
  return bits < 0n ? -(bits & 0x7fffffffffffffffn) : bits;
}

/** How many doubles lie between a and b (0: equal). Infinity if exactly one is NaN. */
export function ulpDistanceF64(a: number, b: number): number {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b) ? 0 : Infinity;
  const d = orderedBits(a) - orderedBits(b);
  return Number(d < 0n ? -d : d);
}

/** |got − exact| in f32 ulps of the exact value (exact given in f64). */
export function ulpErrorF32(got: number, exact: number): number {
  if (got === exact) return 0;
  if (!Number.isFinite(got) || !Number.isFinite(exact)) return Infinity;
  const magnitude = Math.max(Math.abs(exact), 2 ** -126);
  const ulp = 2 ** (Math.floor(Math.log2(magnitude)) - 23);
  return Math.abs(got - exact) / ulp;
}
