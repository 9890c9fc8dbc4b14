/**
 * The human's gates, for every flow: before any approval gate the baseline runs (before any
 * change of ours) and the spec is written for the reviewer; `--until solution-approval` stops AT
 * the gate; a workflow's `gate: approval` step presents the latest solution a step wrote.
 */
import type { Findings } from '../../phases/protocol.js';
import { decideSolution } from '../../memory/fold.js';
import type { DriveDeps } from '../deps.js';
import type { GateResponse } from '../ui.js';
import { approvalGate, askQuestions } from '../gates.js';
import type { ChainSession } from '../session.js';
import { gateNotes, specPath, specsDirOf } from '../spec.js';
import { ensureBaseline } from '../testing.js';
import { updateSpec } from './finish.js';

/** Before an approval gate: the baseline (once, before any change of ours), then the spec for the reviewer. */
export async function beforeApproval(session: ChainSession, deps: DriveDeps): Promise<void> {
  await ensureBaseline(session, deps);
  await updateSpec(session, deps);
}

/**
 * `--until solution-approval`: stop AT the gate with the solution presented and nothing
 * approved (status `paused`, the approval pending), so `approve ID` or `resume ID` answers it.
 * Returns true when the chain paused (saved).
 */
export async function pauseAtGate(session: ChainSession, deps: DriveDeps): Promise<boolean> {
  const c = session.ctx;
  if (c.until_phase !== 'solution-approval' || c.gate_response) return false;
  c.status = 'paused';
  c.until_phase = null;
  const spec = specPath(session.file, specsDirOf(deps));
  c.pending = { kind: 'approval', presented: c.solution ?? '(no solution text was produced)' };
  const notes = gateNotes(c, spec);
  if (notes) deps.ui.progress.info(notes.replace(/^\s*---\n/, '').trimEnd());
  await session.save();
  deps.ui.progress.info(
    `stopped at the solution gate as --until asked; nothing was approved. The spec: ${spec}. Approve with \`claude-exec approve ${c.chain_id}\` (or --reject "why").`,
  );
  return true;
}

/** The solution approval gate: the human's answer, folded into the chain's solution versions. */
export async function solutionGate(session: ChainSession, deps: DriveDeps): Promise<GateResponse> {
  const answer = await approvalGate(session, deps);
  session.ctx = decideSolution(session.ctx, answer.response, session.now());
  return answer;
}

/**
 * The proposal a workflow's `gate: approval` step presents when no solution was synthesized: the
 * latest solution a step wrote, else the last step's presentation, solution or summary.
 */
export function proposalOf(session: ChainSession): string | null {
  const ctx = session.ctx;
  if (ctx.solution) return ctx.solution;
  const last = [...ctx.steps].reverse().find((s) => s.status === 'complete');
  const r = last?.result as Findings | undefined;
  return ctx.solution_versions.at(-1)?.text ?? r?.presentation ?? r?.solution ?? last?.summary ?? null;
}

/** The questions gate: the chain's open questions asked. Returns how many were open. */
export async function questionsGate(session: ChainSession, deps: DriveDeps): Promise<number> {
  const open = session.ctx.questions.filter((q) => q.answer === null).length;
  await askQuestions(session, deps);
  return open;
}
