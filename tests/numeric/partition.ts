/** [max, log Σ e^(v − max)] of a small, well-scaled row (plain sums suffice): the partition the near-row helpers take. */
export function partition(v: number[]): readonly [number, number] {
  const max = Math.max(...v);
  return [max, Math.log(v.reduce((s, x) => s + Math.exp(x - max), 0))] as const;
}
