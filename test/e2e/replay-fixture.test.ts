/**
 * The committed demo cassette (test/fixtures/cassettes/demo-chain.cassette.jsonl.gz, written by
 * `npm run cassettes`) replayed against the current code with the built binary: a change to what
 * the model is sent — a prompt, the memory, the tools, the request layout — fails here with the
 * first request that differs (its prompt, the field, a unified diff). When the change is meant,
 * run `npm run cassettes` and commit the new cassette. The gates answer as recorded (the chain was
 * answered with `answer` and `approve`, not --yes), so the whole chain replays.
 */
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { promptOf } from '../../src/features/replay/replay.js';
import type { z } from 'zod';
import { ReplayOutputSchema } from '../../src/contract/replay.js';
import { readCassette, readGates } from '../../src/llm/cassette.js';
import {
  FIXTURE_ANSWERS,
  FIXTURE_CASSETTE,
  makeDemoRepo,
  REPLAY_TMPDIR,
} from '../helpers/cassetteFixture.js';
import { cliEnv, runCli } from '../helpers/e2e.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const E2E_TIMEOUT_MS = 600_000;
const REFRESH = 'If the change is meant, run `npm run cassettes` and commit test/fixtures/cassettes/.';

let tmp: string;
let repo: string;
let cassette: string;

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'claude-exec-replay-fixture-'));
  repo = path.join(tmp, 'ws');
  const commit = await makeDemoRepo(repo);
  const [header] = readCassette(FIXTURE_CASSETTE);
  // The sample app is committed the same way everywhere; another commit means it changed since the recording.
  expect(commit, `the demo's sample app changed since the cassette was recorded. ${REFRESH}`).toBe(
    header.commit,
  );
  // A copy: nothing a replay does may touch the committed file.
  cassette = path.join(tmp, 'demo-chain.cassette.jsonl.gz');
  await copyFile(FIXTURE_CASSETTE, cassette);
});

afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

const firstLines = (r: z.infer<typeof ReplayOutputSchema>) =>
  r.differences
    .slice(0, 1)
    .map((d) => `request ${d.seq} (prompt ${d.prompt}) differs at ${d.field}:\n${d.diff.slice(0, 4000)}`);

describe('the committed demo cassette replays against the current code', () => {
  it(
    'every request is as recorded, with the gates answered as recorded',
    async () => {
      const gates = readGates(cassette);
      expect(gates.map((g) => g.gate)).toEqual([
        'questions',
        'solution',
        'file-change',
        'file-change',
        'file-change',
      ]);
      expect(gates[0]).toMatchObject({ answers: FIXTURE_ANSWERS, by: 'recorded' });
      const r = await runCli(['--json', 'replay', cassette], repo, cliEnv({ TMPDIR: REPLAY_TMPDIR }));
      const report = ReplayOutputSchema.parse(JSON.parse(r.stdout));
      expect(firstLines(report), REFRESH).toEqual([]);
      expect(report).toMatchObject({ requests: report.recorded, unused: 0, exit_code: 0, updated: false });
      expect(r.exitCode, r.stderr).toBe(0);
      // The recorded answers reached the model (they are not the proposed defaults).
      const [, ...exchanges] = readCassette(cassette);
      expect(JSON.stringify(exchanges.at(-1)!.request.body)).toContain(FIXTURE_ANSWERS.q1);
    },
    E2E_TIMEOUT_MS,
  );

  it(
    'a changed prompt is reported at exactly its first request, with a diff naming the change',
    async () => {
      // A temporary copy of one prompt of the library, in the user layer, with one line added.
      const prompts = path.join(tmp, 'user-prompts');
      await mkdir(path.join(prompts, 'design'), { recursive: true });
      const original = await readFile(
        path.join(REPO, 'prompts', 'design', 'solution_synthesizer.md'),
        'utf8',
      );
      await writeFile(
        path.join(prompts, 'design', 'solution_synthesizer.md'),
        original.replace('\n# ', '\nFIXTURE-CHANGE: weigh the operational cost of each option.\n\n# '),
      );
      const r = await runCli(
        ['--json', 'replay', cassette],
        repo,
        cliEnv({ CLAUDE_EXEC_USER_PROMPTS: prompts, TMPDIR: REPLAY_TMPDIR }),
      );
      expect(r.exitCode, r.stderr).toBe(1);
      const report = ReplayOutputSchema.parse(JSON.parse(r.stdout));
      const [, ...exchanges] = readCassette(cassette);
      const first = exchanges.find((x) => promptOf(x.request.body) === 'solution_synthesizer')!;
      expect(report.differences[0]).toMatchObject({
        seq: first.seq,
        prompt: 'solution_synthesizer',
        field: expect.stringMatching(/^messages\[0\]\.content/),
      });
      const added = report.differences[0]!.diff.split('\n').filter(
        (l) => l.startsWith('+') && !l.startsWith('+++'),
      );
      expect(added.join('\n')).toContain('FIXTURE-CHANGE: weigh the operational cost of each option.');
      // Every request before it was as recorded.
      expect(report.differences.every((d) => d.seq >= first.seq)).toBe(true);
    },
    E2E_TIMEOUT_MS,
  );
});
