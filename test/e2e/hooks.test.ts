/**
 * End to end: hooks in the user config run at the chain's events with one JSON document each on
 * stdin (the built binary against the fake Messages API, no terminal); a before_file_change hook
 * that exits 2 blocks a write and the model's next request carries its reason as a tool_result
 * error; a failing hook is reported and the chain goes on.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { HookDocumentSchema, type HookDocument } from '../../src/hooks/events.js';
import type { RecordedRequest } from '../helpers/fake-anthropic.js';
import { jsonOut, onlyChain, setupE2e, TEST_KEY, type E2e } from '../helpers/e2e.js';
import { GOAL, readTurn } from '../helpers/scenario.js';
import { TOKEN_MODULE_PATH, TOKEN_TEST_PATH } from '../helpers/scenario-files.js';

/** Generous: a run spawns several processes, and other test files share the two cores. */
const E2E_TIMEOUT_MS = 300_000;
const EVENTS = [
  'chain_start',
  'step_start',
  'step_end',
  'gate',
  'before_file_change',
  'after_file_change',
  'test_run',
  'chain_end',
] as const;

let e: E2e | undefined;
const scratch: string[] = [];
afterEach(async () => {
  await e?.close();
  e = undefined;
  for (const d of scratch.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A directory outside the workspace for the hooks' log and scripts. */
function outside(): string {
  const d = mkdtempSync(path.join(os.tmpdir(), 'claude-exec-hooks-e2e-'));
  scratch.push(d);
  return d;
}

/** Writes the user config (in the run's own XDG_CONFIG_HOME) with `hooks`. */
function userHooks(env: Record<string, string>, hooks: Record<string, unknown>): void {
  const dir = path.join(env.XDG_CONFIG_HOME!, 'claude-exec');
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ hooks }));
}

/** A hook that appends its stdin (one JSON line) to `log`. */
const appendTo = (log: string) => ({ command: ['sh', '-c', `cat >> '${log}'`] });

/** The documents the hooks appended, validated against the documented shape. */
function documents(log: string): HookDocument[] {
  if (!existsSync(log)) return [];
  return readFileSync(log, 'utf8')
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => HookDocumentSchema.strict().parse(JSON.parse(l)));
}

type Block = { type: string; content?: unknown; is_error?: boolean; tool_use_id?: string };
const blocks = (r: RecordedRequest): Block[] =>
  r.body.messages.flatMap((m: { content: string | Block[] }) =>
    typeof m.content === 'string' ? [] : m.content,
  );

const BLOCK_REASON = 'src/ is frozen until the release; ask before writing it';

describe('hooks (built binary, fake API)', () => {
  it(
    'run at every event of a full chain, in order, each with its JSON document on stdin, without the API key',
    async () => {
      e = await setupE2e();
      const dir = outside();
      const log = path.join(dir, 'events.jsonl');
      const envFile = path.join(dir, 'env.txt');
      const hooks: Record<string, unknown> = Object.fromEntries(EVENTS.map((ev) => [ev, [appendTo(log)]]));
      hooks.chain_start = [appendTo(log), { command: ['sh', '-c', `env > '${envFile}'`] }];
      userHooks(e.env, hooks);
      const r = await e.run('--yes', '--json', GOAL);
      expect(r.exitCode, r.stderr).toBe(0);
      const { ctx } = await onlyChain(e.ws.root);
      const docs = documents(log);
      const at = (pred: (d: HookDocument) => boolean) => docs.findIndex(pred);

      // Bracketed by chain_start and chain_end; every document names the chain and its workspace.
      expect(docs[0]).toMatchObject({
        event: 'chain_start',
        chain_id: ctx.chain_id,
        goal: GOAL,
        resumed: false,
        cost_usd: 0,
        workspace: ctx.workspace,
      });
      expect(docs.at(-1)).toEqual(
        expect.objectContaining({
          event: 'chain_end',
          status: 'complete',
          error: null,
          files: ctx.session_memory.files_modified,
          cost_usd: ctx.cost_tracking.estimated_cost,
        }),
      );
      expect(ctx.cost_tracking.estimated_cost).toBeGreaterThan(0);
      for (const d of docs) expect([d.chain_id, d.workspace]).toEqual([ctx.chain_id, ctx.workspace]);
      // The cost only grows from one event to the next (step events of a batch may land in any order).
      const sequential = docs.filter((d) => d.event !== 'step_start' && d.event !== 'step_end');
      for (let i = 1; i < sequential.length; i++)
        expect(sequential[i]!.cost_usd).toBeGreaterThanOrEqual(sequential[i - 1]!.cost_usd);

      // One step_start per step (the steps of a batch start together, in any order); one step_end per
      // completed step, after its start, with its summary.
      const starts = docs
        .filter((d) => d.event === 'step_start')
        .map((d) => [d.step!.n, d.step!.prompt] as const);
      expect([...starts].sort((a, b) => a[0] - b[0])).toEqual(ctx.steps.map((s) => [s.n, s.prompt]));
      const ends = docs.filter((d) => d.event === 'step_end');
      expect(ends.map((d) => d.step!.n).sort((a, b) => a - b)).toEqual(
        ctx.steps.filter((s) => s.status === 'complete').map((s) => s.n),
      );
      for (const end of ends) {
        expect(end.step).toMatchObject({
          status: 'complete',
          summary: ctx.steps.find((s) => s.n === end.step!.n)!.summary,
        });
        expect(at((d) => d.event === 'step_start' && d.step!.n === end.step!.n)).toBeLessThan(
          docs.indexOf(end),
        );
      }

      // The chain's test runs, as recorded; the model's run_tests calls, red before the module, green after.
      const chainRuns = docs.filter((d) => d.event === 'test_run' && d.tests!.by === 'chain');
      expect(chainRuns.map((d) => [d.tests!.expect, d.tests!.passed])).toEqual(
        ctx.test_runs.map((t) => [t.expect, t.passed]),
      );
      expect(chainRuns.map((d) => d.tests!.expect)).toEqual(
        expect.arrayContaining(['baseline', 'red', 'green']),
      );
      const modelRuns = docs.filter((d) => d.event === 'test_run' && d.tests!.by === 'model');
      expect(modelRuns.length).toBeGreaterThanOrEqual(2);
      expect(modelRuns[0]!.tests).toMatchObject({
        passed: false,
        expect: null,
        argv: ctx.test_command!.argv,
      });
      expect(modelRuns.at(-1)!.tests).toMatchObject({ passed: true });

      // Each write: before_file_change (with the diff), then after_file_change, test file first.
      const changes = docs
        .filter((d) => d.event === 'before_file_change' || d.event === 'after_file_change')
        .map((d) => [d.event, d.files]);
      expect(changes).toEqual([
        ['before_file_change', [TOKEN_TEST_PATH]],
        ['after_file_change', [TOKEN_TEST_PATH]],
        ['before_file_change', [TOKEN_MODULE_PATH]],
        ['after_file_change', [TOKEN_MODULE_PATH]],
      ]);
      expect(docs.find((d) => d.event === 'before_file_change')).toMatchObject({
        tool: 'write_file',
        phase: 'implementation',
        diff: expect.stringContaining(`+++ b/${TOKEN_TEST_PATH}`),
      });
      // The baseline runs before the solution is approved, the red run after the test file is written.
      expect(at((d) => d.tests?.expect === 'baseline')).toBeLessThan(
        at((d) => d.event === 'before_file_change'),
      );
      expect(at((d) => d.tests?.expect === 'red')).toBeGreaterThan(
        at((d) => d.event === 'after_file_change'),
      );
      // --yes answers every gate: no human was needed.
      expect(docs.filter((d) => d.event === 'gate')).toEqual([]);
      expect(ctx.hook_reports).toEqual([]);

      // The hooks ran without the model's credentials.
      const seen = readFileSync(envFile, 'utf8');
      expect(seen).toContain(`CLAUDE_EXEC_CHAIN_ID=${ctx.chain_id}`);
      expect(seen).not.toContain(TEST_KEY);
      expect(seen).not.toContain('ANTHROPIC_');
    },
    E2E_TIMEOUT_MS,
  );

  it(
    'before_file_change exit 2 blocks the write: the model gets the hook reason as a tool_result error; a failing hook is reported and the chain goes on',
    async () => {
      e = await setupE2e();
      const dir = outside();
      const script = path.join(dir, 'freeze-src.sh');
      // Refuses the first write of src/token.js (the model then writes it again, and it goes through).
      writeFileSync(
        script,
        [
          'doc=$(cat)',
          'case "$doc" in',
          `  *'"files":["${TOKEN_MODULE_PATH}"]'*)`,
          `    if [ ! -e '${dir}/blocked-once' ]; then touch '${dir}/blocked-once'; echo '${BLOCK_REASON}' >&2; exit 2; fi;;`,
          'esac',
          'exit 0',
          '',
        ].join('\n'),
      );
      userHooks(e.env, {
        before_file_change: [{ command: ['sh', script] }],
        chain_start: [{ command: ['sh', '-c', 'echo "hook broke" >&2; exit 1'] }],
      });
      const r = await e.run('--yes', '--json', GOAL);
      expect(r.exitCode, r.stderr).toBe(0);
      expect(jsonOut(r)).toMatchObject({ status: 'complete' });
      expect(r.stderr).toContain(
        'chain_start hook sh -c echo "hook broke" >&2; exit 1 failed (exit 1): hook broke',
      );
      expect(r.stderr).toContain(`before_file_change hook sh ${script} blocked the change: ${BLOCK_REASON}`);

      // The request after the blocked write carries the reason as an error tool_result of that write.
      const reqs = e.messages();
      const blocked = `the change to ${TOKEN_MODULE_PATH} was blocked by a before_file_change hook: ${BLOCK_REASON}`;
      const first = reqs.findIndex((q) =>
        blocks(q).some(
          (b) => b.type === 'tool_result' && b.is_error === true && String(b.content) === blocked,
        ),
      );
      expect(first).toBeGreaterThan(0);
      expect(readTurn(reqs[first]!.body)?.prompt).toBe('tdd_flow_controller');
      // The request before it did not have it: it is the answer to the blocked write_file call.
      expect(
        blocks(reqs[first - 1]!).some((b) =>
          String(b.content ?? '').includes('blocked by a before_file_change hook'),
        ),
      ).toBe(false);

      const { ctx } = await onlyChain(e.ws.root);
      expect(ctx.hook_reports.map((h) => [h.event, h.outcome, h.exit_code, h.message])).toEqual([
        ['chain_start', 'failed', 1, 'hook broke'],
        ['before_file_change', 'blocked', 2, BLOCK_REASON],
      ]);
      // Blocked before approval: only the second write was approved (with --yes), and it was written.
      expect(
        ctx.approval_history.filter((a) => a.kind === 'file-change' && a.presented === TOKEN_MODULE_PATH),
      ).toHaveLength(1);
      expect(existsSync(path.join(e.ws.root, TOKEN_MODULE_PATH))).toBe(true);
    },
    E2E_TIMEOUT_MS,
  );

  it(
    'gate runs when a human is needed: the questions, then the solution (each drive ends with chain_end)',
    async () => {
      e = await setupE2e();
      const log = path.join(outside(), 'events.jsonl');
      userHooks(e.env, { gate: [appendTo(log)], chain_start: [appendTo(log)], chain_end: [appendTo(log)] });
      const first = await e.run('--json', GOAL);
      expect(first.exitCode, first.stderr).toBe(3);
      const id = jsonOut(first).chain_id as string;
      const answered = await e.run(
        'answer',
        id,
        '--answer',
        'q1=Yes',
        '--answer',
        'q2=From JWT_SIGNING_KEY',
        '--json',
      );
      expect(answered.exitCode, answered.stderr).toBe(3);
      const docs = documents(log);
      expect(docs.map((d) => [d.event, d.gate?.kind ?? d.status ?? d.resumed])).toEqual([
        ['chain_start', false],
        ['gate', 'questions'],
        ['chain_end', 'awaiting-input'],
        ['chain_start', true],
        ['gate', 'solution'],
        ['chain_end', 'awaiting-input'],
      ]);
      expect(docs[1]!.gate!.message).toBe(`chain ${id} is waiting for answers to 2 question(s)`);
      expect(docs[4]!.phase).toBe('solution-approval');
    },
    E2E_TIMEOUT_MS,
  );
});
