/**
 * Runs hooks: the user's commands at chain events, through execa without a shell, in the
 * workspace root, OUTSIDE the model's sandbox (a hook is the user's own command, run with the
 * user's rights), with the event's JSON document on stdin and a timeout. Never throws: a hook
 * that fails, cannot start or times out is reported in the result, and only a before_file_change
 * hook that exits 2 blocks anything.
 */
import { execa } from 'execa';
import type { Hook } from '../config/schema.js';
import { redactValues, secretValues } from '../log.js';
import { BLOCK_EXIT_CODE, BLOCKING_EVENTS, type HookDocument } from './events.js';
import type { HookReport } from './state.js';

/** Names a hook never sees: the model's credentials and endpoint, and claude-exec's own settings. */
const NOT_FOR_HOOKS = /^ANTHROPIC_|^CLAUDE_/i;
/** stderr kept of a hook, characters (its end). */
const STDERR_KEPT = 2000;
/** stderr read from a hook at most, bytes: a hook that writes more is stopped and reported. */
const STDERR_MAX_BYTES = 1_000_000;
/** After the timeout's SIGTERM, ms until the hook's process group gets SIGKILL. */
const FORCE_KILL_AFTER_MS = 2000;

/**
 * Pure: the environment of a hook: the user's process environment (never the workspace's `.env`,
 * which a repository writes) without `ANTHROPIC_*` and `CLAUDE_*` (so no API key nor auth token),
 * plus CLAUDE_EXEC_HOOK_EVENT, CLAUDE_EXEC_CHAIN_ID and CLAUDE_EXEC_WORKSPACE from `doc`.
 */
export function hookEnv(
  env: Record<string, string | undefined>,
  doc: Pick<HookDocument, 'event' | 'chain_id' | 'workspace'>,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(env))
    if (value !== undefined && !NOT_FOR_HOOKS.test(name)) out[name] = value;
  out.CLAUDE_EXEC_HOOK_EVENT = doc.event;
  out.CLAUDE_EXEC_CHAIN_ID = doc.chain_id;
  out.CLAUDE_EXEC_WORKSPACE = doc.workspace;
  return out;
}

/** How one hook run ended: its exit code (null when it did not exit by itself), whether it timed out, the end of its stderr, or why it could not start. */
export interface HookRunResult {
  exitCode: number | null;
  timedOut: boolean;
  stderr: string;
  /** The command could not be started, or wrote too much: why. */
  error?: string;
}

/**
 * Runs `hook` once with `doc` (one line of JSON) on its stdin, in `cwd`, with `env` as its whole
 * environment (see hookEnv). stdout is discarded; stderr is kept (its last 2,000 characters).
 * After `hook.timeout_ms` ms its process group is killed (SIGTERM, then SIGKILL 2 s later). Never throws.
 */
export async function runHook(
  hook: Hook,
  doc: HookDocument,
  opts: { cwd: string; env: Record<string, string> },
): Promise<HookRunResult> {
  const [file, ...args] = hook.command;
  // Its own process group, so that the timeout also stops what it started (`sh -c` children
  // hold its stderr open: killing the shell alone would leave the chain waiting for them).
  const child = execa(file!, args, {
    cwd: opts.cwd,
    env: opts.env,
    extendEnv: false,
    input: `${JSON.stringify(doc)}\n`,
    stdout: 'ignore',
    detached: true,
    maxBuffer: STDERR_MAX_BYTES,
    reject: false,
    stripFinalNewline: true,
  });
  let timedOut = false;
  const killGroup = (signal: NodeJS.Signals) => {
    try {
      if (child.pid) process.kill(-child.pid, signal);
    } catch {
      // The group is gone already.
    }
  };
  let forceKill: NodeJS.Timeout | undefined;
  const timer = setTimeout(() => {
    timedOut = true;
    killGroup('SIGTERM');
    forceKill = setTimeout(() => killGroup('SIGKILL'), FORCE_KILL_AFTER_MS);
  }, hook.timeout_ms);
  const r = await child;
  clearTimeout(timer);
  clearTimeout(forceKill);
  const stderr = String(r.stderr ?? '').slice(-STDERR_KEPT);
  if (timedOut) return { exitCode: null, timedOut: true, stderr };
  if (r.exitCode === undefined) return { exitCode: null, timedOut: false, stderr, error: r.shortMessage };
  if (r.isMaxBuffer)
    return {
      exitCode: r.exitCode,
      timedOut: false,
      stderr,
      error: `wrote more than ${STDERR_MAX_BYTES} bytes to stderr`,
    };
  return { exitCode: r.exitCode, timedOut: false, stderr };
}

/** What running an event's hooks came to: the block (before_file_change, exit 2) and every hook run that did not simply succeed. */
export interface HooksOutcome {
  /** The reason the model is given (the blocking hook's stderr, or a default), or null. */
  blocked: string | null;
  /** Failures, timeouts and the block, for the chain's `hook_reports` and a warning each. */
  reports: HookReport[];
}

/** Pure: one line for a report, for the warning on stderr. */
export function reportLine(r: HookReport): string {
  const what =
    r.outcome === 'timed-out'
      ? 'timed out'
      : r.outcome === 'blocked'
        ? 'blocked the change'
        : r.exit_code === null
          ? 'could not run'
          : `failed (exit ${r.exit_code})`;
  const message = r.message.trim().split('\n').at(-1) ?? '';
  return `${r.event} hook ${r.command.join(' ')} ${what}${message ? `: ${message}` : ''}`;
}

/**
 * Runs `hooks` for `doc.event` one after another (in config order) and says what came of them.
 * For a blocking event (before_file_change) the first hook that exits 2 blocks the change and the
 * rest do not run; for any other event exit 2 is a failure like any other. The secrets of
 * `opts.env` (`secretValues`) and `opts.secrets` are redacted from what a hook wrote before it is
 * reported, recorded or given to the model. Never throws.
 */
export async function runHooks(
  hooks: readonly Hook[],
  doc: HookDocument,
  opts: { cwd: string; env: Record<string, string | undefined>; secrets?: readonly string[] },
): Promise<HooksOutcome> {
  const reports: HookReport[] = [];
  const env = hookEnv(opts.env, doc);
  const secrets = [...secretValues(opts.env), ...(opts.secrets ?? [])];
  for (const hook of hooks) {
    let r: HookRunResult;
    try {
      r = await runHook(hook, doc, { cwd: opts.cwd, env });
    } catch (err) {
      r = { exitCode: null, timedOut: false, stderr: '', error: (err as Error).message };
    }
    r = {
      ...r,
      stderr: redactValues(r.stderr, secrets),
      ...(r.error !== undefined ? { error: redactValues(r.error, secrets) } : {}),
    };
    const base = {
      at: new Date().toISOString(),
      event: doc.event,
      command: [...hook.command],
      exit_code: r.exitCode,
    };
    if (r.exitCode === 0 && !r.error) continue;
    if (r.timedOut) {
      reports.push({
        ...base,
        outcome: 'timed-out',
        message: `no exit after ${hook.timeout_ms} ms${r.stderr ? `; stderr: ${r.stderr}` : ''}`,
      });
    } else if (r.exitCode === BLOCK_EXIT_CODE && !r.error && BLOCKING_EVENTS.includes(doc.event)) {
      const reason = r.stderr.trim() || `a ${doc.event} hook (${hook.command.join(' ')}) refused it`;
      reports.push({ ...base, outcome: 'blocked', message: reason });
      return { blocked: reason, reports };
    } else {
      reports.push({
        ...base,
        outcome: 'failed',
        message: r.error ? `${r.error}${r.stderr ? `; stderr: ${r.stderr}` : ''}` : r.stderr,
      });
    }
  }
  return { blocked: null, reports };
}
