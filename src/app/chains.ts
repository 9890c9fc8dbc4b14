/**
 * Chains read back: the list, one chain (by id or the newest), and rollback of its file changes.
 * Their `--json` shapes are built from the contexts by src/cli/views/.
 */
import { existsSync, realpathSync } from 'node:fs';
import path from 'node:path';
import type { ChainContext } from '../chain/schema.js';
import { findChain, listChainFiles, readChainFile } from '../chain/store.js';
import { ClaudeExecError, ContextFileError, UsageError } from '../errors.js';
import { deadDriverOf } from './driverLock.js';

/**
 * A chain as it stands for the views: one recorded as `running` whose driver process has died
 * (kill -9, a crash) is shown as interrupted — status `cancelled`, as after Ctrl-C, with the reason
 * in `error` — so the next command is `resume`, not `status` forever. The file is not changed.
 */
export function withDriverState(ctx: ChainContext, file: string): ChainContext {
  if (ctx.status !== 'running') return ctx;
  const pid = deadDriverOf(file);
  if (pid === null) return ctx;
  return { ...ctx, status: 'cancelled', error: ctx.error ?? `interrupted: the process that drove it (pid ${pid}) has exited without finishing` };
}

/**
 * Every readable chain in `dirs`, oldest first, with its file; unreadable files are reported via
 * `onWarning` and skipped (never rewritten).
 */
export async function listChains(dirs: string[], onWarning: (msg: string) => void): Promise<{ ctx: ChainContext; file: string }[]> {
  const out: { ctx: ChainContext; file: string }[] = [];
  for (const entry of await listChainFiles(dirs)) {
    try {
      out.push({ ctx: withDriverState(await readChainFile(entry.path), entry.path), file: entry.path });
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
    return { ctx: withDriverState(await readChainFile(file), file), file };
  }
  const all = await listChainFiles(dirs);
  if (all.length === 0) throw new UsageError(`no chains in ${dirs.join(', ')}`, 'Start one with `claude-exec "your task"`.');
  let newest: ContextFileError | undefined;
  for (const entry of [...all].reverse()) {
    try {
      const ctx = await readChainFile(entry.path);
      if (newest) onWarning?.(`skipped the newer chain ${newest.message}; showing chain ${ctx.chain_id}`);
      return { ctx: withDriverState(ctx, entry.path), file: entry.path };
    } catch (err) {
      if (!(err instanceof ContextFileError)) throw err;
      if (newest) onWarning?.(`skipped ${err.message}`);
      newest ??= err;
    }
  }
  throw newest!;
}

export interface RollbackPlan {
  chain_id: string;
  /** The directory that will be restored (absolute). */
  workspace: string;
  /** Where the earlier contents come from: the git checkpoint, or the originals kept without git. */
  from: 'git' | 'originals';
  git_ref: string | null;
  restore: string[];
  remove: string[];
  keep: string[];
}

/**
 * What rolling chain `id` back would do in `opts.cwd` (or `opts.workspace`). Throws UsageError
 * when the chain has neither a checkpoint nor kept originals, and when the directory is not the
 * chain's recorded workspace and was not named with `--workspace` (so a rollback run in the
 * wrong directory never restores files there).
 */
export async function planChainRollback(dirs: string[], id: string, opts: { cwd: string; workspace?: string }): Promise<{ plan: RollbackPlan; ctx: ChainContext; file: string }> {
  const { ctx, file } = await loadChain(dirs, id);
  const target = path.resolve(opts.workspace ?? opts.cwd);
  const real = (p: string) => {
    try {
      return realpathSync(p);
    } catch {
      return path.resolve(p);
    }
  };
  if (opts.workspace !== undefined && !existsSync(target)) throw new UsageError(`--workspace ${opts.workspace}: no such directory`);
  if (opts.workspace === undefined && real(target) !== real(ctx.workspace)) {
    throw new UsageError(
      `chain ${ctx.chain_id} ran in ${ctx.workspace}, not in ${target}: nothing was restored`,
      `Run it there (\`claude-exec --cwd ${ctx.workspace} rollback ${ctx.chain_id}\`), or give \`--workspace ${target}\` to restore this directory from the chain's checkpoint instead.`,
    );
  }
  const checkpoint = ctx.checkpoints.find((c) => c.phase === 'implementation');
  if (checkpoint) {
    const { planRollback } = await import('../tools/git.js');
    const p = await planRollback(target, checkpoint.git_ref, ctx.session_memory.files_modified);
    return { plan: { chain_id: ctx.chain_id, workspace: target, from: 'git', git_ref: checkpoint.git_ref, ...p }, ctx, file };
  }
  if (ctx.originals.length) {
    const { planFromOriginals } = await import('./originals.js');
    return { plan: { chain_id: ctx.chain_id, workspace: target, from: 'originals', git_ref: null, ...planFromOriginals(ctx) }, ctx, file };
  }
  throw new UsageError(`chain ${ctx.chain_id} has no checkpoint and kept no originals`, 'A checkpoint (git) or the originals (without git) are saved before the chain first changes a file; this chain changed none.');
}

/**
 * Restores the workspace files the chain changed (plan from `planChainRollback`): from the git
 * checkpoint, or from the originals kept without git. Returns what it did.
 */
export async function rollbackChain(dirs: string[], id: string, opts: { cwd: string; workspace?: string }): Promise<{ chain_id: string; workspace: string; from: 'git' | 'originals'; git_ref: string | null; restored: string[]; removed: string[]; kept: string[] }> {
  const { plan, ctx, file } = await planChainRollback(dirs, id, opts);
  const base = { chain_id: plan.chain_id, workspace: plan.workspace, from: plan.from, git_ref: plan.git_ref };
  if (plan.from === 'git') {
    const { rollback } = await import('../tools/git.js');
    return { ...base, ...(await rollback(plan.workspace, plan.git_ref!, ctx.session_memory.files_modified)) };
  }
  const { restoreOriginals } = await import('./originals.js');
  return { ...base, ...(await restoreOriginals(ctx, file, plan.workspace)) };
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
