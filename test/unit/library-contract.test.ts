/**
 * The shipped library against the chain that runs it, statically:
 * - every field a prompt's body tells the model to record exists in its result schema, and every
 *   field of the schema is stored and reaches a later step (shown in the memory, or used by the
 *   machine or the gate) — checked by planting a marker and finding it again;
 * - every `{{variable}}` a body uses is fed where that prompt runs;
 * - every prompt is reachable: run by the chain, selectable in context building, an optional
 *   quality gate, or runnable alone (`claude-exec prompt run`).
 */
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { CHAIN_RUN_PROMPTS, selectorPrompts } from '../../src/engine/deps.js';
import { defaultConfig } from '../../src/config/schema.js';
import { createCatalog } from '../../src/library/catalog.js';
import { validateGeneratedPrompt } from '../../src/library/generated.js';
import { builtinPromptsDir, readPromptDir } from '../../src/library/load.js';
import { VARIABLE_RE } from '../../src/library/parse.js';
import { renderMemory } from '../../src/memory/render.js';
import {
  initialMachineState,
  MACHINE_PROMPTS,
  REQUIRED_GATES,
  transition,
} from '../../src/phases/machine.js';
import { FindingsSchema, NextPromptsSchema, type Findings } from '../../src/phases/protocol.js';
import { addStep, answerGate, chainOf } from '../helpers/memory.js';

const { docs } = await readPromptDir(builtinPromptsDir(), 'built-in');
const catalog = createCatalog(docs);
const config = defaultConfig();

/** The fields named at the start of each list item of a body's "## Record" (or "## Answer") section. */
function recordedFields(body: string): string[] {
  const m = /^## (Record|Answer)\b.*$/m.exec(body);
  if (!m) return [];
  const out = new Set<string>();
  for (const line of body.slice(m.index + m[0].length).split('\n')) {
    if (!line.startsWith('- ')) continue;
    const head = line.includes(': ') ? line.slice(0, line.indexOf(': ')) : line;
    for (const f of head.matchAll(/`([a-z][a-z_]*(?:\.[a-z_]+)?)`/g)) out.add(f[1]!);
  }
  return [...out];
}

const NESTED: Record<string, readonly string[] | 'any'> = {
  confidence: ['overall', 'requirements', 'technical_approach', 'implementation_details'],
  verdict: ['passed', 'blocking_issues', 'notes'],
  gap: ['description', 'suggested_name', 'key_questions'],
  new_prompt: ['markdown'],
  discovered: 'any',
};

describe('what prompts record', () => {
  it('finds a Record section in every prompt but the system prompt', () => {
    expect(
      docs
        .filter((d) => d.name !== 'phase_controller' && recordedFields(d.body).length === 0)
        .map((d) => d.name),
    ).toEqual([]);
  });

  it('names only fields of the result schema', () => {
    const bad: string[] = [];
    for (const d of docs) {
      const schema = d.name === 'prompt_selector' ? NextPromptsSchema.shape : FindingsSchema.shape;
      for (const field of recordedFields(d.body)) {
        const [top, sub] = field.split('.') as [string, string | undefined];
        const nested = NESTED[top];
        if (!(top in schema)) bad.push(`${d.name}: ${field}`);
        else if (sub && nested !== 'any' && !nested?.includes(sub)) bad.push(`${d.name}: ${field}`);
      }
    }
    expect(bad).toEqual([]);
  });
});

const MARK = 'ZQX-MARK-31';
const memoryText = (
  ctx: Parameters<typeof renderMemory>[0],
  phase: Parameters<typeof renderMemory>[1]['phase'] = 'implementation',
  prompt?: string,
) => renderMemory(ctx, { budgetTokens: 12_000, phase, ...(prompt ? { prompt } : {}) }).text;
/** The list of prompts already run reaches the selector (discovery prompts are not shown it). */
const SELECTOR = 'prompt_selector';
const one = (
  prompt: string,
  result: Partial<Findings>,
  phase: Parameters<typeof addStep>[1]['phase'] = 'context-building',
) => chainOf([{ prompt, phase, result: { summary: 'step', ...result } }]);

/** For every result field: where a planted value reaches a later step. */
const REACHES: Record<keyof Findings, () => void> = {
  summary: () =>
    expect(memoryText(one('trace_existing_flow', { summary: MARK }), 'context-building', SELECTOR)).toContain(
      `- 1 trace_existing_flow (context-building): ${MARK}`,
    ),
  findings: () =>
    expect(memoryText(one('trace_existing_flow', { findings: [MARK] }))).toContain(
      `[F1.1] finding (trace_existing_flow): ${MARK}`,
    ),
  cites: () =>
    expect(one('solution_synthesizer', { cites: [MARK] }).steps[0]!.result).toMatchObject({ cites: [MARK] }),
  discovered: () =>
    expect(memoryText(one('stack_detector', { discovered: { stack: MARK } }))).toContain(`- stack: ${MARK}`),
  uncertainties: () =>
    expect(
      memoryText(
        one('trace_existing_flow', {
          uncertainties: [{ area: MARK, confidence: 0.4, blocking: true, resolved: false }],
        }),
      ),
    ).toContain(`- ${MARK}: confidence 0.4, blocking`),
  confidence: () =>
    expect(
      memoryText(
        one('trace_existing_flow', { confidence: { technical_approach: 0.37 } }),
        'context-building',
        SELECTOR,
      ),
    ).toContain('[reported technical approach 0.37]'),
  ambiguity_score: () => {
    const asks = transition(
      initialMachineState(),
      {
        type: 'prompt-done',
        prompt: 'requirement_validator',
        findings: { summary: 's', ambiguity_score: 0.31 },
        confidence: { overall: 0, requirements: 0.6, technical_approach: 0, implementation_details: 0 },
      },
      { ...config, concurrency: 4 },
    );
    expect(asks.effect).toMatchObject({ kind: 'prompt', run: { name: 'clarification_generator' } });
  },
  questions: () => {
    expect(
      memoryText(
        one(
          'requirement_disambiguator',
          { questions: [{ question: MARK, why: 'w', default_answer: 'd' }] },
          'requirements-clarification',
        ),
        'requirements-clarification',
      ),
    ).toContain(`(requirement_disambiguator) ${MARK}`);
    expect(
      one('clarification_generator', { questions: [{ question: MARK, why: 'w', default_answer: 'd' }] })
        .questions[0]!.question,
    ).toBe(MARK);
  },
  decisions: () =>
    expect(
      memoryText(one('solution_synthesizer', { decisions: [{ key: 'k', choice: MARK, rationale: 'r' }] })),
    ).toContain(`- k: ${MARK} (r)`),
  assumptions: () =>
    expect(memoryText(one('requirement_extractor', { assumptions: [MARK] }))).toContain(
      `- assumption: ${MARK}`,
    ),
  risks: () =>
    expect(memoryText(one('trace_existing_flow', { risks: [MARK] }))).toContain(
      `[R1.1] risk (trace_existing_flow): ${MARK}`,
    ),
  suggested_prompts: () =>
    expect(
      memoryText(one('new_case', { suggested_prompts: [MARK] }), 'context-building', SELECTOR),
    ).toContain(`→ suggests ${MARK}`),
  requirements: () =>
    expect(memoryText(one('requirement_extractor', { requirements: [MARK] }))).toContain(`- AC1: ${MARK}`),
  solution: () => {
    expect(memoryText(one('solution_synthesizer', { solution: MARK }, 'uncertainty-analysis'))).toContain(
      MARK,
    );
    expect(memoryText(one('api_contract_designer', { solution: MARK }))).toContain(
      `[P1] (api_contract_designer):\n${MARK}`,
    );
  },
  revision_reason: () =>
    expect(
      memoryText(
        chainOf(
          [
            {
              prompt: 'uncertainty_resolver',
              phase: 'solution-approval',
              result: { summary: 's', solution: 'v2', revision_reason: MARK },
            },
          ],
          one('solution_synthesizer', { solution: 'v1' }),
        ),
        'solution-approval',
      ),
    ).toContain(MARK),
  presentation: () =>
    expect(
      chainOf(
        [
          {
            prompt: 'solution_presenter',
            phase: 'solution-approval',
            result: { summary: 's', presentation: MARK },
          },
        ],
        one('solution_synthesizer', { solution: 'v1' }),
      ).solution,
    ).toBe(MARK),
  answer: () => {
    const asked = answerGate(one('solution_synthesizer', { solution: 'v1' }), 'more-info', 'logout?');
    expect(
      memoryText(
        addStep(asked, {
          prompt: 'uncertainty_resolver',
          phase: 'solution-approval',
          result: { summary: 's', answer: MARK },
        }),
        'solution-approval',
      ),
    ).toContain(`- asked: logout?\n  answer: ${MARK}`);
  },
  file_plan: () => {
    const approved = answerGate(one('solution_synthesizer', { solution: 'v1' }), 'approved');
    const planned = addStep(approved, {
      prompt: 'solution_designer',
      phase: 'implementation',
      result: {
        summary: 's',
        file_plan: [{ path: MARK, action: 'create', change: 'c' }],
        solution: `## Steps\n1. ${MARK}-step`,
      },
    });
    expect(memoryText(planned)).toContain(`- create ${MARK}: c`);
    // The designer's plan document is kept on the approved version and shown whole, not as a proposal.
    expect(planned.solution_versions.at(-1)!.implementation_plan).toBe(`## Steps\n1. ${MARK}-step`);
    expect(memoryText(planned)).toContain(
      `### Implementation plan (solution_designer, step 2)\n- create ${MARK}: c\n## Steps\n1. ${MARK}-step`,
    );
  },
  digest: () => expect(memoryText(one('context_preservation', { digest: [MARK] }))).toContain(`- ${MARK}`),
  context_health: () =>
    expect(memoryText(one('context_health_checker', { context_health: 3 }))).toContain('context health 3/10'),
  verdict: () =>
    expect(
      memoryText(
        one('code_reviewer', { verdict: { passed: false, blocking_issues: [MARK] } }, 'implementation'),
      ),
    ).toContain(`[V1] verdict (code_reviewer): FAILED — blocking: ${MARK}`),
  gap: () => {
    const t = transition(
      initialMachineState(),
      {
        type: 'prompt-done',
        prompt: 'prompt_gap_detector',
        findings: { summary: 's', gap: { description: MARK, suggested_name: 'x', key_questions: [] } },
        confidence: { overall: 0, requirements: 0, technical_approach: 0, implementation_details: 0 },
      },
      { ...config, concurrency: 4 },
    );
    expect(t.effect).toEqual({ kind: 'generate', gap: MARK });
  },
  new_prompt: () => {
    const markdown = `---\nname: zqx_mapper\npurpose: Map the ZQX queue\ngood_for: [a, b, c]\nuncertainty_reduction: [a, b]\nexample_context_needs: [a]\ncost_estimate: low\nphases: [context-building]\n---\n${Array.from({ length: 26 }, (_, i) => `Line ${i} about {{goal}} in {{context}}.`).join('\n')}\n`;
    expect(validateGeneratedPrompt(markdown, catalog).doc?.name).toBe('zqx_mapper');
  },
};

describe('every result field is stored and reaches a later step', () => {
  it('has a check for every field of the schema', () => {
    expect(Object.keys(REACHES).sort()).toEqual(Object.keys(FindingsSchema.shape).sort());
  });
  it.each(Object.keys(REACHES))('%s', (field) => REACHES[field as keyof Findings]());
});

/** Variables every run is given (src/engine/promptRun.ts); `focus` also comes from the selector and from `prompt run --focus`. */
const ALWAYS = new Set(['goal', 'phase', 'context', 'test_command', 'cost', 'focus']);

/** `question` / `feedback` by prompt: what the machine passes (read from its source) and what the driver passes. */
async function fedExtras(): Promise<Map<string, Set<string>>> {
  const source = await readFile(new URL('../../src/phases/machine.ts', import.meta.url), 'utf8');
  const fed = new Map<string, Set<string>>();
  const add = (name: string, key: string) => fed.set(name, new Set([...(fed.get(name) ?? []), key]));
  for (const m of source.matchAll(/prompt\('([a-z_]+)'(?:, \{([^}]*)\})?/g)) {
    for (const k of (m[2] ?? '').matchAll(/\b(question|feedback)\b/g)) add(m[1]!, k[1]!);
  }
  for (const gate of [...REQUIRED_GATES, ...docs.filter((d) => d.category === 'quality').map((d) => d.name)])
    add(gate, 'feedback'); // the quality batch: feedback = the last failures
  add('error_recovery', 'feedback'); // src/engine/upkeep.ts: the failure
  add('chain_debugger', 'feedback'); // src/engine/upkeep.ts: why the chain failed
  return fed;
}

describe('every variable a prompt uses is fed where it runs', () => {
  it('feeds question and feedback only where a run passes them', async () => {
    const extras = await fedExtras();
    const unfed: string[] = [];
    for (const d of docs) {
      for (const m of d.body.matchAll(VARIABLE_RE)) {
        const v = m[1]!;
        if (!ALWAYS.has(v) && !extras.get(d.name)?.has(v)) unfed.push(`${d.name}: {{${v}}}`);
      }
    }
    expect(unfed).toEqual([]);
  });
});

/** Prompts reached only on their own (`claude-exec prompt run NAME`), and why nothing in the chain runs them. */
const ALONE: Record<string, string> = {
  adr_generator: 'documents a decision for the repository',
  api_doc_generator: 'writes API docs on request',
  status_reporter: 'a status update for people',
  tech_debt_documenter: 'a debt register on request',
  git_advisor: 'git commands for a human to run',
  pr_generator: 'the whole PR for a human to open',
  environment_promoter: 'a release between environments',
  release_notes_generator: 'release notes for a release',
  rollback_planner: 'a rollback plan on request',
  snapshot_test_creator: 'snapshot tests on request',
  learning_optimizer: 'looks back over finished chains',
  prompt_effectiveness: 'rates the prompts of a finished chain',
  pattern_extractor: 'save-pattern runs it',
  parallel_work_planner: '--split (sub-chains) runs it',
};
const GATE_ELIGIBLE = new Set(docs.filter((d) => d.category === 'quality').map((d) => d.name));

describe('every prompt is reachable', () => {
  it('is run by the chain, selectable in context building, an optional quality gate, or listed as runnable alone', () => {
    const selectable = new Set(selectorPrompts(catalog, config).map((d) => d.name));
    const where = (name: string) =>
      CHAIN_RUN_PROMPTS.includes(name)
        ? 'chain'
        : selectable.has(name)
          ? 'selectable'
          : GATE_ELIGIBLE.has(name)
            ? 'gate'
            : ALONE[name]
              ? 'alone'
              : null;
    expect(docs.filter((d) => where(d.name) === null).map((d) => d.name)).toEqual([]);
    expect(Object.keys(ALONE).filter((n) => !catalog.get(n))).toEqual([]);
    expect(MACHINE_PROMPTS.filter((n) => !catalog.get(n))).toEqual([]);
    expect(selectable.size).toBeGreaterThanOrEqual(35);
  });

  it("keeps the prompts the chain runs itself out of the selector's catalog", () => {
    const selectable = selectorPrompts(catalog, {
      quality_gates: { prompts: ['simplicity_checker'], second_opinion: null },
    }).map((d) => d.name);
    expect(selectable.filter((n) => CHAIN_RUN_PROMPTS.includes(n) || n === 'simplicity_checker')).toEqual([]);
  });
});
