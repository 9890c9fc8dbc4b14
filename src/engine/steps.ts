/**
 * The step runners of the driver: one prompt run folded into the chain, the context-building
 * decision, and the generation of a new prompt. Each runs as a step of the current machine effect
 * and is skipped (its saved result returned) when a resumed chain already completed it.
 */
import { readFileSync } from 'node:fs';
import { recordOwnFile } from '../config/trustStore.js';
import { StepFailedError } from '../errors.js';
import { saveGeneratedPrompt, validateGeneratedPrompt } from '../library/generated.js';
import { createCatalog } from '../library/catalog.js';
import { parsePromptFile } from '../library/parse.js';
import { foldResult } from '../memory/fold.js';
import { FindingsSchema, type Findings, type NextPrompts } from '../phases/protocol.js';
import type { PromptRun, Step } from '../chain/schema.js';
import type { ResultToolSpec } from '../llm/types.js';
import { selectableNames, type DriveDeps } from './deps.js';
import { FINDINGS_TOOL, NEXT_PROMPTS_TOOL, runPrompt } from './promptRun.js';
import type { ChainSession } from './session.js';
import { emitHook, hookStep } from './hooks.js';

/**
 * Runs `run` as a step of the current effect, unless a resumed chain already completed it (then
 * its saved result is returned). `fold` applies the result to the chain and returns the step's
 * summary and what to store on the step; the step is then closed. Prompt names are resolved to
 * the canonical name first (an alias names the prompt it was merged into).
 */
export async function runStep<T>(
  session: ChainSession,
  deps: DriveDeps,
  run: PromptRun,
  tool: ResultToolSpec<T> | undefined,
  fold: (
    value: T,
    step: Step,
  ) => { summary: string; confidence?: Pick<Step, 'confidence_reported' | 'confidence_gain'> },
  before?: Promise<void>,
): Promise<T> {
  const name = deps.catalog.get(run.name)?.name ?? run.name;
  const done = session.ctx.steps.find(
    (s) =>
      s.effect === session.ctx.machine.seq &&
      s.prompt === name &&
      s.second_opinion === run.second_opinion &&
      s.status === 'complete',
  );
  if (done) return done.result as T;
  const reused = reusable(session, name);
  const { value, step } = reused
    ? {
        value: reused.result as T,
        step: session.startStep(run.as_phase ?? session.ctx.current_phase, name, run.focus ?? null),
      }
    : await runPrompt(session, deps, { ...run, name }, tool);
  if (reused) step.reused_from = { chain_id: session.ctx.fork!.chain_id, step: reused.n };
  // Side by side with other steps: the result is recorded after theirs (./mapBounded.ts).
  if (before) await before;
  const { summary, confidence } = fold(value, step);
  await session.endStep(step, { ok: true, summary, result: value, confidence });
  if (!reused)
    await emitHook(session, deps, 'step_end', {
      step: hookStep(session.ctx.steps.find((s) => s.n === step.n) ?? step),
    });
  const findings = (value as { findings?: unknown }).findings;
  const shown = reused ? `reused from chain ${session.ctx.fork!.chain_id} (no call): ${summary}` : summary;
  deps.ui.progress.stepEnd({
    n: step.n,
    prompt: name,
    summary: shown,
    ok: true,
    findings: reused ? undefined : Array.isArray(findings) ? findings.map(String) : undefined,
  });
  return value;
}

/**
 * The source step a fork reuses for the next step, when it runs prompt `name`: the step with the
 * number this one will get, below the fork's --from-step, complete, of the same prompt. A
 * mismatch (the flow went another way) ends the replay: every later step runs live.
 */
function reusable(session: ChainSession, name: string): Step | null {
  const n = session.ctx.steps.length + 1;
  const source = session.replay[n - 1];
  if (!source) return null;
  if (source.prompt !== name || source.status !== 'complete' || source.n !== n) {
    session.replay = [];
    return null;
  }
  return source;
}

/**
 * Runs one prompt and folds its findings into the chain (src/memory/fold.ts). `before`: the fold
 * waits for it (the previous step of a batch run side by side: mapBoundedInOrder).
 */
export function promptStep(
  session: ChainSession,
  deps: DriveDeps,
  run: PromptRun,
  resultTool?: ResultToolSpec<Findings>,
  before?: Promise<void>,
): Promise<Findings> {
  return runStep(
    session,
    deps,
    run,
    resultTool,
    (value: Findings, step) => {
      const folded = foldResult(session.ctx, {
        step: step.n,
        prompt: step.prompt,
        result: value,
        round: session.ctx.machine.clarification_rounds + 1,
        now: session.now(),
      });
      session.ctx = folded.ctx;
      return { summary: value.summary, confidence: folded.step };
    },
    before,
  );
}

/**
 * Context building's decision: prompt_selector answers with choose_next_prompts. Chosen names
 * are resolved to canonical names; the machine keeps only names the selector may choose.
 * `focus`: the selector's `{{focus}}` (default: the machine's focus).
 */
export async function decideStep(
  session: ChainSession,
  deps: DriveDeps,
  focus: string | null = session.ctx.machine.focus,
): Promise<{ decision: NextPrompts; known: string[] }> {
  const decision = await runStep(
    session,
    deps,
    { name: 'prompt_selector', focus },
    NEXT_PROMPTS_TOOL,
    (value) => ({
      summary: value.ready_for_analysis
        ? `ready for analysis: ${value.rationale}`
        : `next: ${value.prompts.map((p) => p.name).join(', ') || '(none)'}`,
    }),
  );
  const canonical = {
    ...decision,
    prompts: decision.prompts.map((p) => ({ ...p, name: deps.catalog.get(p.name)?.name ?? p.name })),
  };
  return { decision: canonical, known: selectableNames(deps.catalog, deps.config) };
}

/**
 * The result tool of prompt_generator: record_findings whose `new_prompt.markdown` must be a
 * valid prompt file (same parser and schema as the library) with a name not in the catalog.
 * An invalid file fails validation, so its problems go back to the model for correction.
 */
function generatedPromptTool(deps: DriveDeps): ResultToolSpec<Findings> {
  return {
    ...FINDINGS_TOOL,
    schema: FindingsSchema.superRefine((f, zctx) => {
      if (!f.new_prompt?.markdown) {
        zctx.addIssue({
          code: 'custom',
          path: ['new_prompt', 'markdown'],
          message: 'required: the complete new prompt file',
        });
        return;
      }
      for (const issue of validateGeneratedPrompt(f.new_prompt.markdown, deps.catalog).issues) {
        zctx.addIssue({
          code: 'custom',
          path: ['new_prompt', 'markdown'],
          message: `${issue.field}: ${issue.problem}`,
        });
      }
    }),
  };
}

/** prompt_generator writes a prompt for `gap`; returns its name once saved, or null. */
export async function generateStep(
  session: ChainSession,
  deps: DriveDeps,
  gap: string,
): Promise<string | null> {
  let findings: Findings;
  try {
    findings = await promptStep(
      session,
      deps,
      { name: 'prompt_generator', focus: gap },
      generatedPromptTool(deps),
    );
  } catch (err) {
    if (!(err instanceof StepFailedError)) throw err;
    deps.ui.progress.warn(`no valid prompt was generated: ${err.message}`);
    return null;
  }
  const markdown = findings.new_prompt!.markdown;
  // A resumed chain may have saved this prompt already (it is then in the workspace layer).
  const name = parsePromptFile(markdown, 'generated.md', 'custom').doc?.name;
  const saved = name ? deps.catalog.get(name) : undefined;
  if (saved && saved.category === 'custom' && session.ctx.generated_prompts.some((g) => g.name === name))
    return saved.name;
  const { doc } = validateGeneratedPrompt(markdown, deps.catalog);
  if (!doc) return saved?.category === 'custom' ? saved.name : null;
  const file = await saveGeneratedPrompt(deps.workspace, doc, markdown);
  // claude-exec wrote it: the next run needs no trust question for it while it is unchanged.
  recordOwnFile(deps.workspace, file, readFileSync(file, 'utf8'), deps.env);
  // The catalog text in the cached prefix stays as it was; the new prompt is runnable by name.
  deps.catalog = createCatalog([...deps.catalog.prompts, { ...doc, file, layer: 'workspace' }]);
  session.ctx.generated_prompts.push({ name: doc.name, reason: gap, path: file });
  deps.ui.progress.info(`  new prompt ${doc.name} saved to ${file}`);
  return doc.name;
}
