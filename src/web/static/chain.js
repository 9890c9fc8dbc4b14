// @ts-check
/**
 * The chain page: `claude-exec/chain@1` (GET /api/chains/ID, as `status ID --full --json`),
 * live. The page is a list of sections (SECTIONS below), each rendered from one top-level field
 * of the document and left out when that field is absent or empty; a field added to the
 * document gets its section by one entry here. The gate (./gate.js) answers what `pending` waits for.
 */
import { dropCharts } from './charts.js';
import {
  badge,
  duration,
  el,
  errorBox,
  follow,
  int,
  pct,
  render,
  section,
  table,
  usd,
  when,
} from './common.js';
import { gateSection } from './gate.js';
import { markdown } from './markdown.js';
import { callsTable, confidenceChart, costTables, stepsList, timeline } from './chain-parts.js';

/** @typedef {import('../../contract/chain.js').ChainOutput} ChainOutput */

const id = decodeURIComponent(location.pathname.split('/').pop() ?? '');
const present = (/** @type {unknown} */ v) =>
  v !== undefined && v !== null && !(Array.isArray(v) && v.length === 0) && v !== '';

/**
 * field → section. `render(value, doc)` gets the field's value (never absent or empty).
 * Fields to come: `spec` (Markdown, like `solution`), `test_runs` (red → green), `diffs` (per
 * file), `parent_chain_id` / `children` (sub-chains).
 * `hidden(doc)`: left out for another reason (the gate above already shows it).
 * @type {{ field: string, id: string, title: string, render: (value: any, doc: ChainOutput) => Node, hidden?: (doc: ChainOutput) => boolean }[]}
 */
const SECTIONS = [
  {
    field: 'running_steps',
    id: 'now',
    title: 'Current step',
    render: (steps, d) =>
      el(
        'p',
        { 'data-testid': 'running' },
        steps.map((/** @type {any} */ s) =>
          el(
            'span',
            { class: 'now' },
            `step ${s.n} · ${s.prompt}${s.focus ? ` — ${s.focus}` : ''} (${s.phase}, since ${when(s.started_at)})`,
          ),
        ),
        ` · running cost ${usd(d.cost_usd, d.billing)} · ${int(d.tokens.total)} tokens in ${d.calls} calls`,
      ),
  },
  { field: 'phases', id: 'timeline', title: 'Phases', render: (phases, d) => timeline(phases, d) },
  {
    field: 'steps',
    id: 'confidence',
    title: 'Confidence over the steps',
    render: (steps) => confidenceChart(steps),
  },
  { field: 'steps', id: 'steps', title: 'Steps', render: (steps, d) => stepsList(steps, d) },
  {
    field: 'questions',
    id: 'questions',
    title: 'Questions and answers',
    render: (qs) =>
      table(
        ['id', 'question', 'proposed default', 'answer', 'by'],
        qs.map((/** @type {any} */ q) => [
          q.id,
          el('div', {}, q.question, el('div', { class: 'muted' }, q.why)),
          q.default_answer,
          q.answer ?? el('em', {}, 'open'),
          q.answered_by ? el('span', { class: `by by-${q.answered_by}` }, q.answered_by) : '',
        ]),
        { testid: 'questions' },
      ),
  },
  {
    field: 'decisions',
    id: 'decisions',
    title: 'Decisions',
    render: (ds) =>
      table(
        ['topic', 'choice', 'rationale'],
        ds.map((/** @type {any} */ x) => [x.key, x.choice, x.rationale]),
      ),
  },
  {
    field: 'assumptions',
    id: 'assumptions',
    title: 'Assumptions',
    render: (xs) =>
      el(
        'ul',
        {},
        xs.map((/** @type {string} */ a) => el('li', {}, a)),
      ),
  },
  {
    field: 'uncertainties',
    id: 'uncertainties',
    title: 'Uncertainties',
    render: (us) =>
      table(
        ['area', 'confidence', 'state', 'resolution'],
        us.map((/** @type {any} */ u) => [
          u.area,
          pct(u.confidence),
          u.resolved ? 'resolved' : u.blocking ? 'open, blocking' : 'open',
          u.resolution ?? '',
        ]),
        { numeric: [1] },
      ),
  },
  {
    field: 'solution',
    id: 'solution',
    title: 'Solution (as presented)',
    render: (text) => markdown(text),
    hidden: (d) => d.pending?.kind === 'approval',
  },
  {
    field: 'approvals',
    id: 'approvals',
    title: 'Gate answers',
    render: (as) =>
      table(
        ['when', 'gate', 'presented', 'response', 'note', 'answer to the question'],
        as.map((/** @type {any} */ a) => [
          when(a.at),
          a.kind,
          a.kind === 'file-change' ? a.presented : 'the solution',
          el('span', { class: `by resp-${a.response}` }, a.response),
          a.note ?? '',
          a.answer ? markdown(a.answer) : '',
        ]),
        { testid: 'approvals' },
      ),
  },
  {
    field: 'files_modified',
    id: 'files',
    title: 'Files changed',
    render: (fs) =>
      el(
        'ul',
        { class: 'files' },
        fs.map((/** @type {string} */ f) => el('li', {}, el('code', {}, f))),
      ),
  },
  { field: 'cost', id: 'cost', title: 'Cost', render: (cost, d) => costTables(cost, d) },
  { field: 'call_log', id: 'calls', title: 'Calls', render: (calls, d) => callsTable(calls, d) },
];

/** @param {ChainOutput} d */
function header(d) {
  const facts = [
    ['status', badge(d.status)],
    ['phase', d.current_phase],
    ['model', d.model],
    ['cost', usd(d.cost_usd, d.billing)],
    ['tokens', int(d.tokens.total)],
    ['calls', String(d.calls)],
    ['confidence', pct(d.confidence.overall)],
    ['time', duration(d.total_duration_ms)],
    ['started', when(d.created_at)],
  ];
  return el(
    'section',
    { class: 'head' },
    el('h1', {}, el('span', { class: 'muted' }, `Chain ${d.chain_id} · `), d.goal),
    el(
      'dl',
      { class: 'facts', 'data-testid': 'facts' },
      facts.map(([k, v]) => el('div', { 'data-fact': String(k) }, el('dt', {}, k), el('dd', {}, v))),
    ),
    d.chain_error ? el('div', { class: 'error' }, d.chain_error) : null,
    d.next ? el('p', { class: 'next' }, 'Next: ', el('code', {}, d.next)) : null,
  );
}

follow([`/api/chains/${encodeURIComponent(id)}`], (_path, d, status) => {
  dropCharts();
  if (status !== 200) return render(el('h1', {}, `Chain ${id}`), errorBox(d));
  /** @type {Record<string, unknown>} */
  const fields = d;
  render(
    header(d),
    gateSection(d),
    ...SECTIONS.map((s) =>
      present(fields[s.field]) && !s.hidden?.(d)
        ? section(s.id, s.title, s.render(fields[s.field], d))
        : null,
    ),
  );
  document.title = `Chain ${d.chain_id} · ${d.status} · claude-exec`;
});
