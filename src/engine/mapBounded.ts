/** Bounded concurrency for the effects that run several prompts at once (a batch, parallel branches, sub-chains). */

/**
 * Runs `fn` over `items`, at most `limit` at once. After the first failure no new item starts,
 * and the error is thrown only once every running item has settled, so that calls in flight are
 * recorded before the chain stops. Returns the results in the items' order.
 */
async function mapBounded<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
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

/**
 * mapBounded for prompts run side by side that each record into the chain: `fn` gets `before`, a
 * promise that settles once the call for the previous item has settled. A call that records its
 * result after awaiting it records in the items' order, whichever model answers first, so the
 * chain's memory (and every later request) is the same however the calls interleave.
 */
export function mapBoundedInOrder<T, R>(
  items: T[],
  limit: number,
  fn: (item: T, before: Promise<void>) => Promise<R>,
): Promise<R[]> {
  let previous: Promise<void> = Promise.resolve();
  return mapBounded(items, limit, (item) => {
    const call = fn(item, previous);
    previous = call.then(
      () => undefined,
      () => undefined,
    );
    return call;
  });
}
