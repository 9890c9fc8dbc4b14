/**
 * Reads the configuration of a workspace. Precedence, lowest first: defaults < the package's
 * default rules block < the user config (`$XDG_CONFIG_HOME/claude-exec/config.json`) < the
 * workspace's ```claude-exec block of project_rules.md < its `claude-exec.config.json` < the
 * environment (the workspace `.env`, then the process environment) < flags (applied by the
 * caller). The workspace's block, config file and `.env` entries other than ANTHROPIC_API_KEY
 * count only when the workspace is trusted (./trust.ts); keys only the user may set
 * (USER_ONLY_KEYS: sandbox, backend, claude_code, base_url, mcp_servers) never come from a
 * workspace. `hooks` of a trusted workspace run after the user's (joinHooks), never instead of them.
 * The AGENTS.md / CLAUDE.md that apply (./instructions.ts) are read only when trusted, too.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import dotenv from 'dotenv';
import { ConfigError } from '../errors.js';
import { grayMatter } from './grayMatter.js';
import { fromRulesBlockSnapshot, readRulesBlockSnapshot, type RulesBlockSnapshot } from './rulesBlock.js';
import { ConfigSchema, USER_ONLY_KEYS, validateConfig, type Config } from './schema.js';
import { unknownKeyIssues } from './strict.js';
import { findInstructionFiles, type InstructionFile } from './instructions.js';
import { ENV_NEVER_FROM_WORKSPACE, ENV_TRUST_NAMES } from './trust.js';
import { CONFIG_FILE, isTrusted, RULES_FILE } from './trustStore.js';
import { readJsonObject, readUserConfig, userConfigPath } from './user.js';

type SandboxMode = Config['sandbox'];

export interface LoadedConfig {
  config: Config;
  /**
   * process.env overlaid on the workspace's `.env` (process values win); from an untrusted
   * workspace's `.env` only ANTHROPIC_API_KEY and names claude-exec does not read;
   * ANTHROPIC_BASE_URL is the effective endpoint (environment, trusted `.env`, or user config `base_url`).
   */
  env: Record<string, string | undefined>;
  rules: { text: string; path: string };
  /** AGENTS.md / CLAUDE.md that apply to the workspace (./instructions.ts); [] when none or not trusted. */
  instructions: InstructionFile[];
  /** Where the effective base URL came from (null: Anthropic's), and where `sandbox` came from. */
  sources: {
    base_url: 'environment' | 'workspace .env' | 'user config' | null;
    sandbox: 'default' | 'user config' | '--sandbox';
  };
  /** Workspace settings that were ignored (user-only keys, credentials in `.env`), one line each. */
  notes: string[];
}

export interface LoadConfigOptions {
  /** The user trusts the workspace: its config file, rules block and `.env` entries count. Default false. */
  trusted?: boolean;
  /** The user config file (default: userConfigPath of the environment); null: none. */
  userConfig?: string | null;
  /** --sandbox, over the user config. */
  sandbox?: SandboxMode;
}

/** The package's default project_rules.md (used when the workspace has none). */
function defaultRulesPath(): string {
  return fileURLToPath(new URL('../../project_rules.md', import.meta.url));
}

/**
 * The YAML of the first ```claude-exec fenced block in a rules file, parsed; {} if none. The
 * package's default block comes from the build's snapshot (./rulesBlock.ts) when the text is the
 * same; `snapshot` replaces that snapshot (null: always parse).
 */
export function rulesOverrides(
  rulesText: string,
  file: string,
  snapshot: RulesBlockSnapshot | null = readRulesBlockSnapshot(),
): Record<string, unknown> {
  const m = /```claude-exec\r?\n([\s\S]*?)```/.exec(rulesText);
  if (!m) return {};
  const known = fromRulesBlockSnapshot(snapshot, m[1]!);
  if (known) return known;
  try {
    const data = grayMatter()(`---\n${m[1]}---\n`).data as Record<string, unknown>;
    return data ?? {};
  } catch (err) {
    throw new ConfigError(`${file}: the claude-exec block is not valid YAML (${(err as Error).message})`);
  }
}

function deepMerge(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const prev = out[k];
    out[k] =
      v &&
      typeof v === 'object' &&
      !Array.isArray(v) &&
      prev &&
      typeof prev === 'object' &&
      !Array.isArray(prev)
        ? deepMerge(prev as Record<string, unknown>, v as Record<string, unknown>)
        : v;
  }
  return out;
}

function envNumber(env: Record<string, string | undefined>, name: string): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return undefined;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0)
    throw new ConfigError(`${name}: must be a positive number, got "${raw}"`);
  return n;
}

/** `file` relative to the workspace when inside it, else as it is (the package's default rules). */
function shown(workspace: string, file: string): string {
  const rel = path.relative(workspace, file);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : file;
}

/** Removes USER_ONLY_KEYS from a workspace source, with a note for each. */
function withoutUserOnly(
  json: Record<string, unknown>,
  source: string,
  notes: string[],
): Record<string, unknown> {
  const out = { ...json };
  for (const key of USER_ONLY_KEYS) {
    if (key in out) {
      notes.push(
        `${source}: "${key}" ignored — only your user config (${'$'}XDG_CONFIG_HOME/claude-exec/config.json), the environment or a flag sets it`,
      );
      delete out[key];
    }
  }
  return out;
}

/**
 * Pure: the `hooks` of several sources (lowest first) with each event's lists joined in order, so
 * that a trusted workspace's hooks run after the user's instead of replacing them. Undefined when
 * no source has hooks; a source whose `hooks` is not an object is returned as it is, for the
 * schema to report.
 */
export function joinHooks(sources: readonly unknown[]): unknown {
  const present = sources.filter((h) => h !== undefined);
  if (present.length === 0) return undefined;
  const odd = present.find((h) => !h || typeof h !== 'object' || Array.isArray(h));
  if (odd !== undefined) return odd;
  const out: Record<string, unknown> = {};
  for (const h of present as Record<string, unknown>[]) {
    for (const [event, list] of Object.entries(h)) {
      const prev = out[event];
      out[event] = Array.isArray(prev) && Array.isArray(list) ? [...prev, ...list] : list;
    }
  }
  return out;
}

/** Throws ConfigError naming `specs_dir` when a workspace's value leaves the workspace. */
function checkSpecsDir(workspace: string, json: Record<string, unknown>, source: string): void {
  const dir = json.specs_dir;
  if (typeof dir !== 'string') return;
  const rel = path.relative(workspace, path.resolve(workspace, dir));
  if (rel.startsWith('..') || path.isAbsolute(rel)) {
    throw new ConfigError(
      `${source}: specs_dir "${dir}" is outside the workspace`,
      'A workspace may only put specs inside itself (e.g. "docs/specs"); set another place in your user config.',
    );
  }
}

/** The workspace `.env` entries that count: the key always, the rest only when trusted (never a credential other than the key, nor the backend). */
function workspaceEnv(
  fileEnv: Record<string, string>,
  trusted: boolean,
  notes: string[],
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(fileEnv)) {
    if ((ENV_NEVER_FROM_WORKSPACE as readonly string[]).includes(k)) {
      notes.push(`.env: ${k} ignored — only your environment sets it`);
      continue;
    }
    if (!trusted && (ENV_TRUST_NAMES as readonly string[]).includes(k)) continue;
    out[k] = v;
  }
  return out;
}

/**
 * Loads config for `workspace`. Throws ConfigError (exit 2) with `path: message` lines for an
 * invalid config file, rules block, user config or environment value, for any key the schema
 * does not know (`claude-exec.config.json: unknown key "limts" — did you mean "limits"?`), for a
 * number out of its range, and for a workspace `specs_dir` outside the workspace.
 */
export function loadConfig(
  workspace: string,
  processEnv: NodeJS.ProcessEnv = process.env,
  opts: LoadConfigOptions = {},
): LoadedConfig {
  const trusted = opts.trusted ?? false;
  const notes: string[] = [];
  const envFile = path.join(workspace, '.env');
  const fileEnv = existsSync(envFile) ? dotenv.parse(readFileSync(envFile)) : {};
  const env: Record<string, string | undefined> = { ...workspaceEnv(fileEnv, trusted, notes), ...processEnv };

  const ownRules = path.join(workspace, RULES_FILE);
  const rulesPath = existsSync(ownRules) ? ownRules : defaultRulesPath();
  const rulesText = existsSync(rulesPath) ? readFileSync(rulesPath, 'utf8') : '';
  // An untrusted workspace's rules prose is still read (it is data for the model); its block is not.
  const blockPath = trusted ? rulesPath : defaultRulesPath();
  const blockText =
    blockPath === rulesPath ? rulesText : existsSync(blockPath) ? readFileSync(blockPath, 'utf8') : '';
  const fromPackage = blockPath !== ownRules;
  let block = rulesOverrides(blockText, blockPath);
  const unknown = unknownKeyIssues(block, ConfigSchema).map(
    (i) => `${shown(workspace, blockPath)} (claude-exec block): ${i}`,
  );

  const userFile = opts.userConfig === undefined ? userConfigPath(processEnv) : opts.userConfig;
  const user = userFile ? readUserConfig(userFile) : {};
  let merged: Record<string, unknown> = fromPackage ? deepMerge(block, user) : user;
  const hookSources: unknown[] = [user.hooks];
  if (!fromPackage) {
    block = withoutUserOnly(block, `${RULES_FILE} (claude-exec block)`, notes);
    checkSpecsDir(workspace, block, `${RULES_FILE} (claude-exec block)`);
    merged = deepMerge(merged, block);
    hookSources.push(block.hooks);
  }

  const configPath = path.join(workspace, CONFIG_FILE);
  if (trusted && existsSync(configPath)) {
    const json = readJsonObject(configPath);
    unknown.push(...unknownKeyIssues(json, ConfigSchema).map((i) => `${CONFIG_FILE}: ${i}`));
    const kept = withoutUserOnly(json, CONFIG_FILE, notes);
    checkSpecsDir(workspace, kept, CONFIG_FILE);
    merged = deepMerge(merged, kept);
    hookSources.push(kept.hooks);
  }
  const hooks = joinHooks(hookSources);
  if (hooks !== undefined) merged = { ...merged, hooks };
  if (unknown.length) {
    throw new ConfigError(
      unknown.join('\n'),
      'Unknown keys are refused so that a typo never drops a setting; the README lists the keys.',
    );
  }

  const limits: Record<string, unknown> = {};
  const alert = envNumber(env, 'COST_ALERT_THRESHOLD');
  if (alert !== undefined) limits.cost_alert_threshold_usd = alert;
  const tokens = envNumber(env, 'TOKEN_LIMIT_WARNING');
  if (tokens !== undefined) limits.token_limit_warning = Math.round(tokens);
  const maxCost = envNumber(env, 'CLAUDE_EXEC_MAX_COST');
  if (maxCost !== undefined) limits.max_cost_usd = maxCost;
  merged = deepMerge(merged, { limits });
  if (env.DEFAULT_MODEL) merged = deepMerge(merged, { models: { default: env.DEFAULT_MODEL } });
  if (processEnv.CLAUDE_EXEC_BACKEND) merged = deepMerge(merged, { backend: processEnv.CLAUDE_EXEC_BACKEND });
  if (opts.sandbox) merged = deepMerge(merged, { sandbox: opts.sandbox });

  const { config, issues } = validateConfig(merged);
  if (!config)
    throw new ConfigError(
      `invalid configuration (${userFile ?? 'user config'}, ${CONFIG_FILE}, ${RULES_FILE} or environment):\n  ${issues.join('\n  ')}`,
    );

  let baseUrl: LoadedConfig['sources']['base_url'] = null;
  if (processEnv.ANTHROPIC_BASE_URL) baseUrl = 'environment';
  else if (env.ANTHROPIC_BASE_URL) baseUrl = 'workspace .env';
  else if (config.base_url) {
    env.ANTHROPIC_BASE_URL = config.base_url;
    baseUrl = 'user config';
  }
  const sandbox = opts.sandbox ? '--sandbox' : 'sandbox' in user ? 'user config' : 'default';
  const found = findInstructionFiles(workspace);
  if (!trusted && found.length)
    notes.push(
      `${found.map((f) => f.file).join(', ')} ignored — the workspace is not trusted (\`claude-exec trust --show\`)`,
    );
  const instructions = trusted ? found : [];
  return {
    config,
    env,
    rules: { text: rulesText, path: rulesPath },
    instructions,
    sources: { base_url: baseUrl, sandbox },
    notes,
  };
}

/**
 * loadConfig for commands that make no call and never ask (prices, prompts, spec, memory views):
 * the workspace's own files count only when the trust store already trusts them.
 */
export function loadStoredConfig(
  workspace: string,
  processEnv: NodeJS.ProcessEnv = process.env,
): LoadedConfig {
  return loadConfig(workspace, processEnv, { trusted: isTrusted(workspace, processEnv) });
}
