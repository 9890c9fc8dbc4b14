/**
 * Saved eval runs: `<contexts>/.evals/<run_id>.json`, one file per `prompts eval` run, written
 * atomically. Read back by `prompts eval --compare` and `prompts promote`.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { writeFileDurableSync } from '../durable.js';
import { UsageError } from '../errors.js';
import { EvalRunSchema, type EvalRun } from './run.js';

/** The folder of the saved runs in a contexts directory. */
function evalsDir(contextsDir: string): string {
  return path.join(contextsDir, '.evals');
}

/** A new run id: `eval-YYYYMMDD-HHMMSS-xxxx` (UTC, then 4 random hex digits). */
export function newRunId(now: Date): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `eval-${stamp}-${randomBytes(2).toString('hex')}`;
}

/** Writes `run` to `<contexts>/.evals/<run_id>.json`; returns the file. Throws FileSystemError. */
export async function saveRun(contextsDir: string, run: EvalRun): Promise<string> {
  const dir = evalsDir(contextsDir);
  await fs.mkdir(dir, { recursive: true });
  const file = path.join(dir, `${run.run_id}.json`);
  writeFileDurableSync(file, `${JSON.stringify(run, null, 2)}\n`);
  return file;
}

/** Every readable saved run, oldest first (unreadable files are skipped). */
export async function listRuns(contextsDir: string): Promise<EvalRun[]> {
  const dir = evalsDir(contextsDir);
  const names = await fs.readdir(dir).catch(() => [] as string[]);
  const runs: EvalRun[] = [];
  for (const name of names.filter((n) => n.endsWith('.json'))) {
    try {
      runs.push(EvalRunSchema.parse(JSON.parse(await fs.readFile(path.join(dir, name), 'utf8'))));
    } catch {
      // a file that is not a run (or half a run) is not compared
    }
  }
  return runs.sort((x, y) =>
    x.created_at < y.created_at ? -1 : x.created_at > y.created_at ? 1 : x.run_id < y.run_id ? -1 : 1,
  );
}

/** The saved run `id` (an unambiguous prefix will do). Throws UsageError when there is none or several. */
export function findRun(runs: readonly EvalRun[], id: string): EvalRun {
  const exact = runs.find((r) => r.run_id === id);
  if (exact) return exact;
  const hits = runs.filter((r) => r.run_id.startsWith(id));
  if (hits.length === 1) return hits[0]!;
  throw new UsageError(
    hits.length ? `"${id}" names ${hits.length} saved eval runs` : `no saved eval run "${id}"`,
    'Saved runs are in contexts/.evals/; give a run id or a model of the latest run.',
  );
}
