/**
 * `claude-exec apply ID`: applies the patches of a `--split` family (the parent's ID: every
 * sub-chain's patch, in dependency order) or of one sub-chain to the user's workspace. Everything
 * is checked first — the patches are applied one after another in a temporary worktree of HEAD,
 * then their sum with `git apply --check` in the workspace — so a conflict is reported and
 * nothing is half-applied.
 */
import { mkdtemp, realpath, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { ChainContext } from '../../chain/schema.js';
import { findChain, readChainFile } from '../../chain/store.js';
import { ClaudeExecError, ExitCode, UsageError } from '../../errors.js';
import { git } from '../../git/run.js';
import { worktreeGit } from '../../git/worktree.js';
import { resolveInWorkspace } from '../../tools/pathGuard.js';
import { isEmptyPatch, missingPatch } from '../../engine/worktrees.js';
import { topoOrder } from '../../workflows/parts.js';

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

const firstLines = (text: string) => String(text).trim().split('\n').slice(0, 6).join('\n');

/** The sub-chains of `ctx` to apply, in dependency order (ctx itself when it is a sub-chain). */
async function members(ctx: ChainContext, dirs: string[]): Promise<ChainContext[]> {
  if (ctx.sub) return [ctx];
  if (!ctx.split?.plan)
    throw new UsageError(
      `chain ${ctx.chain_id} has no patch: it is not a --split chain or one of its sub-chains (its changes are in the workspace already)`,
    );
  const order = topoOrder(ctx.split.plan) ?? ctx.split.plan;
  const out: ChainContext[] = [];
  for (const p of order) {
    if (!p.chain_id)
      throw new UsageError(
        `chain ${ctx.chain_id}: sub-chain ${p.key} was never started`,
        `\`claude-exec resume ${ctx.chain_id}\` runs the family.`,
      );
    out.push(await readChainFile((await findChain(dirs, p.chain_id)).path));
  }
  return out;
}

const real = (p: string) => realpath(p).catch(() => path.resolve(p));

/**
 * The directory `apply` changes: `opts.workspace` when given (it must exist), else `opts.cwd`,
 * which must be the chain's recorded workspace. Throws UsageError otherwise, so an `apply` run
 * elsewhere never changes the directory named inside a context file.
 */
async function targetOf(ctx: ChainContext, recorded: string, opts: ApplyOptions): Promise<string> {
  const target = path.resolve(opts.workspace ?? opts.cwd);
  if (opts.workspace !== undefined) {
    if (
      !(await stat(target).then(
        (s) => s.isDirectory(),
        () => false,
      ))
    )
      throw new UsageError(`--workspace ${opts.workspace}: no such directory`);
    return real(target);
  }
  if ((await real(target)) !== (await real(recorded))) {
    throw new UsageError(
      `chain ${ctx.chain_id} ran in ${recorded}, not in ${target}: nothing was applied`,
      `Run it there (\`claude-exec --cwd ${recorded} apply ${ctx.chain_id}\`), or give \`--workspace ${target}\` to apply the patches to this directory instead.`,
    );
  }
  return real(target);
}

/** Throws UsageError unless every patch of `list` is a file inside `contextsDir` (where the chain's own context file is). */
async function checkPatchPaths(list: ChainContext[], contextsDir: string): Promise<void> {
  const dir = await real(contextsDir);
  for (const c of list) {
    const patch = c.sub?.patch;
    if (!patch) continue;
    const at = await real(path.resolve(contextsDir, patch));
    if (!at.startsWith(dir + path.sep))
      throw new UsageError(
        `refusing the patch of chain ${c.chain_id}: ${patch} is outside the contexts directory ${dir}`,
        "A sub-chain's patch is written beside its context file; a context file naming another one was changed by hand.",
      );
  }
}

/**
 * Pure: the symlinks a `git diff --raw -z` output adds or changes (new mode 120000), with their
 * new blob ids: `[{ path, blob }]`.
 */
export function symlinksInRaw(rawZ: string): { path: string; blob: string }[] {
  const parts = rawZ.split('\0');
  const out: { path: string; blob: string }[] = [];
  for (let i = 0; i < parts.length; i++) {
    const head = parts[i]!;
    if (!head.startsWith(':')) continue;
    const [, newMode, , blob, status] = head.slice(1).split(' ');
    const paths = status?.startsWith('R') || status?.startsWith('C') ? 2 : 1;
    const p = parts[i + paths]!;
    i += paths;
    if (newMode === '120000' && !status?.startsWith('D')) out.push({ path: p, blob: blob! });
  }
  return out;
}

/**
 * Throws UsageError naming the first symlink the staged changes of the worktree `inWt` add whose
 * target leaves `root` (absolute, `..` past the root, through a symlink that leaves it, or into
 * `.git/`): such a patch is refused whole.
 */
async function refuseEscapingSymlinks(
  inWt: (args: readonly string[]) => Promise<{ ok: boolean; stdout: string }>,
  root: string,
): Promise<void> {
  const raw = await inWt(['diff', '--cached', '--raw', '-z', '--no-abbrev', 'HEAD']);
  for (const link of symlinksInRaw(raw.stdout)) {
    const target = (await inWt(['cat-file', 'blob', link.blob])).stdout;
    const rel = path.relative(root, path.resolve(root, path.dirname(link.path), target));
    const check = path.isAbsolute(target)
      ? ({ ok: false, reason: 'an absolute target' } as const)
      : await resolveInWorkspace(root, rel);
    if (!check.ok)
      throw new UsageError(
        `refusing to apply: the patch adds the symlink ${link.path} -> ${target}, which points outside the workspace (${check.reason})`,
        'Nothing was applied. Review the patch file by hand.',
      );
  }
}

export interface ApplyOptions {
  /** The directory apply runs in. */
  cwd: string;
  /** `--workspace DIR`: apply to this directory although the chain ran elsewhere. */
  workspace?: string;
}

/**
 * Applies chain `id`'s patches to `opts.cwd` (the chain's recorded workspace) or `opts.workspace`.
 * Throws UsageError (exit 2) when a sub-chain is not complete or is complete without a recorded
 * patch (`missingPatch`: stopped between the two), when run outside the chain's
 * workspace without `--workspace`, for a patch outside the contexts directory, and for a patch
 * that adds a symlink pointing outside the workspace; ClaudeExecError (exit 1) naming the patch
 * and the conflict when one does not apply. The workspace is then unchanged.
 */
export async function applyChain(id: string, dirs: string[], opts: ApplyOptions): Promise<ApplyResult> {
  const entry = await findChain(dirs, id);
  const ctx = await readChainFile(entry.path);
  const list = await members(ctx, dirs);
  const unfinished = list.filter((c) => c.status !== 'complete');
  if (unfinished.length)
    throw new UsageError(
      `not every sub-chain is complete: ${unfinished.map((c) => `${c.chain_id} (${c.status})`).join(', ')}`,
      `Finish them first (\`claude-exec resume ${ctx.chain_id}\`).`,
    );
  const missing = list.filter(missingPatch);
  if (missing.length) {
    throw new UsageError(
      `sub-chain ${missing.map((c) => `${c.chain_id} (${c.sub!.key})`).join(', ')} is complete but its patch was never recorded (claude-exec was stopped in between); nothing was applied`,
      `\`claude-exec resume ${ctx.sub ? (ctx.parent ?? ctx.chain_id) : ctx.chain_id}\` takes it again from the worktree; then apply.`,
    );
  }
  const root = await targetOf(ctx, ctx.sub?.root ?? ctx.workspace, opts);
  await checkPatchPaths(list, path.dirname(entry.path));
  const withPatch: ChainContext[] = [];
  for (const c of list) if (c.sub?.patch && !(await isEmptyPatch(c.sub.patch))) withPatch.push(c);
  const result: ApplyResult = {
    chain_id: ctx.chain_id,
    applied: withPatch.map((c) => c.chain_id),
    empty: list.filter((c) => !withPatch.includes(c)).map((c) => c.chain_id),
    files: [],
    workspace: root,
  };
  if (withPatch.length === 0) return result;

  // Check: the patches in order on a clean worktree of HEAD; their sum is what the workspace gets.
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'claude-exec-apply-'));
  const wt = path.join(tmp, 'wt');
  let combined: string;
  try {
    const add = await git(root, ['worktree', 'add', '-q', '--detach', wt, 'HEAD']);
    if (add.exitCode !== 0)
      throw new ClaudeExecError(`cannot check the patches: ${firstLines(add.stderr)}`, ExitCode.failed);
    const inWt = await worktreeGit(wt, root);
    for (const c of withPatch) {
      const r = await inWt(['apply', '--index', '--whitespace=nowarn', c.sub!.patch!]);
      if (r.exitCode !== 0) {
        throw new ClaudeExecError(
          `the patch of chain ${c.chain_id} (${c.sub!.key}) does not apply on HEAD${withPatch.indexOf(c) ? ' after the ones before it' : ''}: ${firstLines(r.stderr)}`,
          ExitCode.failed,
          'Nothing was applied. HEAD moved since the split, or two sub-chains changed the same lines: resolve by hand from the patch files.',
        );
      }
    }
    await refuseEscapingSymlinks(inWt, root);
    combined = String((await inWt(['diff', '--cached', '--binary', 'HEAD'])).stdout);
  } finally {
    await git(root, ['worktree', 'remove', '--force', wt]);
    await rm(tmp, { recursive: true, force: true });
  }
  const patchFile = path.join(os.tmpdir(), `claude-exec-apply-${ctx.chain_id}-${process.pid}.patch`);
  await writeFile(patchFile, combined.endsWith('\n') ? combined : `${combined}\n`);
  try {
    const check = await git(root, ['apply', '--check', '--whitespace=nowarn', patchFile]);
    if (check.exitCode !== 0)
      throw new ClaudeExecError(
        `the changes conflict with the workspace: ${firstLines(check.stderr)}`,
        ExitCode.failed,
        'Nothing was applied. Commit or stash your own changes to those files, then apply again.',
      );
    const numstat = await git(root, ['apply', '--numstat', '-z', patchFile]);
    result.files = numstatPaths(numstat.stdout);
    const r = await git(root, ['apply', '--whitespace=nowarn', patchFile]);
    if (r.exitCode !== 0)
      throw new ClaudeExecError(`git apply failed: ${firstLines(r.stderr)}`, ExitCode.failed);
  } finally {
    await rm(patchFile, { force: true });
  }
  return result;
}

/** Pure: the paths of `git apply --numstat -z` output (a rename names its new path). */
export function numstatPaths(z: string): string[] {
  const parts = z.split('\0');
  const out: string[] = [];
  for (let i = 0; i < parts.length; i++) {
    const fields = parts[i]!.split('\t');
    if (fields.length < 3) continue;
    if (fields[2] === '') {
      out.push(parts[i + 2]!);
      i += 2;
    } else out.push(fields[2]!);
  }
  return out;
}
