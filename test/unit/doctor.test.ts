import { describe, expect, it } from 'vitest';
import { diagnose, satisfiesMinimum, type DoctorFacts } from '../../src/features/init/doctor.js';
import { renderDoctor } from '../../src/cli/views/doctor.js';

const healthy: DoctorFacts = {
  node: '20.20.2',
  nodeRange: '>=20.17',
  git: 'git version 2.39.5',
  sandboxMode: 'auto',
  sandboxUnavailable: null,
  backend: 'api',
  credential: 'ANTHROPIC_API_KEY in the environment',
  baseUrl: { url: 'https://api.anthropic.com', from: null },
  endpoint: { status: 200 },
  contexts: { dir: '/w/contexts', writable: true, reason: null },
  agentSdk: null,
  agentSdkPinned: '0.3.333',
};

const statusOf = (f: Partial<DoctorFacts>, name: string) =>
  diagnose({ ...healthy, ...f }).find((c) => c.name === name)!;

describe('satisfiesMinimum', () => {
  it.each([
    ['20.17.0', '>=20.17', true],
    ['20.20.2', '>=20.17', true],
    ['22.1.0', '>=20.17', true],
    ['20.16.9', '>=20.17', false],
    ['18.20.0', '>=20.17', false],
    ['20.17.0', '>=20.17.1', false],
  ])('%s against %s', (v, range, ok) => expect(satisfiesMinimum(v, range)).toBe(ok));
});

describe('diagnose', () => {
  it('a healthy machine: every check ok but the optional SDK, which is skipped', () => {
    const checks = diagnose(healthy);
    expect(checks.map((c) => [c.name, c.status])).toEqual([
      ['node', 'ok'],
      ['git', 'ok'],
      ['sandbox', 'ok'],
      ['credentials', 'ok'],
      ['endpoint', 'ok'],
      ['contexts', 'ok'],
      ['claude-code', 'skip'],
    ]);
    expect(checks.every((c) => c.status !== 'ok' || c.fix === null)).toBe(true);
  });

  it.each<[string, Partial<DoctorFacts>, string, string, RegExp]>([
    ['old Node', { node: '18.19.0' }, 'node', 'fail', /install Node.js 20.17/],
    ['no git', { git: null }, 'git', 'warn', /install git/],
    [
      'no bubblewrap under auto',
      { sandboxUnavailable: 'bubblewrap (bwrap) is not installed' },
      'sandbox',
      'warn',
      /apt-get install bubblewrap/,
    ],
    [
      'no bubblewrap when required',
      { sandboxMode: 'required', sandboxUnavailable: 'bubblewrap (bwrap) is not installed' },
      'sandbox',
      'fail',
      /bubblewrap/,
    ],
    ['sandbox off', { sandboxMode: 'off' }, 'sandbox', 'warn', /"sandbox": "auto"/],
    ['no key', { credential: null }, 'credentials', 'fail', /ANTHROPIC_API_KEY/],
    ['unreachable endpoint', { endpoint: { error: 'host not found (DNS)' } }, 'endpoint', 'fail', /network/],
    ['refused key', { endpoint: { status: 401 } }, 'endpoint', 'fail', /check the key/],
    ['overloaded endpoint', { endpoint: { status: 529 } }, 'endpoint', 'warn', /later/],
    [
      'unwritable contexts',
      { contexts: { dir: '/w/contexts', writable: false, reason: 'EACCES' } },
      'contexts',
      'fail',
      /writable/,
    ],
    [
      'claude-code without its SDK',
      { backend: 'claude-code' },
      'claude-code',
      'fail',
      /npm install --no-save @anthropic-ai\/claude-agent-sdk@0.3.333/,
    ],
    ['another SDK version than the tested one', { agentSdk: '0.2.0' }, 'claude-code', 'warn', /0.3.333/],
  ])('%s', (_name, facts, check, status, fix) => {
    const c = statusOf(facts, check);
    expect(c.status).toBe(status);
    expect(c.fix).toMatch(fix);
  });

  it('a local server needs no key, and says where the URL came from', () => {
    const local = {
      credential: null,
      baseUrl: { url: 'http://localhost:11434', from: 'ANTHROPIC_BASE_URL in the environment' },
      endpoint: { status: 404 },
    };
    expect(statusOf(local, 'credentials').status).toBe('ok');
    expect(statusOf(local, 'endpoint').detail).toBe(
      'http://localhost:11434 (from ANTHROPIC_BASE_URL in the environment) answers (HTTP 404)',
    );
  });

  it('the claude-code backend skips the key and the endpoint', () => {
    const checks = diagnose({
      ...healthy,
      backend: 'claude-code',
      credential: null,
      endpoint: null,
      agentSdk: '0.3.333',
    });
    expect(checks.filter((c) => c.status === 'skip').map((c) => c.name)).toEqual(['credentials', 'endpoint']);
    expect(checks.some((c) => c.status === 'fail')).toBe(false);
  });
});

describe('renderDoctor', () => {
  it('one line per check, the fix under it, and a closing verdict', () => {
    const text = renderDoctor(diagnose({ ...healthy, credential: null }), false);
    expect(text).toContain('✗ credentials  no API key');
    expect(text).toMatch(/\n\s+fix: export ANTHROPIC_API_KEY=/);
    expect(text.trim().split('\n').at(-1)).toBe('1 problem to fix before a chain can run.');
    expect(renderDoctor(diagnose(healthy), false).trim().split('\n').at(-1)).toBe('Ready.');
  });
});
