import { describe, expect, it } from 'vitest';
import { numstatPaths, symlinksInRaw } from '../../src/features/split/apply.js';
import { parseNameStatus, parseNumstat, sanitizeForTerminal } from '../../src/features/chains/chainDiff.js';
import { shellQuote } from '../../src/engine/rollbackSafety.js';
import { hardenedArgv, hardenedEnv, untrustedDrivers } from '../../src/git/run.js';
import { parseGitFile } from '../../src/git/worktree.js';
import { isExcluded } from '../../src/tools/git.js';

describe('hardenedArgv', () => {
  it('puts --no-pager and the hardening settings before the subcommand, and --no-ext-diff --no-textconv after a diff-family one', () => {
    const argv = hardenedArgv(['diff', '--stat', 'HEAD']);
    expect(argv[0]).toBe('--no-pager');
    expect(argv).toEqual(
      expect.arrayContaining([
        'core.hooksPath=/dev/null',
        'core.fsmonitor=false',
        'core.untrackedCache=false',
        'commit.gpgSign=false',
      ]),
    );
    const sub = argv.indexOf('diff');
    expect(argv.slice(sub)).toEqual(['diff', '--no-ext-diff', '--no-textconv', '--stat', 'HEAD']);
    expect(argv.slice(0, sub).every((a, i) => i === 0 || (i % 2 === 1 ? a === '-c' : a.includes('=')))).toBe(
      true,
    );
  });

  it('adds no diff flags to other subcommands', () => {
    const argv = hardenedArgv(['add', '-A']);
    expect(argv.slice(argv.indexOf('add'))).toEqual(['add', '-A']);
  });
});

describe('hardenedEnv', () => {
  it('drops inherited GIT_* variables that redirect git or run something, keeps identity and the rest', () => {
    const env = hardenedEnv({
      PATH: '/bin',
      GIT_DIR: '/evil',
      GIT_WORK_TREE: '/x',
      GIT_EXTERNAL_DIFF: 'sh',
      GIT_SSH_COMMAND: 'sh',
      GIT_CONFIG_PARAMETERS: "'core.fsmonitor'='sh'",
      GIT_EXEC_PATH: '/evil',
      GIT_AUTHOR_NAME: 'me',
      GIT_CONFIG_GLOBAL: '/home/me/.gitconfig',
    });
    expect(env).toMatchObject({
      PATH: '/bin',
      GIT_AUTHOR_NAME: 'me',
      GIT_CONFIG_GLOBAL: '/home/me/.gitconfig',
      GIT_TERMINAL_PROMPT: '0',
      GIT_NO_REPLACE_OBJECTS: '1',
      GIT_CONFIG_COUNT: '0',
    });
    for (const k of [
      'GIT_DIR',
      'GIT_WORK_TREE',
      'GIT_EXTERNAL_DIFF',
      'GIT_SSH_COMMAND',
      'GIT_CONFIG_PARAMETERS',
      'GIT_EXEC_PATH',
    ])
      expect(env).not.toHaveProperty(k);
  });

  it('blanks each named filter driver through GIT_CONFIG_KEY/VALUE pairs; the caller may set GIT_DIR', () => {
    const env = hardenedEnv({}, { GIT_DIR: '/checked' }, ['lfs', 'a=b.c']);
    expect(env.GIT_DIR).toBe('/checked');
    expect(env.GIT_CONFIG_COUNT).toBe('8');
    const pairs = Array.from({ length: 8 }, (_, i) => [
      env[`GIT_CONFIG_KEY_${i}`],
      env[`GIT_CONFIG_VALUE_${i}`],
    ]);
    expect(pairs).toEqual([
      ['filter.lfs.clean', ''],
      ['filter.lfs.smudge', ''],
      ['filter.lfs.process', ''],
      ['filter.lfs.required', 'false'],
      ['filter.a=b.c.clean', ''],
      ['filter.a=b.c.smudge', ''],
      ['filter.a=b.c.process', ''],
      ['filter.a=b.c.required', 'false'],
    ]);
  });
});

describe('untrustedDrivers', () => {
  it('names the drivers a local, worktree or included config defines, not those only in the system or global config', () => {
    const out = [
      'global',
      'filter.lfs.clean',
      'global',
      'filter.lfs.process',
      'local',
      'filter.evil.smudge',
      'local',
      'filter.a.b.process',
      'worktree',
      'filter..clean',
      'local',
      'filter.lfs.process',
      '',
    ].join('\0');
    expect(untrustedDrivers(out).sort()).toEqual(['', 'a.b', 'evil', 'lfs']);
    expect(untrustedDrivers(['system', 'filter.x.clean', ''].join('\0'))).toEqual([]);
  });
});

describe('pure helpers of checkpoint, apply, diff and rollback', () => {
  it('isExcluded matches a path and what is inside it, not a sibling with the same prefix', () => {
    expect(isExcluded('contexts', ['contexts'])).toBe(true);
    expect(isExcluded('contexts/chain-001.json', ['contexts'])).toBe(true);
    expect(isExcluded('contexts-old/x', ['contexts'])).toBe(false);
    expect(isExcluded('sub/contexts/x', ['contexts'])).toBe(false);
  });

  it('parseGitFile reads gitdir lines, relative ones against the worktree', () => {
    expect(parseGitFile('gitdir: /r/.git/worktrees/a\n', '/w')).toBe('/r/.git/worktrees/a');
    expect(parseGitFile('gitdir: ../r/.git/worktrees/a', '/x/w')).toBe('/x/r/.git/worktrees/a');
    expect(parseGitFile('[core]\n', '/w')).toBeNull();
  });

  it('symlinksInRaw finds added and changed symlinks (mode 120000), not files or deletions', () => {
    const z = [
      ':000000 120000 0000000000000000000000000000000000000000 1111111111111111111111111111111111111111 A',
      'link',
      ':100644 100644 aaaa bbbb M',
      'file.txt',
      ':120000 000000 cccc 0000 D',
      'gone',
      ':100644 120000 dddd eeee T',
      'now a link',
      '',
    ].join('\0');
    expect(symlinksInRaw(z)).toEqual([
      { path: 'link', blob: '1111111111111111111111111111111111111111' },
      { path: 'now a link', blob: 'eeee' },
    ]);
  });

  it('numstatPaths reads -z numstat, renames by their new path', () => {
    expect(
      numstatPaths(['1\t0\ta b.txt', '2\t1\t', 'old.txt', 'new.txt', '-\t-\tbin.png', ''].join('\0')),
    ).toEqual(['a b.txt', 'new.txt', 'bin.png']);
  });

  it('parseNameStatus and parseNumstat read -z output', () => {
    expect(parseNameStatus(['A', 'new.js', 'M', 'src/é.js', 'D', 'old.js', ''].join('\0'))).toEqual([
      { path: 'new.js', status: 'added' },
      { path: 'src/é.js', status: 'modified' },
      { path: 'old.js', status: 'deleted' },
    ]);
    expect([...parseNumstat(['3\t1\ta.js', '-\t-\tb.png', ''].join('\0'))]).toEqual([
      ['a.js', { insertions: 3, deletions: 1 }],
      ['b.png', { insertions: null, deletions: null }],
    ]);
  });

  it('sanitizeForTerminal makes escape sequences visible and keeps newlines and tabs', () => {
    expect(sanitizeForTerminal('a\u001b]52;c;eA==\u0007\tb\n')).toBe('a^[]52;c;eA==^G\tb\n');
  });

  it('shellQuote leaves plain words and quotes the rest', () => {
    expect(shellQuote('refs/claude-exec/x')).toBe('refs/claude-exec/x');
    expect(shellQuote(":(literal)it's a file")).toBe(`':(literal)it'\\''s a file'`);
  });
});
