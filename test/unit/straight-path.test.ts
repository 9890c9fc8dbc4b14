/**
 * The feature flow is written once, in the phase machine: the forecast's straight path
 * (FLOW_PATH, FLOW_BY_PHASE) is derived by running the machine, the phase entries a workflow's
 * `phase` step uses are the machine's own, and both agree with the recorded demo chain.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PHASES } from '../../src/chain/schema.js';
import { FLOW_BY_PHASE, FLOW_PATH, workflowPath } from '../../src/features/learning/forecast.js';
import { promptOf } from '../../src/features/replay/replay.js';
import { readCassette } from '../../src/llm/cassette.js';
import { initialMachineState, MACHINE_PROMPTS, phaseEntry } from '../../src/phases/machine.js';
import { STRAIGHT_PATH_DISCOVERY, straightPath } from '../../src/phases/straightPath.js';
import { builtinWorkflowRun } from '../../src/workflows/run.js';
import { WorkflowFileSchema } from '../../src/workflows/schema.js';
import { FIXTURE_CASSETTE } from '../helpers/cassetteFixture.js';

/** The names in `names`, each at its first occurrence, in order. */
const firstOccurrences = (names: readonly string[]) => [...new Set(names)];

describe('the straight path of the feature flow', () => {
  it('runs the machine prompts in the order the recorded demo chain ran them', () => {
    const [, ...exchanges] = readCassette(FIXTURE_CASSETTE);
    const machine = new Set<string>(MACHINE_PROMPTS);
    // The demo ran two discovery prompts and an upkeep prompt: only the machine's own prompts compare.
    const recorded = firstOccurrences(
      exchanges.map((x) => promptOf(x.request.body)).filter((p): p is string => !!p && machine.has(p)),
    );
    expect(firstOccurrences(FLOW_PATH.filter((p) => p !== STRAIGHT_PATH_DISCOVERY))).toEqual(recorded);
    // The straight path has one clarification round and two selector decisions around one discovery prompt.
    expect(FLOW_PATH.filter((p) => p === 'prompt_selector')).toHaveLength(2);
    expect(FLOW_PATH.filter((p) => p === STRAIGHT_PATH_DISCOVERY)).toHaveLength(1);
    expect(path.basename(FIXTURE_CASSETTE)).toBe('demo-chain.cassette.jsonl.gz');
  });

  it('FLOW_BY_PHASE splits FLOW_PATH by the phase the machine is in, every phase in order', () => {
    expect(Object.keys(FLOW_BY_PHASE)).toEqual([...PHASES]);
    expect(PHASES.flatMap((p) => FLOW_BY_PHASE[p]!)).toEqual(FLOW_PATH);
    expect(straightPath().map((p) => p.prompt)).toEqual(FLOW_PATH);
    // The machine synthesizes while it analyses, and presents once in solution-approval.
    expect(FLOW_BY_PHASE['uncertainty-analysis']).toEqual(['uncertainty_analysis', 'solution_synthesizer']);
    expect(FLOW_BY_PHASE['solution-approval']).toEqual(['solution_presenter']);
  });

  it("each phase starts with the machine's entry effect for it (what a workflow's phase step runs first)", () => {
    const s = initialMachineState();
    for (const phase of PHASES) {
      const { effect } = phaseEntry(phase, s);
      const first =
        effect.kind === 'prompt' ? effect.run.name : effect.kind === 'decide' ? 'prompt_selector' : null;
      expect(FLOW_BY_PHASE[phase]![0], phase).toBe(first);
    }
    // Without a solution yet (a workflow that skips the analysis), solution-approval synthesizes one first.
    const bare = phaseEntry('solution-approval', s, false).effect;
    expect(bare.kind === 'prompt' && bare.run.name).toBe('solution_synthesizer');
  });

  it('the built-in feature workflow follows the same path as the machine', async () => {
    const run = await builtinWorkflowRun('feature');
    const wf = WorkflowFileSchema.parse(run.doc);
    expect(workflowPath(wf.steps)).toEqual(FLOW_PATH);
  });
});
