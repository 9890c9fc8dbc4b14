/**
 * The human gates: clarifying questions, the solution approval, and file changes. Each is
 * answered in one of three ways: by a recorded answer (`answer`/`approve` commands), by `--yes`
 * (proposed defaults become assumptions; gates approve), or on a terminal. Otherwise the chain
 * is saved as `awaiting-input` with what it needs in `pending`, and AwaitingInputError is thrown;
 * the CLI then prints what waits (src/cli/pending.ts). Ctrl-C at a terminal prompt comes out of
 * the Ui as InterruptedError, which drive() records as `cancelled`.
 */
import { AwaitingInputError } from '../errors.js';
import { openQuestions } from '../memory/fold.js';
import { answersSinceDecision } from '../memory/gate-answers.js';
import type { ApprovalDecision, ProposedChange } from '../tools/index.js';
import type { GateResponse } from './ui.js';
import type { DriveDeps } from './deps.js';
import { gateNotes, specPath, specsDirOf } from './spec.js';
import type { ChainSession } from './session.js';
import { emitHook } from './hooks.js';

const hint = (id: string, what: string) =>
  `${what}, or run \`claude-exec resume ${id}\` on a terminal (or with --yes).`;

/** Answers every open question (terminal, --yes, or pause). Records clarifications in the phase. */
export async function askQuestions(session: ChainSession, deps: DriveDeps): Promise<void> {
  const ctx = session.ctx;
  const open = openQuestions(ctx);
  if (open.length === 0) return;
  let answers: Record<string, string>;
  let by: 'user' | 'assumed';
  const forked = ctx.fork?.answers;
  const fromFork = Boolean(forked && open.every((q) => forked[q.id] !== undefined));
  if (forked && fromFork) {
    // A fork answers as its source did, with the fork's --answer changes.
    answers = Object.fromEntries(open.map((q) => [q.id, forked[q.id]!]));
    by = 'user';
    for (const q of open)
      deps.ui.progress.info(
        `  ${ctx.fork!.changed.includes(q.id) ? 'changed by the fork' : `as in chain ${ctx.fork!.chain_id}`} ${q.id}: ${q.question} → ${answers[q.id]}`,
      );
  } else if (deps.yes) {
    answers = Object.fromEntries(open.map((q) => [q.id, q.default_answer]));
    by = 'assumed';
    for (const q of open)
      deps.ui.progress.info(`  assumed (--yes) ${q.id}: ${q.question} → ${q.default_answer}`);
  } else if (deps.ui.interactive) {
    await emitHook(session, deps, 'gate', {
      gate: { kind: 'questions', message: `chain ${ctx.chain_id} asks ${open.length} question(s)` },
    });
    answers = await deps.ui.askQuestions(open);
    by = 'user';
  } else {
    await session.update((c) => {
      c.status = 'awaiting-input';
      c.pending = { kind: 'questions', question_ids: open.map((q) => q.id) };
    });
    await emitHook(session, deps, 'gate', {
      gate: {
        kind: 'questions',
        message: `chain ${ctx.chain_id} is waiting for answers to ${open.length} question(s)`,
      },
    });
    throw new AwaitingInputError(
      `chain ${ctx.chain_id} is waiting for answers to ${open.length} question(s) (${open.map((q) => q.id).join(', ')})`,
      hint(
        ctx.chain_id,
        `Answer with \`claude-exec answer ${ctx.chain_id} --answer ${open[0]!.id}=…\` (or --file answers.json)`,
      ),
    );
  }
  deps.llm.recorder?.gate(
    { gate: 'questions', answers },
    fromFork ? 'fork' : by === 'assumed' ? 'yes' : 'user',
  );
  await session.update((c) => {
    const record = c.phase_history.at(-1);
    for (const q of c.questions) {
      const a = answers[q.id];
      if (q.answer !== null || a === undefined) continue;
      q.answer = a;
      q.answered_by = by;
      if (by === 'assumed')
        c.assumptions.push(`${q.question} → ${a} (proposed default, accepted with --yes)`);
      record?.clarifications.push(`${q.question} → ${a}`);
    }
    c.pending = null;
    c.status = 'running';
  });
}

/** The solution approval gate (Y / n / more-info). */
export async function approvalGate(session: ChainSession, deps: DriveDeps): Promise<GateResponse> {
  const ctx = session.ctx;
  const spec = ctx.solution_versions.length || ctx.solution ? specPath(session.file, specsDirOf(deps)) : null;
  const presented = ctx.solution ?? '(no solution text was produced)';
  // Beside the solution (not in it): the test command, the baseline and where the spec is.
  const notes = gateNotes(ctx, spec);
  let answer: GateResponse;
  // A fork repeats its source's decisions made before the step it continues from.
  const decided = ctx.approval_history.filter((a) => a.kind === 'solution').length;
  const fromSource =
    ctx.fork && ctx.steps.length < ctx.fork.from_step - 1 ? ctx.fork.approvals[decided] : undefined;
  if (fromSource && !ctx.gate_response)
    ctx.gate_response = {
      kind: 'solution',
      response: fromSource.response,
      note: fromSource.note,
      path: null,
    };
  const recorded = ctx.gate_response;
  if (recorded && recorded.kind === 'solution') {
    answer =
      recorded.response === 'approved'
        ? { response: 'approved' }
        : { response: recorded.response, note: recorded.note ?? '' };
  } else if (deps.yes) {
    answer = { response: 'approved' };
    for (const a of answersSinceDecision(ctx))
      deps.ui.progress.info(
        `  you asked: ${a.question}\n  answer: ${a.answer?.trim() ?? '(no answer was recorded)'}`,
      );
    if (notes) deps.ui.progress.info(notes.replace(/^\s*---\n/, '').trimEnd());
    deps.ui.progress.info(
      '  solution approved with --yes (the presented solution is in `claude-exec show` under approval_history)',
    );
  } else if (deps.ui.interactive) {
    await emitHook(session, deps, 'gate', {
      gate: { kind: 'solution', message: `chain ${ctx.chain_id} asks for approval of its solution` },
    });
    answer = await deps.ui.askApproval(
      `${presented}${notes}`,
      ctx.confidence_scores.overall,
      answersSinceDecision(ctx),
    );
  } else {
    if (notes) deps.ui.progress.info(notes.replace(/^\s*---\n/, '').trimEnd());
    await session.update((c) => {
      c.status = 'awaiting-input';
      c.pending = { kind: 'approval', presented };
    });
    await emitHook(session, deps, 'gate', {
      gate: { kind: 'solution', message: `chain ${ctx.chain_id} is waiting for approval of its solution` },
    });
    throw new AwaitingInputError(
      `chain ${ctx.chain_id} is waiting for approval of its solution`,
      hint(
        ctx.chain_id,
        `Approve with \`claude-exec approve ${ctx.chain_id}\` (or --reject "why" / --more-info "question")`,
      ),
    );
  }
  deps.llm.recorder?.gate(
    {
      gate: 'solution',
      response: answer.response,
      note: answer.response === 'approved' ? null : answer.note,
    },
    fromSource ? 'fork' : recorded && recorded.kind === 'solution' ? 'recorded' : deps.yes ? 'yes' : 'user',
  );
  await session.update((c) => {
    c.approval_history.push({
      phase: c.current_phase,
      kind: 'solution',
      presented,
      user_response: answer.response,
      note:
        answer.response === 'approved' ? (deps.yes && !recorded ? 'approved with --yes' : null) : answer.note,
      timestamp: session.now(),
    });
    c.gate_response = null;
    c.pending = null;
    c.status = 'running';
  });
  return answer;
}

/** Approval of one file change proposed by write_file / edit_file. */
export async function approveChange(
  session: ChainSession,
  deps: DriveDeps,
  change: ProposedChange,
): Promise<ApprovalDecision> {
  const ctx = session.ctx;
  const recorded = ctx.gate_response;
  let decision: ApprovalDecision;
  let all = false;
  let by: string | null = null;
  let asked = false;
  const fromRecord = Boolean(recorded && recorded.kind === 'file-change' && recorded.path === change.path);
  if (recorded && recorded.kind === 'file-change' && recorded.path === change.path) {
    decision =
      recorded.response === 'approved'
        ? { approved: true }
        : { approved: false, reason: recorded.note ?? 'rejected' };
  } else if (ctx.approve_all_changes && ctx.current_phase === 'implementation') {
    decision = { approved: true };
    by = 'approved with the rest of this implementation ("all")';
  } else if (deps.yes) {
    decision = { approved: true };
  } else if (deps.ui.interactive) {
    await emitHook(session, deps, 'gate', {
      gate: {
        kind: 'file-change',
        message: `chain ${ctx.chain_id} asks for approval of a change to ${change.path}`,
      },
      files: [change.path],
    });
    asked = true;
    const r = await deps.ui.confirmChange(change);
    all = r.approved && r.all === true;
    decision = r.approved ? { approved: true } : r;
  } else {
    await session.update((c) => {
      c.status = 'awaiting-input';
      c.pending = { kind: 'file-change', path: change.path, diff: change.diff, tool_use_id: '' };
    });
    await emitHook(session, deps, 'gate', {
      gate: {
        kind: 'file-change',
        message: `chain ${ctx.chain_id} is waiting for approval of a change to ${change.path}`,
      },
      files: [change.path],
    });
    throw new AwaitingInputError(
      `chain ${ctx.chain_id} is waiting for approval of a change to ${change.path}`,
      hint(
        ctx.chain_id,
        `Review the diff with \`claude-exec pending ${ctx.chain_id}\`; approve with \`claude-exec approve ${ctx.chain_id}\` (or --reject "why")`,
      ),
    );
  }
  // Changes approved with "all" follow the one answer that said so: a replay answers that one.
  if (by === null)
    deps.llm.recorder?.gate(
      {
        gate: 'file-change',
        path: change.path,
        approved: decision.approved,
        reason: decision.approved ? null : decision.reason,
        all,
      },
      fromRecord ? 'recorded' : deps.yes && !asked ? 'yes' : 'user',
    );
  await session.update((c) => {
    c.approval_history.push({
      phase: c.current_phase,
      kind: 'file-change',
      presented: change.path,
      user_response: decision.approved ? 'approved' : 'rejected',
      note: decision.approved
        ? all
          ? 'approved with all the remaining changes of this implementation'
          : by
        : decision.reason,
      timestamp: session.now(),
    });
    if (all) c.approve_all_changes = true;
    c.gate_response = null;
    c.pending = null;
    c.status = 'running';
  });
  return decision;
}
