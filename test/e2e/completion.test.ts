/**
 * Shell completion, the built binary: the suggestion protocol the scripts call (`complete --`),
 * chain ids from the context files' names, and a real bash with bash-completion sourcing the
 * generated script and completing words (skipped, saying why, without bash-completion).
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, cliEnv, runCli } from '../helpers/e2e.js';

const BASH_COMPLETION = '/usr/share/bash-completion/bash_completion';
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'claude-exec-completion-'));
  await mkdir(path.join(dir, 'contexts'));
  await writeFile(path.join(dir, 'contexts', 'chain-001-add-jwt-auth-2026-12-01-10-00-00.json'), '{}');
  await writeFile(path.join(dir, 'contexts', 'chain-002-fix-login-2026-12-02-10-00-00.json'), '{}');
  await writeFile(path.join(dir, 'contexts', 'chain-002-fix-login-2026-12-02-10-00-00.journal.jsonl'), '');
  await mkdir(path.join(dir, 'bin'));
  await symlink(BIN, path.join(dir, 'bin', 'claude-exec'));
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

const complete = async (...words: string[]) => {
  const r = await runCli(['complete', '--', ...words], dir, cliEnv({}));
  expect(r.exitCode, r.stderr).toBe(0);
  return r.stdout.trim().split('\n');
};

describe('shell completion (built binary)', () => {
  it('suggests commands, options and their choices, never the completion plumbing itself', async () => {
    expect(await complete('res')).toEqual([expect.stringMatching(/^resume\t/), ':4']);
    expect((await complete('cost-report', '--by', '')).slice(0, 4)).toEqual([
      'prompt\t',
      'phase\t',
      'model\t',
      'day\t',
    ]);
    expect(await complete('com')).toEqual([expect.stringMatching(/^completion\t/), ':4']);
  });

  it('offers the chain ids of the contexts directory, newest first, with their slug', async () => {
    expect(await complete('resume', '')).toEqual(['002\tfix-login', '001\tadd-jwt-auth', ':4']);
    expect(await complete('status', '00')).toEqual(['002\tfix-login', '001\tadd-jwt-auth', ':4']);
  });

  it('prints a script for each shell that asks claude-exec for suggestions; another shell is exit 2', async () => {
    for (const shell of ['bash', 'zsh', 'fish', 'powershell']) {
      const r = await runCli(['completion', shell], dir, cliEnv({}));
      expect(r.exitCode, shell).toBe(0);
      expect(r.stdout, shell).toContain('claude-exec complete');
    }
    const bad = await runCli(['completion', 'tcsh'], dir, cliEnv({}));
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toContain('completion: unknown shell "tcsh"');
  });

  it.skipIf(!existsSync(BASH_COMPLETION))(
    `a real bash completes with the generated script (needs ${BASH_COMPLETION}: apt-get install bash-completion)`,
    async () => {
      const script = (await runCli(['completion', 'bash'], dir, cliEnv({}))).stdout;
      await writeFile(path.join(dir, 'claude-exec.bash'), script);
      const replies = async (line: string): Promise<string[]> => {
        const words = line.split(' ');
        const r = await execa(
          'bash',
          [
            '-c',
            `source ${BASH_COMPLETION}; source ./claude-exec.bash; COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; COMP_LINE='${line}'; COMP_POINT=\${#COMP_LINE}; __claude_exec_complete 2>/dev/null; printf '%s\\n' "\${COMPREPLY[@]}"`,
          ],
          {
            cwd: dir,
            env: { ...cliEnv({}), PATH: `${path.join(dir, 'bin')}:${process.env.PATH}` },
            extendEnv: false,
            stdin: 'ignore',
          },
        );
        return r.stdout.split('\n').filter(Boolean);
      };
      expect(await replies('claude-exec res')).toEqual(['resume']);
      expect(await replies('claude-exec cost-report --by mo')).toEqual(['model']);
      expect(await replies('claude-exec rollback 00')).toEqual(['002', '001']);
    },
  );
});
