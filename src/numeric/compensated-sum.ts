/** Neumaier's compensated sum: the error does not grow with the number of terms. */
export class CompensatedSum {
  private sum = 0;
  private compensation = 0;

  add(value: number): void {
    const t = this.sum + value;
    if (Math.abs(this.sum) >= Math.abs(value)) this.compensation += this.sum - t + value;
    else this.compensation += value - t + this.sum;
    this.sum = t;
  }

  get value(): number {
    // An infinite term leaves Infinity − Infinity = NaN in the compensation: the sum is exact then.
    return Number.isFinite(this.sum) ? this.sum + this.compensation : this.sum;
  }
}

/** Σ values, compensated. */
export function compensatedSum(values: ArrayLike<number>): number {
  const total = new CompensatedSum();
  for (let i = 0; i < values.length; i++) total.add(values[i]!);
  return total.value;
}
