/** AGENTS.md / CLAUDE.md: which apply (nearest wins, up to the repository root), trust, the prefix, init. */
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildPrefix } from '../../src/engine/deps.js';
import {
  agentsMdFrom,
  canOfferAgentsMd,
  defaultProjectRulesPath,
  initWorkspace,
} from '../../src/features/init/init.js';
import { defaultConfig } from '../../src/config/schema.js';
import { findInstructionFiles, instructionsSection } from '../../src/config/instructions.js';
import { loadConfig } from '../../src/config/load.js';
import { collectTrustInputs, grantTrust, inspectTrust, trustSummary } from '../../src/config/trustStore.js';
import { createCatalog } from '../../src/library/catalog.js';

let dir: string;
let repo: string;
let env: Record<string, string>;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'claude-exec-instr-'));
  repo = path.join(dir, 'repo');
  await mkdir(path.join(repo, '.git'), { recursive: true });
  await mkdir(path.join(repo, 'packages', 'api', 'src'), { recursive: true });
  env = { XDG_CONFIG_HOME: path.join(dir, 'xdg') };
});
afterEach(() => rm(dir, { recursive: true, force: true }));

describe('findInstructionFiles', () => {
  it('the nearest directory with one wins, walking up to the repository root', async () => {
    await writeFile(path.join(repo, 'AGENTS.md'), 'root rules');
    const sub = path.join(repo, 'packages', 'api', 'src');
    expect(findInstructionFiles(sub)).toEqual([{ file: '../../../AGENTS.md', text: 'root rules' }]);
    await writeFile(path.join(repo, 'packages', 'api', 'CLAUDE.md'), 'api rules');
    expect(findInstructionFiles(sub)).toEqual([{ file: '../CLAUDE.md', text: 'api rules' }]);
    expect(findInstructionFiles(repo)).toEqual([{ file: 'AGENTS.md', text: 'root rules' }]);
  });

  it('never looks above the repository root, nor above a workspace outside any repository', async () => {
    await writeFile(path.join(dir, 'AGENTS.md'), 'outside the repository');
    expect(findInstructionFiles(repo)).toEqual([]);
    const loose = path.join(dir, 'loose', 'ws');
    await mkdir(loose, { recursive: true });
    expect(findInstructionFiles(loose)).toEqual([]);
    await writeFile(path.join(loose, 'AGENTS.md'), 'own');
    expect(findInstructionFiles(loose)).toEqual([{ file: 'AGENTS.md', text: 'own' }]);
  });

  it('both files of the nearest directory count, AGENTS.md first; a CLAUDE.md linking to AGENTS.md counts once', async () => {
    await writeFile(path.join(repo, 'CLAUDE.md'), 'claude');
    await writeFile(path.join(repo, 'AGENTS.md'), 'agents');
    expect(findInstructionFiles(repo).map((f) => f.file)).toEqual(['AGENTS.md', 'CLAUDE.md']);
    await rm(path.join(repo, 'CLAUDE.md'));
    await symlink('AGENTS.md', path.join(repo, 'CLAUDE.md'));
    expect(findInstructionFiles(repo)).toEqual([{ file: 'AGENTS.md', text: 'agents' }]);
  });

  it('instructionsSection heads each file with its name; none gives nothing', () => {
    expect(instructionsSection([])).toBe('');
    expect(instructionsSection([{ file: 'AGENTS.md', text: 'Use pnpm.\n' }])).toBe(
      '# Project instructions (AGENTS.md)\n\nUse pnpm.',
    );
  });
});

describe('AGENTS.md needs trust and sits in the cached prefix', () => {
  it('is a hashed trust input: untrusted it is not read (with a note), trusted it is, and an edit asks again', async () => {
    await writeFile(path.join(repo, 'AGENTS.md'), 'Always run pnpm lint.');
    expect(collectTrustInputs(repo)).toEqual([
      { file: 'AGENTS.md', kind: 'instructions', text: 'Always run pnpm lint.' },
    ]);
    const untrusted = loadConfig(repo, env, { trusted: false, userConfig: null });
    expect(untrusted.instructions).toEqual([]);
    expect(untrusted.notes).toEqual([
      expect.stringMatching(/^AGENTS\.md ignored — the workspace is not trusted/),
    ]);
    expect(loadConfig(repo, env, { trusted: true, userConfig: null }).instructions).toEqual([
      { file: 'AGENTS.md', text: 'Always run pnpm lint.' },
    ]);

    const report = inspectTrust(repo, env);
    expect(report.state).toBe('untrusted');
    expect(trustSummary(report)).toEqual([
      'AGENTS.md: adds its text to the system prompt of every request, as project instructions',
    ]);
    grantTrust(report, new Date(), env);
    expect(inspectTrust(repo, env).state).toBe('trusted');
    await writeFile(path.join(repo, 'AGENTS.md'), 'Always run pnpm lint. Also delete tests.');
    expect(inspectTrust(repo, env).state).toBe('changed');
  });

  it('buildPrefix puts the instructions after the project rules, in the system block, byte-identical each time', () => {
    const catalog = createCatalog([]);
    const files = [{ file: 'AGENTS.md', text: 'Use pnpm.' }];
    const a = buildPrefix(catalog, 'RULES', defaultConfig(), {}, files);
    expect(a.rules).toBe('# Project rules\n\nRULES\n\n# Project instructions (AGENTS.md)\n\nUse pnpm.');
    expect(buildPrefix(catalog, 'RULES', defaultConfig(), {}, files)).toEqual(a);
    expect(buildPrefix(catalog, 'RULES', defaultConfig()).rules).toBe('# Project rules\n\nRULES');
  });
});

describe('init and AGENTS.md', () => {
  it('writes AGENTS.md instead of project_rules.md when asked and neither exists; it needs no trust until edited', async () => {
    expect(canOfferAgentsMd(repo)).toBe(true);
    const result = await initWorkspace(repo, { rulesFile: 'AGENTS.md', env });
    expect(result.files.map((f) => [f.path, f.action])).toContainEqual(['AGENTS.md', 'created']);
    expect(result.files.map((f) => f.path)).not.toContain('project_rules.md');
    const text = await readFile(path.join(repo, 'AGENTS.md'), 'utf8');
    expect(text).toBe(agentsMdFrom(await readFile(defaultProjectRulesPath(), 'utf8')));
    expect(text).toMatch(/^# AGENTS\.md\n/);
    expect(text).toContain('## Never');
    expect(text).not.toContain('```claude-exec');
    expect(inspectTrust(repo, env).state).toBe('not-needed');
    expect(canOfferAgentsMd(repo)).toBe(false);
    await writeFile(path.join(repo, 'AGENTS.md'), `${text}\n- Push to main directly.\n`);
    expect(inspectTrust(repo, env).state).toBe('untrusted');
  });

  it('writes project_rules.md when an AGENTS.md or CLAUDE.md already applies, even when asked', async () => {
    await writeFile(path.join(repo, 'CLAUDE.md'), 'mine');
    const sub = path.join(repo, 'packages', 'api');
    expect(canOfferAgentsMd(sub)).toBe(false);
    const result = await initWorkspace(sub, { rulesFile: 'AGENTS.md', env });
    expect(result.files.map((f) => [f.path, f.action])).toContainEqual(['project_rules.md', 'created']);
    expect(result.files.map((f) => f.path)).not.toContain('AGENTS.md');
  });
});
