/**
 * Rollback without git: before the chain first changes a file in a workspace that has no
 * git checkpoint, the file's original is copied to `<context file minus .json>.originals/<path>`
 * and recorded in `ctx.originals` (a file the chain creates is recorded as not existing), so
 * `rollback` can put every file back.
 */
import { copyFile, mkdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { ChainContext } from '../chain/schema.js';
import { UsageError } from '../errors.js';
import { checkLexical } from '../tools/pathGuard.js';

/** Where the originals of the chain saved in `contextFile` are kept. */
export function originalsDir(contextFile: string): string {
  return contextFile.replace(/\.json$/, '.originals');
}

/**
 * Keeps the original of `rel` (workspace-relative) once, before the chain's first change of it,
 * when the chain has no git checkpoint. Returns whether it recorded something. Throws
 * FileSystem errors of the copy (the change must then not be made: its original would be lost).
 */
export async function keepOriginal(ctx: ChainContext, contextFile: string, rel: string): Promise<boolean> {
  if (ctx.checkpoints.some((k) => k.phase === 'implementation')) return false;
  if (ctx.originals.some((o) => o.path === rel)) return false;
  const src = path.join(ctx.workspace, rel);
  const existed = await stat(src).then(
    (s) => s.isFile(),
    () => false,
  );
  if (existed) {
    const dest = path.join(originalsDir(contextFile), rel);
    await mkdir(path.dirname(dest), { recursive: true });
    await copyFile(src, dest);
  }
  ctx.originals.push({ path: rel, existed });
  return true;
}

/** What a rollback from the kept originals would do: files to put back, files the chain created (to delete). */
export function planFromOriginals(ctx: ChainContext): {
  restore: string[];
  remove: string[];
  keep: string[];
} {
  return {
    restore: ctx.originals.filter((o) => o.existed).map((o) => o.path),
    remove: ctx.originals.filter((o) => !o.existed).map((o) => o.path),
    keep: [],
  };
}

/**
 * Puts the kept originals back into `root` and deletes the files the chain created. Throws
 * UsageError for a recorded path that leaves the workspace or an original that is missing.
 */
export async function restoreOriginals(
  ctx: ChainContext,
  contextFile: string,
  root: string,
): Promise<{ restored: string[]; removed: string[]; kept: string[] }> {
  const restored: string[] = [];
  const removed: string[] = [];
  for (const o of ctx.originals) {
    const check = checkLexical(root, o.path);
    if (!check.ok || check.rel === '.')
      throw new UsageError(
        `refusing to roll back ${JSON.stringify(o.path)}: ${check.ok ? 'the workspace root' : check.reason}`,
      );
    const target = path.join(root, check.rel);
    if (o.existed) {
      const kept = path.join(originalsDir(contextFile), check.rel);
      if (
        !(await stat(kept).then(
          () => true,
          () => false,
        ))
      )
        throw new UsageError(
          `the original of ${check.rel} is missing from ${originalsDir(contextFile)}`,
          'It was kept when the chain first changed the file; restore it by hand.',
        );
      await mkdir(path.dirname(target), { recursive: true });
      await copyFile(kept, target);
      restored.push(check.rel);
    } else if (
      await rm(target).then(
        () => true,
        () => false,
      )
    ) {
      removed.push(check.rel);
    }
  }
  return { restored, removed, kept: [] };
}
