/**
 * Shell completion through @bomb.sh/tab (loaded only by `completion` and `complete`): its commander
 * adapter walks a fresh program — without the completion commands themselves — and builds the
 * tree the shell scripts query. Chain ids are offered for the commands that take one, read from
 * the context files' names (no file is parsed, so a Tab stays fast with thousands of chains).
 */
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { UsageError } from '../errors.js';

/** The shells a completion script is printed for. */
export const SHELLS = ['bash', 'zsh', 'fish', 'powershell'] as const;

/** Builds a fresh program without the completion commands (src/cli/program.ts gives it). */
export type ProgramBuilder = () => Command;

/** Commands whose first argument is a chain id. */
const TAKES_CHAIN_ID = [
  'resume',
  'approve',
  'answer',
  'status',
  'show',
  'pending',
  'spec',
  'rollback',
  'chain-cost',
  'fork',
  'apply',
  'diff',
  'save-pattern',
];

/** Chain ids of `<cwd>/contexts`, newest first, with their slug as description. */
async function chainIds(cwd: string): Promise<{ id: string; slug: string }[]> {
  const names = await readdir(path.join(cwd, 'contexts')).catch(() => [] as string[]);
  const ids = new Map<string, string>();
  for (const name of names) {
    const m = /^chain-(\d{3,})-(.*?)(?:-\d{4}-\d{2}-\d{2}-\d{2}-\d{2}-\d{2})?\.json$/.exec(name);
    if (m) ids.set(m[1]!, m[2]!);
  }
  return [...ids].sort((a, b) => Number(b[0]) - Number(a[0])).map(([id, slug]) => ({ id, slug }));
}

async function completer(cwd: string, buildProgram: ProgramBuilder) {
  const { default: tab } = await import('@bomb.sh/tab/commander');
  const program = buildProgram();
  const root = tab(program, { completionCommandName: 'completion' });
  // tab calls handlers synchronously: the ids are read before.
  const ids = await chainIds(cwd);
  for (const name of TAKES_CHAIN_ID) {
    const arg = [...(root.commands.get(name)?.arguments.values() ?? [])][0];
    if (arg) {
      arg.handler = (complete: (value: string, description: string) => void) => {
        for (const c of ids) complete(c.id, c.slug);
      };
    }
  }
  return root;
}

/** Prints the completion script for `shell`; throws UsageError (exit 2) for another shell. */
export async function completionScript(
  shell: string,
  buildProgram: ProgramBuilder,
  cwd = process.cwd(),
): Promise<void> {
  if (!(SHELLS as readonly string[]).includes(shell))
    throw new UsageError(`completion: unknown shell "${shell}"`, `Give one of: ${SHELLS.join(', ')}.`);
  (await completer(cwd, buildProgram)).setup('claude-exec', 'claude-exec', shell as 'bash');
}

/** Prints the suggestions for the words typed so far (the last one is being completed; '' = a new word). */
export async function completeWords(
  words: string[],
  buildProgram: ProgramBuilder,
  cwd = process.cwd(),
): Promise<void> {
  (await completer(cwd, buildProgram)).parse(words);
}
