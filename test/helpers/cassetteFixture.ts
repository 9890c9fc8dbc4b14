/**
 * The committed demo cassette (test/fixtures/cassettes/, written by `npm run cassettes`): the
 * workspace it was recorded in, rebuilt byte for byte (so its commit is the cassette's), and the
 * masking that makes the file the same on every machine and every run.
 */
import { cp, mkdir, rename } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync, gzipSync } from 'node:zlib';
import { execa } from 'execa';
import { maskVolatile } from '../../src/features/replay/replay.js';
import { sampleAppDir } from '../../src/demo/workspace.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const FIXTURE_CASSETTE = path.join(
  ROOT,
  'test',
  'fixtures',
  'cassettes',
  'demo-chain.cassette.jsonl.gz',
);
/**
 * Where the fixture is recorded and replayed (TMPDIR): a replay's worktree is
 * TMPDIR/claude-exec-replay-XXXXXX/wt, and the recording's workspace has the same shape, so output
 * cut to a byte budget (a test run's tail) holds the same lines in both.
 */
export const REPLAY_TMPDIR = '/tmp';
/** The recorded workspace's path as the cassette names it. */
const FIXTURE_WORKSPACE = '/fixture/demo-workspace';
/** The answers the recording gave at the questions gate (not the proposed defaults). */
export const FIXTURE_ANSWERS = {
  q1: '10 per minute, counted per client IP address',
  q2: '429 with a Retry-After header; GET routes stay open',
};

/**
 * Makes `dir` the demo's sample app committed to git with a fixed author, committer and date, so
 * the commit is the same wherever it is made (the config file, which would need trust in the
 * replay's worktree, left out: the test command comes from package.json). Returns the commit.
 */
export async function makeDemoRepo(dir: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  await cp(sampleAppDir(), dir, {
    recursive: true,
    filter: (src) => path.basename(src) !== 'claude-exec.config.json',
  });
  await rename(path.join(dir, 'gitignore'), path.join(dir, '.gitignore'));
  const env = {
    PATH: process.env.PATH ?? '',
    HOME: dir,
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_AUTHOR_NAME: 'claude-exec fixture',
    GIT_AUTHOR_EMAIL: 'fixture@localhost',
    GIT_COMMITTER_NAME: 'claude-exec fixture',
    GIT_COMMITTER_EMAIL: 'fixture@localhost',
    GIT_AUTHOR_DATE: '2026-01-01T00:00:00Z',
    GIT_COMMITTER_DATE: '2026-01-01T00:00:00Z',
  };
  const git = (args: string[]) => execa('git', args, { cwd: dir, env, extendEnv: false });
  await git(['init', '-q', '-b', 'main']);
  await git(['add', '-A']);
  await git([
    '-c',
    'commit.gpgsign=false',
    'commit',
    '-q',
    '-m',
    'notes-api: the sample app of claude-exec demo',
  ]);
  return (await git(['rev-parse', 'HEAD'])).stdout.trim();
}

/**
 * The cassette `file` recorded in workspace `ws`, with what differs from run to run and machine to
 * machine made fixed: the workspace's path (FIXTURE_WORKSPACE), the times, durations and paths the
 * replay masks anyway (maskVolatile), the header's date, and the ids the server made up (message,
 * tool use and request ids, numbered in order of appearance). Returns the gzip bytes. What a
 * recording still varies in: the usage the demo server counted on a request whose test output had
 * longer or shorter durations (a token or so); the replay serves the responses as recorded, so
 * that does not reach the comparison.
 */
export function fixtureCassette(file: string, ws: string, commit: string): Buffer {
  let text = maskVolatile(gunzipSync(readFileSync(file)).toString('utf8'), [ws])
    .split('<workspace>')
    .join(FIXTURE_WORKSPACE);
  const ids = new Map<string, string>();
  text = text.replace(
    /\b(msg|toolu|req|srvtoolu)_[A-Za-z0-9]{8,}\b/g,
    (id, kind: string) =>
      ids.get(id) ?? ids.set(id, `${kind}_fixture${String(ids.size + 1).padStart(4, '0')}`).get(id)!,
  );
  const lines = text
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const r = JSON.parse(l) as Record<string, unknown>;
      if (r.kind === 'header') Object.assign(r, { created_at: '2026-01-01T00:00:00.000Z', commit });
      return `${JSON.stringify(r)}\n`;
    });
  // One gzip member for the whole file (a cassette may hold one or many): the requests repeat
  // their long prefix, which one member compresses away.
  return gzipSync(lines.join(''), { level: 9 });
}
