/**
 * The typo guard of the default command (pure). `claude-exec chians` must not start a paid chain:
 * a task given without `run` must be several words, and its first word must not be a near miss
 * of a command name. Edit distance: Levenshtein (the `leven` package).
 */
import type { Command } from 'commander';
import leven from 'leven';
import { UsageError } from '../errors.js';

/**
 * The closest of `names` to `word`, when it is close enough to be a typo: at most 2 edits, and
 * (as commander's own suggestions) more than 40% of the longer word left unchanged. Else null.
 */
export function closestCommand(word: string, names: readonly string[]): string | null {
  const w = word.toLowerCase();
  let best: { name: string; distance: number } | null = null;
  for (const name of names) {
    if (name.length <= 1) continue;
    const distance = leven(w, name);
    const length = Math.max(w.length, name.length);
    if (distance > 2 || (length - distance) / length <= 0.4) continue;
    if (!best || distance < best.distance) best = { name, distance };
  }
  return best?.name ?? null;
}

/** Words of a task as typed: every argument split on white space. */
function words(task: readonly string[]): string[] {
  return task.flatMap((t) => t.trim().split(/\s+/)).filter(Boolean);
}

/**
 * Throws UsageError (exit 2) when the task of the default command looks like a mistyped
 * command or is a single word: `unknown command "chians" — did you mean "chains"?`. A task
 * given with an explicit `run` is only refused when empty (the caller handles that).
 */
export function guardDefaultTask(
  task: readonly string[],
  commandNames: readonly string[],
  explicitRun: boolean,
): void {
  if (explicitRun || task.length === 0) return;
  if (words(task).length === 0)
    throw new UsageError(
      'the task is empty',
      'Usage: claude-exec "Add JWT authentication to my Express app"',
    );
  const first = task[0]!.trim();
  const firstWord = first.split(/\s+/)[0] ?? '';
  // Only a whole argument can be a command name ("chians"), not the first word of a quoted task.
  const near = first === firstWord ? closestCommand(firstWord, commandNames) : null;
  if (near) {
    throw new UsageError(
      `unknown command "${firstWord}" — did you mean "${near}"?`,
      `\`claude-exec ${near} --help\` shows its usage; to start a chain with this task, use \`claude-exec run …\`.`,
    );
  }
  if (words(task).length < 2) {
    throw new UsageError(
      `unknown command "${first}"`,
      `A task is several words (claude-exec "Add rate limiting to the login route") or is given with run (\`claude-exec run ${first}\`); \`claude-exec --help\` lists the commands.`,
    );
  }
}

/** Names (and aliases) of the program's top-level commands other than `run`, plus `help`. */
export function commandNames(program: Command): string[] {
  return [...program.commands.flatMap((c) => [c.name(), ...c.aliases()]).filter((n) => n !== 'run'), 'help'];
}
