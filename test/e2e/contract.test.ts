/**
 * End to end: the JSON contract. Every registered command (walked from the program, so commands
 * added later must be given an invocation below) prints with --json one document that validates
 * against its generated schema in schemas/ (ajv, draft 2020-12); on failure every command prints
 * the error document with exit 2; `show` of a 1 MB context piped through a slow reader is
 * byte-identical to the file; a mistyped command makes no call and writes nothing.
 */
import { promises as fs, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { execa } from 'execa';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { outputName } from '../../src/contract/index.js';
import { buildProgram } from '../../src/cli/program.js';
import { loadPriceTable } from '../../src/cost/prices.js';
import {
  BIN,
  cliEnv,
  contextFiles,
  runCli,
  setupE2e,
  spawnCli,
  type CliResult,
  type E2e,
} from '../helpers/e2e.js';
import { fakeChain } from '../helpers/chains.js';
import { tempDir, writePrompt } from '../helpers/prompt-files.js';
import { GOAL } from '../helpers/scenario.js';

const E2E_TIMEOUT_MS = 300_000;
const SCHEMAS = path.resolve(import.meta.dirname, '../../schemas');

const ajv = new Ajv2020({ allErrors: true, strict: false });
const validators = new Map<string, ReturnType<Ajv2020['compile']>>();
function validate(name: string, doc: unknown): void {
  let v = validators.get(name);
  if (!v) {
    v = ajv.compile(JSON.parse(readFileSync(path.join(SCHEMAS, `${name}.schema.json`), 'utf8')));
    validators.set(name, v);
  }
  const ok = v(doc);
  expect(ok, `${name}: ${ajv.errorsText(v.errors)}\n${JSON.stringify(doc).slice(0, 400)}`).toBe(true);
}

/** One JSON document on stdout, validated against the schema its `schema` field names. */
function contract(r: CliResult, code: number): Record<string, unknown> {
  expect(r.exitCode, r.stderr).toBe(code);
  const doc = JSON.parse(r.stdout) as Record<string, unknown>;
  expect(typeof doc.schema).toBe('string');
  validate(outputName(doc.schema as string), doc);
  return doc;
}

function leafCommands(cmd: Command, prefix: string[] = []): string[] {
  return cmd.commands.flatMap((c) =>
    c.commands.length ? leafCommands(c, [...prefix, c.name()]) : [[...prefix, c.name()].join(' ')],
  );
}

/** Arguments that make each command fail on its --cwd alone (a directory that does not exist). */
const MINIMAL_ARGS: Record<string, string[]> = {
  run: ['run', 'a', 'task'],
  resume: ['resume', '001'],
  approve: ['approve', '001'],
  answer: ['answer', '001', '--answer', 'q1=x'],
  completion: ['completion', 'bash'],
  replay: ['replay', 'x.cassette.jsonl.gz'],
  complete: ['complete', '--', 'x'],
  status: ['status', '001'],
  show: ['show', '001'],
  pending: ['pending', '001'],
  rollback: ['rollback', '001'],
  diff: ['diff', '001'],
  spec: ['spec', '001'],
  'chain-cost': ['chain-cost', '001'],
  'prompts show': ['prompts', 'show', 'x'],
  'prompt run': ['prompt', 'run', 'security_scanner'],
  'prompts search': ['prompts', 'search', 'x'],
  'workflows show': ['workflows', 'show', 'x'],
  fork: ['fork', '001', '--from-step', '1'],
  apply: ['apply', '001'],
  'prompts promote': ['prompts', 'promote', 'x'],
  'save-pattern': ['save-pattern', '001'],
  'patterns show': ['patterns', 'show', 'x'],
  'patterns remove': ['patterns', 'remove', 'x'],
};

let e: E2e;
let id: string;
const seen = new Map<string, Record<string, unknown>>();

beforeAll(async () => {
  e = await setupE2e();
}, E2E_TIMEOUT_MS);
afterAll(async () => e?.close());

describe('the JSON contract of the built binary', () => {
  it(
    'drives a chain through its gates: run, answer, approve, pending, resume print run@1 / pending@1',
    async () => {
      const first = contract(await e.run('--json', GOAL), 3);
      id = first.chain_id as string;
      seen.set('run', first);
      expect(first).toMatchObject({
        schema: 'claude-exec/run@1',
        error: { exit_code: 3 },
        pending: { kind: 'questions' },
      });
      seen.set(
        'answer',
        contract(
          await e.run('answer', id, '--answer', 'q1=Yes', '--answer', 'q2=From JWT_SECRET', '--json'),
          3,
        ),
      );
      seen.set('approve', contract(await e.run('approve', id, '--json'), 3));
      seen.set('pending', contract(await e.run('pending', id, '--json'), 0));
      expect(seen.get('pending')).toMatchObject({ pending: { kind: 'file-change' } });
      const done = contract(await e.run('resume', id, '--yes', '--json'), 0);
      seen.set('resume', done);
      expect(done).toMatchObject({ status: 'complete', error: null, billing: 'api' });
      // A fork from step 4 answers as its source did, then waits at the solution gate (no --yes).
      seen.set('fork', contract(await e.run('fork', id, '--from-step', '4', '--json'), 3));
    },
    E2E_TIMEOUT_MS,
  );

  it(
    'every other command prints a valid document; every registered command is covered',
    async () => {
      const init = await tempDir('claude-exec-init-');
      const reads: Record<string, string[]> = {
        status: ['status', id],
        chains: ['chains', '--all'],
        'chain-cost': ['chain-cost', id],
        'cost-report': ['cost-report', '--top', '2'],
        prices: ['prices'],
        'prompts list': ['prompts', 'list', '--category', 'debug'],
        'prompts show': ['prompts', 'show', 'code_reviewer'],
        'prompts search': ['prompts', 'search', 'flaky', 'test'],
        'prompts validate': ['prompts', 'validate'],
        'prompts stats': ['prompts', 'stats'],
        'workflows list': ['workflows', 'list'],
        'workflows show': ['workflows', 'show', 'bugfix'],
        'workflows validate': ['workflows', 'validate'],
        init: ['--cwd', init, 'init'],
        doctor: ['doctor', '--offline'],
      };
      const results = await Promise.all(
        Object.entries(reads).map(async ([name, args]) => [name, await e.run(...args, '--json')] as const),
      );
      for (const [name, r] of results) seen.set(name, contract(r, 0));
      // prompts eval: the scenario model does not answer the gap detector's cases as they ask (exit 1); then a comparison of the saved run with itself.
      const evalRun = contract(await e.run('prompts', 'eval', 'prompt_gap_detector', '--json'), 1);
      seen.set('prompts eval', evalRun);
      expect(
        contract(
          await e.run(
            'prompts',
            'eval',
            '--compare',
            String(evalRun.run_id),
            String(evalRun.run_id),
            '--json',
          ),
          0,
        ),
      ).toMatchObject({ schema: 'claude-exec/prompts-eval-compare@1', regressions: 0 });
      // status --full: the chain@1 document, every status@1 field with the same value.
      const full = contract(await e.run('status', id, '--full', '--json'), 0);
      expect(full.schema).toBe('claude-exec/chain@1');
      const { schema: _s, ...statusFields } = seen.get('status')!;
      expect(full).toMatchObject(statusFields);
      expect((full.call_log as unknown[]).length).toBe(full.calls);

      // serve prints serve@1 once it listens, and stops on SIGINT with 130 and nothing more on stdout.
      const serving = spawnCli(['--json', 'serve'], e.ws.root, e.env);
      let served = '';
      await new Promise<void>((resolve) =>
        serving.stdout!.on('data', (d: Buffer) => {
          served += d.toString();
          if (/^\{[\s\S]*\}\s*$/.test(served)) resolve();
        }),
      );
      serving.kill('SIGINT');
      const stopped = await serving;
      seen.set('serve', contract({ exitCode: 0, stdout: served, stderr: String(stopped.stderr) }, 0));
      expect(stopped.exitCode).toBe(130);
      expect(String(stopped.stdout)).toBe(served.trimEnd());
      expect(String(stopped.stderr)).toContain('claude-exec serve: stopped');
      const tokens = seen.get('status')!.tokens as Record<string, number>;
      expect(Object.keys(tokens).sort()).toEqual(['cache_read', 'cache_write', 'input', 'output', 'total']);
      expect((seen.get('cost-report')!.breakdown as { rows: unknown[] }).rows.length).toBeLessThanOrEqual(2);

      // show prints the context file itself (joined with its journal), valid against the context schema;
      // show --memory the memory@1 document.
      const show = await e.run('show', id);
      expect(show.exitCode, show.stderr).toBe(0);
      validate('context', JSON.parse(show.stdout));
      seen.set('show', {});
      seen.set('show --memory', contract(await e.run('show', id, '--memory', '--json'), 0));
      const alone = contract(
        await e.run('prompt', 'run', 'security_scanner', '--focus', 'src/app.js', '--json'),
        0,
      );
      expect(alone).toMatchObject({
        schema: 'claude-exec/prompt-run@1',
        prompt: 'security_scanner',
        status: 'complete',
      });
      seen.set('prompt run', alone);
      const spec = contract(await e.run('spec', id, '--json'), 0);
      expect(spec).toMatchObject({ schema: 'claude-exec/spec@1', written: true });
      seen.set('spec', spec);
      const diff = contract(await e.run('diff', id, '--json'), 0);
      expect(diff).toMatchObject({ schema: 'claude-exec/diff@1', from: 'git' });
      seen.set('diff', diff);
      seen.set('rollback', contract(await e.run('rollback', id, '--json', '--yes'), 0));
      // apply of a chain that is not a --split: exit 2 with the error document (test/e2e/split.test.ts applies real patches).
      seen.set('apply', contract(await e.run('apply', id, '--json'), 2));
      // prompts promote: a generated prompt no chain ran is moved only with --force, which the document says.
      await writePrompt(path.join(e.ws.root, 'prompts'), 'custom', { name: 'contract_probe' });
      const promoted = contract(
        await e.run('prompts', 'promote', 'contract_probe', '--category', 'discovery', '--force', '--json'),
        0,
      );
      expect(promoted).toMatchObject({
        name: 'contract_probe',
        category: 'discovery',
        shortfalls: ['no chain ran it'],
      });
      seen.set('prompts promote', promoted);
      // The test put that prompt into the workspace itself: trusting the workspace (trust@1) lets later runs use it.
      const trusted = contract(await e.run('trust', '--json'), 0);
      expect(trusted).toMatchObject({
        schema: 'claude-exec/trust@1',
        action: 'trusted',
        files: [{ file: 'prompts/discovery/contract_probe.md', kind: 'prompt' }],
      });
      seen.set('trust', trusted);
      expect(contract(await e.run('trust', '--list', '--json'), 0)).toMatchObject({
        schema: 'claude-exec/trust-list@1',
        workspaces: [{ workspace: e.ws.root, state: 'trusted' }],
      });
      // save-pattern on the complete chain, then the patterns commands on what it saved.
      const saved = contract(await e.run('save-pattern', id, '--json'), 0);
      seen.set('save-pattern', saved);
      seen.set('patterns list', contract(await e.run('patterns', 'list', '--json'), 0));
      seen.set('patterns show', contract(await e.run('patterns', 'show', saved.name as string, '--json'), 0));
      seen.set('patterns validate', contract(await e.run('patterns', 'validate', '--json'), 0));
      seen.set(
        'patterns remove',
        contract(await e.run('patterns', 'remove', saved.name as string, '--json'), 0),
      );
      // run --estimate prints estimate@1 and makes no call.
      const calls = e.messages().length;
      expect(
        contract(await e.run('--json', 'Add a health check endpoint to the API', '--estimate'), 0),
      ).toMatchObject({ schema: 'claude-exec/estimate@1' });
      expect(e.messages().length).toBe(calls);

      // demo (no fake server, no key) in its own temporary directory.
      const dir = await tempDir('claude-exec-demo-contract-');
      const demo = await runCli(['demo', '--cwd', dir, '--json'], dir, cliEnv({}));
      seen.set('demo', contract(demo, 0));
      // replay of a file that is not there: the error document (test/e2e/replay.test.ts replays real cassettes).
      seen.set('replay', contract(await e.run('replay', 'no-such.cassette.jsonl.gz', '--json'), 2));
      // completion and its plumbing print shell code: --json is refused with the error document.
      seen.set('completion', contract(await e.run('completion', 'bash', '--json'), 2));
      seen.set('complete', contract(await e.run('--json', 'complete', '--', 'res'), 2));

      const missing = leafCommands(buildProgram()).filter((c) => !seen.has(c));
      expect(missing, 'commands without a --json invocation in test/e2e/contract.test.ts').toEqual([]);
    },
    E2E_TIMEOUT_MS,
  );

  it(
    'every command, given a --cwd that does not exist: exit 2 and the error document, nothing created',
    async () => {
      const nowhere = path.join(e.ws.root, 'no-such-dir');
      const results = await Promise.all(
        leafCommands(buildProgram()).map(
          async (c) =>
            [c, await e.run('--json', '--cwd', nowhere, ...(MINIMAL_ARGS[c] ?? c.split(' ')))] as const,
        ),
      );
      for (const [c, r] of results) {
        const doc = contract(r, 2);
        expect(doc, c).toMatchObject({
          schema: 'claude-exec/error@1',
          error: { exit_code: 2, message: expect.stringContaining('no-such-dir') },
        });
      }
      await expect(fs.access(nowhere)).rejects.toThrow();
    },
    E2E_TIMEOUT_MS,
  );

  it(
    'a mistyped command or a one-word task: exit 2 with a suggestion, no call, no file',
    async () => {
      const before = e.messages().length;
      const files = (await contextFiles(e.ws.root)).length;
      for (const [args, message] of [
        [['chians'], 'unknown command "chians" — did you mean "chains"?'],
        [['cost-reprot'], 'did you mean "cost-report"?'],
        [['staus', '001'], 'did you mean "status"?'],
        [['refactor'], 'unknown command "refactor"'],
      ] as const) {
        const r = await e.run(...args);
        expect(r.exitCode, r.stderr).toBe(2);
        expect(r.stderr).toContain(message);
        const json = contract(await e.run('--json', ...args), 2);
        expect((json.error as { message: string }).message).toContain(message);
      }
      expect(e.messages().length).toBe(before);
      expect((await contextFiles(e.ws.root)).length).toBe(files);
    },
    E2E_TIMEOUT_MS,
  );

  it(
    'show of a 1 MB context through a slow pipe is byte-identical to the file',
    async () => {
      const ws = await tempDir('claude-exec-show-');
      const { file, ctx } = fakeChain({
        n: 7,
        startedAt: new Date('2026-01-02T03:04:05Z'),
        calls: 2600,
        table: loadPriceTable({}),
      });
      const target = path.join(ws, 'contexts', file);
      await fs.mkdir(path.dirname(target), { recursive: true });
      await fs.writeFile(target, `${JSON.stringify(ctx, null, 2)}\n`);
      const size = (await fs.stat(target)).size;
      expect(size).toBeGreaterThan(1_000_000);
      const out = path.join(ws, 'out.json');
      // The reader starts late, so the 64 KB pipe buffer is full long before the writer is done.
      const r = await execa('sh', ['-c', `node "${BIN}" show 7 | (sleep 1; cat > "${out}")`], {
        cwd: ws,
        env: cliEnv({}),
        extendEnv: false,
        reject: false,
      });
      expect(r.exitCode, r.stderr).toBe(0);
      expect((await fs.readFile(out)).equals(await fs.readFile(target))).toBe(true);
      // A reader that leaves early (head) is not an error.
      const head = await execa(
        'sh',
        ['-c', `node "${BIN}" show 7 | head -c 100 > /dev/null; echo "rc=\${PIPESTATUS:-0}"`],
        { cwd: ws, env: cliEnv({}), extendEnv: false, reject: false },
      );
      expect(head.stderr).not.toMatch(/EPIPE|Unhandled/);
    },
    E2E_TIMEOUT_MS,
  );
});
