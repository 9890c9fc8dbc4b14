/**
 * Context file names: `chain-047-jwt-auth-2026-11-20-14-22-05.json` (DESIGN §3): a zero-padded
 * id of at least three digits, a slug of the goal, and the start time (UTC). Pure.
 */

const NAME_RE = /^chain-(\d{3,})-(.*?)-?(\d{4})-(\d{2})-(\d{2})-(\d{2})-(\d{2})-(\d{2})\.json$/;

export interface ParsedChainFileName {
  chainId: string;
  slug: string;
  /** Start time encoded in the name, ms since the epoch (UTC). */
  startedAtMs: number;
}

/** Lower-case, ASCII, hyphen-separated, at most `maxWords` words and 40 characters. */
export function slugify(goal: string, maxWords = 4): string {
  const stop = new Set([
    'a',
    'an',
    'the',
    'to',
    'my',
    'this',
    'of',
    'for',
    'and',
    'with',
    'in',
    'on',
    'app',
    'add',
  ]);
  const words = goal
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
  const kept = words.filter((w) => !stop.has(w));
  const chosen = (kept.length ? kept : words).slice(0, maxWords).join('-').slice(0, 40).replace(/-+$/, '');
  return chosen || 'task';
}

/** Zero-pads a chain number to at least three digits. */
export function formatChainId(n: number): string {
  return String(n).padStart(3, '0');
}

/** `YYYY-MM-DD-HH-MM-SS` in UTC. */
function formatStamp(date: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${date.getUTCFullYear()}-${p(date.getUTCMonth() + 1)}-${p(date.getUTCDate())}-${p(date.getUTCHours())}-${p(date.getUTCMinutes())}-${p(date.getUTCSeconds())}`;
}

export function chainFileName(chainId: string, slug: string, startedAt: Date): string {
  return `chain-${chainId}-${slug}-${formatStamp(startedAt)}.json`;
}

/** Whether parseChainFileName parses `file` (a context file's name), without parsing it. */
export function isChainFileName(file: string): boolean {
  // The fields' widths keep Date.UTC finite, so the regex alone decides.
  return NAME_RE.test(file);
}

/** Parses a context file name; null for any other file. */
export function parseChainFileName(file: string): ParsedChainFileName | null {
  const m = NAME_RE.exec(file);
  if (!m) return null;
  const [, id, slug, y, mo, d, h, mi, s] = m as unknown as string[];
  const ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
  if (Number.isNaN(ms)) return null;
  return { chainId: id!, slug: slug ?? '', startedAtMs: ms };
}
