/**
 * What the browser loads besides the JSON: the HTML shell of each page, the pages' own ES modules
 * and CSS (src/web/static/, served as they are: no build step), and the three libraries they use,
 * served from node_modules (never from a CDN: the view works without a network).
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** src/web/static, from src/web (tests) and from dist/web (the built CLI) alike. */
const STATIC_DIR = fileURLToPath(new URL('../../src/web/static/', import.meta.url));

/** The directory of an installed package (its entry resolved, then up to node_modules/NAME). */
function packageDir(name: string): string {
  const entry = createRequire(import.meta.url).resolve(name);
  const marker = `${path.sep}node_modules${path.sep}${name}${path.sep}`;
  return entry.slice(0, entry.lastIndexOf(marker) + marker.length);
}

/** `/vendor/<file>` → the file in node_modules: Chart.js (charts), marked (Markdown), DOMPurify (sanitizing). */
const VENDOR: Record<string, () => string> = {
  'chart.umd.min.js': () => path.join(packageDir('chart.js'), 'dist', 'chart.umd.min.js'),
  'marked.umd.js': () => path.join(packageDir('marked'), 'lib', 'marked.umd.js'),
  'purify.min.js': () => path.join(packageDir('dompurify'), 'dist', 'purify.min.js'),
};

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
};

/** A static or vendor file's bytes and content type, or null when there is no such file. */
export async function assetFile(urlPath: string): Promise<{ body: Buffer; type: string } | null> {
  let file: string | null = null;
  const vendor = /^\/vendor\/([\w.-]+)$/.exec(urlPath)?.[1];
  if (vendor !== undefined) file = VENDOR[vendor]?.() ?? null;
  const own = /^\/static\/([\w-]+\.(?:js|css|png|svg))$/.exec(urlPath)?.[1];
  if (own !== undefined) file = path.join(STATIC_DIR, own);
  const type = file ? TYPES[path.extname(file)] : undefined;
  if (!file || !type) return null;
  try {
    return { body: await readFile(file), type };
  } catch {
    return null;
  }
}

export type PageName = 'chains' | 'chain' | 'costs';

const TITLES: Record<PageName, string> = { chains: 'Chains', chain: 'Chain', costs: 'Costs' };
const LIBS: Record<PageName, string[]> = {
  chains: [],
  chain: ['chart.umd.min.js', 'marked.umd.js', 'purify.min.js'],
  costs: ['chart.umd.min.js'],
};

/** The HTML shell of a page: its libraries as classic scripts, its module, nothing inline (CSP). */
export function pageHtml(page: PageName, opts: { readOnly: boolean }): string {
  const libs = LIBS[page].map((f) => `<script src="/vendor/${f}"></script>`).join('');
  const nav = (['chains', 'costs'] as const)
    .map(
      (p) =>
        `<a href="${p === 'chains' ? '/' : '/costs'}"${p === page || (p === 'chains' && page === 'chain') ? ' aria-current="page"' : ''}>${TITLES[p]}</a>`,
    )
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${TITLES[page]} · claude-exec</title><link rel="stylesheet" href="/static/app.css">${libs}
<script type="module" src="/static/${page}.js"></script></head>
<body data-page="${page}" data-read-only="${opts.readOnly}"><header><strong>claude-exec</strong><nav>${nav}</nav><span id="live" class="live" title="live updates">connecting…</span>${opts.readOnly ? '<span class="badge">read-only</span>' : ''}</header>
<main id="app"><p class="muted">Loading…</p></main></body></html>
`;
}
