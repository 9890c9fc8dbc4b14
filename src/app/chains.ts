/**
 * Chains read back: the list, one chain (by id or the newest), and rollback of its file changes.
 * Their `--json` shapes are built from the contexts by src/cli/views/.
 */
import type { ChainContext } from '../chain/schema.js';
import { findChain, listChainFiles, readChainFile } from '../chain/store.js';
import { ClaudeExecError, ContextFileError, UsageError } from '../errors.js';

/**
 * Every readable chain in `dirs`, oldest first, with its file; unreadable files are reported via
 * `onWarning` and skipped (never rewritten).
 */
export async function listChains(dirs: string[], onWarning: (msg: string) => void): Promise<{ ctx: ChainContext; file: string }[]> {
  const out: { ctx: ChainContext; file: string }[] = [];
  for (const entry of await listChainFiles(dirs)) {
    try {
      out.push({ ctx: await readChainFile(entry.path), file: entry.path });
    } catch (err) {
      if (err instanceof ClaudeExecError) onWarning(`skipped ${err.message}`);
      else throw err;
    }
  }
  return out;
}

/** A chain that failed before its first call (e.g. no connection): nothing to see or resume. */
export function isEmptyFailure(ctx: ChainContext): boolean {
  return ctx.status === 'failed' && ctx.calls.length === 0;
}

/**
 * Loads chain `id`, or, when `id` is undefined, the newest chain that can be read: newer files
 * that cannot (corrupt, foreign, from a newer version) are named through `onWarning` and passed
 * over. Throws UsageError when there is no chain, ContextFileError when `id`'s file (or, without
 * an id, every file) cannot be read.
 */
export async function loadChain(dirs: string[], id: string | undefined, onWarning?: (msg: string) => void): Promise<{ ctx: ChainContext; file: string }> {
  if (id !== undefined) {
    const file = (await findChain(dirs, id)).path;
    return { ctx: await readChainFile(file), file };
  }
  const all = await listChainFiles(dirs);
  if (all.length === 0) throw new UsageError(`no chains in ${dirs.join(', ')}`, 'Start one with `claude-exec "your task"`.');
  let newest: ContextFileError | undefined;
  for (const entry of [...all].reverse()) {
    try {
      const ctx = await readChainFile(entry.path);
      if (newest) onWarning?.(`skipped the newer chain ${newest.message}; showing chain ${ctx.chain_id}`);
      return { ctx, file: entry.path };
    } catch (err) {
      if (!(err instanceof ContextFileError)) throw err;
      if (newest) onWarning?.(`skipped ${err.message}`);
      newest ??= err;
    }
  }
  throw newest!;
}

/**
 * Restores the workspace files the chain changed to its pre-implementation checkpoint.
 * Throws UsageError when the chain has no checkpoint.
 */
export async function rollbackChain(dirs: string[], id: string): Promise<{ chain_id: string; git_ref: string; restored: string[]; removed: string[]; kept: string[] }> {
  const { ctx } = await loadChain(dirs, id);
  const checkpoint = ctx.checkpoints.find((c) => c.phase === 'implementation');
  if (!checkpoint) throw new UsageError(`chain ${ctx.chain_id} has no checkpoint`, 'A checkpoint is saved before the first file change, in a git workspace.');
  const { rollback } = await import('../tools/git.js');
  const result = await rollback(ctx.workspace, checkpoint.git_ref, ctx.session_memory.files_modified);
  return { chain_id: ctx.chain_id, git_ref: checkpoint.git_ref, ...result };
}

/** The family of chain `id` among `all`: its root ancestor and every descendant (the chain alone when it has none). */
export function familyOf<T extends { ctx: ChainContext }>(all: T[], id: string): T[] {
  const byId = new Map(all.map((c) => [c.ctx.chain_id, c]));
  let root = byId.get(id.padStart(3, '0')) ?? byId.get(id);
  if (!root) return [];
  while (root.ctx.parent && byId.get(root.ctx.parent)) root = byId.get(root.ctx.parent)!;
  const out: T[] = [];
  const walk = (c: T) => {
    out.push(c);
    for (const k of c.ctx.children) {
      const child = byId.get(k);
      if (child) walk(child);
    }
  };
  walk(root);
  return out;
}
