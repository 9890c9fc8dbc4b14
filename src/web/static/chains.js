// @ts-check
/**
 * The chains page: `claude-exec/chains@1` (GET /api/chains, as `chains --json`) as a sortable,
 * filterable table, live. Sub-chains: a row with `parent_chain_id` (added with sub-chains) is
 * shown under its parent, indented; until then every row is a root.
 */
import { badge, duration, el, follow, int, pct, render, table, usd, when } from './common.js';

/** @typedef {import('../../contract/chains.js').ChainsOutput} ChainsOutput */
/** @typedef {import('../../contract/chains.js').ChainRowOutput & { parent_chain_id?: string | null }} Row */

/** Columns: header, sort key of a row, cell. @type {{ head: string, key: (r: Row) => string | number, cell: (r: Row) => Node | string, numeric?: boolean }[]} */
const COLUMNS = [
  { head: 'id', key: (r) => r.chain_id, cell: (r) => el('a', { href: `/chains/${r.chain_id}` }, r.chain_id) },
  { head: 'status', key: (r) => r.status, cell: (r) => badge(r.status) },
  { head: 'phase', key: (r) => r.current_phase, cell: (r) => r.current_phase },
  {
    head: 'goal',
    key: (r) => r.goal.toLowerCase(),
    cell: (r) => el('a', { href: `/chains/${r.chain_id}`, class: 'goal' }, r.goal),
  },
  { head: 'cost', key: (r) => r.cost_usd ?? -1, cell: (r) => usd(r.cost_usd, r.billing), numeric: true },
  { head: 'tokens', key: (r) => r.tokens.total, cell: (r) => int(r.tokens.total), numeric: true },
  { head: 'confidence', key: (r) => r.confidence, cell: (r) => pct(r.confidence), numeric: true },
  { head: 'started', key: (r) => r.created_at, cell: (r) => when(r.created_at) },
  { head: 'duration', key: (r) => r.duration_ms, cell: (r) => duration(r.duration_ms), numeric: true },
];

const params = new URLSearchParams(location.search);
const view = {
  sort: Number(params.get('sort') ?? 7),
  desc: params.get('desc') !== '0',
  status: params.get('status') ?? '',
  text: params.get('q') ?? '',
  all: params.get('all') === '1',
};
/** @type {ChainsOutput | null} */
let doc = null;

function remember() {
  const q = new URLSearchParams();
  q.set('sort', String(view.sort));
  q.set('desc', view.desc ? '1' : '0');
  if (view.status) q.set('status', view.status);
  if (view.text) q.set('q', view.text);
  if (view.all) q.set('all', '1');
  history.replaceState(null, '', `/?${q}`);
}

/** Rows in tree order: each root by the chosen sort, its sub-chains under it. @param {Row[]} rows */
function ordered(rows) {
  const col = COLUMNS[view.sort] ?? /** @type {(typeof COLUMNS)[number]} */ (COLUMNS[7]);
  const cmp = (/** @type {Row} */ a, /** @type {Row} */ b) => {
    const x = col.key(a);
    const y = col.key(b);
    return (x < y ? -1 : x > y ? 1 : 0) * (view.desc ? -1 : 1);
  };
  const ids = new Set(rows.map((r) => r.chain_id));
  const children = new Map();
  for (const r of rows)
    if (r.parent_chain_id && ids.has(r.parent_chain_id))
      children.set(r.parent_chain_id, [...(children.get(r.parent_chain_id) ?? []), r]);
  /** @type {{ row: Row, depth: number }[]} */
  const out = [];
  const walk = (/** @type {Row} */ r, /** @type {number} */ depth) => {
    out.push({ row: r, depth });
    for (const c of [...(children.get(r.chain_id) ?? [])].sort(cmp)) walk(c, depth + 1);
  };
  for (const r of rows.filter((r) => !(r.parent_chain_id && ids.has(r.parent_chain_id))).sort(cmp))
    walk(r, 0);
  return out;
}

function draw() {
  if (!doc) return;
  /** @type {Row[]} */
  const rows = doc.chains;
  const statuses = [...new Set(rows.map((r) => r.status))].sort();
  const text = view.text.trim().toLowerCase();
  const shown = ordered(rows).filter(
    ({ row }) =>
      (!view.status || row.status === view.status) &&
      (!text || `${row.chain_id} ${row.goal} ${row.slug}`.toLowerCase().includes(text)),
  );
  const running = rows.filter((r) => r.status === 'running');
  const head = COLUMNS.map((c, i) =>
    el(
      'button',
      {
        class: 'sort',
        'data-col': c.head,
        onclick: () => (
          (view.desc = view.sort === i ? !view.desc : true),
          (view.sort = i),
          remember(),
          draw()
        ),
      },
      c.head,
      view.sort === i ? (view.desc ? ' ▾' : ' ▴') : '',
    ),
  );
  const body = shown.map(({ row, depth }) => {
    const tr = el(
      'tr',
      { 'data-chain': row.chain_id, class: depth ? 'child' : null },
      COLUMNS.map((c, i) =>
        el(
          'td',
          { class: c.numeric ? 'num' : i === 3 && depth ? `indent${Math.min(depth, 3)}` : null },
          c.cell(row),
        ),
      ),
    );
    return tr;
  });
  const filter = el(
    'div',
    { class: 'filters' },
    el(
      'label',
      {},
      'status ',
      el(
        'select',
        {
          'data-testid': 'status-filter',
          onchange: (e) => (
            (view.status = /** @type {HTMLSelectElement} */ (e.target).value),
            remember(),
            draw()
          ),
        },
        el('option', { value: '' }, 'all'),
        statuses.map((s) => el('option', { value: s, selected: s === view.status }, s)),
      ),
    ),
    el(
      'label',
      {},
      'find ',
      el('input', {
        type: 'search',
        placeholder: 'goal or id',
        value: view.text,
        'data-testid': 'text-filter',
        oninput: (e) => ((view.text = /** @type {HTMLInputElement} */ (e.target).value), remember(), draw()),
      }),
    ),
    el(
      'label',
      {},
      el('input', {
        type: 'checkbox',
        checked: view.all,
        onchange: (e) => (
          (view.all = /** @type {HTMLInputElement} */ (e.target).checked),
          remember(),
          location.reload()
        ),
      }),
      ' also chains that failed before their first call',
    ),
  );
  const summary = el(
    'p',
    { class: 'muted' },
    `${shown.length} of ${rows.length} chain(s)`,
    doc.hidden ? ` · ${doc.hidden} that failed before their first call hidden` : '',
    running.length ? ` · ${running.length} running` : '',
  );
  const focused =
    document.activeElement instanceof HTMLInputElement && document.activeElement.type === 'search';
  const list = rows.length
    ? el(
        'table',
        { class: 'chains', 'data-testid': 'chains' },
        el(
          'thead',
          {},
          el(
            'tr',
            {},
            head.map((h, i) => el('th', { class: COLUMNS[i]?.numeric ? 'num' : null }, h)),
          ),
        ),
        el('tbody', {}, body),
      )
    : el(
        'p',
        { class: 'empty' },
        'No chains yet. Start one with claude-exec "your task" (or try: claude-exec demo); this page updates when it starts.',
      );
  render(
    el('h1', {}, 'Chains'),
    filter,
    summary,
    list,
    doc.warnings.length
      ? table(
          ['skipped files'],
          doc.warnings.map((w) => [w]),
        )
      : null,
  );
  if (focused) {
    const input = /** @type {HTMLInputElement | null} */ (
      document.querySelector('[data-testid="text-filter"]')
    );
    input?.focus();
    input?.setSelectionRange(input.value.length, input.value.length);
  }
}

follow([view.all ? '/api/chains?all=1' : '/api/chains'], (_path, d, status) => {
  if (status !== 200)
    return render(
      el('h1', {}, 'Chains'),
      el('div', { class: 'error' }, d?.error?.message ?? 'cannot read the chains'),
    );
  doc = d;
  draw();
});
