/**
 * Prompts run side by side record their results in run order (src/engine/mapBounded.ts), so the
 * chain's memory, and every later request, does not depend on which model answers first.
 */
import { describe, expect, it } from 'vitest';
import { mapBoundedInOrder } from '../../src/engine/mapBounded.js';

/** A promise with its resolve, to finish calls in a chosen order. */
function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe('mapBoundedInOrder', () => {
  it('records in the items’ order when the calls finish in the reverse order', async () => {
    const answers = [deferred(), deferred(), deferred()];
    const recorded: string[] = [];
    const run = mapBoundedInOrder(['a', 'b', 'c'], 3, async (item, before) => {
      await answers[['a', 'b', 'c'].indexOf(item)]!.promise;
      await before;
      recorded.push(item);
      return item.toUpperCase();
    });
    // The models answer c, then b, then a.
    answers[2]!.resolve();
    answers[1]!.resolve();
    await new Promise((r) => setTimeout(r, 5));
    expect(recorded).toEqual([]);
    answers[0]!.resolve();
    expect(await run).toEqual(['A', 'B', 'C']);
    expect(recorded).toEqual(['a', 'b', 'c']);
  });

  it('a failed call does not hold the next one back, and the failure is thrown once all settle', async () => {
    const recorded: string[] = [];
    const run = mapBoundedInOrder(['a', 'b'], 2, async (item, before) => {
      if (item === 'a') throw new Error('a failed');
      await before;
      recorded.push(item);
      return item;
    });
    await expect(run).rejects.toThrow('a failed');
    expect(recorded).toEqual(['b']);
  });
});
