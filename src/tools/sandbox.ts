/**
 * The OS sandbox for commands run for the model (the test command runs code the model wrote):
 * bubblewrap (`bwrap`) on Linux. Inside it the network is off (a new network namespace with only
 * its own loopback), the file system is read-only except the workspace and a private /tmp, the
 * home directory's secrets (~/.ssh, ~/.aws, ~/.config/gcloud, keyrings, credential files) and
 * `.env*` files outside the workspace are masked (an empty directory or an empty file in their
 * place), capabilities are dropped, and the sandbox dies with claude-exec.
 *
 * Why bwrap itself and not @anthropic-ai/sandbox-runtime: that package filters the network
 * through a proxy it starts (with its own zod 3 and a TLS library) to allow chosen domains; we
 * need the network off, which one bwrap flag gives. sandbox-exec (macOS) is not wired yet, so on
 * macOS `auto` runs without a sandbox and says so.
 *
 * Config `sandbox`: `auto` (the default: use it when available, else warn once and run without),
 * `required` (refuse to run the command without it), `off`.
 */
import { lstatSync, readdirSync, realpathSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { ConfigError } from '../errors.js';
import { isSecretFile } from './pathGuard.js';

export type SandboxMode = 'auto' | 'required' | 'off';

/** Secrets under the home directory, relative to it (directories and files). */
export const HOME_SECRETS: readonly string[] = [
  '.ssh', '.aws', '.azure', '.config/gcloud', '.config/gh', '.kube', '.docker', '.gnupg',
  '.local/share/keyrings', '.password-store', '.netrc', '.npmrc', '.pypirc', '.git-credentials',
  '.config/git/credentials', '.cargo/credentials.toml', '.cargo/credentials', '.terraform.d',
];

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
    '--cap-drop', 'ALL',
    '--ro-bind', '/', '/',
    '--dev', '/dev',
    '--proc', '/proc',
    '--tmpfs', '/tmp',
    '--setenv', 'TMPDIR', '/tmp',
    // go test needs a writable build cache, and the real one is read-only here: a private one in /tmp.
    '--setenv', 'GOCACHE', '/tmp/go-build',
    '--bind', layout.root, layout.root,
  ];
  for (const l of layout.links ?? []) args.push('--ro-bind', l, l);
  for (const m of layout.masks) {
    if (m.dir) args.push('--tmpfs', m.path);
    else args.push('--ro-bind', '/dev/null', m.path);
  }
  args.push('--chdir', layout.root, '--', ...command);
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
 * The masks for `root` and `home`: each existing entry of HOME_SECRETS, and every `.env*` file
 * (`isSecretFile`) directly in the home directory or in a directory above the workspace.
 */
export function sandboxLayout(root: string, home: string = os.homedir()): SandboxLayout {
  const masks: SandboxLayout['masks'] = [];
  const add = (p: string) => {
    const kind = kindOf(p);
    if (kind && !masks.some((m) => m.path === p) && !isInside(root, p)) masks.push({ path: p, dir: kind === 'dir' });
  };
  for (const rel of HOME_SECRETS) add(path.join(home, rel));
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
  return { root, home, masks, links: tmpLinkTargets(root) };
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

/**
 * Null when bwrap works here (probed once per process by running `true` inside the same kind of
 * sandbox), else why not (not installed, user namespaces disabled, not Linux).
 */
export function sandboxUnavailable(): Promise<string | null> {
  probe ??= (async () => {
    if (process.platform !== 'linux') return `no OS sandbox is wired for ${process.platform} yet (bubblewrap is Linux only)`;
    const r = await execa('bwrap', bwrapArgv({ root: os.tmpdir(), home: os.homedir(), masks: [] }, ['true']).slice(1), { reject: false, stdin: 'ignore', timeout: 10_000 });
    if (r.exitCode === 0) return null;
    if ((r as { code?: string }).code === 'ENOENT' || /ENOENT/.test(r.shortMessage ?? '')) return 'bubblewrap (bwrap) is not installed';
    return `bubblewrap cannot create a sandbox here: ${(r.stderr || r.shortMessage || '').trim().split('\n')[0]}`;
  })();
  return probe;
}

/** Decides, per command, whether and how it is sandboxed; says once when it cannot be. */
export interface Sandbox {
  /**
   * The argv that runs `command` in the workspace `root`: wrapped in bwrap, or unchanged when
   * the mode is `off` or (with `auto`) no sandbox is available. Throws ConfigError (exit 2) when
   * the mode is `required` and none is available.
   */
  wrap(command: readonly string[], root: string): Promise<string[]>;
}

/**
 * A Sandbox for `mode`; `warn` is called at most once, the first time `auto` runs without one.
 * `opts.home` is the home directory whose secrets are masked (default: os.homedir());
 * `opts.unavailable` replaces the probe (for platforms without bwrap).
 */
export function createSandbox(
  mode: SandboxMode,
  warn: (text: string) => void,
  opts: { home?: string; unavailable?: () => Promise<string | null> } = {},
): Sandbox {
  let warned = false;
  const home = opts.home;
  const unavailable = opts.unavailable ?? sandboxUnavailable;
  return {
    async wrap(command, root) {
      if (mode === 'off') return [...command];
      const why = await unavailable();
      if (why === null) return bwrapArgv(sandboxLayout(realpathSync(root), home), command);
      if (mode === 'required') {
        throw new ConfigError(`sandbox is "required" but ${why}`, 'Install bubblewrap (e.g. `apt-get install bubblewrap`), or set "sandbox": "auto" or "off" in claude-exec.config.json.');
      }
      if (!warned) {
        warned = true;
        warn(`${why}: the test command runs without a sandbox, with your full rights and network (config "sandbox": "required" refuses that)`);
      }
      return [...command];
    },
  };
}
