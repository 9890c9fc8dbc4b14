/**
 * Reads the workspace's configuration: defaults < the ```claude-exec block of project_rules.md
 * < `claude-exec.config.json` < environment (`.env` of the workspace, then the process
 * environment) < command-line flags (applied by the caller).
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import dotenv from 'dotenv';
import matter from 'gray-matter';
import { ConfigError } from '../errors.js';
import { ConfigSchema, validateConfig, type Config } from './schema.js';
import { unknownKeyIssues } from './strict.js';

export const CONFIG_FILE = 'claude-exec.config.json';
export const RULES_FILE = 'project_rules.md';

export interface LoadedConfig {
  config: Config;
  /** process.env overlaid on the workspace's `.env` (process values win). */
  env: Record<string, string | undefined>;
  rules: { text: string; path: string };
}

/** The package's default project_rules.md (used when the workspace has none). */
export function defaultRulesPath(): string {
  return fileURLToPath(new URL('../../project_rules.md', import.meta.url));
}

/** The YAML of the first ```claude-exec fenced block in a rules file, parsed; {} if none. */
export function rulesOverrides(rulesText: string, file: string): Record<string, unknown> {
  const m = /```claude-exec\r?\n([\s\S]*?)```/.exec(rulesText);
  if (!m) return {};
  try {
    const data = matter(`---\n${m[1]}---\n`).data as Record<string, unknown>;
    return data ?? {};
  } catch (err) {
    throw new ConfigError(`${file}: the claude-exec block is not valid YAML (${(err as Error).message})`);
  }
}

function deepMerge(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const prev = out[k];
    out[k] = v && typeof v === 'object' && !Array.isArray(v) && prev && typeof prev === 'object' && !Array.isArray(prev)
      ? deepMerge(prev as Record<string, unknown>, v as Record<string, unknown>)
      : v;
  }
  return out;
}

function envNumber(env: Record<string, string | undefined>, name: string): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return undefined;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new ConfigError(`${name}: must be a positive number, got "${raw}"`);
  return n;
}

/** `file` relative to the workspace when inside it, else as it is (the package's default rules). */
function shown(workspace: string, file: string): string {
  const rel = path.relative(workspace, file);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : file;
}

/**
 * Loads config for `workspace`. Throws ConfigError (exit 2) with `path: message` lines for an
 * invalid config file, rules block or environment value, and for any key the schema does not
 * know (`claude-exec.config.json: unknown key "limts" — did you mean "limits"?`).
 */
export function loadConfig(workspace: string, processEnv: NodeJS.ProcessEnv = process.env): LoadedConfig {
  const envFile = path.join(workspace, '.env');
  const fileEnv = existsSync(envFile) ? dotenv.parse(readFileSync(envFile)) : {};
  const env: Record<string, string | undefined> = { ...fileEnv, ...processEnv };

  const rulesPath = existsSync(path.join(workspace, RULES_FILE)) ? path.join(workspace, RULES_FILE) : defaultRulesPath();
  const rulesText = existsSync(rulesPath) ? readFileSync(rulesPath, 'utf8') : '';
  let merged = rulesOverrides(rulesText, rulesPath);
  const unknown = unknownKeyIssues(merged, ConfigSchema).map((i) => `${shown(workspace, rulesPath)} (claude-exec block): ${i}`);

  const configPath = path.join(workspace, CONFIG_FILE);
  if (existsSync(configPath)) {
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(configPath, 'utf8'));
    } catch (err) {
      throw new ConfigError(`${configPath}: not valid JSON (${(err as Error).message})`);
    }
    if (!json || typeof json !== 'object' || Array.isArray(json)) throw new ConfigError(`${configPath}: must be a JSON object`);
    unknown.push(...unknownKeyIssues(json, ConfigSchema).map((i) => `${CONFIG_FILE}: ${i}`));
    merged = deepMerge(merged, json as Record<string, unknown>);
  }
  if (unknown.length) {
    throw new ConfigError(unknown.join('\n'), 'Unknown keys are refused so that a typo never drops a setting; the README lists the keys.');
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

  const { config, issues } = validateConfig(merged);
  if (!config) throw new ConfigError(`invalid configuration (${CONFIG_FILE}, ${RULES_FILE} or environment):\n  ${issues.join('\n  ')}`);
  return { config, env, rules: { text: rulesText, path: rulesPath } };
}
