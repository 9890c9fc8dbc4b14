/**
 * Runs one prompt of the library as a step of a chain: renders it with the chain's variables,
 * runs the agent loop to its forced result tool, records every call (with cost) and the step,
 * and returns the validated result. Budget is checked before every call.
 */
import type { Phase, PromptRun, Step } from '../chain/schema.js';
import { checkBudget, estimateCallCost } from '../cost/budget.js';
import { reportedCostMismatch } from '../cost/reported.js';
import { StepFailedError, UsageError } from '../errors.js';
import { VARIABLE_RE, type PromptDoc } from '../library/parse.js';
import { renderPrompt } from '../library/render.js';
import { codeInView } from './codeView.js';
import { testArgv } from './testing.js';
import { renderCost } from '../memory/cost.js';
import { PRESERVATION } from '../memory/maintenance.js';
import { renderMemory } from '../memory/render.js';
import {
  CHOOSE_NEXT_PROMPTS,
  FindingsSchema,
  NextPromptsSchema,
  RECORD_FINDINGS,
  type Findings,
  type NextPrompts,
} from '../phases/protocol.js';
import { stepTools } from '../tools/step.js';
import { READ_TOOL_NAMES } from '../tools/index.js';
import { mcpCallRecord } from '../mcp/record.js';
import { patternListSection } from '../patterns/offer.js';
import type { ResultToolSpec } from '../llm/types.js';
import { maxTokensFor } from '../llm/thinking.js';
import { agentToolDefinitions, buildSystem, buildTools, estimateInputTokens } from '../llm/layout.js';
import { chooseStepModel } from '../cost/tierChoice.js';
import { currentRunStart } from '../llm/conversation.js';
import { splitTranscript } from '../llm/transcript.js';
import { CONTINUED_PROMPTS, continuedMessages, conversationToContinue } from './taskConversation.js';
import type { StablePrefix } from '../llm/types.js';
import type { DriveDeps } from './deps.js';
import type { ChainSession } from './session.js';
import { emitHook, hookStep } from './hooks.js';

export const FINDINGS_TOOL: ResultToolSpec<Findings> = {
  name: RECORD_FINDINGS,
  description: 'Record the result of this prompt run. Call exactly once, at the end.',
  schema: FindingsSchema,
};

export const NEXT_PROMPTS_TOOL: ResultToolSpec<NextPrompts> = {
  name: CHOOSE_NEXT_PROMPTS,
  description:
    'Choose the next discovery prompts from the catalog, or declare the context ready for analysis.',
  schema: NextPromptsSchema,
};

/** Output tokens assumed for a call when estimating its cost before it is made. */
const EXPECTED_OUTPUT_TOKENS = 1500;

/** Chains already told that --max-cost does not limit calls on a subscription (once per process). */
const toldSubscription = new WeakSet<ChainSession>();

/**
 * Input tokens of the next call as the server counts them (`messages.countTokens`), or null when
 * the server does not offer counting (then the local estimate is used; remembered per process).
 */
async function countInputTokens(
  deps: DriveDeps,
  model: string,
  messages: readonly unknown[],
): Promise<number | null> {
  if (!deps.llm.countTokens || deps.tokenCounting === 'unsupported') return null;
  const n = await deps.llm.countTokens({
    model,
    prefix: deps.prefix,
    tools: deps.tools,
    messages: [...messages],
  });
  if (n === null) deps.tokenCounting = 'unsupported';
  return n;
}

/** The line that ends the first message: the tools a step may call, and how it ends. */
function enabledToolsLine(names: readonly string[], result: string): string {
  return names.length > 0
    ? `Tools enabled: ${names.join(', ')}. End by calling ${result}.`
    : `No tools enabled. End by calling ${result}.`;
}

/**
 * The memory budget of a run (config limits.context_tokens, estimated tokens). context_preservation
 * gets four times as much: it must see what it compacts.
 */
function memoryBudget(deps: Pick<DriveDeps, 'config'>, prompt: string): number {
  const budget = deps.config.limits.context_tokens;
  return prompt === PRESERVATION ? budget * 4 : budget;
}

/** The model for a prompt's tier in this chain (a workflow step's `model` tier wins; a second opinion names its model). */
function modelFor(session: ChainSession, doc: PromptDoc, run: PromptRun): string {
  return run.second_opinion ?? session.ctx.models[run.tier ?? doc.tier];
}

/** Calls a step with tools is expected to make when the tier choice estimates it (two tool turns and the result). */
const EXPECTED_CALLS_WITH_TOOLS = 3;

/**
 * The model a step runs on under config `tier_policy` (src/cost/tierChoice.ts): its declared
 * tier's model, or the default tier's when the declared (cheaper) model's cache is cold and the
 * prefix write there would cost more than it saves. Only a tier the prompt declares is moved (not
 * a workflow step's or upkeep's configured tier, nor a second opinion). Expected output per call:
 * the median of the chain's calls so far (EXPECTED_OUTPUT_TOKENS before three calls). A move is
 * logged with both estimates.
 */
function stepModel(
  session: ChainSession,
  deps: DriveDeps,
  doc: PromptDoc,
  run: PromptRun,
  step: { n: number; instructions: string; calls: number; prefix: StablePrefix; ttl: '5m' | '1h' },
): string {
  const declared = modelFor(session, doc, run);
  const chainModel = session.ctx.models.default;
  // A prompt whose runs continue one conversation keeps its tier: the conversation's thinking blocks belong to one model.
  if (
    run.second_opinion ||
    run.tier ||
    CONTINUED_PROMPTS.has(doc.name) ||
    deps.config.tier_policy !== 'cache-aware' ||
    declared === chainModel
  )
    return declared;
  // A step continued after a pause stays on the model of its earlier calls (their thinking blocks are that model's).
  const earlier = session.ctx.calls.find((c) => c.step === step.n);
  if (earlier) return earlier.model;
  const now = Date.parse(session.now());
  const ttlMs = (step.ttl === '1h' ? 60 : 5) * 60_000;
  const warm = session.ctx.calls.some((c) => c.model === declared && now - Date.parse(c.started_at) < ttlMs);
  const outputs = session.ctx.calls.map((c) => c.usage.output_tokens).sort((a, b) => a - b);
  const choice = chooseStepModel(
    declared,
    chainModel,
    warm,
    {
      prefixTokens: estimateInputTokens({
        system: buildSystem(step.prefix),
        tools: buildTools(agentToolDefinitions(deps.tools)),
        messages: [],
      }),
      messageTokens: Math.ceil(step.instructions.length / 4),
      calls: step.calls,
      outputPerCall: outputs.length >= 3 ? outputs[Math.floor(outputs.length / 2)]! : EXPECTED_OUTPUT_TOKENS,
      prefixTtl: step.ttl,
    },
    deps.prices,
  );
  if (choice.model !== declared)
    deps.log.info(
      {
        prompt: doc.name,
        step: step.n,
        declared,
        model: choice.model,
        declared_usd: choice.declaredUsd,
        chain_usd: choice.chainUsd,
      },
      `tier_policy: ${doc.name} runs on ${choice.model}, not ${declared}: ${choice.reason}`,
    );
  return choice.model;
}

/** USD of the chain's calls from index `from` on (unpriced calls count $0). */
function spentSince(session: ChainSession, from: number): number {
  return session.ctx.calls.slice(from).reduce((sum, c) => sum + (c.cost_usd ?? 0), 0);
}

/** USD of the calls of step `n`. */
function spentByStep(session: ChainSession, n: number): number {
  return session.ctx.calls.reduce((sum, c) => sum + (c.step === n ? (c.cost_usd ?? 0) : 0), 0);
}

/**
 * Runs `run` and returns its validated result. When the chain has an earlier, unfinished run of
 * the same step (a crash or a pause mid-step), it continues that conversation instead of
 * repeating its calls. Throws StepFailedError, LlmApiError, BudgetExceededError or
 * AwaitingInputError (from a gate inside a tool); the step is marked failed only for the first.
 */
export async function runPrompt<T = Findings>(
  session: ChainSession,
  deps: DriveDeps,
  run: PromptRun,
  resultTool?: ResultToolSpec<T>,
): Promise<{ value: T; step: Step }> {
  const doc = deps.catalog.get(run.name);
  if (!doc)
    throw new UsageError(
      `prompt "${run.name}" is not in the library`,
      '`claude-exec prompts list` shows the prompts.',
    );
  const ctx = session.ctx;
  const phase = run.as_phase ?? ctx.current_phase;
  const result = (resultTool ?? FINDINGS_TOOL) as ResultToolSpec<T>;
  const name = doc.name;

  if (ctx.calls.length >= deps.config.caps.chain_calls) throw chainCapReached(deps.config.caps.chain_calls);
  const unfinished = ctx.steps.find(
    (s) =>
      s.effect === ctx.machine.seq &&
      s.prompt === name &&
      s.second_opinion === run.second_opinion &&
      s.status === 'running',
  );
  const step = unfinished ?? session.startStep(phase, name, run.focus ?? null);
  if (run.second_opinion) step.second_opinion = run.second_opinion;
  // An unfinished run goes on where it stopped; a new run of the task's prompt with a failure to
  // fix (a red run, a failed gate) continues the task's conversation.
  const saved = ctx.in_flight.find((f) => f.step === step.n)?.messages;
  const continued = saved || !run.feedback ? null : conversationToContinue(ctx, name);
  deps.ui.progress.stepStart({ n: step.n, prompt: name, focus: run.focus ?? null });
  await emitHook(session, deps, 'step_start', { step: hookStep(step) });

  // A test run's failures reach the prompt once: in its feedback when it carries them (src/engine/effects/machine.ts).
  const testRunInFeedback = /<test_output [^>]*\bat="([^"]+)"/.exec(run.feedback ?? '')?.[1];
  const memory = renderMemory(ctx, {
    phase,
    prompt: name,
    budgetTokens: memoryBudget(deps, name),
    ...(testRunInFeedback ? { testRunInFeedback } : {}),
  }).text;
  // A prompt written instructions-first sends them as a block of their own (cached for its next run).
  const { fixed, rest } = fixedInstructions(doc);
  let instructions =
    `Prompt: ${doc.name} · phase: ${phase} · step ${step.n}\n\n` +
    renderPrompt(rest, {
      goal: ctx.goal,
      phase,
      // The machine's focus (open uncertainties after analysis) belongs to context building and analysis.
      focus:
        run.focus ??
        (phase === 'context-building' || phase === 'uncertainty-analysis' ? ctx.machine.focus : null) ??
        undefined,
      context: memory,
      question: run.question ?? undefined,
      feedback: run.feedback ?? undefined,
      test_command: testArgv(ctx, deps).join(' '),
      cost: renderCost(ctx),
    });
  if (!doc.body.includes('{{context}}')) instructions += `\n\n## The chain so far\n${memory}`;
  if (fixed) instructions = `${fixed}\n\n${instructions}`;
  // The code itself: the files a writing step works on, or the diff a reviewing step judges.
  if (!saved && !continued) {
    const limits = deps.config.limits;
    const code = await codeInView(ctx, session.file, doc, phase, {
      codeViewBytes: limits.code_view_bytes,
      diffViewBytes: limits.diff_view_bytes,
    });
    if (code) instructions += `\n\n${code}`;
  }
  // The first prompt is shown the saved patterns to say which applies (matched by meaning; src/patterns/offer.ts).
  if (name === 'new_case' && !ctx.pattern) instructions += patternListSection(ctx.pattern_candidates);
  const tools = stepTools(
    doc.tools,
    phase,
    deps.config.caps,
    deps.mcpTools,
    deps.tools.map((t) => t.name),
  );
  let toolsLine = enabledToolsLine(tools.names, result.name);
  if (doc.requires.length > 0 && result.name === RECORD_FINDINGS)
    toolsLine += ` Its input must contain ${doc.requires.map((f) => `\`${f}\``).join(', ')}.`;
  instructions += `\n\n${toolsLine}`;
  const resumeMessages =
    saved ??
    (continued
      ? continuedMessages(
          continued,
          result.name,
          iterationTurn(ctx.machine.implementation_iterations, run.feedback, toolsLine),
          { triggerTokens: deps.config.limits.conversation_tokens, keep: KEPT_TOOL_RESULTS },
        )
      : undefined);
  const prefixTtl = waitsForHuman(session, deps, tools.work === 'code') ? '1h' : '5m';
  const prefix = prefixFor(deps.prefix, phase);
  const model = stepModel(session, deps, doc, run, {
    n: step.n,
    instructions,
    calls: tools.names.length > 0 ? EXPECTED_CALLS_WITH_TOOLS : 1,
    prefix,
    ttl: prefixTtl,
  });
  const fallbackModel = deps.config.fallback_model[run.tier ?? doc.tier];
  const maxTokens = maxTokensFor(model, tools.work, deps.config.limits.max_tokens_per_call);
  const caps = deps.config.caps;
  const chainCallsLeft = caps.chain_calls - ctx.calls.length;
  let inFlight = false;
  const release = () => {
    if (inFlight) session.callsInFlight--;
    inFlight = false;
  };
  let reserved = 0;
  const reserve = (usd: number) => {
    session.reservedUsd += usd - reserved;
    reserved = usd;
  };
  try {
    const out = await deps.llm.runStructured(
      {
        model,
        prefix,
        instructions,
        ...(fixed ? { fixedInstructions: fixed } : {}),
        result:
          doc.requires.length > 0 && result.name === RECORD_FINDINGS
            ? { ...result, requires: doc.requires }
            : result,
        allTools: deps.tools,
        enabledTools: tools.names,
        maxTurns: tools.maxTurns,
        maxCorrections: deps.config.caps.corrections,
        maxCalls: Math.min(caps.step_calls, chainCallsLeft + callsIn(resumeMessages)),
        maxToolCalls: caps.step_tool_calls,
        maxTokens,
        thinking: deps.config.thinking[run.tier ?? doc.tier],
        resumeMessages,
        ...(fallbackModel && fallbackModel !== model ? { fallbackModel } : {}),
        keepConversation: CONTINUED_PROMPTS.has(name),
        prefixTtl,
      },
      {
        beforeCall: async (info) => {
          // `info.estimatedInputTokens` serializes the request: read only when a budget applies.
          const { model: m, messages, billing } = info;
          // A call that failed over to the fallback model comes here again without its onCall.
          reserve(0);
          release();
          // The last call's record (its save may be queued: recordCall) is on disk before the next call.
          await session.flush();
          // Concurrent prompt runs share the chain's ceiling: calls in flight count as made.
          if (session.ctx.calls.length + session.callsInFlight >= caps.chain_calls)
            throw chainCapReached(caps.chain_calls);
          session.callsInFlight++;
          inFlight = true;
          const max = session.ctx.max_cost_usd;
          // A workflow step's budget (all its calls, also across parallel branches) and a branch's own.
          const stepBudget = session.ctx.workflow?.step_budget ?? null;
          const ownBudget = run.budget_usd ?? null;
          const family = session.family;
          if (max === null && stepBudget === null && ownBudget === null && family === null) return;
          if (billing === 'subscription') {
            // Nothing is billed per token, so there is no cost to limit (README: backends).
            if (!toldSubscription.has(session))
              deps.ui.progress.warn(
                '--max-cost does not limit this chain: its calls run on a Claude subscription, which is not billed per token',
              );
            toldSubscription.add(session);
            return;
          }
          const counted = await countInputTokens(deps, m, messages);
          const next = estimateCallCost(
            m,
            counted ?? info.estimatedInputTokens,
            EXPECTED_OUTPUT_TOKENS,
            deps.prices,
          );
          // Calls of concurrent prompt runs that are in flight count against the limit too.
          checkBudget({
            spentUsd: session.ctx.cost_tracking.estimated_cost + session.reservedUsd,
            nextCallUsd: next,
            maxCostUsd: max,
          });
          if (stepBudget)
            checkBudget({
              spentUsd: spentSince(session, stepBudget.from_call) + session.reservedUsd,
              nextCallUsd: next,
              maxCostUsd: stepBudget.usd,
              scope: `workflow step ${stepBudget.at}`,
            });
          if (family)
            checkBudget({
              spentUsd: family.spentUsd(),
              nextCallUsd: next,
              maxCostUsd: family.limitUsd,
              scope: 'the chain family (--split)',
            });
          if (ownBudget !== null)
            checkBudget({
              spentUsd: spentByStep(session, step.n) + reserved,
              nextCallUsd: next,
              maxCostUsd: ownBudget,
              scope: `branch ${name}`,
            });
          reserve(next ?? 0);
        },
        onCall: (call, messages) => {
          reserve(0);
          release();
          return session.recordCall(
            step,
            call,
            messages,
            { prices: deps.prices, config: deps.config, progress: deps.ui.progress },
            onlyCalls(messages, result.name) || onlyReadToolCalls(messages),
          );
        },
        onToolResult: (event) => {
          const mcp = deps.mcpTools?.find((t) => t.name === event.name);
          if (mcp) (step.mcp_calls ??= []).push(mcpCallRecord(mcp, event));
        },
        onFallback: ({ from, to, reason }) =>
          deps.ui.progress.warn(
            `${name}: ${from} failed after the SDK's retries (${reason}); this call and the rest of the step go to the fallback model ${to}`,
          ),
        onProgress: (event) => {
          if (event.type === 'tool')
            deps.ui.progress.tool({ prompt: name, name: event.name, summary: event.summary });
        },
      },
    );
    if (out.reportedCostUsd !== undefined) {
      const mismatch = reportedCostMismatch(out.calls, out.reportedCostUsd, deps.prices);
      if (mismatch)
        deps.log.warn(
          { prompt: run.name, step: step.n, ours_usd: mismatch.ours, reported_usd: mismatch.reported },
          'the backend reports another cost for this step than the price table gives',
        );
    }
    return { value: out.value, step };
  } catch (err) {
    if (err instanceof StepFailedError) {
      await session.endStep(step, { ok: false, summary: err.message, error: err.message });
      deps.ui.progress.stepEnd({ n: step.n, prompt: name, summary: err.message, ok: false });
      await emitHook(session, deps, 'step_end', {
        step: hookStep(session.ctx.steps.find((s) => s.n === step.n) ?? step),
      });
    }
    throw err;
  } finally {
    reserve(0);
    release();
  }
}

/**
 * The cached prefix a step in `phase` is sent: implementation and readiness steps choose no
 * prompt, so they go without the selector's catalog (tools and rules are still read from cache).
 */
function prefixFor(prefix: StablePrefix, phase: Phase): StablePrefix {
  return phase === 'implementation' || phase === 'deployment-readiness' ? { ...prefix, catalog: '' } : prefix;
}

/**
 * Will the chain wait for a human (a gate, a question, a file-change approval)? Not with --yes,
 * unless it stops at the solution gate (--until solution-approval); a one-prompt chain only when
 * its step may write (`writes`: a change to approve). Its prefix is then cached
 * for an hour, so it is still read when the answer comes.
 */
function waitsForHuman(session: ChainSession, deps: Pick<DriveDeps, 'yes'>, writes: boolean): boolean {
  // A one-prompt chain (`prompt run`) has no gate: only a change to approve can make it wait.
  if (session.ctx.single_prompt !== null) return !deps.yes && writes;
  return !deps.yes || session.ctx.until_phase === 'solution-approval';
}

/**
 * Pure: whether the last message of `messages` is the model's turn and calls only the tool
 * `name` (the step's result tool), so that the step ends with it unless its input is refused.
 */
export function onlyCalls(messages: readonly unknown[], name: string): boolean {
  const last = messages.at(-1) as { role?: unknown; content?: unknown } | undefined;
  if (last?.role !== 'assistant' || !Array.isArray(last.content)) return false;
  const uses = (last.content as { type?: unknown; name?: unknown }[]).filter((b) => b?.type === 'tool_use');
  return uses.length > 0 && uses.every((b) => b.name === name);
}

/**
 * Pure: whether the last message of `messages` is the model's turn and calls only the workspace's
 * read tools (list_files, read_file, search_code), which change nothing outside the process, so
 * the call's save may finish while they run (it is on disk before the next call: recordCall).
 */
export function onlyReadToolCalls(messages: readonly unknown[]): boolean {
  const last = messages.at(-1) as { role?: unknown; content?: unknown } | undefined;
  if (last?.role !== 'assistant' || !Array.isArray(last.content)) return false;
  const uses = (last.content as { type?: unknown; name?: unknown }[]).filter((b) => b?.type === 'tool_use');
  return uses.length > 0 && uses.every((b) => (READ_TOOL_NAMES as readonly unknown[]).includes(b.name));
}

/**
 * Fixed instructions worth a cache entry of their own: at least this many characters (about 500
 * tokens) before a prompt's first variable. No shipped prompt other than those written
 * instructions-first has more than a title there.
 */
const FIXED_MIN_CHARS = 2_000;

/**
 * Pure: a prompt's body split into its fixed instructions (the text before its first variable,
 * the same on every run of the prompt in a chain, when at least FIXED_MIN_CHARS long) and the
 * rest, to render with the run's variables. `fixed` is null when the prompt starts with its
 * variables (most prompts: then `rest` is the prompt as it is).
 */
export function fixedInstructions(doc: PromptDoc): { fixed: string | null; rest: PromptDoc } {
  const at = doc.body.search(VARIABLE_RE);
  const head = at < 0 ? '' : doc.body.slice(0, at);
  const cut = head.lastIndexOf('\n\n');
  if (cut < FIXED_MIN_CHARS) return { fixed: null, rest: doc };
  return { fixed: head.slice(0, cut).trimEnd(), rest: { ...doc, body: doc.body.slice(cut + 2) } };
}

/** Assistant turns (calls already made) of the current run in a stored conversation of an unfinished step. */
function callsIn(messages: unknown[] | undefined): number {
  const own = splitTranscript(messages ?? []).messages;
  return own.slice(currentRunStart(own)).filter((m) => m.role === 'assistant').length;
}

/** Tool results a continued conversation keeps whole when it clears old ones (the newest). */
const KEPT_TOOL_RESULTS = 8;

/**
 * Pure: the text of the user turn that continues an implementation task's conversation with the
 * new failure (`feedback`: the failure digest of the test run, or the gates' blocking issues).
 */
function iterationTurn(iteration: number, feedback: string | null | undefined, toolsLine: string): string {
  return (
    `implementation iteration ${iteration}. ${feedback ?? 'The last run did not finish the task.'}\n\n` +
    'What you read, wrote and tried above still holds; older tool results may have been cleared, so read a file again if you need it. ' +
    `Fix what fails, run the tests, then record your findings.\n\n${toolsLine}`
  );
}

function chainCapReached(cap: number): StepFailedError {
  return new StepFailedError(
    `the chain reached its limit of ${cap} calls (caps.chain_calls)`,
    'Raise caps.chain_calls in claude-exec.config.json if the task needs more, then `claude-exec resume ID`.',
  );
}
