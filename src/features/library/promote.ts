/**
 * Generated prompts that earn their place: a prompt prompt_generator wrote lives in
 * `<workspace>/prompts/custom/`; once it ran in enough chains and moved confidence, `prompts stats`
 * offers it for promotion and `claude-exec prompts promote NAME` moves it into a category of the
 * workspace library, keeping its history (the measured figures and the chains that used it) in
 * `<workspace>/prompts/.history/<name>.json` (a dot folder, so the loader never reads it as a prompt).
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { ChainContext } from '../../chain/schema.js';
import { listChainFiles, readChainFile } from '../../chain/store.js';
import { moveOwnFile } from '../../config/trustStore.js';
import { writeFileDurableSync } from '../../durable.js';
import { FileSystemError, UsageError } from '../../errors.js';
import type { Catalog } from '../../library/catalog.js';
import { GENERATED_CATEGORY } from '../../library/generated.js';
import { parsePromptFile } from '../../library/parse.js';
import { computePromptStats, type PromptStat } from '../learning/promptStats.js';
import { evalShortfall } from '../../evals/compare.js';
import { listRuns } from '../../evals/store.js';

/** Distinct chains a generated prompt must have run in before it is offered. */
const PROMOTE_MIN_CHAINS = 3;
/** Mean confidence gain per run it must reach (0..1 points; 0.05 = 5 points), from the steps' confidence_gain. */
const PROMOTE_MIN_GAIN = 0.05;
/** Largest share of its runs that may have failed. */
const PROMOTE_MAX_FAILURE_RATE = 0.25;

export interface PromotionCandidate {
  name: string;
  chains: number;
  runs: number;
  avg_confidence_gain: number;
  citation_rate: number | null;
}

/** Why `s` falls short of promotion (empty when it qualifies). Pure. */
export function promotionShortfalls(s: PromptStat): string[] {
  const out: string[] = [];
  if (s.chains < PROMOTE_MIN_CHAINS) out.push(`ran in ${s.chains} chain(s), needs ${PROMOTE_MIN_CHAINS}`);
  if (s.avg_confidence_gain === null) out.push('no run recorded a confidence gain');
  else if (s.avg_confidence_gain < PROMOTE_MIN_GAIN)
    out.push(
      `mean confidence gain ${(s.avg_confidence_gain * 100).toFixed(1)} pts, needs ${PROMOTE_MIN_GAIN * 100}`,
    );
  if (s.runs > 0 && s.failures / s.runs > PROMOTE_MAX_FAILURE_RATE)
    out.push(`${s.failures} of ${s.runs} runs failed (at most ${PROMOTE_MAX_FAILURE_RATE * 100}%)`);
  return out;
}

/**
 * The generated prompts still in the workspace's `prompts/custom/` whose stats meet every
 * threshold above, best gain first. Pure: `stats` from computePromptStats, `catalog` the loaded library.
 */
export function promotionCandidates(stats: readonly PromptStat[], catalog: Catalog): PromotionCandidate[] {
  return stats
    .filter((s) => s.generated && isPromotable(catalog, s.name) && promotionShortfalls(s).length === 0)
    .map((s) => ({
      name: s.name,
      chains: s.chains,
      runs: s.runs,
      avg_confidence_gain: s.avg_confidence_gain!,
      citation_rate: s.citation_rate,
    }))
    .sort((a, b) => b.avg_confidence_gain - a.avg_confidence_gain || (a.name < b.name ? -1 : 1));
}

function isPromotable(catalog: Catalog, name: string): boolean {
  const doc = catalog.get(name);
  return !!doc && doc.name === name && doc.layer === 'workspace' && doc.category === GENERATED_CATEGORY;
}

export interface PromoteResult {
  name: string;
  /** Absolute paths: where the prompt was and where it is now. */
  from: string;
  to: string;
  category: string;
  /** The history file written beside the library. */
  history: string;
  /** The figures it was promoted on (null when no chain ran it and --force was given). */
  stats: PromptStat | null;
  /** Thresholds it missed (non-empty only with force). */
  shortfalls: string[];
}

const CATEGORY_RE = /^[a-z][a-z0-9_]*$/;

/**
 * Moves generated prompt `name` from `<workspace>/prompts/custom/` to `<workspace>/prompts/<category>/`
 * and writes its history (stats + the chains that ran or generated it, read from `contextDirs`).
 * Refuses (UsageError, exit 2) an unknown prompt, one not in the workspace's custom folder, a bad or
 * taken category/target, and — unless `force` — one that misses a threshold (each shortfall named),
 * or whose eval cases pass less often than the earlier version's (saved runs in `<contextDirs[0]>/.evals/`).
 * The target is created exclusively before the source is removed, so a failure never loses the prompt.
 * Throws FileSystemError when a file cannot be written.
 */
export async function promotePrompt(
  workspace: string,
  catalog: Catalog,
  name: string,
  opts: { category: string; contextDirs: string[]; force?: boolean; now?: Date },
): Promise<PromoteResult> {
  const doc = catalog.get(name);
  if (!doc)
    throw new UsageError(
      `no prompt named "${name}"`,
      '`claude-exec prompts list --category custom` lists the generated prompts.',
    );
  if (!isPromotable(catalog, name)) {
    throw new UsageError(
      `${doc.name} is not a generated prompt of this workspace (it is ${doc.layer}: ${doc.file})`,
      `Only prompts in ${path.join('prompts', GENERATED_CATEGORY)}/ can be promoted.`,
    );
  }
  if (!CATEGORY_RE.test(opts.category) || opts.category === GENERATED_CATEGORY) {
    throw new UsageError(
      `bad category "${opts.category}"`,
      'Use a lowercase folder name other than "custom", e.g. --category discovery.',
    );
  }
  const chains: ChainContext[] = [];
  for (const e of await listChainFiles(opts.contextDirs)) {
    try {
      chains.push(await readChainFile(e.path));
    } catch {
      // corrupt files are reported by `prompts stats`; promotion uses what can be read
    }
  }
  const stats = computePromptStats(chains).find((s) => s.name === name) ?? null;
  // A version that does worse on its eval cases (`prompts eval`) than the one before it is held back too.
  const evalRuns = opts.contextDirs[0] ? await listRuns(opts.contextDirs[0]) : [];
  const evalGap = evalShortfall(evalRuns, name);
  const shortfalls = [
    ...(stats ? promotionShortfalls(stats) : ['no chain ran it']),
    ...(evalGap ? [evalGap] : []),
  ];
  if (shortfalls.length && !opts.force) {
    throw new UsageError(
      `${name} does not qualify for promotion: ${shortfalls.join('; ')}`,
      'Pass --force to promote it anyway.',
    );
  }
  const text = await fs.readFile(doc.file, 'utf8');
  const to = path.resolve(workspace, 'prompts', opts.category, `${name}.md`);
  const parsed = parsePromptFile(text, to, opts.category, 'workspace');
  if (!parsed.doc)
    throw new UsageError(
      `${doc.file} is not a valid prompt file any more: ${parsed.issues.map((i) => `${i.field}: ${i.problem}`).join('; ')}`,
    );
  const used = chains.filter(
    (c) => c.steps.some((s) => s.prompt === name) || c.generated_prompts.some((g) => g.name === name),
  );
  const historyFile = path.resolve(workspace, 'prompts', '.history', `${name}.json`);
  const history = {
    name,
    promoted_at: (opts.now ?? new Date()).toISOString(),
    from: path.relative(workspace, doc.file),
    to: path.relative(workspace, to),
    shortfalls,
    stats,
    chains: used.map((c) => ({
      chain_id: c.chain_id,
      chain_uid: c.chain_uid,
      goal: c.goal,
      generated_for: c.generated_prompts.find((g) => g.name === name)?.reason ?? null,
      runs: c.steps.filter((s) => s.prompt === name).length,
      confidence_gain: c.steps.filter((s) => s.prompt === name).map((s) => s.confidence_gain),
    })),
  };
  await fs.mkdir(path.dirname(to), { recursive: true });
  try {
    writeFileDurableSync(to, text, { exclusive: true });
  } catch (err) {
    if (err instanceof FileSystemError && err.code === 'EEXIST')
      throw new UsageError(`${to} already exists; nothing was moved`, 'Choose another --category.');
    throw err;
  }
  await fs.mkdir(path.dirname(historyFile), { recursive: true });
  writeFileDurableSync(historyFile, `${JSON.stringify(history, null, 2)}\n`);
  await fs.rm(doc.file);
  // A prompt a chain generated stays claude-exec's own (no trust question) in its new folder.
  moveOwnFile(workspace, doc.file, to, text);
  return { name, from: doc.file, to, category: opts.category, history: historyFile, stats, shortfalls };
}
