/**
 * Record and replay, end to end: a chain recorded with --record against the fake Messages API
 * replays offline with every request as recorded; a changed prompt shows up as the first request
 * that differs (its prompt, the field, a unified diff); --update accepts the new requests.
 */
import { cp, mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { ReplayOutputSchema } from '../../src/contract/replay.js';
import { readCassette, type CassetteExchange, type CassetteHeader } from '../../src/llm/cassette.js';
import { jsonOut, setupE2e, TEST_KEY } from '../helpers/e2e.js';
import { GOAL } from '../helpers/scenario.js';
import { gitIn } from '../helpers/workspace.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const E2E_TIMEOUT_MS = 300_000;

describe('record and replay (built binary, fake Messages API)', () => {
  it(
    'records every exchange without the key; replays identically; a changed prompt is the first difference; --update accepts it',
    async () => {
      const e = await setupE2e();
      try {
        // Plan only (up to the solution gate): a short chain, with the baseline test run in it.
        const r = await e.run('--record', '--yes', '--until', 'solution-approval', '--json', GOAL);
        expect(r.exitCode, r.stderr).toBe(0);
        const id = jsonOut(r).chain_id as string;
        const name = (await readdir(path.join(e.ws.root, 'contexts'))).find((f) =>
          f.endsWith('.cassette.jsonl.gz'),
        )!;
        expect(name).toMatch(new RegExp(`^chain-${id}-.*\\.cassette\\.jsonl\\.gz$`));
        const file = path.join(e.ws.root, 'contexts', name);
        const raw = gunzipSync(await readFile(file)).toString('utf8');
        expect(raw).not.toContain(TEST_KEY);
        const [header, ...exchanges] = readCassette(file) as [CassetteHeader, ...CassetteExchange[]];
        expect(header).toMatchObject({
          kind: 'header',
          chain_id: id,
          goal: GOAL,
          commit: (await gitIn(e.ws.root, ['rev-parse', 'HEAD'])).trim(),
          prefix: '',
          flags: ['--yes', '--until', 'solution-approval', '--no-pattern'],
        });
        const posted = e.messages();
        expect(exchanges.filter((x) => x.request.path === '/v1/messages')).toHaveLength(posted.length);
        // The requests as the server received them, in the order they were sent; the responses whole.
        expect(exchanges.map((x) => x.request.body)).toEqual(
          expect.arrayContaining(posted.map((p) => p.body)),
        );
        expect(exchanges.every((x) => x.response.status === 200 && x.response.body.length > 0)).toBe(true);

        // Replay offline: the fake is no longer asked; every request is as recorded.
        const before = e.messages().length;
        const same = await e.run('--json', 'replay', file);
        expect(same.exitCode, same.stderr).toBe(0);
        const report = ReplayOutputSchema.parse(jsonOut(same));
        expect(report).toMatchObject({
          chain_id: id,
          requests: exchanges.length,
          recorded: exchanges.length,
          unused: 0,
          exit_code: 0,
          updated: false,
        });
        expect(report.differences.map((d) => d.diff)).toEqual([]);
        expect(e.messages().length).toBe(before);

        // A user-layer override of one prompt: the first request that differs is that prompt's.
        const prompts = path.join(e.ws.root, '..', `${path.basename(e.ws.root)}-user-prompts`);
        await mkdir(path.join(prompts, 'discovery'), { recursive: true });
        const original = await readFile(
          path.join(REPO, 'prompts', 'discovery', 'trace_existing_flow.md'),
          'utf8',
        );
        await writeFile(
          path.join(prompts, 'discovery', 'trace_existing_flow.md'),
          original.replace('\n# ', '\nREPLAY-CHANGE: name the middleware order too.\n\n# '),
        );
        const env = { ...e.env, CLAUDE_EXEC_USER_PROMPTS: prompts };
        const { runCli } = await import('../helpers/e2e.js');
        const changed = await runCli(['--json', 'replay', file], e.ws.root, env);
        expect(changed.exitCode, changed.stderr).toBe(1);
        const diffReport = ReplayOutputSchema.parse(JSON.parse(changed.stdout));
        expect(diffReport.differences.length).toBeGreaterThan(0);
        expect(diffReport.differences[0]).toMatchObject({
          prompt: 'trace_existing_flow',
          field: expect.stringMatching(/^messages\[0\]\.content/),
        });
        expect(diffReport.differences[0]!.diff).toContain('+');
        expect(diffReport.differences[0]!.diff).toContain('REPLAY-CHANGE');
        const text = await runCli(['replay', file], e.ws.root, env);
        expect(text.stdout).toContain('request(s) differ from the recording. The first: request');
        expect(text.stdout).toContain('(prompt trace_existing_flow)');

        // --update accepts the new requests; the next replay with the change finds none that differ.
        const updated = await runCli(['--json', 'replay', file, '--update'], e.ws.root, env);
        expect(updated.exitCode, updated.stderr).toBe(0);
        expect(JSON.parse(updated.stdout)).toMatchObject({ updated: true });
        const again = await runCli(['--json', 'replay', file], e.ws.root, env);
        expect(again.exitCode, again.stderr).toBe(0);
        expect(JSON.parse(again.stdout)).toMatchObject({ differences: [], updated: false });
        await cp(file, `${file}.kept`);
      } finally {
        await e.close();
      }
    },
    E2E_TIMEOUT_MS,
  );

  it(
    'a whole chain — implementation, test runs, reviews — replays with every request as recorded',
    async () => {
      const e = await setupE2e();
      try {
        const r = await e.run('--record', '--yes', '--json', GOAL);
        expect(r.exitCode, r.stderr).toBe(0);
        const name = (await readdir(path.join(e.ws.root, 'contexts'))).find((f) =>
          f.endsWith('.cassette.jsonl.gz'),
        )!;
        const replayed = await e.run('--json', 'replay', path.join('contexts', name));
        const report = ReplayOutputSchema.parse(jsonOut(replayed));
        // Test output differs from run to run only in durations and paths, which the comparison masks.
        expect(report.differences.map((d) => `${d.prompt} ${d.field}\n${d.diff.slice(0, 2000)}`)).toEqual([]);
        expect(report).toMatchObject({ requests: e.messages().length, unused: 0, exit_code: 0 });
        expect(replayed.exitCode).toBe(0);
      } finally {
        await e.close();
      }
    },
    E2E_TIMEOUT_MS,
  );

  it(
    'a file that is not a cassette is exit 2 with one line',
    async () => {
      const e = await setupE2e();
      try {
        await writeFile(path.join(e.ws.root, 'not.gz'), 'hello');
        const r = await e.run('replay', 'not.gz');
        expect(r.exitCode).toBe(2);
        expect(r.stderr).toMatch(/^claude-exec: cannot replay .*not\.gz: /);
      } finally {
        await e.close();
      }
    },
    E2E_TIMEOUT_MS,
  );
});
