import { describe, expect, it } from 'vitest';
import { replayGateUi } from '../../src/features/replay/replayGates.js';
import type { Question } from '../../src/chain/schema.js';
import { AwaitingInputError } from '../../src/errors.js';
import type { CassetteGate } from '../../src/llm/cassette.js';
import type { Ui } from '../../src/engine/ui.js';

const noop = () => undefined;
const base: Ui = {
  progress: { phase: noop, stepStart: noop, stepEnd: noop, call: noop, tool: noop, info: noop, warn: noop },
  interactive: false,
  askQuestions: () => Promise.reject(new Error('not asked')),
  askApproval: () => Promise.reject(new Error('not asked')),
  confirmChange: () => Promise.reject(new Error('not asked')),
};
const q = (id: string) => ({ id, question: `question ${id}?` }) as Question;

describe('replayGateUi', () => {
  const gates: CassetteGate[] = [
    { kind: 'gate', after: 3, by: 'recorded', gate: 'questions', answers: { q1: 'ten' } },
    { kind: 'gate', after: 3, by: 'recorded', gate: 'questions', answers: { q2: 'a 429' } },
    { kind: 'gate', after: 9, by: 'user', gate: 'solution', response: 'rejected', note: 'cheaper please' },
    { kind: 'gate', after: 12, by: 'user', gate: 'solution', response: 'approved', note: null },
    {
      kind: 'gate',
      after: 14,
      by: 'recorded',
      gate: 'file-change',
      path: 'src/a.js',
      approved: true,
      reason: null,
      all: true,
    },
  ];

  it('answers each gate as recorded, in order, joining answers given in parts', async () => {
    const ui = replayGateUi(base, gates);
    expect(ui.interactive).toBe(true);
    expect(ui.confirm).toBeUndefined();
    expect(await ui.askQuestions([q('q1'), q('q2')])).toEqual({ q1: 'ten', q2: 'a 429' });
    expect(await ui.askApproval('s', 0.9)).toEqual({ response: 'rejected', note: 'cheaper please' });
    expect(await ui.askApproval('s', 0.9)).toEqual({ response: 'approved' });
    expect(await ui.confirmChange({ path: 'src/a.js', diff: '', isNew: true })).toEqual({
      approved: true,
      all: true,
    });
  });

  it('stops the chain (exit 3) where the recording has no answer or another one', async () => {
    const ui = replayGateUi(base, gates);
    await expect(ui.askQuestions([q('q3')])).rejects.toThrow(/question q3 was not asked in the recording/);
    await expect(ui.confirmChange({ path: 'src/b.js', diff: '', isNew: true })).rejects.toThrow(
      /change to src\/b\.js where the recording decided one to src\/a\.js/,
    );
    const empty = replayGateUi(base, []);
    await expect(empty.askApproval('s', 0.5)).rejects.toBeInstanceOf(AwaitingInputError);
    await expect(empty.askApproval('s', 0.5)).rejects.toThrow(/no answer left for the solution approval/);
  });
});

describe('CassetteRecorder.gate', () => {
  it('appends the answer after the exchanges so far; readCassette leaves gates out, readGates lists them', async () => {
    const { mkdtempSync } = await import('node:fs');
    const os = await import('node:os');
    const path = await import('node:path');
    const { CassetteRecorder, readCassette, readGates } = await import('../../src/llm/cassette.js');
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'claude-exec-gates-')), 'c.cassette.jsonl.gz');
    const rec = new CassetteRecorder([]);
    rec.gate({ gate: 'solution', response: 'approved', note: null }, 'user');
    rec.open(file, {
      chain_id: '001',
      goal: 'g',
      created_at: 't',
      workspace: '/w',
      flags: [],
      commit: null,
      prefix: '',
    });
    rec.gate({ gate: 'questions', answers: { q1: 'a' } }, 'recorded');
    expect(readGates(file)).toEqual([
      { kind: 'gate', after: 0, by: 'recorded', gate: 'questions', answers: { q1: 'a' } },
    ]);
    expect(readCassette(file)).toHaveLength(1);
  });
});
