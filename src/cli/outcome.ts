/**
 * Renders a chain outcome (run, resume, approve, answer): a short summary on stdout (or one JSON
 * document with --json), the stopping error on stderr, and the exit code (DESIGN §1).
 */
import type { ChainOutcome } from '../app/chain.js';
import { ExitCode } from '../errors.js';
import { printJson, type Io } from './io.js';

/** The JSON summary printed by `--json` (stable shape, documented in the README). */
export function outcomeJson(o: ChainOutcome) {
  const c = o.ctx;
  return {
    chain_id: c.chain_id,
    file: o.file,
    status: c.status,
    current_phase: c.current_phase,
    confidence: c.confidence_scores,
    pending: c.pending,
    open_questions: c.questions.filter((q) => q.answer === null).map((q) => ({ id: q.id, question: q.question, default_answer: q.default_answer })),
    /** null when every call was billed by a Claude subscription (see `billing`). */
    cost_usd: subscriptionOnly(c) ? null : c.cost_tracking.estimated_cost,
    billing: billingOf(c),
    tokens: {
      total: c.cost_tracking.tokens_used,
      input: c.cost_tracking.input_tokens,
      output: c.cost_tracking.output_tokens,
      cache_write: c.cost_tracking.cache_write_tokens,
      cache_read: c.cost_tracking.cache_read_tokens,
    },
    calls: c.calls.length,
    steps: c.steps.length,
    files_modified: c.session_memory.files_modified,
    error: o.error ? o.error.message : c.error,
    exit_code: exitCodeOf(o),
  };
}

/** How the chain's calls were paid: per token (`api`), by a Claude subscription, or both (`mixed`). */
function billingOf(c: ChainOutcome['ctx']): 'api' | 'subscription' | 'mixed' {
  const sub = c.cost_tracking.subscription_calls;
  return sub === 0 ? 'api' : sub === c.calls.length ? 'subscription' : 'mixed';
}

const subscriptionOnly = (c: ChainOutcome['ctx']) => c.calls.length > 0 && billingOf(c) === 'subscription';

/** The exit code of an outcome: the stopping error's, else by status. */
export function exitCodeOf(o: ChainOutcome): number {
  if (o.error) return o.error.exitCode;
  switch (o.ctx.status) {
    case 'complete':
    case 'paused':
      return ExitCode.ok;
    case 'awaiting-input':
      return ExitCode.awaitingInput;
    case 'budget-exceeded':
      return ExitCode.budget;
    case 'cancelled':
      return ExitCode.interrupted;
    default:
      return ExitCode.failed;
  }
}

/** Prints the outcome and sets process.exitCode. */
export function reportOutcome(io: Io, json: boolean, o: ChainOutcome): void {
  const s = outcomeJson(o);
  if (json) printJson(io, s);
  else {
    io.out(`Chain ${s.chain_id}: ${s.status} (phase ${s.current_phase})`);
    const cost = s.cost_usd === null ? 'on a Claude subscription (not billed per token)' : `cost $${s.cost_usd.toFixed(4)}${s.billing === 'mixed' ? ' + subscription calls' : ''}`;
    io.out(`  ${cost} · ${s.tokens.total.toLocaleString('en-US')} tokens in ${s.calls} calls · confidence ${Math.round(s.confidence.overall * 100)}%`);
    if (s.files_modified.length) io.out(`  files changed: ${s.files_modified.join(', ')}`);
    io.out(`  context: ${s.file}`);
  }
  if (o.error) {
    io.err(`claude-exec: ${o.error.message}`);
    if (o.error.hint) io.err(o.error.hint);
  } else if (o.ctx.status === 'failed' && o.ctx.error) {
    io.err(`claude-exec: chain ${o.ctx.chain_id} failed: ${o.ctx.error}`);
    io.err(`Inspect it with \`claude-exec status ${o.ctx.chain_id}\`; \`claude-exec resume ${o.ctx.chain_id}\` retries from the last completed step.`);
  }
  process.exitCode = s.exit_code;
}
