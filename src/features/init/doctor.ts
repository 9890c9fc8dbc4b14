/**
 * `claude-exec doctor`: what this machine and workspace give claude-exec, and what to fix. The
 * facts are gathered here (I/O: versions, the sandbox probe, the environment, one request to the
 * endpoint); `diagnose` turns them into checks (pure, table-tested).
 *
 * A check is `ok`, `warn` (works, with less: no sandbox under `auto`, no git), `fail` (a chain
 * cannot run as configured) or `skip` (not asked for, e.g. `--offline`). Secrets are never part of
 * a check: a key is described by where it comes from, never by its value.
 */
import { access, constants, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { loadConfig } from '../../config/load.js';
import { git as runGit } from '../../git/run.js';
import type { Config } from '../../config/schema.js';
import { sandboxUnavailable } from '../../tools/sandbox.js';

type CheckStatus = 'ok' | 'warn' | 'fail' | 'skip';

export interface Check {
  /** node, git, sandbox, credentials, endpoint, contexts, claude-code. */
  name: string;
  status: CheckStatus;
  /** What was found, one line. */
  detail: string;
  /** What to do about a warn or fail, one line; null when nothing. */
  fix: string | null;
}

/** What `diagnose` judges; every field read off this machine by `gatherFacts`. */
export interface DoctorFacts {
  /** process.versions.node, e.g. "20.20.2". */
  node: string;
  /** package.json engines.node, e.g. ">=20.17". */
  nodeRange: string;
  /** `git --version` output, or null when git cannot be run. */
  git: string | null;
  /** Config `sandbox`. */
  sandboxMode: Config['sandbox'];
  /** Null when bubblewrap works here, else why not. */
  sandboxUnavailable: string | null;
  backend: Config['backend'];
  /** Where a credential comes from ("ANTHROPIC_API_KEY in the environment"), or null when none. */
  credential: string | null;
  /** The base URL requests go to, and where it was set (null: Anthropic's default). */
  baseUrl: { url: string; from: string | null };
  /** The endpoint probe: an HTTP status, a network error, or null when not probed (--offline). */
  endpoint: { status: number } | { error: string } | null;
  /** The contexts directory and whether it can be written (or created). */
  contexts: { dir: string; writable: boolean; reason: string | null };
  /** The Claude Agent SDK's resolved version, or null when it is not installed. */
  agentSdk: string | null;
  /** The SDK version claude-exec is tested with (package.json optionalBackends). */
  agentSdkPinned: string;
}

const ANTHROPIC_URL = 'https://api.anthropic.com';

/** Pure: whether version `v` ("20.20.2") satisfies a `>=MAJOR.MINOR[.PATCH]` range. */
export function satisfiesMinimum(v: string, range: string): boolean {
  const want = /^>=\s*(\d+)(?:\.(\d+))?(?:\.(\d+))?/.exec(range.trim());
  if (!want) return true;
  const have = v
    .replace(/^v/, '')
    .split('.')
    .map((x) => Number.parseInt(x, 10) || 0);
  const need = [want[1], want[2], want[3]].map((x) => Number.parseInt(x ?? '0', 10));
  for (let i = 0; i < 3; i++) {
    if ((have[i] ?? 0) !== need[i]) return (have[i] ?? 0) > need[i]!;
  }
  return true;
}

/** Pure: the checks for `f`, in a fixed order. */
export function diagnose(f: DoctorFacts): Check[] {
  const checks: Check[] = [];
  const add = (name: string, status: CheckStatus, detail: string, fix: string | null = null) =>
    checks.push({ name, status, detail, fix });

  if (satisfiesMinimum(f.node, f.nodeRange)) add('node', 'ok', `Node.js ${f.node} (needs ${f.nodeRange})`);
  else
    add(
      'node',
      'fail',
      `Node.js ${f.node}, but claude-exec needs ${f.nodeRange}`,
      `install Node.js ${f.nodeRange.replace('>=', '')} or newer`,
    );

  if (f.git) add('git', 'ok', f.git);
  else
    add(
      'git',
      'warn',
      'git not found: checkpoints, rollback and diff fall back to copies of the changed files; --split and apply need git',
      'install git (apt-get install git, brew install git)',
    );

  if (f.sandboxMode === 'off')
    add(
      'sandbox',
      'warn',
      'sandbox off: the test command and checks run with your rights, network and files',
      'set "sandbox": "auto" in your user config',
    );
  else if (f.sandboxUnavailable === null) add('sandbox', 'ok', `bubblewrap works (sandbox ${f.sandboxMode})`);
  else if (f.sandboxMode === 'required')
    add(
      'sandbox',
      'fail',
      `sandbox required, but ${f.sandboxUnavailable}`,
      'apt-get install bubblewrap (Linux), or set "sandbox": "auto"',
    );
  else
    add(
      'sandbox',
      'warn',
      `test commands run unsandboxed: ${f.sandboxUnavailable}`,
      'apt-get install bubblewrap (Linux)',
    );

  const local = f.baseUrl.from !== null;
  if (f.backend === 'claude-code')
    add('credentials', 'skip', "the claude-code backend uses Claude Code's own login");
  else if (f.credential) add('credentials', 'ok', f.credential);
  else if (local)
    add(
      'credentials',
      'ok',
      `none, and none needed by a local server: a placeholder key goes to ${f.baseUrl.url}`,
    );
  else
    add(
      'credentials',
      'fail',
      'no API key: ANTHROPIC_API_KEY and ANTHROPIC_AUTH_TOKEN are not set',
      'export ANTHROPIC_API_KEY=sk-ant-… (or put it in the workspace .env), or use --backend claude-code',
    );

  const where = `${f.baseUrl.url}${f.baseUrl.from ? ` (from ${f.baseUrl.from})` : ''}`;
  if (f.backend === 'claude-code') add('endpoint', 'skip', 'the claude-code backend connects by itself');
  else if (f.endpoint === null) add('endpoint', 'skip', `${where}: not contacted (--offline)`);
  else if ('error' in f.endpoint)
    add(
      'endpoint',
      'fail',
      `${where} cannot be reached: ${f.endpoint.error}`,
      local
        ? 'start the server, or fix ANTHROPIC_BASE_URL'
        : 'check the network, a proxy (HTTPS_PROXY) or a firewall',
    );
  else if (f.endpoint.status === 401 || f.endpoint.status === 403)
    add(
      'endpoint',
      'fail',
      `${where} refused the credentials (HTTP ${f.endpoint.status})`,
      'check the key (console.anthropic.com → API keys) or the gateway token',
    );
  else if (f.endpoint.status >= 500)
    add(
      'endpoint',
      'warn',
      `${where} answered HTTP ${f.endpoint.status}`,
      'try again later; see status.anthropic.com',
    );
  else add('endpoint', 'ok', `${where} answers (HTTP ${f.endpoint.status})`);

  if (f.contexts.writable) add('contexts', 'ok', `${f.contexts.dir} can be written`);
  else
    add(
      'contexts',
      'fail',
      `${f.contexts.dir} cannot be written: ${f.contexts.reason ?? 'permission denied'}`,
      'give --contexts a writable directory, or fix its permissions',
    );

  const install = `npm install --no-save @anthropic-ai/claude-agent-sdk@${f.agentSdkPinned} (next to claude-exec)`;
  if (f.agentSdk)
    add(
      'claude-code',
      f.agentSdk === f.agentSdkPinned ? 'ok' : 'warn',
      `Claude Agent SDK ${f.agentSdk}${f.agentSdk === f.agentSdkPinned ? '' : ` (claude-exec is tested with ${f.agentSdkPinned})`}`,
      f.agentSdk === f.agentSdkPinned ? null : install,
    );
  else if (f.backend === 'claude-code')
    add(
      'claude-code',
      'fail',
      'the claude-code backend is configured, but the Claude Agent SDK is not installed',
      install,
    );
  else
    add(
      'claude-code',
      'skip',
      'Claude Agent SDK not installed (optional: only --backend claude-code needs it)',
    );
  return checks;
}

/** Where the first of `names` is set: the process environment or the workspace `.env`. */
function sourceOf(
  names: string[],
  processEnv: NodeJS.ProcessEnv,
  merged: Record<string, string | undefined>,
): string | null {
  for (const name of names) {
    if (processEnv[name]) return `${name} in the environment`;
    if (merged[name]) return `${name} in the workspace .env`;
  }
  return null;
}

/** `dir` can be written, or created under its nearest existing parent. */
async function writableDir(dir: string): Promise<{ writable: boolean; reason: string | null }> {
  let d = path.resolve(dir);
  for (;;) {
    const st = await stat(d).catch(() => null);
    if (st) {
      if (!st.isDirectory()) return { writable: false, reason: `${d} is not a directory` };
      return access(d, constants.W_OK).then(
        () => ({ writable: true, reason: null }),
        (err: NodeJS.ErrnoException) => ({ writable: false, reason: err.code ?? err.message }),
      );
    }
    const parent = path.dirname(d);
    if (parent === d) return { writable: false, reason: 'no existing parent directory' };
    d = parent;
  }
}

/** The installed Agent SDK's version, or null. */
async function agentSdkVersion(): Promise<string | null> {
  try {
    const entry = import.meta.resolve('@anthropic-ai/claude-agent-sdk');
    // The package's own package.json sits at its root, above the entry file.
    let dir = path.dirname(new URL(entry).pathname);
    for (let i = 0; i < 5; i++, dir = path.dirname(dir)) {
      const text = await readFile(path.join(dir, 'package.json'), 'utf8').catch(() => null);
      const json = text ? (JSON.parse(text) as { name?: string; version?: string }) : undefined;
      if (json?.name === '@anthropic-ai/claude-agent-sdk') return json.version ?? 'unknown';
    }
    return 'unknown';
  } catch {
    return null;
  }
}

/** Plain words for the network errors a probe meets most. */
const NETWORK_ERRORS: Record<string, string> = {
  ENOTFOUND: 'host not found (DNS)',
  EAI_AGAIN: 'host not found (DNS did not answer)',
  ECONNREFUSED: 'connection refused (nothing listens there)',
  ECONNRESET: 'the connection was reset',
  TIMEOUT: 'no answer within 8 s',
  CERT_HAS_EXPIRED: 'its TLS certificate has expired',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE:
    'its TLS certificate cannot be verified (a proxy? set NODE_EXTRA_CA_CERTS)',
  SELF_SIGNED_CERT_IN_CHAIN: 'a self-signed certificate is in the chain (a proxy? set NODE_EXTRA_CA_CERTS)',
};

/** GET `<base>/v1/models` with the credentials, 8 s at most: the HTTP status or the network error. */
async function probeEndpoint(
  base: string,
  env: Record<string, string | undefined>,
): Promise<{ status: number } | { error: string }> {
  const headers: Record<string, string> = { 'anthropic-version': '2023-06-01' };
  if (env.ANTHROPIC_API_KEY) headers['x-api-key'] = env.ANTHROPIC_API_KEY;
  else if (env.ANTHROPIC_AUTH_TOKEN) headers.authorization = `Bearer ${env.ANTHROPIC_AUTH_TOKEN}`;
  try {
    const res = await fetch(new URL('/v1/models', base), {
      headers,
      signal: AbortSignal.timeout(8_000),
      redirect: 'manual',
    });
    await res.body?.cancel();
    return { status: res.status };
  } catch (err) {
    const e = err as Error & { cause?: { code?: string; message?: string } };
    const code = e.name === 'TimeoutError' ? 'TIMEOUT' : e.cause?.code;
    return { error: (code && NETWORK_ERRORS[code]) ?? e.cause?.message ?? e.message };
  }
}

export interface DoctorOptions {
  workspace: string;
  /** The contexts directory (default `<workspace>/contexts`). */
  contextsDir?: string;
  /** Do not contact the endpoint. */
  offline?: boolean;
  /** --backend, when given. */
  backend?: Config['backend'];
  processEnv?: NodeJS.ProcessEnv;
}

/**
 * Gathers the facts of this machine and `opts.workspace` and returns the checks. Throws
 * ConfigError (exit 2) for an invalid configuration, like every command that reads it.
 */
export async function runDoctor(opts: DoctorOptions): Promise<{ checks: Check[]; ok: boolean }> {
  const processEnv = opts.processEnv ?? process.env;
  const { config, env } = loadConfig(opts.workspace, processEnv);
  const backend = opts.backend ?? config.backend;
  const pkg = JSON.parse(await readFile(new URL('../../../package.json', import.meta.url), 'utf8')) as {
    engines?: { node?: string };
    optionalBackends?: Record<string, string>;
  };
  const gitRun = await runGit(opts.workspace, ['--version']);
  const baseFrom = sourceOf(['ANTHROPIC_BASE_URL'], processEnv, env);
  const baseUrl = { url: env.ANTHROPIC_BASE_URL || ANTHROPIC_URL, from: baseFrom };
  const facts: DoctorFacts = {
    node: process.versions.node,
    nodeRange: pkg.engines?.node ?? '>=20',
    git: gitRun.exitCode === 0 ? gitRun.stdout.trim() : null,
    sandboxMode: config.sandbox,
    sandboxUnavailable: config.sandbox === 'off' ? null : await sandboxUnavailable(),
    backend,
    credential: sourceOf(['ANTHROPIC_API_KEY', 'ANTHROPIC_AUTH_TOKEN'], processEnv, env),
    baseUrl,
    endpoint: opts.offline || backend === 'claude-code' ? null : await probeEndpoint(baseUrl.url, env),
    contexts: {
      dir: opts.contextsDir ?? path.join(opts.workspace, 'contexts'),
      ...(await writableDir(opts.contextsDir ?? path.join(opts.workspace, 'contexts'))),
    },
    agentSdk: await agentSdkVersion(),
    agentSdkPinned: pkg.optionalBackends?.['@anthropic-ai/claude-agent-sdk'] ?? 'latest',
  };
  const checks = diagnose(facts);
  return { checks, ok: !checks.some((c) => c.status === 'fail') };
}
