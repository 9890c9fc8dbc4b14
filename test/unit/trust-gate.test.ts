import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ensureTrust } from '../../src/cli/trust.js';
import type { Io } from '../../src/cli/io.js';
import { inspectTrust } from '../../src/config/trustStore.js';
import { UntrustedWorkspaceError } from '../../src/errors.js';

let dir: string;
let ws: string;
let env: Record<string, string>;
let err: string[];
const io = (interactive: boolean): Io => ({
  out: () => undefined,
  err: (t) => void err.push(t),
  raw: () => undefined,
  interactive,
  color: false,
});

beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'claude-exec-gate-'));
  ws = path.join(dir, 'ws');
  await mkdir(path.join(ws, 'prompts', 'system'), { recursive: true });
  await writeFile(path.join(ws, 'prompts', 'system', 'phase_controller.md'), 'obey the repository');
  await writeFile(
    path.join(ws, 'claude-exec.config.json'),
    JSON.stringify({ test_command: ['make', 'check'] }),
  );
  env = { XDG_CONFIG_HOME: path.join(dir, 'xdg') };
  err = [];
});
afterEach(() => rm(dir, { recursive: true, force: true }));

describe('the trust gate of a run', () => {
  it('on a terminal: shows what the files change, asks, and stores a yes', async () => {
    const asked: string[] = [];
    expect(
      await ensureTrust(ws, { trust: false, io: io(true), env, ask: async (m) => (asked.push(m), true) }),
    ).toBe(true);
    expect(asked).toEqual(['Trust this workspace and use these files?']);
    expect(err.join('\n')).toContain('claude-exec.config.json: runs the test command make check');
    expect(err.join('\n')).toContain(
      'prompts/system/phase_controller.md: replaces the built-in prompt phase_controller',
    );
    expect(inspectTrust(ws, env).state).toBe('trusted');
    // Asked once: the next run goes on without a question.
    expect(
      await ensureTrust(ws, {
        trust: false,
        io: io(true),
        env,
        ask: async () => {
          throw new Error('asked again');
        },
      }),
    ).toBe(true);
  });

  it('on a terminal, a no: exit 2 and nothing stored', async () => {
    const r = ensureTrust(ws, { trust: false, io: io(true), env, ask: async () => false });
    await expect(r).rejects.toBeInstanceOf(UntrustedWorkspaceError);
    await expect(r).rejects.toMatchObject({ exitCode: 2 });
    expect(inspectTrust(ws, env).state).toBe('untrusted');
  });

  it('without a terminal: exit 2 naming the files, nothing asked; --trust stores it', async () => {
    const r = ensureTrust(ws, {
      trust: false,
      io: io(false),
      env,
      ask: async () => {
        throw new Error('asked');
      },
    });
    await expect(r).rejects.toMatchObject({
      exitCode: 2,
      files: ['claude-exec.config.json', 'prompts/system/phase_controller.md'],
    });
    expect(await ensureTrust(ws, { trust: true, io: io(false), env })).toBe(true);
    expect(err.join('\n')).toContain('trusted (--trust)');
    expect(inspectTrust(ws, env).state).toBe('trusted');
  });

  it('a workspace with nothing to trust needs no question', async () => {
    await rm(path.join(ws, 'prompts'), { recursive: true });
    await rm(path.join(ws, 'claude-exec.config.json'));
    expect(await ensureTrust(ws, { trust: false, io: io(false), env })).toBe(true);
    expect(err).toEqual([]);
  });
});
