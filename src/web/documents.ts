/**
 * The JSON documents of the web view, by API path: each is the document the CLI prints with
 * `--json` for the same question, built by the same app functions and view builders.
 *
 * | path | document | CLI |
 * |---|---|---|
 * | `/api/chains` (`?all=1`) | `claude-exec/chains@1` | `chains --json` (`--all`) |
 * | `/api/chains/ID` | `claude-exec/chain@1` | `status ID --full --json` |
 * | `/api/cost-report?days=&since=&until=&by=&top=` | `claude-exec/cost-report@1` | `cost-report --json …` |
 *
 * A failure is the `claude-exec/error@1` document (with the exit code the CLI would give).
 */
import { statSync } from 'node:fs';
import { indexedWithDriverState, loadChain, selectChainRows } from '../features/chains/chains.js';
import { deadDriverOf } from '../engine/driverLock.js';
import { indexedChains } from '../chain/chains-index.js';
import { costReport } from '../features/reports/costReport.js';
import type { BreakdownBy } from '../cost/report.js';
import { BREAKDOWNS } from '../cost/report.js';
import { ClaudeExecError, ContextFileError, UsageError } from '../errors.js';
import { errorJson } from '../contract/json.js';
import { chainJson } from '../contract/views/detail.js';
import { costReportJson } from '../contract/views/cost.js';
import { chainsJsonOfRows } from '../contract/views/status.js';

export interface DocumentSource {
  dirs: string[];
  /** Global options to repeat in the `next` commands (the --cwd / --contexts serve was given). */
  flags: string[];
  /** Skipped context files, reported on the server's stderr. */
  onWarning(message: string): void;
}

export interface DocumentResult {
  /** HTTP status: 200, 400 (bad options), 404 (no such path or chain), 422 (unreadable file), 500. */
  status: number;
  doc: unknown;
}

/** `/api/chains/ID` → `ID`, else null. */
export function chainIdOf(pathname: string): string | null {
  return /^\/api\/chains\/([\w-]+)$/.exec(pathname)?.[1] ?? null;
}

function count(text: string | null, name: string): number | undefined {
  if (text === null || text === '') return undefined;
  const n = Number(text);
  if (!Number.isFinite(n) || n < 0) throw new UsageError(`${name} must be a number, got "${text}"`);
  return n;
}

async function costReportDoc(q: URLSearchParams, src: DocumentSource) {
  const by = q.get('by') ?? 'prompt';
  if (!(BREAKDOWNS as readonly string[]).includes(by))
    throw new UsageError(`by must be one of ${BREAKDOWNS.join(', ')}, got "${by}"`);
  const top = count(q.get('top'), 'top') ?? 5;
  const report = await costReport({
    dirs: src.dirs,
    days: count(q.get('days'), 'days'),
    since: q.get('since') || undefined,
    until: q.get('until') || undefined,
    by: by as BreakdownBy,
    top,
    now: new Date(),
    onWarning: src.onWarning,
  });
  return costReportJson(report, top);
}

/** The mtimes of `dirs` (-1: missing): every save renames a head into its directory, changing it. */
const mtimesOf = (dirs: string[]) =>
  dirs.map((d) => statSync(d, { throwIfNoEntry: false })?.mtimeMs ?? -1).join(',');

interface CachedList {
  mtimes: string;
  /** The chains recorded as running, and whether their driver had died when the document was built. */
  running: { file: string; dead: boolean }[];
  doc: unknown;
}

/** The last `/api/chains` document by directories and `all`. */
const lists = new Map<string, CachedList>();

/**
 * `/api/chains`: from the chain index (a cache of the files, src/chain/chains-index.ts), as
 * `chains --json --all` gives it; without `all`, also without the chains that failed before their
 * first call. The document built last is given again (the same object) while no contexts
 * directory changed and every chain recorded as running has the driver state it had then.
 */
async function chainsDoc(all: boolean, src: DocumentSource): Promise<unknown> {
  const key = `${all}\0${src.dirs.join('\0')}`;
  const mtimes = mtimesOf(src.dirs);
  const cached = lists.get(key);
  if (
    cached &&
    cached.mtimes === mtimes &&
    cached.running.every((r) => (deadDriverOf(r.file) !== null) === r.dead)
  )
    return cached.doc;
  const readable = [];
  const running: CachedList['running'] = [];
  for (const indexed of await indexedChains(src.dirs)) {
    const c = indexedWithDriverState(indexed);
    if (indexed.keys?.status === 'running')
      running.push({ file: indexed.entry.path, dead: c.keys?.status === 'cancelled' });
    if (c.keys) readable.push({ ...c.keys, chain: c });
    else src.onWarning(`skipped ${c.error}`);
  }
  const { shown, hidden } = selectChainRows(readable, all ? { all: true } : { limit: Infinity });
  const doc = chainsJsonOfRows(
    shown.flatMap((k) => k.chain.row() ?? []),
    hidden,
    [],
  );
  lists.set(key, { mtimes, running, doc });
  return doc;
}

async function build(url: URL, src: DocumentSource): Promise<unknown> {
  if (url.pathname === '/api/chains') return chainsDoc(url.searchParams.get('all') === '1', src);
  if (url.pathname === '/api/cost-report') return costReportDoc(url.searchParams, src);
  const id = chainIdOf(url.pathname);
  if (id !== null) {
    const { ctx, file } = await loadChain(src.dirs, id);
    return chainJson(ctx, file, src.flags);
  }
  return null;
}

/** The document at `url` (an API path with its query). Never throws. */
export async function documentFor(url: URL, src: DocumentSource): Promise<DocumentResult> {
  try {
    const doc = await build(url, src);
    if (doc === null)
      return {
        status: 404,
        doc: errorJson(
          2,
          `no such document: ${url.pathname}`,
          'Documents: /api/chains, /api/chains/ID, /api/cost-report.',
        ),
      };
    return { status: 200, doc };
  } catch (err) {
    if (!(err instanceof ClaudeExecError))
      return {
        status: 500,
        doc: errorJson(1, `unexpected error: ${(err as Error)?.message ?? String(err)}`, null),
      };
    const status =
      err instanceof ContextFileError ? 422 : /^no chain |is not a chain id/.test(err.message) ? 404 : 400;
    return { status, doc: errorJson(err.exitCode, err.message, err.hint ?? null) };
  }
}
