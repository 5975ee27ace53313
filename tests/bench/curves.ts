// Synthetic training curves shared by the dashboard benchmarks (Node side and the in-page bundle of recharts-naive).

/** The values of a training-like curve of `n` points: decaying with seeded noise, so downsampling has spikes to keep. */
export function trainingCurve(key: string, run: number, n: number): Float64Array {
  const values = new Float64Array(n);
  let state = run * 7919 + key.length;
  const rate = 0.5 + (run % 10) / 10;
  for (let i = 0; i < n; i++) {
    state = (state * 1103515245 + 12345) & 0x7fffffff;
    const noise = state / 0x7fffffff - 0.5;
    const t = i / n;
    values[i] = key === 'lr' ? 0.1 * (1 - t) : key === 'accuracy' ? 1 - Math.exp(-rate * 5 * t) + noise * 0.05 : Math.exp(-rate * 4 * t) + noise * 0.1;
  }
  return values;
}
