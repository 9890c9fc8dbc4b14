/**
 * Text of `status ID --full`: the steps and the calls of a chain, from its `claude-exec/chain@1`
 * document (src/contract/chain.ts), so text and `--json` agree. Returns a string.
 */
import type { ChainOutput } from '../contract/chain.js';
import { usd } from './costTables.js';
import { renderTable } from './table.js';
import { grouped } from './number.js';

const int = grouped;
const secs = (ms: number | null) => (ms === null ? '…' : `${(ms / 1000).toFixed(1)} s`);
const pct = (n: number | null) => (n === null ? '-' : `${Math.round(n * 100)}%`);
const RIGHT = 'right' as const;

/** The steps table and the calls table (cost "demo" / "unpriced" where a call has no price). */
export function renderChainDetail(c: ChainOutput, color: boolean): string {
  const costOf = (cost: number | null) => (cost === null && c.billing === 'demo' ? 'demo' : usd(cost));
  const steps = c.steps.map((s) => [
    String(s.n),
    s.phase,
    s.prompt,
    s.status,
    secs(s.duration_ms),
    String(s.calls),
    int(s.tokens.total),
    costOf(s.cost_usd),
    `${pct(s.confidence_before)} → ${pct(s.confidence_after)}`,
    s.summary ?? s.error ?? '',
  ]);
  const calls = c.call_log.map((k) => [
    String(k.id),
    String(k.step),
    k.prompt,
    k.model,
    int(k.tokens.input),
    int(k.tokens.output),
    int(k.tokens.cache_write),
    int(k.tokens.cache_read),
    `${int(Math.round(k.latency_ms))} ms`,
    costOf(k.cost_usd),
    k.request_id ?? '-',
  ]);
  return [
    '',
    `Steps (${c.steps.length}):`,
    renderTable({
      head: ['#', 'phase', 'prompt', 'status', 'time', 'calls', 'tokens', 'cost', 'confidence', 'summary'],
      rows: steps,
      align: [RIGHT, 'left', 'left', 'left', RIGHT, RIGHT, RIGHT, RIGHT, RIGHT],
      flex: [9],
      below: 9,
      color,
    }),
    '',
    `Calls (${c.call_log.length}):`,
    renderTable({
      head: [
        '#',
        'step',
        'prompt',
        'model',
        'input',
        'output',
        'cache write',
        'cache read',
        'latency',
        'cost',
        'request id',
      ],
      rows: calls,
      align: [RIGHT, RIGHT, 'left', 'left', RIGHT, RIGHT, RIGHT, RIGHT, RIGHT, RIGHT],
      flex: [2],
      color,
    }),
  ].join('\n');
}
