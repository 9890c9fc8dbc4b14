/**
 * The terminal Ui: progress on stderr (./progress.ts), and questions, approvals and diffs through
 * @inquirer/prompts, also on stderr. Ctrl-C at a prompt becomes an InterruptedError, so the chain
 * is saved as `cancelled` and the process exits 130 like any other interrupt.
 */
import { confirm, expand, input } from '@inquirer/prompts';
import pc from 'picocolors';
import type { Question } from '../chain/schema.js';
import { InterruptedError } from '../errors.js';
import { createProgress, type TerminalProgress } from './progress.js';
import { sanitizeTerminal } from './sanitize.js';
import type { ChangeResponse, GateAnswerShown, GateResponse, Ui } from '../engine/ui.js';

export { createProgress } from './progress.js';

type Colors = Pick<typeof pc, 'bold' | 'dim' | 'cyan' | 'green' | 'red' | 'yellow'>;

export interface TerminalUi extends Ui {
  progress: TerminalProgress;
  /** Removes the live status line (call before printing the outcome). */
  close(): void;
}

export interface TerminalUiOptions {
  color: boolean;
  verbose: boolean;
  /** stdin and stderr are terminals: questions may be asked. */
  interactive: boolean;
  /** Shown instead of a cost for calls without a per-token price (the demo: "demo"). */
  costLabel?: string;
}

/** True for the errors @inquirer/prompts rejects with on Ctrl-C or a closed input. */
function isPromptExit(err: unknown): boolean {
  const name = (err as Error | null)?.name;
  return name === 'ExitPromptError' || name === 'AbortPromptError';
}

/** The interactive Ui over process.stdin / process.stderr. */
export function createTerminalUi(opts: TerminalUiOptions): TerminalUi {
  const write = (line: string) =>
    process.stderr.write(sanitizeTerminal(`${line}\n`, { keepColors: opts.color }));
  /** A model-supplied text shown by a prompt (a question, its default answer, a path). */
  const clean = (text: string) => sanitizeTerminal(text);
  const c: Colors = pc.createColors(opts.color);
  const context = { input: process.stdin, output: process.stderr };
  const progress = createProgress(write, {
    color: opts.color,
    verbose: opts.verbose,
    live: Boolean(process.stderr.isTTY),
    costLabel: opts.costLabel,
  });

  /** Runs one exchange with the human: the status line hidden, Ctrl-C turned into an interrupt. */
  async function ask<T>(what: string, fn: () => Promise<T>): Promise<T> {
    progress.pause();
    try {
      return await fn();
    } catch (err) {
      if (isPromptExit(err)) throw new InterruptedError(`interrupted at ${what}`);
      throw err;
    } finally {
      progress.resume();
    }
  }

  return {
    progress,
    interactive: opts.interactive,
    close: () => progress.close(),
    confirm: (message: string, defaultYes: boolean) =>
      ask(message, () => confirm({ message, default: defaultYes }, context)),
    askQuestions: (questions: Question[]) =>
      ask('the clarifying questions', async () => {
        const answers: Record<string, string> = {};
        write(c.bold('\nClarifying questions (Enter accepts the proposed answer):'));
        for (const q of questions) {
          write(c.dim(`  why: ${q.why}`));
          answers[q.id] = await input(
            { message: clean(q.question), default: clean(q.default_answer) },
            context,
          );
        }
        return answers;
      }),
    askApproval: (solution: string, confidence: number, answers: GateAnswerShown[] = []) =>
      ask('the solution approval', async (): Promise<GateResponse> => {
        for (const a of answers)
          write(
            `\n${c.bold('You asked:')} ${a.question}\n${c.bold('Answer:')}\n${a.answer?.trim() || c.dim('(no answer was recorded)')}\n`,
          );
        write(
          `\n${c.bold(answers.length ? 'Proposed solution, presented again' : 'Proposed solution')} ${c.dim(`(confidence ${Math.round(confidence * 100)}%)`)}\n\n${solution}\n`,
        );
        const response = await expand(
          {
            message: 'Approve this approach?',
            default: 'y',
            choices: [
              { key: 'y', name: 'Yes, implement it', value: 'approved' as const },
              { key: 'n', name: 'No (say why)', value: 'rejected' as const },
              { key: 'm', name: 'More info (ask a question)', value: 'more-info' as const },
            ],
          },
          context,
        );
        if (response === 'approved') return { response };
        const note = await input(
          {
            message: response === 'rejected' ? 'What should change?' : 'What would you like to know?',
            required: true,
          },
          context,
        );
        return { response, note };
      }),
    confirmChange: (change) =>
      ask(`the change to ${change.path}`, async (): Promise<ChangeResponse> => {
        write(
          `\n${c.bold(change.isNew ? `New file ${change.path}` : `Change to ${change.path}`)}\n${colorDiff(change.diff, c)}`,
        );
        const ok = await expand(
          {
            message: `Apply this change to ${clean(change.path)}?`,
            default: 'y',
            choices: [
              { key: 'y', name: 'Apply', value: 'yes' as const },
              { key: 'n', name: 'Reject (say why)', value: 'no' as const },
              {
                key: 'a',
                name: 'All: apply this and every remaining change of this implementation',
                value: 'all' as const,
              },
            ],
          },
          context,
        );
        if (ok === 'yes') return { approved: true };
        if (ok === 'all') return { approved: true, all: true };
        return {
          approved: false,
          reason: await input({ message: 'Why? (the model adapts)', required: true }, context),
        };
      }),
  };
}

function colorDiff(diff: string, c: Colors): string {
  return diff
    .split('\n')
    .map((l) =>
      l.startsWith('+') && !l.startsWith('+++')
        ? c.green(l)
        : l.startsWith('-') && !l.startsWith('---')
          ? c.red(l)
          : l,
    )
    .join('\n');
}
