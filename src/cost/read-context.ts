/**
 * The reading of one context file for a cost report: JSON-parsed with its journal's call records
 * (step records are skipped unparsed), and only the fields a report uses checked (not the full zod
 * schema: speed). A file a report cannot use is warned about and skipped, never fatal.
 */
import { readFileSync } from 'node:fs';
import { readJournalCalls } from '../chain/journal.js';
import { schemaVersionProblem } from '../chain/version.js';

/** Why `doc` is not a context file a report can use, or null when it is. */
function shapeProblem(doc: unknown): string | null {
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return 'not a JSON object';
  const d = doc as Record<string, unknown>;
  const version = schemaVersionProblem(d.schema_version);
  if (version) return version;
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

export const str = (v: unknown, fallback: string) => (typeof v === 'string' ? v : fallback);

/**
 * The document of a context file a report can use (with its journal's call records in front of
 * its own), or null after warning why it cannot.
 */
export function readContext(file: string, onWarning: (msg: string) => void): Record<string, unknown> | null {
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    onWarning(
      `${file}: skipped, ${err instanceof SyntaxError ? 'not valid JSON' : 'cannot read'} (${(err as Error).message})`,
    );
    return null;
  }
  const index = (doc as { journal?: unknown } | null)?.journal;
  if (index && typeof index === 'object' && Array.isArray((doc as { calls?: unknown }).calls)) {
    try {
      const d = doc as Record<string, unknown> & { calls: unknown[] };
      d.calls = [...readJournalCalls(file, index as Parameters<typeof readJournalCalls>[1]), ...d.calls];
    } catch (err) {
      onWarning(`${file}: skipped, ${(err as Error).message.replace(`${file}: `, '')}`);
      return null;
    }
  }
  const problem = shapeProblem(doc);
  if (problem) {
    onWarning(`${file}: skipped, not a claude-exec context file (${problem})`);
    return null;
  }
  return doc as Record<string, unknown>;
}
