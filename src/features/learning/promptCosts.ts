/**
 * The measured cost classes moved to src/cost/promptCosts.ts (the engine reads them, below the
 * features); this forwards for src/engine/run.ts and drive.ts until they import it from there.
 */
export { readCostClasses, recordChainCosts } from '../../cost/promptCosts.js';
