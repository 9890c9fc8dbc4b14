/**
 * The user's own configuration: `$XDG_CONFIG_HOME/claude-exec/config.json` (default
 * `~/.config/claude-exec/config.json`), which takes every config key, including the ones only the
 * user may set (USER_ONLY_KEYS). Beside it, `trust.json` holds the trusted workspaces (./trustStore.ts).
 */
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError } from '../errors.js';
import { ConfigSchema } from './schema.js';
import { unknownKeyIssues } from './strict.js';

const USER_CONFIG_FILE = 'config.json';

/** `$XDG_CONFIG_HOME/claude-exec` when XDG_CONFIG_HOME is an absolute path, else `~/.config/claude-exec`. */
export function userConfigDir(
  env: NodeJS.ProcessEnv | Record<string, string | undefined> = process.env,
): string {
  const xdg = env.XDG_CONFIG_HOME;
  const base = xdg && path.isAbsolute(xdg) ? xdg : path.join(env.HOME || os.homedir(), '.config');
  return path.join(base, 'claude-exec');
}

/** Path of the user config file. */
export function userConfigPath(
  env: NodeJS.ProcessEnv | Record<string, string | undefined> = process.env,
): string {
  return path.join(userConfigDir(env), USER_CONFIG_FILE);
}

/** The JSON object in config file `file`. Throws ConfigError (exit 2) naming the file when it is not valid JSON or not an object. */
export function readJsonObject(file: string): Record<string, unknown> {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ConfigError(`${file}: not valid JSON (${(err as Error).message})`);
  }
  if (!json || typeof json !== 'object' || Array.isArray(json))
    throw new ConfigError(`${file}: must be a JSON object`);
  return json as Record<string, unknown>;
}

/**
 * The user config file's JSON ({} when there is none). Throws ConfigError (exit 2) naming the file
 * when it is not a JSON object or has a key the schema does not know; values are validated with
 * the merged config.
 */
export function readUserConfig(file: string): Record<string, unknown> {
  if (!existsSync(file)) return {};
  const json = readJsonObject(file);
  const unknown = unknownKeyIssues(json, ConfigSchema);
  if (unknown.length)
    throw new ConfigError(
      unknown.map((i) => `${file}: ${i}`).join('\n'),
      'Unknown keys are refused so that a typo never drops a setting; the README lists the keys.',
    );
  return json as Record<string, unknown>;
}
