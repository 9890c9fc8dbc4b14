/**
 * What keeps `rollback` from destroying work it did not make: each file the chain wrote is
 * compared with what the chain left (its sha256, recorded at every write in `ctx.written`); a file
 * changed since — by the user or a later chain — is kept unless `--force`. Whatever a rollback
 * overwrites or removes is saved first: as a git ref (`refs/claude-exec/chain-<id>/before-rollback`)
 * or, without git, as copies beside the context file; the command that brings it back is returned.
 */
import { createHash } from 'node:crypto';
import { copyFile, mkdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { ChainContext } from '../chain/schema.js';
import { checkpointRef, saveWorkspace } from '../tools/git.js';

/** sha256 (hex) of the regular file at `abs`; null when there is none. */
export async function fileHash(abs: string): Promise<string | null> {
  const st = await stat(abs).catch(() => null);
  if (!st?.isFile()) return null;
  return createHash('sha256')
    .update(await readFile(abs))
    .digest('hex');
}

/** Why a file is kept: changed since the chain wrote it, or no record of what the chain left. */
export type ChangedReason =
  | 'changed since the chain wrote it'
  | 'deleted since the chain wrote it'
  | 'no record of what the chain left';

/**
 * Of `paths` (workspace-relative), those whose content in `root` is not what chain `ctx` left
 * there, with the reason. A path the chain has no hash for (a chain from an older version, or a
 * kill between a write and its save) counts as changed: it is not known to be the chain's.
 */
export async function changedSinceChain(
  root: string,
  ctx: ChainContext,
  paths: readonly string[],
): Promise<Map<string, ChangedReason>> {
  const out = new Map<string, ChangedReason>();
  for (const rel of paths) {
    const left = ctx.written[rel];
    const now = await fileHash(path.join(root, rel));
    if (left === undefined) out.set(rel, 'no record of what the chain left');
    else if (now === null) out.set(rel, 'deleted since the chain wrote it');
    else if (now !== left) out.set(rel, 'changed since the chain wrote it');
  }
  return out;
}

/** Pure: `text` quoted for a POSIX shell (single quotes). */
export function shellQuote(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}

/** The ref that holds the workspace as it was before chain `chainId` was rolled back. */
function beforeRollbackRef(chainId: string): string {
  return checkpointRef(chainId).replace(/\/pre-implementation$/, '/before-rollback');
}

/**
 * Saves what a rollback of `ctx` is about to overwrite or remove (`paths`, workspace-relative)
 * and returns where, with the shell command that brings it back. With git: the whole workspace
 * (minus the contexts directory `contextsRel` and git-ignored files) at `before-rollback`; without:
 * copies under `<context file>.before-rollback/`. Throws when the save fails (nothing is then changed).
 */
export async function saveBeforeRollback(
  root: string,
  ctx: ChainContext,
  contextFile: string,
  from: 'git' | 'originals',
  paths: readonly string[],
): Promise<{ saved_to: string; command: string }> {
  if (from === 'git') {
    const ref = beforeRollbackRef(ctx.chain_id);
    const contextsRel = path
      .relative(root, path.dirname(path.resolve(contextFile)))
      .split(path.sep)
      .join('/');
    const exclude =
      contextsRel && !contextsRel.startsWith('..') && !path.isAbsolute(contextsRel) ? [contextsRel] : [];
    const saved = await saveWorkspace(
      root,
      ref,
      `claude-exec: workspace before rollback of chain ${ctx.chain_id}`,
      { exclude },
    );
    if (!saved)
      throw new Error(`cannot save the workspace before the rollback: ${root} is not a git work tree`);
    return {
      saved_to: ref,
      command: `git restore --source=${ref} --worktree -- ${paths.map((p) => shellQuote(`:(literal)${p}`)).join(' ')}`,
    };
  }
  const dir = contextFile.replace(/\.json$/, '.before-rollback');
  for (const rel of paths) {
    const src = path.join(root, rel);
    if (
      !(await stat(src).then(
        (s) => s.isFile(),
        () => false,
      ))
    )
      continue;
    await mkdir(path.dirname(path.join(dir, rel)), { recursive: true });
    await copyFile(src, path.join(dir, rel));
  }
  return { saved_to: dir, command: `cp -R ${shellQuote(`${dir}/.`)} ${shellQuote(`${root}/`)}` };
}
