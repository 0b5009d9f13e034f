/** 2^-64: the factor on every term once a sum overflows part-way (see CompensatedSum.add). */
const DOWN = 2 ** -64;

/**
 * Neumaier's compensated sum: the error does not grow with the number of terms. A sum of
 * finite terms that overflows part-way goes on with every term times 2^-64 (exact: a power of
 * two), so that its value is what the exact sum rounds to — ±Infinity only beyond the largest
 * double — whatever the order of the terms.
 */
export class CompensatedSum {
  private sum = 0;
  private compensation = 0;
  private scale = 1;

  add(term: number): void {
    let value = term * this.scale;
    let t = this.sum + value;
    if (!Number.isFinite(t) && this.scale === 1 && Number.isFinite(this.sum) && Number.isFinite(value)) {
      this.scale = DOWN;
      this.sum *= DOWN;
      this.compensation *= DOWN;
      value *= DOWN;
      t = this.sum + value;
    }
    if (Math.abs(this.sum) >= Math.abs(value)) this.compensation += this.sum - t + value;
    else this.compensation += value - t + this.sum;
    this.sum = t;
  }

  get value(): number {
    // An infinite term leaves Infinity − Infinity = NaN in the compensation: the sum is exact then.
    return (Number.isFinite(this.sum) ? this.sum + this.compensation : this.sum) / this.scale;
  }
}

/** Σ values, compensated. */
export function compensatedSum(values: ArrayLike<number>): number {
  const total = new CompensatedSum();
  for (let i = 0; i < values.length; i++) total.add(values[i]!);
  return total.value;
}
