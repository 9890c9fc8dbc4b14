import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig, rulesOverrides } from '../../src/config/load.js';
import { ConfigError } from '../../src/errors.js';
import { scrubSecrets, secretValues } from '../../src/log.js';

/** The workspace's own files count (as once the user trusts it); no user config. */
const TRUSTED = { trusted: true, userConfig: null } as const;

let ws: string;
beforeEach(async () => {
  ws = await mkdtemp(path.join(os.tmpdir(), 'claude-exec-config-'));
});
afterEach(() => rm(ws, { recursive: true, force: true }));

describe('loadConfig', () => {
  it('uses the defaults and the package rules when the workspace has nothing', () => {
    const { config, rules } = loadConfig(ws, {}, TRUSTED);
    expect(config.thresholds).toEqual({
      requirements_confidence: 0.9,
      ambiguity_for_questions: 0.3,
      overall_confidence: 0.8,
      compact_memory_at: 0.8,
      context_health: 6,
    });
    expect(rules.text.length).toBeGreaterThan(100);
  });

  it('layers rules block < config file < .env < process environment', async () => {
    await writeFile(
      path.join(ws, 'project_rules.md'),
      '# Rules\n```claude-exec\nthresholds:\n  overall_confidence: 0.7\n  requirements_confidence: 0.95\n```\n',
    );
    await writeFile(
      path.join(ws, 'claude-exec.config.json'),
      JSON.stringify({ thresholds: { overall_confidence: 0.75 }, test_command: ['node', '--test'] }),
    );
    await writeFile(path.join(ws, '.env'), 'COST_ALERT_THRESHOLD=5\nTOKEN_LIMIT_WARNING=80000\n');
    const { config, env } = loadConfig(ws, { COST_ALERT_THRESHOLD: '2.5', ANTHROPIC_API_KEY: 'k' }, TRUSTED);
    expect(config.thresholds.overall_confidence).toBe(0.75);
    expect(config.thresholds.requirements_confidence).toBe(0.95);
    expect(config.test_command).toEqual(['node', '--test']);
    expect(config.limits.cost_alert_threshold_usd).toBe(2.5);
    expect(config.limits.token_limit_warning).toBe(80000);
    expect(env.ANTHROPIC_API_KEY).toBe('k');
  });

  it('reports invalid values as path: message', async () => {
    await writeFile(
      path.join(ws, 'claude-exec.config.json'),
      JSON.stringify({ thresholds: { overall_confidence: 2 }, caps: { concurrency: 'x' } }),
    );
    expect(() => loadConfig(ws, {}, TRUSTED)).toThrow(ConfigError);
    try {
      loadConfig(ws, {}, TRUSTED);
    } catch (err) {
      expect((err as Error).message).toMatch(/thresholds\.overall_confidence: /);
      expect((err as Error).message).toMatch(/caps\.concurrency: /);
    }
  });

  it('rejects broken JSON and bad environment numbers', async () => {
    await writeFile(path.join(ws, 'claude-exec.config.json'), '{');
    expect(() => loadConfig(ws, {}, TRUSTED)).toThrow(/not valid JSON/);
    await rm(path.join(ws, 'claude-exec.config.json'));
    expect(() => loadConfig(ws, { TOKEN_LIMIT_WARNING: 'lots' }, TRUSTED)).toThrow(/TOKEN_LIMIT_WARNING/);
  });

  it('reads no block from rules without one', () => {
    expect(rulesOverrides('# just prose', 'x')).toEqual({});
  });
});

describe('scrubSecrets', () => {
  it('removes the key and token values from any text', () => {
    const env = { ANTHROPIC_API_KEY: 'sk-ant-secret-123', ANTHROPIC_AUTH_TOKEN: 'tok-secret-456' };
    expect(scrubSecrets('key sk-ant-secret-123 and tok-secret-456', env)).toBe(
      'key [redacted] and [redacted]',
    );
  });

  it('also removes secret-looking variables and URL passwords, not ordinary values or short ones', () => {
    const env = {
      MY_SERVICE_TOKEN: 'svc-tok-98765',
      AWS_SECRET_ACCESS_KEY: 'aws/secret+key',
      DB_PASSWORD: 'short',
      DATABASE_URL: 'postgres://app:pg-pass-4242@db/app',
      NODE_ENV: 'development',
      PWD: '/work/app',
    };
    expect(secretValues(env).sort()).toEqual(['aws/secret+key', 'pg-pass-4242', 'svc-tok-98765']);
    expect(scrubSecrets('svc-tok-98765 aws/secret+key pg-pass-4242 short development /work/app', env)).toBe(
      '[redacted] [redacted] [redacted] short development /work/app',
    );
  });
});
