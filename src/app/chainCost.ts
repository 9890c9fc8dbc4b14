/**
 * `chain-cost ID`: the cost of one chain, from its context file (fully validated).
 * Returns a ChainCostReport (src/cost/report.ts; also the `--json` shape) plus the file read.
 */
import { findChain, readChainFile } from '../chain/store.js';
import { buildChainCost, type ChainCostReport } from '../cost/report.js';

/**
 * Finds chain `rawId` (47, 047 or chain-047) in `dirs` and reports its cost. Throws UsageError
 * for an unknown id, ContextFileError for an unreadable or invalid file.
 */
export async function chainCost(dirs: string[], rawId: string): Promise<ChainCostReport & { file: string }> {
  const entry = await findChain(dirs, rawId);
  const ctx = await readChainFile(entry.path);
  return { ...buildChainCost(ctx), file: entry.path };
}
