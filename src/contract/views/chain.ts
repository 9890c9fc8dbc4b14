/**
 * Pieces of a chain as the JSON contract shows them (src/contract/common.ts): tokens in one
 * shape, cost or null, billing, what it waits for, and the next command. Pure.
 */
import { DEMO_MODEL } from '../../chain/billing.js';
import { suggestedMaxCost } from '../../cost/suggestCap.js';
import type { ChainContext } from '../../chain/schema.js';
import { ITERATION_CAP_REASON } from '../../phases/machine.js';
import { answersSinceDecision } from '../../memory/gate-answers.js';
import type { RunOutput } from '../run.js';

export type PendingView = NonNullable<RunOutput['pending']>;

/** The open questions of a chain with their proposed defaults. */
export function openQuestions(ctx: ChainContext) {
  return ctx.questions
    .filter((q) => q.answer === null)
    .map(({ id, question, why, default_answer }) => ({ id, question, why, default_answer }));
}

/** What the chain waits for, as a human needs to see it; null when nothing. */
export function pendingView(ctx: ChainContext): PendingView | null {
  const p = ctx.pending;
  if (!p) return null;
  if (p.kind === 'questions') {
    const ids = new Set(p.question_ids);
    return { kind: 'questions', questions: openQuestions(ctx).filter((q) => ids.has(q.id)) };
  }
  if (p.kind === 'approval') {
    const answers = answersSinceDecision(ctx).map(({ question, answer, step }) => ({
      question,
      answer,
      step,
    }));
    return { kind: 'approval', answers, solution: p.presented, confidence: ctx.confidence_scores.overall };
  }
  return { kind: 'file-change', path: p.path, diff: p.diff };
}

const quote = (s: string) => (/^[\w./:=-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

/**
 * The commands that continue or inspect the chain, most likely first. `flags` are global options
 * to repeat (e.g. `--cwd /tmp/demo`), already quoted.
 */
export function nextCommands(ctx: ChainContext, flags: string[] = []): string[] {
  const id = ctx.chain_id;
  // The flags go last, after the command's own words.
  const cmd = (...args: string[]) => ['claude-exec', ...args, ...flags.map(quote)].join(' ');
  const p = ctx.pending;
  // A demo chain continues only with its scripted model: `demo` in its workspace does that.
  if (ctx.model === DEMO_MODEL && ctx.status !== 'complete')
    return [['claude-exec', 'demo', '--cwd', quote(ctx.workspace)].join(' '), cmd('status', id)];
  if (p?.kind === 'questions') {
    const answers = p.question_ids.map((q) => `--answer ${q}=…`).join(' ');
    return [
      cmd('answer', id, answers),
      cmd('answer', id, '--file answers.json'),
      `${cmd('resume', id, '--yes')}   # accept the proposed defaults`,
    ];
  }
  if (p?.kind === 'approval')
    return [
      cmd('approve', id),
      cmd('approve', id, '--reject "why"'),
      cmd('approve', id, '--more-info "question"'),
    ];
  if (p?.kind === 'file-change')
    return [
      cmd('approve', id),
      cmd('approve', id, '--reject "why"'),
      cmd('pending', id),
      `${cmd('approve', id, '--all-changes')}   # this and the rest of the implementation`,
    ];
  switch (ctx.status) {
    case 'complete':
      return [cmd('chain-cost', id), cmd('status', id)];
    case 'budget-exceeded': {
      const high = ctx.forecast?.cost_usd?.high ?? null;
      const higher =
        ctx.max_cost_usd === null
          ? 'HIGHER'
          : String(
              suggestedMaxCost({
                spentUsd: ctx.cost_tracking.estimated_cost,
                maxCostUsd: ctx.max_cost_usd,
                forecastHighUsd: high,
              }),
            );
      return [cmd('resume', id, '--max-cost', higher)];
    }
    case 'running':
      return [cmd('status', id)];
    default:
      // At the implementation iteration cap resume alone would stop again: it needs more iterations.
      if (
        ctx.status === 'failed' &&
        ctx.machine.awaiting?.kind === 'fail' &&
        ctx.machine.awaiting.reason.endsWith(ITERATION_CAP_REASON)
      ) {
        return [cmd('resume', id, '--more-iterations 2'), cmd('spec', id), cmd('rollback', id)];
      }
      return [cmd('resume', id), cmd('status', id)];
  }
}

/** "$0.0123", "demo (scripted model, no charge)", "subscription (…)", "unpriced"; `short` for table cells. */
export function costText(
  s: Pick<RunOutput, 'cost_usd' | 'billing' | 'unpriced_calls'>,
  short = false,
): string {
  if (s.billing === 'demo') return short ? 'demo' : 'demo (scripted model, no charge)';
  if (s.cost_usd === null)
    return s.billing === 'subscription'
      ? short
        ? 'subscription'
        : 'subscription (no per-token cost)'
      : 'unpriced';
  const usd = `$${s.cost_usd < 1 ? s.cost_usd.toFixed(4) : s.cost_usd.toFixed(2)}`;
  return s.unpriced_calls ? `${usd} (+${s.unpriced_calls} unpriced calls)` : usd;
}
