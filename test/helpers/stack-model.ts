/**
 * A scripted model for the multi-stack implementation tests: on any small project it
 * states the given acceptance criteria, needs no discovery, proposes a solution, writes the given
 * REAL failing test with test_generator and the given REAL implementation with tdd_flow_controller
 * (optionally a wrong one first), and passes the gates. Replies follow the request (src/demo/turn.ts
 * reads it like a model would); the only state is the count of implementation attempts.
 */
import type { FakeReply, RecordedRequest, Responder } from './fake-anthropic.js';
import { offeredName, readTurn, type Turn } from '../../src/demo/turn.js';

interface StackFile {
  path: string;
  content: string;
}

export interface StackScript {
  criteria: string[];
  solution: string;
  /** Written by test_generator (the tests first, red). */
  tests: StackFile[];
  /** Written by tdd_flow_controller. */
  implementation: StackFile[];
  /** Written instead of `implementation` by the first N tdd_flow_controller steps (a wrong attempt). */
  wrongFirst?: { times: number; files: StackFile[] };
  /** test_generator writes nothing the first N times it runs (to see the re-ask). */
  noTestsFirst?: number;
}

export interface StackModel {
  responder: Responder;
  /** Every request as the model saw it, in order. */
  turns: Turn[];
}

type ToolUse = { name: string; input: unknown };
const findings = (input: Record<string, unknown>): ToolUse[] => [{ name: 'record_findings', input }];

/** Creates the scripted model for `script`. */
export function createStackModel(script: StackScript): StackModel {
  const turns: Turn[] = [];
  const implementationSteps = new Set<string>();
  const testSteps = new Set<number>();

  function write(t: Turn, files: StackFile[], summary: string): ToolUse[] {
    const next = files.find(
      (f) => !t.runResults.some((r) => r.name === 'write_file' && r.input.path === f.path && !r.isError),
    );
    if (t.forced === null && next)
      return [{ name: 'write_file', input: { path: next.path, content: next.content } }];
    return findings({ summary, findings: files.map((f) => `${f.path} written`) });
  }

  function reply(t: Turn): ToolUse[] {
    if (t.forced === 'choose_next_prompts' || t.prompt === 'prompt_selector') {
      return [
        {
          name: 'choose_next_prompts',
          input: {
            prompts: [],
            ready_for_analysis: true,
            need_new_prompt: false,
            rationale: 'the project is small and the task is clear',
          },
        },
      ];
    }
    switch (t.prompt) {
      case 'new_case':
      case 'requirement_disambiguator':
      case 'requirement_validator':
      case 'requirement_extractor':
        return findings({
          summary: `${t.prompt}: the task is clear.`,
          requirements: script.criteria,
          ambiguity_score: 0.05,
          confidence: { requirements: 0.95 },
        });
      case 'clarification_generator':
        return findings({ summary: 'Nothing to ask.', questions: [] });
      case 'uncertainty_analysis':
        return findings({
          summary: 'Enough is known.',
          confidence: {
            overall: 0.9,
            requirements: 0.95,
            technical_approach: 0.9,
            implementation_details: 0.85,
          },
        });
      case 'solution_synthesizer':
      case 'solution_presenter':
      case 'uncertainty_resolver':
        return findings({ summary: `${t.prompt}: tests first, then the code.`, solution: script.solution });
      case 'solution_designer':
        return findings({
          summary: 'File plan written.',
          file_plan: [...script.tests, ...script.implementation].map((f) => ({
            path: f.path,
            action: 'create',
            change: `write ${f.path}`,
          })),
        });
      case 'test_generator': {
        testSteps.add(t.step);
        if (script.noTestsFirst && testSteps.size <= script.noTestsFirst)
          return findings({ summary: 'The existing tests cover it; I wrote none.' });
        return write(
          t,
          script.tests,
          `Wrote ${script.tests.map((f) => f.path).join(', ')}; red as expected.`,
        );
      }
      case 'tdd_flow_controller': {
        // A run that continues the task's conversation is a new attempt, though its first message names the first run's step.
        implementationSteps.add(`${t.step}/${t.continued}`);
        const wrong = script.wrongFirst && implementationSteps.size <= script.wrongFirst.times;
        return write(
          t,
          wrong ? script.wrongFirst!.files : script.implementation,
          wrong ? 'First attempt written.' : 'Implemented; the new tests should pass.',
        );
      }
      case 'code_reviewer':
      case 'security_scanner':
        return findings({
          summary: `${t.prompt}: no blocking issue.`,
          verdict: {
            passed: true,
            blocking_issues: [],
            notes: [`${t.prompt}: the change is small and covered by tests`],
          },
        });
      case 'deployment_checker':
        return findings({
          summary: 'Ready to ship.',
          verdict: {
            passed: true,
            blocking_issues: [],
            notes: [
              'tests: PASS - the chain recorded a run after the last edit',
              'breaking changes: PASS - additive only',
              'migration plan: N/A - no stored data changes',
              'config: N/A - no new setting',
              'rollback: PASS - revert the commit',
              'feature flag: N/A - a small additive change',
            ],
          },
        });
      case 'pr_description_writer':
        return findings({
          summary: 'PR text written.',
          solution: `## ${script.solution.split('\n')[0]}\n\nTests first; see the spec for the criteria and their runs.`,
        });
      default:
        return findings({ summary: `${t.prompt}: nothing further.` });
    }
  }

  const responder: Responder = (req: RecordedRequest): FakeReply => {
    const t = readTurn(req.body ?? {});
    if (!t) return { text: 'I cannot tell which prompt this is.' };
    turns.push(t);
    return { toolUses: reply(t).map((u) => ({ ...u, name: offeredName(req.body, u.name) })) };
  };
  return { responder, turns };
}
