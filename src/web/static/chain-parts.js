// @ts-check
/**
 * Sections of the chain page that take more than a table: the phase timeline, the confidence
 * chart, the steps with their findings, the cost breakdowns and the call log.
 */
import { shareLine } from './charts.js';
import { badge, duration, el, int, pct, table, usd, when } from './common.js';

/** @typedef {import('../../contract/chain.js').ChainOutput} ChainOutput */
/** @typedef {import('../../contract/chain.js').StepView} StepView */
/** @typedef {import('../../contract/chain.js').CallView} CallView */

/** Steps whose findings the reader opened (kept open across live updates). */
const opened = new Set();

/**
 * A bar of the phases, each as wide as its time (a running phase: until now), then the table.
 * @param {ChainOutput['phases']} phases
 * @param {ChainOutput} d
 */
export function timeline(phases, d) {
  // An open phase lasts until now while the chain runs, else until the chain stopped.
  const end = d.status === 'running' ? Date.now() : Date.parse(d.updated_at);
  const spans = phases.map((p) => p.duration_ms ?? Math.max(0, end - Date.parse(p.started_at)));
  const bar = el(
    'div',
    { class: 'timeline', 'data-testid': 'timeline' },
    phases.map((p, i) => {
      const seg = el(
        'div',
        {
          class: `seg ${p.failed ? 'failed' : p.done ? 'done' : 'open'} ph-${p.phase}`,
          title: `${p.phase}: ${duration(spans[i] ?? 0)}`,
          'data-phase': p.phase,
        },
        el('span', {}, p.phase.replace(/-/g, ' ')),
        el(
          'small',
          {},
          p.failed
            ? `failed · ${duration(spans[i] ?? 0)}`
            : p.done
              ? duration(p.duration_ms)
              : `${d.status === 'running' ? 'running' : d.status} · ${duration(spans[i] ?? 0)}`,
        ),
      );
      // CSSOM (not a style attribute, which the CSP forbids): width in proportion to time.
      seg.style.flexGrow = String(Math.max(spans[i] ?? 0, 1));
      return seg;
    }),
  );
  const rows = phases.map((p, i) => [
    p.failed ? '✗' : p.done ? '✓' : '…',
    p.phase,
    duration(p.done ? p.duration_ms : (spans[i] ?? 0)),
    String(p.iterations),
    p.prompts.join(', '),
    p.exit_reason ?? '',
  ]);
  return el(
    'div',
    {},
    bar,
    table(['', 'phase', 'time', 'iterations', 'prompts', 'left because'], rows, {
      numeric: [2, 3],
      testid: 'phases',
    }),
  );
}

/**
 * The chain's overall confidence after each step that recorded one.
 * @param {StepView[]} steps
 */
export function confidenceChart(steps) {
  const known = steps.filter((s) => s.confidence_after !== null);
  if (known.length === 0) return el('p', { class: 'muted' }, 'No step has recorded a confidence yet.');
  return shareLine(
    'confidence',
    known.map((s) => `${s.n} ${s.prompt}`),
    [
      {
        label: 'overall confidence after the step',
        data: known.map((s) => s.confidence_after),
        color: '#2563eb',
      },
    ],
    { height: 240 },
  );
}

/** @param {string[]} items @param {string} cls */
const list = (items, cls) =>
  items.length
    ? el(
        'ul',
        { class: cls },
        items.map((x) => el('li', {}, x)),
      )
    : null;

/**
 * Each step as a line (prompt, phase, status, time, cost, confidence), its findings under it.
 * @param {StepView[]} steps
 * @param {ChainOutput} d
 */
export function stepsList(steps, d) {
  return el(
    'div',
    { class: 'steps', 'data-testid': 'steps' },
    steps.map((s) => {
      const details = el(
        'details',
        {
          'data-step': s.n,
          open: opened.has(s.n),
          ontoggle: (e) =>
            /** @type {HTMLDetailsElement} */ (e.target).open ? opened.add(s.n) : opened.delete(s.n),
        },
        el(
          'summary',
          {},
          el('span', { class: 'n' }, `#${s.n}`),
          el('strong', {}, s.prompt),
          el('span', { class: 'muted' }, ` ${s.phase}`),
          badge(s.status),
          el('span', { class: 'num' }, duration(s.duration_ms)),
          el(
            'span',
            { class: 'num' },
            `${s.calls} call${s.calls === 1 ? '' : 's'} · ${usd(s.cost_usd, d.billing)}`,
          ),
          el('span', { class: 'num' }, `${pct(s.confidence_before)} → ${pct(s.confidence_after)}`),
        ),
        s.focus ? el('p', {}, el('em', {}, 'focus: '), s.focus) : null,
        s.summary ? el('p', { class: 'summary' }, s.summary) : null,
        list(s.findings, 'findings'),
        s.risks.length ? el('div', {}, el('h4', {}, 'Risks'), list(s.risks, 'risks')) : null,
        s.verdict
          ? el(
              'p',
              { class: s.verdict.passed ? 'pass' : 'fail' },
              s.verdict.passed ? 'passed' : 'blocked',
              s.verdict.blocking_issues.length ? `: ${s.verdict.blocking_issues.join('; ')}` : '',
            )
          : null,
        s.error ? el('div', { class: 'error' }, s.error) : null,
        el('p', { class: 'muted' }, `${when(s.started_at)} · ${int(s.tokens.total)} tokens`),
      );
      return details;
    }),
  );
}

/**
 * The cost by prompt, phase and model (the chain-cost@1 document) and the cache figures.
 * @param {ChainOutput['cost']} cost
 * @param {ChainOutput} d
 */
export function costTables(cost, d) {
  const rows = (/** @type {ChainOutput['cost']['by_prompt']} */ rs) =>
    rs.map((r) => [
      r.key,
      String(r.calls),
      int(r.tokens.total),
      pct(r.cache_read_share),
      usd(r.cost_usd, d.billing),
      pct(r.share),
    ]);
  const head = (/** @type {string} */ k) => [k, 'calls', 'tokens', 'cache reads', 'cost', 'share'];
  const num = [1, 2, 3, 4, 5];
  return el(
    'div',
    { class: 'cost' },
    el(
      'p',
      {},
      [
        `Total ${usd(cost.cost_usd, cost.billing)}`,
        `${cost.prompts_executed} prompts`,
        `per prompt ${usd(cost.cost_per_prompt_usd, cost.billing)}`,
        `cache reads ${pct(cost.cache_read_share)} of prompt tokens`,
        `cache writes ${int(cost.cache_write_by_ttl['5m'])} (5 min) + ${int(cost.cache_write_by_ttl['1h'])} (1 h)`,
      ].join(' · '),
    ),
    el('div', { class: 'grid3' }, [
      el(
        'div',
        {},
        el('h3', {}, 'by prompt'),
        table(head('prompt'), rows(cost.by_prompt), { numeric: num, testid: 'cost-by-prompt' }),
      ),
      el('div', {}, el('h3', {}, 'by phase'), table(head('phase'), rows(cost.by_phase), { numeric: num })),
      el('div', {}, el('h3', {}, 'by model'), table(head('model'), rows(cost.by_model), { numeric: num })),
    ]),
  );
}

/**
 * Every call: model, tokens by kind, latency, cost, request id.
 * @param {CallView[]} calls
 * @param {ChainOutput} d
 */
export function callsTable(calls, d) {
  const rows = calls.map((c) => [
    String(c.id),
    String(c.step),
    c.prompt,
    c.model,
    int(c.tokens.input),
    int(c.tokens.output),
    int(c.tokens.cache_write),
    int(c.tokens.cache_read),
    duration(c.latency_ms),
    usd(c.cost_usd, c.billing ?? d.billing),
    el('code', {}, c.request_id ?? '–'),
  ]);
  return table(
    [
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
    rows,
    { numeric: [0, 1, 4, 5, 6, 7, 8, 9], testid: 'calls' },
  );
}
