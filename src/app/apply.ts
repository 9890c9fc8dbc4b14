/**
 * `claude-exec apply ID`: applies the patches of a `--split` family (the parent's ID: every
 * sub-chain's patch, in dependency order) or of one sub-chain to the user's workspace. Everything
 * is checked first — the patches are applied one after another in a temporary worktree of HEAD,
 * then their sum with `git apply --check` in the workspace — so a conflict is reported and
 * nothing is half-applied.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import type { ChainContext } from '../chain/schema.js';
import { findChain, readChainFile } from '../chain/store.js';
import { ClaudeExecError, ExitCode, UsageError } from '../errors.js';
import { isEmptyPatch, missingPatch, topoOrder } from './split.js';

export interface ApplyResult {
  chain_id: string;
  /** Sub-chains whose patch was applied, in order. */
  applied: string[];
  /** Sub-chains that had no changes. */
  empty: string[];
  /** Paths changed in the workspace (relative to it). */
  files: string[];
  workspace: string;
}

const git = (cwd: string, args: string[]) => execa('git', args, { cwd, reject: false, stdin: 'ignore' });
const firstLines = (text: string) => String(text).trim().split('\n').slice(0, 6).join('\n');

/** The sub-chains of `ctx` to apply, in dependency order (ctx itself when it is a sub-chain). */
async function members(ctx: ChainContext, dirs: string[]): Promise<ChainContext[]> {
  if (ctx.sub) return [ctx];
  if (!ctx.split?.plan) throw new UsageError(`chain ${ctx.chain_id} has no patch: it is not a --split chain or one of its sub-chains (its changes are in the workspace already)`);
  const order = topoOrder(ctx.split.plan) ?? ctx.split.plan;
  const out: ChainContext[] = [];
  for (const p of order) {
    if (!p.chain_id) throw new UsageError(`chain ${ctx.chain_id}: sub-chain ${p.key} was never started`, `\`claude-exec resume ${ctx.chain_id}\` runs the family.`);
    out.push(await readChainFile((await findChain(dirs, p.chain_id)).path));
  }
  return out;
}

/**
 * Applies chain `id`'s patches. Throws UsageError (exit 2) when a sub-chain is not complete or
 * is complete without a recorded patch (`missingPatch`: stopped between the two),
 * and ClaudeExecError (exit 1) naming the patch and the conflict when one does not apply;
 * the workspace is then unchanged.
 */
export async function applyChain(id: string, dirs: string[]): Promise<ApplyResult> {
  const ctx = await readChainFile((await findChain(dirs, id)).path);
  const list = await members(ctx, dirs);
  const unfinished = list.filter((c) => c.status !== 'complete');
  if (unfinished.length) throw new UsageError(`not every sub-chain is complete: ${unfinished.map((c) => `${c.chain_id} (${c.status})`).join(', ')}`, `Finish them first (\`claude-exec resume ${ctx.chain_id}\`).`);
  const missing = list.filter(missingPatch);
  if (missing.length) {
    throw new UsageError(`sub-chain ${missing.map((c) => `${c.chain_id} (${c.sub!.key})`).join(', ')} is complete but its patch was never recorded (claude-exec was stopped in between); nothing was applied`, `\`claude-exec resume ${ctx.sub ? (ctx.parent ?? ctx.chain_id) : ctx.chain_id}\` takes it again from the worktree; then apply.`);
  }
  const root = ctx.sub?.root ?? ctx.workspace;
  const nonEmpty: ChainContext[] = [];
  for (const c of list) if (c.sub?.patch && !(await isEmptyPatch(c.sub.patch))) nonEmpty.push(c);
  const withPatch = nonEmpty;
  const result: ApplyResult = { chain_id: ctx.chain_id, applied: withPatch.map((c) => c.chain_id), empty: list.filter((c) => !nonEmpty.includes(c)).map((c) => c.chain_id), files: [], workspace: root };
  if (withPatch.length === 0) return result;

  // Check: the patches in order on a clean worktree of HEAD; their sum is what the workspace gets.
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'claude-exec-apply-'));
  const wt = path.join(tmp, 'wt');
  let combined: string;
  try {
    const add = await git(root, ['worktree', 'add', '-q', '--detach', wt, 'HEAD']);
    if (add.exitCode !== 0) throw new ClaudeExecError(`cannot check the patches: ${firstLines(add.stderr)}`, ExitCode.failed);
    for (const c of withPatch) {
      const r = await git(wt, ['apply', '--index', '--whitespace=nowarn', c.sub!.patch!]);
      if (r.exitCode !== 0) {
        throw new ClaudeExecError(`the patch of chain ${c.chain_id} (${c.sub!.key}) does not apply on HEAD${withPatch.indexOf(c) ? ' after the ones before it' : ''}: ${firstLines(r.stderr)}`, ExitCode.failed, 'Nothing was applied. HEAD moved since the split, or two sub-chains changed the same lines: resolve by hand from the patch files.');
      }
    }
    combined = String((await git(wt, ['diff', '--cached', '--binary', 'HEAD'])).stdout);
  } finally {
    await git(root, ['worktree', 'remove', '--force', wt]);
    await rm(tmp, { recursive: true, force: true });
  }
  const patchFile = path.join(os.tmpdir(), `claude-exec-apply-${ctx.chain_id}-${process.pid}.patch`);
  await writeFile(patchFile, combined.endsWith('\n') ? combined : `${combined}\n`);
  try {
    const check = await git(root, ['apply', '--check', '--whitespace=nowarn', patchFile]);
    if (check.exitCode !== 0) throw new ClaudeExecError(`the changes conflict with the workspace: ${firstLines(check.stderr)}`, ExitCode.failed, 'Nothing was applied. Commit or stash your own changes to those files, then apply again.');
    const stat = await git(root, ['apply', '--numstat', patchFile]);
    result.files = String(stat.stdout).trim().split('\n').filter(Boolean).map((l) => l.split('\t')[2]!);
    const r = await git(root, ['apply', '--whitespace=nowarn', patchFile]);
    if (r.exitCode !== 0) throw new ClaudeExecError(`git apply failed: ${firstLines(r.stderr)}`, ExitCode.failed);
  } finally {
    await rm(patchFile, { force: true });
  }
  return result;
}
