/**
 * The one way claude-exec runs git. A repository is untrusted input: sandboxed test code (or the
 * repository itself) may have written `.git/config`, hooks, `.gitattributes` or a worktree's `.git`
 * file, and git reads those on the host, outside the sandbox. Git says as much
 * (gitsecurityboundary(7): "repository configuration and hooks are not covered" by its guarantee).
 * So every call here:
 *
 * - passes `HARDENING` (command-line scope, which wins over every config file): no hooks, no
 *   fsmonitor, no untracked cache, no pager, no gpg, no auto-gc, no submodule recursion, no
 *   replace refs, plain output (no colour, prefixes as git's default, unquoted paths);
 * - adds `--no-ext-diff --no-textconv` to the diff family (external diff drivers and textconv,
 *   whether from `diff.external` or a `diff=<driver>` attribute);
 * - blanks every filter driver (clean, smudge, process; required=false) that a config file other
 *   than the system's and the user's own (`git config --show-scope`) names: the repository's local
 *   config, its worktree config, and what they include. `.gitattributes` only selects a driver by
 *   name, the command itself comes from config, so a blanked driver runs nothing. Drivers of the
 *   user's own config (e.g. git-lfs) are kept unless the repository redefines them. The names go
 *   through GIT_CONFIG_COUNT/KEY/VALUE, so a name with `=` or `.` in it needs no quoting;
 * - runs with an environment of the caller's minus every `GIT_*` variable but identity and config
 *   location (so an outside GIT_DIR, GIT_EXTERNAL_DIFF, GIT_SSH_COMMAND or GIT_CONFIG_PARAMETERS is
 *   never inherited), with stdin ignored, never throwing on a non-zero exit.
 *
 * Network settings (`core.sshCommand`, `credential.helper`, `protocol.*`, `uploadpack.*`) matter
 * only to commands that fetch or push, which claude-exec never runs; `protocol.allow=never` is set
 * anyway. Hook-like settings that git reads only from protected (system/global) config are not
 * reachable from a repository.
 */
import { execa } from 'execa';

/** The hardening settings passed to every git call, as `-c key=value` (command-line scope). */
const HARDENING: readonly (readonly [string, string])[] = [
  ['core.hooksPath', '/dev/null'],
  ['core.fsmonitor', 'false'],
  ['core.untrackedCache', 'false'],
  ['core.pager', 'cat'],
  ['core.editor', 'true'],
  ['core.quotePath', 'false'],
  ['core.useReplaceRefs', 'false'],
  ['diff.noprefix', 'false'],
  ['diff.mnemonicPrefix', 'false'],
  ['diff.relative', 'false'],
  ['color.ui', 'false'],
  ['commit.gpgSign', 'false'],
  ['tag.gpgSign', 'false'],
  ['log.showSignature', 'false'],
  ['gc.auto', '0'],
  ['maintenance.auto', 'false'],
  ['submodule.recurse', 'false'],
  ['protocol.allow', 'never'],
];

/** Subcommands that compare contents: git may run an external diff or a textconv driver for them. */
const DIFF_FAMILY = new Set(['diff', 'diff-files', 'diff-index', 'diff-tree', 'log', 'show']);

/**
 * Subcommands that only read or write objects and refs, never the index or the working tree, so no
 * filter can run and they need no driver list. (Not `write-tree`: it runs filters on some indexes.)
 */
const NO_WORKTREE = new Set([
  'rev-parse',
  'cat-file',
  'update-ref',
  'commit-tree',
  'rev-list',
  'ls-tree',
  'for-each-ref',
  'symbolic-ref',
  'merge-base',
  'config',
  'version',
]);

/** Inherited `GIT_*` variables that cannot redirect git or make it run something: identity and where config lives. */
const KEEP_GIT_ENV = /^GIT_(AUTHOR|COMMITTER)_(NAME|EMAIL|DATE)$|^GIT_CONFIG_(GLOBAL|NOSYSTEM)$/;

/** What one git call returned; `ok` is exit code 0. Never thrown. */
export interface GitResult {
  ok: boolean;
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface GitOptions {
  /** Variables set for this call (e.g. GIT_INDEX_FILE, identity), over the cleaned environment. */
  env?: Record<string, string>;
  /** Text given to git on stdin (otherwise stdin is ignored). */
  input?: string;
}

/**
 * Pure: the argv (after `git`) of a hardened call of `args`: `--no-pager`, the `-c` settings of
 * `HARDENING`, the subcommand, then `--no-ext-diff --no-textconv` for the diff family.
 */
export function hardenedArgv(args: readonly string[]): string[] {
  const [sub, ...rest] = args;
  const flags = HARDENING.flatMap(([k, v]) => ['-c', `${k}=${v}`]);
  const diff = sub !== undefined && DIFF_FAMILY.has(sub) ? ['--no-ext-diff', '--no-textconv'] : [];
  return ['--no-pager', ...flags, ...(sub === undefined ? [] : [sub]), ...diff, ...rest];
}

/**
 * Pure: the environment of a git call: `base` without the `GIT_*` variables that are not
 * identity or config location, plus `extra`, plus the filter-driver overrides for `drivers`
 * (GIT_CONFIG_COUNT/KEY_n/VALUE_n), GIT_TERMINAL_PROMPT=0 and GIT_NO_REPLACE_OBJECTS=1.
 */
export function hardenedEnv(
  base: NodeJS.ProcessEnv,
  extra: Record<string, string> = {},
  drivers: readonly string[] = [],
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(base))
    if (v !== undefined && (!k.startsWith('GIT_') || KEEP_GIT_ENV.test(k))) env[k] = v;
  Object.assign(env, extra, { GIT_TERMINAL_PROMPT: '0', GIT_NO_REPLACE_OBJECTS: '1' });
  const pairs = drivers.flatMap((name) =>
    (['clean', 'smudge', 'process', 'required'] as const).map(
      (key) => [`filter.${name}.${key}`, key === 'required' ? 'false' : ''] as const,
    ),
  );
  pairs.forEach(([k, v], i) => {
    env[`GIT_CONFIG_KEY_${i}`] = k;
    env[`GIT_CONFIG_VALUE_${i}`] = v;
  });
  env.GIT_CONFIG_COUNT = String(pairs.length);
  return env;
}

/**
 * Pure: the filter-driver names in `git config --show-scope --null --name-only --get-regexp
 * '^filter\.'` output that a scope other than system or global defines (a driver's name is
 * everything between `filter.` and the last `.`; it may be empty or hold dots).
 */
export function untrustedDrivers(output: string): string[] {
  const parts = output.split('\0');
  const names = new Set<string>();
  for (let i = 0; i + 1 < parts.length; i += 2) {
    const scope = parts[i]!;
    const key = parts[i + 1]!;
    if (scope === 'system' || scope === 'global' || !key.startsWith('filter.')) continue;
    const last = key.lastIndexOf('.');
    if (last < 'filter.'.length - 1) continue;
    names.add(key.slice('filter.'.length, last));
  }
  return [...names];
}

async function exec(
  cwd: string,
  argv: string[],
  env: Record<string, string>,
  input?: string,
): Promise<GitResult> {
  try {
    const stdin = input === undefined ? { stdin: 'ignore' as const } : { input };
    const r = await execa('git', argv, {
      cwd,
      env,
      extendEnv: false,
      reject: false,
      ...stdin,
      stripFinalNewline: false,
      maxBuffer: 512 * 1024 * 1024,
    });
    const code = typeof r.exitCode === 'number' ? r.exitCode : -1;
    return {
      ok: code === 0,
      exitCode: code,
      stdout: String(r.stdout ?? ''),
      stderr: String(r.stderr ?? '') || (code === 0 ? '' : String(r.shortMessage ?? '')),
    };
  } catch (err) {
    return { ok: false, exitCode: -1, stdout: '', stderr: String((err as Error)?.message ?? err) };
  }
}

/** The filter drivers to blank for a call in `cwd` (see `untrustedDrivers`); [] when git cannot say (then no driver is defined by a readable config). */
async function driversToBlank(cwd: string, extra: Record<string, string> = {}): Promise<string[]> {
  const r = await exec(
    cwd,
    hardenedArgv(['config', '--show-scope', '--null', '--name-only', '--get-regexp', '^filter\\.']),
    hardenedEnv(process.env, extra),
  );
  return r.ok ? untrustedDrivers(r.stdout) : [];
}

/**
 * Runs `git <args>` in `cwd`, hardened as the module docstring says. Returns the typed result
 * (stdout with its final newline kept); never throws (a missing git is `exitCode: -1`).
 */
export async function git(cwd: string, args: readonly string[], opts: GitOptions = {}): Promise<GitResult> {
  const drivers =
    args[0] !== undefined && NO_WORKTREE.has(args[0]) ? [] : await driversToBlank(cwd, opts.env);
  return exec(cwd, hardenedArgv(args), hardenedEnv(process.env, opts.env, drivers), opts.input);
}

/** Thrown by `gitOk` when git exits non-zero: `git <sub> failed: <stderr>`. */
class GitError extends Error {
  readonly result: GitResult;
  constructor(args: readonly string[], result: GitResult) {
    super(`git ${args[0] ?? ''} failed: ${result.stderr.trim() || `exit ${result.exitCode}`}`);
    this.name = 'GitError';
    this.result = result;
  }
}

/** Runs `git <args>` like `git` and returns stdout; throws `GitError` with git's message on a non-zero exit. */
export async function gitOk(cwd: string, args: readonly string[], opts: GitOptions = {}): Promise<string> {
  const r = await git(cwd, args, opts);
  if (!r.ok) throw new GitError(args, r);
  return r.stdout;
}
