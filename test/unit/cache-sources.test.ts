import { describe, expect, it } from 'vitest';
import type { CallRecord } from '../../src/chain/schema.js';
import { callTable, uncachedSources } from '../bench/cache-sources.js';

const call = (
  id: number,
  step: number,
  model: string,
  input: number,
  write: number,
  read: number,
): CallRecord => ({
  id,
  step,
  phase: 'context-building',
  prompt: `p${step}`,
  model,
  request_id: null,
  started_at: '2026-01-01T00:00:00.000Z',
  latency_ms: 0,
  usage: {
    input_tokens: input,
    output_tokens: 10,
    cache_creation_input_tokens: write,
    cache_read_input_tokens: read,
  },
  cost_usd: 0,
  pricing_version: 'test',
});

describe('uncachedSources (the caching benchmark breakdown)', () => {
  it("puts each later call's input and cache write under another model's first call, a step's first call or a later turn", () => {
    const calls = [
      call(1, 1, 'sonnet', 0, 9000, 0), // the chain's first call: left out
      call(2, 1, 'sonnet', 0, 100, 9000), // later turn of step 1
      call(3, 2, 'sonnet', 950, 0, 8000), // step 2's first call
      call(4, 3, 'haiku', 0, 9050, 0), // first call on haiku (also step 3's first)
      call(5, 3, 'haiku', 0, 60, 9050), // later turn of step 3
      call(6, 4, 'haiku', 0, 900, 8000), // a new step on haiku, whose cache now exists
    ];
    expect(uncachedSources(calls)).toEqual({
      otherModel: 9050,
      stepFirst: 950 + 900,
      laterTurns: 100 + 60,
      total: 9100 + 8950 + 9050 + 9110 + 8900,
    });
  });

  it('prints one row per call with its read share', () => {
    const lines = callTable([call(1, 1, 'sonnet', 0, 9000, 0), call(2, 1, 'sonnet', 0, 100, 900)]).split(
      '\n',
    );
    expect(lines).toHaveLength(3);
    expect(lines[2]!.split('\t')).toEqual(['2', '1', 'p1', 'sonnet', '0', '100', '900', '90.0']);
  });
});
