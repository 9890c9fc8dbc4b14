/**
 * The fast reader behind `cost-report`: lists context files by name, skips those whose start
 * time (from the name) is outside the window without opening them, reads and JSON-parses the
 * rest with bounded concurrency, checks only the fields a report uses (not the full zod schema:
 * speed), and counts a chain copied into several directories once (by `chain_uid`, keeping the
 * most recently updated copy). A corrupt or foreign file is reported through `onWarning` and
 * skipped, never fatal.
 */
import { readFile } from 'node:fs';
import { listChainFiles } from '../chain/store.js';
import { SCHEMA_VERSION, type Usage } from '../chain/schema.js';

/** The fields of one call that reports use. */
export interface ReportCall {
  phase: string;
  prompt: string;
  model: string;
  started_at: string;
  usage: Usage;
  cost_usd: number | null;
}

export interface ReportChain {
  file: string;
  chainId: string;
  chainUid: string;
  slug: string;
  goal: string;
  status: string;
  /** Start time from the file name, ms since the epoch (UTC). */
  startedAtMs: number;
  updatedAt: string;
  calls: ReportCall[];
}

/** A time window in ms since the epoch (UTC): since inclusive, until exclusive; absent = open. */
export interface TimeWindow {
  sinceMs?: number;
  untilMs?: number;
}

/** Files read at once; enough to keep the disk busy while the main thread parses. */
const CONCURRENCY = 16;

const readText = (file: string) =>
  new Promise<string>((resolve, reject) => readFile(file, 'utf8', (err, text) => (err ? reject(err) : resolve(text))));

/** Why `doc` is not a context file a report can use, or null when it is. */
function shapeProblem(doc: unknown): string | null {
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return 'not a JSON object';
  const d = doc as Record<string, unknown>;
  if (d.schema_version !== SCHEMA_VERSION) return `schema_version ${JSON.stringify(d.schema_version)} is not ${SCHEMA_VERSION}`;
  if (typeof d.chain_uid !== 'string' || typeof d.chain_id !== 'string') return 'no chain_id/chain_uid';
  if (!Array.isArray(d.calls)) return 'no calls[]';
  for (const c of d.calls as Record<string, unknown>[]) {
    const u = c?.usage as Record<string, unknown> | undefined;
    if (
      typeof c?.model !== 'string' ||
      typeof c.prompt !== 'string' ||
      typeof c.phase !== 'string' ||
      typeof u?.input_tokens !== 'number' ||
      typeof u.output_tokens !== 'number' ||
      (c.cost_usd !== null && typeof c.cost_usd !== 'number')
    ) {
      return 'a call lacks model, prompt, phase, usage or cost_usd';
    }
  }
  return null;
}

/**
 * Reads the chains of `dirs` whose file-name start time is inside `window`. Returns them in
 * file-listing order (chain id, then start time), one per `chain_uid`.
 */
export async function scanChains(dirs: string[], window: TimeWindow, onWarning: (msg: string) => void): Promise<ReportChain[]> {
  const { sinceMs = -Infinity, untilMs = Infinity } = window;
  const entries = (await listChainFiles(dirs)).filter((e) => e.startedAtMs >= sinceMs && e.startedAtMs < untilMs);
  const results: (ReportChain | null)[] = new Array(entries.length).fill(null);
  let next = 0;
  const worker = async () => {
    while (next < entries.length) {
      const i = next++;
      const entry = entries[i]!;
      let doc: unknown;
      try {
        doc = JSON.parse(await readText(entry.path));
      } catch (err) {
        onWarning(`${entry.path}: skipped, ${err instanceof SyntaxError ? 'not valid JSON' : 'cannot read'} (${(err as Error).message})`);
        continue;
      }
      const problem = shapeProblem(doc);
      if (problem) {
        onWarning(`${entry.path}: skipped, not a claude-exec context file (${problem})`);
        continue;
      }
      const d = doc as Record<string, unknown>;
      results[i] = {
        file: entry.path,
        chainId: d.chain_id as string,
        chainUid: d.chain_uid as string,
        slug: typeof d.slug === 'string' ? d.slug : entry.slug,
        goal: typeof d.goal === 'string' ? d.goal : '',
        status: typeof d.status === 'string' ? d.status : 'unknown',
        startedAtMs: entry.startedAtMs,
        updatedAt: typeof d.updated_at === 'string' ? d.updated_at : '',
        calls: d.calls as ReportCall[],
      };
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, entries.length) }, worker));

  const byUid = new Map<string, ReportChain>();
  for (const chain of results) {
    if (!chain) continue;
    const seen = byUid.get(chain.chainUid);
    if (!seen || chain.updatedAt > seen.updatedAt) byUid.set(chain.chainUid, chain);
  }
  return [...byUid.values()];
}
