// @ts-check
/**
 * The gate of a paused chain, answered from the page: its questions (with the proposed defaults
 * filled in), the answers to the questions asked at the gate ("more info") then the solution to
 * approve, or the diff of a file change. Sending does what
 * `claude-exec answer` / `approve` do (POST /api/chains/ID/answer | approve); the chain then goes
 * on in the server and the page follows it live. With --read-only the gate is shown with the
 * commands that answer it, and no form. The form survives live updates while the gate is unchanged,
 * so what the reader typed is kept.
 */
import { el, errorBox, post, readOnly } from './common.js';
import { markdown } from './markdown.js';

/** @typedef {import('../../contract/chain.js').ChainOutput} ChainOutput */

/** The gate node of the last render, and what it was built for. */
let last = { key: '', node: /** @type {HTMLElement | null} */ (null) };

/** A diff with its added and removed lines marked. @param {string} diff */
function diffView(diff) {
  return el(
    'pre',
    { class: 'diff', 'data-testid': 'diff' },
    diff.split('\n').map((line) =>
      el(
        'span',
        {
          class:
            line.startsWith('+') && !line.startsWith('+++')
              ? 'add'
              : line.startsWith('-') && !line.startsWith('---')
                ? 'del'
                : line.startsWith('@@')
                  ? 'hunk'
                  : null,
        },
        `${line}\n`,
      ),
    ),
  );
}

/**
 * Sends `body` to the gate's endpoint; shows the refusal (the CLI's message) or that the chain goes on.
 * @param {HTMLElement} box
 * @param {string} id
 * @param {'answer' | 'approve'} kind
 * @param {unknown} body
 */
async function send(box, id, kind, body) {
  const status = /** @type {HTMLElement} */ (box.querySelector('.gate-status'));
  for (const b of box.querySelectorAll('button')) b.setAttribute('disabled', '');
  status.replaceChildren(el('p', { class: 'muted' }, 'Sending…'));
  const r = await post(`/api/chains/${encodeURIComponent(id)}/${kind}`, body);
  if (r.status === 202) {
    status.replaceChildren(
      el('p', { class: 'sent', role: 'status' }, 'Sent: the chain goes on; this page follows it.'),
    );
    return;
  }
  for (const b of box.querySelectorAll('button')) b.removeAttribute('disabled');
  status.replaceChildren(errorBox(r.doc));
}

/** @param {ChainOutput} d @param {HTMLElement} box */
function questionsForm(d, box) {
  if (d.pending?.kind !== 'questions') return null;
  const qs = d.pending.questions;
  const form = el(
    'form',
    {
      'data-testid': 'answer-form',
      onsubmit: (e) => {
        e.preventDefault();
        const answers = Object.fromEntries(
          qs.map((q) => [
            q.id,
            /** @type {HTMLTextAreaElement} */ (form.querySelector(`[name="${q.id}"]`)).value,
          ]),
        );
        void send(box, d.chain_id, 'answer', { answers });
      },
    },
    qs.map((q) =>
      el(
        'label',
        { class: 'question' },
        el('strong', {}, `${q.id}: ${q.question}`),
        el('span', { class: 'muted' }, q.why),
        el('textarea', { name: q.id, rows: 2, required: true }, q.default_answer),
      ),
    ),
    el('button', { type: 'submit', class: 'primary' }, 'Send answers'),
  );
  return form;
}

/** @param {ChainOutput} d @param {HTMLElement} box */
function approvalForm(d, box) {
  const p = d.pending;
  if (p?.kind !== 'approval' && p?.kind !== 'file-change') return null;
  const note = /** @type {HTMLTextAreaElement} */ (
    el('textarea', {
      name: 'note',
      rows: 2,
      placeholder: p.kind === 'approval' ? 'why (reject) or your question (more info)' : 'why (reject)',
    })
  );
  const answer = (/** @type {'approved' | 'rejected' | 'more-info'} */ response) => () =>
    void send(box, d.chain_id, 'approve', { response, note: note.value });
  return el(
    'div',
    { class: 'approve', 'data-testid': 'approve-form' },
    note,
    el(
      'div',
      { class: 'buttons' },
      el('button', { type: 'button', class: 'primary', onclick: answer('approved') }, 'Approve'),
      el('button', { type: 'button', onclick: answer('rejected') }, 'Reject'),
      p.kind === 'approval'
        ? el('button', { type: 'button', onclick: answer('more-info') }, 'Ask for more info')
        : null,
    ),
  );
}

/**
 * A question asked at this gate ("more info") and its answer, shown before the solution.
 * @param {{ question: string, answer: string | null, step: number | null }} a
 */
function answerView(a) {
  return el(
    'div',
    { class: 'gate-answer', 'data-testid': 'gate-answer' },
    el('h3', {}, 'You asked: ', a.question),
    a.answer ? markdown(a.answer) : el('p', { class: 'muted' }, 'No answer was recorded.'),
  );
}

/**
 * The "waiting for you" section, or null when the chain waits for nothing.
 * @param {ChainOutput} d
 */
export function gateSection(d) {
  if (!d.pending) return (last = { key: '', node: null }).node;
  // A later gate that looks the same (the same change proposed again) follows a recorded answer.
  const key = JSON.stringify([d.chain_id, d.pending, d.approvals.length]);
  if (key === last.key && last.node) return last.node;
  const p = d.pending;
  const box = el('section', { id: 'gate', class: 'card gate', 'data-kind': p.kind });
  const what =
    p.kind === 'questions'
      ? el('h2', {}, `Waiting for you: ${p.questions.length} question(s)`)
      : p.kind === 'approval'
        ? el(
            'div',
            {},
            el(
              'h2',
              {},
              `Waiting for you: approve the solution (confidence ${Math.round(p.confidence * 100)}%)`,
            ),
            ...p.answers.map(answerView),
            p.answers.length ? el('h3', {}, 'The solution, presented again') : null,
            markdown(p.solution),
          )
        : el('div', {}, el('h2', {}, `Waiting for you: a change to ${p.path}`), diffView(p.diff));
  box.append(what);
  if (readOnly())
    box.append(
      el(
        'p',
        { class: 'muted' },
        'Read-only view: answer with ',
        el('code', {}, d.next ?? `claude-exec pending ${d.chain_id}`),
      ),
    );
  else
    box.append(
      ...[questionsForm(d, box), approvalForm(d, box)].filter((n) => n !== null),
      el('div', { class: 'gate-status' }),
    );
  last = { key, node: box };
  return box;
}
