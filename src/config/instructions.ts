/**
 * AGENTS.md and CLAUDE.md: the instruction files other coding agents (Codex, Cursor, Claude Code)
 * read, taken into a chain as project instructions beside project_rules.md. The nearest directory
 * that holds one, from the workspace up to the root of its git repository (never beyond; only the
 * workspace itself outside a repository), wins; both files of that directory count, AGENTS.md
 * first, a CLAUDE.md that is the same file or text as AGENTS.md once. They tell the model what to
 * do, so they need workspace trust (./trust.ts) and are in the hashed set.
 */
import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';

/** The names read, in the order they are shown to the model. */
const INSTRUCTION_FILES = ['AGENTS.md', 'CLAUDE.md'] as const;

/** One instruction file: `file` relative to the workspace (`/`-separated, `../AGENTS.md` above it), its text. */
export interface InstructionFile {
  file: string;
  text: string;
}

/** True when `dir` is the top of a git work tree (it holds `.git`, a directory or a worktree's file). */
function isRepoRoot(dir: string): boolean {
  return existsSync(path.join(dir, '.git'));
}

/** Directories searched, nearest first: `workspace`, then its parents up to the repository root (just the workspace outside one). */
function searchDirs(workspace: string): string[] {
  const start = path.resolve(workspace);
  const dirs: string[] = [];
  for (let dir = start; ; dir = path.dirname(dir)) {
    dirs.push(dir);
    if (isRepoRoot(dir)) return dirs;
    if (path.dirname(dir) === dir) return [start];
  }
}

function readRegular(file: string): string | null {
  try {
    return statSync(file).isFile() ? readFileSync(file, 'utf8') : null;
  } catch {
    return null;
  }
}

/**
 * The instruction files that apply to `workspace` (see the module comment); [] when none.
 * Reads files only; never runs git.
 */
export function findInstructionFiles(workspace: string): InstructionFile[] {
  const ws = path.resolve(workspace);
  for (const dir of searchDirs(ws)) {
    const found: (InstructionFile & { real: string })[] = [];
    for (const name of INSTRUCTION_FILES) {
      const abs = path.join(dir, name);
      const text = readRegular(abs);
      if (text === null) continue;
      const real = realpathSync(abs);
      if (found.some((f) => f.real === real || f.text === text)) continue;
      found.push({ file: path.relative(ws, abs).split(path.sep).join('/'), text, real });
    }
    if (found.length) return found.map(({ file, text }) => ({ file, text }));
  }
  return [];
}

/**
 * Pure: the instruction files as one block of the system prompt, each under a heading naming it
 * ('' when there are none).
 */
export function instructionsSection(files: readonly InstructionFile[]): string {
  return files.map((f) => `# Project instructions (${f.file})\n\n${f.text.trim()}`).join('\n\n');
}
