/**
 * Chains read back: the list, one chain (by id or the newest), and rollback of its file changes.
 * Their `--json` shapes are built from the contexts by src/cli/views/.
 */
import { existsSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { indexedChains, type ChainKeys, type IndexedChain } from '../../chain/chains-index.js';
import type { ChainRow } from '../../chain/row.js';
import type { ChainContext } from '../../chain/schema.js';
import { checkMemo } from '../../chain/checked.js';
import { newestChainFile } from '../../chain/newest.js';
import { findChain, listChainFiles, readChainFile } from '../../chain/store.js';
import { ClaudeExecError, ContextFileError, UsageError } from '../../errors.js';
import { deadDriverOf } from '../../engine/driverLock.js';

/**
 * A chain as it stands for the views: one recorded as `running` whose driver process has died
 * (kill -9, a crash) is shown as interrupted — status `cancelled`, as after Ctrl-C, with the reason
 * in `error` — so the next command is `resume`, not `status` forever. The file is not changed.
 */
export function withDriverState(ctx: ChainContext, file: string): ChainContext {
  if (ctx.status !== 'running') return ctx;
  const pid = deadDriverOf(file);
  if (pid === null) return ctx;
  return {
    ...ctx,
    status: 'cancelled',
    error: ctx.error ?? `interrupted: the process that drove it (pid ${pid}) has exited without finishing`,
  };
}

/**
 * An entry of the chain index (src/chain/chains-index.ts) as the views show it: like
 * withDriverState, one recorded as `running` whose driver process has died is `cancelled` in its
 * keys and its row. The index caches what the context file says; whether the driver lives is
 * asked on every read (an owner file read and a signal 0, only for `running` chains), never cached.
 */
export function indexedWithDriverState(c: IndexedChain): IndexedChain {
  if (c.keys?.status !== 'running' || deadDriverOf(c.entry.path) === null) return c;
  return {
    entry: c.entry,
    error: c.error,
    keys: { ...c.keys, status: 'cancelled' },
    row: () => {
      const row = c.row();
      return row && { ...row, status: 'cancelled' };
    },
  };
}

/**
 * Every readable chain in `dirs`, oldest first, with its file; unreadable files are reported via
 * `onWarning` and skipped (never rewritten).
 */
export async function listChains(
  dirs: string[],
  onWarning: (msg: string) => void,
): Promise<{ ctx: ChainContext; file: string }[]> {
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

/** How `chains` narrows the list: every chain, or the newest `limit` (of those updated since `since`). */
export interface ChainSelection {
  /** Every chain, also those that failed before their first call, with no limit. */
  all?: boolean;
  /** The newest this many (default DEFAULT_CHAIN_LIMIT); ignored with `all`. */
  limit?: number;
  /** Only chains updated at or after this time (ms since the epoch). */
  sinceMs?: number;
}

/** How many chains `chains` lists when not told otherwise: the newest 50. */
const DEFAULT_CHAIN_LIMIT = 50;

/**
 * Narrows summary rows (oldest first) for `chains`: without `all`, those that failed before their
 * first call are hidden and only the newest `limit` are kept; `sinceMs` drops chains last updated
 * before it. Returns the rows to show (oldest first), the hidden count and the older count left out.
 */
export function selectChainRows<R extends ChainKeys>(
  rows: R[],
  sel: ChainSelection = {},
): { shown: R[]; hidden: number; older: number } {
  return selectChainsBy(rows, (r) => r, sel);
}

/** selectChainRows over anything whose keys `keysOf` gives (no object per row to select 10,000). */
function selectChainsBy<R>(
  rows: R[],
  keysOf: (r: R) => ChainKeys,
  sel: ChainSelection = {},
): { shown: R[]; hidden: number; older: number } {
  const recent =
    sel.sinceMs === undefined ? rows : rows.filter((r) => Date.parse(keysOf(r).updated_at) >= sel.sinceMs!);
  if (sel.all) return { shown: recent, hidden: 0, older: 0 };
  const visible = recent.filter((r) => {
    const k = keysOf(r);
    return !(k.status === 'failed' && k.calls === 0);
  });
  const limit = sel.limit ?? DEFAULT_CHAIN_LIMIT;
  const older = Math.max(0, visible.length - limit);
  return { shown: visible.slice(older), hidden: recent.length - visible.length, older };
}

/**
 * The chains `chains` lists from the chain index of `dirs` (src/chain/chains-index.ts), as
 * selectChainRows selects them: the rows to show (oldest first, each with its driver's state,
 * see indexedWithDriverState), the hidden and older counts, and a warning (`skipped …`) for each
 * file that cannot be read, in the index's order. Only the rows shown are parsed from the index,
 * and only their drivers asked after: a dead driver turns `running` into `cancelled`, which
 * selection does not look at (it hides only `failed`). Throws what listing a directory throws.
 */
export async function chainsFromIndex(
  dirs: string[],
  sel: ChainSelection,
): Promise<{ shown: ChainRow[]; hidden: number; older: number; warnings: string[] }> {
  const warnings: string[] = [];
  const readable: IndexedChain[] = [];
  for (const c of await indexedChains(dirs)) {
    if (c.keys) readable.push(c);
    else warnings.push(`skipped ${c.error}`);
  }
  const { shown, hidden, older } = selectChainsBy(readable, (c) => c.keys!, sel);
  return { shown: shown.flatMap((c) => indexedWithDriverState(c).row() ?? []), hidden, older, warnings };
}

/**
 * Loads chain `id`, or, when `id` is undefined, the newest chain that can be read: newer files
 * that cannot (corrupt, foreign, from a newer version) are named through `onWarning` and passed
 * over. Throws UsageError when there is no chain, ContextFileError when `id`'s file (or, without
 * an id, every file) cannot be read.
 */
export async function loadChain(
  dirs: string[],
  id: string | undefined,
  onWarning?: (msg: string) => void,
): Promise<{ ctx: ChainContext; file: string }> {
  if (id !== undefined) {
    const file = (await findChain(dirs, id)).path;
    return { ctx: withDriverState(await readChainFile(file, checkMemo()), file), file };
  }
  // The newest chain without listing the directory while its pointer is current (src/chain/newest.ts);
  // when it cannot be read, the list below says why and falls back to the next one.
  const first = await newestChainFile(dirs);
  if (first) {
    try {
      return {
        ctx: withDriverState(await readChainFile(first.path, checkMemo()), first.path),
        file: first.path,
      };
    } catch (err) {
      if (!(err instanceof ContextFileError)) throw err;
    }
  }
  const all = await listChainFiles(dirs);
  if (all.length === 0)
    throw new UsageError(`no chains in ${dirs.join(', ')}`, 'Start one with `claude-exec "your task"`.');
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
  /** Git-ignored files the checkpoint has no copy of: never touched. */
  keep: string[];
  /** Files changed since the chain wrote them (by the user or a later chain), with why: kept unless `force`. */
  changed: { path: string; reason: string }[];
  /** Whether `changed` files are restored or removed too (`--force`). */
  force: boolean;
}

export interface RollbackOptions {
  cwd: string;
  workspace?: string;
  /** `--force`: also restore (or remove) files changed since the chain wrote them; they are saved first. */
  force?: boolean;
}

/**
 * What rolling chain `id` back would do in `opts.cwd` (or `opts.workspace`). Files whose content
 * is not what the chain left are listed in `changed` and left out of `restore`/`remove` unless
 * `opts.force`. Throws UsageError when the chain has neither a checkpoint nor kept originals, and
 * when the directory is not the chain's recorded workspace and was not named with `--workspace`
 * (so a rollback run in the wrong directory never restores files there).
 */
export async function planChainRollback(
  dirs: string[],
  id: string,
  opts: RollbackOptions,
): Promise<{ plan: RollbackPlan; ctx: ChainContext; file: string }> {
  const { ctx, file } = await loadChain(dirs, id);
  const target = path.resolve(opts.workspace ?? opts.cwd);
  const real = (p: string) => {
    try {
      return realpathSync(p);
    } catch {
      return path.resolve(p);
    }
  };
  if (opts.workspace !== undefined && !existsSync(target))
    throw new UsageError(`--workspace ${opts.workspace}: no such directory`);
  if (opts.workspace === undefined && real(target) !== real(ctx.workspace)) {
    throw new UsageError(
      `chain ${ctx.chain_id} ran in ${ctx.workspace}, not in ${target}: nothing was restored`,
      `Run it there (\`claude-exec --cwd ${ctx.workspace} rollback ${ctx.chain_id}\`), or give \`--workspace ${target}\` to restore this directory from the chain's checkpoint instead.`,
    );
  }
  const checkpoint = ctx.checkpoints.find((c) => c.phase === 'implementation');
  let base: Omit<RollbackPlan, 'changed' | 'force'>;
  if (checkpoint) {
    const { planRollback } = await import('../../tools/git.js');
    const p = await planRollback(target, checkpoint.git_ref, ctx.session_memory.files_modified);
    base = { chain_id: ctx.chain_id, workspace: target, from: 'git', git_ref: checkpoint.git_ref, ...p };
  } else if (ctx.originals.length) {
    const { planFromOriginals } = await import('../../engine/originals.js');
    base = {
      chain_id: ctx.chain_id,
      workspace: target,
      from: 'originals',
      git_ref: null,
      ...planFromOriginals(ctx),
    };
  } else {
    throw new UsageError(
      `chain ${ctx.chain_id} has no checkpoint and kept no originals`,
      'A checkpoint (git) or the originals (without git) are saved before the chain first changes a file; this chain changed none.',
    );
  }
  const { changedSinceChain } = await import('../../engine/rollbackSafety.js');
  const changedMap = await changedSinceChain(target, ctx, [...base.restore, ...base.remove]);
  const changed = [...changedMap].map(([p, reason]) => ({ path: p, reason }));
  const force = opts.force === true;
  const plan: RollbackPlan = force
    ? { ...base, changed, force }
    : {
        ...base,
        restore: base.restore.filter((p) => !changedMap.has(p)),
        remove: base.remove.filter((p) => !changedMap.has(p)),
        changed,
        force,
      };
  return { plan, ctx, file };
}

export interface RollbackResult {
  chain_id: string;
  workspace: string;
  from: 'git' | 'originals';
  git_ref: string | null;
  restored: string[];
  removed: string[];
  kept: string[];
  /** Files changed since the chain wrote them: kept (or, with --force, restored after being saved). */
  changed: { path: string; reason: string }[];
  forced: boolean;
  /** Where what the rollback overwrote or removed was saved, and the command that brings it back; null when it changed nothing. */
  saved: { to: string; command: string } | null;
}

/**
 * Restores the workspace files the chain changed (plan from `planChainRollback`): from the git
 * checkpoint, or from the originals kept without git. Before changing anything it saves what it
 * will overwrite or remove (`saveBeforeRollback`). Returns what it did.
 */
export async function rollbackChain(
  dirs: string[],
  id: string,
  opts: RollbackOptions,
): Promise<RollbackResult> {
  const { plan, ctx, file } = await planChainRollback(dirs, id, opts);
  const base = {
    chain_id: plan.chain_id,
    workspace: plan.workspace,
    from: plan.from,
    git_ref: plan.git_ref,
    changed: plan.changed,
    forced: plan.force,
  };
  const touched = [...plan.restore, ...plan.remove];
  if (!touched.length) return { ...base, restored: [], removed: [], kept: plan.keep, saved: null };
  const { saveBeforeRollback } = await import('../../engine/rollbackSafety.js');
  const saved = await saveBeforeRollback(plan.workspace, ctx, file, plan.from, touched);
  const done = { ...base, saved: { to: saved.saved_to, command: saved.command } };
  if (plan.from === 'git') {
    const { executeRollback } = await import('../../tools/git.js');
    return { ...done, ...(await executeRollback(plan.workspace, plan.git_ref!, plan)) };
  }
  const { restoreOriginals } = await import('../../engine/originals.js');
  const only = new Set(touched);
  return {
    ...done,
    ...(await restoreOriginals(
      { ...ctx, originals: ctx.originals.filter((o) => only.has(o.path)) },
      file,
      plan.workspace,
    )),
  };
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
