/**
 * After new_case: the saved pattern it named (matched by meaning, src/patterns/offer.ts) is
 * offered as a match by words is at the start (src/cli/commands/drive.ts): asked on a terminal,
 * applied with --yes, otherwise only reported. Applying seeds the chain (its questions, asked now
 * with its answers as defaults; its decisions as proposals; its discovery prompts first).
 */
import type { Findings } from '../phases/protocol.js';
import { applyingLine, matchPatterns, seedChain } from '../patterns/apply.js';
import { loadPatterns } from '../patterns/file.js';
import { namedPattern } from '../patterns/offer.js';
import type { DriveDeps } from './deps.js';
import { askQuestions } from './gates.js';
import type { ChainSession } from './session.js';

/**
 * Offers the pattern new_case named in `findings`, once: the chain's candidates are cleared
 * whatever the answer. Throws what `askQuestions` throws (InterruptedError at the terminal).
 */
export async function offerNamedPattern(
  session: ChainSession,
  deps: DriveDeps,
  findings: Findings,
): Promise<void> {
  const ctx = session.ctx;
  if (ctx.pattern || ctx.pattern_candidates.length === 0) return;
  const named = namedPattern(findings, ctx.pattern_candidates);
  ctx.pattern_candidates = [];
  const doc = named
    ? (await loadPatterns(deps.workspace)).patterns.find((p) => p.name === named.name)
    : undefined;
  if (!named || !doc) {
    if (named)
      deps.ui.progress.warn(
        `new_case named the pattern ${named.name}, which is no longer saved: not applied`,
      );
    await session.save();
    return;
  }
  const label = `Pattern ${doc.name} fits this task (new_case: ${named.reason})`;
  let appliedBy: 'yes' | 'confirmed' | null = null;
  if (deps.yes) {
    deps.ui.progress.info(`${label} — applied (--yes)`);
    appliedBy = 'yes';
  } else if (deps.ui.interactive && deps.ui.confirm) {
    if (await deps.ui.confirm(`${label} — apply?`, true)) appliedBy = 'confirmed';
  } else {
    deps.ui.progress.info(
      `${label} — not applied: without a terminal pass --pattern ${doc.name} (or --yes) to a new chain to apply it`,
    );
  }
  if (appliedBy) {
    const similarity = matchPatterns(ctx.goal, [doc], 0)[0]?.similarity ?? 0;
    session.ctx = seedChain(ctx, doc, { similarity, appliedBy, catalog: deps.catalog, reason: named.reason });
    deps.ui.progress.info(applyingLine(doc));
  }
  await session.save();
  if (appliedBy) await askQuestions(session, deps);
}
