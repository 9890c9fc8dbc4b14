/**
 * A Messages API stand-in that marks every string it returns: it plays the JWT
 * scenario (./scenario.ts) and plants a unique marker in every field of every record_findings
 * result — findings, risks, decisions, assumptions, discovered facts, uncertainties, proposed
 * questions, requirements, summary, citations, the solution, the file plan — without changing the
 * flow (verdicts, confidence, ambiguity and the questions actually asked stay as the scenario set
 * them). Markers are pure functions of the request (`P-s<step>-<prompt>-<field>-<i>`), so a repeated
 * request gets the same reply. `planted` lists each marker with where it was recorded.
 */
import type { FakeReply, RecordedRequest, Responder } from './fake-anthropic.js';
import { createScenario, readTurn, type Scenario, type ScenarioOptions } from './scenario.js';

export interface PlantedMarker {
  marker: string;
  field: string;
  prompt: string;
  step: number;
  phase: string;
}

/** Fields planted in the result of each prompt, beyond those every prompt gets. */
const EXTRA: Record<string, string[]> = {
  requirement_validator: ['requirements'],
  requirement_extractor: ['requirements'],
  requirement_disambiguator: ['questions'],
  solution_synthesizer: ['solution'],
  solution_designer: ['file_plan'],
};

type Input = Record<string, unknown> & { summary: string };

export interface PlantedScenario extends Scenario {
  /** Every marker planted, in the order the replies were sent (repeats of a request not repeated). */
  planted: PlantedMarker[];
}

export function createPlantedScenario(opts: ScenarioOptions = {}): PlantedScenario {
  const scenario = createScenario(opts);
  const planted: PlantedMarker[] = [];
  const seen = new Set<string>();

  function plant(input: Input, turn: { prompt: string; step: number; phase: string }): Input {
    const mark = (field: string, i = 1) => {
      const marker = `P-s${turn.step}-${turn.prompt}-${field}-${i}`;
      if (!seen.has(marker)) {
        seen.add(marker);
        planted.push({ marker, field, prompt: turn.prompt, step: turn.step, phase: turn.phase });
      }
      return marker;
    };
    const list = (key: string) => (Array.isArray(input[key]) ? (input[key] as unknown[]) : []);
    const out: Input = {
      ...input,
      summary: `${input.summary} [${mark('summary')}]`,
      findings: [
        ...list('findings'),
        `src/app.js:12 ${mark('findings', 1)}`,
        `src/users.js:3 ${mark('findings', 2)}`,
      ],
      risks: [...list('risks'), mark('risks')],
      decisions: [
        ...list('decisions'),
        { key: `key_${turn.step}_${turn.prompt}`, choice: mark('decisions'), rationale: mark('rationale') },
      ],
      assumptions: [...list('assumptions'), mark('assumptions')],
      discovered: {
        ...(input.discovered as object | undefined),
        [`fact_${turn.step}_${turn.prompt}`]: mark('discovered'),
      },
      uncertainties: [
        ...list('uncertainties'),
        {
          area: `area_${turn.step}_${turn.prompt}`,
          confidence: 0.7,
          blocking: false,
          resolved: false,
          resolution: mark('uncertainties'),
        },
      ],
      suggested_prompts: [...list('suggested_prompts'), mark('suggested_prompts')],
      cites: [mark('cites')],
    };
    for (const field of EXTRA[turn.prompt] ?? []) {
      if (field === 'requirements')
        out.requirements = [
          `POST /api/login returns an access token ${mark('requirements', 1)}`,
          `refresh rotates ${mark('requirements', 2)}`,
        ];
      if (field === 'questions')
        out.questions = [{ question: `${mark('questions')}?`, why: 'w', default_answer: 'd' }];
      if (field === 'solution') out.solution = `${String(input.solution ?? '')}\n\n${mark('solution')}`;
      if (field === 'file_plan')
        out.file_plan = [
          { path: 'src/token.js', action: 'create', change: mark('file_plan') },
          { path: 'test/token.test.js', action: 'create', change: 'the tests first' },
        ];
    }
    return out;
  }

  const responder: Responder = async (req: RecordedRequest, index: number): Promise<FakeReply> => {
    const reply = await scenario.responder(req, index);
    const turn = readTurn(req.body ?? {});
    if (!turn || !('toolUses' in reply) || !reply.toolUses) return reply;
    return {
      ...reply,
      toolUses: reply.toolUses.map((u) =>
        u.name === 'record_findings' && (u.input as Input).summary
          ? { ...u, input: plant(u.input as Input, turn) }
          : u,
      ),
    };
  };
  return { ...scenario, responder, planted };
}
