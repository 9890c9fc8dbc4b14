/**
 * `claude-exec save-pattern ID [--name NAME]` (and the offer at the end of a complete chain on a
 * terminal): pattern_extractor runs as one more step of the finished chain (its calls and cost
 * are the chain's, its {{context}} the chain's memory), then the pattern file is built from the
 * record and the extractor's result (../../patterns/build.ts), validated like every pattern file, and written
 * to `<workspace>/patterns/<name>.md`. A second save of the same chain reuses the extraction.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { findChain, readChainFile } from '../../chain/store.js';
import type { ChainContext } from '../../chain/schema.js';
import { writeFileDurableSync } from '../../durable.js';
import { ClaudeExecError, FileSystemError, UsageError } from '../../errors.js';
import { createChainLogger } from '../../log.js';
import type { Findings } from '../../phases/protocol.js';
import type { BaseDeps } from '../../engine/deps.js';
import { bindDeps } from '../../engine/drive.js';
import { takeDriverLock } from '../../engine/driverLock.js';
import { readCostClasses } from '../../cost/promptCosts.js';
import { FINDINGS_TOOL } from '../../engine/promptRun.js';
import { ChainSession } from '../../engine/session.js';
import { runStep } from '../../engine/steps.js';
import { buildPattern } from '../../patterns/build.js';
import { recordOwnFile } from '../../config/trustStore.js';
import {
  parsePatternFile,
  serializePattern,
  workspacePatternsDir,
  type PatternDoc,
} from '../../patterns/file.js';

const EXTRACTOR = 'pattern_extractor';

export interface SavePatternResult {
  pattern: PatternDoc;
  file: string;
  ctx: ChainContext;
  /** True when an earlier extraction of this chain was reused (no call made). */
  reused: boolean;
  /** Cost of the extraction's calls, USD (0 when reused; null when unpriced). */
  extraction_cost_usd: number | null;
  /** The chain's stop when the extractor could not run (budget, API): the pattern is then built from the record alone. */
  warning: string | null;
}

/**
 * Saves the pattern of complete chain `id` (in `contextsDir`). Throws UsageError for an unknown
 * id, a chain that is not complete, or a pattern name already saved in the workspace (unless
 * `replace`); ContextFileError for an unreadable chain; FileSystemError when the file cannot be written.
 * A budget or API stop of the extractor is not fatal: the pattern is built from the record and `warning` says why.
 */
export async function savePattern(
  id: string,
  base: BaseDeps,
  opts: { contextsDir: string; name?: string; replace?: boolean; verbose?: boolean },
): Promise<SavePatternResult> {
  const entry = await findChain([opts.contextsDir], id);
  const lock = await takeDriverLock(entry.path);
  try {
    const ctx = await readChainFile(entry.path);
    if (ctx.status !== 'complete' || ctx.single_prompt) {
      throw new UsageError(
        `chain ${ctx.chain_id} is ${ctx.single_prompt ? `a one-prompt chain (${ctx.single_prompt})` : ctx.status}; only a complete chain makes a pattern`,
        `\`claude-exec status ${ctx.chain_id}\` shows where it stopped.`,
      );
    }
    const session = new ChainSession(entry.path, ctx, base.clock);
    const log = createChainLogger(entry.path.replace(/\.json$/, '.log'), {
      verbose: opts.verbose ?? false,
      env: base.env,
    });
    const deps = bindDeps(session, base, log, readCostClasses(entry.dir));
    const before = ctx.calls.length;
    const earlier = ctx.steps.find(
      (s) => s.prompt === EXTRACTOR && s.status === 'complete' && s.effect === ctx.machine.seq,
    );
    let extracted: Findings | null = (earlier?.result as Findings | undefined) ?? null;
    let warning: string | null = null;
    if (!earlier) {
      try {
        extracted = await runStep(session, deps, { name: EXTRACTOR, focus: null }, FINDINGS_TOOL, (v) => ({
          summary: v.summary,
        }));
      } catch (err) {
        if (!(err instanceof ClaudeExecError)) throw err;
        warning = `pattern_extractor did not finish (${err.message}); the pattern holds the record's facts only`;
      }
      // The chain stays complete: the extraction is an addition, not a resumption.
      session.ctx.status = 'complete';
      await session.save();
    }
    const after = session.ctx;
    const newCalls = after.calls.slice(before);
    const cost = newCalls.some((c) => c.cost_usd === null)
      ? null
      : newCalls.reduce((n, c) => n + (c.cost_usd ?? 0), 0);
    const { fm, body } = buildPattern(after, extracted, { name: opts.name, now: base.clock() });
    const dir = workspacePatternsDir(base.workspace);
    const file = path.join(dir, `${fm.name}.md`);
    const text = serializePattern(fm, body);
    const parsed = parsePatternFile(text, file, 'workspace');
    if (!parsed.doc)
      throw new UsageError(
        `the pattern built from chain ${after.chain_id} is invalid: ${parsed.issues.map((i) => `${i.field}: ${i.problem}`).join('; ')}`,
      );
    mkdirSync(dir, { recursive: true });
    try {
      writeFileDurableSync(file, text, { exclusive: !opts.replace });
      // claude-exec wrote it: it needs no trust question while it is unchanged.
      recordOwnFile(base.workspace, file, text, base.env);
    } catch (err) {
      if (err instanceof FileSystemError && err.code === 'EEXIST') {
        throw new UsageError(
          `a pattern named ${fm.name} is already saved (${path.relative(base.workspace, file)}); nothing was written`,
          `Give another --name, or --replace to overwrite it (the extraction is reused: no new call).`,
        );
      }
      throw err;
    }
    return {
      pattern: parsed.doc,
      file,
      ctx: after,
      reused: !!earlier,
      extraction_cost_usd: earlier ? 0 : cost,
      warning,
    };
  } finally {
    await lock.release();
  }
}
