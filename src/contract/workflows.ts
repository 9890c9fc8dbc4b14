/** The `workflows …` outputs: `workflows-list@1`, `workflow@1` (show), `workflows-validate@1`. */
import { z } from 'zod';
import { WorkflowFileSchema } from '../workflows/schema.js';
import { CountSchema, schemaId } from './common.js';

const layer = z.enum(['built-in', 'user', 'workspace']);

export const WorkflowsListOutputSchema = z.object({
  schema: schemaId('workflows-list'),
  workflows: z.array(
    z.object({
      name: z.string(),
      description: z.string().describe('the first line of the description'),
      layer,
      file: z.string(),
      overrides: z.array(layer).describe('lower layers whose file of this name this one replaces'),
      steps: CountSchema.describe('steps, nested ones included'),
      kinds: z.array(z.string()).describe('step kinds used, in first-use order'),
      prompts: z
        .array(z.string())
        .describe("library prompts the workflow runs itself (phase steps run the machine's prompts)"),
    }),
  ),
});

export const WorkflowOutputSchema = WorkflowFileSchema.extend({
  schema: schemaId('workflow'),
  layer,
  file: z.string(),
  overrides: z.array(z.object({ layer, file: z.string() })),
});

export const WorkflowsValidateOutputSchema = z.object({
  schema: schemaId('workflows-validate'),
  ok: z.boolean(),
  files: CountSchema,
  valid: CountSchema,
  issues: z.array(
    z.object({
      file: z.string(),
      field: z.string().describe('dotted path in the file, e.g. steps.2.loop.max'),
      problem: z.string(),
    }),
  ),
});
