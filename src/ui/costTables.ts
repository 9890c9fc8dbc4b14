/**
 * Text rendering of cost reports, chain costs and the price table (cli-table3). Returns strings;
 * the CLI prints them. Money in USD, tokens as whole numbers with thousands separators.
 */
import Table from 'cli-table3';
import type { PriceListing } from '../app/prices.js';
import type { BreakdownRow, ChainCostReport, CostReport, TokenTotals } from '../cost/report.js';

const int = (n: number) => Math.round(n).toLocaleString('en-US');
const pct = (n: number | null) => (n === null ? '-' : `${(n * 100).toFixed(1)}%`);
export const usd = (n: number | null, digits = n !== null && n < 1 ? 4 : 2) => (n === null ? 'unpriced' : `$${n.toFixed(digits)}`);
/** A cost as shown: `subscription` when no call was billed per token, else USD (noting subscription calls beside it). */
const money = (n: number | null, billing: string, digits?: number) =>
  billing === 'subscription' ? 'subscription' : usd(n, digits) + (billing === 'mixed' ? ' + subscription' : '');
const rate = (n: number) => `$${n}`;

function table(head: string[], rows: string[][], color: boolean, right: number[] = []): string {
  // Colour only on a terminal: piped tables stay plain text.
  const styled = color && Boolean(process.stdout.isTTY);
  const colAligns = head.map((_, i) => (right.includes(i) ? 'right' : 'left') as 'right' | 'left');
  const t = new Table({ head, colAligns, style: { head: styled ? ['cyan'] : [], border: styled ? ['grey'] : [] } });
  t.push(...rows);
  return t.toString();
}

const tokenCells = (t: TokenTotals) => [int(t.input), int(t.output), int(t.cache_write), int(t.cache_read), int(t.total)];
const TOKEN_HEAD = ['input', 'output', 'cache write', 'cache read', 'total tokens'];

function breakdownTable(label: string, rows: BreakdownRow[], color: boolean): string {
  const body = rows.map((r) => [r.key, String(r.calls), ...tokenCells(r.tokens), money(r.cost_usd, r.billing) + (r.unpriced_calls ? ` +${r.unpriced_calls} unpriced` : ''), pct(r.share)]);
  return table([label, 'calls', ...TOKEN_HEAD, 'cost', 'share'], body, color, [1, 2, 3, 4, 5, 6, 7, 8]);
}

function windowText(w: CostReport['window']): string {
  const day = (s: string | null) => s?.slice(0, 10);
  if (w.since && w.until) return `${day(w.since)} to ${new Date(Date.parse(w.until) - 1).toISOString().slice(0, 10)}`;
  if (w.since) return `since ${w.since.slice(0, 16).replace('T', ' ')} UTC`;
  return 'all time';
}

/** The seed's summary: totals, average, most expensive chains, breakdown, unpriced models, suggestions. */
export function renderCostReport(r: CostReport, color: boolean): string {
  const t = r.totals;
  const out = [
    `Chain cost summary (${windowText(r.window)}):`,
    `  Total chains: ${t.chains}`,
    `  Total cost: ${money(t.cost_usd, t.billing, 2)}${t.unpriced_calls ? ` (+${t.unpriced_calls} unpriced call(s))` : ''}${t.subscription_calls ? ` (${t.subscription_calls} call(s) on a Claude subscription, not billed per token)` : ''}`,
    `  Average per chain: ${t.billing === 'subscription' ? 'subscription' : usd(r.average_cost_per_chain_usd, 2)}`,
    `  Tokens: ${int(t.tokens.total)} (input ${int(t.tokens.input)}, output ${int(t.tokens.output)}, cache write ${int(t.tokens.cache_write)}, cache read ${int(t.tokens.cache_read)})`,
    `  Cache reads: ${pct(t.cache_read_share)} of prompt tokens`,
  ];
  if (t.chains === 0) return out.join('\n');
  const top = r.top_chains.map((c, i) => [String(i + 1), `chain-${c.chain_id}-${c.slug}`, c.status, ...tokenCells(c.tokens), money(c.cost_usd, c.billing, 2)]);
  out.push('', 'Most expensive chains:', table(['#', 'chain', 'status', ...TOKEN_HEAD, 'cost'], top, color, [0, 3, 4, 5, 6, 7, 8]));
  out.push('', `Cost by ${r.breakdown.by}:`, breakdownTable(r.breakdown.by, r.breakdown.rows, color));
  if (r.unpriced_models.length) {
    const rows = r.unpriced_models.map((m) => [m.model, String(m.calls), ...tokenCells(m.tokens)]);
    out.push('', 'Unpriced models (not in the cost):', table(['model', 'calls', ...TOKEN_HEAD], rows, color, [1, 2, 3, 4, 5, 6]));
  }
  out.push('', 'Optimisation suggestions:', ...(r.suggestions.length ? r.suggestions.map((s) => `  - ${s.message}`) : ['  - none: costs look in line']));
  return out.join('\n');
}

const duration = (ms: number | null) => {
  if (ms === null) return '-';
  const min = Math.floor(ms / 60_000);
  return min >= 60 ? `${Math.floor(min / 60)} h ${min % 60} min` : min >= 1 ? `${min} min ${Math.round((ms % 60_000) / 1000)} s` : `${(ms / 1000).toFixed(1)} s`;
};

/** One chain: totals by token kind, cost, duration, prompts, and breakdowns by prompt, phase and model. */
export function renderChainCost(c: ChainCostReport & { file?: string }, color: boolean): string {
  const k = c.tokens;
  return [
    `Chain ${c.chain_id} (${c.slug}), ${c.status}:`,
    `  Total tokens: ${int(k.total)}`,
    `    input ${int(k.input)}, output ${int(k.output)}, cache write ${int(k.cache_write)} (5m ${int(k.cache_write_5m)}, 1h ${int(k.cache_write_1h)}), cache read ${int(k.cache_read)}`,
    `  Estimated cost: ${money(c.cost_usd, c.billing)}${c.unpriced_calls ? ` (+${c.unpriced_calls} unpriced call(s))` : ''}${c.subscription_calls ? ` (${c.subscription_calls} call(s) on a Claude subscription, not billed per token)` : ''}`,
    `  Duration: ${duration(c.duration_ms)}`,
    `  Prompts executed: ${c.prompts_executed} (${c.calls} calls)`,
    `  Cost per prompt: ${c.billing === 'subscription' ? 'subscription' : usd(c.cost_per_prompt_usd, 3)}`,
    `  Cache reads: ${pct(c.cache_read_share)} of prompt tokens`,
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
export function renderPrices(p: PriceListing, color: boolean): string {
  const rows = p.models.map((m) => {
    const lc = m.long_context;
    const long = lc ? `> ${int(lc.threshold_input_tokens)}: ${rate(lc.input_mtok)} / ${rate(lc.output_mtok)} / ${rate(lc.cache_write_5m_mtok)} / ${rate(lc.cache_write_1h_mtok)} / ${rate(lc.cache_read_mtok)}` : '-';
    return [m.model + (m.source === 'config' ? ' (config)' : ''), rate(m.input_mtok), rate(m.output_mtok), rate(m.cache_write_5m_mtok), rate(m.cache_write_1h_mtok), rate(m.cache_read_mtok), long, m.aliases.join(', ')];
  });
  return [
    `Prices in USD per million tokens, from ${p.source} ${p.source_version}, generated ${p.generated_at} (pricing_version ${p.pricing_version}).`,
    table(['model', 'input', 'output', '5m write', '1h write', 'read', 'long context (in / out / 5m / 1h / read)', 'aliases'], rows, color, [1, 2, 3, 4, 5]),
    'Models not listed are unpriced (cost null); add them under "prices" in claude-exec.config.json.',
  ].join('\n');
}
