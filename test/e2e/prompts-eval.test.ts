/**
 * `claude-exec prompts eval` end to end: the built binary against the demo's scripted model on
 * 127.0.0.1 (no key, no network). The shipped cases of every feature-flow prompt run and pass,
 * with the case's memory and fixture in what the model is sent; a case whose assertions fail
 * makes the table and the exit code say so (tests a step wrote that pass before the reference
 * implementation, or fail after it, included); a significant drop across runs fails
 * --fail-on-regression; a bad case file is exit 2 before any call.
 */
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EvalCompareOutputSchema, EvalOutputSchema } from '../../src/contract/evals.js';
import { PromptRunOutputSchema } from '../../src/contract/memory.js';
import { startDemoModel } from '../../src/demo/run.js';
import type { MessagesServer, RecordedRequest } from '../../src/demo/server.js';
import { builtinPromptsDir } from '../../src/library/load.js';
import { MACHINE_PROMPTS } from '../../src/phases/machine.js';
import { cliEnv, runCli, TEST_KEY, trustWorkspace } from '../helpers/e2e.js';

let server: MessagesServer;
let env: Record<string, string>;

beforeAll(async () => {
  ({ server } = await startDemoModel(0, {}));
  env = cliEnv({ ANTHROPIC_BASE_URL: server.url, ANTHROPIC_API_KEY: TEST_KEY });
});
afterAll(async () => {
  await server?.close();
});

const workspace = () => mkdtempSync(path.join(os.tmpdir(), 'claude-exec-evals-'));
const firstText = (r: RecordedRequest): string => {
  const c = r.body?.messages?.[0]?.content;
  return typeof c === 'string' ? c : (c ?? []).map((b: { text?: string }) => b.text ?? '').join('\n');
};
const allText = (r: RecordedRequest) => JSON.stringify(r.body?.messages ?? []);
function writeCase(root: string, prompt: string, name: string, text: string): void {
  mkdirSync(path.join(root, 'prompts', 'evals', prompt), { recursive: true });
  writeFileSync(path.join(root, 'prompts', 'evals', prompt, `${name}.yaml`), text);
}

describe('prompts eval against the scripted model', () => {
  it('runs the shipped cases of every feature-flow prompt, sends each its memory and fixture, and saves the run', async () => {
    const root = workspace();
    const before = server.requests.length;
    const r = await runCli(
      ['prompts', 'eval', '--model', 'demo', '--concurrency', '3', '--json', '--cwd', root],
      root,
      env,
    );
    expect(r.stderr).not.toContain(TEST_KEY);
    expect(r.exitCode, r.stderr).toBe(0);
    const doc = EvalOutputSchema.parse(JSON.parse(r.stdout));
    const shipped = readdirSync(path.join(builtinPromptsDir(), 'evals'))
      .filter((d) => !d.startsWith('_'))
      .flatMap((d) =>
        readdirSync(path.join(builtinPromptsDir(), 'evals', d)).map(
          (f) => `${d}/${f.replace(/\.yaml$/, '')}`,
        ),
      );
    expect(doc.results.map((x) => `${x.prompt}/${x.case}`).sort()).toEqual(shipped.sort());
    for (const p of MACHINE_PROMPTS)
      expect(doc.results.filter((x) => x.prompt === p).length, p).toBeGreaterThanOrEqual(2);
    expect(doc.results.filter((x) => !x.pass)).toEqual([]);
    expect(doc.totals).toMatchObject({
      runs: shipped.length,
      passed: shipped.length,
      failed: 0,
      skipped: 0,
      cost_usd: null,
    });
    // Each run was a prompt run of its prompt, and what it was given came from the case.
    const sent = server.requests.slice(before).filter((q) => q.path === '/v1/messages');
    // The `Prompt:` line opens the step's own text: the first block, or the second after a prompt's fixed instructions.
    for (const p of MACHINE_PROMPTS)
      expect(
        sent.some((q) => new RegExp(`^Prompt: ${p} ·`, 'm').test(firstText(q))),
        p,
      ).toBe(true);
    const presenter = sent.filter((q) => firstText(q).startsWith('Prompt: solution_presenter ·'));
    expect(presenter.length).toBeGreaterThan(0);
    for (const q of presenter) expect(firstText(q)).toContain('answers 429 with a Retry-After header');
    // code_reviewer read the limiter of the notes-api-done fixture through its read tool.
    expect(
      sent.some(
        (q) => firstText(q).startsWith('Prompt: code_reviewer ·') && allText(q).includes('createRateLimiter'),
      ),
    ).toBe(true);
    // tdd_flow_controller made the fixture's failing tests pass: its verdict says so.
    expect(
      doc.results
        .filter((x) => x.prompt === 'tdd_flow_controller')
        .map((x) => (x.result as { verdict?: { passed: boolean } }).verdict?.passed),
    ).toEqual([true, true]);
    const saved = JSON.parse(readFileSync(doc.file, 'utf8'));
    expect(path.dirname(doc.file)).toBe(path.join(root, 'contexts', '.evals'));
    expect(saved.run_id).toBe(doc.run_id);
    expect(saved.results).toEqual(doc.results);
    expect(readFileSync(doc.file, 'utf8')).not.toContain(TEST_KEY);
  }, 400_000);

  it('shows a failed assertion in the table and exits 1', async () => {
    const root = workspace();
    writeCase(
      root,
      'code_reviewer',
      'strict',
      [
        'description: "A review must cite the code it judges, and must not pass a change without a limit test."',
        'inputs:',
        '  goal: "Add rate limiting to POST /notes"',
        '  workspace: ../_fixtures/app',
        'assert:',
        '  - { type: fields, value: [verdict] }',
        '  - { type: cites_existing_file, path: "verdict.notes" }',
        '  - { type: equals, path: verdict.passed, value: false }',
        '',
      ].join('\n'),
    );
    mkdirSync(path.join(root, 'prompts', 'evals', '_fixtures', 'app', 'src'), { recursive: true });
    writeFileSync(
      path.join(root, 'prompts', 'evals', '_fixtures', 'app', 'src', 'rate-limit.js'),
      'export function createRateLimiter() {}\n',
    );
    trustWorkspace(root, env);
    const r = await runCli(['prompts', 'eval', 'code_reviewer', '--model', 'demo', '--cwd', root], root, env);
    expect(r.exitCode, r.stderr).toBe(1);
    const rows = r.stdout.split('\n');
    expect(rows.find((l) => /^code_reviewer\s+strict\s+demo\s+FAIL\s+0\.33\b/.test(l))).toBeDefined();
    expect(rows.find((l) => /^code_reviewer\s+finished-limiter\s+demo\s+PASS\b/.test(l))).toBeDefined();
    expect(r.stdout).toContain(
      'code_reviewer/strict · demo: cites_existing_file: 0 of 0 citation(s) in verdict.notes name an existing file and line; needs 1; equals: verdict.passed is true, expected false',
    );
    expect(r.stdout).toContain('2 of 3 passed');
    expect(r.stderr).toContain('[3/3]');
  }, 240_000);

  it('fails tests_fail_before_pass_after when the written tests pass before the implementation or fail after it', async () => {
    const root = workspace();
    const fixtures = path.join(root, 'prompts', 'evals', '_fixtures');
    const shipped = path.join(builtinPromptsDir(), 'evals', '_fixtures');
    cpSync(path.join(shipped, 'notes-api'), path.join(fixtures, 'app'), { recursive: true });
    cpSync(path.join(shipped, 'notes-api-after'), path.join(fixtures, 'after'), { recursive: true });
    // Already implemented (the app with the after overlay): the scripted model's tests pass before any change.
    mkdirSync(path.join(fixtures, 'done'));
    writeFileSync(path.join(fixtures, 'done', '.fixture-base'), '../app\n../after\n');
    // A reference implementation that never refuses: the tests fail after it.
    cpSync(path.join(shipped, 'notes-api-after'), path.join(fixtures, 'lax'), { recursive: true });
    writeFileSync(
      path.join(fixtures, 'lax', 'src', 'rate-limit.js'),
      'export function createRateLimiter() {\n  return { check: () => ({ allowed: true, remaining: 1, retryAfterSec: 0 }) };\n}\n',
    );
    const kase = (fixture: string, after: string) =>
      `description: d\ninputs:\n  goal: "Add rate limiting to POST /notes so that one client cannot flood the API"\n  workspace: ../_fixtures/${fixture}\nassert:\n  - { type: tests_fail_before_pass_after, after: ../_fixtures/${after} }\n`;
    writeCase(root, 'test_generator', 'already-green', kase('done', 'after'));
    writeCase(root, 'test_generator', 'lax-after', kase('app', 'lax'));
    trustWorkspace(root, env);
    const r = await runCli(
      ['prompts', 'eval', 'test_generator', '--model', 'demo', '--cwd', root],
      root,
      env,
    );
    expect(r.exitCode, r.stderr).toBe(1);
    const rows = r.stdout.split('\n');
    expect(rows.find((l) => /^test_generator\s+already-green\s+demo\s+FAIL\s+0\.00\b/.test(l))).toBeDefined();
    expect(rows.find((l) => /^test_generator\s+lax-after\s+demo\s+FAIL\s+0\.00\b/.test(l))).toBeDefined();
    // The shipped cases' tests fail on notes-api and pass with its after overlay.
    expect(rows.find((l) => /^test_generator\s+rate-limit-tests\s+demo\s+PASS\b/.test(l))).toBeDefined();
    expect(rows.find((l) => /^test_generator\s+reports-red\s+demo\s+PASS\b/.test(l))).toBeDefined();
    expect(r.stdout).toContain(
      'test_generator/already-green · demo: tests_fail_before_pass_after: ' +
        'test/rate-limit.test.js with `npm test`: passed before the implementation: the tests do ' +
        'not test the change (exit 0, 0 failed, 7 passed (node:test)); passed after it',
    );
    expect(r.stdout).toContain(
      'test_generator/lax-after · demo: tests_fail_before_pass_after: test/rate-limit.test.js ' +
        'with `npm test`: failed before the implementation, as they should (exit 1, 0 failed, 3 ' +
        'passed, 1 did not build (node:test); failing: test/rate-limit.test.js (did not build)); ' +
        'failed after the implementation, where they should pass (exit 1, 4 failed, 3 passed ' +
        '(node:test); failing: AC1: allows the limit within a window, then refuses with the ' +
        'seconds to wait;',
    );
  }, 300_000);

  it('fails --fail-on-regression when a case passes significantly less often than in the baseline run, and compares saved runs', async () => {
    const root = workspace();
    const gate = (pattern: string) =>
      writeCase(
        root,
        'prompt_gap_detector',
        'gate',
        `description: a covered area\ninputs:\n  goal: "Add rate limiting to POST /notes"\n  focus: "how the request flows"\nassert:\n  - { type: regex, path: summary, value: "${pattern}" }\n`,
      );
    gate('^No gap');
    trustWorkspace(root, env);
    const first = await runCli(
      ['prompts', 'eval', 'prompt_gap_detector', '--model', 'demo', '--repeat', '4', '--json', '--cwd', root],
      root,
      env,
    );
    expect(first.exitCode, first.stderr).toBe(0);
    const a = EvalOutputSchema.parse(JSON.parse(first.stdout));
    expect(a.results.filter((x) => x.case === 'gate').map((x) => x.pass)).toEqual([true, true, true, true]);
    expect(a.comparison).toBeNull();

    gate('^Gap');
    trustWorkspace(root, env);
    const second = await runCli(
      [
        'prompts',
        'eval',
        'prompt_gap_detector',
        '--model',
        'demo',
        '--repeat',
        '4',
        '--fail-on-regression',
        '--cwd',
        root,
      ],
      root,
      env,
    );
    expect(second.exitCode, second.stderr).toBe(1);
    expect(second.stdout).toMatch(/^prompt_gap_detector\s+gate\s+demo\s+0\/4 FAIL\b/m);
    expect(second.stdout).toMatch(
      /^prompt_gap_detector\s+gate\s+4\/4 \(1\.00\)\s+0\/4 \(0\.00\)\s+-100%\s+-1\.00\s+0\.029\s+REGRESSION/m,
    );
    expect(second.stdout).toMatch(
      /^prompt_gap_detector\s+covered-area\s+4\/4 \(1\.00\)\s+4\/4 \(1\.00\)\s+\+0%/m,
    );
    expect(second.stdout).toContain('1 significant regression(s) at p < 0.05');

    const runs = readdirSync(path.join(root, 'contexts', '.evals'))
      .map((f) => f.replace(/\.json$/, ''))
      .sort();
    expect(runs).toHaveLength(2);
    const cmp = await runCli(
      ['prompts', 'eval', '--compare', a.run_id, runs.find((x) => x !== a.run_id)!, '--json', '--cwd', root],
      root,
      env,
    );
    expect(cmp.exitCode, cmp.stderr).toBe(0);
    const doc = EvalCompareOutputSchema.parse(JSON.parse(cmp.stdout));
    expect(doc.regressions).toBe(1);
    expect(doc.rows.find((x) => x.case === 'gate')).toMatchObject({
      a: { passed: 4, runs: 4 },
      b: { passed: 0, runs: 4 },
      regression: true,
    });
    expect(doc.rows.find((x) => x.case === 'gate')!.p_value).toBeCloseTo(0.02857143, 6);
    const gated = await runCli(
      [
        'prompts',
        'eval',
        '--compare',
        a.run_id,
        runs.find((x) => x !== a.run_id)!,
        '--fail-on-regression',
        '--cwd',
        root,
      ],
      root,
      env,
    );
    expect(gated.exitCode).toBe(1);
  }, 300_000);

  it('refuses a bad case file with exit 2 naming the file and the field, before any call', async () => {
    const root = workspace();
    writeCase(
      root,
      'code_reviewer',
      'broken',
      'description: x\ninputs:\n  focus: no goal here\nassert:\n  - { type: fields, value: [verdict] }\n',
    );
    trustWorkspace(root, env);
    const before = server.requests.length;
    const r = await runCli(['prompts', 'eval', 'code_reviewer', '--model', 'demo', '--cwd', root], root, env);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain(
      `${path.join(root, 'prompts', 'evals', 'code_reviewer', 'broken.yaml')}: inputs.goal:`,
    );
    expect(server.requests.length).toBe(before);
    expect(existsSync(path.join(root, 'contexts', '.evals'))).toBe(false);
    const unknown = await runCli(['prompts', 'eval', '--compare', 'nope', 'nada', '--cwd', root], root, env);
    expect(unknown.exitCode).toBe(2);
    expect(unknown.stderr).toContain('"nope" is neither a saved eval run nor a model of one');
  }, 120_000);

  it('runs prompt_selector alone with its own result tool, as context building does (prompt run and its cases)', async () => {
    const root = workspace();
    const r = await runCli(
      ['prompt', 'run', 'prompt_selector', '--model', 'demo', '--yes', '--json', '--cwd', root],
      root,
      env,
    );
    expect(r.exitCode, r.stderr).toBe(0);
    const doc = PromptRunOutputSchema.parse(JSON.parse(r.stdout));
    expect(doc.result).toMatchObject({ rationale: expect.any(String), need_new_prompt: false });
    const last = server.requests.filter((q) => q.path === '/v1/messages').at(-1)!;
    expect(last.body.tools.map((t: { name: string }) => t.name)).toContain('choose_next_prompts');
  }, 120_000);
});
