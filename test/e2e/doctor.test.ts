/**
 * `claude-exec doctor`, the built binary: the endpoint check against a real local HTTP server that
 * accepts one key and refuses others, and against a port where nothing listens. The key is never
 * printed.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DoctorOutputSchema } from '../../src/contract/doctor.js';
import { cliEnv, runCli, TEST_KEY } from '../helpers/e2e.js';

let server: Server;
let url: string;
let dir: string;
const seen: { path: string; key: string | undefined }[] = [];

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'claude-exec-doctor-'));
  server = createServer((req, res) => {
    const key = req.headers['x-api-key'] as string | undefined;
    seen.push({ path: req.url ?? '', key });
    res.writeHead(key === TEST_KEY ? 200 : 401, { 'content-type': 'application/json' }).end('{"data":[]}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await rm(dir, { recursive: true, force: true });
});

const doctor = async (env: Record<string, string | undefined>, ...args: string[]) => {
  const r = await runCli(['doctor', '--json', ...args], dir, cliEnv(env));
  expect(r.stdout + r.stderr).not.toContain(TEST_KEY);
  return { ...r, doc: DoctorOutputSchema.parse(JSON.parse(r.stdout)) };
};
const check = (doc: { checks: { name: string; status: string; detail: string }[] }, name: string) =>
  doc.checks.find((c) => c.name === name)!;

describe('claude-exec doctor (built binary)', () => {
  it('an endpoint that accepts the key: credentials and endpoint ok, the key sent once and never printed', async () => {
    const { exitCode, doc } = await doctor({ ANTHROPIC_API_KEY: TEST_KEY, ANTHROPIC_BASE_URL: url });
    expect(check(doc, 'credentials')).toMatchObject({
      status: 'ok',
      detail: 'ANTHROPIC_API_KEY in the environment',
    });
    expect(check(doc, 'endpoint')).toMatchObject({
      status: 'ok',
      detail: `${url} (from ANTHROPIC_BASE_URL in the environment) answers (HTTP 200)`,
    });
    expect(seen.at(-1)).toEqual({ path: '/v1/models', key: TEST_KEY });
    expect(exitCode).toBe(doc.ok ? 0 : 1);
  });

  it('a refused key: the endpoint check fails, exit 1, with what to fix', async () => {
    const { exitCode, doc, stdout } = await doctor({
      ANTHROPIC_API_KEY: 'sk-ant-wrong',
      ANTHROPIC_BASE_URL: url,
    });
    expect(check(doc, 'endpoint')).toMatchObject({
      status: 'fail',
      fix: expect.stringContaining('check the key'),
    });
    expect(doc.ok).toBe(false);
    expect(exitCode).toBe(1);
    expect(stdout).not.toContain('sk-ant-wrong');
  });

  it('nothing listening, and no key: both named in plain words; --offline does not contact it', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const { exitCode, doc } = await doctor({ ANTHROPIC_BASE_URL: `http://127.0.0.1:${port}` });
    expect(check(doc, 'endpoint').detail).toContain('connection refused (nothing listens there)');
    expect(exitCode).toBe(1);
    const before = seen.length;
    const offline = await doctor({ ANTHROPIC_API_KEY: TEST_KEY, ANTHROPIC_BASE_URL: url }, '--offline');
    expect(check(offline.doc, 'endpoint').status).toBe('skip');
    expect(seen.length).toBe(before);
  });

  it('the text report names each check and ends with a verdict', async () => {
    const r = await runCli(['doctor', '--offline'], dir, cliEnv({}));
    expect(r.stdout).toMatch(/^✓ node\s+Node\.js /m);
    expect(r.stdout).toMatch(/^✗ credentials\s+no API key/m);
    expect(r.stdout).toMatch(/fix: export ANTHROPIC_API_KEY=/);
    expect(r.stdout.trim().split('\n').at(-1)).toMatch(/^\d+ problems? to fix before a chain can run/);
    expect(r.exitCode).toBe(1);
  });
});
