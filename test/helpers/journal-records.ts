/**
 * Call records and steps for the tests of the context file's journal and its saves: what a
 * discovery step of trace_existing_flow records, with a finished step's result.
 */
import type { CallRecord, Step } from '../../src/chain/schema.js';

/** Call `id` of step `step`: 10 input and 20 output tokens, `cacheRead` cache-read tokens, $0.001. */
export function testCall(id: number, step: number, cacheRead = 100): CallRecord {
  return {
    id,
    step,
    phase: 'context-building',
    prompt: 'trace_existing_flow',
    model: 'claude-sonnet-4-6',
    request_id: `req_${id}`,
    started_at: '2026-01-01T00:00:00.000Z',
    latency_ms: 5,
    usage: {
      input_tokens: 10,
      output_tokens: 20,
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: cacheRead,
    },
    cost_usd: 0.001,
    pricing_version: 'test',
  };
}

/** Step `n` in `status`; a finished one has a summary and one finding. */
export function testStep(n: number, status: Step['status']): Step {
  return {
    n,
    phase: 'context-building',
    prompt: 'trace_existing_flow',
    focus: null,
    status,
    started_at: 't',
    ended_at: status === 'running' ? null : 't',
    summary: status === 'running' ? null : `step ${n}`,
    confidence_before: 0,
    confidence_after: null,
    effect: n,
    result:
      status === 'running'
        ? undefined
        : { summary: `step ${n}`, findings: [`src/app.js:${n} finding of step ${n}`] },
    error: null,
    confidence_reported: null,
    confidence_gain: null,
  };
}
