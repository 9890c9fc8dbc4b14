/**
 * `npm run cassettes` (after `npm run build`): records the demo chain with `--record` against the
 * built-in scripted model and writes
 *
 * - test/fixtures/cassettes/demo-chain.cassette.jsonl.gz — the committed cassette that
 *   test/e2e/replay-fixture.test.ts replays against the current code (volatile parts masked:
 *   test/helpers/cassetteFixture.ts), and
 * - src/features/learning/referenceChain.data.ts — the forecast's prior: the chain's measured usage per prompt.
 *
 * The chain runs without --yes: its gates are answered with `answer` and `approve`, so the cassette
 * holds the gates' answers too. Run it when a change to the prompts, the memory, the tools or the
 * demo's script is meant to change what the model is sent, and commit both files.
 */
import { mkdtemp, readdir, realpath, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import {
  FIXTURE_ANSWERS,
  FIXTURE_CASSETTE as FIXTURE,
  fixtureCassette,
  makeDemoRepo,
  REPLAY_TMPDIR,
} from '../test/helpers/cassetteFixture.js';
import { DEMO_GOAL } from '../src/demo/files.js';
import { DEMO_MODEL } from '../src/chain/billing.js';
import { startDemoModel } from '../src/demo/run.js';
import { writeReferenceData } from './reference-data.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BIN = path.join(ROOT, 'bin', 'claude-exec');

// The workspace's path has the shape (and so the length) of a replay's worktree in /tmp, so what
// is cut to a byte budget (the tail of a test run's output) is cut the same way in the replay.
const tmp = await realpath(await mkdtemp(path.join(REPLAY_TMPDIR, 'claude-exec-replay-')));
const ws = path.join(tmp, 'wt');
const xdg = path.join(tmp, 'xdg');
const home = path.join(tmp, 'home');
const { server } = await startDemoModel(0);
try {
  const commit = await makeDemoRepo(ws);
  const env = {
    PATH: process.env.PATH ?? '',
    HOME: home,
    XDG_CONFIG_HOME: xdg,
    TMPDIR: REPLAY_TMPDIR,
    NO_COLOR: '1',
    CLAUDE_EXEC_USER_PROMPTS: '/nonexistent',
    CLAUDE_EXEC_USER_PATTERNS: '/nonexistent',
    ANTHROPIC_BASE_URL: server.url,
    ANTHROPIC_API_KEY: 'sk-ant-fixture-not-a-key',
  };
  const cli = (args: string[]) =>
    execa(process.execPath, [BIN, ...args], {
      cwd: ws,
      env,
      extendEnv: false,
      reject: false,
      stdin: 'ignore',
    });
  let r = await cli(['--json', '--record', '--model', DEMO_MODEL, '--no-pattern', DEMO_GOAL]);
  const id = (JSON.parse(String(r.stdout)) as { chain_id: string }).chain_id;
  // Each pause is a gate: answer the questions (not with the defaults), approve the rest.
  for (let i = 0; r.exitCode === 3 && i < 20; i++) {
    const pending = JSON.parse(String((await cli(['--json', 'pending', id])).stdout)) as {
      pending: { kind: string } | null;
    };
    const kind = pending.pending?.kind;
    r =
      kind === 'questions'
        ? await cli([
            '--json',
            'answer',
            id,
            ...Object.entries(FIXTURE_ANSWERS).flatMap(([q, a]) => ['--answer', `${q}=${a}`]),
          ])
        : await cli(['--json', 'approve', id]);
  }
  if (r.exitCode !== 0)
    throw new Error(`the demo chain ended with exit ${r.exitCode}: ${String(r.stderr).slice(-2000)}`);
  const contexts = path.join(ws, 'contexts');
  const names = await readdir(contexts);
  const context = path.join(
    contexts,
    names.find((n) => /^chain-\d+-.*\.json$/.test(n))!,
  );
  const cassette = path.join(
    contexts,
    names.find((n) => n.endsWith('.cassette.jsonl.gz'))!,
  );
  await writeFile(FIXTURE, fixtureCassette(cassette, ws, commit));
  await writeReferenceData(
    context,
    `the demo chain recorded by \`npm run cassettes\`: the rate-limit task on the bundled sample app, its gates answered with \`answer\` and \`approve\`, the built-in scripted model; input-side tokens measured on the real requests by the demo server (src/demo/cache.ts), output tokens those of the scripted replies`,
  );
  console.log(
    `wrote ${path.relative(ROOT, FIXTURE)} (commit ${commit.slice(0, 12)}) and src/features/learning/referenceChain.data.ts`,
  );
} finally {
  await server.close();
  await rm(tmp, { recursive: true, force: true });
}
