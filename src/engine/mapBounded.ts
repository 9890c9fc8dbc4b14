/** Bounded concurrency for the effects that run several prompts at once (a batch, parallel branches, sub-chains). */

/**
 * Runs `fn` over `items`, at most `limit` at once. After the first failure no new item starts,
 * and the error is thrown only once every running item has settled, so that calls in flight are
 * recorded before the chain stops. Returns the results in the items' order.
 */
export async function mapBounded<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  let failure: { error: unknown } | null = null;
  const worker = async () => {
    while (next < items.length && !failure) {
      const i = next++;
      try {
        out[i] = await fn(items[i]!);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failure) throw (failure as { error: unknown }).error;
  return out;
}
