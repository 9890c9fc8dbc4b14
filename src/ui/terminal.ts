/**
 * The terminal Ui: progress lines on stderr (phase, prompt, tokens, running $), and questions,
 * approvals and diffs through @inquirer/prompts, also on stderr.
 */
import { expand, input } from '@inquirer/prompts';
import pc from 'picocolors';
import type { Question } from '../chain/schema.js';
import type { ChangeResponse, GateResponse, Progress, Ui } from './types.js';

type Colors = Pick<typeof pc, 'bold' | 'dim' | 'cyan' | 'green' | 'red' | 'yellow'>;

function colors(enabled: boolean): Colors {
  const c = pc.createColors(enabled);
  return { bold: c.bold, dim: c.dim, cyan: c.cyan, green: c.green, red: c.red, yellow: c.yellow };
}

const usd = (x: number) => `$${x < 1 ? x.toFixed(4) : x.toFixed(2)}`;
const tokens = (n: number) => n.toLocaleString('en-US');

/** Progress lines written with `write` (stderr). `verbose` also shows tool activity. */
export function createProgress(write: (line: string) => void, opts: { color: boolean; verbose: boolean }): Progress {
  const c = colors(opts.color);
  return {
    phase: (phase) => write(`\n${c.bold(c.cyan(`== ${phase}`))}`),
    stepStart: ({ n, prompt, focus }) => write(`${c.dim(`[${n}]`)} ${prompt}${focus ? c.dim(` — ${focus.slice(0, 80)}`) : ''} …`),
    stepEnd: ({ n, prompt, summary, ok }) => write(`${c.dim(`[${n}]`)} ${ok ? c.green('✓') : c.red('✗')} ${prompt}: ${summary.slice(0, 160)}`),
    call: (i) =>
      write(
        c.dim(
          `    ${i.prompt}: ${tokens(i.tokens)} tok · chain ${tokens(i.chainTokens)} tok · ${i.unpriced ? 'unpriced model' : i.subscription ? 'subscription' : usd(i.chainCostUsd)}` +
            (i.cacheReadShare === null ? '' : ` · cache read ${Math.round(i.cacheReadShare * 100)}%`),
        ),
      ),
    tool: ({ name, summary }) => {
      if (opts.verbose) write(c.dim(`    → ${name} ${summary}`));
    },
    info: (text) => write(text),
    warn: (text) => write(c.yellow(`warning: ${text}`)),
  };
}

/** The interactive Ui over process.stdin / process.stderr. */
export function createTerminalUi(opts: { color: boolean; verbose: boolean; interactive: boolean }): Ui {
  const write = (line: string) => process.stderr.write(`${line}\n`);
  const c = colors(opts.color);
  const context = { input: process.stdin, output: process.stderr };
  return {
    progress: createProgress(write, opts),
    interactive: opts.interactive,
    async askQuestions(questions: Question[]) {
      const answers: Record<string, string> = {};
      write(c.bold('\nClarifying questions (Enter accepts the proposed answer):'));
      for (const q of questions) {
        write(c.dim(`  why: ${q.why}`));
        answers[q.id] = await input({ message: q.question, default: q.default_answer }, context);
      }
      return answers;
    },
    async askApproval(solution: string, confidence: number): Promise<GateResponse> {
      write(`\n${c.bold('Proposed solution')} ${c.dim(`(confidence ${Math.round(confidence * 100)}%)`)}\n\n${solution}\n`);
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
      const note = await input({ message: response === 'rejected' ? 'What should change?' : 'What would you like to know?', required: true }, context);
      return { response, note };
    },
    async confirmChange(change): Promise<ChangeResponse> {
      write(`\n${c.bold(change.isNew ? `New file ${change.path}` : `Change to ${change.path}`)}\n${colorDiff(change.diff, c)}`);
      const ok = await expand(
        {
          message: `Apply this change to ${change.path}?`,
          default: 'y',
          choices: [
            { key: 'y', name: 'Apply', value: 'yes' as const },
            { key: 'n', name: 'Reject (say why)', value: 'no' as const },
          ],
        },
        context,
      );
      if (ok === 'yes') return { approved: true };
      return { approved: false, reason: await input({ message: 'Why? (the model adapts)', required: true }, context) };
    },
  };
}

function colorDiff(diff: string, c: Colors): string {
  return diff
    .split('\n')
    .map((l) => (l.startsWith('+') && !l.startsWith('+++') ? c.green(l) : l.startsWith('-') && !l.startsWith('---') ? c.red(l) : l))
    .join('\n');
}
