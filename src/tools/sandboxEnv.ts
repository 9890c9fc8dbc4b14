/**
 * What a command run for the model may see of our environment: an allow-list of variable names
 * (the locale, the terminal, CI, and the toolchains' own variables), never "everything but a few".
 * Pure: takes an environment and returns one.
 */
import { isSecretName } from '../log.js';

/**
 * Variables every test run gets when they are set (a trailing `*` is a prefix). The toolchain
 * variables are the ones their tools document for finding themselves and their caches: Node
 * (NODE_OPTIONS, NODE_PATH), Go (GOPATH, GOCACHE, GOFLAGS, …), Python (PYTHONPATH, VIRTUAL_ENV,
 * CONDA_PREFIX), Java (JAVA_HOME, GRADLE_USER_HOME), Rust (CARGO_HOME, RUSTUP_HOME), Ruby, .NET.
 */
const DEFAULT_SANDBOX_ENV: readonly string[] = [
  'PATH',
  'HOME',
  'USER',
  'LOGNAME',
  'SHELL',
  'LANG',
  'LANGUAGE',
  'LC_*',
  'TERM',
  'COLORTERM',
  'NO_COLOR',
  'FORCE_COLOR',
  'CI',
  'TZ',
  'TMPDIR',
  'NODE_OPTIONS',
  'NODE_PATH',
  'NODE_ENV',
  'NODE_EXTRA_CA_CERTS',
  'GOPATH',
  'GOROOT',
  'GOCACHE',
  'GOMODCACHE',
  'GOFLAGS',
  'GOPROXY',
  'GOPRIVATE',
  'GONOSUMDB',
  'GONOPROXY',
  'GOTOOLCHAIN',
  'GO111MODULE',
  'GOOS',
  'GOARCH',
  'CGO_ENABLED',
  'PYTHONPATH',
  'PYTHONHOME',
  'PYTHONDONTWRITEBYTECODE',
  'PYTHONUNBUFFERED',
  'VIRTUAL_ENV',
  'CONDA_PREFIX',
  'CONDA_DEFAULT_ENV',
  'PYENV_ROOT',
  'JAVA_HOME',
  'MAVEN_HOME',
  'M2_HOME',
  'GRADLE_HOME',
  'GRADLE_USER_HOME',
  'CARGO_HOME',
  'RUSTUP_HOME',
  'RUSTUP_TOOLCHAIN',
  'RUST_BACKTRACE',
  'GEM_HOME',
  'GEM_PATH',
  'RBENV_ROOT',
  'BUNDLE_PATH',
  'DOTNET_ROOT',
  'NVM_DIR',
  'VOLTA_HOME',
  'PNPM_HOME',
  'DENO_DIR',
  'BUN_INSTALL',
];

/** Names no allow-list entry lets through: where requests go and with which key. */
const NEVER = /^ANTHROPIC_|^CLAUDE_/i;

const matches = (pattern: string, name: string) =>
  pattern.endsWith('*') ? name.startsWith(pattern.slice(0, -1)) : name === pattern;

/**
 * Pure: the variables of `env` whose name is in DEFAULT_SANDBOX_ENV or in `extra` (config
 * `sandbox_env`; `NAME` or a `PREFIX*`). A secret-looking name (`isSecretName`) passes only when
 * `extra` names it exactly; `ANTHROPIC_*` and `CLAUDE_*` never pass.
 */
export function sandboxEnv(
  env: Record<string, string | undefined>,
  extra: readonly string[] = [],
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined || NEVER.test(name)) continue;
    const exact = extra.includes(name);
    const listed = exact || [...DEFAULT_SANDBOX_ENV, ...extra].some((p) => matches(p, name));
    if (listed && (exact || !isSecretName(name))) out[name] = value;
  }
  return out;
}
