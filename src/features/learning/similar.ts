/**
 * Task similarity moved to src/library/similar.ts (patterns/ needs it, below the features); this
 * forwards for ./forecast.ts until it imports it from there.
 */
export { rankSimilar } from '../../library/similar.js';
