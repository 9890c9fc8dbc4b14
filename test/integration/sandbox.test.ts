/**
 * The test command's OS sandbox, for real (bubblewrap): a probe run as the test command tries to
 * read planted home secrets and a `.env` above the workspace, write outside the workspace, and
 * reach a server on the host's loopback. The same probe without the sandbox proves it would
 * have seen them. Skipped (with the reason) where bwrap cannot run, except in CI, which installs
 * it (.ci/run).
 */
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type Server } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { runTestCommand } from '../../src/tools/runTests.js';
import {
  bwrapArgv,
  createSandbox,
  DEFAULT_SANDBOX_POLICY,
  gitPaths,
  sandboxCacheDir,
  sandboxLayout,
  sandboxUnavailable,
} from '../../src/tools/sandbox.js';

// Not under /tmp: the sandbox puts a private tmpfs there, which would hide these files for the wrong reason.
const base = mkdtempSync(
  path.join(existsSync('/var/tmp') ? '/var/tmp' : process.cwd(), 'claude-exec-sandbox-'),
);
const home = path.join(base, 'home');
const ws = path.join(base, 'ws');
const SECRETS: Record<string, string> = {
  '.ssh/id_rsa': 'SSH-PRIVATE-KEY-123',
  '.aws/credentials': 'AWS-SECRET-456',
  '.config/gcloud/credentials.db': 'GCLOUD-TOKEN-789',
  '.netrc': 'NETRC-PASSWORD-000',
  '.env': 'HOME-DOTENV-SECRET',
};
const PARENT_ENV = 'PARENT-DOTENV-SECRET';
/** The probe's port reaches it through the environment allow-list. */
const policy = { ...DEFAULT_SANDBOX_POLICY, env: ['PROBE_PORT'] };

const PROBE = `
const fs = require('node:fs'); const net = require('node:net');
const [home, base] = process.argv.slice(2);
for (const f of ${JSON.stringify(Object.keys(SECRETS))}) {
  try { console.log('READ ' + f + ': ' + fs.readFileSync(home + '/' + f, 'utf8')); } catch (e) { console.log('DENIED ' + f + ': ' + e.code); }
}
try { console.log('READ parent .env: ' + fs.readFileSync(base + '/.env', 'utf8')); } catch (e) { console.log('DENIED parent .env: ' + e.code); }
for (const f of [base + '/written-outside', home + '/.bashrc-added']) {
  try { fs.writeFileSync(f, 'x'); console.log('WROTE ' + f); } catch (e) { console.log('NOWRITE ' + f + ': ' + e.code); }
}
fs.writeFileSync('inside.txt', 'ok'); fs.writeFileSync((process.env.TMPDIR || '/tmp') + '/t.txt', 'ok'); console.log('WROTE workspace and tmp');
const s = net.connect(Number(process.env.PROBE_PORT), '127.0.0.1');
s.on('connect', () => { console.log('NET connected'); s.end(); });
s.on('error', (e) => console.log('NET refused: ' + e.code));
`;

let server: Server;
let connections = 0;
beforeAll(async () => {
  for (const [rel, text] of Object.entries(SECRETS)) {
    mkdirSync(path.dirname(path.join(home, rel)), { recursive: true });
    writeFileSync(path.join(home, rel), text);
  }
  writeFileSync(path.join(base, '.env'), PARENT_ENV);
  mkdirSync(ws);
  writeFileSync(path.join(ws, 'probe.cjs'), PROBE);
  server = createServer((sock) => {
    connections++;
    sock.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  process.env.PROBE_PORT = String((server.address() as { port: number }).port);
});
afterAll(() => {
  server.close();
  rmSync(base, { recursive: true, force: true });
});

const run = (sandbox: ReturnType<typeof createSandbox> | undefined) =>
  runTestCommand({
    root: ws,
    command: ['node', 'probe.cjs', home, base],
    timeoutMs: 60_000,
    maxOutputBytes: 64_000,
    ...(sandbox ? { sandbox } : {}),
  });

describe('sandbox layout (pure parts)', () => {
  it('masks the planted home secrets and the .env above the workspace, never the workspace itself', () => {
    const layout = sandboxLayout(ws, home);
    const masked = layout.masks.map((m) => path.relative(base, m.path)).sort();
    expect(masked).toEqual([
      '.env',
      'home/.aws',
      'home/.config/gcloud',
      'home/.env',
      'home/.netrc',
      'home/.ssh',
    ]);
    const argv = bwrapArgv(layout, ['npm', 'test']);
    expect(argv.slice(0, 2)).toEqual(['bwrap', '--die-with-parent']);
    expect(argv).toContain('--unshare-net');
    expect(argv.indexOf('--tmpfs')).toBeLessThan(argv.indexOf('--bind'));
    expect(argv.slice(-3)).toEqual(['--', 'npm', 'test']);
  });
});

describe('sandbox layout: git metadata, workspace .env files, limits', () => {
  it('binds .git read-only after the workspace, masks workspace .env* unless allowed, and puts the limits before the command', () => {
    const root = path.join(base, 'layout-ws');
    try {
      mkdirSync(path.join(root, '.git'), { recursive: true });
      mkdirSync(path.join(root, 'api', 'node_modules'), { recursive: true });
      writeFileSync(path.join(root, '.env.local'), 'X=1');
      writeFileSync(path.join(root, 'api', '.env'), 'Y=2');
      writeFileSync(path.join(root, 'api', 'node_modules', '.env'), 'Z=3');
      writeFileSync(path.join(root, '.env.example'), 'X=');
      const layout = sandboxLayout(root, home);
      expect(layout.readOnly).toEqual([realpathSync(path.join(root, '.git'))]);
      expect(
        layout.masks
          .filter((m) => m.path.startsWith(root))
          .map((m) => path.relative(root, m.path))
          .sort(),
      ).toEqual(['.env.local', 'api/.env']);
      expect(sandboxLayout(root, home, { envFiles: true }).masks.some((m) => m.path.startsWith(root))).toBe(
        false,
      );
      const argv = bwrapArgv(
        {
          ...layout,
          tmpBytes: 8 << 20,
          rlimits: { prlimit: '/usr/bin/prlimit', processes: 64, dataBytes: 1 << 30 },
        },
        ['npm', 'test'],
      );
      expect(argv.slice(argv.indexOf('--size'), argv.indexOf('--size') + 4)).toEqual([
        '--size',
        String(8 << 20),
        '--tmpfs',
        '/tmp',
      ]);
      expect(argv.indexOf(realpathSync(path.join(root, '.git')))).toBeGreaterThan(argv.indexOf('--bind'));
      expect(argv.slice(-7)).toEqual([
        '--',
        '/usr/bin/prlimit',
        '--nproc=64',
        `--data=${1 << 30}`,
        '--',
        'npm',
        'test',
      ]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('a worktree: its .git file, the gitdir it names and the common dir', () => {
    const root = path.join(base, 'wt-ws');
    const gitdir = path.join(base, 'main-repo', '.git', 'worktrees', 'wt');
    try {
      mkdirSync(root, { recursive: true });
      mkdirSync(gitdir, { recursive: true });
      writeFileSync(path.join(gitdir, 'commondir'), '../..\n');
      writeFileSync(path.join(root, '.git'), `gitdir: ${gitdir}\n`);
      expect(gitPaths(root)).toEqual([
        path.join(root, '.git'),
        realpathSync(gitdir),
        realpathSync(path.join(base, 'main-repo', '.git')),
      ]);
    } finally {
      rmSync(root, { recursive: true, force: true });
      rmSync(path.join(base, 'main-repo'), { recursive: true, force: true });
    }
  });
});

describe('a workspace symlink into /tmp (a shared node_modules)', () => {
  it('is bound read-only after the private /tmp; links elsewhere and inside the workspace need no bind', () => {
    const shared = mkdtempSync(path.join('/tmp', 'claude-exec-shared-'));
    const linked = path.join(base, 'linked-ws');
    try {
      mkdirSync(path.join(linked, 'lib'), { recursive: true });
      symlinkSync(shared, path.join(linked, 'node_modules'), 'dir');
      symlinkSync(base, path.join(linked, 'up'), 'dir');
      symlinkSync(path.join(linked, 'lib'), path.join(linked, 'lib-link'), 'dir');
      symlinkSync(path.join(base, 'missing'), path.join(linked, 'dangling'));
      const layout = sandboxLayout(linked, home);
      const real = realpathSync(shared);
      expect(layout.links).toEqual([real]);
      const argv = bwrapArgv(layout, ['npm', 'test']);
      const at = argv.indexOf(real);
      expect(argv.slice(at - 1, at + 2)).toEqual(['--ro-bind', real, real]);
      expect(argv.indexOf('/tmp')).toBeLessThan(at);
    } finally {
      rmSync(shared, { recursive: true, force: true });
      rmSync(linked, { recursive: true, force: true });
    }
  });
});

describe('the test command in the sandbox', async () => {
  // In CI (.ci/run installs bubblewrap) a missing sandbox is a failure, not a skip.
  const why = process.env.CI ? null : await sandboxUnavailable();
  const note = why ? ` (skipped: ${why})` : '';

  it('without the sandbox the probe sees every planted secret (the probe works)', async () => {
    const r = await run(createSandbox('off', () => undefined, { policy }));
    for (const text of [...Object.values(SECRETS), PARENT_ENV]) expect(r.output).toContain(text);
    rmSync(path.join(base, 'written-outside'), { force: true });
    rmSync(path.join(home, '.bashrc-added'), { force: true });
  });

  it.skipIf(why !== null)(
    `inside it: no secret read, no write outside the workspace and /tmp, no network${note}`,
    async () => {
      const before = connections;
      const r = await run(createSandbox('required', () => undefined, { home, policy }));
      expect(r.exitCode, r.output).toBe(0);
      for (const text of [...Object.values(SECRETS), PARENT_ENV]) expect(r.output).not.toContain(text);
      expect(r.output).toMatch(/NOWRITE .*written-outside: EROFS/);
      expect(r.output).toMatch(/NOWRITE .*\.bashrc-added: EROFS/);
      expect(existsSync(path.join(base, 'written-outside'))).toBe(false);
      expect(r.output).toContain('WROTE workspace and tmp');
      expect(existsSync(path.join(ws, 'inside.txt'))).toBe(true);
      expect(r.output).toMatch(/NET refused: ECONNREFUSED/);
      expect(connections).toBe(before);
    },
  );

  it.skipIf(why !== null)(`inside it: a node_modules linked from /tmp is still readable${note}`, async () => {
    const shared = mkdtempSync(path.join('/tmp', 'claude-exec-shared-'));
    const linked = path.join(base, 'linked-run');
    try {
      writeFileSync(path.join(shared, 'dep.cjs'), "module.exports = 'DEP-FROM-TMP';");
      mkdirSync(linked);
      symlinkSync(shared, path.join(linked, 'node_modules'), 'dir');
      writeFileSync(path.join(linked, 't.cjs'), "console.log(require('./node_modules/dep.cjs'))");
      const r = await runTestCommand({
        root: linked,
        command: ['node', 't.cjs'],
        timeoutMs: 60_000,
        maxOutputBytes: 64_000,
        sandbox: createSandbox('required', () => undefined, { home, policy }),
      });
      expect(r.exitCode, r.output).toBe(0);
      expect(r.output).toContain('DEP-FROM-TMP');
    } finally {
      rmSync(shared, { recursive: true, force: true });
      rmSync(linked, { recursive: true, force: true });
    }
  });

  it.skipIf(why !== null)(
    `inside it: go test's cache (GOCACHE) persists between runs of one workspace, and no other workspace sees it${note}`,
    async () => {
      const other = path.join(base, 'other-ws');
      mkdirSync(other, { recursive: true });
      const probe = (root: string, script: string) =>
        runTestCommand({
          root,
          command: ['sh', '-c', script],
          timeoutMs: 60_000,
          maxOutputBytes: 64_000,
          sandbox: createSandbox('required', () => undefined, { home, policy }),
        });
      try {
        const first = await probe(ws, 'echo "$GOCACHE" && echo built > "$GOCACHE/entry"');
        expect(first.exitCode, first.output).toBe(0);
        expect(first.output).toContain('/tmp/go-build');
        // On the host: in this workspace's own directory of the user's cache, not in the workspace.
        const dir = sandboxCacheDir(realpathSync(ws), home)!;
        const cacheHome = process.env.XDG_CACHE_HOME || path.join(home, '.cache');
        expect(dir.startsWith(path.join(cacheHome, 'claude-exec', 'sandbox') + path.sep)).toBe(true);
        expect(existsSync(path.join(dir, 'entry'))).toBe(true);
        expect(existsSync(path.join(ws, 'entry'))).toBe(false);
        const again = await probe(ws, 'cat "$GOCACHE/entry"');
        expect(again.output).toContain('built');
        const elsewhere = await probe(other, 'cat "$GOCACHE/entry" || echo MISSING');
        expect(elsewhere.output).toContain('MISSING');
        expect(sandboxCacheDir(realpathSync(other), home)).not.toBe(dir);
      } finally {
        rmSync(other, { recursive: true, force: true });
      }
    },
  );

  it('required without a sandbox refuses to run (exit 2); auto runs and warns once', async () => {
    const none = async () => 'bubblewrap (bwrap) is not installed';
    await expect(
      run(createSandbox('required', () => undefined, { unavailable: none })),
    ).rejects.toBeInstanceOf(ConfigError);
    const warnings: string[] = [];
    const auto = createSandbox('auto', (t) => warnings.push(t), { unavailable: none });
    await run(auto);
    await run(auto);
    expect(warnings).toEqual([
      expect.stringMatching(
        /^bubblewrap \(bwrap\) is not installed: the test command runs without a sandbox/,
      ),
    ]);
    rmSync(path.join(base, 'written-outside'), { force: true });
    rmSync(path.join(home, '.bashrc-added'), { force: true });
  });
});
