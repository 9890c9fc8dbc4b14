/**
 * The scripted model of `claude-exec demo`: a Responder for the local Messages API server that
 * plays the demo's task (./files.ts) on the sample app. It reads each request as a model would
 * (./turn.ts): which prompt runs, whether the result tool is forced, what its tool calls returned.
 * It really reads the workspace, writes a failing test, runs it, writes the code and runs the
 * suite again, so the app's own tests go red, then green. A prompt it has no script for gets an
 * honest record_findings saying so; any other forced tool gets the smallest valid input of its
 * schema (./generic.ts), so steps added to the flow later still run.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { ScriptedReply, Responder } from './server.js';
import { minimalInput } from './generic.js';
import { gapFindings, generatedPrompt, systemText } from './library.js';
import {
  APP_IMPORT_EDIT,
  APP_EDIT,
  APP_PATH,
  APP_POST_EDIT,
  DEMO_QUESTIONS,
  MODULE_PATH,
  RATE_LIMIT_MODULE,
  RATE_LIMIT_TEST,
  SOLUTION,
  TEST_PATH,
} from './files.js';
import { offeredName, readTurn, type Turn } from './turn.js';
import { sampleAppDir } from './workspace.js';

type ToolUse = { name: string; input: unknown };

const findings = (input: Record<string, unknown>): ToolUse[] => [{ name: 'record_findings', input }];
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const ran = (t: Turn) => t.results.filter((r) => r.name === 'run_tests').at(-1);
const green = (t: Turn) => ran(t)?.content.startsWith('exit code 0') ?? false;
const read = (t: Turn, path: string) =>
  t.results.find((r) => r.name === 'read_file' && r.input.path === path && !r.isError)?.content;

/** src/app.js after the three edits of the plan; null when one of them does not apply. */
export function editedApp(source: string): string | null {
  let text = source;
  for (const edit of [APP_IMPORT_EDIT, APP_EDIT, APP_POST_EDIT]) {
    if (!text.includes(edit.old_string)) return null;
    text = text.replace(edit.old_string, edit.new_string);
  }
  return text;
}

/** Creates the demo's model. `latencyMs`: pause before each reply (so progress can be watched). */
export function createDemoModel(opts: { latencyMs?: number } = {}): Responder {
  // The workspace is a fresh copy of the bundled sample app, so the edit applies to the bundled text.
  const edited = editedApp(readFileSync(path.join(sampleAppDir(), APP_PATH), 'utf8'));
  if (edited === null) throw new Error(`the demo's edit of ${APP_PATH} no longer applies to the sample app`);
  const appAfter: string = edited;
  // The demo runs in one process, so the script may remember what happened earlier in the chain.
  const state = { asked: false, answered: false, decisions: 0 };

  // What each requirements prompt finds before the questions are answered: each its own angle.
  const UNCLEAR: Record<string, { summary: string; findings: string[] }> = {
    new_case: {
      summary: 'The task names the route but not the limit, the window or what a limited client receives.',
      findings: [
        'a change to an existing route: POST /notes in src/app.js',
        '"rate limiting" gives no number, window or key',
      ],
    },
    requirement_disambiguator: {
      summary: 'Two readings stay open: how many posts per window, and what a refused client gets.',
      findings: [
        'per client IP, per API key or global: the task does not say',
        'the response to a limited client is unspecified (status, headers, body)',
      ],
    },
    requirement_validator: {
      summary: 'Not testable yet: no acceptance criterion can name a limit or a status code.',
      findings: [
        'AC "clients cannot flood the API" has no threshold a test can check',
        'whether GET routes are limited too is not stated',
      ],
    },
  };

  function requirements(t: Turn): ToolUse[] {
    if (t.prompt === 'requirement_extractor') state.answered = true;
    // Clear once questions were asked in this process (the demo chain), or when the request shows the human's answers (an eval case's memory).
    const clear = state.answered || state.asked || t.instructions.includes('### Answers and assumptions');
    if (t.prompt === 'clarification_generator') {
      state.asked = true;
      return findings({
        summary: 'Two questions decide the limit and the refusal.',
        questions: DEMO_QUESTIONS,
        ambiguity_score: 0.4,
      });
    }
    return findings({
      summary: clear
        ? 'Requirements are clear: a per-client limit on POST /notes with a 429 refusal, GET routes open.'
        : (UNCLEAR[t.prompt]?.summary ?? UNCLEAR.new_case!.summary),
      findings: clear
        ? ['Limit: the answer to the first question', 'Refusal: the answer to the second question']
        : (UNCLEAR[t.prompt]?.findings ?? UNCLEAR.new_case!.findings),
      ambiguity_score: clear ? 0.1 : 0.45,
      confidence: { requirements: clear ? 0.95 : 0.6 },
      uncertainties: [
        { area: 'limit_and_window', confidence: clear ? 0.9 : 0.4, blocking: !clear, resolved: clear },
      ],
      ...(t.prompt === 'requirement_extractor'
        ? {
            decisions: [
              {
                key: 'rate_limit',
                choice: 'fixed window per client IP on POST /notes',
                rationale: 'from the answers to the clarifying questions',
              },
            ],
          }
        : {}),
      ...(clear && (t.prompt === 'requirement_extractor' || t.prompt === 'requirement_validator')
        ? {
            requirements: [
              '[answer] POST /notes beyond the limit within one window answers 429 with a Retry-After header',
              '[request] GET routes are never limited',
              '[existing] POST /notes within the limit still creates the note (201)',
            ],
          }
        : {}),
    });
  }

  function discovery(t: Turn): ToolUse[] {
    const flow = t.prompt === 'trace_existing_flow';
    const file = flow ? APP_PATH : 'package.json';
    if (t.forced === null && !read(t, file))
      return [
        { name: 'list_files', input: { path: '.', depth: 2 } },
        { name: 'read_file', input: { path: file } },
      ];
    const text = read(t, file) ?? '';
    if (flow) {
      const routes = [...text.matchAll(/req\.method === '(\w+)' && url\.pathname === '([^']+)'/g)].map(
        (m) => `${m[1]} ${m[2]}`,
      );
      return findings({
        summary: `${routes.length} routes in ${APP_PATH}, all in one handler built by createApp(); POST /notes reads the JSON body, then validates it.`,
        findings: routes.map((r) => `${APP_PATH}: ${r}`),
        discovered: { routes, entry_point: 'createApp() in src/app.js, served by src/server.js' },
        confidence: { technical_approach: 0.85 },
      });
    }
    const deps = /"dependencies"/.test(text) ? 'some dependencies' : 'no dependencies';
    return findings({
      summary: `package.json has ${deps}: node:http serves the app, node:test runs the suite (\`node --test\`).`,
      findings: ['package.json: "test": "node --test"', `package.json: ${deps}`],
      discovered: { dependencies: [], test_command: 'node --test' },
      confidence: { implementation_details: 0.85 },
    });
  }

  /** Write the file(s) of this step, run the tests, then report what the run showed. */
  function implement(t: Turn, writes: { path: string; content: string }[], testing: boolean): ToolUse[] {
    if (t.forced === null) {
      for (const w of writes) {
        if (!t.results.some((r) => r.name === 'write_file' && r.input.path === w.path))
          return [{ name: 'write_file', input: { path: w.path, content: w.content } }];
      }
      if (!ran(t)) return [{ name: 'run_tests', input: {} }];
    }
    const passed = green(t);
    const rejected = t.results
      .filter((r) => r.name === 'write_file' && r.isError)
      .map((r) => r.content.split('\n')[0]!);
    return findings({
      summary: testing
        ? `Wrote ${writes.map((w) => w.path).join(', ')}; the suite is ${passed ? 'green, so the new tests do not pin the behaviour yet' : 'red as expected: the limiter does not exist yet'}.`
        : `Implemented ${writes.map((w) => w.path).join(' and ')}; the suite is ${passed ? 'green' : 'still red'}.`,
      findings: [
        ...writes.map((w) => `${w.path} written`),
        `run_tests: ${ran(t)?.content.split('\n')[0] ?? 'not run'}`,
        ...rejected,
      ],
      ...(testing ? {} : { verdict: { passed, blocking_issues: passed ? [] : ['the test suite fails'] } }),
    });
  }

  function review(t: Turn): ToolUse[] {
    if (t.forced === null && t.turn === 0 && t.prompt !== 'deployment_checker')
      return [{ name: 'read_file', input: { path: MODULE_PATH } }];
    const notes: Record<string, string[]> = {
      code_reviewer: [
        'check() is O(1); expired windows are pruned once 10,000 clients are tracked',
        'the limit is configurable through createApp({ rateLimit })',
      ],
      security_scanner: [
        'clients are keyed by socket address: behind a proxy, configure the trusted forwarded address first',
        'no secret or user input reaches a log',
      ],
      deployment_checker: [
        'tests: PASS - the suite ran green after the last edit, the new tests included',
        'breaking changes: PASS - POST /notes gains a 429 answer past the limit; GET routes and response shapes are unchanged',
        'migration plan: N/A - no data model or stored state changes',
        'config: PASS - no new setting; the default of 5 notes per minute applies on deploy',
        'rollback: PASS - reverting the commit removes the limiter; nothing is left behind',
        'feature flag: N/A - the limit is an option of createApp, on by default; no flag is needed for a limit this small',
      ],
    };
    return findings({
      summary: 'No blocking issue.',
      findings: notes[t.prompt] ?? [],
      verdict: { passed: true, blocking_issues: [], notes: notes[t.prompt] ?? [] },
    });
  }

  function choose(): ToolUse[] {
    state.decisions += 1;
    const first = state.decisions === 1;
    return [
      {
        name: 'choose_next_prompts',
        input: first
          ? {
              prompts: [
                {
                  name: 'trace_existing_flow',
                  focus: 'how a POST /notes request is handled',
                  reason: 'the limiter must sit before the body is read',
                },
                {
                  name: 'dependency_analyzer',
                  focus: 'runtime dependencies and the test command',
                  reason: 'decides whether a library or a small module fits',
                },
              ],
              ready_for_analysis: false,
              need_new_prompt: false,
              rationale: 'the request flow and the dependencies are unknown',
            }
          : {
              prompts: [],
              ready_for_analysis: true,
              need_new_prompt: false,
              rationale: 'the request flow and the dependencies are known',
            },
      },
    ];
  }

  function reply(t: Turn, system: string): ToolUse[] {
    if (t.forced === 'choose_next_prompts' || (t.forced === null && t.prompt === 'prompt_selector'))
      return choose();
    if (t.forced !== null && t.forced !== 'record_findings') {
      const tool = t.tools.find((x) => x.name === t.forced);
      return [
        {
          name: t.forced,
          input: minimalInput(tool?.input_schema ?? {}, `${t.prompt} (demo model: no script for this step)`),
        },
      ];
    }
    switch (t.prompt) {
      case 'new_case':
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
          summary:
            'Enough is known to design the limiter: one handler, no dependencies, node:test for the suite.',
          confidence: {
            overall: 0.86,
            requirements: 0.95,
            technical_approach: 0.85,
            implementation_details: 0.82,
          },
          uncertainties: [
            {
              area: 'client_identity',
              confidence: 0.8,
              blocking: false,
              resolved: true,
              resolution: 'socket address; proxies need a trusted forwarded header later',
            },
          ],
        });
      case 'solution_synthesizer':
      case 'solution_presenter':
        return findings({
          summary: 'A fixed-window limiter module, wired into POST /notes, tests first.',
          solution: SOLUTION,
        });
      case 'solution_designer':
        return findings({
          summary: 'Three files: the tests first, then the limiter module, then its wiring into POST /notes.',
          file_plan: [
            {
              path: TEST_PATH,
              action: 'create',
              change: 'pins 429 with Retry-After past the limit, GET never limited, 201 within the limit',
            },
            {
              path: MODULE_PATH,
              action: 'create',
              change: 'createRateLimiter({ limit, windowMs }): check(key) -> { allowed, retryAfterSec }',
            },
            {
              path: APP_PATH,
              action: 'modify',
              change: 'createApp({ rateLimit }) checks the limiter before POST /notes reads its body',
            },
          ],
        });
      case 'pr_description_writer':
        return findings({
          summary: 'PR text written.',
          solution:
            '## Rate-limit POST /notes\n\nA fixed-window limiter per client address answers 429 with Retry-After once the limit is reached; GET routes stay open.\n\nVerify: `node --test`.',
        });
      case 'prompt_gap_detector':
        return findings(gapFindings(t.instructions, system));
      case 'prompt_generator':
        return findings(generatedPrompt(t.instructions));
      case 'context_health_checker':
        return findings({ summary: '9/10 - facts sourced, areas unique, on goal.', context_health: 9 });
      case 'uncertainty_resolver':
        return findings({
          summary:
            'The demo model answers from the plan: the limit and window are options of createApp({ rateLimit }), so they can change without touching the route.',
          solution: SOLUTION,
        });
      case 'test_generator':
        return implement(t, [{ path: TEST_PATH, content: RATE_LIMIT_TEST }], true);
      case 'tdd_flow_controller':
        return implement(
          t,
          [
            { path: MODULE_PATH, content: RATE_LIMIT_MODULE },
            { path: APP_PATH, content: appAfter },
          ],
          false,
        );
      case 'code_reviewer':
      case 'security_scanner':
      case 'deployment_checker':
        return review(t);
      default:
        return findings({
          summary: `${t.prompt}: the demo model has no script for this prompt, so it examined nothing and records nothing here.`,
        });
    }
  }

  return async (req): Promise<ScriptedReply> => {
    if (opts.latencyMs) await sleep(opts.latencyMs);
    const t = readTurn(req.body ?? {});
    if (!t) return { text: 'The demo model only answers prompt runs of claude-exec.' };
    return {
      toolUses: reply(t, systemText(req.body)).map((u) => ({ ...u, name: offeredName(req.body, u.name) })),
    };
  };
}
