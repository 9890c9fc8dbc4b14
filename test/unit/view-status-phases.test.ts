/**
 * A failed phase is a failure in `status` (✗, never ✓) and on the web's timeline (red, not its
 * phase colour): the status document marks it `failed` and not `done`.
 */
import { describe, expect, it } from 'vitest';
import { StatusOutputSchema } from '../../src/contract/status.js';
import { statusJson } from '../../src/contract/views/status.js';
import { emptyChain } from '../helpers/memory.js';
import type { ChainContext } from '../../src/chain/schema.js';

function record(
  phase: ChainContext['phase_history'][number]['phase'],
  exit: string | null,
): ChainContext['phase_history'][number] {
  return {
    phase,
    started_at: '2026-01-01T00:00:00.000Z',
    ended_at: exit ? '2026-01-01T00:01:00.000Z' : null,
    duration_ms: exit ? 60_000 : null,
    iterations: 1,
    prompts_executed: [],
    clarifications: [],
    exit_reason: exit,
  };
}

describe('phases in the status document', () => {
  it('marks a phase closed by a failure as failed, not done', () => {
    const ctx = emptyChain();
    ctx.status = 'failed';
    ctx.phase_history = [
      record('requirements-clarification', 'confidence 0.9'),
      record('context-building', 'failed: invalid input for record_findings after 2 correction(s)'),
    ];
    const doc = statusJson(ctx, '/c/chain-001.json');
    expect(doc.phases.map((p) => [p.phase, p.done, p.failed])).toEqual([
      ['requirements-clarification', true, false],
      ['context-building', false, true],
    ]);
    expect(StatusOutputSchema.safeParse(doc).success).toBe(true);
  });

  it('marks the open phase of a budget-stopped chain failed, and of a running chain neither', () => {
    const ctx = emptyChain();
    ctx.phase_history = [record('requirements-clarification', null)];
    ctx.status = 'budget-exceeded';
    expect(statusJson(ctx, 'f').phases[0]).toMatchObject({ done: false, failed: true });
    ctx.status = 'running';
    expect(statusJson(ctx, 'f').phases[0]).toMatchObject({ done: false, failed: false });
  });
});
