/**
 * The feature flow's straight path, derived by running the phase machine (./machine.ts) on a
 * scripted chain that takes no loop and meets no rejection: one round of clarifying questions,
 * one selector decision with one discovery prompt then "ready", confident analysis, approval, a
 * red then a green test run, passing quality gates and deployment checks. The forecast sums the
 * prompts of this path (src/features/learning/forecast.ts); nothing copies the machine's order.
 */
import { CapsSchema, ThresholdsSchema } from '../config/schema.js';
import type { ConfidenceScores, Effect, Phase } from '../chain/schema.js';
import { initialMachineState, transition, type MachineSettings } from './machine.js';
import type { Findings, NextPrompts } from './protocol.js';
import type { MachineEvent } from './types.js';

/** The discovery prompt that stands for whatever the selector picks on the straight path. */
export const STRAIGHT_PATH_DISCOVERY = 'trace_existing_flow';

/** One prompt run of the straight path and the phase the machine is in while it runs. */
export interface PathPrompt {
  prompt: string;
  phase: Phase;
}

const settings: MachineSettings = {
  thresholds: ThresholdsSchema.parse({}),
  caps: CapsSchema.parse({}),
  concurrency: 1,
};

/** What the script has done so far. */
interface Script {
  questions: boolean;
  decided: boolean;
}

const confident = (v: number): ConfidenceScores => ({
  overall: v,
  requirements: v,
  technical_approach: v,
  implementation_details: v,
});

/** The event the scripted straight-path chain answers `effect` with. */
function eventFor(effect: Effect, asked: Script): MachineEvent {
  const low = confident(0.5);
  const high = confident(0.95);
  switch (effect.kind) {
    case 'prompt': {
      const name = effect.run.name;
      const findings: Findings = { summary: name };
      // The first check is unsure and ambiguous: one round of questions; after the answers, sure.
      if (name === 'requirement_validator')
        return {
          type: 'prompt-done',
          prompt: name,
          findings: { ...findings, ambiguity_score: 0.9 },
          confidence: low,
        };
      if (name === 'clarification_generator') {
        asked.questions = true;
        return {
          type: 'prompt-done',
          prompt: name,
          findings: {
            ...findings,
            questions: [{ question: 'which?', why: 'scope', default_answer: 'this' }],
          },
          confidence: low,
        };
      }
      return { type: 'prompt-done', prompt: name, findings, confidence: high };
    }
    case 'batch':
      return {
        type: 'batch-done',
        findings: effect.runs.map((r) => ({ summary: r.name })),
        confidence: high,
      };
    case 'decide':
      return { type: 'decision', decision: decision(asked), known: [STRAIGHT_PATH_DISCOVERY] };
    case 'ask':
      return { type: 'answers' };
    case 'gate':
      return { type: 'approval', response: 'approved', note: '' };
    case 'generate':
      return { type: 'generated', name: null };
    case 'checkpoint':
      return { type: 'checkpointed' };
    case 'tests':
      return { type: 'tests', expect: effect.expect, passed: effect.expect === 'green', output: '' };
    case 'complete':
    case 'fail':
      throw new Error(`the straight path reached ${effect.kind}`);
  }
}

/** The selector's first decision picks the discovery prompt; the second says the context is ready. */
function decision(state: Script): NextPrompts {
  const ready = state.decided === true;
  state.decided = true;
  return {
    rationale: 'straight path',
    prompts: ready ? [] : [{ name: STRAIGHT_PATH_DISCOVERY, focus: '', reason: 'discovery' }],
    ready_for_analysis: ready,
    need_new_prompt: false,
  };
}

/**
 * The prompts the machine runs on the straight path, in order, each with its phase (a batch's
 * runs one after the other, as listed). Pure; throws if the machine fails or loops on the script.
 */
export function straightPath(): PathPrompt[] {
  const out: PathPrompt[] = [];
  const asked: Script = { questions: false, decided: false };
  let t = transition(initialMachineState(), { type: 'start' }, settings);
  for (let i = 0; i < 100; i++) {
    const effect = t.effect;
    if (effect.kind === 'complete') return out;
    if (effect.kind === 'prompt') out.push({ prompt: effect.run.name, phase: t.state.phase });
    if (effect.kind === 'batch')
      out.push(...effect.runs.map((r) => ({ prompt: r.name, phase: t.state.phase })));
    // The selector's decision is a call too (prompt_selector).
    if (effect.kind === 'decide') out.push({ prompt: 'prompt_selector', phase: t.state.phase });
    t = transition(t.state, eventFor(effect, asked), settings);
  }
  throw new Error('the straight path did not complete in 100 transitions');
}
