/**
 * Runs `work(0 … total-1)` with at most `limit` at a time: `limit` workers pull the next index, so only `limit`
 * promises exist however large `total` is. `work` must not throw (a cell records its own failure); if it does,
 * the other workers finish their current item, stop, and the first error is thrown.
 */
export async function runPool(total: number, limit: number, work: (index: number) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | null = null;
  const worker = async () => {
    while (failure === null) {
      const index = next++;
      if (index >= total) return;
      try {
        await work(index);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, total)) }, worker));
  if (failure !== null) throw (failure as { error: unknown }).error;
}
