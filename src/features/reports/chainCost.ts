/**
 * `chain-cost ID`: the cost of one chain, from its context file (fully validated).
 * Returns the ChainCostReport (src/cost/report.ts), the context it was built from and its file;
 * the `--json` document is built from them by src/contract/views/cost.ts.
 */
import type { ChainContext } from '../../chain/schema.js';
import { findChain, readChainFile } from '../../chain/store.js';
import { buildChainCost, type ChainCostReport } from '../../cost/report.js';

/**
 * Finds chain `rawId` (47, 047 or chain-047) in `dirs` and reports its cost. Throws UsageError
 * for an unknown id, ContextFileError for an unreadable or invalid file.
 */
export async function chainCost(
  dirs: string[],
  rawId: string,
): Promise<{ report: ChainCostReport; ctx: ChainContext; file: string }> {
  const entry = await findChain(dirs, rawId);
  const ctx = await readChainFile(entry.path);
  return { report: buildChainCost(ctx), ctx, file: entry.path };
}
