/**
 * At 100 columns nothing passes the width (so the terminal never wraps a line mid-word itself):
 * the `prompts stats` table with its long headers, the `status --full` steps with their summaries
 * (moved under each row when the table would leave them too narrow), and `chains --tree` goals.
 */
import { describe, expect, it } from 'vitest';
import { renderTable } from '../../src/ui/table.js';
import { renderTree } from '../../src/cli/views/tree.js';
import type { ChainRowOutput } from '../../src/contract/chains.js';

const WIDTH = 100;
const widest = (text: string) => Math.max(...text.split('\n').map((l) => [...l].length));

describe('at 100 columns', () => {
  it('prompts stats: long headers wrap between their words, every line fits, the rule is under the whole header', () => {
    const head = [
      'prompt',
      'runs/chains',
      'failures',
      'median uncached (class)',
      'median cost',
      'confidence gain (dims)',
      'findings cited',
    ];
    const rows = [
      [
        'requirement_disambiguator',
        '1/1',
        '0',
        '1,213 (small)',
        'unpriced (+1 unpriced)',
        '+0.0 pts (requirements)',
        '0/2 (0%)',
      ],
    ];
    const text = renderTable({
      head,
      rows,
      align: ['left', 'right', 'right', 'right', 'right', 'right', 'right'],
      flex: [0],
      color: false,
      width: WIDTH,
    });
    expect(widest(text)).toBeLessThanOrEqual(WIDTH);
    const lines = text.split('\n');
    const rule = lines.findIndex((l) => l.startsWith('─'));
    // Every word of every header is above the rule, whole.
    const header = lines.slice(0, rule).join(' ').split(/\s+/);
    for (const word of head.join(' ').split(' ')) expect(header).toContain(word);
    expect(lines.slice(rule + 1).join('\n')).toContain('requirement_disambiguator');
    for (const word of ['uncached', 'confidence', 'findings', 'unpriced']) expect(text).toContain(word);
  });

  it('status --full steps: the summary goes under its row, whole, and times stay on one line', () => {
    const summary =
      'The task names the route but not the limit, the window or what a limited client receives.';
    const rows = [
      [
        '1',
        'requirements-clarification',
        'requirement_disambiguator',
        'complete',
        '0.5 s',
        '1',
        '9,117',
        'demo',
        '0% → 0%',
        summary,
      ],
    ];
    const text = renderTable({
      head: ['#', 'phase', 'prompt', 'status', 'time', 'calls', 'tokens', 'cost', 'confidence', 'summary'],
      rows,
      flex: [9],
      below: 9,
      color: false,
      width: WIDTH,
    });
    expect(widest(text)).toBeLessThanOrEqual(WIDTH);
    expect(text).toContain(`    ${summary}`);
    expect(text).toContain('0.5 s');
  });

  it('chains --tree: a long goal wraps between words under the chain, within the width', () => {
    const goal =
      'Add rate limiting to POST /notes so that one client cannot flood the API, with a configurable window and limit';
    const row = {
      chain_id: '001',
      status: 'complete',
      current_phase: 'deployment-readiness',
      confidence: 0.86,
      workflow: 'feature',
      goal,
      children: [],
      parent: null,
    } as unknown as ChainRowOutput;
    const text = renderTree([row], () => '$0.1234', WIDTH);
    expect(widest(text)).toBeLessThanOrEqual(WIDTH);
    expect(text.split('\n').slice(1).join(' ').replace(/\s+/g, ' ').trim()).toBe(goal);
  });
});
