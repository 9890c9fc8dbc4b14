/**
 * The phase machine (DESIGN §6): pure `transition(state, event, settings) → { state, effect }`.
 * A workflow's `phase` step (src/engine/effects/phase.ts) performs the effect (runs a prompt,
 * asks, runs the tests …), turns its outcome into the next event, and saves the context after
 * every transition. `phaseEntry` is the one table of what entering a phase does: the machine's
 * own forward moves use it, and so does a phase step that starts a phase.
 *
 * Thresholds and caps come from settings (config + project_rules.md), never constants here.
 */
import type { Phase } from '../chain/schema.js';
import type { Caps, Thresholds } from '../config/schema.js';
import type { Findings } from './protocol.js';
import type { Effect, MachineState, PromptRun } from '../chain/schema.js';
import type { MachineEvent } from './types.js';
import { initialMachineState as initialState } from './state.js';

/** The state of a chain that has not started (./state.ts, typed as the machine's state). */
export const initialMachineState: () => MachineState = initialState;

export interface MachineSettings {
  thresholds: Thresholds;
  caps: Caps;
  /** Concurrent discovery prompts (caps.concurrency). */
  concurrency: number;
  /** Optional quality gates run with code_reviewer and security_scanner once tests pass (config `quality_gates`). */
  qualityGates?: readonly string[];
}

/**
 * Every prompt the machine runs itself (named in the transitions below). They are not in the
 * selector's catalog: choosing one in context building would run it out of its place.
 */
export const MACHINE_PROMPTS = [
  'new_case',
  'requirement_disambiguator',
  'requirement_validator',
  'clarification_generator',
  'requirement_extractor',
  'prompt_selector',
  'prompt_gap_detector',
  'prompt_generator',
  'uncertainty_analysis',
  'solution_synthesizer',
  'solution_presenter',
  'uncertainty_resolver',
  'solution_designer',
  'test_generator',
  'tdd_flow_controller',
  'code_reviewer',
  'security_scanner',
  'deployment_checker',
  'pr_description_writer',
] as const;

/** The quality gates that always run once the tests pass (DESIGN §6). */
export const REQUIRED_GATES = ['code_reviewer', 'security_scanner'] as const;

export interface Transition {
  state: MachineState;
  effect: Effect;
  /** Set when the transition leaves a phase: the phase left and why. */
  exited?: { phase: Phase; reason: string };
}

const prompt = (name: string, extra: Partial<PromptRun> = {}): Effect => ({
  kind: 'prompt',
  run: { name, focus: null, ...extra },
});

function move(
  state: MachineState,
  to: Phase,
  reason: string,
  effect: Effect,
  patch: Partial<MachineState> = {},
): Transition {
  return { state: { ...state, ...patch, phase: to }, effect, exited: { phase: state.phase, reason } };
}

function stay(state: MachineState, effect: Effect, patch: Partial<MachineState> = {}): Transition {
  return { state: { ...state, ...patch }, effect };
}

/**
 * What the machine does on entering `phase` going forward: the first effect there and the state
 * it resets. Used by the machine's own forward moves and by a workflow's `phase` step that starts
 * a phase the machine is not in (src/engine/effects/phase.ts). Entering solution-approval with no
 * solution yet (`hasSolution` false: a workflow that skips the analysis) synthesizes one first.
 */
export function phaseEntry(
  phase: Phase,
  s: MachineState,
  hasSolution = true,
): { effect: Effect; patch: Partial<MachineState> } {
  switch (phase) {
    case 'requirements-clarification':
      return { effect: prompt('new_case'), patch: {} };
    case 'context-building':
      return { effect: { kind: 'decide' }, patch: { context_iterations: 0, focus: null } };
    case 'uncertainty-analysis':
      return { effect: prompt('uncertainty_analysis'), patch: {} };
    case 'solution-approval':
      return {
        effect: hasSolution
          ? prompt('solution_presenter', { feedback: s.feedback })
          : prompt('solution_synthesizer', { feedback: s.feedback }),
        patch: {},
      };
    case 'implementation':
      return { effect: prompt('solution_designer'), patch: { feedback: null } };
    case 'deployment-readiness':
      return { effect: prompt('deployment_checker'), patch: {} };
  }
}

/** A forward move into `to` with its entry effect (plus `patch`). */
function enter(
  state: MachineState,
  to: Phase,
  reason: string,
  patch: Partial<MachineState> = {},
): Transition {
  const entry = phaseEntry(to, state);
  return move(state, to, reason, entry.effect, { ...entry.patch, ...patch });
}

function toContextBuilding(state: MachineState, reason: string, focus: string | null): Transition {
  return enter(state, 'context-building', reason, { focus });
}

/** Requirements: leave when confident, ask when ambiguous, cap the rounds. */
function afterRequirementsCheck(
  s: MachineState,
  f: Findings,
  cfg: MachineSettings,
  requirementsConfidence: number,
): Transition {
  const { thresholds, caps } = cfg;
  if (requirementsConfidence > thresholds.requirements_confidence) {
    return toContextBuilding(
      s,
      `requirements confidence ${pct(requirementsConfidence)} > ${pct(thresholds.requirements_confidence)}`,
      null,
    );
  }
  const ambiguity = f.ambiguity_score ?? 1 - requirementsConfidence;
  if (ambiguity > thresholds.ambiguity_for_questions && s.clarification_rounds < caps.clarification_rounds) {
    return stay(s, prompt('clarification_generator', { feedback: s.feedback }));
  }
  if (s.clarification_rounds >= caps.clarification_rounds) {
    return toContextBuilding(
      s,
      `clarification rounds exhausted (${caps.clarification_rounds}); proceeding on recorded assumptions`,
      null,
    );
  }
  return toContextBuilding(
    s,
    `ambiguity ${pct(ambiguity)} ≤ ${pct(thresholds.ambiguity_for_questions)}; proceeding on recorded assumptions`,
    null,
  );
}

function afterAnalysis(
  s: MachineState,
  confidence: number,
  cfg: MachineSettings,
  focus: string | null,
): Transition {
  if (confidence >= cfg.thresholds.overall_confidence)
    return stay(s, prompt('solution_synthesizer', { feedback: s.feedback }));
  if (s.analysis_loops < cfg.caps.analysis_loops) {
    return toContextBuilding(
      { ...s, analysis_loops: s.analysis_loops + 1 },
      `overall confidence ${pct(confidence)} < ${pct(cfg.thresholds.overall_confidence)}`,
      focus,
    );
  }
  return stay(
    s,
    prompt('solution_synthesizer', {
      focus: `Confidence is still ${pct(confidence)} after ${cfg.caps.analysis_loops} loops: state the open risks plainly.`,
      feedback: s.feedback,
    }),
  );
}

/** The implementation iterations this chain may use: the cap plus what `resume --more-iterations` added. */
export function iterationCap(s: MachineState, cfg: MachineSettings): number {
  return cfg.caps.implementation_iterations + (s.extra_iterations ?? 0);
}

/** Prefix of the fail reason at the iteration cap (`resume` recognises it to offer --more-iterations). */
export const ITERATION_CAP_REASON = 'implementation iterations';

function implementOrFail(s: MachineState, cfg: MachineSettings, feedback: string, why: string): Transition {
  const cap = iterationCap(s, cfg);
  if (s.implementation_iterations >= cap) {
    // The last failure stays as feedback, so that `resume --more-iterations N` continues from it.
    return stay(s, { kind: 'fail', reason: `${why} after ${cap} ${ITERATION_CAP_REASON}` }, { feedback });
  }
  return stay(s, prompt('tdd_flow_controller', { feedback }), {
    implementation_iterations: s.implementation_iterations + 1,
  });
}

/**
 * One transition. `event.confidence` is the chain's confidence after the event's findings were
 * merged. Returns the next state and the single effect the driver must perform next.
 */
export function transition(s: MachineState, event: MachineEvent, cfg: MachineSettings): Transition {
  switch (event.type) {
    case 'start':
      return stay(s, phaseEntry('requirements-clarification', s).effect);

    case 'prompt-done': {
      const f = event.findings;
      const c = event.confidence;
      switch (event.prompt) {
        case 'new_case':
          return stay(s, prompt('requirement_disambiguator'));
        case 'requirement_disambiguator':
          return stay(s, prompt('requirement_validator', { feedback: s.feedback }));
        case 'requirement_validator':
        case 'requirement_extractor':
          return afterRequirementsCheck(s, f, cfg, c.requirements);
        case 'clarification_generator':
          if (!f.questions?.length) return toContextBuilding(s, 'no clarifying question left to ask', null);
          return stay(s, { kind: 'ask' }, { clarification_rounds: s.clarification_rounds + 1 });
        case 'prompt_gap_detector':
          if (f.gap && s.generated_prompts < cfg.caps.generated_prompts)
            return stay(s, { kind: 'generate', gap: f.gap.description });
          return stay(s, { kind: 'decide' });
        case 'uncertainty_analysis':
          return afterAnalysis(s, c.overall, cfg, openAreas(f));
        case 'solution_synthesizer':
          // Already there: a workflow's solution-approval step that had no solution to present.
          if (s.phase === 'solution-approval') return stay(s, phaseEntry('solution-approval', s).effect);
          return enter(s, 'solution-approval', 'solution synthesized');
        case 'solution_presenter':
          return stay(s, { kind: 'gate' });
        case 'uncertainty_resolver':
          return stay(s, prompt('solution_presenter', { question: null, feedback: s.feedback }));
        case 'test_generator':
          return stay(s, { kind: 'tests', expect: 'red' });
        case 'tdd_flow_controller':
          return stay(s, { kind: 'tests', expect: 'green' });
        case 'solution_designer':
          return stay(s, { kind: 'checkpoint' });
        case 'deployment_checker':
          if (f.verdict?.passed === false)
            return move(s, 'deployment-readiness', 'readiness report written with blocking issues', {
              kind: 'complete',
            });
          return stay(s, prompt('pr_description_writer'));
        case 'pr_description_writer':
          return move(s, 'deployment-readiness', 'readiness report and pull request description written', {
            kind: 'complete',
          });
        default:
          // A discovery or generated prompt run on its own during context building.
          return stay(s, { kind: 'decide' });
      }
    }

    case 'decision': {
      const iterations = s.context_iterations + 1;
      // One run per prompt in a batch: steps are keyed by effect and prompt name.
      const chosen = event.decision.prompts
        .filter((p, i, all) => event.known.includes(p.name) && all.findIndex((q) => q.name === p.name) === i)
        .slice(0, cfg.concurrency);
      if (event.decision.ready_for_analysis || iterations > cfg.caps.context_iterations) {
        const reason = event.decision.ready_for_analysis
          ? 'the model judged the context ready for analysis'
          : `context iterations exhausted (${cfg.caps.context_iterations})`;
        return enter(s, 'uncertainty-analysis', reason, { context_iterations: iterations });
      }
      if (event.decision.need_new_prompt && s.generated_prompts < cfg.caps.generated_prompts) {
        return stay(s, prompt('prompt_gap_detector', { focus: event.decision.rationale }), {
          context_iterations: iterations,
        });
      }
      if (chosen.length === 0) {
        return enter(s, 'uncertainty-analysis', 'no further discovery prompt chosen', {
          context_iterations: iterations,
        });
      }
      return stay(
        s,
        { kind: 'batch', runs: chosen.map((p) => ({ name: p.name, focus: p.focus })) },
        { context_iterations: iterations },
      );
    }

    case 'batch-done': {
      if (s.phase !== 'implementation') return stay(s, { kind: 'decide' });
      const blocking = event.findings.flatMap((f) =>
        f.verdict && !f.verdict.passed ? f.verdict.blocking_issues : [],
      );
      if (blocking.length === 0) {
        return enter(s, 'deployment-readiness', 'tests pass and the quality gates pass');
      }
      const feedback = `Quality gates failed:\n- ${blocking.join('\n- ')}`;
      return implementOrFail({ ...s, feedback }, cfg, feedback, 'quality gates still failing');
    }

    case 'answers':
      return stay(s, prompt('requirement_extractor'));

    case 'generated':
      if (!event.name) return stay(s, { kind: 'decide' });
      return stay(s, prompt(event.name, { focus: s.focus }), { generated_prompts: s.generated_prompts + 1 });

    case 'approval': {
      if (event.response === 'approved') {
        // solution_designer writes the file-level plan implementation follows, then the checkpoint.
        return enter(s, 'implementation', 'solution approved');
      }
      const rounds = s.approval_rounds + 1;
      if (rounds > cfg.caps.approval_rounds) {
        return stay(
          s,
          { kind: 'fail', reason: `no approval after ${cfg.caps.approval_rounds} rounds` },
          { approval_rounds: rounds },
        );
      }
      if (event.response === 'more-info') {
        return stay(s, prompt('uncertainty_resolver', { question: event.note }), { approval_rounds: rounds });
      }
      return move(
        s,
        'requirements-clarification',
        `solution rejected: ${event.note}`,
        prompt('requirement_disambiguator', { feedback: event.note }),
        {
          approval_rounds: rounds,
          feedback: event.note,
          clarification_rounds: 0,
        },
      );
    }

    case 'checkpointed':
      return stay(s, prompt('test_generator'));

    case 'no-tests-written': {
      if (s.test_generation_asks >= cfg.caps.test_generation_asks) {
        return stay(s, {
          kind: 'fail',
          reason: `test_generator wrote no test file after ${cfg.caps.test_generation_asks + 1} asks`,
        });
      }
      const feedback =
        'You wrote no test file. Tests come first: add or change at least one test file (write_file or edit_file) that pins the acceptance criteria and fails until the change is implemented, then record your findings.';
      return stay(s, prompt('test_generator', { feedback }), {
        test_generation_asks: s.test_generation_asks + 1,
      });
    }

    case 'tests': {
      if (event.expect === 'red') {
        return stay(
          s,
          prompt('tdd_flow_controller', {
            feedback: event.passed
              ? 'The new tests already pass: check they pin the required behaviour, then implement.'
              : tail(event.output),
          }),
          {
            implementation_iterations: s.implementation_iterations + 1,
          },
        );
      }
      if (event.passed) {
        const gates = [...new Set([...REQUIRED_GATES, ...(cfg.qualityGates ?? [])])];
        return stay(s, {
          kind: 'batch',
          runs: gates.map((name) => ({ name, focus: null, feedback: s.feedback })),
        });
      }
      return implementOrFail(s, cfg, tail(event.output), 'tests still failing');
    }
  }
}

function openAreas(f: Findings): string | null {
  const open = (f.uncertainties ?? []).filter((u) => !u.resolved).sort((a, b) => a.confidence - b.confidence);
  return open.length
    ? `Reduce these uncertainties: ${open
        .slice(0, 4)
        .map((u) => u.area)
        .join(', ')}`
    : null;
}

function pct(x: number): string {
  return `${Math.round(x * 100)}%`;
}

function tail(text: string, max = 4000): string {
  return text.length > max ? `…${text.slice(-max)}` : text;
}
