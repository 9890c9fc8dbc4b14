/** `claude-exec/spec@1`: a chain's spec (`spec ID --json`), the criteria with their test evidence, and the readiness checklist. */
import { z } from 'zod';
import { schemaId } from './common.js';

const ChecklistItemSchema = z.object({
  item: z.enum(['tests', 'breaking changes', 'migration plan', 'feature flag', 'security']),
  status: z.enum(['pass', 'fail', 'warn', 'n/a', 'unknown']),
  detail: z.string(),
});

export const ReadinessSchema = z.object({
  passed: z
    .boolean()
    .nullable()
    .describe(
      "deployment_checker's verdict, false when a blocking issue or a failed check overrules it; null when it has not run",
    ),
  items: z.array(ChecklistItemSchema),
  blocking: z.array(z.string()),
});

export const SpecOutputSchema = z.object({
  schema: schemaId('spec'),
  chain_id: z.string(),
  path: z.string().describe('where the spec is written (beside the context file, or under config specs_dir)'),
  written: z.boolean().describe('whether that file exists (it is written once a solution is presented)'),
  test_command: z.object({ argv: z.array(z.string()), source: z.string() }).nullable(),
  criteria: z.array(
    z.object({
      id: z.string(),
      text: z.string(),
      tests: z.array(
        z.object({
          test: z.string(),
          red: z.number().int().nullable().describe('1-based index into test_runs'),
          green: z.number().int().nullable(),
        }),
      ),
    }),
  ),
  uncovered: z.array(z.string()).describe('criteria no test names'),
  readiness: ReadinessSchema,
  markdown: z.string(),
});
export type SpecOutput = z.infer<typeof SpecOutputSchema>;
