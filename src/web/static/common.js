// @ts-check
/**
 * What every page shares: the live connection (one EventSource per page, carrying the documents
 * of the JSON contract), POSTs for the gates, a DOM builder that only ever sets text (model text
 * never becomes markup here; Markdown goes through ./markdown.js), and formatting. The pages
 * render what the documents say; they compute nothing the CLI would print differently.
 */

/** @typedef {{ path: string, status: number, document: any }} LiveEvent */

/**
 * Follows the documents at `paths` (API paths): `onDoc(path, document, status)` now and after
 * every change. Shows the connection state in the header's #live badge.
 * @param {string[]} paths
 * @param {(path: string, document: any, status: number) => void} onDoc
 */
export function follow(paths, onDoc) {
  const badge = document.getElementById('live');
  const query = paths.map((p) => `doc=${encodeURIComponent(p)}`).join('&');
  const source = new EventSource(`/api/events?${query}`);
  const state = (/** @type {string} */ text, /** @type {string} */ cls) => {
    if (!badge) return;
    badge.textContent = text;
    badge.className = `live ${cls}`;
  };
  source.addEventListener('open', () => state('live', 'on'));
  source.addEventListener('error', () =>
    state(
      source.readyState === EventSource.CLOSED ? 'disconnected: reload the page' : 'reconnecting…',
      'off',
    ),
  );
  source.addEventListener('doc', (e) => {
    /** @type {LiveEvent} */
    const ev = JSON.parse(/** @type {MessageEvent} */ (e).data);
    state('live', 'on');
    onDoc(ev.path, ev.document, ev.status);
  });
  return source;
}

/**
 * POSTs a JSON body to the server (same origin; the cookie carries the token).
 * @param {string} path
 * @param {unknown} body
 * @returns {Promise<{ status: number, doc: any }>}
 */
export async function post(path, body) {
  const res = await fetch(path, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
    credentials: 'same-origin',
  });
  const text = await res.text();
  try {
    return { status: res.status, doc: JSON.parse(text) };
  } catch {
    // A refusal of the access policy is one plain line.
    return { status: res.status, doc: { error: { message: text.trim(), hint: null } } };
  }
}

/**
 * An element with attributes and children; strings become text nodes, never markup.
 * `class`, `href`, `title`, `data-*`, `aria-*` and plain attributes are set as attributes.
 * @param {string} tag
 * @param {Record<string, string | number | boolean | null | undefined | ((e: Event) => void)>} [attrs]
 * @param {...(Node | string | number | null | undefined | false | (Node | string)[])} children
 * @returns {HTMLElement}
 */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (typeof v === 'function') node.addEventListener(k.replace(/^on/, ''), v);
    else if (k === 'href' && typeof v === 'string' && !v.startsWith('/'))
      continue; // only links to this server
    else node.setAttribute(k, v === true ? '' : String(v));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(typeof child === 'object' ? child : document.createTextNode(String(child)));
  }
  return node;
}

/**
 * A titled section, or nothing when `content` is null (a field the document does not have).
 * @param {string} id
 * @param {string} title
 * @param {Node | null} content
 */
export function section(id, title, content) {
  return content === null ? null : el('section', { id, class: 'card' }, el('h2', {}, title), content);
}

/**
 * A table from a head and rows of cells; `align` marks numeric columns (right-aligned).
 * @param {string[]} head
 * @param {(Node | string | number | null)[][]} rows
 * @param {{ numeric?: number[], testid?: string }} [opts]
 */
export function table(head, rows, opts = {}) {
  const num = new Set(opts.numeric ?? []);
  return el(
    'table',
    { 'data-testid': opts.testid },
    el(
      'thead',
      {},
      el(
        'tr',
        {},
        head.map((h, i) => el('th', { class: num.has(i) ? 'num' : null }, h)),
      ),
    ),
    el(
      'tbody',
      {},
      rows.map((r) =>
        el(
          'tr',
          {},
          r.map((c, i) => el('td', { class: num.has(i) ? 'num' : null }, c ?? '')),
        ),
      ),
    ),
  );
}

/** Replaces the page's content with `nodes`. @param {...(Node | null)} nodes */
export function render(...nodes) {
  const app = document.getElementById('app');
  if (!app) return;
  app.replaceChildren(...nodes.filter((n) => n !== null));
}

/** A refusal or failure from the server (an error@1 document or a plain line). @param {any} doc */
export function errorBox(doc) {
  const e = doc?.error ?? { message: String(doc), hint: null };
  return el(
    'div',
    { class: 'error', role: 'alert' },
    el('strong', {}, e.message),
    e.hint ? el('div', {}, e.hint) : null,
  );
}

/** Whether the server runs with --read-only. */
export const readOnly = () => document.body.dataset.readOnly === 'true';

/* Formatting: how numbers of the documents read on a page (the documents' numbers are unchanged). */

/** "12,345" @param {number} n */
export const int = (n) => Math.round(n).toLocaleString('en-US');

/**
 * USD as the CLI's tables show it; a null cost reads as what it is: demo, subscription or unpriced.
 * @param {number | null} n
 * @param {string} [billing]
 */
export function usd(n, billing) {
  if (n === null)
    return billing === 'demo' ? 'demo' : billing === 'subscription' ? 'subscription' : 'unpriced';
  return `$${n < 1 ? n.toFixed(4) : n.toFixed(2)}`;
}

/** "85%" or "–" @param {number | null | undefined} n */
export const pct = (n) => (n === null || n === undefined ? '–' : `${Math.round(n * 100)}%`);

/** "850 ms", "12.3 s", "4 min 05 s", "1 h 02 min" @param {number | null} ms */
export function duration(ms) {
  if (ms === null) return '…';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`;
}

/** Local "2026-12-01 14:05" of an ISO time. @param {string | null} iso */
export function when(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  const p = (/** @type {number} */ n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}`;
}

/** A status badge. @param {string} status */
export const badge = (status) => el('span', { class: `status status-${status}` }, status);
