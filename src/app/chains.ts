/**
 * Read-only views of chains: the list, one chain's progress, and rollback of its file changes.
 */
import type { ChainContext } from '../chain/schema.js';
import { findChain, listChainFiles, readChainFile } from '../chain/store.js';
import { ClaudeExecError, ContextFileError, UsageError } from '../errors.js';

export interface ChainRow {
  chain_id: string;
  slug: string;
  status: ChainContext['status'];
  current_phase: ChainContext['current_phase'];
  goal: string;
  cost_usd: number;
  tokens: number;
  created_at: string;
  updated_at: string;
  file: string;
}

/** Every readable chain in `dirs`, oldest first; unreadable files are reported via `onWarning` and skipped. */
export async function listChains(dirs: string[], onWarning: (msg: string) => void): Promise<ChainRow[]> {
  const rows: ChainRow[] = [];
  for (const entry of await listChainFiles(dirs)) {
    try {
      const c = await readChainFile(entry.path);
      rows.push({
        chain_id: c.chain_id,
        slug: c.slug,
        status: c.status,
        current_phase: c.current_phase,
        goal: c.goal,
        cost_usd: c.cost_tracking.estimated_cost,
        tokens: c.cost_tracking.tokens_used,
        created_at: c.created_at,
        updated_at: c.updated_at,
        file: entry.path,
      });
    } catch (err) {
      if (err instanceof ClaudeExecError) onWarning(`skipped ${err.message}`);
      else throw err;
    }
  }
  return rows;
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

export interface ChainStatus {
  chain_id: string;
  goal: string;
  status: ChainContext['status'];
  current_phase: ChainContext['current_phase'];
  phases: { phase: string; duration_ms: number | null; iterations: number; prompts: string[]; exit_reason: string | null; done: boolean }[];
  total_duration_ms: number;
  cost_usd: number;
  unpriced_calls: number;
  tokens: number;
  confidence: ChainContext['confidence_scores'];
  pending: ChainContext['pending'];
  open_questions: { id: string; question: string; why: string; default_answer: string }[];
  error: string | null;
}

/** The progress of a chain in the shape of the seed's `/status`. Pure. */
export function chainStatus(ctx: ChainContext): ChainStatus {
  return {
    chain_id: ctx.chain_id,
    goal: ctx.goal,
    status: ctx.status,
    current_phase: ctx.current_phase,
    phases: ctx.phase_history.map((p) => ({ phase: p.phase, duration_ms: p.duration_ms, iterations: p.iterations, prompts: p.prompts_executed, exit_reason: p.exit_reason, done: p.ended_at !== null })),
    total_duration_ms: Date.parse(ctx.updated_at) - Date.parse(ctx.created_at),
    cost_usd: ctx.cost_tracking.estimated_cost,
    unpriced_calls: ctx.cost_tracking.unpriced_calls,
    tokens: ctx.cost_tracking.tokens_used,
    confidence: ctx.confidence_scores,
    pending: ctx.pending,
    open_questions: ctx.questions.filter((q) => q.answer === null).map(({ id, question, why, default_answer }) => ({ id, question, why, default_answer })),
    error: ctx.error,
  };
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
