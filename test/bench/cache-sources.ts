/**
 * Where a chain's uncached input comes from (the caching benchmark's breakdown). Pure: call
 * records in, token counts out. Of calls 2..n, every prompt token that is not a cache read (input
 * plus cache write) is put in one of three groups, by the call it was sent on:
 *   - `otherModel`: the first call of the chain on a model other than the first call's (its cache
 *     holds nothing yet, so tools, system and the step's first message are all new to it);
 *   - `stepFirst`: the first call of any other step (the step's first user message: the prompt's
 *     instructions with the chain's memory, new on every step);
 *   - `laterTurns`: a step's later calls (the previous assistant turn and the tool results).
 * Tokens are as the fake server counted them (src/demo/cache.ts).
 */
import type { CallRecord } from '../../src/chain/schema.js';

export interface UncachedSources {
  otherModel: number;
  stepFirst: number;
  laterTurns: number;
  /** Every prompt token of calls 2..n (input + cache write + cache read). */
  total: number;
}

const written = (c: CallRecord) => c.usage.cache_creation_input_tokens ?? 0;
const read = (c: CallRecord) => c.usage.cache_read_input_tokens ?? 0;
/** Input plus cache write of one call: its prompt tokens that were not read from cache. */
const uncached = (c: CallRecord) => c.usage.input_tokens + written(c);

/** `calls` sorted by id; the first is left out (nothing can be cached before it). */
export function uncachedSources(calls: readonly CallRecord[]): UncachedSources {
  const out: UncachedSources = { otherModel: 0, stepFirst: 0, laterTurns: 0, total: 0 };
  const models = new Set<string>(calls.slice(0, 1).map((c) => c.model));
  const steps = new Set<number>(calls.slice(0, 1).map((c) => c.step));
  for (const c of calls.slice(1)) {
    out.total += uncached(c) + read(c);
    if (!models.has(c.model)) out.otherModel += uncached(c);
    else if (!steps.has(c.step)) out.stepFirst += uncached(c);
    else out.laterTurns += uncached(c);
    models.add(c.model);
    steps.add(c.step);
  }
  return out;
}

/** One line per call, tab-separated: id, step, prompt, model, input, cache write, cache read, read share. */
export function callTable(calls: readonly CallRecord[]): string {
  const head = ['call', 'step', 'prompt', 'model', 'input', 'write', 'read', 'read %'].join('\t');
  const rows = calls.map((c) => {
    const all = uncached(c) + read(c);
    return [
      c.id,
      c.step,
      c.prompt,
      c.model,
      c.usage.input_tokens,
      written(c),
      read(c),
      all ? ((read(c) / all) * 100).toFixed(1) : '-',
    ].join('\t');
  });
  return [head, ...rows].join('\n');
}
