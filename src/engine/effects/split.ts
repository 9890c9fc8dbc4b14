/**
 * A split's own steps (workflows/split.yaml; the parts then run as sub-chains, ./subChain.ts):
 * `plan_split` — the planner proposes 2-8 parts with their dependencies, validated (problems go
 * back to the model for correction) and recorded in the chain's `split.plan`; `gate: split` — the
 * human approves the plan (the solution gate: terminal, --yes, or exit 3 and `approve ID`).
 * Both need a git repository with a commit: the parts work in git worktrees of it.
 */
import { z } from 'zod';
import type { ChainContext, SubChainPlan, WorkflowEffect } from '../../chain/schema.js';
import { SubChainPlanSchema } from '../../chain/schema.js';
import type { ResultToolSpec } from '../../llm/types.js';
import { FindingsSchema, type Findings } from '../../phases/protocol.js';
import { loadWorkflows } from '../../workflows/load.js';
import { topoOrder } from '../../workflows/parts.js';
import type { DriveDeps } from '../deps.js';
import { approvalGate } from '../gates.js';
import { FINDINGS_TOOL } from '../promptRun.js';
import type { ChainSession } from '../session.js';
import { promptStep } from '../steps.js';
import { requireGitRepo } from '../worktrees.js';
import type { StepOutcome } from './outcome.js';

/** Parts a split may have (a bound independent of the model). */
const MAX_SUBCHAINS = 8;

const ProposedSchema = SubChainPlanSchema.omit({ chain_id: true });
type Proposed = z.infer<typeof ProposedSchema>;

/** Problems of a proposed split: duplicate keys, unknown or own dependencies, a cycle, an unknown workflow. Pure. */
function planProblems(
  plan: readonly Proposed[],
  workflows: readonly string[],
): { path: (string | number)[]; message: string }[] {
  const out: { path: (string | number)[]; message: string }[] = [];
  const keys = plan.map((p) => p.key);
  plan.forEach((p, i) => {
    if (keys.indexOf(p.key) !== i)
      out.push({ path: [i, 'key'], message: `"${p.key}" is the key of another sub-chain` });
    for (const d of p.depends_on) {
      if (d === p.key) out.push({ path: [i, 'depends_on'], message: 'a sub-chain cannot depend on itself' });
      else if (!keys.includes(d)) out.push({ path: [i, 'depends_on'], message: `no sub-chain "${d}"` });
    }
    if (p.workflow && !workflows.includes(p.workflow))
      out.push({
        path: [i, 'workflow'],
        message: `no workflow "${p.workflow}" (one of ${workflows.join(', ')})`,
      });
  });
  if (!out.length && !topoOrder(plan)) out.push({ path: [], message: 'the dependencies form a cycle' });
  return out;
}

/** record_findings with `subchains`, validated against `workflows` (the names a part may run). */
function splitTool(workflows: string[]): ResultToolSpec<Findings & { subchains: Proposed[] }> {
  return {
    ...FINDINGS_TOOL,
    schema: FindingsSchema.extend({
      subchains: z
        .array(ProposedSchema)
        .min(2)
        .max(MAX_SUBCHAINS)
        .describe('--split: the sub-chains to run, with their dependencies'),
    }).superRefine((v, zctx) => {
      for (const p of planProblems(v.subchains, workflows))
        zctx.addIssue({ code: 'custom', path: ['subchains', ...p.path], message: p.message });
    }),
  } as ResultToolSpec<Findings & { subchains: Proposed[] }>;
}

/** The plan as presented at the gate (markdown). Pure. */
function renderPlan(goal: string, plan: readonly SubChainPlan[], maxConcurrency: number): string {
  const lines = [
    `Split of: ${goal}`,
    '',
    `${plan.length} sub-chains, at most ${maxConcurrency} at once; each works in its own git worktree and ends with a patch (\`claude-exec apply ID\`).`,
    '',
  ];
  for (const p of plan) {
    lines.push(
      `- **${p.key}**${p.workflow ? ` (${p.workflow})` : ''}: ${p.goal}${p.depends_on.length ? ` — after ${p.depends_on.join(', ')}` : ' — starts now'}${p.writes_code ? '' : ' — no code changes'}`,
    );
  }
  return lines.join('\n');
}

/** The chain's split state, made (no plan, the configured concurrency) for a chain that runs the split workflow without one. */
function splitOf(session: ChainSession, deps: DriveDeps): NonNullable<ChainContext['split']> {
  session.ctx.split ??= { plan: null, max_concurrency: deps.config.caps.concurrency, approved: false };
  return session.ctx.split;
}

/**
 * A `plan_split` step: prompt `effect.prompt` (as uncertainty analysis) proposes the parts, which
 * must name workflows that exist (not `split` itself). A plan already recorded is kept.
 */
export async function planSplitEffect(
  session: ChainSession,
  deps: DriveDeps,
  effect: Extract<WorkflowEffect, { kind: 'plan_split' }>,
): Promise<StepOutcome> {
  await requireGitRepo(session.ctx.workspace);
  const split = splitOf(session, deps);
  if (split.plan) return { note: `${split.plan.length} sub-chains planned` };
  if (!session.ctx.phase_history.length) session.enterPhase('uncertainty-analysis');
  const names = (
    await loadWorkflows({
      workspace: session.ctx.workspace,
      prompts: { has: (n) => deps.catalog.get(n) !== undefined },
      workspaceLayer: deps.trusted,
    })
  ).workflows
    .map((w) => w.name)
    .filter((n) => n !== 'split');
  const focus = `Split this task into 2-${MAX_SUBCHAINS} sub-chains that can run in parallel (at most ${split.max_concurrency} at once), and record them in \`subchains\`.`;
  const found = (await promptStep(
    session,
    deps,
    { name: effect.prompt, focus, as_phase: 'uncertainty-analysis' },
    splitTool(names) as unknown as ResultToolSpec<Findings>,
  )) as Findings & { subchains: Proposed[] };
  // session.ctx is replaced when a step's result is folded in: read the split afresh.
  splitOf(session, deps).plan = found.subchains.map((p) => ({ ...p, chain_id: null }));
  await session.save();
  return {
    note: `${found.subchains.length} sub-chains planned: ${found.subchains.map((p) => p.key).join(', ')}`,
  };
}

/** A `gate: split` step: the plan presented for approval; anything but an approval fails the chain. */
export async function splitGateEffect(
  session: ChainSession,
  deps: DriveDeps,
  effect: Extract<WorkflowEffect, { kind: 'gate' }>,
): Promise<StepOutcome> {
  await requireGitRepo(session.ctx.workspace);
  const split = splitOf(session, deps);
  if (split.approved) return { note: 'approved' };
  if (!split.plan) return { rejected: `step ${effect.at}: there is no split plan to approve` };
  session.exitPhase('split planned');
  session.enterPhase('solution-approval');
  session.ctx.solution = renderPlan(session.ctx.goal, split.plan, split.max_concurrency);
  const answer = await approvalGate(session, deps);
  if (answer.response !== 'approved')
    return {
      rejected: `the split was not approved (${answer.response}${'note' in answer && answer.note ? `: ${answer.note}` : ''})`,
    };
  splitOf(session, deps).approved = true;
  await session.save();
  return { note: 'approved' };
}
