import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { AwaitingInputError } from '../../src/errors.js';
import { checkpointRef } from '../../src/tools/git.js';
import { isSafeFilter } from '../../src/tools/runTests.js';
import { sandboxEnv } from '../../src/tools/sandboxEnv.js';
import { capHead, capTail, fsErrorsAsOutcome, looksBinary } from '../../src/tools/text.js';
import { globToRegExp, matchesGlob } from '../../src/tools/walk.js';
import { countOccurrences, isTestPath } from '../../src/tools/writeTools.js';

describe('capHead / capTail', () => {
  const text = 'line one\nline two\nline three\n';

  it('returns short text unchanged', () => {
    expect(capHead(text, 1000)).toEqual({ text, truncated: false });
    expect(capTail(text, 1000)).toEqual({ text, truncated: false });
  });

  it('keeps whole lines from the start', () => {
    expect(capHead(text, 20)).toEqual({ text: 'line one\nline two\n', truncated: true });
  });

  it('keeps whole lines from the end', () => {
    expect(capTail(text, 22)).toEqual({ text: 'line two\nline three\n', truncated: true });
    expect(capTail(text, 20)).toEqual({ text: 'line two\nline three\n', truncated: true });
    expect(capTail(text, 19)).toEqual({ text: 'line three\n', truncated: true });
  });

  it('never exceeds the byte cap and never splits a multi-byte character', () => {
    const wide = 'ééééé'.repeat(10);
    const head = capHead(wide, 7);
    expect(Buffer.byteLength(head.text)).toBeLessThanOrEqual(7);
    expect(head.text).toBe('ééé');
    const tail = capTail(wide, 7);
    expect(Buffer.byteLength(tail.text)).toBeLessThanOrEqual(7);
    expect(tail.text).toBe('ééé');
  });
});

describe('fsErrorsAsOutcome', () => {
  it('turns a file-system error into an error outcome', async () => {
    const r = await fsErrorsAsOutcome('x.js', async () => ({
      content: await readFile('/no/such/dir/x.js', 'utf8'),
    }));
    expect(r).toMatchObject({ isError: true, content: expect.stringMatching(/^x\.js: ENOENT: /) });
  });

  it('lets other errors propagate', async () => {
    await expect(
      fsErrorsAsOutcome('x.js', async () => {
        throw new AwaitingInputError('pending');
      }),
    ).rejects.toBeInstanceOf(AwaitingInputError);
  });
});

describe('looksBinary', () => {
  it('detects a NUL byte', () => {
    expect(looksBinary(Buffer.from([0x89, 0x50, 0x00, 0x47]))).toBe(true);
    expect(looksBinary(Buffer.from('plain text\n'))).toBe(false);
  });
});

describe('globToRegExp / matchesGlob', () => {
  it.each([
    ['*.ts', 'src/deep/a.ts', true],
    ['*.ts', 'src/a.js', false],
    ['*.{ts,js}', 'a.js', true],
    ['src/**/*.js', 'src/a.js', true],
    ['src/**/*.js', 'src/x/y/a.js', true],
    ['src/**/*.js', 'test/a.js', false],
    ['src/*.js', 'src/x/a.js', false],
    ['?.md', 'a.md', true],
    ['?.md', 'ab.md', false],
    ['[ab].txt', 'b.txt', true],
    ['[!ab].txt', 'b.txt', false],
    ['a+b.(x)', 'a+b.(x)', true],
    ['**/test/*.js', 'test/auth.test.js', true],
  ])('%s against %s -> %s', (glob, rel, expected) => {
    expect(matchesGlob(rel, globToRegExp(glob))).toBe(expected);
  });
});

describe('isTestPath', () => {
  it.each([
    ['test/auth.test.js', true],
    ['tests/helpers.js', true],
    ['src/__tests__/a.js', true],
    ['src/auth.spec.ts', true],
    ['src/auth.test.mjs', true],
    ['src/auth.js', false],
    ['src/testing.js', false],
    ['src/contest/a.js', false],
    ['calc/calc_test.go', true],
    ['calc/calc.go', false],
    ['pkg/test_truncate.py', true],
    ['pkg/truncate_test.py', true],
    ['pkg/testing.py', false],
    ['spec/models/user_spec.rb', true],
    ['lib/user_test.rb', true],
    ['src/main/java/UserServiceTest.java', true],
    ['src/main/java/UserService.java', false],
    ['App.Tests/UserTests.cs', true],
    ['src/Latest.cs', false],
  ])('%s -> %s', (rel, expected) => {
    expect(isTestPath(rel)).toBe(expected);
  });
});

describe('countOccurrences', () => {
  it('counts overlapping occurrences', () => {
    expect(countOccurrences('aaa', 'aa')).toBe(2);
    expect(countOccurrences('a b a', 'a')).toBe(2);
    expect(countOccurrences('abc', 'x')).toBe(0);
  });
});

describe('isSafeFilter / sandboxEnv', () => {
  it.each([
    ['test/auth.test.js', true],
    ['login flow', true],
    ['a-b_c.d', true],
    ['--inspect', false],
    ['-t', false],
    ['x; rm -rf /', false],
    ['$(id)', false],
    ['a|b', false],
    ['', false],
  ])('filter %j -> %s', (filter, expected) => {
    expect(isSafeFilter(filter)).toBe(expected);
  });

  it('keeps only the allow-list: never ANTHROPIC_*, nor a variable it does not name', () => {
    const env = {
      ANTHROPIC_API_KEY: 'k',
      anthropic_base_url: 'u',
      PATH: '/bin',
      HOME: '/h',
      LC_ALL: 'C',
      GOFLAGS: '-mod=mod',
      MY_SERVICE_TOKEN: 't',
      DATABASE_URL: 'pg://',
      RANDOM: 'x',
    };
    expect(sandboxEnv(env)).toEqual({ PATH: '/bin', HOME: '/h', LC_ALL: 'C', GOFLAGS: '-mod=mod' });
  });

  it('adds the configured names and prefixes; a secret-looking name only when named exactly', () => {
    const env = {
      PATH: '/bin',
      APP_MODE: 'test',
      APP_SECRET: 's',
      APP_PORT: '1',
      MY_SERVICE_TOKEN: 't',
      ANTHROPIC_API_KEY: 'k',
    };
    expect(sandboxEnv(env, ['APP_*'])).toEqual({ PATH: '/bin', APP_MODE: 'test', APP_PORT: '1' });
    expect(sandboxEnv(env, ['APP_*', 'MY_SERVICE_TOKEN', 'ANTHROPIC_API_KEY'])).toEqual({
      PATH: '/bin',
      APP_MODE: 'test',
      APP_PORT: '1',
      MY_SERVICE_TOKEN: 't',
    });
  });
});

describe('checkpointRef', () => {
  it('names the ref after the chain id and refuses ids unfit for a ref', () => {
    expect(checkpointRef('047')).toBe('refs/claude-exec/chain-047/pre-implementation');
    expect(() => checkpointRef('../x')).toThrow(/invalid chain id/);
    expect(() => checkpointRef('a b')).toThrow(/invalid chain id/);
  });
});
