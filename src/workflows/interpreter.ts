/**
 * The workflow interpreter: pure `workflowTransition(state, event, workflow) → { state, effect }`,
 * like the phase machine. The state is a stack of frames (a step list and the index of its next
 * step); `if`, `switch` and `loop` push the block they choose, effect steps (prompt, parallel,
 * phase, gate, tests, chain, plan_split, sub_chains) stop the walk and become the effect the driver performs
 * (src/engine/loop.ts). Conditions read `Facts`, the chain's state after the last step.
 *
 * Bounds independent of the model: a loop runs at most its `max` passes (required by the file
 * format), and one transition visits at most MAX_VISITS steps.
 */
import type { PromptRun, WorkflowEffect, WorkflowFrame, WorkflowState } from '../chain/schema.js';
import { topoOrder, type PlannedPart } from './parts.js';
import type { Condition, PromptStep, Step, WorkflowFile } from './schema.js';
import { stepKindOf } from './walk.js';

/** What conditions see: the chain after the last step. Confidence values are 0..1. */
export interface Facts {
  confidence: Record<string, number>;
  /** The last verdict a prompt reported (null: none yet). */
  verdict: 'passed' | 'failed' | null;
  /** The last test run (null: none yet). */
  tests: 'passed' | 'failed' | null;
  /** The chain's findings and step summaries, lower-cased, for `finding` conditions. */
  text: string;
  /** Commits on the workspace's HEAD (0: not a git repository or no commit). */
  git_commits: number;
  /** The parts of the chain's approved split plan (absent or null: none approved), for a `sub_chains` step. */
  parts?: readonly PlannedPart[] | null;
}

export type WorkflowEvent =
  | { type: 'start'; facts: Facts }
  /** The awaiting effect was performed; `note` is kept in the history. */
  | { type: 'done'; facts: Facts; note?: string }
  /** The human did not approve at a gate: the workflow fails with `reason`. */
  | { type: 'rejected'; reason: string };

export interface WorkflowTransition {
  state: WorkflowState;
  effect: WorkflowEffect;
}

/** Steps one transition may visit before the interpreter gives up (a guard; real workflows visit a few). */
const MAX_VISITS = 10_000;

/** The state of a workflow that has not started. */
export function initialWorkflowState(): WorkflowState {
  return { stack: [], awaiting: null, history: [] };
}

/** Evaluates `c` on `facts`. */
export function holds(c: Condition, facts: Facts): boolean {
  if ('confidence' in c) {
    const v = facts.confidence[c.confidence.of ?? 'overall'] ?? 0;
    return (
      (c.confidence.below === undefined || v < c.confidence.below) &&
      (c.confidence.at_least === undefined || v >= c.confidence.at_least)
    );
  }
  if ('verdict' in c) return (facts.verdict ?? 'none') === c.verdict;
  if ('tests' in c) return (facts.tests ?? 'none') === c.tests;
  if ('finding' in c) return facts.text.includes(c.finding.toLowerCase());
  if ('git_commits' in c) return facts.git_commits >= c.git_commits.at_least;
  if ('all' in c) return c.all.every((x) => holds(x, facts));
  if ('any' in c) return c.any.some((x) => holds(x, facts));
  return !holds(c.not, facts);
}

/** The value a `switch` step compares with its cases. Confidence bands: low < 0.5 ≤ medium < 0.8 ≤ high. */
export function switchValue(on: 'verdict' | 'tests' | 'confidence', facts: Facts): string {
  if (on === 'verdict') return facts.verdict ?? 'none';
  if (on === 'tests') return facts.tests ?? 'none';
  const c = facts.confidence.overall ?? 0;
  return c < 0.5 ? 'low' : c < 0.8 ? 'medium' : 'high';
}

/** The value at dotted path `at` of `root` (`steps.2.then`), or undefined. */
function valueAt(root: unknown, at: string): unknown {
  let v: unknown = root;
  for (const key of at.split('.')) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[key];
  }
  return v;
}

const blockAt = (wf: WorkflowFile, at: string): Step[] => {
  const v = valueAt(wf, at);
  if (!Array.isArray(v)) throw new Error(`workflow ${wf.name}: no step list at ${at}`);
  return v as Step[];
};

function promptRun(step: PromptStep, inherited: { tier?: PromptRun['tier'] } = {}): PromptRun {
  const tier = step.model ?? inherited.tier;
  return {
    name: step.prompt,
    focus: step.focus ?? null,
    ...(tier ? { tier } : {}),
    ...(step.as_phase ? { as_phase: step.as_phase } : {}),
  };
}

/**
 * The effect of an effect step at `at`, or null for a control step. A `sub_chains` step expands
 * into one sub-chain per approved part, in dependency order (a fail effect without an approved plan).
 */
function effectOf(step: Step, at: string, facts: Facts): WorkflowEffect | null {
  const budget = step.budget_usd ?? null;
  if ('plan_split' in step) return { kind: 'plan_split', at, prompt: step.plan_split };
  if ('sub_chains' in step) {
    const order = facts.parts?.length ? topoOrder(facts.parts) : null;
    if (!order)
      return {
        kind: 'fail',
        reason: `step ${at} runs the parts of an approved split plan, and ${facts.parts?.length ? 'its parts depend on each other in a cycle' : 'there is none'}`,
      };
    return {
      kind: 'sub_chains',
      at,
      parts: order.map((p) => ({
        key: p.key,
        goal: p.goal,
        depends_on: [...p.depends_on],
        workflow: p.workflow,
      })),
    };
  }
  if ('prompt' in step) return { kind: 'prompt', at, run: promptRun(step), budget_usd: budget };
  if ('phase' in step)
    return { kind: 'phase', at, phase: step.phase, budget_usd: budget, tier: step.model ?? null };
  if ('gate' in step) return { kind: 'gate', at, gate: step.gate };
  if ('tests' in step) return { kind: 'tests', at, expect: step.tests };
  if ('chain' in step)
    return {
      kind: 'chain',
      at,
      goal: step.chain.goal,
      workflow: step.chain.workflow ?? null,
      budget_usd: budget,
    };
  if ('parallel' in step) {
    const runs = step.parallel.branches.map((b) => ({
      ...promptRun(b, { tier: step.model }),
      ...(b.budget_usd ? { budget_usd: b.budget_usd } : {}),
    }));
    const merge = step.parallel.merge
      ? { name: step.parallel.merge, focus: null, ...(step.model ? { tier: step.model } : {}) }
      : null;
    return {
      kind: 'parallel',
      at,
      runs,
      max_concurrency: step.parallel.max_concurrency,
      merge,
      budget_usd: budget,
    };
  }
  return null;
}

const kindName = (step: Step) => stepKindOf(step) ?? 'step';

/**
 * Walks from the top frame of `stack` to the next effect step, taking `if`/`switch` branches and
 * loop passes on `facts`. Returns the new stack (its top frame points at the effect step) and the
 * effect, with the control decisions appended to `history`.
 */
function advance(
  wf: WorkflowFile,
  stack0: WorkflowFrame[],
  facts: Facts,
  history: WorkflowState['history'],
): WorkflowTransition {
  const stack = stack0.map((f) => ({ ...f }));
  const log = [...history];
  for (let visits = 0; visits < MAX_VISITS; visits++) {
    const top = stack.at(-1);
    if (!top)
      return { state: { stack, awaiting: { kind: 'complete' }, history: log }, effect: { kind: 'complete' } };
    const block = blockAt(wf, top.block);
    if (top.i >= block.length) {
      stack.pop();
      const parent = stack.at(-1);
      if (top.pass !== null) {
        // The end of a loop pass: the loop step is the parent frame's current step.
        const loopAt = top.block.replace(/\.loop\.steps$/, '');
        const loop = (valueAt(wf, loopAt) as Extract<Step, { loop: unknown }>).loop;
        if (holds(loop.until, facts)) {
          log.push({ at: loopAt, kind: 'loop', outcome: `condition met after ${top.pass} pass(es)` });
        } else if (top.pass >= loop.max) {
          log.push({
            at: loopAt,
            kind: 'loop',
            outcome: `stopped at its max of ${loop.max} passes without meeting the condition`,
          });
          if (loop.on_max === 'fail') {
            const effect: WorkflowEffect = {
              kind: 'fail',
              reason: `loop ${loopAt} ran its max of ${loop.max} passes without meeting its condition`,
            };
            return { state: { stack, awaiting: effect, history: log }, effect };
          }
        } else {
          stack.push({ block: top.block, i: 0, pass: top.pass + 1 });
          continue;
        }
      }
      if (parent) parent.i += 1;
      continue;
    }
    const step = block[top.i]!;
    const at = `${top.block}.${top.i}`;
    const effect = effectOf(step, at, facts);
    if (effect) return { state: { stack, awaiting: effect, history: log }, effect };
    if ('if' in step) {
      const yes = holds(step.if, facts);
      log.push({ at, kind: 'if', outcome: yes ? 'then' : 'else' });
      const chosen = yes ? 'then' : step.else ? 'else' : null;
      if (chosen) stack.push({ block: `${at}.${chosen}`, i: 0, pass: null });
      else top.i += 1;
    } else if ('switch' in step) {
      const value = switchValue(step.switch, facts);
      const key = Object.hasOwn(step.cases, value)
        ? `${at}.cases.${value}`
        : step.default
          ? `${at}.default`
          : null;
      log.push({
        at,
        kind: 'switch',
        outcome: key ? `${step.switch} = ${value}` : `${step.switch} = ${value}: no case, skipped`,
      });
      if (key) stack.push({ block: key, i: 0, pass: null });
      else top.i += 1;
    } else if ('loop' in step) {
      stack.push({ block: `${at}.loop.steps`, i: 0, pass: 1 });
    }
  }
  const effect: WorkflowEffect = {
    kind: 'fail',
    reason: `workflow ${wf.name} visited ${MAX_VISITS} steps without reaching one that does work`,
  };
  return { state: { stack, awaiting: effect, history: log }, effect };
}

/** One transition of workflow `wf`. Throws when `done` arrives while nothing is awaited. */
export function workflowTransition(
  s: WorkflowState,
  event: WorkflowEvent,
  wf: WorkflowFile,
): WorkflowTransition {
  switch (event.type) {
    case 'start':
      return advance(wf, [{ block: 'steps', i: 0, pass: null }], event.facts, s.history);
    case 'done': {
      const effect = s.awaiting;
      if (!effect || effect.kind === 'complete' || effect.kind === 'fail')
        throw new Error('workflow: done without an awaited step');
      const stack = s.stack.map((f) => ({ ...f }));
      const top = stack.at(-1)!;
      const step = blockAt(wf, top.block)[top.i]!;
      const history = [...s.history, { at: effect.at, kind: kindName(step), outcome: event.note ?? 'done' }];
      top.i += 1;
      return advance(wf, stack, event.facts, history);
    }
    case 'rejected': {
      const effect: WorkflowEffect = { kind: 'fail', reason: event.reason };
      return { state: { ...s, awaiting: effect }, effect };
    }
  }
}
