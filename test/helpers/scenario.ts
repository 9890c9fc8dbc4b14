/**
 * A scripted "model" for end-to-end tests: a Responder for the fake Messages API that plays the
 * goal "Add JWT authentication with refresh tokens to this Express app" on the Express fixture.
 *
 * It reads each request like a model would (src/demo/turn.ts): the prompt from the first user
 * message (`Prompt: <name> · phase: <phase> · step <n>`), `tool_choice` (`any` = agent turns
 * left; `{type: 'tool', name}` = the result tool is forced), and the conversation so far (the
 * tool_results it already received); it calls tools by the names the request offers. Replies are pure functions of the request (so a repeated
 * request gets the same reply), except for the once-only options noted below.
 */
import type { FakeFault, FakeReply, RecordedRequest, Responder } from './fake-anthropic.js';
import { offeredName, readTurn, type Turn } from '../../src/demo/turn.js';

export { offeredName, readTurn, type Turn };
import { SOLUTION, TOKEN_MODULE, TOKEN_MODULE_PATH, TOKEN_TEST, TOKEN_TEST_PATH } from './scenario-files.js';

/** uncertainty_resolver's answer to any question ("more info" at the gate). */
export const RESOLVER_ANSWER =
  'Logout revokes the refresh token: `createRefreshStore().revoke(id)` drops it, so the next refresh fails.';

export const GOAL = 'Add JWT authentication with refresh tokens to this Express app';

/** Questions per round of clarification (2 each, with proposed defaults). */
export const QUESTION_ROUNDS = [
  [
    {
      question: 'Should refresh tokens rotate on every use?',
      why: 'Rotation changes the store and the refresh route.',
      default_answer: 'Yes, rotate and revoke the old token',
    },
    {
      question: 'Where does the signing secret come from?',
      why: 'Decides configuration and tests.',
      default_answer: 'The JWT_SECRET environment variable',
    },
  ],
  [
    {
      question: 'How long should access tokens live?',
      why: 'Sets the expiry claim.',
      default_answer: '15 minutes',
    },
    {
      question: 'Must session login keep working?',
      why: 'Decides whether app.js changes.',
      default_answer: 'Yes, keep session login',
    },
  ],
];

const DISCOVERY_PROMPTS = ['trace_existing_flow', 'dependency_analyzer'] as const;

/** solution_designer's plan when `designerPlan` is set: the token module, its test, and the wiring in src/app.js. */
export const DESIGNER_PLAN = {
  file_plan: [
    {
      path: 'test/token.test.js',
      action: 'create' as const,
      change: 'AC1/AC2: sign, verify, expiry and rotation cases',
    },
    { path: 'src/token.js', action: 'create' as const, change: 'signToken, verifyToken, createRefreshStore' },
    {
      path: 'src/app.js',
      action: 'modify' as const,
      change: 'POST /api/token and /api/refresh beside the session login',
    },
  ],
  solution:
    '## Interfaces\nsignToken(payload, secret, {expiresInSec}) → string (DESIGNER-PLAN-MARK)\n## Steps\n1. test/token.test.js — red\n2. src/token.js — green',
};

export interface ScenarioOptions {
  /** Rounds of clarifying questions before requirements are clear (0..2, default 1). */
  questionRounds?: number;
  /** Delay before each reply, ms (for crash and lock tests). */
  latencyMs?: number;
  /** Prompts whose first record_findings in a conversation is invalid (a correction follows). */
  failValidationOnce?: string[];
  /** code_reviewer reports a blocking issue the first time (once per scenario). */
  reviewFailsOnce?: boolean;
  /** solution_designer answers with DESIGNER_PLAN (a file plan and its plan document) instead of nothing further. */
  designerPlan?: boolean;
  /** HTTP faults by message index (0-based, SDK retries count), e.g. `{ 2: { status: 529 } }`. */
  faults?: Record<number, FakeFault>;
  /**
   * Prompts whose model explores before it answers: while it may choose (not forced) and is
   * offered list_files, it lists the workspace READS_FIRST times, whatever it is told, then answers.
   */
  readsFirst?: string[];
  /** What tdd_flow_controller writes to src/token.js instead of TOKEN_MODULE (e.g. with a type error). */
  tokenModule?: string;
}

/** The stand-in's sense of meaning: a task and a pattern are the same kind of work when both match one of these. */
const GOAL_KINDS = [/\b(auth\w*|login|oauth|jwt|tokens?|sessions?)\b/i];

/**
 * new_case's choice among the saved patterns its request lists (the "## Saved patterns" section):
 * the first whose summary is the same kind of work as the task, with the reason (recorded as the
 * decision `pattern`); null when none is listed or none fits.
 */
function namedPatternOf(
  instructions: string,
  kinds: readonly RegExp[],
): { name: string; reason: string } | null {
  const at = instructions.indexOf('\n## Saved patterns\n');
  const task = /^Task: (.*)$/m.exec(instructions)?.[1] ?? '';
  if (at < 0) return null;
  for (const line of instructions.slice(at).split('\n')) {
    const m = /^- (\w+): (.*)$/.exec(line);
    const kind = m && kinds.find((k) => k.test(task) && k.test(m[2]!));
    if (m && kind)
      return {
        name: m[1]!,
        reason: `both change how users authenticate (${task.match(kind)![0]} / ${m[2]!.match(kind)![0]})`,
      };
  }
  return null;
}

/** How many times a `readsFirst` prompt lists the workspace before it answers. */
export const READS_FIRST = 3;

/** One POST /v1/messages as the scenario saw it. */
interface ScenarioEntry {
  index: number;
  prompt: string;
  phase: string;
  step: number;
  /** Assistant turns already in the conversation. */
  turn: number;
  forced: string | null;
  fault: boolean;
}

export interface Scenario {
  responder: Responder;
  log: ScenarioEntry[];
}

type ToolUse = { name: string; input: unknown };

/** Answers recorded in the chain state for the scenario's questions, by question text. */
function answersIn(instructions: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const q of QUESTION_ROUNDS.flat()) {
    const line = instructions.split('\n').find((l) => l.startsWith(`- ${q.question} → `));
    if (line) out.set(q.question, line.slice(q.question.length + 5).replace(/ \(assumed default\)$/, ''));
  }
  return out;
}

const findings = (input: Record<string, unknown>): ToolUse[] => [{ name: 'record_findings', input }];
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Creates the scripted model. */
export function createScenario(opts: ScenarioOptions = {}): Scenario {
  const rounds = opts.questionRounds ?? 1;
  const log: ScenarioEntry[] = [];
  let reviewFailed = false;

  function requirements(t: Turn): ToolUse[] {
    const answers = answersIn(t.instructions);
    const answeredRounds = QUESTION_ROUNDS.filter((r) => r.every((q) => answers.has(q.question))).length;
    const rejected = t.instructions.includes('### Human feedback at the gate');
    const clear = answeredRounds >= rounds || rejected;
    const base = {
      ambiguity_score: clear ? 0.1 : 0.45,
      confidence: { requirements: clear ? 0.95 : 0.6 },
      uncertainties: [
        { area: 'refresh_token_storage', confidence: clear ? 0.9 : 0.4, blocking: !clear, resolved: clear },
        { area: 'signing_secret_source', confidence: clear ? 0.9 : 0.5, blocking: false, resolved: clear },
      ],
    };
    switch (t.prompt) {
      case 'clarification_generator':
        return findings({
          summary: `Round ${answeredRounds + 1} of questions on token storage and secrets.`,
          questions: QUESTION_ROUNDS[answeredRounds] ?? [],
        });
      case 'requirement_extractor':
        return findings({
          ...base,
          summary: `Requirements extracted from ${answers.size} answer(s).`,
          decisions: [...answers].map(([q, a], i) => ({ key: `answer_${i + 1}`, choice: a, rationale: q })),
        });
      default:
        return findings({
          ...base,
          summary: `${t.prompt}: JWT access tokens plus refresh tokens; ${clear ? 'requirements are clear' : 'storage and secrets are ambiguous'}.`,
        });
    }
  }

  function discovery(t: Turn): ToolUse[] {
    const flow = t.prompt === 'trace_existing_flow';
    if (t.forced === null && t.turn === 0) {
      return [
        { name: 'list_files', input: { path: 'src', depth: 1 } },
        { name: 'read_file', input: { path: flow ? 'src/app.js' : 'package.json' } },
      ];
    }
    if (t.forced === null && t.turn === 1 && flow)
      return [{ name: 'search_code', input: { pattern: 'req.session', path: 'src' } }];
    const all = t.results.map((r) => r.content).join('\n');
    if (flow) {
      const routes = [...all.matchAll(/app\.(get|post)\('([^']+)'/g)].map(
        (m) => `${m[1]!.toUpperCase()} ${m[2]}`,
      );
      return findings({
        summary: `Login is session based (express-session); ${routes.length} routes found in src/app.js.`,
        findings: routes.map((r) => `src/app.js: ${r}`),
        discovered: {
          session_auth: 'express-session cookie "sid"; req.session.userId set on /api/login',
          routes: [...new Set(routes)],
        },
        confidence: { technical_approach: 0.8 },
      });
    }
    const deps = [...all.matchAll(/"(express[\w-]*)": "([^"]+)"/g)].map((m) => `${m[1]}@${m[2]}`);
    return findings({
      summary: `Dependencies: ${deps.join(', ') || 'none found'}; node:crypto covers HMAC signing.`,
      discovered: { dependencies: deps },
      confidence: { implementation_details: 0.8 },
    });
  }

  function implement(t: Turn, path: string, content: string): ToolUse[] {
    const wrote = t.results.some((r) => r.name === 'write_file' && r.input.path === path && !r.isError);
    const ran = t.results.filter((r) => r.name === 'run_tests').at(-1);
    if (t.forced === null && !wrote) return [{ name: 'write_file', input: { path, content } }];
    if (t.forced === null && !ran) return [{ name: 'run_tests', input: {} }];
    const passed = ran?.content.startsWith('exit code 0') ?? false;
    const testing = t.prompt === 'test_generator';
    return findings({
      summary: testing
        ? `Wrote ${path}; the suite is ${passed ? 'green (unexpected)' : 'red as expected'}.`
        : `Implemented ${path}; the suite is ${passed ? 'green' : 'still red'}.`,
      findings: [`${path} written`, `run_tests: ${ran?.content.split('\n')[0] ?? 'not run'}`],
      ...(testing ? {} : { verdict: { passed, blocking_issues: passed ? [] : ['tests fail'] } }),
    });
  }

  function reply(t: Turn): ToolUse[] {
    const listed = t.results.filter((r) => r.name === 'list_files' && r.input.path === '.').length;
    if (
      opts.readsFirst?.includes(t.prompt) &&
      t.forced === null &&
      t.tools.some((x) => x.name === 'list_files') &&
      listed < READS_FIRST
    ) {
      return [{ name: 'list_files', input: { path: '.', depth: 1 } }];
    }
    if (t.forced === 'choose_next_prompts' || t.prompt === 'prompt_selector') {
      const missing = DISCOVERY_PROMPTS.filter(
        (p) => !t.instructions.includes(p === 'trace_existing_flow' ? '- session_auth:' : '- dependencies:'),
      );
      return [
        {
          name: 'choose_next_prompts',
          input: missing.length
            ? {
                prompts: missing.map((name) => ({
                  name,
                  focus: 'login flow and dependencies relevant to tokens',
                  reason: 'needed before choosing a token design',
                })),
                ready_for_analysis: false,
                need_new_prompt: false,
                rationale: 'auth flow and dependencies are unknown',
              }
            : {
                prompts: [],
                ready_for_analysis: true,
                need_new_prompt: false,
                rationale: 'login flow and dependencies are known',
              },
        },
      ];
    }
    if (t.prompt === 'new_case') {
      const found = requirements(t);
      const named = namedPatternOf(t.instructions, GOAL_KINDS);
      return named
        ? [
            {
              ...found[0]!,
              input: {
                ...(found[0]!.input as object),
                decisions: [{ key: 'pattern', choice: named.name, rationale: named.reason }],
              },
            },
          ]
        : found;
    }
    switch (t.prompt) {
      case 'requirement_disambiguator':
      case 'requirement_validator':
      case 'clarification_generator':
      case 'requirement_extractor':
        return requirements(t);
      case 'trace_existing_flow':
      case 'dependency_analyzer':
        return discovery(t);
      case 'uncertainty_analysis':
        return findings({
          summary: 'Enough is known to design the token module.',
          confidence: {
            overall: 0.85,
            requirements: 0.95,
            technical_approach: 0.85,
            implementation_details: 0.8,
          },
          uncertainties: [
            {
              area: 'refresh_token_storage',
              confidence: 0.9,
              blocking: false,
              resolved: true,
              resolution: 'in-memory store with rotation',
            },
          ],
        });
      case 'solution_synthesizer':
      case 'solution_presenter':
        return findings({
          summary: `${t.prompt}: token module with rotation, tests first.`,
          solution: SOLUTION,
        });
      case 'solution_designer':
        return findings(
          opts.designerPlan
            ? { summary: 'solution_designer: file plan written.', ...DESIGNER_PLAN }
            : {
                summary: 'File plan: the token module and its tests.',
                file_plan: [
                  {
                    path: TOKEN_TEST_PATH,
                    action: 'create',
                    change: 'tests of sign, verify and refresh rotation',
                  },
                  {
                    path: TOKEN_MODULE_PATH,
                    action: 'create',
                    change: 'sign/verify with HMAC, refresh token rotation',
                  },
                ],
              },
        );
      case 'uncertainty_resolver':
        return findings({
          summary: `${t.prompt}: token module with rotation, tests first.`,
          answer: RESOLVER_ANSWER,
          solution: SOLUTION,
        });
      case 'test_generator':
        return implement(t, TOKEN_TEST_PATH, TOKEN_TEST);
      case 'tdd_flow_controller':
        return implement(t, TOKEN_MODULE_PATH, opts.tokenModule ?? TOKEN_MODULE);
      case 'code_reviewer':
      case 'security_scanner':
      case 'deployment_checker': {
        if (t.forced === null && t.turn === 0 && t.prompt !== 'deployment_checker')
          return [{ name: 'read_file', input: { path: TOKEN_MODULE_PATH } }];
        const fail = t.prompt === 'code_reviewer' && opts.reviewFailsOnce && !reviewFailed;
        if (fail) reviewFailed = true;
        return findings({
          summary: `${t.prompt}: ${fail ? 'one blocking issue' : 'no blocking issue'}.`,
          verdict: {
            passed: !fail,
            blocking_issues: fail ? ['verifyToken must reject tokens without exp'] : [],
          },
        });
      }
      case 'pattern_extractor': {
        // Built from the record it was given: the answers it saw in {{context}} become its lessons.
        const answers = [...answersIn(t.instructions)];
        return findings({
          summary: `Token auth beside session login; ${answers.length} answered question(s) worth asking up front.`,
          findings: ['No wasted step: both discovery prompts settled a blocking area.'],
          discovered: {
            pattern_name: 'session_to_token_auth',
            task_shape:
              'Add JWT token authentication with refresh tokens beside session login in an Express app',
            pattern_keywords: ['jwt', 'token', 'refresh', 'express', 'session', 'authentication'],
            pattern_path: [
              'new_case',
              'trace_existing_flow (decisive)',
              'dependency_analyzer',
              'uncertainty_analysis',
            ],
            pattern_lessons: answers.map(([q, a]) => `Ask up front: ${q} (last answer: ${a})`),
          },
          suggested_prompts: [...DISCOVERY_PROMPTS],
        });
      }
      case 'simplicity_checker':
      case 'architecture_checker':
      case 'accessibility_checker':
      case 'breaking_change_detector':
        return findings({
          summary: `${t.prompt}: no blocking issue.`,
          verdict: { passed: true, blocking_issues: [] },
        });
      default:
        return findings({ summary: `${t.prompt}: nothing further.` });
    }
  }

  const responder: Responder = async (req: RecordedRequest, index: number): Promise<FakeReply> => {
    const t = readTurn(req.body ?? {});
    const fault = opts.faults?.[index];
    log.push({
      index,
      prompt: t?.prompt ?? '?',
      phase: t?.phase ?? '?',
      step: t?.step ?? 0,
      turn: t?.turn ?? 0,
      forced: t?.forced ?? null,
      fault: !!fault,
    });
    if (opts.latencyMs) await sleep(opts.latencyMs);
    if (fault) return { fault };
    if (!t) return { text: 'I cannot tell which prompt this is.' };
    let uses = reply(t);
    const corrected = t.results.some((r) => r.isError && r.content.includes('input is invalid'));
    if (
      opts.failValidationOnce?.includes(t.prompt) &&
      !corrected &&
      uses.some((u) => u.name === 'record_findings')
    ) {
      uses = findings({ summary: '', confidence: { overall: 1.5 } });
    }
    // Call tools by the names the request offers them under (Claude Code: mcp__claude-exec__<name>).
    return { toolUses: uses.map((u) => ({ ...u, name: offeredName(req.body, u.name) })) };
  };
  return { responder, log };
}
