/**
 * Text rendering of cost reports, chain costs and the price table, from the documents of the
 * JSON contract (src/contract/), so text and `--json` always agree. Returns strings; the CLI
 * prints them. Money in USD ("unpriced" where nothing is priced), tokens with thousands separators.
 */
import type { ChainCostOutput } from '../contract/chain-cost.js';
import type { CostReportOutput } from '../contract/cost-report.js';
import type { PricesOutput } from '../contract/prices.js';
import { DEMO_MODEL } from '../chain/billing.js';
import { renderTable } from './table.js';
import { grouped } from './number.js';

type Row = CostReportOutput['breakdown']['rows'][number];
type Tokens = Row['tokens'];

const int = (n: number) => grouped(Math.round(n));
const pct = (n: number | null) => (n === null ? '-' : `${(n * 100).toFixed(1)}%`);
export const usd = (n: number | null, digits = n !== null && n < 1 ? 4 : 2) =>
  n === null ? 'unpriced' : `$${n.toFixed(digits)}`;
const rate = (n: number) => `$${n}`;
/** A cost cell: `subscription` when every call ran on a Claude subscription (not billed per token). */
const cost = (r: { cost_usd: number | null; calls: number; subscription_calls: number }, digits?: number) =>
  r.cost_usd === null && r.calls > 0 && r.subscription_calls === r.calls
    ? 'subscription'
    : usd(r.cost_usd, digits) +
      (r.subscription_calls > 0 && r.subscription_calls < r.calls ? ' + subscription' : '');

const tokenCells = (t: Tokens) => [
  int(t.input),
  int(t.output),
  int(t.cache_write),
  int(t.cache_read),
  int(t.total),
];
const TOKEN_HEAD = ['input', 'output', 'cache write', 'cache read', 'total'];
const RIGHT = 'right' as const;

function breakdownTable(label: string, rows: Row[], color: boolean): string {
  const body = rows.map((r) => [
    r.key,
    String(r.calls),
    ...tokenCells(r.tokens),
    cost(r) + (r.unpriced_calls && r.cost_usd !== null ? ` +${r.unpriced_calls} unpriced` : ''),
    pct(r.share),
  ]);
  return renderTable({
    head: [label, 'calls', ...TOKEN_HEAD, 'cost', 'share'],
    rows: body,
    align: ['left', ...Array(8).fill(RIGHT)],
    flex: [0],
    color,
  });
}

const day = (iso: string) => iso.slice(0, 10);

function windowText(w: CostReportOutput['window']): string {
  if (w.since && w.until)
    return `between ${day(w.since)} and ${new Date(Date.parse(w.until) - 1).toISOString().slice(0, 10)}`;
  if (w.since) return `between ${w.since.slice(0, 16).replace('T', ' ')} UTC and now`;
  return 'in any window';
}

const more = (omitted: number, what: string) =>
  omitted > 0 ? [`  … and ${omitted} more ${what} (--top N shows more)`] : [];

/** The seed's summary: totals, average, most expensive chains, breakdown, unpriced models, suggestions. */
export function renderCostReport(r: CostReportOutput, color: boolean): string {
  const t = r.totals;
  if (t.chains === 0)
    return `No chains ${windowText(r.window)} (--days N or --since YYYY-MM-DD widens the window).`;
  const demoOnly =
    t.cost_usd === null &&
    r.unpriced_models.length > 0 &&
    r.unpriced_models.every((m) => m.model === DEMO_MODEL);
  const out = [
    `Chain cost summary (${windowText(r.window).replace(/^between (.*) and /, '$1 to ')}):`,
    `  Total chains: ${t.chains}`,
    `  Total cost: ${demoOnly ? 'demo (scripted model, no charge)' : cost(t, 2)}` +
      (t.unpriced_calls && t.cost_usd !== null ? ` (+${t.unpriced_calls} unpriced call(s))` : '') +
      (t.subscription_calls
        ? ` (${t.subscription_calls} call(s) on a Claude subscription, not billed per token)`
        : ''),
    `  Average per chain: ${t.cost_usd === null && t.subscription_calls === t.calls ? 'subscription' : usd(r.average_cost_per_chain_usd, 2)}`,
    `  Tokens: ${int(t.tokens.total)} (input ${int(t.tokens.input)}, output ${int(t.tokens.output)}, cache write ${int(t.tokens.cache_write)}, cache read ${int(t.tokens.cache_read)})`,
    `  Cache reads: ${pct(t.cache_read_share)} of prompt tokens`,
  ];
  const top = r.top_chains.map((c, i) => [
    String(i + 1),
    `chain-${c.chain_id}-${c.slug}`,
    c.status,
    ...tokenCells(c.tokens),
    cost(c, 2),
  ]);
  out.push(
    '',
    'Most expensive chains:',
    renderTable({
      head: ['#', 'chain', 'status', ...TOKEN_HEAD, 'cost'],
      rows: top,
      align: [RIGHT, 'left', 'left', ...Array(6).fill(RIGHT)],
      flex: [1],
      color,
    }),
  );
  out.push(...more(t.chains - r.top_chains.length, 'chains'));
  out.push(
    '',
    `Cost by ${r.breakdown.by}:`,
    breakdownTable(r.breakdown.by, r.breakdown.rows, color),
    ...more(r.breakdown.omitted, `${r.breakdown.by}s`),
  );
  if (r.unpriced_models.length) {
    const rows = r.unpriced_models.map((m) => [m.model, String(m.calls), ...tokenCells(m.tokens)]);
    out.push(
      '',
      'Unpriced models (not in the cost):',
      renderTable({
        head: ['model', 'calls', ...TOKEN_HEAD],
        rows,
        align: ['left', ...Array(6).fill(RIGHT)],
        color,
      }),
    );
  }
  const suggestions = r.suggestions.slice(0, Math.max(1, r.top));
  out.push(
    '',
    'Optimisation suggestions:',
    ...(suggestions.length ? suggestions.map((s) => `  - ${s.message}`) : ['  - none: costs look in line']),
  );
  return out.join('\n');
}

const duration = (ms: number | null) => {
  if (ms === null) return '-';
  const min = Math.floor(ms / 60_000);
  return min >= 60
    ? `${Math.floor(min / 60)} h ${min % 60} min`
    : min >= 1
      ? `${min} min ${Math.round((ms % 60_000) / 1000)} s`
      : `${(ms / 1000).toFixed(1)} s`;
};

const billingText = (c: ChainCostOutput) =>
  c.billing === 'demo'
    ? 'demo (scripted model, no charge)'
    : c.billing === 'subscription'
      ? `subscription (${c.subscription_calls} call(s) on a Claude subscription, not billed per token)`
      : cost(c) +
        (c.subscription_calls
          ? ` (${c.subscription_calls} call(s) on a Claude subscription, not billed per token)`
          : '');

/** One chain: totals by token kind, cost, duration, prompts, and breakdowns by prompt, phase and model. */
/** The forecast beside the actual figures: `Forecast (similar-chains): cost $0.40 (80%: …) — actual $0.45, inside`. */
function forecastLines(c: ChainCostOutput): string[] {
  const f = c.forecast;
  if (!f) return [];
  const where = (r: { low: number; high: number }, v: number | null) =>
    v === null
      ? ''
      : v < r.low
        ? ', below the interval'
        : v > r.high
          ? ', above the interval'
          : ', inside the interval';
  const money = (n: number) => `$${n.toFixed(4)}`;
  const min = (ms: number) =>
    ms >= 60_000 ? `${(ms / 60_000).toFixed(1)} min` : `${(ms / 1000).toFixed(1)} s`;
  const line = (
    label: string,
    r: { median: number; low: number; high: number } | null,
    actual: number | null,
    fmt: (n: number) => string,
  ) =>
    r
      ? `    ${label}: forecast ${fmt(r.median)} (80%: ${fmt(r.low)}–${fmt(r.high)}), actual ${actual === null ? 'unknown' : fmt(actual)}${where(r, actual)}`
      : `    ${label}: no forecast`;
  return [
    `  Forecast (${f.basis}; rests on ${f.rests_on}):`,
    line('cost', f.cost_usd, c.cost_usd, money),
    line('calls', f.calls, c.calls, (n) => String(Math.round(n))),
    line('model time', f.duration_ms, c.model_time_ms, min),
  ];
}

export function renderChainCost(c: ChainCostOutput, color: boolean): string {
  const k = c.tokens;
  return [
    `Chain ${c.chain_id} (${c.slug}), ${c.status}:`,
    `  Total tokens: ${int(k.total)}`,
    `    input ${int(k.input)}, output ${int(k.output)}, ` +
      `cache write ${int(k.cache_write)} (5m ${int(c.cache_write_by_ttl['5m'])}, 1h ${int(c.cache_write_by_ttl['1h'])}), ` +
      `cache read ${int(k.cache_read)}`,
    `  Estimated cost: ${billingText(c)}${c.unpriced_calls && c.cost_usd !== null ? ` (+${c.unpriced_calls} unpriced call(s))` : ''}`,
    `  Duration: ${duration(c.duration_ms)}`,
    `  Prompts executed: ${c.prompts_executed} (${c.calls} calls)`,
    `  Cost per prompt: ${c.billing === 'subscription' ? 'subscription' : usd(c.cost_per_prompt_usd, 3)}`,
    `  Cache reads: ${pct(c.cache_read_share)} of prompt tokens`,
    ...forecastLines(c),
    '',
    'By prompt:',
    breakdownTable('prompt', c.by_prompt, color),
    '',
    'By phase:',
    breakdownTable('phase', c.by_phase, color),
    '',
    'By model:',
    breakdownTable('model', c.by_model, color),
  ].join('\n');
}

/** The price table in use: its source and date, then one row per model (USD per million tokens). */
export function renderPrices(p: PricesOutput, color: boolean): string {
  const rows = p.models.map((m) => {
    const lc = m.long_context;
    const long = lc
      ? `> ${int(lc.threshold_input_tokens)} tokens: ${rate(lc.input_mtok)} / ${rate(lc.output_mtok)}`
      : '-';
    return [
      m.model + (m.source === 'config' ? ' (config)' : ''),
      rate(m.input_mtok),
      rate(m.output_mtok),
      rate(m.cache_write_5m_mtok),
      rate(m.cache_write_1h_mtok),
      rate(m.cache_read_mtok),
      long,
      m.aliases.join(', '),
    ];
  });
  return [
    `Prices in USD per million tokens, from ${p.source} ${p.source_version}, generated ${p.generated_at} (pricing_version ${p.pricing_version}).`,
    renderTable({
      head: [
        'model',
        'input',
        'output',
        '5m write',
        '1h write',
        'read',
        'long context (in / out)',
        'aliases',
      ],
      rows,
      align: ['left', RIGHT, RIGHT, RIGHT, RIGHT, RIGHT],
      flex: [7, 6, 0],
      color,
    }),
    'Models not listed are unpriced (cost null); add them under "prices" in claude-exec.config.json.',
  ].join('\n');
}
