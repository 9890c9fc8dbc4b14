/** Unknown config keys are errors with a did-you-mean, in the config file and in the rules block. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { ConfigSchema } from '../../src/config/schema.js';
import { closest, unknownKeyIssues } from '../../src/config/strict.js';
import { ConfigError } from '../../src/errors.js';

/** The workspace's own files count (as once the user trusts it); no user config. */
const TRUSTED = { trusted: true, userConfig: null } as const;

describe('unknownKeyIssues (pure)', () => {
  it.each([
    [{ limts: { max_cost_usd: 0.01 } }, ['unknown key "limts" — did you mean "limits"?']],
    [{ limits: { max_cots_usd: 1 } }, ['limits: unknown key "max_cots_usd" — did you mean "max_cost_usd"?']],
    [
      { caps: { agent_turn: 3, corrections: 1 } },
      ['caps: unknown key "agent_turn" — did you mean "agent_turns"?'],
    ],
    [{ models: { defualt: 'x' } }, ['models: unknown key "defualt" — did you mean "default"?']],
    [
      { prices: { 'my-model': { input_mtok: 1, output_mtok: 2, cach_read_mtok: 0.1 } } },
      ['prices.my-model: unknown key "cach_read_mtok" — did you mean "cache_read_mtok"?'],
    ],
    [{ telemetry: true }, ['unknown key "telemetry"']],
    [
      {
        limits: { max_cost_usd: 2 },
        test_command: ['npm', 'test'],
        sandbox: 'off',
        prices: { m: { input_mtok: 1, output_mtok: 1 } },
      },
      [],
    ],
    [{ limits: 'not an object' }, []],
  ])('%j → %j', (json, expected) => {
    expect(unknownKeyIssues(json, ConfigSchema)).toEqual(expected);
  });

  it('suggests only keys that are near', () => {
    expect(closest('sandbx', ['sandbox', 'models'])).toBe('sandbox');
    expect(closest('xyz', ['sandbox', 'models'])).toBeUndefined();
  });
});

describe('loadConfig refuses unknown keys (exit 2)', () => {
  let ws: string;
  beforeEach(async () => {
    ws = await mkdtemp(path.join(os.tmpdir(), 'claude-exec-strict-'));
  });
  afterEach(() => rm(ws, { recursive: true, force: true }));

  const failure = () => {
    try {
      loadConfig(ws, {}, TRUSTED);
    } catch (err) {
      if (err instanceof ConfigError) return err;
      throw err;
    }
    throw new Error('loadConfig accepted the config');
  };

  it('names the file and the key in claude-exec.config.json', async () => {
    await writeFile(
      path.join(ws, 'claude-exec.config.json'),
      JSON.stringify({ limts: { max_cost_usd: 0.01 } }),
    );
    const err = failure();
    expect(err.exitCode).toBe(2);
    expect(err.message).toBe('claude-exec.config.json: unknown key "limts" — did you mean "limits"?');
  });

  it('names the rules block of project_rules.md', async () => {
    await writeFile(
      path.join(ws, 'project_rules.md'),
      '# Rules\n```claude-exec\nthresholds:\n  overall_confidnce: 0.7\n```\n',
    );
    expect(failure().message).toBe(
      'project_rules.md (claude-exec block): thresholds: unknown key "overall_confidnce" — did you mean "overall_confidence"?',
    );
  });

  it('accepts every key the README documents', async () => {
    await writeFile(
      path.join(ws, 'claude-exec.config.json'),
      JSON.stringify({
        models: { fast: 'a' },
        thresholds: { overall_confidence: 0.8 },
        caps: { step_calls: 30, step_tool_calls: 90, chain_calls: 300 },
        limits: { request_timeout_ms: 5000 },
        test_command: ['npm', 'test'],
        prompt_dirs: [],
        prices: {},
      }),
    );
    const user = path.join(ws, 'user-config.json');
    await writeFile(
      user,
      JSON.stringify({
        sandbox: 'required',
        base_url: 'http://127.0.0.1:9/',
        backend: 'api',
        claude_code: { billing: 'api' },
      }),
    );
    const { config } = loadConfig(ws, {}, { trusted: true, userConfig: user });
    expect(config.sandbox).toBe('required');
    expect(config.test_command).toEqual(['npm', 'test']);
  });
});
