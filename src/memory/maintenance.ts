/**
 * When the chain looks after its own memory (pure; DESIGN §5b). Two maintenance steps,
 * each a prompt run with its own calls and cost, run by the driver before the next effect:
 *
 * - context_health_checker every `healthEvery` finished steps (project_rules.md: every ten or so;
 *   config `caps.health_check_every`, 0 = never); its score goes to `session_memory.context_health`.
 * - context_preservation when the whole memory passes `compactAt` (80%) of its budget, or when the
 *   last health check scored below `healthFloor` (6): it writes a digest that is shown instead of
 *   the findings of the steps before it (the originals stay on their steps).
 *
 * Bounds that do not depend on the model: a compaction needs at least MIN_NEW_STEPS finished steps
 * with entries since the last digest, and a low health score triggers at most one compaction.
 */
import type { ChainContext, Step } from '../chain/schema.js';
import { findingsOf } from './entries.js';

const HEALTH_CHECKER = 'context_health_checker';
export const PRESERVATION = 'context_preservation';
const MAINTENANCE = new Set([HEALTH_CHECKER, PRESERVATION]);

/** Finished steps with findings a digest could take in, before it is worth another compaction. */
const MIN_NEW_STEPS = 3;

export interface MaintenanceSettings {
  /** Run the health check after this many finished steps (0 = never). */
  healthEvery: number;
  /** The memory budget, estimated tokens (limits.context_tokens). */
  budgetTokens: number;
  /** Share of the budget past which the memory is compacted (0.8). */
  compactAt: number;
  /** Health score below which the memory is compacted (6). */
  healthFloor: number;
}

export interface MaintenanceDue {
  prompt: typeof HEALTH_CHECKER | typeof PRESERVATION;
  /** Why, for the step's focus and the progress line. */
  reason: string;
}

const finished = (s: Step) => s.status !== 'running';

/**
 * The maintenance step due now, or null. `fullTokens` is the size of the whole memory with
 * nothing left out (renderMemory's `fullTokens`).
 */
export function maintenanceDue(
  ctx: ChainContext,
  settings: MaintenanceSettings,
  fullTokens: number,
): MaintenanceDue | null {
  const steps = ctx.steps.filter(finished);
  // A failed maintenance step counts as run: it is not retried before the next interval.
  const lastOf = (name: string) => steps.filter((s) => s.prompt === name).at(-1)?.n ?? 0;
  const lastHealth = lastOf(HEALTH_CHECKER);
  const lastPreservation = lastOf(PRESERVATION);
  const covered = ctx.memory_digest?.through_step ?? 0;
  const compactable = steps.filter(
    (s) => s.n > Math.max(covered, lastPreservation) && !MAINTENANCE.has(s.prompt) && findingsOf(s),
  ).length;

  if (compactable >= MIN_NEW_STEPS) {
    if (fullTokens > settings.compactAt * settings.budgetTokens) {
      return {
        prompt: PRESERVATION,
        reason:
          `the memory is ${fullTokens.toLocaleString('en-US')} tokens, past ${Math.round(settings.compactAt * 100)}% ` +
          `of its ${settings.budgetTokens.toLocaleString('en-US')}-token budget: compact the findings of the earlier steps`,
      };
    }
    const health = ctx.session_memory.context_health;
    if (lastHealth > lastPreservation && health < settings.healthFloor) {
      return {
        prompt: PRESERVATION,
        reason: `context health ${health}/10 is below ${settings.healthFloor}: compact and correct the memory, dropping what the health check found stale or contradictory`,
      };
    }
  }
  if (settings.healthEvery > 0) {
    const since = steps.filter((s) => s.n > lastHealth && !MAINTENANCE.has(s.prompt)).length;
    if (since >= settings.healthEvery)
      return { prompt: HEALTH_CHECKER, reason: `${since} steps since the last health check` };
  }
  return null;
}
