/**
 * End to end: what you install is what you tested. Packs the package (`npm pack`, of the built
 * dist — run `npm run build` first), installs the tarball into a temporary global prefix, and from
 * other directories runs the installed binary: `demo` to completion, `prompts list`, `workflows
 * list`, `init`, and a chain against the fake Messages API. One install is shared by the cases.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { mkdir, mkdtemp, realpath, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliEnv, jsonOut, onlyChain, setupE2e, TEST_KEY, type CliResult } from '../helpers/e2e.js';
import { GOAL } from '../helpers/scenario.js';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
/** Packing and installing 125 packages (from the npm cache when warm) takes ~20 s on a quiet machine. */
const INSTALL_TIMEOUT_MS = 300_000;
const E2E_TIMEOUT_MS = 240_000;

let tmp: string;
let prefix: string;
let installed: string;
let bin: string;

beforeAll(async () => {
  tmp = await realpath(await mkdtemp(path.join(os.tmpdir(), 'claude-exec-pkg-')));
  const pack = await execa('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', tmp], {
    cwd: REPO_ROOT,
  });
  const tarball = path.join(tmp, (JSON.parse(pack.stdout) as { filename: string }[])[0]!.filename);
  prefix = path.join(tmp, 'prefix');
  await execa(
    'npm',
    [
      'install',
      '-g',
      '--prefix',
      prefix,
      tarball,
      '--prefer-offline',
      '--no-audit',
      '--no-fund',
      '--loglevel=error',
    ],
    { cwd: tmp },
  );
  installed = path.join(prefix, 'lib', 'node_modules', 'claude-exec');
  bin = path.join(prefix, 'bin', 'claude-exec');
}, INSTALL_TIMEOUT_MS);

afterAll(async () => {
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

/** The environment of the installed binary: the prefix's bin first on PATH, so `claude-exec` is it. */
function installedEnv(vars: Record<string, string | undefined> = {}): Record<string, string> {
  const env = cliEnv(vars);
  env.PATH = `${path.join(prefix, 'bin')}${path.delimiter}${env.PATH}`;
  return env;
}

async function runInstalled(args: string[], cwd: string, env: Record<string, string>): Promise<CliResult> {
  const r = await execa(bin, args, { cwd, env, extendEnv: false, reject: false, stdin: 'ignore' });
  return { exitCode: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) };
}

async function otherDir(name: string): Promise<string> {
  const dir = path.join(tmp, 'elsewhere', name);
  await mkdir(dir, { recursive: true });
  return dir;
}

describe('the installed package (npm pack, npm install -g)', () => {
  it('ships the README screenshots, names its repository, and holds every file it reads at run time', () => {
    const pkg = JSON.parse(readFileSync(path.join(installed, 'package.json'), 'utf8')) as {
      repository?: { url?: string };
      scripts?: Record<string, string>;
    };
    expect(pkg.repository?.url).toMatch(/^git\+https:\/\/github\.com\/[\w-]+\/[\w-]+\.git$/);
    // Nothing runs at install time (npm 11 asks the user to allow any such script, prepare included):
    // the package ships built, and the build runs when it is packed.
    const atInstall = ['preinstall', 'install', 'postinstall', 'prepare'];
    expect(Object.keys(pkg.scripts ?? {}).filter((s) => atInstall.includes(s))).toEqual([]);
    expect(pkg.scripts?.prepack).toBe('npm run build');
    const images = [
      ...readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8').matchAll(/!\[[^\]]*\]\(([^)]+)\)/g),
    ].map((m) => m[1]!);
    expect(images.length).toBeGreaterThan(0);
    for (const img of images) expect(existsSync(path.join(installed, img)), img).toBe(true);
    for (const p of [
      'project_rules.md',
      'prompts',
      'workflows',
      'src/cost/prices.json',
      'src/web/static/app.css',
      'src/demo/sample-app/gitignore',
      'src/demo/sample-app/src/app.js',
      'schemas',
    ]) {
      expect(existsSync(path.join(installed, p)), p).toBe(true);
    }
  });

  it(
    'runs demo to completion from another directory, leaves only its workspace, and names the command as installed',
    async () => {
      const cwd = await otherDir('demo');
      const tmpdir = await otherDir('demo-tmp');
      const r = await runInstalled(['demo', '--yes'], cwd, installedEnv({ TMPDIR: tmpdir }));
      expect(r.exitCode, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/Chain 001: complete/);
      const made = readdirSync(tmpdir).filter((f) => f.startsWith('claude-exec-demo-'));
      expect(made).toHaveLength(1);
      const workspace = path.join(tmpdir, made[0]!);
      expect(readFileSync(path.join(workspace, 'src/app.js'), 'utf8')).toContain('createRateLimiter');
      // `claude-exec` on PATH is this install, so the closing lines name it plainly.
      expect(r.stdout).toContain(`look around:  claude-exec --cwd ${workspace} status 001`);
      expect(readdirSync(cwd)).toEqual([]);
    },
    E2E_TIMEOUT_MS,
  );

  it(
    'lists the built-in prompts and workflows, and scaffolds a workspace with init',
    async () => {
      const cwd = await otherDir('lists');
      const prompts = await runInstalled(['prompts', 'list'], cwd, installedEnv());
      expect(prompts.exitCode, prompts.stderr).toBe(0);
      expect(prompts.stdout).toMatch(/prompt_selector/);
      expect(prompts.stdout).toMatch(/test_generator/);
      const workflows = await runInstalled(['workflows', 'list'], cwd, installedEnv());
      expect(workflows.exitCode, workflows.stderr).toBe(0);
      for (const w of ['feature', 'bugfix', 'review'])
        expect(workflows.stdout).toMatch(new RegExp(`\\b${w}\\b`));

      const init = await runInstalled(['init'], cwd, installedEnv());
      expect(init.exitCode, init.stderr).toBe(0);
      expect(readFileSync(path.join(cwd, 'project_rules.md'), 'utf8')).toBe(
        readFileSync(path.join(REPO_ROOT, 'project_rules.md'), 'utf8'),
      );
      expect(existsSync(path.join(cwd, 'prompts', 'custom'))).toBe(true);
      expect(existsSync(path.join(cwd, 'contexts'))).toBe(true);
    },
    E2E_TIMEOUT_MS,
  );

  it(
    'runs a chain to completion against the fake Messages API',
    async () => {
      const e = await setupE2e();
      try {
        const r = await runInstalled(
          ['--yes', '--json', GOAL],
          e.ws.root,
          installedEnv({ ANTHROPIC_BASE_URL: e.server.url, ANTHROPIC_API_KEY: TEST_KEY }),
        );
        expect(r.exitCode, r.stderr).toBe(0);
        expect(jsonOut(r)).toMatchObject({ status: 'complete', current_phase: 'deployment-readiness' });
        const { ctx } = await onlyChain(e.ws.root);
        expect(ctx.session_memory.files_modified.length).toBeGreaterThan(0);
        expect(e.messages().length).toBe(ctx.calls.length);
      } finally {
        await e.close();
      }
    },
    E2E_TIMEOUT_MS,
  );
});
