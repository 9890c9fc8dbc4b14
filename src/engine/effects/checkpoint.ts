/**
 * The chain's one checkpoint before its first write, for every flow (the machine's `checkpoint`
 * effect, a workflow prompt that runs as implementation): the workspace saved as a git ref with
 * the contexts directory and files over limits.checkpoint_file_bytes left out; without git, the
 * original of every file the chain changes is kept beside the context file instead
 * (../originals.ts). Then the baseline again when the workspace changed since it ran.
 */
import path from 'node:path';
import { createCheckpoint } from '../../tools/git.js';
import type { DriveDeps } from '../deps.js';
import { originalsDir } from '../originals.js';
import type { ChainSession } from '../session.js';
import { ensureBaseline } from '../testing.js';

/**
 * Saves the workspace as the chain's pre-implementation checkpoint (src/tools/git.ts) and records
 * it in the context (not saved here); the contexts directory is left out wherever it is (inside
 * the workspace, ignored or not, or elsewhere), and files over limits.checkpoint_file_bytes are
 * left out with a warning. Returns null when the workspace is not in a git work tree.
 */
async function takeCheckpoint(
  session: ChainSession,
  deps: DriveDeps,
): Promise<{ git_ref: string; left_out: string[] } | null> {
  const contextsRel = path
    .relative(path.resolve(deps.workspace), path.dirname(path.resolve(session.file)))
    .split(path.sep)
    .join('/');
  const exclude =
    contextsRel && contextsRel !== '.' && !contextsRel.startsWith('..') && !path.isAbsolute(contextsRel)
      ? [contextsRel]
      : [];
  const checkpoint = await createCheckpoint(deps.workspace, session.ctx.chain_id, {
    exclude,
    maxFileBytes: deps.config.limits.checkpoint_file_bytes,
  });
  if (!checkpoint) return null;
  session.ctx.checkpoints.push({
    phase: 'implementation',
    git_ref: checkpoint.git_ref,
    created_at: session.now(),
    left_out: checkpoint.left_out,
  });
  if (checkpoint.left_out.length)
    deps.ui.progress.warn(
      `left out of the checkpoint for their size (over ${deps.config.limits.checkpoint_file_bytes} bytes): ${checkpoint.left_out.join(', ')}`,
    );
  return checkpoint;
}

/** The warning when there is no git checkpoint: rollback restores the kept originals instead. */
function noGitWarning(contextFile: string): string {
  return `the workspace is not a git repository: the original of every file the chain changes is kept in ${path.basename(originalsDir(contextFile))}/ beside the context file, so \`rollback\` can restore it`;
}

/**
 * The chain's checkpoint before its first write, once: taken (or, without git, the warning that
 * originals are kept instead), then the baseline again when the workspace changed since it ran
 * (before any change of ours). Does nothing when the chain has its checkpoint already, or (without
 * git) has changed a file already. Not saved here.
 */
export async function checkpointBeforeWrites(session: ChainSession, deps: DriveDeps): Promise<void> {
  const c = session.ctx;
  if (c.checkpoints.some((k) => k.phase === 'implementation') || c.session_memory.files_modified.length)
    return;
  const checkpoint = await takeCheckpoint(session, deps);
  if (!checkpoint) deps.ui.progress.warn(noGitWarning(session.file));
  await ensureBaseline(session, deps, true);
}
