/**
 * The hook runner (src/hooks/run.ts) against real processes: the JSON document on stdin, the
 * environment without the model's credentials, the timeout that stops a hook and what it started,
 * exit 2 blocking a file change with the hook's stderr as the reason, and failures reported
 * without stopping the hooks after them.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HookSchema } from '../../src/config/schema.js';
import {
  HookDocumentSchema,
  HOOK_REPORTS_KEPT,
  withReport,
  type HookDocument,
} from '../../src/hooks/events.js';
import type { HookReport } from '../../src/hooks/state.js';
import { hookEnv, reportLine, runHook, runHooks } from '../../src/hooks/run.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'claude-exec-hooks-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const hook = (command: string[], timeout_ms?: number) =>
  HookSchema.parse({ command, ...(timeout_ms ? { timeout_ms } : {}) });
const sh = (script: string, timeout_ms?: number) => hook(['sh', '-c', script], timeout_ms);
const doc = (over: Partial<HookDocument> = {}): HookDocument => ({
  event: 'after_file_change',
  chain_id: 'chain-007',
  workspace: dir,
  at: '2026-12-07T12:00:00.000Z',
  phase: 'implementation',
  cost_usd: 0.0123,
  files: ['src/token.js'],
  ...over,
});
const ENV = {
  PATH: process.env.PATH ?? '/usr/bin:/bin',
  HOME: '/home/someone',
  ANTHROPIC_API_KEY: 'sk-ant-hook-secret-0123456789',
  ANTHROPIC_BASE_URL: 'http://127.0.0.1:9',
  CLAUDE_EXEC_BACKEND: 'api',
  EDITOR: 'vi',
};

describe('runHook', () => {
  it('gives the hook one JSON document on stdin, runs it in cwd, and keeps the end of its stderr', async () => {
    const r = await runHook(sh('cat > stdin.json; echo "formatted 1 file" >&2'), doc(), {
      cwd: dir,
      env: hookEnv(ENV, doc()),
    });
    expect(r).toEqual({ exitCode: 0, timedOut: false, stderr: 'formatted 1 file' });
    const text = readFileSync(path.join(dir, 'stdin.json'), 'utf8');
    expect(text.endsWith('\n')).toBe(true);
    expect(text.trim().split('\n')).toHaveLength(1);
    const parsed = HookDocumentSchema.parse(JSON.parse(text));
    expect(parsed).toEqual(doc());
  });

  it('runs argv without a shell: metacharacters reach the program as they are', async () => {
    await runHook(
      hook([
        'node',
        '-e',
        'require("fs").writeFileSync("argv.json", JSON.stringify(process.argv.slice(1)))',
        '$(touch owned)',
        '; touch owned2',
      ]),
      doc(),
      { cwd: dir, env: hookEnv(ENV, doc()) },
    );
    expect(JSON.parse(readFileSync(path.join(dir, 'argv.json'), 'utf8'))).toEqual([
      '$(touch owned)',
      '; touch owned2',
    ]);
    expect(existsSync(path.join(dir, 'owned'))).toBe(false);
    expect(existsSync(path.join(dir, 'owned2'))).toBe(false);
  });

  it('stops a hook at its timeout, with what it started (a child holding its stderr)', async () => {
    const r = await runHook(sh('sleep 60 & sleep 61; echo done > late.txt', 200), doc(), {
      cwd: dir,
      env: hookEnv(ENV, doc()),
    });
    expect(r.timedOut).toBe(true);
    expect(r.exitCode).toBeNull();
    expect(existsSync(path.join(dir, 'late.txt'))).toBe(false);
  }, 30_000);

  it('reports a command that cannot start', async () => {
    const r = await runHook(hook(['claude-exec-no-such-hook-program']), doc(), {
      cwd: dir,
      env: hookEnv(ENV, doc()),
    });
    expect(r.exitCode).toBeNull();
    expect(r.error).toContain('ENOENT');
  });
});

describe('hookEnv', () => {
  it('passes the user environment without ANTHROPIC_* and CLAUDE_*, and names the event, chain and workspace', () => {
    const env = hookEnv(ENV, doc({ event: 'chain_end' }));
    expect(env).toEqual({
      PATH: ENV.PATH,
      HOME: '/home/someone',
      EDITOR: 'vi',
      CLAUDE_EXEC_HOOK_EVENT: 'chain_end',
      CLAUDE_EXEC_CHAIN_ID: 'chain-007',
      CLAUDE_EXEC_WORKSPACE: dir,
    });
  });

  it('is what a hook sees: no API key', async () => {
    await runHook(sh('env > env.txt'), doc(), { cwd: dir, env: hookEnv(ENV, doc()) });
    const seen = readFileSync(path.join(dir, 'env.txt'), 'utf8');
    expect(seen).not.toContain(ENV.ANTHROPIC_API_KEY);
    expect(seen).not.toContain('ANTHROPIC_BASE_URL');
    expect(seen).toContain('CLAUDE_EXEC_HOOK_EVENT=after_file_change');
    expect(seen).toContain('EDITOR=vi');
  });
});

describe('runHooks', () => {
  it('before_file_change: exit 2 blocks with the hook stderr as the reason, and the hooks after it do not run', async () => {
    const out = await runHooks(
      [sh('echo "migrations/ is written by hand" >&2; exit 2'), sh('touch after.txt')],
      doc({ event: 'before_file_change', files: ['migrations/001.sql'] }),
      { cwd: dir, env: ENV },
    );
    expect(out.blocked).toBe('migrations/ is written by hand');
    expect(out.reports).toMatchObject([
      {
        event: 'before_file_change',
        outcome: 'blocked',
        exit_code: 2,
        message: 'migrations/ is written by hand',
        command: ['sh', '-c', 'echo "migrations/ is written by hand" >&2; exit 2'],
      },
    ]);
    expect(existsSync(path.join(dir, 'after.txt'))).toBe(false);
  });

  it('before_file_change: exit 2 without stderr still blocks, with a reason naming the hook', async () => {
    const out = await runHooks([sh('exit 2')], doc({ event: 'before_file_change' }), { cwd: dir, env: ENV });
    expect(out.blocked).toBe('a before_file_change hook (sh -c exit 2) refused it');
  });

  it('before_file_change: exit 0 lets the change go on', async () => {
    const out = await runHooks([sh('cat > /dev/null')], doc({ event: 'before_file_change' }), {
      cwd: dir,
      env: ENV,
    });
    expect(out).toEqual({ blocked: null, reports: [] });
  });

  it('the secrets of the environment are redacted from what a hook wrote, also from the reason the model gets', async () => {
    const leak = `echo "auth failed with $SLACK_TOKEN / ${ENV.ANTHROPIC_API_KEY} / sk-from-dotenv-0123456789" >&2; exit 2`;
    const out = await runHooks([sh(leak)], doc({ event: 'before_file_change' }), {
      cwd: dir,
      env: { ...ENV, SLACK_TOKEN: 'xoxb-slack-secret-42' },
      secrets: ['sk-from-dotenv-0123456789'],
    });
    expect(out.blocked).toBe('auth failed with [redacted] / [redacted] / [redacted]');
    expect(out.reports.map((r) => r.message)).toEqual([out.blocked]);
  });

  it('exit 2 of a notify-only event is a failure, not a block', async () => {
    const out = await runHooks([sh('echo nope >&2; exit 2')], doc({ event: 'gate' }), { cwd: dir, env: ENV });
    expect(out.blocked).toBeNull();
    expect(out.reports).toMatchObject([{ outcome: 'failed', exit_code: 2, message: 'nope' }]);
  });

  it('a failing, a missing and a timed-out hook are reported, and the hooks after them still run', async () => {
    const out = await runHooks(
      [
        sh('echo "prettier: not found" >&2; exit 127'),
        hook(['claude-exec-no-such-hook-program']),
        sh('sleep 60', 200),
        sh('touch ran.txt'),
      ],
      doc(),
      { cwd: dir, env: ENV },
    );
    expect(out.blocked).toBeNull();
    expect(out.reports.map((r) => [r.outcome, r.exit_code])).toEqual([
      ['failed', 127],
      ['failed', null],
      ['timed-out', null],
    ]);
    expect(out.reports[0]!.message).toBe('prettier: not found');
    expect(out.reports[2]!.message).toBe('no exit after 200 ms');
    expect(existsSync(path.join(dir, 'ran.txt'))).toBe(true);
    expect(reportLine(out.reports[0]!)).toBe(
      'after_file_change hook sh -c echo "prettier: not found" >&2; exit 127 failed (exit 127): prettier: not found',
    );
    expect(reportLine(out.reports[2]!)).toBe(
      'after_file_change hook sh -c sleep 60 timed out: no exit after 200 ms',
    );
  }, 30_000);
});

describe('hook config and reports', () => {
  it('a hook is argv with a timeout of 100 ms..10 min, 10 s by default; unknown keys are refused', () => {
    expect(HookSchema.parse({ command: ['notify-send', 'hi'] })).toEqual({
      command: ['notify-send', 'hi'],
      timeout_ms: 10_000,
    });
    expect(HookSchema.safeParse({ command: 'notify-send hi' }).success).toBe(false);
    expect(HookSchema.safeParse({ command: [] }).success).toBe(false);
    expect(HookSchema.safeParse({ command: [''] }).success).toBe(false);
    expect(HookSchema.safeParse({ command: ['x'], timeout_ms: 99 }).success).toBe(false);
    expect(HookSchema.safeParse({ command: ['x'], timeout_ms: 600_001 }).success).toBe(false);
    expect(HookSchema.safeParse({ command: ['x'], timeout: 5000 }).success).toBe(false);
  });

  it('a chain keeps the last reports only', () => {
    const r = (i: number): HookReport => ({
      at: `t${i}`,
      event: 'step_end',
      command: ['x'],
      outcome: 'failed',
      exit_code: 1,
      message: String(i),
    });
    let kept: HookReport[] = [];
    for (let i = 0; i < HOOK_REPORTS_KEPT + 5; i++) kept = withReport(kept, r(i));
    expect(kept).toHaveLength(HOOK_REPORTS_KEPT);
    expect(kept[0]!.message).toBe('5');
    expect(kept.at(-1)!.message).toBe(String(HOOK_REPORTS_KEPT + 4));
  });
});

const HAS_JQ = (() => {
  try {
    execFileSync('jq', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

describe.skipIf(!HAS_JQ)('the README examples', () => {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const section = readme.slice(readme.indexOf('## Hooks'), readme.indexOf('## Security model'));

  it('block writes to migrations/: the script blocks a migration with its reason, and lets another file through', async () => {
    const script = /```sh\n([\s\S]*?)```/.exec(
      section.slice(section.indexOf('*Block writes to `migrations/`*')),
    )![1]!;
    const file = path.join(dir, 'no-migrations.sh');
    writeFileSync(file, script);
    const blocked = await runHooks(
      [hook(['sh', file])],
      doc({ event: 'before_file_change', files: ['migrations/003_users.sql'] }),
      { cwd: dir, env: ENV },
    );
    expect(blocked.blocked).toBe(
      'migrations/ is written by hand: describe the schema change in your summary instead',
    );
    const passed = await runHooks(
      [hook(['sh', file])],
      doc({ event: 'before_file_change', files: ['src/migrations.js'] }),
      { cwd: dir, env: ENV },
    );
    expect(passed).toEqual({ blocked: null, reports: [] });
  });

  it('format on write and the gate notification read the files and the message off stdin', async () => {
    const commandOf = (title: string) =>
      (
        JSON.parse(/```json\n([\s\S]*?)```/.exec(section.slice(section.indexOf(title)))![1]!) as {
          hooks: Record<string, { command: string[] }[]>;
        }
      ).hooks;
    const format = commandOf('*Format on write*').after_file_change![0]!.command;
    const notify = commandOf('*A desktop notification at a gate*').gate![0]!.command;
    // Stand-ins for npx and notify-send that write down their arguments.
    const bin = path.join(dir, 'bin');
    const stub = (name: string) => {
      execFileSync('mkdir', ['-p', bin]);
      writeFileSync(
        path.join(bin, name),
        `#!/bin/sh\nprintf '%s\\n' "$@" >> '${path.join(dir, `${name}.args`)}'\n`,
        { mode: 0o755 },
      );
    };
    stub('npx');
    stub('notify-send');
    const env = { ...ENV, PATH: `${bin}:${ENV.PATH}` };
    expect(
      (await runHooks([hook(format)], doc({ files: ['src/a b.js'] }), { cwd: dir, env })).reports,
    ).toEqual([]);
    expect(readFileSync(path.join(dir, 'npx.args'), 'utf8')).toBe(
      '--no-install\nprettier\n--write\nsrc/a b.js\n',
    );
    expect(
      (
        await runHooks(
          [hook(notify)],
          doc({
            event: 'gate',
            gate: { kind: 'solution', message: 'chain 047 is waiting for approval of its solution' },
          }),
          { cwd: dir, env },
        )
      ).reports,
    ).toEqual([]);
    expect(readFileSync(path.join(dir, 'notify-send.args'), 'utf8')).toBe(
      '-u\ncritical\nclaude-exec\nchain 047 is waiting for approval of its solution\n',
    );
  });
});
