/**
 * What memory/ owns of a chain's state: context_preservation's digest (context file `memory_digest`).
 * Schema only: chain/schema.ts composes it (.dependency-cruiser.cjs allows exactly that).
 */
import { z } from 'zod';

const isoDate = z.string();

/** context_preservation's digest: shown instead of the findings and risks of steps 1..`through_step`. */
export const MemoryDigestSchema = z.object({
  step: z.number().int().min(1),
  through_step: z.number().int().min(0),
  lines: z.array(z.string()),
  created_at: isoDate,
});
