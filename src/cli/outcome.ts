/**
 * Renders a chain outcome (run, resume, approve, answer, demo, an interrupt): a short summary and
 * the next command on stdout (or one `claude-exec/run@1` document with --json), what the chain
 * waits for and the stopping error on stderr, and the exit code (DESIGN §1).
 */
import { existsSync } from 'node:fs';
import type { ChainOutcome } from '../engine/run.js';
import { checklistLines, prPath, readiness, readinessVerdict } from '../engine/spec.js';
import { ITERATION_CAP_REASON } from '../phases/machine.js';
import type { ChainContext } from '../chain/schema.js';
import { BudgetExceededError, ExitCode, InterruptedError, type ClaudeExecError } from '../errors.js';
import type { RunOutput } from '../contract/run.js';
import { setInterruptedOutcomePrinter } from './interrupt-report.js';
import { printJson, type Io } from './io.js';
import { grouped } from '../ui/number.js';
import { renderPending } from './pending.js';
import { findingsLines, workflowFindings } from './views/findings.js';
import { secondOpinionLines } from './views/secondOpinion.js';
import { billingOf, costOrNull, tokensOf } from '../chain/billing.js';
import { costText, nextCommands, openQuestions, pendingView } from '../contract/views/chain.js';

export interface OutcomeOptions {
  /** `claude-exec/demo@1` instead of run@1. */
  schema?: RunOutput['schema'];
  /** Global options to repeat in the next commands (e.g. `--cwd DIR`). */
  flags?: string[];
}

/** The exit code of an outcome: the stopping error's, else by status. */
function exitCodeOf(o: ChainOutcome): number {
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

/** The hint of the stopping error, naming the chain (the errors themselves do not know it). */
function hintFor(error: ClaudeExecError, ctx: ChainContext, flags: string[] = []): string | null {
  if (error instanceof InterruptedError || error instanceof BudgetExceededError)
    return `Continue with \`${nextCommands(ctx, flags)[0]}\`.`;
  return error.hint ?? null;
}

/** What to do about a failed chain: more iterations at the implementation cap, else resume. */
function failedHint(c: ChainContext, flags: string[] = []): string {
  const a = c.machine.awaiting;
  if (a?.kind === 'fail' && a.reason.endsWith(ITERATION_CAP_REASON)) {
    return `\`${nextCommands(c, flags)[0]}\` continues with the last failure as feedback; \`claude-exec spec ${c.chain_id}\` shows which criteria are still red.`;
  }
  return `\`claude-exec resume ${c.chain_id}\` retries from the last completed step.`;
}

/** The `claude-exec/run@1` document of an outcome. */
export function outcomeJson(o: ChainOutcome, opts: OutcomeOptions = {}): RunOutput {
  const c = o.ctx;
  const t = c.cost_tracking;
  const failed = !o.error && c.status === 'failed' && c.error;
  const exitCode = exitCodeOf(o);
  return {
    schema: opts.schema ?? 'claude-exec/run@1',
    chain_id: c.chain_id,
    file: o.file,
    workspace: c.workspace,
    goal: c.goal,
    status: c.status,
    current_phase: c.current_phase,
    model: c.model,
    billing: billingOf(c),
    confidence: c.confidence_scores,
    pending: pendingView(c),
    open_questions: openQuestions(c),
    cost_usd: costOrNull(t.estimated_cost, c.calls.length, t.unpriced_calls + t.subscription_calls),
    unpriced_calls: t.unpriced_calls,
    tokens: tokensOf(t),
    calls: c.calls.length,
    steps: c.steps.length,
    files_modified: c.session_memory.files_modified,
    next: nextCommands(c, opts.flags)[0] ?? null,
    test_command: c.test_command,
    spec: o.spec && existsSync(o.spec) ? o.spec : null,
    readiness: c.current_phase === 'deployment-readiness' && !c.single_prompt ? readiness(c) : null,
    second_opinions: c.second_opinions,
    error: o.error
      ? { exit_code: o.error.exitCode, message: o.error.message, hint: hintFor(o.error, c, opts.flags) }
      : failed
        ? {
            exit_code: ExitCode.failed,
            message: `chain ${c.chain_id} failed: ${c.error}`,
            hint: failedHint(c, opts.flags),
          }
        : null,
    exit_code: exitCode,
  };
}

/** The readiness checklist printed at the end of a run, with the PR description's path and the next command. */
function readinessLines(s: RunOutput, ctx: ChainContext, flags: string[] = []): string[] {
  const r = s.readiness!;
  const lines = ['', `Readiness: ${readinessVerdict(r)}`, ...checklistLines(r).map((l) => `  ${l}`)];
  for (const b of r.blocking) lines.push(`  blocking: ${b}`);
  const pr = s.spec ? prPath(s.spec) : null;
  if (pr && existsSync(pr)) lines.push(`  PR description: ${pr}`);
  const extra = flags.length ? ` ${flags.join(' ')}` : '';
  const changed = ctx.checkpoints.some((k) => k.phase === 'implementation') || ctx.originals.length > 0;
  const next =
    r.passed && s.status === 'complete'
      ? changed
        ? `claude-exec diff ${s.chain_id}${extra}   # review the change (new files included), then open the pull request`
        : 'review the changed files, then open the pull request'
      : `claude-exec spec ${s.chain_id}${extra}   # what blocks it; \`claude-exec rollback ${s.chain_id}\` undoes the change`;
  lines.push(`  next: ${next}`);
  return lines;
}

/** Prints the outcome and sets process.exitCode. */
export function reportOutcome(io: Io, json: boolean, o: ChainOutcome, opts: OutcomeOptions = {}): void {
  const s = outcomeJson(o, opts);
  const view = s.pending;
  if (view) io.err(renderPending(s.chain_id, view, nextCommands(o.ctx, opts.flags)));
  if (json) printJson(io, s);
  else {
    // A workflow chain's phase is only the phase its last prompt ran as; the workflow says more.
    const where =
      o.ctx.workflow && o.ctx.workflow.name !== 'feature' && !o.ctx.single_prompt
        ? `workflow ${o.ctx.workflow.name}`
        : `phase ${s.current_phase}`;
    io.out(`Chain ${s.chain_id}: ${s.status} (${where})`);
    io.out(
      `  cost ${costText(s)} · ${grouped(s.tokens.total)} tokens in ${s.calls} calls · confidence ${Math.round(s.confidence.overall * 100)}%`,
    );
    if (s.files_modified.length) io.out(`  files changed: ${s.files_modified.join(', ')}`);
    io.out(`  context: ${s.file}`);
    if (s.spec) io.out(`  spec: ${s.spec}`);
    for (const line of secondOpinionLines(o.ctx.second_opinions)) io.out(`  ${line}`);
    if (s.readiness) {
      for (const line of readinessLines(s, o.ctx, opts.flags)) io.out(line);
    } else if (s.next && !view) io.out(`  next: ${s.next}`);
    // A workflow that wrote nothing (a review, a plan): its answer is what it found.
    const found = s.status === 'complete' ? workflowFindings(o.ctx) : null;
    if (found)
      for (const line of findingsLines(found, `claude-exec status ${s.chain_id} --full`)) io.out(line);
  }
  if (s.error) {
    io.err(`claude-exec: ${s.error.message}`);
    if (s.error.hint) io.err(s.error.hint);
  }
  process.exitCode = s.exit_code;
}

// The CLI entry's signal handler prints an interrupted chain with this (it does not import this module).
setInterruptedOutcomePrinter((io, json, outcome) => reportOutcome(io, json, outcome));
