/**
 * `claude-exec "large task" --split`: parallel_work_planner proposes sub-chains with their
 * dependencies; the human approves the split (the solution gate: terminal, --yes, or exit 3 and
 * `approve ID`); each sub-chain gets its own context file (`parent` / `children` links) and its
 * own git worktree under `<workspace>/.claude-exec/worktrees/` on a `claude-exec/…` branch, never
 * the user's branch; they run concurrently up to `max_concurrency`, a dependent one after what it
 * depends on, on top of their patches. A finished sub-chain's changes become a patch file beside
 * its context (`apply ID` applies them). One budget covers the family (FamilyBudget). A sub-chain
 * that waits for a human or fails stops only the sub-chains that depend on it.
 *
 * Crash safety: a complete sub-chain's patch is written durably, then recorded in one save; a
 * complete sub-chain whose patch was not recorded (killed in between) gets it taken again from
 * its worktree before anything that depends on it starts (`retakeMissingPatches`), and `apply`
 * refuses such a sub-chain. A patch is always written, empty when nothing changed, so that a
 * missing one is told apart from an empty one. A worktree left half-made by a kill is made anew.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { newChainContext } from '../../chain/init.js';
import type { ChainContext, SubChainPlan } from '../../chain/schema.js';
import { SubChainPlanSchema } from '../../chain/schema.js';
import { createChain, findChain, readChainFile, saveChain, type ChainFileEntry } from '../../chain/store.js';
import { writeFileDurable } from '../../durable.js';
import { ClaudeExecError, UsageError } from '../../errors.js';
import { git, type GitResult } from '../../git/run.js';
import { worktreeGit } from '../../git/worktree.js';
import type { ResultToolSpec } from '../../llm/types.js';
import { FindingsSchema, type Findings } from '../../phases/protocol.js';
import type { ChainOutcome, DriveOptions } from '../../engine/run.js';
import type { BaseDeps, DriveDeps } from '../../engine/deps.js';
import { finish, stopped, type DriveOutcome } from '../../engine/effects/finish.js';
import { approvalGate } from '../../engine/gates.js';
import { FINDINGS_TOOL } from '../../engine/promptRun.js';
import { FamilyBudget, type ChainSession } from '../../engine/session.js';
import { promptStep } from '../../engine/steps.js';

/** Sub-chains a split may have (a bound independent of the model). */
const MAX_SUBCHAINS = 8;

const ProposedSchema = SubChainPlanSchema.omit({ chain_id: true });
type Proposed = z.infer<typeof ProposedSchema>;

/** The keys of `plan` in an order where every sub-chain comes after what it depends on; null when there is a cycle. Pure. */
export function topoOrder<T extends { key: string; depends_on: string[] }>(plan: readonly T[]): T[] | null {
  const out: T[] = [];
  const done = new Set<string>();
  let progress = true;
  while (out.length < plan.length && progress) {
    progress = false;
    for (const p of plan) {
      if (done.has(p.key) || !p.depends_on.every((d) => done.has(d))) continue;
      out.push(p);
      done.add(p.key);
      progress = true;
    }
  }
  return out.length === plan.length ? out : null;
}

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

/** record_findings with `subchains`, validated (problems go back to the model for correction). */
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

/** The plan as presented at the gate (markdown). */
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

/** Throws UsageError unless `root` is a git work tree with a commit (sub-chains work in worktrees of it). */
export async function requireGitRepo(root: string): Promise<void> {
  const r = await git(root, ['rev-parse', '--verify', 'HEAD']);
  if (r.exitCode !== 0)
    throw new UsageError(
      '--split needs a git repository with a commit: sub-chains work in git worktrees of it',
      'Run `git init && git add -A && git commit -m init` first, or run the task without --split.',
    );
}

/** Where sub-chain `chainId`'s worktree lives; the `.claude-exec/` folder ignores itself in git. */
async function worktreePath(root: string, chainId: string): Promise<string> {
  const dir = path.join(root, '.claude-exec');
  await mkdir(path.join(dir, 'worktrees'), { recursive: true });
  if (!existsSync(path.join(dir, '.gitignore')))
    await writeFile(path.join(dir, '.gitignore'), '# claude-exec sub-chain worktrees (--split)\n*\n');
  return path.join(dir, 'worktrees', `chain-${chainId}`);
}

const COMMITTER = [
  '-c',
  'user.name=claude-exec',
  '-c',
  'user.email=claude-exec@localhost',
  '-c',
  'commit.gpgsign=false',
];

/**
 * Creates the worktree of `child` (branch `claude-exec/chain-<parent>-<child>` from HEAD) with the
 * patches of what it depends on applied and committed, so its own patch is taken against that
 * commit. The workspace's node_modules is linked in when the worktree has none, so tests run.
 */
async function prepareWorktree(
  child: ChainContext,
  deps: ChainContext[],
): Promise<NonNullable<ChainContext['sub']>> {
  const sub = child.sub!;
  const wt = await worktreePath(sub.root, child.chain_id);
  const branch = `claude-exec/chain-${child.parent}-${child.chain_id}`;
  // Called only while the chain has no worktree recorded: one found is what a kill left half-made.
  if (existsSync(wt)) {
    await git(sub.root, ['worktree', 'remove', '--force', wt]);
    await rm(wt, { recursive: true, force: true });
    await git(sub.root, ['worktree', 'prune']);
  }
  {
    const add = await git(sub.root, ['worktree', 'add', '-q', '-B', branch, wt, 'HEAD']);
    if (add.exitCode !== 0)
      throw new ClaudeExecError(
        `cannot create the worktree of chain ${child.chain_id}: ${String(add.stderr).trim()}`,
        1,
      );
    const inWt = await worktreeGit(wt, sub.root);
    const withChanges: ChainContext[] = [];
    for (const d of deps) if (d.sub?.patch && !(await isEmptyPatch(d.sub.patch))) withChanges.push(d);
    for (const d of withChanges) {
      const r = await inWt(['apply', '--index', d.sub!.patch!]);
      if (r.exitCode !== 0)
        throw new ClaudeExecError(
          `the patch of chain ${d.chain_id} does not apply in the worktree of chain ${child.chain_id}: ${String(r.stderr).trim()}`,
          1,
        );
    }
    if (withChanges.length) {
      const c = await inWt([
        ...COMMITTER,
        'commit',
        '-q',
        '--no-verify',
        '-m',
        `claude-exec: changes of chains ${deps.map((d) => d.chain_id).join(', ')}`,
      ]);
      if (c.exitCode !== 0)
        throw new ClaudeExecError(
          `cannot commit the dependencies in the worktree of chain ${child.chain_id}: ${String(c.stderr).trim()}`,
          1,
        );
    }
  }
  const modules = path.join(sub.root, 'node_modules');
  if (existsSync(modules) && !existsSync(path.join(wt, 'node_modules')))
    await symlink(modules, path.join(wt, 'node_modules'), 'dir');
  const base = String((await (await worktreeGit(wt, sub.root))(['rev-parse', 'HEAD'])).stdout).trim();
  return { ...sub, worktree: wt, branch, base_commit: sub.base_commit ?? base };
}

/** Stages everything in worktree `wt`; a stale index.lock (a git killed with us; we hold the chain's lock) is removed once. */
async function stageAll(
  inWt: (args: readonly string[]) => Promise<GitResult>,
  chainId: string,
): Promise<void> {
  const args = ['add', '-A', '--', '.', ':(exclude)node_modules'];
  let add = await inWt(args);
  if (add.exitCode !== 0 && /index\.lock/.test(String(add.stderr))) {
    const gitDir = String((await inWt(['rev-parse', '--absolute-git-dir'])).stdout).trim();
    if (gitDir) await rm(path.join(gitDir, 'index.lock'), { force: true });
    add = await inWt(args);
  }
  // Exit 1 with "paths are ignored" only says that the excluded node_modules is also git-ignored: all else is staged.
  if (add.exitCode !== 0 && !/are ignored by one of your \.gitignore files/.test(String(add.stderr))) {
    throw new ClaudeExecError(`cannot take the patch of chain ${chainId}: ${String(add.stderr).trim()}`, 1);
  }
}

/**
 * Writes the worktree's changes since its base commit as a patch beside the context file, durably
 * (src/durable.ts), and returns its path; the patch is empty when nothing changed. Null only when
 * the chain has no worktree. Throws ClaudeExecError (exit 1) when git cannot stage or diff.
 */
async function writePatch(child: ChainContext, file: string): Promise<string | null> {
  const sub = child.sub!;
  if (!sub.worktree || !sub.base_commit) return null;
  const inWt = await worktreeGit(sub.worktree, sub.root);
  await stageAll(inWt, child.chain_id);
  const diff = await inWt(['diff', '--cached', '--binary', sub.base_commit]);
  if (diff.exitCode !== 0)
    throw new ClaudeExecError(
      `cannot take the patch of chain ${child.chain_id}: ${String(diff.stderr).trim()}`,
      1,
    );
  const text = String(diff.stdout);
  const patch = file.replace(/\.json$/, '.patch');
  await writeFileDurable(patch, !text.trim() ? '' : text.endsWith('\n') ? text : `${text}\n`);
  return patch;
}

/** True when a patch file holds no change (a sub-chain that changed nothing). */
export async function isEmptyPatch(patch: string): Promise<boolean> {
  try {
    return !(await readFile(patch, 'utf8')).trim();
  } catch (err) {
    throw new ClaudeExecError(
      `the patch file ${patch} cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
      1,
      'Nothing was applied. `claude-exec resume` of the split takes missing patches again.',
    );
  }
}

/** Pure: a complete sub-chain with a worktree whose patch was never recorded (a kill between the two saves). */
export function missingPatch(c: ChainContext): boolean {
  return c.status === 'complete' && Boolean(c.sub?.worktree) && !c.sub?.patch;
}

/** Takes and records (one save) the patch of a complete sub-chain that lacks it; returns the chain as saved. */
async function retakePatch(child: ChainContext, file: string): Promise<ChainContext> {
  const patch = await writePatch(child, file);
  const saved = { ...child, sub: { ...child.sub!, patch } };
  await saveChain(file, saved);
  return saved;
}

/** Creates the sub-chains of an approved plan that do not exist yet (parent links, worktree-less). */
async function createChildren(session: ChainSession, base: BaseDeps, opts: DriveOptions): Promise<void> {
  const ctx = session.ctx;
  const plan = ctx.split!.plan!;
  const { workflowForChain } = await import('../library/workflows.js');
  for (const item of plan) {
    if (item.chain_id) continue;
    const workflow = await workflowForChain(
      ctx.workspace,
      base.catalog,
      item.workflow ?? undefined,
      base.trusted,
    );
    const goal = `${item.goal}\n\n(Part "${item.key}" of chain ${ctx.chain_id}: ${ctx.goal})`;
    const entry = await createChain(opts.contextsDir, item.goal, base.clock(), (chainId, chainUid, slug) =>
      newChainContext({
        chainId,
        chainUid,
        goal,
        slug,
        workspace: ctx.workspace,
        model: ctx.model,
        models: ctx.models,
        now: base.clock(),
        maxCostUsd: ctx.max_cost_usd,
        workflow,
        parent: ctx.chain_id,
        sub: {
          key: item.key,
          depends_on: item.depends_on,
          root: ctx.workspace,
          worktree: null,
          branch: null,
          base_commit: null,
          patch: null,
        },
      }),
    );
    item.chain_id = entry.chainId;
    ctx.children.push(entry.chainId);
    await session.save();
    base.ui.progress.info(`  sub-chain ${entry.chainId} (${item.key}): ${item.goal}`);
  }
}

/**
 * Drives the parent of a split: plan, gate, sub-chains (each driven by `driveEntry`). Returns the
 * parent's final status; throws (after saving) the error of a sub-chain that stopped the family:
 * awaiting input, budget, API.
 */
export async function driveSplit(
  session: ChainSession,
  deps: DriveDeps,
  base: BaseDeps,
  opts: DriveOptions,
  driveEntry: DriveEntryFn,
): Promise<DriveOutcome> {
  // session.ctx is replaced when a step's result is folded in: always read it afresh.
  const c = () => session.ctx;
  const split = () => session.ctx.split!;
  c().status = 'running';
  c().error = null;
  let familyStop: ClaudeExecError;
  try {
    await requireGitRepo(c().workspace);
    if (!split().plan) {
      if (!c().phase_history.length) session.enterPhase('uncertainty-analysis');
      const { openWorkflows } = await import('../library/workflows.js');
      const names = (
        await openWorkflows(c().workspace, deps.catalog, { workspaceLayer: deps.trusted })
      ).workflows.map((w) => w.name);
      const focus = `Split this task into 2-${MAX_SUBCHAINS} sub-chains that can run in parallel (at most ${split().max_concurrency} at once), and record them in \`subchains\`.`;
      const found = (await promptStep(
        session,
        deps,
        { name: 'parallel_work_planner', focus, as_phase: 'uncertainty-analysis' },
        splitTool(names) as unknown as ResultToolSpec<Findings>,
      )) as Findings & { subchains: Proposed[] };
      split().plan = found.subchains.map((p) => ({ ...p, chain_id: null }));
      await session.save();
    }
    if (!split().approved) {
      session.exitPhase('split planned');
      session.enterPhase('solution-approval');
      c().solution = renderPlan(c().goal, split().plan!, split().max_concurrency);
      const answer = await approvalGate(session, deps);
      if (answer.response !== 'approved')
        return await finish(
          session,
          'failed',
          `the split was not approved (${answer.response}${'note' in answer && answer.note ? `: ${answer.note}` : ''})`,
        );
      split().approved = true;
      await session.save();
    }
    await createChildren(session, base, opts);
    const outcomes = await runFamily(session, base, opts, driveEntry);
    const plan = split().plan!;
    const states = plan.map((p) => ({
      p,
      status: outcomes.get(p.key)?.ctx.status ?? `not started (waits for ${p.depends_on.join(', ')})`,
    }));
    if (states.every((s) => s.status === 'complete')) {
      session.exitPhase('every sub-chain complete');
      return await finish(session, 'complete', null);
    }
    const stoppedBy = plan.map((p) => outcomes.get(p.key)).find((o) => o?.error);
    const summary = states.map((s) => `${s.p.chain_id} ${s.p.key}: ${s.status}`).join('; ');
    if (!stoppedBy?.error) return await finish(session, 'failed', `sub-chains: ${summary}`);
    // A sub-chain waits for a human, ran out of budget or failed: the parent says which, and why.
    c().status =
      stoppedBy.ctx.status === 'awaiting-input'
        ? 'awaiting-input'
        : stoppedBy.ctx.status === 'budget-exceeded'
          ? 'budget-exceeded'
          : 'failed';
    c().error = `sub-chains: ${summary}`;
    familyStop = new ClaudeExecError(
      `sub-chain ${stoppedBy.ctx.chain_id} stopped: ${stoppedBy.error.message} (${summary})`,
      stoppedBy.error.exitCode,
      `${stoppedBy.error.hint ?? ''} Then \`claude-exec resume ${c().chain_id}\` runs the rest of the family.`.trim(),
    );
  } catch (err) {
    return stopped(session, err);
  }
  await session.save();
  throw familyStop;
}

export type DriveEntryFn = (
  entry: ChainFileEntry,
  base: BaseDeps,
  opts: DriveOptions,
) => Promise<ChainOutcome>;

/** Runs the sub-chains: ready ones (their dependencies complete) concurrently up to max_concurrency. */
async function runFamily(
  session: ChainSession,
  base: BaseDeps,
  opts: DriveOptions,
  driveEntry: DriveEntryFn,
): Promise<Map<string, ChainOutcome>> {
  const ctx = session.ctx;
  const plan = ctx.split!.plan!;
  const order = topoOrder(plan)!;
  const outcomes = new Map<string, ChainOutcome>();
  const files = new Map<string, ChainFileEntry>();
  const children = new Map<string, ChainContext>();
  for (const p of plan) {
    const entry = await findChain([opts.contextsDir], p.chain_id!);
    files.set(p.key, entry);
    let child = await readChainFile(entry.path);
    // Before anything that depends on it starts.
    if (missingPatch(child)) child = await retakePatch(child, entry.path);
    children.set(p.key, child);
    if (child.status === 'complete') outcomes.set(p.key, { ctx: child, file: entry.path });
  }
  const limit = ctx.max_cost_usd;
  const family =
    limit === null
      ? null
      : new FamilyBudget(
          limit,
          [...children.values()].reduce((sum, c) => sum + c.cost_tracking.estimated_cost, 0),
        );
  if (family) {
    family.live.add(session);
    session.family = family;
  }
  const running = new Map<string, Promise<void>>();
  const complete = (key: string) => outcomes.get(key)?.ctx.status === 'complete';
  const startable = (p: SubChainPlan) =>
    !outcomes.has(p.key) && !running.has(p.key) && p.depends_on.every(complete);
  const run = async (p: SubChainPlan) => {
    const entry = files.get(p.key)!;
    const file = entry.path;
    try {
      let child = await readChainFile(file);
      if (!child.sub?.worktree) {
        child.sub = await prepareWorktree(
          child,
          p.depends_on.map((k) => outcomes.get(k)!.ctx),
        );
        child.workspace = child.sub.worktree!;
        await saveChain(file, child);
      }
      if (family) family.settledUsd -= child.cost_tracking.estimated_cost;
      const out = await driveEntry(entry, base, {
        ...opts,
        until: undefined,
        maxCostUsd: undefined,
        family: family ?? undefined,
      });
      child = out.ctx;
      if (child.status === 'complete') {
        child = await retakePatch(await readChainFile(file), file);
        const patch = child.sub!.patch;
        base.ui.progress.info(
          `  sub-chain ${child.chain_id} (${p.key}) complete${patch && !(await isEmptyPatch(patch)) ? `: patch ${path.relative(ctx.workspace, patch)}` : ', no changes'}`,
        );
      }
      outcomes.set(p.key, { ...out, ctx: child });
    } catch (err) {
      const e =
        err instanceof ClaudeExecError ? err : new ClaudeExecError(String((err as Error)?.message ?? err), 1);
      const child = await readChainFile(file).catch(() => children.get(p.key)!);
      // A sub-chain whose patch could not be taken is not done: nothing may build on it, and the family is not complete.
      outcomes.set(p.key, {
        ctx: {
          ...child,
          status: child.status === 'running' || missingPatch(child) ? 'failed' : child.status,
        },
        file,
        error: e,
      });
    }
  };
  for (;;) {
    for (const p of order) {
      if (running.size >= ctx.split!.max_concurrency) break;
      if (startable(p))
        running.set(
          p.key,
          run(p).finally(() => running.delete(p.key)),
        );
    }
    if (running.size === 0) break;
    await Promise.race(running.values());
  }
  if (family) family.settle(session);
  return outcomes;
}
