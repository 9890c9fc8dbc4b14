/**
 * End to end, without the optional Claude Agent SDK: a copy of the built package whose
 * node_modules lacks it (whether or not this checkout has it installed). `--backend claude-code`
 * stops at once with exit 2 and the one command that installs it; nothing is started.
 */
import { cp, mkdir, mkdtemp, readdir, rm, symlink } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { pinnedSdkVersion } from '../../src/llm/claude-code/sdk.js';
import { cliEnv } from '../helpers/e2e.js';
import { GOAL } from '../helpers/scenario.js';
import { makeTempWorkspace } from '../helpers/workspace.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
/** Packages left out of the copy: the optional SDK, and the MCP SDK (which the API backend loads only for `mcp_servers`). */
const LEFT_OUT = new Set([
  '@anthropic-ai/claude-agent-sdk',
  '@anthropic-ai/claude-agent-sdk-linux-x64',
  '@modelcontextprotocol',
]);

/** The built package copied to a temp dir, its dependencies linked from this checkout but for LEFT_OUT. */
async function packageWithoutSdk(): Promise<string> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'claude-exec-nosdk-'));
  for (const entry of [
    'bin',
    'dist',
    'prompts',
    'workflows',
    'project_rules.md',
    'package.json',
    'src/cost/prices.json',
  ]) {
    await cp(path.join(REPO, entry), path.join(root, entry), { recursive: true });
  }
  const modules = path.join(root, 'node_modules');
  await mkdir(modules);
  for (const name of await readdir(path.join(REPO, 'node_modules'))) {
    if (LEFT_OUT.has(name) || name === '.bin') continue;
    if (!name.startsWith('@')) {
      await symlink(path.join(REPO, 'node_modules', name), path.join(modules, name), 'dir');
      continue;
    }
    await mkdir(path.join(modules, name));
    for (const sub of await readdir(path.join(REPO, 'node_modules', name))) {
      if (!LEFT_OUT.has(`${name}/${sub}`) && !sub.startsWith('claude-agent-sdk'))
        await symlink(path.join(REPO, 'node_modules', name, sub), path.join(modules, name, sub), 'dir');
    }
  }
  return root;
}

describe('--backend claude-code without the Agent SDK', () => {
  it('exits 2 with the one install command, before any chain is created', async () => {
    const pkg = await packageWithoutSdk();
    const ws = await makeTempWorkspace({ git: false });
    try {
      const env = cliEnv({
        ANTHROPIC_BASE_URL: 'http://127.0.0.1:9',
        ANTHROPIC_API_KEY: 'sk-ant-unused-0123456789',
      });
      const run = (...args: string[]) =>
        execa('node', [path.join(pkg, 'bin', 'claude-exec'), ...args], {
          cwd: ws.root,
          env,
          extendEnv: false,
          reject: false,
          stdin: 'ignore',
        });
      const copy = await run('--backend', 'claude-code', '--yes', GOAL);
      expect(copy.exitCode, copy.stderr).toBe(2);
      expect(copy.stderr).toContain(
        'the claude-code backend needs @anthropic-ai/claude-agent-sdk, which is not installed',
      );
      expect(copy.stderr).toContain(
        `Install it with: cd ${pkg} && npm install --no-save @anthropic-ai/claude-agent-sdk@${pinnedSdkVersion()}`,
      );
      expect(copy.stderr).not.toMatch(/\n\s+at /);
      expect(existsSync(path.join(ws.root, 'contexts'))).toBe(false);
      // The API backend of the same copy still starts (and fails on the unreachable server, exit 5).
      const api = await run('--yes', '--json', GOAL);
      expect(api.exitCode, api.stderr).toBe(5);
    } finally {
      await ws.cleanup();
      await rm(pkg, { recursive: true, force: true });
    }
  }, 120_000);
});
