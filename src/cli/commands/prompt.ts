/**
 * `claude-exec prompt run NAME [--focus TEXT]`: one prompt against the workspace as a one-step
 * chain (src/app/single.ts). Prints what it recorded; `--json` prints the run/resume summary
 * (src/cli/outcome.ts) plus `prompt` and `result` (the prompt's record_findings input, or null).
 */
import type { Command } from 'commander';
import type { SinglePromptOutcome } from '../../app/single.js';
import type { Findings } from '../../phases/protocol.js';
import { commandContext } from '../globals.js';
import { printJson, type Io } from '../io.js';
import type { outcomeJson as OutcomeJson, reportOutcome as ReportOutcome } from '../outcome.js';
import { contextsDir } from './drive.js';

/** The result as short text for a terminal: summary, then each non-empty field as a list. */
export function renderResult(result: Findings): string {
  const out = [result.summary];
  const list = (title: string, items: readonly string[] | undefined) => {
    if (items?.length) out.push('', `${title}:`, ...items.map((x) => `  - ${x}`));
  };
  list('Findings', result.findings);
  list('Risks', result.risks);
  list('Requirements', result.requirements);
  list('Decisions', result.decisions?.map((d) => `${d.key}: ${d.choice} (${d.rationale})`));
  list('Assumptions', result.assumptions);
  list('Open uncertainties', result.uncertainties?.filter((u) => !u.resolved).map((u) => `${u.area} (confidence ${u.confidence}${u.blocking ? ', blocking' : ''})`));
  list('Questions for a human', result.questions?.map((q) => `${q.question} [default: ${q.default_answer}]`));
  list('Files to change', result.file_plan?.map((f) => `${f.action} ${f.path}: ${f.change}`));
  if (result.verdict) list(`Verdict: ${result.verdict.passed ? 'passed' : 'FAILED'}`, [...result.verdict.blocking_issues, ...(result.verdict.notes ?? [])]);
  list('Worth running next', result.suggested_prompts);
  for (const text of [result.solution, result.presentation, result.answer]) if (text) out.push('', text.trim());
  return out.join('\n');
}

function report(io: Io, json: boolean, o: SinglePromptOutcome, reportOutcome: typeof ReportOutcome, outcomeJson: typeof OutcomeJson): void {
  if (json) {
    printJson(io, { ...outcomeJson(o), prompt: o.prompt, result: o.result });
    // The usual stderr lines and exit code of a chain outcome; its stdout summary is the JSON above.
    reportOutcome({ ...io, out: () => undefined }, false, o);
    return;
  }
  if (o.result) io.out(`${renderResult(o.result)}\n`);
  reportOutcome(io, false, o);
}

export function register(program: Command): void {
  const prompt = program.command('prompt').description('run one prompt of the library against the workspace');
  prompt
    .command('run')
    .description('run one prompt as a one-step chain with its own context file and cost (resume it like any chain)')
    .argument('<name>', 'prompt name (or the alias of a merged prompt), e.g. security_scanner')
    .option('--focus <text>', 'what the prompt should concentrate on, e.g. "src/auth and the login route"')
    .addHelpText(
      'after',
      '\nExamples:\n  claude-exec prompt run security_scanner --focus "src/routes/auth.js"\n  claude-exec prompt run dependency_auditor --json\n  claude-exec prompt run incident_postmortem --focus "$(cat incident-notes.txt)"\n\nThe prompt runs in its first declared phase with that phase\'s tools (write prompts may change files:\neach change is shown and approved, or --yes). `claude-exec prompts list` shows the prompts.',
    )
    .action(async (name: string, o: { focus?: string }, cmd: Command) => {
      const { opts, io } = commandContext(cmd);
      const [{ createBaseDeps }, { createTerminalUi }, { runSinglePrompt }, { reportOutcome, outcomeJson }] = await Promise.all([
        import('../../app/deps.js'),
        import('../../ui/terminal.js'),
        import('../../app/single.js'),
        import('../outcome.js'),
      ]);
      const stderrColor = !process.env.NO_COLOR && process.argv.indexOf('--no-color') < 0 && Boolean(process.stderr.isTTY);
      const ui = createTerminalUi({ color: stderrColor, verbose: opts.verbose, interactive: io.interactive });
      const base = await createBaseDeps(opts.cwd, { ui, yes: opts.yes });
      const outcome = await runSinglePrompt(name, o.focus, base, { contextsDir: contextsDir(opts), verbose: opts.verbose, maxCostUsd: opts.maxCost, model: opts.model });
      report(io, opts.json, outcome, reportOutcome, outcomeJson);
    });
}
