/**
 * What patterns/ owns of a chain's state: the saved pattern a chain started from (context file `pattern`).
 * Schema only: chain/schema.ts composes it (.dependency-cruiser.cjs allows exactly that).
 */
import { z } from 'zod';

const unit = z.number().min(0).max(1);

/** The saved pattern a chain started from (src/patterns/apply.ts) and how the chain adapted it. */
export const PatternUseSchema = z.object({
  name: z.string(),
  file: z.string(),
  /** 0..1 match of the task against the pattern (src/library/similar.ts); 1 when named with --pattern and not similar. */
  similarity: unit,
  /** How it came to be applied: confirmed at the terminal, named with --pattern, or accepted with --yes. */
  applied_by: z.enum(['confirmed', 'flag', 'yes']),
  /** Question ids seeded from it (their proposed defaults are its answers). */
  questions: z.array(z.string()),
  /** Its decisions, shown to the prompts as proposals to confirm or revise. */
  decisions: z.array(z.object({ key: z.string(), choice: z.string(), rationale: z.string() })),
  /** Discovery prompts run first in context building (without a selector call); `queued` once they were. */
  discovery: z.array(z.string()),
  queued: z.boolean(),
  /** Its generated prompts found in the library (loaded), and the ones that are missing. */
  generated_loaded: z.array(z.string()),
  generated_missing: z.array(z.string()),
  lessons: z.array(z.string()),
  /** How the chain departed from it (answers changed, decisions revised), set when the chain finishes. */
  adaptations: z.array(z.string()),
  /** Why new_case named it for this task (matched by meaning); null when it was matched by words or named with --pattern. */
  reason: z.string().nullable().default(null),
});
export type PatternUse = z.infer<typeof PatternUseSchema>;
