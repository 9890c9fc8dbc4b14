// @ts-check
/**
 * The costs page: `claude-exec/cost-report@1` (GET /api/cost-report, as `cost-report --json`)
 * for the window in the URL (`?days=7`, `?since=…&until=…`, `&top=5`, the same options as
 * `cost-report`), four times: by day (every day of the window, for the charts), by prompt, by
 * phase and by model; live. Cost per day in bars (tokens when nothing is priced), the cache-read
 * share per day, the three breakdowns, the most expensive chains and the report's suggestions.
 */
import { bars, dropCharts, shareLine } from './charts.js';
import { badge, el, errorBox, follow, int, pct, render, section, table, usd, when } from './common.js';

/** @typedef {import('../../contract/cost-report.js').CostReportOutput} Report */

/** The day chart lists every day of the window, so its document is asked with a large top. */
const ALL_DAYS = 1000;
const q = new URLSearchParams(location.search);
const window_ = {
  days: q.get('days') ?? (q.get('since') ? '' : '7'),
  since: q.get('since') ?? '',
  until: q.get('until') ?? '',
  top: q.get('top') ?? '5',
};
const query = (/** @type {string} */ by, /** @type {string} */ top) => {
  const p = new URLSearchParams({ by, top });
  for (const k of /** @type {const} */ (['days', 'since', 'until'])) if (window_[k]) p.set(k, window_[k]);
  return `/api/cost-report?${p}`;
};
const PATHS = {
  day: query('day', String(ALL_DAYS)),
  prompt: query('prompt', window_.top),
  phase: query('phase', window_.top),
  model: query('model', window_.top),
};
/** @type {{ day: Report | null, prompt: Report | null, phase: Report | null, model: Report | null }} */
const docs = { day: null, prompt: null, phase: null, model: null };
/** @type {any} */
let failure = null;

function form() {
  const input = (
    /** @type {keyof typeof window_} */ k,
    /** @type {string} */ type,
    /** @type {string} */ label,
  ) => el('label', {}, `${label} `, el('input', { name: k, type, value: window_[k], size: 10 }));
  return el(
    'form',
    { class: 'filters', method: 'get', action: '/costs', 'data-testid': 'window' },
    input('days', 'number', 'last days'),
    input('since', 'date', 'or since'),
    input('until', 'date', 'until'),
    input('top', 'number', 'top'),
    el('button', { type: 'submit' }, 'Show'),
  );
}

/** As `cost-report` says it: "demo" when the only unpriced calls are the demo's scripted model. @param {Report} r */
const billingOf = (r) =>
  r.unpriced_models.length > 0 && r.unpriced_models.every((m) => m.model === 'demo') ? 'demo' : undefined;

/** @param {Report} r */
function totals(r) {
  const t = r.totals;
  const cards = [
    ['cost', t.calls > 0 ? usd(t.cost_usd, billingOf(r)) : usd(0)],
    ['chains', String(t.chains)],
    ['average per chain', r.average_cost_per_chain_usd === null ? '–' : usd(r.average_cost_per_chain_usd)],
    ['calls', String(t.calls)],
    ['tokens', int(t.tokens.total)],
    ['cache reads', pct(t.cache_read_share)],
  ];
  return el(
    'dl',
    { class: 'facts', 'data-testid': 'totals' },
    cards.map(([k, v]) => el('div', { 'data-fact': k }, el('dt', {}, k), el('dd', {}, v))),
    t.unpriced_calls && !billingOf(r)
      ? el('div', {}, el('dt', {}, 'unpriced calls'), el('dd', {}, String(t.unpriced_calls)))
      : null,
  );
}

/** @param {Report} r */
function perDay(r) {
  const rows = r.breakdown.rows;
  if (rows.length === 0) return null;
  const labels = rows.map((x) => x.key);
  const priced = rows.some((x) => x.cost_usd !== null);
  const chart = priced
    ? bars(
        'cost-per-day',
        labels,
        [{ label: 'cost (USD)', data: rows.map((x) => x.cost_usd), color: '#2563eb' }],
        { y: 'USD' },
      )
    : bars(
        'cost-per-day',
        labels,
        [{ label: 'tokens', data: rows.map((x) => x.tokens.total), color: '#64748b' }],
        { y: 'tokens' },
      );
  return el(
    'div',
    {},
    priced
      ? null
      : el(
          'p',
          { class: 'muted' },
          'No call in this window has a per-token price (demo, subscription or unpriced models): tokens per day instead.',
        ),
    chart,
  );
}

/** @param {Report | null} r @param {string} label */
function breakdown(r, label) {
  if (!r || r.breakdown.rows.length === 0) return null;
  const rows = r.breakdown.rows.map((x) => [
    x.key,
    String(x.calls),
    int(x.tokens.total),
    usd(x.cost_usd, billingOf(r)),
    el('span', { class: 'share' }, shareBar(x.share), pct(x.share)),
    pct(x.cache_read_share),
  ]);
  return el(
    'div',
    {},
    el('h3', {}, `by ${label}`),
    table([label, 'calls', 'tokens', 'cost', 'share', 'cache reads'], rows, {
      numeric: [1, 2, 3, 5],
      testid: `by-${label}`,
    }),
    r.breakdown.omitted ? el('p', { class: 'muted' }, `… and ${r.breakdown.omitted} more (raise top)`) : null,
  );
}

/** A bar as wide as `share` (CSSOM width: no inline style attribute). @param {number | null} share */
function shareBar(share) {
  const bar = el('span', { class: 'bar' });
  bar.style.width = `${Math.round((share ?? 0) * 60)}px`;
  return bar;
}

function draw() {
  dropCharts();
  const day = docs.day;
  if (failure) return render(el('h1', {}, 'Costs'), form(), errorBox(failure));
  if (!day) return;
  const head = [el('h1', {}, 'Costs'), form()];
  if (day.totals.chains === 0)
    return render(
      ...head,
      el('p', { class: 'empty' }, 'No chains in this window (more days, or an earlier since, widens it).'),
    );
  const top = docs.prompt ?? day;
  render(
    ...head,
    totals(day),
    section('per-day', 'Cost per day', perDay(day)),
    section(
      'cache',
      'Cache-read share per day',
      shareLine(
        'cache-read-share',
        day.breakdown.rows.map((x) => x.key),
        [
          {
            label: 'cache reads / prompt tokens',
            data: day.breakdown.rows.map((x) => x.cache_read_share),
            color: '#16a34a',
          },
        ],
        { height: 180 },
      ),
    ),
    section(
      'breakdowns',
      'Where it went',
      el(
        'div',
        { class: 'grid3' },
        breakdown(docs.prompt, 'prompt'),
        breakdown(docs.phase, 'phase'),
        breakdown(docs.model, 'model'),
      ),
    ),
    section(
      'top',
      'Most expensive chains',
      table(
        ['chain', 'status', 'goal', 'started', 'calls', 'tokens', 'cost'],
        top.top_chains.map((c) => [
          el('a', { href: `/chains/${c.chain_id}` }, c.chain_id),
          badge(c.status),
          c.goal,
          when(c.started_at),
          String(c.calls),
          int(c.tokens.total),
          usd(c.cost_usd, billingOf(top)),
        ]),
        { numeric: [4, 5, 6], testid: 'top-chains' },
      ),
    ),
    day.unpriced_models.length
      ? section(
          'unpriced',
          'Unpriced models (not in the cost)',
          table(
            ['model', 'calls', 'tokens'],
            day.unpriced_models.map((m) => [m.model, String(m.calls), int(m.tokens.total)]),
            { numeric: [1, 2] },
          ),
        )
      : null,
    section(
      'suggestions',
      'Suggestions',
      top.suggestions.length
        ? el(
            'ul',
            { 'data-testid': 'suggestions' },
            top.suggestions.map((s) => el('li', {}, s.message)),
          )
        : el('p', { class: 'muted' }, 'None: nothing stands out in this window.'),
    ),
  );
}

follow(Object.values(PATHS), (path, d, status) => {
  const by = /** @type {keyof typeof PATHS} */ (
    Object.keys(PATHS).find((k) => PATHS[/** @type {keyof typeof PATHS} */ (k)] === path)
  );
  failure = status === 200 ? null : d;
  if (status === 200) docs[by] = d;
  draw();
});
