/**
 * `claude-exec init`: scaffolds a workspace for claude-exec. Creates what is missing and never
 * overwrites a file; `.gitignore` is created or appended to (once). The result lists each path
 * (relative to the workspace) with what happened to it:
 *
 *     { workspace, files: [{ path, action: 'created' | 'updated' | 'skipped', note? }] }
 *
 * The project's rules go to project_rules.md, or, when asked (`rulesFile: 'AGENTS.md'`) and the
 * workspace has neither project_rules.md nor an AGENTS.md / CLAUDE.md, to AGENTS.md: the rules'
 * prose (without the thresholds block, which only project_rules.md carries), recorded in the trust
 * store as claude-exec's own so that it needs no trust until edited.
 */
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeFileDurableSync } from '../../durable.js';
import { findInstructionFiles } from '../../config/instructions.js';
import { recordOwnFile } from '../../config/trustStore.js';
import { ExitCode, FileSystemError, UsageError } from '../../errors.js';

type InitAction = 'created' | 'updated' | 'skipped';
interface InitEntry {
  path: string;
  action: InitAction;
  note?: string;
}
export interface InitResult {
  workspace: string;
  files: InitEntry[];
}

/** The package's default project_rules.md (same relative path from src/features/init and dist/features/init). */
export function defaultProjectRulesPath(): string {
  return fileURLToPath(new URL('../../../project_rules.md', import.meta.url));
}

export const ENV_EXAMPLE = `# claude-exec environment. Copy to .env and fill in; .env must stay out of version control.
# Settings that are not secrets (models, thresholds, caps, test command, extra prompt dirs) go in
# claude-exec.config.json; the phase-machine thresholds can also be tuned in project_rules.md.

# Required: your Anthropic API key.
ANTHROPIC_API_KEY=
# Optional: another Messages API endpoint (a proxy or gateway).
ANTHROPIC_BASE_URL=
# Optional: warn once when a chain's cost passes this many USD (e.g. 5.00).
COST_ALERT_THRESHOLD=
# Optional: warn once when a chain's tokens pass this count (e.g. 80000).
TOKEN_LIMIT_WARNING=
# Optional: log level for the log file (debug, info, warn, error).
LOG_LEVEL=
`;

/** What init makes git ignore: the workspace's secrets and the chains' context files. */
const IGNORES = [
  { what: '.env', present: /^\/?\.env\s*$/m, block: '# secrets (API keys) stay out of git\n.env\n' },
  {
    what: 'contexts/',
    present: /^\/?contexts(\/\*?)?\s*$/m,
    block:
      '# claude-exec chain context files (the folder itself is kept)\n/contexts/*\n!/contexts/.gitkeep\n',
  },
];

async function createFile(workspace: string, rel: string, content: string): Promise<InitEntry> {
  const file = path.join(workspace, rel);
  await fs.mkdir(path.dirname(file), { recursive: true });
  try {
    writeFileDurableSync(file, content, { exclusive: true });
    return { path: rel, action: 'created' };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST')
      return { path: rel, action: 'skipped', note: 'already exists' };
    throw err;
  }
}

async function ensureGitignore(workspace: string): Promise<InitEntry> {
  const file = path.join(workspace, '.gitignore');
  let text: string | undefined;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  if (text === undefined) return createFile(workspace, '.gitignore', IGNORES.map((i) => i.block).join('\n'));
  const missing = IGNORES.filter((i) => !i.present.test(text));
  if (missing.length === 0)
    return {
      path: '.gitignore',
      action: 'skipped',
      note: `already ignores ${IGNORES.map((i) => i.what).join(' and ')}`,
    };
  writeFileDurableSync(
    file,
    `${text}${text === '' || text.endsWith('\n') ? '' : '\n'}\n${missing.map((i) => i.block).join('\n')}`,
  );
  return { path: '.gitignore', action: 'updated', note: `added ${missing.map((i) => i.what).join(' and ')}` };
}

/** Where init may put the project's rules. */
export type RulesFile = 'project_rules.md' | 'AGENTS.md';

/**
 * True when `workspace` has neither project_rules.md nor an AGENTS.md / CLAUDE.md that applies to
 * it (src/config/instructions.ts): then `init` offers AGENTS.md instead of project_rules.md.
 */
export function canOfferAgentsMd(workspace: string): boolean {
  const ws = path.resolve(workspace);
  return !existsSync(path.join(ws, 'project_rules.md')) && findInstructionFiles(ws).length === 0;
}

/**
 * Pure: AGENTS.md made from the default project_rules.md text: its title and opening paragraph
 * replaced, everything from the "Phase machine settings" section (the thresholds block) left out.
 */
export function agentsMdFrom(rules: string): string {
  const body = rules
    .split(/^## Phase machine settings/m)[0]!
    .replace(/^# Project rules\r?\n\r?\n[\s\S]*?\r?\n\r?\n/, '');
  const intro = [
    '# AGENTS.md',
    '',
    'Instructions for coding agents working in this repository. claude-exec reads this file into the',
    'cached system prompt of every chain (beside project_rules.md, if there is one), as Codex, Cursor and',
    'Claude Code read it. Keep it short: every request carries it.',
  ].join('\n');
  return `${intro}\n\n${body.trimEnd()}\n`;
}

/**
 * Scaffolds `workspace`: prompts/custom/.gitkeep, contexts/.gitkeep, .gitignore (.env and
 * contexts/ kept out of git, except contexts/.gitkeep), project_rules.md (the package default) —
 * or AGENTS.md when `rulesFile` asks for it and canOfferAgentsMd holds — and .env.example.
 * Throws UsageError when the workspace is not an existing directory, FileSystemError (exit 2)
 * when it cannot be written (permission denied, read-only, a file where a directory goes).
 */
export async function initWorkspace(
  workspace: string,
  opts: { rulesFile?: RulesFile; env?: NodeJS.ProcessEnv } = {},
): Promise<InitResult> {
  const ws = path.resolve(workspace);
  const stat = await fs.stat(ws).catch(() => undefined);
  if (!stat?.isDirectory())
    throw new UsageError(
      `workspace ${ws} is not a directory`,
      'Run init inside your project, or pass --cwd DIR.',
    );
  const rules = await fs.readFile(defaultProjectRulesPath(), 'utf8');
  const files: InitEntry[] = [];
  try {
    files.push(await createFile(ws, path.join('prompts', 'custom', '.gitkeep'), ''));
    files.push(await createFile(ws, path.join('contexts', '.gitkeep'), ''));
    files.push(await ensureGitignore(ws));
    if (opts.rulesFile === 'AGENTS.md' && canOfferAgentsMd(ws)) {
      const text = agentsMdFrom(rules);
      const made = await createFile(ws, 'AGENTS.md', text);
      if (made.action === 'created') recordOwnFile(ws, path.join(ws, 'AGENTS.md'), text, opts.env);
      files.push(made);
    } else {
      files.push(await createFile(ws, 'project_rules.md', rules));
    }
    files.push(await createFile(ws, '.env.example', ENV_EXAMPLE));
  } catch (err) {
    throw cannotWrite(ws, err, files);
  }
  return { workspace: ws, files };
}

/** A file-system failure of init as one message, exit 2 (bad input: a workspace it cannot write), naming what was made before. */
function cannotWrite(ws: string, err: unknown, made: InitEntry[]): unknown {
  const e = err as NodeJS.ErrnoException & { file?: string };
  const code = e instanceof FileSystemError ? e.code : e?.code;
  if (typeof code !== 'string') return err;
  const file = e instanceof FileSystemError ? e.file : (e.path ?? ws);
  const created = made.filter((f) => f.action !== 'skipped').map((f) => f.path);
  const hint = `Run init in a directory you can write to (or fix its permissions)${created.length ? `; already made: ${created.join(', ')}` : '; nothing was created'}.`;
  return new FileSystemError(
    code === 'ENOENT' || code === 'ENOTDIR' || code === 'EEXIST' ? 'create' : 'write to',
    file,
    code,
    { cause: err, exitCode: ExitCode.usage, hint },
  );
}
