/**
 * The git worktrees of a split's sub-chains (workflows/split.yaml, ./effects/subChain.ts): each
 * part works in its own worktree under `<workspace>/.claude-exec/worktrees/` on a `claude-exec/…`
 * branch, never the user's branch, on top of the patches of the parts it depends on; a complete
 * part's changes become a patch file beside its context file (`claude-exec apply ID` applies them).
 *
 * Crash safety: a patch is always written (empty when nothing changed, so a missing one is told
 * apart from an empty one), durably, then recorded in one save; a complete part whose patch was
 * not recorded (killed in between) is `missingPatch` and has it taken again (`retakePatch`). A
 * worktree left half-made by a kill is made anew.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ChainContext } from '../chain/schema.js';
import { saveChain } from '../chain/store.js';
import { writeFileDurable } from '../durable.js';
import { ClaudeExecError, UsageError } from '../errors.js';
import { git, type GitResult } from '../git/run.js';
import { worktreeGit } from '../git/worktree.js';

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
 * patches of `deps` (what it depends on) applied and committed, so its own patch is taken against
 * that commit. The workspace's node_modules is linked in when the worktree has none, so tests run.
 * Returns the child's `sub` with the worktree, branch and base commit. Throws ClaudeExecError
 * (exit 1) when git cannot make the worktree or a patch does not apply.
 */
export async function prepareWorktree(
  child: ChainContext,
  deps: ChainContext[],
): Promise<NonNullable<ChainContext['sub']>> {
  const sub = child.sub!;
  const wt = await oneAtATime(sub.root, () => addWorktree(sub.root, child));
  const branch = `claude-exec/chain-${child.parent}-${child.chain_id}`;
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
  const modules = path.join(sub.root, 'node_modules');
  if (existsSync(modules) && !existsSync(path.join(wt, 'node_modules')))
    await symlink(modules, path.join(wt, 'node_modules'), 'dir');
  const base = String((await inWt(['rev-parse', 'HEAD'])).stdout).trim();
  return { ...sub, worktree: wt, branch, base_commit: sub.base_commit ?? base };
}

/** Per repository root, the end of the worktree changes queued in this process. */
const queues = new Map<string, Promise<unknown>>();

/**
 * Runs `fn` after every worktree change of `root` queued before it in this process has settled:
 * git reads every worktree's files while it adds one (`.git/worktrees/*`), and fails on one being
 * added at the same moment ("failed to read .git/worktrees/…/commondir"), so the parts of a split
 * that start together make their worktrees one at a time.
 */
function oneAtATime<T>(root: string, fn: () => Promise<T>): Promise<T> {
  const run = (queues.get(root) ?? Promise.resolve()).then(fn, fn);
  const settled = run.then(
    () => undefined,
    () => undefined,
  );
  queues.set(root, settled);
  void settled.then(() => {
    if (queues.get(root) === settled) queues.delete(root);
  });
  return run;
}

/**
 * Makes the worktree of `child` (branch `claude-exec/chain-<parent>-<child>` from HEAD) and returns
 * its path; a worktree found there is what a kill left half-made (this runs only while the chain
 * has none recorded) and is made anew. Throws ClaudeExecError (exit 1) when git cannot make it.
 */
async function addWorktree(root: string, child: ChainContext): Promise<string> {
  const wt = await worktreePath(root, child.chain_id);
  const branch = `claude-exec/chain-${child.parent}-${child.chain_id}`;
  if (existsSync(wt)) {
    await git(root, ['worktree', 'remove', '--force', wt]);
    await rm(wt, { recursive: true, force: true });
    await git(root, ['worktree', 'prune']);
  }
  const add = await git(root, ['worktree', 'add', '-q', '-B', branch, wt, 'HEAD']);
  if (add.exitCode !== 0)
    throw new ClaudeExecError(
      `cannot create the worktree of chain ${child.chain_id}: ${String(add.stderr).trim()}`,
      1,
    );
  return wt;
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

/** True when a patch file holds no change (a sub-chain that changed nothing). Throws ClaudeExecError (exit 1) when it cannot be read. */
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

/** Takes and records (one save of context file `file`) the patch of complete sub-chain `child`; returns the chain as saved. */
export async function retakePatch(child: ChainContext, file: string): Promise<ChainContext> {
  const patch = await writePatch(child, file);
  const saved = { ...child, sub: { ...child.sub!, patch } };
  await saveChain(file, saved);
  return saved;
}
