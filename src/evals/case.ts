/**
 * An eval case of a prompt: `prompts/evals/<prompt>/<case>.yaml` beside the library. It gives the
 * inputs of one prompt run (the goal, what the chain memory holds, an optional workspace fixture
 * the read tools see) and the assertions its result must pass. Parsing is pure (text → case);
 * an invalid file is a UsageError (exit 2) naming the file and the field.
 */
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { PhaseSchema } from '../chain/schema.js';
import { UsageError } from '../errors.js';

const path = z
  .string()
  .min(1)
  .describe('a JSON path into the result: `summary`, `verdict.passed`, `findings[0]`, `decisions[*].key`');

/** What a result must satisfy; promptfoo's assertion names where one exists (`contains`, `regex`, `cost`, `llm-rubric`). */
const AssertionSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('fields'),
    value: z
      .array(z.string().min(1))
      .min(1)
      .describe('top-level result fields that must be present and not empty'),
  }),
  z.strictObject({
    type: z.literal('equals'),
    path,
    value: z.unknown().describe('the value found at `path` (deep equality)'),
  }),
  z.strictObject({
    type: z.literal('contains'),
    path,
    value: z.string().min(1).describe('a substring of the text at `path` (of one element when it is a list)'),
    ignore_case: z.boolean().default(false),
  }),
  z.strictObject({
    type: z.literal('regex'),
    path,
    value: z
      .string()
      .min(1)
      .describe('a regular expression the text at `path` matches (one element when a list)'),
    flags: z
      .string()
      .regex(/^[imsu]*$/)
      .default(''),
  }),
  z
    .strictObject({
      type: z.literal('between'),
      path,
      min: z.number().optional(),
      max: z.number().optional(),
    })
    .describe('a number at `path` within [min, max]'),
  z.strictObject({
    type: z.literal('cites_existing_file'),
    path: path.default('findings'),
    min: z
      .number()
      .int()
      .min(1)
      .default(1)
      .describe('citations `file:line` needed, each naming a file of the fixture and a line it has'),
  }),
  z.strictObject({
    type: z.literal('cost'),
    max_usd: z.number().positive().describe('ceiling of the run, USD (fails when the model has no price)'),
  }),
  z.strictObject({
    type: z.literal('tokens'),
    max_input: z
      .number()
      .int()
      .positive()
      .optional()
      .describe('uncached + cache write + cache read input tokens of all the calls'),
    max_output: z.number().int().positive().optional(),
  }),
  z.strictObject({
    type: z.literal('llm-rubric'),
    judge: z.string().min(1).describe('the model that grades, e.g. claude-opus-4-5'),
    rubric: z.string().min(1).describe('what a good result does; the judge returns pass and a score 0..1'),
    min_score: z.number().min(0).max(1).default(0.5),
  }),
  z.strictObject({
    type: z.literal('tests_fail_before_pass_after'),
    after: z
      .string()
      .min(1)
      .describe(
        'a directory, relative to the case file, of reference implementation files copied over the fixture: the tests the step wrote must fail on the fixture and pass on the fixture with these',
      ),
  }),
]);
export type Assertion = z.infer<typeof AssertionSchema>;

/** An earlier step whose result the chain memory renders for this prompt. */
const PriorStepSchema = z.strictObject({
  prompt: z.string().min(1),
  phase: PhaseSchema,
  result: z.looseObject({ summary: z.string().min(1) }).describe('its record_findings input'),
});

const EvalCaseSchema = z.strictObject({
  description: z.string().min(1),
  inputs: z.strictObject({
    goal: z.string().min(1).describe('the task of the chain'),
    focus: z.string().min(1).optional().describe('what the prompt concentrates on ({{focus}})'),
    phase: PhaseSchema.optional().describe(
      "the phase it runs in (default: the prompt's first declared phase)",
    ),
    workspace: z
      .string()
      .min(1)
      .optional()
      .describe(
        'a fixture directory, relative to the case file, copied to a temporary directory for the tools',
      ),
    memory: z
      .record(z.string(), z.unknown())
      .default({})
      .describe(
        'fields of the context file the chain starts with (requirements, decisions, solution, discovered, uncertainties, questions, …)',
      ),
    steps: z.array(PriorStepSchema).default([]).describe('earlier steps, their results shown in {{context}}'),
  }),
  assert: z.array(AssertionSchema).min(1),
});
export type EvalCase = z.infer<typeof EvalCaseSchema>;

/**
 * `text` (YAML) as an eval case. Throws UsageError naming `file` and the first invalid field
 * (`inputs.goal: …`) or the YAML error.
 */
export function parseEvalCase(text: string, file: string): EvalCase {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (err) {
    throw new UsageError(
      `${file}: not valid YAML: ${(err as Error).message.split('\n')[0]}`,
      'Fix the file, or remove it from prompts/evals/.',
    );
  }
  const parsed = EvalCaseSchema.safeParse(raw);
  if (parsed.success) {
    for (const [i, a] of parsed.data.assert.entries()) {
      if (a.type === 'regex') {
        try {
          new RegExp(a.value, a.flags);
        } catch (err) {
          throw new UsageError(
            `${file}: assert.${i}.value: ${(err as Error).message}`,
            'Fix the regular expression.',
          );
        }
      }
      if (a.type === 'between' && a.min === undefined && a.max === undefined)
        throw new UsageError(`${file}: assert.${i}: give min or max`, 'A between assertion needs a bound.');
      if (a.type === 'tokens' && a.max_input === undefined && a.max_output === undefined)
        throw new UsageError(
          `${file}: assert.${i}: give max_input or max_output`,
          'A tokens assertion needs a ceiling.',
        );
      if (a.type === 'tests_fail_before_pass_after' && !parsed.data.inputs.workspace)
        throw new UsageError(
          `${file}: assert.${i}: tests_fail_before_pass_after needs inputs.workspace`,
          'The tests run on the fixture before and after its `after` overlay: name the fixture in inputs.workspace.',
        );
    }
    return parsed.data;
  }
  const issue = parsed.error.issues[0]!;
  const where = issue.path.length ? issue.path.join('.') : '(file)';
  throw new UsageError(
    `${file}: ${where}: ${issue.message}`,
    'README "Evaluating prompts" describes the case file.',
  );
}
