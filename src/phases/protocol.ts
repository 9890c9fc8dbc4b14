/**
 * The prompt protocol: the forced result tools through which every prompt run and every
 * controller decision ends. Schemas are zod; the JSON Schema sent to the model is generated
 * with `z.toJSONSchema`, and the model's tool input is validated with the same schema.
 *
 * Prompt bodies in `prompts/` refer to these field names ("record … in `uncertainties`").
 */
import { z } from 'zod';

const unit = z.number().min(0).max(1);

/** Variables a prompt body may use as `{{name}}`; any other is a validation error (DESIGN §4). */
export const PROMPT_VARIABLES = [
  'goal',
  'phase',
  'focus',
  'context',
  'question',
  'feedback',
  'test_command',
  'cost',
] as const;
export type PromptVariable = (typeof PROMPT_VARIABLES)[number];
export type PromptVariables = Partial<Record<PromptVariable, string>>;

export const RECORD_FINDINGS = 'record_findings';
export const CHOOSE_NEXT_PROMPTS = 'choose_next_prompts';

/** Result of every prompt run (tool `record_findings`). Only `summary` is required. */
export const FindingsSchema = z.object({
  summary: z.string().min(1).describe('What this step established, in 1-4 sentences.'),
  findings: z
    .array(z.string())
    .optional()
    .describe('Facts established, each citing file:line or the requirement it rests on.'),
  cites: z
    .array(z.string())
    .optional()
    .describe('Ids of memory entries this result relies on (e.g. F4.2, AC3).'),
  discovered: z
    .record(z.string(), z.union([z.string(), z.array(z.string())]))
    .optional()
    .describe('Facts to keep, keyed by topic (e.g. stack, entry_points, routes, test_command).'),
  uncertainties: z
    .array(
      z.object({
        area: z.string().describe('snake_case name of the open area, e.g. refresh_token_storage'),
        confidence: unit.describe('0..1, how sure we are about this area now'),
        blocking: z.boolean().describe('true if implementation cannot safely start while this is open'),
        resolved: z.boolean(),
        resolution: z.string().optional(),
      }),
    )
    .optional()
    .describe('Open or newly resolved areas of doubt.'),
  confidence: z
    .object({
      overall: unit.optional(),
      requirements: unit.optional(),
      technical_approach: unit.optional(),
      implementation_details: unit.optional(),
    })
    .optional()
    .describe('Confidence after this step (0..1), only in the dimensions it assessed.'),
  ambiguity_score: unit
    .optional()
    .describe('Requirement prompts: 0 = unambiguous, 1 = cannot proceed without answers.'),
  questions: z
    .array(
      z.object({
        question: z.string(),
        why: z.string().describe('What answer changes in the solution.'),
        default_answer: z.string().describe('The answer assumed if the human does not reply.'),
      }),
    )
    .max(5)
    .optional()
    .describe('Questions for the human, most uncertainty-reducing first.'),
  decisions: z
    .array(z.object({ key: z.string(), choice: z.string(), rationale: z.string() }))
    .optional()
    .describe('Decisions taken, keyed by snake_case topic.'),
  assumptions: z.array(z.string()).optional(),
  risks: z.array(z.string()).optional(),
  suggested_prompts: z.array(z.string()).optional().describe('Catalog prompt names worth running next.'),
  requirements: z
    .array(z.string())
    .optional()
    .describe('Requirement prompts: every testable acceptance criterion, one per item.'),
  solution: z
    .string()
    .optional()
    .describe('Markdown: the design this step proposes, or the document it writes.'),
  revision_reason: z
    .string()
    .optional()
    .describe('uncertainty_resolver: why `solution` revises the proposal.'),
  presentation: z.string().optional().describe('solution_presenter: the text shown at the approval gate.'),
  answer: z.string().optional().describe("uncertainty_resolver: the direct answer to the human's question."),
  file_plan: z
    .array(z.object({ path: z.string(), action: z.enum(['create', 'modify', 'delete']), change: z.string() }))
    .optional()
    .describe('solution_designer: every file to create, modify or delete, and what changes.'),
  digest: z
    .array(z.string())
    .optional()
    .describe('context_preservation: compact facts replacing older findings.'),
  context_health: z.number().min(0).max(10).optional().describe('context_health_checker: 0-10.'),
  verdict: z
    .object({
      passed: z.boolean(),
      blocking_issues: z.array(z.string()),
      notes: z.array(z.string()).optional(),
    })
    .optional()
    .describe('Gates: pass/fail with the blocking issues.'),
  gap: z
    .object({
      description: z.string(),
      suggested_name: z.string(),
      key_questions: z.array(z.string()),
    })
    .optional()
    .describe('prompt_gap_detector: the missing capability, when no catalog prompt fits.'),
  new_prompt: z
    .object({ markdown: z.string().describe('The complete prompt file: YAML frontmatter and body.') })
    .optional()
    .describe('prompt_generator: the new prompt file.'),
});
export type Findings = z.infer<typeof FindingsSchema>;

/** Controller decision in context building (tool `choose_next_prompts`). */
export const NextPromptsSchema = z.object({
  prompts: z
    .array(
      z.object({
        name: z.string().describe('A prompt name from the catalog.'),
        focus: z.string().describe('What this run should concentrate on.'),
        reason: z.string(),
      }),
    )
    .max(4)
    .describe('Prompts to run next, concurrently; empty when ready.'),
  ready_for_analysis: z.boolean().describe('true when the context is sufficient for uncertainty analysis.'),
  need_new_prompt: z.boolean().describe('true when no catalog prompt fits an important open uncertainty.'),
  rationale: z.string(),
});
export type NextPrompts = z.infer<typeof NextPromptsSchema>;
