/**
 * `claude-exec prompt run NAME [--focus TEXT]`: one prompt against the workspace as a one-step
 * chain (src/engine/single.ts). Prints what it recorded; `--json` prints `claude-exec/prompt-run@1`:
 * the run@1 fields plus `prompt` and `result` (the prompt's record_findings input, or null).
 */
import type { Command } from 'commander';
import type { SinglePromptOutcome } from '../../engine/single.js';
import type { Findings, NextPrompts } from '../../phases/protocol.js';
import type { PromptRunOutput } from '../../contract/memory.js';
import { applies, examples } from '../help.js';
import { printJson } from '../io.js';
import { setup } from './drive.js';

/** The result as short text for a terminal: summary, then each non-empty field as a list. */
export function renderResult(result: Findings | NextPrompts): string {
  if (!('summary' in result)) {
    // prompt_selector answers with choose_next_prompts.
    return [
      result.rationale,
      ...result.prompts.map((p) => `  - ${p.name}: ${p.focus}`),
      result.ready_for_analysis ? 'Ready for analysis.' : '',
    ]
      .filter(Boolean)
      .join('\n');
  }
  const out = [result.summary];
  const list = (title: string, items: readonly string[] | undefined) => {
    if (items?.length) out.push('', `${title}:`, ...items.map((x) => `  - ${x}`));
  };
  list('Findings', result.findings);
  list('Risks', result.risks);
  list('Requirements', result.requirements);
  list(
    'Decisions',
    result.decisions?.map((d) => `${d.key}: ${d.choice} (${d.rationale})`),
  );
  list('Assumptions', result.assumptions);
  list(
    'Open uncertainties',
    result.uncertainties
      ?.filter((u) => !u.resolved)
      .map((u) => `${u.area} (confidence ${u.confidence}${u.blocking ? ', blocking' : ''})`),
  );
  list(
    'Questions for a human',
    result.questions?.map((q) => `${q.question} [default: ${q.default_answer}]`),
  );
  list(
    'Files to change',
    result.file_plan?.map((f) => `${f.action} ${f.path}: ${f.change}`),
  );
  if (result.verdict)
    list(`Verdict: ${result.verdict.passed ? 'passed' : 'FAILED'}`, [
      ...result.verdict.blocking_issues,
      ...(result.verdict.notes ?? []),
    ]);
  list('Worth running next', result.suggested_prompts);
  for (const text of [result.solution, result.presentation, result.answer])
    if (text) out.push('', text.trim());
  return out.join('\n');
}

export function register(program: Command): void {
  const prompt = program.command('prompt').description('run one prompt of the library against the workspace');
  examples(prompt, [
    'claude-exec prompt run security_scanner --focus "src/routes/auth.js"',
    'claude-exec prompt run --help',
  ]);
  const run = prompt
    .command('run')
    .description(
      'run one prompt as a one-step chain with its own context file and cost (resume it like any chain)',
    )
    .argument('<name>', 'prompt name (or the alias of a merged prompt), e.g. security_scanner')
    .option('--focus <text>', 'what the prompt should concentrate on, e.g. "src/auth and the login route"')
    .addHelpText(
      'after',
      "\nThe prompt runs in its first declared phase with that phase's tools (write prompts may change files:\n" +
        'each change is shown and approved, or --yes). `claude-exec prompts list` shows the prompts.',
    )
    .action(async (name: string, o: { focus?: string }, cmd: Command) => {
      const s = await setup(cmd);
      const [{ runSinglePrompt }, { reportOutcome, outcomeJson }] = await Promise.all([
        import('../../features/run/single.js'),
        import('../outcome.js'),
      ]);
      await s.drive(
        () => runSinglePrompt(name, o.focus, s.base, s.driveOpts),
        (outcome: SinglePromptOutcome) => {
          if (s.opts.json) {
            const doc: PromptRunOutput = {
              ...outcomeJson(outcome, { flags: s.opts.flags }),
              schema: 'claude-exec/prompt-run@1',
              prompt: outcome.prompt,
              result: outcome.result,
            };
            printJson(s.io, doc);
            // The usual stderr lines and exit code of a chain outcome; its stdout summary is the JSON above.
            reportOutcome({ ...s.io, out: () => undefined }, false, outcome, { flags: s.opts.flags });
            return;
          }
          if (outcome.result) s.io.out(`${renderResult(outcome.result)}\n`);
          reportOutcome(s.io, false, outcome, { flags: s.opts.flags });
        },
      );
    });
  applies(run, [
    '--json',
    '--yes',
    '--max-cost',
    '--model',
    '--cwd',
    '--contexts',
    '--verbose',
    '--no-color',
  ]);
  examples(run, [
    'claude-exec prompt run security_scanner --focus "src/routes/auth.js"',
    'claude-exec prompt run dependency_auditor --json | jq .result.findings',
    'claude-exec prompt run incident_postmortem --focus "$(cat incident-notes.txt)"',
  ]);
}
