/**
 * `claude-exec/memory@1` (`show ID --memory`) and `claude-exec/prompt-run@1` (`prompt run NAME`):
 * what a prompt of a chain is shown, and the outcome of one prompt run alone.
 */
import { z } from 'zod';
import { FindingsSchema, NextPromptsSchema } from '../phases/protocol.js';
import { CountSchema, PhaseSchema, schemaId } from './common.js';
import { RunOutputSchema } from './run.js';

const perSection = z
  .record(z.string(), CountSchema)
  .describe(
    'lines per memory section (goal, requirements, answers, gate, decisions, solution, plan, uncertainties, proposed, facts, digest, entries, proposals, steps, files, tests, cost)',
  );

export const MemoryOutputSchema = z.object({
  schema: schemaId('memory'),
  chain_id: z.string(),
  file: z.string().describe('the context file'),
  phase: PhaseSchema.describe("the phase the memory is rendered for (the chain's current phase)"),
  prompt: z
    .string()
    .nullable()
    .describe('the prompt it is rendered for: --prompt, else the one the chain runs next'),
  budget_tokens: CountSchema.describe('limits.context_tokens (estimated tokens: UTF-8 bytes / 4)'),
  tokens: CountSchema.describe('estimated tokens of text'),
  full_tokens: CountSchema.describe('estimated tokens of the whole memory with nothing left out'),
  omitted: perSection.describe('lines left out to fit the budget, per section'),
  shown: perSection,
  text: z.string().describe('the rendered {{context}}, markdown'),
});

export const PromptRunOutputSchema = RunOutputSchema.extend({
  schema: schemaId('prompt-run'),
  prompt: z.string().describe('the prompt that ran (an alias resolved to the prompt it names)'),
  result: z
    .union([FindingsSchema, NextPromptsSchema])
    .nullable()
    .describe(
      'its whole result (record_findings; choose_next_prompts for prompt_selector), or null when it did not finish',
    ),
});
export type PromptRunOutput = z.infer<typeof PromptRunOutputSchema>;
