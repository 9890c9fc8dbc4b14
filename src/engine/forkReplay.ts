/** A fork's reuse of its source chain's steps (src/features/fork/fork.ts creates forks). */
import type { Step } from '../chain/schema.js';
import { readChainFile } from '../chain/store.js';
import type { ChainSession } from './session.js';

/** Loads the steps a fork reuses into `session` (its source's steps 1..N-1); a source that cannot be read leaves the fork to run live. */
export async function loadReplay(session: ChainSession, warn: (text: string) => void): Promise<void> {
  const fork = session.ctx.fork;
  if (!fork) return;
  try {
    const source = await readChainFile(fork.file);
    session.replay = source.steps.filter((s: Step) => s.n < fork.from_step);
  } catch (err) {
    warn(
      `cannot read the fork's source chain ${fork.chain_id} (${(err as Error).message}): every step runs live`,
    );
  }
}
