/**
 * The OS sandbox for commands run for the model (the test command runs code the model wrote):
 * bubblewrap (`bwrap`) on Linux. Inside it the network is off (a new network namespace with only
 * its own loopback), the file system is read-only except the workspace and a private, size-limited
 * /tmp (with `go test`'s build cache bound in from a directory of this workspace's own: see
 * `sandboxCacheDir`); the workspace's `.git` (a worktree's `.git` file, its gitdir and their common dir) is
 * read-only too, so that code under test cannot plant git settings (`core.fsmonitor`, hooks) that
 * our own git would run outside it; the home directory's secrets (~/.ssh, ~/.aws, ~/.config/gcloud,
 * keyrings, credential files, ~/.claude*, our own config) and `.env*` files outside the workspace
 * are masked (an empty directory or an empty file in their place), and so are the workspace's own
 * `.env*` files unless config `sandbox_env_files` allows them; capabilities are dropped, the
 * process count (RLIMIT_NPROC, and a pids cgroup when we are root: ./pidsCgroup.ts) and each
 * process's memory (RLIMIT_DATA) are limited (config `sandbox_limits`), and the sandbox dies with
 * claude-exec.
 *
 * With or without the sandbox, the command sees only the allow-listed environment
 * (./sandboxEnv.ts, config `sandbox_env`), and its output is scrubbed of the values of known
 * secrets (src/log.ts `secretValues`: our key and token, secret-looking variables, and the
 * workspace `.env*` files' secrets) before anyone stores it or shows it to the model.
 *
 * Why bwrap itself and not @anthropic-ai/sandbox-runtime: that package filters the network
 * through a proxy it starts (with its own zod 3 and a TLS library) to allow chosen domains; we
 * need the network off, which one bwrap flag gives. sandbox-exec (macOS) is not wired yet, so on
 * macOS `auto` runs without a sandbox and says so.
 *
 * Config `sandbox`: `auto` (the default: use it when available, else warn once and run without),
 * `required` (refuse to run the command without it), `off`.
 */
import { createHash } from 'node:crypto';
import {
  accessSync,
  constants,
  type Dirent,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  statSync,
  utimesSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import dotenv from 'dotenv';
import { execa } from 'execa';
import type { SandboxLimits } from '../config/schema.js';
import { ConfigError } from '../errors.js';
import { redactValues, secretValues } from '../log.js';
import { isSecretFile } from './pathGuard.js';
import { createPidsCgroup } from './pidsCgroup.js';
import { sandboxEnv } from './sandboxEnv.js';

export type SandboxMode = 'auto' | 'required' | 'off';

/** Secrets under the home directory, relative to it (directories and files). */
const HOME_SECRETS: readonly string[] = [
  '.ssh',
  '.aws',
  '.azure',
  '.config/gcloud',
  '.config/gh',
  '.kube',
  '.docker',
  '.gnupg',
  '.local/share/keyrings',
  '.password-store',
  '.netrc',
  '.npmrc',
  '.pypirc',
  '.git-credentials',
  '.config/git/credentials',
  '.cargo/credentials.toml',
  '.cargo/credentials',
  '.terraform.d',
  '.config/claude-exec',
  '.config/anthropic',
];
/** Names directly in the home directory masked by prefix: Claude Code's settings, sessions and keys. */
const HOME_SECRET_PREFIXES: readonly string[] = ['.claude'];

/** What the user's config says about the sandbox (config `sandbox_env`, `sandbox_env_files`, `sandbox_limits`). */
export interface SandboxPolicy {
  /** Extra variable names (or `PREFIX*`) the command may see besides the built-in allow-list. */
  env: readonly string[];
  /** The workspace's `.env*` files are readable inside the sandbox. */
  envFiles: boolean;
  limits: SandboxLimits;
}

/** The defaults of the config keys (src/config/schema.ts). */
export const DEFAULT_SANDBOX_POLICY: SandboxPolicy = {
  env: [],
  envFiles: false,
  limits: { processes: 1024, memory_mb: 4096, tmp_mb: 512 },
};

export interface SandboxLayout {
  /** Workspace root (real path): the one writable directory besides /tmp. */
  root: string;
  /** Home directory whose secrets are masked. */
  home: string;
  /** Existing paths to mask: directories get an empty tmpfs, files /dev/null. */
  masks: { path: string; dir: boolean }[];
  /**
   * Real paths under /tmp, outside the workspace, that a top-level symlink of the workspace points to
   * (a `node_modules` linked from a shared install, a monorepo's package): bound read-only after the
   * private /tmp so the test command still finds them. Everywhere else the read-only root shows them.
   */
  links?: string[];
  /** The workspace's git metadata (`.git`, a worktree's gitdir and common dir): bound read-only over the workspace. */
  readOnly?: string[];
  /**
   * A host directory kept between runs for this workspace alone (`sandboxCacheDir`), bound at
   * /tmp/go-build (GOCACHE) so `go test` does not compile the standard library anew on every run;
   * absent = an empty cache in the private /tmp.
   */
  goCache?: string;
  /** The private /tmp's size in bytes (bwrap ≥ 0.8 `--size`); absent = the kernel's default (half the RAM). */
  tmpBytes?: number;
  /** Limits set inside the sandbox by util-linux `prlimit` (at this path) before the command runs. */
  rlimits?: { prlimit: string; processes: number; dataBytes: number | null };
}

/**
 * Pure: the bwrap argv that runs `command` (argv) inside the sandbox described by `layout`.
 * Order matters: the read-only root first, then the private /tmp, then the writable workspace
 * (which may itself be under /tmp), then the read-only link targets under /tmp, then the masks.
 */
export function bwrapArgv(layout: SandboxLayout, command: readonly string[]): string[] {
  const args = [
    'bwrap',
    '--die-with-parent',
    '--new-session',
    '--unshare-net',
    '--unshare-pid',
    '--unshare-ipc',
    '--cap-drop',
    'ALL',
    '--ro-bind',
    '/',
    '/',
    '--dev',
    '/dev',
    '--proc',
    '/proc',
    ...(layout.tmpBytes ? ['--size', String(layout.tmpBytes)] : []),
    '--tmpfs',
    '/tmp',
    '--setenv',
    'TMPDIR',
    '/tmp',
    // go test needs a writable build cache, and the real one is read-only here: one of this
    // workspace's own (layout.goCache), else an empty one in the private /tmp.
    '--setenv',
    'GOCACHE',
    '/tmp/go-build',
    ...(layout.goCache ? ['--bind', layout.goCache, '/tmp/go-build'] : []),
    '--bind',
    layout.root,
    layout.root,
  ];
  for (const l of layout.links ?? []) args.push('--ro-bind', l, l);
  for (const g of layout.readOnly ?? []) args.push('--ro-bind', g, g);
  for (const m of layout.masks) {
    if (m.dir) args.push('--tmpfs', m.path);
    else args.push('--ro-bind', '/dev/null', m.path);
  }
  args.push('--chdir', layout.root, '--');
  const r = layout.rlimits;
  if (r)
    args.push(r.prlimit, `--nproc=${r.processes}`, ...(r.dataBytes ? [`--data=${r.dataBytes}`] : []), '--');
  args.push(...command);
  return args;
}

function kindOf(p: string): 'dir' | 'file' | null {
  try {
    return statSync(p).isDirectory() ? 'dir' : 'file';
  } catch {
    return null;
  }
}

/**
 * The layout for `root` and `home`. Masks: each existing entry of HOME_SECRETS, every `~/.claude*`,
 * every `.env*` file (`isSecretFile`) directly in the home directory or in a directory above the
 * workspace, and, unless `opts.envFiles`, those inside the workspace (`workspaceEnvFiles`).
 * Read-only: the workspace's git metadata (`gitPaths`).
 */
export function sandboxLayout(
  root: string,
  home: string = os.homedir(),
  opts: { envFiles?: boolean } = {},
): SandboxLayout {
  const masks: SandboxLayout['masks'] = [];
  const add = (p: string, inside = false) => {
    const kind = kindOf(p);
    if (kind && !masks.some((m) => m.path === p) && isInside(root, p) === inside)
      masks.push({ path: p, dir: kind === 'dir' });
  };
  for (const rel of HOME_SECRETS) add(path.join(home, rel));
  for (const name of safeReaddir(home))
    if (HOME_SECRET_PREFIXES.some((p) => name.startsWith(p))) add(path.join(home, name));
  if (!opts.envFiles) for (const f of workspaceEnvFiles(root)) add(f, true);
  const dirs = new Set<string>([home]);
  for (let d = path.dirname(root); ; d = path.dirname(d)) {
    dirs.add(d);
    if (path.dirname(d) === d) break;
  }
  for (const dir of dirs) {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      continue;
    }
    for (const name of names) if (isSecretFile(name)) add(path.join(dir, name));
  }
  return { root, home, masks, links: tmpLinkTargets(root), readOnly: gitPaths(root) };
}

function safeReaddir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/** Folders not searched for `.env*` files: dependencies, build output, git. */
const SKIP_DIRS = new Set([
  '.git',
  'node_modules',
  'vendor',
  'dist',
  'build',
  'target',
  '__pycache__',
  '.venv',
  'venv',
  '.claude-exec',
]);
/** How deep and how many folders `workspaceEnvFiles` looks (a bound on a huge tree). */
const ENV_SEARCH = { depth: 4, dirs: 2000 };

/** The `.env*` files (`isSecretFile`) of the workspace, 4 folders deep at most, skipping SKIP_DIRS. */
function workspaceEnvFiles(root: string): string[] {
  const out: string[] = [];
  let queue: string[] = [root];
  let seen = 0;
  for (let depth = 0; depth <= ENV_SEARCH.depth && queue.length; depth++) {
    const next: string[] = [];
    for (const dir of queue) {
      if (++seen > ENV_SEARCH.dirs) return out;
      let entries: Dirent[];
      try {
        entries = readdirSync(dir, { withFileTypes: true });
      } catch {
        continue;
      }
      for (const e of entries) {
        if (e.isDirectory() && !SKIP_DIRS.has(e.name)) next.push(path.join(dir, e.name));
        else if (!e.isDirectory() && isSecretFile(e.name)) out.push(path.join(dir, e.name));
      }
    }
    queue = next;
  }
  return out;
}

/**
 * The workspace's git metadata, real paths: the `.git` directory, or a worktree's `.git` file with
 * the gitdir it names and that gitdir's common dir (`commondir`). Empty when there is none.
 */
export function gitPaths(root: string): string[] {
  const dotgit = path.join(root, '.git');
  let st;
  try {
    st = lstatSync(dotgit);
  } catch {
    return [];
  }
  const real = (p: string) => {
    try {
      return realpathSync(p);
    } catch {
      return null;
    }
  };
  if (!st.isFile()) return [real(dotgit)].filter((p): p is string => p !== null);
  const out = [dotgit];
  const m = /^gitdir:\s*(.+?)\s*$/m.exec(readFileSync(dotgit, 'utf8'));
  const gitdir = m ? real(path.resolve(root, m[1]!)) : null;
  if (gitdir && kindOf(gitdir) === 'dir') {
    out.push(gitdir);
    let common: string | null = null;
    try {
      common = real(path.resolve(gitdir, readFileSync(path.join(gitdir, 'commondir'), 'utf8').trim()));
    } catch {
      // not a linked worktree's gitdir
    }
    if (common && !out.includes(common)) out.push(common);
  }
  return out;
}

/**
 * The secret values `text` run in `root` must not carry: `secretValues` of our environment and of
 * each `.env*` file directly in the workspace, plus any value there that looks like a credential
 * (16+ characters, no spaces, letters and digits mixed, not a path or URL).
 */
function workspaceSecrets(root: string, env: Record<string, string | undefined> = process.env): string[] {
  const out = new Set(secretValues(env));
  for (const name of safeReaddir(root)) {
    if (!isSecretFile(name)) continue;
    let parsed: Record<string, string>;
    try {
      parsed = dotenv.parse(readFileSync(path.join(root, name)));
    } catch {
      continue;
    }
    for (const v of secretValues(parsed)) out.add(v);
    for (const v of Object.values(parsed))
      if (/^\S{16,}$/.test(v) && /[a-z]/i.test(v) && /\d/.test(v) && !/^\/|:\/\//.test(v)) out.add(v);
  }
  return [...out];
}

/** The real paths under /tmp (outside `root`) of the symlinks directly in `root`; see SandboxLayout.links. */
function tmpLinkTargets(root: string): string[] {
  const out: string[] = [];
  let names: string[];
  try {
    names = readdirSync(root);
  } catch {
    return out;
  }
  for (const name of names) {
    const p = path.join(root, name);
    try {
      if (!lstatSync(p).isSymbolicLink()) continue;
      const real = realpathSync(p);
      if (isInside('/tmp', real) && !isInside(root, real) && !out.includes(real)) out.push(real);
    } catch {
      // a dangling link binds nothing
    }
  }
  return out;
}

function isInside(root: string, p: string): boolean {
  const rel = path.relative(root, p);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

let probe: Promise<string | null> | undefined;
let features: Promise<{ tmpSize: boolean; prlimit: string | null }> | undefined;

/**
 * Null when bwrap works here (probed once per process by running `true` inside the same kind of
 * sandbox), else why not (not installed, user namespaces disabled, not Linux).
 */
export function sandboxUnavailable(): Promise<string | null> {
  probe ??= (async () => {
    if (process.platform !== 'linux')
      return `no OS sandbox is wired for ${process.platform} yet (bubblewrap is Linux only)`;
    const r = await execa(
      'bwrap',
      bwrapArgv({ root: os.tmpdir(), home: os.homedir(), masks: [] }, ['true']).slice(1),
      { reject: false, stdin: 'ignore', timeout: 10_000 },
    );
    if (r.exitCode === 0) return null;
    if ((r as { code?: string }).code === 'ENOENT' || /ENOENT/.test(r.shortMessage ?? ''))
      return 'bubblewrap (bwrap) is not installed';
    return `bubblewrap cannot create a sandbox here: ${(r.stderr || r.shortMessage || '').trim().split('\n')[0]}`;
  })();
  return probe;
}

/** What this bwrap and system offer for the limits: a sized /tmp (bwrap ≥ 0.8), util-linux prlimit. Probed once. */
function sandboxFeatures(): Promise<{ tmpSize: boolean; prlimit: string | null }> {
  features ??= (async () => {
    const help = await execa('bwrap', ['--help'], { reject: false, stdin: 'ignore', timeout: 10_000 });
    const prlimit = (process.env.PATH ?? '/usr/bin:/bin')
      .split(':')
      .map((d) => path.join(d || '.', 'prlimit'))
      .find((f) => {
        try {
          accessSync(f, constants.X_OK);
          return path.isAbsolute(f);
        } catch {
          return false;
        }
      });
    return { tmpSize: /--size\b/.test(`${help.stdout}${help.stderr}`), prlimit: prlimit ?? null };
  })();
  return features;
}

/** A command ready to run: its argv, its environment, and the scrubber for its output. */
export interface PreparedCommand {
  argv: string[];
  /** The whole environment of the command (the allow-list of ./sandboxEnv.ts; nothing else is inherited). */
  env: Record<string, string>;
  /** `text` with the values of known secrets replaced by `[redacted]` (src/log.ts `redactValues`). */
  redact(text: string): string;
  /** Called once the command has ended (removes its pids cgroup). */
  done(): Promise<void>;
}

/**
 * The command as it runs without a sandbox: unchanged argv, but still the allow-listed
 * environment and the secret scrubbing of `policy`.
 */
export function plainCommand(
  command: readonly string[],
  root: string,
  policy: SandboxPolicy = DEFAULT_SANDBOX_POLICY,
): PreparedCommand {
  const secrets = workspaceSecrets(root);
  return {
    argv: [...command],
    env: sandboxEnv(process.env, policy.env),
    redact: (t) => redactValues(t, secrets),
    done: async () => undefined,
  };
}

/** Decides, per command, whether and how it is sandboxed; says once when it cannot be. */
export interface Sandbox {
  /**
   * The command `command` run in the workspace `root`: wrapped in bwrap with the limits, or
   * unchanged when the mode is `off` or (with `auto`) no sandbox is available; the environment
   * allow-list and the output scrubbing apply either way. Throws ConfigError (exit 2) when the mode
   * is `required` and none is available.
   */
  prepare(command: readonly string[], root: string): Promise<PreparedCommand>;
}

/** The shell that moves itself into a pids cgroup and execs its arguments: fixed text, argv passed as arguments. */
const ENTER_CGROUP = 'echo $$ > "$1" || exit 125; shift; exec "$@"';

/** A workspace's sandbox cache unused for this long (ms) is removed (temporary worktrees leave theirs behind). */
export const SANDBOX_CACHE_MAX_AGE_MS = 30 * 24 * 60 * 60 * 1000;

/** Sandbox cache directories already pruned by this process (one pass per process is enough). */
const pruned = new Set<string>();

/**
 * The host directory of the workspace at `root` (a real path) for caches its sandboxed commands
 * keep between runs: `$XDG_CACHE_HOME/claude-exec/sandbox/<first 16 hex digits of the SHA-256 of
 * root>` (`~/.cache` when XDG_CACHE_HOME is not an absolute path), `go-build` inside it. One per
 * workspace, so code under test in one repository cannot plant build outputs another
 * repository's tests would run; the user's own toolchain caches are never written. Created (mode
 * 0700) on demand and marked used (its mtime); the other workspaces' directories unused for
 * SANDBOX_CACHE_MAX_AGE_MS (30 days) are removed, once per process. Null when it cannot be created.
 */
export function sandboxCacheDir(
  root: string,
  home: string = os.homedir(),
  env: NodeJS.ProcessEnv = process.env,
): string | null {
  const xdg = env.XDG_CACHE_HOME;
  const base = path.join(
    xdg && path.isAbsolute(xdg) ? xdg : path.join(home, '.cache'),
    'claude-exec',
    'sandbox',
  );
  const id = createHash('sha256').update(root).digest('hex').slice(0, 16);
  const dir = path.join(base, id, 'go-build');
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const now = new Date();
    utimesSync(path.join(base, id), now, now);
  } catch {
    return null;
  }
  if (!pruned.has(base)) {
    pruned.add(base);
    pruneSandboxCaches(base, id, Date.now());
  }
  return dir;
}

/** Removes the directories of `base` other than `keep` whose mtime is older than SANDBOX_CACHE_MAX_AGE_MS before `nowMs`. Never throws. */
function pruneSandboxCaches(base: string, keep: string, nowMs: number): void {
  for (const name of safeReaddir(base)) {
    if (name === keep || !/^[0-9a-f]{16}$/.test(name)) continue;
    const p = path.join(base, name);
    try {
      const st = lstatSync(p);
      if (st.isDirectory() && nowMs - st.mtimeMs > SANDBOX_CACHE_MAX_AGE_MS)
        rmSync(p, { recursive: true, force: true });
    } catch {
      // Another process removed it, or it cannot be: left for the next pass.
    }
  }
}

/**
 * A Sandbox for `mode`; `warn` is called at most once, the first time `auto` runs without one.
 * `opts.home` is the home directory whose secrets are masked (default: os.homedir());
 * `opts.unavailable` replaces the probe (for platforms without bwrap); `opts.policy` is what the
 * user's config says (default DEFAULT_SANDBOX_POLICY).
 */
export function createSandbox(
  mode: SandboxMode,
  warn: (text: string) => void,
  opts: { home?: string; unavailable?: () => Promise<string | null>; policy?: SandboxPolicy } = {},
): Sandbox {
  let warned = false;
  const home = opts.home;
  const policy = opts.policy ?? DEFAULT_SANDBOX_POLICY;
  const unavailable = opts.unavailable ?? sandboxUnavailable;
  return {
    async prepare(command, root) {
      const plain = plainCommand(command, root, policy);
      if (mode === 'off') return plain;
      const why = await unavailable();
      if (why === null) {
        const f = await sandboxFeatures();
        const real = realpathSync(root);
        const layout = sandboxLayout(real, home, { envFiles: policy.envFiles });
        const goCache = sandboxCacheDir(real, home);
        if (goCache) layout.goCache = goCache;
        const { processes, memory_mb, tmp_mb } = policy.limits;
        if (f.tmpSize) layout.tmpBytes = tmp_mb * 1024 * 1024;
        if (f.prlimit)
          layout.rlimits = {
            prlimit: f.prlimit,
            processes,
            dataBytes: memory_mb ? memory_mb * 1024 * 1024 : null,
          };
        const argv = bwrapArgv(layout, command);
        const cgroup = createPidsCgroup(processes);
        if (!cgroup) return { ...plain, argv };
        return {
          ...plain,
          argv: ['/bin/sh', '-c', ENTER_CGROUP, 'sh', cgroup.procs, ...argv],
          done: () => cgroup.remove(),
        };
      }
      if (mode === 'required') {
        throw new ConfigError(
          `sandbox is "required" but ${why}`,
          'Install bubblewrap (e.g. `apt-get install bubblewrap`), or set "sandbox": "auto" or "off" in claude-exec.config.json.',
        );
      }
      if (!warned) {
        warned = true;
        warn(
          `${why}: the test command runs without a sandbox, with your full rights and network (config "sandbox": "required" refuses that)`,
        );
      }
      return plain;
    },
  };
}
