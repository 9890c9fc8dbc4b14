/**
 * A hostile repository against the test command's sandbox, and the small doors around it: test
 * code (the repository's or the model's) plants git settings, reads the workspace `.env`, our
 * environment's secrets and Claude Code's files, forks without end, fills /tmp and allocates
 * without end; a secret that does get printed is redacted in `test_runs[].output_tail` and in the
 * requests; a goal's escape sequences never reach the terminal raw; `serve` refuses a 1 MB body.
 * Each attack is run for real (bubblewrap; in CI a missing sandbox is a failure, not a skip).
 */
import { execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runTestCommand } from '../../src/tools/runTests.js';
import {
  createSandbox,
  DEFAULT_SANDBOX_POLICY,
  sandboxUnavailable,
  type SandboxPolicy,
} from '../../src/tools/sandbox.js';
import { startWebServer } from '../../src/web/server.js';
import { request } from '../helpers/web.js';
import { makeTempWorkspace, type TempWorkspace } from '../helpers/workspace.js';
import { GOAL, RELIABILITY_TIMEOUT_MS, SCRATCH, makeWorld, requestText } from './harness.js';

const why = process.env.CI ? null : await sandboxUnavailable();
const note = why ? ` (skipped: ${why})` : '';

const ENV_FILE_SECRET = 'pk-live-ENVFILE-0a1b2c3d4e';
const ENV_TOKEN = 'svc-token-ENVVAR-5f6a7b8c9d';
const CLAUDE_SECRET = 'CLAUDE-SESSION-SECRET-7777';

let ws: TempWorkspace;
let base: string;
let home: string;
beforeAll(async () => {
  base = mkdtempSync(path.join(SCRATCH ?? '/var/tmp', 'claude-exec-hostile-sb-'));
  home = path.join(base, 'home');
  mkdirSync(path.join(home, '.claude'), { recursive: true });
  writeFileSync(path.join(home, '.claude.json'), `{"oauthAccount":"${CLAUDE_SECRET}"}`);
  writeFileSync(path.join(home, '.claude', '.credentials.json'), CLAUDE_SECRET);
  ws = await makeTempWorkspace({ parent: base });
  writeFileSync(path.join(ws.root, '.env'), `PAYMENT_API_KEY=${ENV_FILE_SECRET}\n`);
});
afterAll(async () => {
  await ws.cleanup();
  rmSync(base, { recursive: true, force: true });
});

const policy = (
  over: Partial<SandboxPolicy['limits']> = {},
  more: Partial<SandboxPolicy> = {},
): SandboxPolicy => ({
  ...DEFAULT_SANDBOX_POLICY,
  ...more,
  limits: { ...DEFAULT_SANDBOX_POLICY.limits, ...over },
});
const run = (
  root: string,
  script: string,
  p: SandboxPolicy = policy(),
  mode: 'required' | 'off' = 'required',
  timeoutMs = 60_000,
) => {
  writeFileSync(path.join(root, 'attack.py'), script);
  return runTestCommand({
    root,
    command: ['python3', 'attack.py'],
    timeoutMs,
    maxOutputBytes: 64_000,
    sandbox: createSandbox(mode, () => undefined, { home, policy: p }),
  });
};

const readSecrets = () => `
import os
def show(label, f):
    try:
        if os.path.isdir(f): print(label, 'DIR', sorted(os.listdir(f)))
        else: print(label, 'READ', repr(open(f).read()))
    except OSError as e: print(label, 'DENIED', e.errno)
show('dotenv', '.env')
show('claude.json', '${home}/.claude.json')
show('claude dir', '${home}/.claude')
print('token', os.environ.get('MY_SERVICE_TOKEN', 'absent'))
`;

describe('test code in the sandbox', () => {
  it('without the sandbox the probe reads the .env and ~/.claude* (the probe works), yet the environment is still allow-listed', async () => {
    process.env.MY_SERVICE_TOKEN = ENV_TOKEN;
    try {
      const r = await runTestCommand({
        root: ws.root,
        command: ['python3', '-c', readSecrets()],
        timeoutMs: 60_000,
        maxOutputBytes: 64_000,
        sandbox: createSandbox('off', () => undefined, { home, policy: policy() }),
      });
      expect(r.output).toContain(`claude.json READ '{"oauthAccount":"${CLAUDE_SECRET}"}'`);
      expect(r.output).toMatch(/claude dir DIR \['\.credentials\.json'\]/);
      // The .env value is a secret by its name: printed, it is redacted all the same.
      expect(r.output).toContain("dotenv READ 'PAYMENT_API_KEY=[redacted]\\n'");
      expect(r.output).toContain('token absent');
    } finally {
      delete process.env.MY_SERVICE_TOKEN;
    }
  });

  it.skipIf(why !== null)(
    `cannot read the workspace .env, an environment secret, ~/.claude.json or ~/.claude/${note}`,
    async () => {
      process.env.MY_SERVICE_TOKEN = ENV_TOKEN;
      try {
        const r = await run(ws.root, readSecrets());
        expect(r.exitCode, r.output).toBe(0);
        // A masked file is bound over by /dev/null on a nodev mount: it cannot even be opened.
        expect(r.output).toContain('dotenv DENIED 13');
        expect(r.output).toContain('claude.json DENIED 13');
        expect(r.output).toContain('claude dir DIR []');
        expect(r.output).toContain('token absent');
        for (const s of [ENV_FILE_SECRET, ENV_TOKEN, CLAUDE_SECRET]) expect(r.output).not.toContain(s);
      } finally {
        delete process.env.MY_SERVICE_TOKEN;
      }
    },
  );

  it.skipIf(why !== null)(
    `sees the workspace .env only when the user's config allows it${note}`,
    async () => {
      const r = await run(
        ws.root,
        "print('dotenv', open('.env').read().strip())",
        policy({}, { envFiles: true }),
      );
      expect(r.output).toContain('dotenv PAYMENT_API_KEY=[redacted]');
    },
  );

  it.skipIf(why !== null)(
    `cannot write .git: no planted core.fsmonitor, hook or replaced .git${note}`,
    async () => {
      const before = readFileSync(path.join(ws.root, '.git', 'config'), 'utf8');
      const r = await run(
        ws.root,
        `
import os, shutil
for label, act in [
    ('config', lambda: open('.git/config', 'a').write('[core]\\n\\tfsmonitor = ./evil.sh\\n')),
    ('hook', lambda: open('.git/hooks/pre-commit', 'w').write('#!/bin/sh\\ntouch pwned\\n')),
    ('rename', lambda: os.rename('.git', 'git-old')),
    ('remove', lambda: shutil.rmtree('.git')),
]:
    try: act(); print(label, 'WROTE')
    except OSError as e: print(label, 'REFUSED', e.errno)
`,
      );
      expect(r.output).not.toMatch(/WROTE/);
      expect(r.output.match(/REFUSED/g)).toHaveLength(4);
      expect(readFileSync(path.join(ws.root, '.git', 'config'), 'utf8')).toBe(before);
      expect(existsSync(path.join(ws.root, '.git', 'hooks', 'pre-commit'))).toBe(false);
    },
  );

  it.skipIf(why !== null)(
    `in a worktree, cannot replace its .git file nor write the gitdir it names${note}`,
    async () => {
      const wt = path.join(ws.root, '.claude-exec', 'worktrees', 'chain-009');
      mkdirSync(path.dirname(wt), { recursive: true });
      execFileSync('git', ['worktree', 'add', '-q', '-b', 'claude-exec/t', wt, 'HEAD'], { cwd: ws.root });
      const dotgit = readFileSync(path.join(wt, '.git'), 'utf8');
      const gitdir = path.join(ws.root, '.git', 'worktrees', 'chain-009');
      const r = await run(
        wt,
        `
for label, f, text in [('file', '.git', 'gitdir: /var/tmp/evil\\n'), ('gitdir', '${gitdir}/config.worktree', '[core]\\n\\tfsmonitor = ./evil.sh\\n')]:
    try: open(f, 'w').write(text); print(label, 'WROTE')
    except OSError as e: print(label, 'REFUSED', e.errno)
`,
      );
      expect(r.output).toMatch(/file REFUSED/);
      expect(r.output).toMatch(/gitdir REFUSED/);
      expect(readFileSync(path.join(wt, '.git'), 'utf8')).toBe(dotgit);
      expect(existsSync(path.join(gitdir, 'config.worktree'))).toBe(false);
    },
  );

  it.skipIf(why !== null)(
    `a fork bomb is bounded by sandbox_limits.processes, and the run ends${note}`,
    async () => {
      const r = await run(
        ws.root,
        `
import os, signal
pids, err = [], None
for i in range(400):
    try: pid = os.fork()
    except OSError as e: err = e.errno; break
    if pid == 0:
        signal.pause(); os._exit(0)
    pids.append(pid)
print('FORKED', len(pids), 'ERRNO', err)
for p in pids: os.kill(p, signal.SIGKILL)
`,
        policy({ processes: 24 }),
      );
      const m = /FORKED (\d+) ERRNO (\d+)/.exec(r.output);
      expect(m, r.output).not.toBeNull();
      expect(Number(m![1])).toBeLessThan(24);
      expect(Number(m![2])).toBe(11); // EAGAIN
      // A real bomb: it ends (its own `sleep` cannot fork, or the timeout kills it) and nothing of it outlives the run.
      const bomb = await runTestCommand({
        root: ws.root,
        command: ['sh', '-c', 'b() { b | b & }; b; sleep 30'],
        timeoutMs: 3000,
        maxOutputBytes: 4000,
        sandbox: createSandbox('required', () => undefined, { home, policy: policy({ processes: 24 }) }),
      });
      expect(bomb.passed).toBe(false);
      const left = execFileSync('ps', ['-eo', 'args'])
        .toString()
        .split('\n')
        .filter((l) => l.includes('b() { b | b & }'));
      expect(left).toEqual([]);
    },
  );

  it.skipIf(why !== null)(
    `filling /tmp beyond sandbox_limits.tmp_mb fails with ENOSPC; memory is bounded by memory_mb${note}`,
    async () => {
      const r = await run(
        ws.root,
        `
import errno
try:
    with open('/tmp/fill', 'wb') as f:
        for i in range(32): f.write(b'x' * (1 << 20))
    print('TMP FILLED')
except OSError as e: print('TMP', errno.errorcode[e.errno])
try:
    x = bytearray(256 << 20); print('ALLOCATED')
except MemoryError: print('MEMORY REFUSED')
`,
        policy({ tmp_mb: 8, memory_mb: 128 }),
      );
      expect(r.output).toContain('TMP ENOSPC');
      expect(r.output).toContain('MEMORY REFUSED');
    },
  );
});

describe('a secret the test command prints', () => {
  it(
    'is redacted in test_runs[].output_tail and in every request to the model',
    async () => {
      const w = await makeWorld({ env: { MY_SERVICE_TOKEN: ENV_TOKEN } });
      try {
        writeFileSync(
          path.join(w.ws.root, '.env'),
          `PAYMENT_API_KEY=${ENV_FILE_SECRET}\nWEBHOOK_ID=whk9f8e7d6c5b4a3f2e1\n`,
        );
        writeFileSync(
          path.join(w.ws.root, 'leak.cjs'),
          // After the suite, so that the leak is in the tail that is kept.
          `const status = require('child_process').spawnSync(process.execPath, ['--test'], { stdio: 'inherit' }).status;
console.log('LEAK env ' + process.env.MY_SERVICE_TOKEN);
console.log('LEAK file ' + require('fs').readFileSync('.env', 'utf8'));
process.exit(status);
`,
        );
        // The user allowed both on purpose: redaction is the layer under the allow-lists.
        w.config({
          test_command: ['node', 'leak.cjs'],
          sandbox: why === null ? 'required' : 'auto',
          sandbox_env: ['MY_SERVICE_TOKEN'],
          sandbox_env_files: true,
        });
        const r = await w.run('--yes', '--json', GOAL);
        expect(r.exitCode, r.stderr).toBe(0);
        const { ctx } = w.chain();
        expect(ctx.test_runs.length).toBeGreaterThan(0);
        for (const t of ctx.test_runs) {
          expect(t.output_tail).toContain('LEAK env [redacted]');
          expect(t.output_tail).toContain('PAYMENT_API_KEY=[redacted]');
          expect(t.output_tail).toContain('WEBHOOK_ID=[redacted]');
        }
        const text = requestText(w.messages());
        expect(text).toContain('LEAK env [redacted]');
        for (const s of [ENV_TOKEN, ENV_FILE_SECRET, 'whk9f8e7d6c5b4a3f2e1']) {
          expect(text).not.toContain(s);
          expect(readFileSync(w.chain().file, 'utf8')).not.toContain(s);
        }
      } finally {
        await w.close();
      }
    },
    RELIABILITY_TIMEOUT_MS,
  );
});

describe('escape sequences in a goal', () => {
  it(
    'are not printed raw by status, chains or spec',
    async () => {
      const w = await makeWorld();
      try {
        const evil = `${GOAL} \x1b]52;c;cm0gLXJmIH4=\x07\x1b]0;pwned\x07\x1b[2J\x9b1A\u202eend`;
        const first = await w.run('--until', 'requirements-clarification', '--yes', evil);
        expect(first.exitCode, first.stderr).toBe(0);
        // eslint-disable-next-line no-control-regex
        expect(first.stderr).not.toMatch(/[\x1b\x07\x9b\u202e]/);
        const id = w.chain().ctx.chain_id;
        expect(w.chain().ctx.goal).toBe(evil);
        for (const args of [['status', id], ['chains'], ['spec', id], ['status']]) {
          const r = await w.run(...args);
          expect(r.exitCode, `${args.join(' ')}: ${r.stderr}`).toBe(0);
          expect(r.stdout + r.stderr, args.join(' ')).not.toMatch(
            // eslint-disable-next-line no-control-regex
            /[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e]/,
          );
          expect(r.stdout, args.join(' ')).toContain('Add JWT');
        }
      } finally {
        await w.close();
      }
    },
    RELIABILITY_TIMEOUT_MS,
  );
});

describe('serve', () => {
  it('refuses a 1 MB body with 413 and one line, with or without a content-length', async () => {
    const dir = mkdtempSync(path.join(SCRATCH ?? '/var/tmp', 'claude-exec-serve-'));
    const token = 'hostile-sandbox-token-0123456789abcdef';
    const server = await startWebServer({
      dirs: [dir],
      port: 0,
      readOnly: false,
      flags: [],
      log: () => undefined,
      token,
    });
    try {
      const body = JSON.stringify({ answers: { q1: 'x'.repeat(1024 * 1024) } });
      const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
      // With a Content-Length (refused unread) and chunked, without one (refused once 256 KB came).
      const stream = () => new Blob([body]).stream();
      for (const payload of [Buffer.from(body), stream()]) {
        const res = await fetch(`${server.origin}/api/chains/001/answer`, {
          method: 'POST',
          headers,
          body: payload,
          duplex: 'half',
        } as RequestInit);
        const r = { status: res.status, body: await res.text() };
        expect(r.status).toBe(413);
        expect(r.body.trim().split('\n')).toHaveLength(1);
        expect(JSON.parse(r.body).error.message).toMatch(/larger than 256 KB/);
      }
      // A small body still reaches the gate (404: there is no chain 001).
      const small = await request(server.port, {
        path: '/api/chains/001/answer',
        method: 'POST',
        headers,
        body: '{"answers":{"q1":"x"}}',
      });
      expect(small.status).toBe(404);
      expect(readdirSync(dir)).toEqual([]);
    } finally {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
