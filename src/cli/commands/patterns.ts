/**
 * `claude-exec save-pattern ID [--name NAME] [--replace]` and `claude-exec patterns
 * list|show|validate|remove`: what finished chains learned, for similar tasks (src/patterns/).
 * `--json` documents: src/contract/patterns.ts. `validate` sets exit code 2 on any problem.
 */
import type { Command } from 'commander';
import { ExitCode } from '../../errors.js';
import type { PatternDoc } from '../../patterns/file.js';
import { commandContext } from '../globals.js';
import { applies, examples } from '../help.js';
import { printJson } from '../io.js';
import { printSaved } from '../views/patterns.js';
import { contextsDir, setup } from './drive.js';

const pct = (xs: number[]) => xs.map((x) => `${Math.round(x * 100)}%`).join(' → ');
const usd = (n: number | null) => (n === null ? 'unpriced' : `$${n.toFixed(4)}`);

function showText(p: PatternDoc): string {
  return [
    `# ${p.layer}: ${p.file}${p.overrides ? `\n# overrides user: ${p.overrides}` : ''}`,
    `name: ${p.name}`,
    `task: ${p.task_kind}`,
    `from chain ${p.source.chain_id}: ${p.source.goal}`,
    [
      `uncertainty path: ${pct(p.uncertainty_path) || '-'}`,
      `approval rounds ${p.approval_iterations}`,
      `${p.calls} calls`,
      usd(p.cost_usd),
      `${(p.model_time_ms / 60_000).toFixed(1)} min model time`,
    ].join(' · '),
    '',
    'Questions (answers become the proposed defaults):',
    ...(p.questions.length ? p.questions.map((q) => `  - ${q.question} → ${q.answer}`) : ['  (none)']),
    'Decisions (proposals to confirm or revise):',
    ...(p.decisions.length ? p.decisions.map((d) => `  - ${d.key}: ${d.choice}`) : ['  (none)']),
    `Discovery first: ${p.discovery_prompts.map((d) => `${d.name}${d.confidence_gain === null ? '' : ` (+${Math.round(d.confidence_gain * 100)} pts)`}`).join(', ') || '-'}`,
    `Generated prompts: ${p.generated_prompts.join(', ') || '-'}`,
    '',
    p.body,
  ].join('\n');
}

export function register(program: Command): void {
  const save = program
    .command('save-pattern')
    .description(
      'distil a complete chain into a reusable pattern (runs pattern_extractor as one more step of that chain) and save it to patterns/NAME.md',
    )
    .argument('<id>', 'chain id of a complete chain')
    .option('--name <name>', 'pattern name (snake_case; default: the one pattern_extractor proposes)')
    .option('--replace', 'overwrite a saved pattern of the same name')
    .action(async (id: string, o: { name?: string; replace?: boolean }, cmd: Command) => {
      const s = await setup(cmd);
      const { savePattern } = await import('../../features/patterns/save.js');
      try {
        const r = await savePattern(id, s.base, {
          contextsDir: contextsDir(s.opts),
          name: o.name,
          replace: o.replace,
          verbose: s.opts.verbose,
        });
        s.base.ui.progress.info('');
        printSaved(s.io, s.opts.json, r, s.opts.cwd);
      } finally {
        (s.base.ui as { close?: () => void }).close?.();
      }
    });
  applies(save, ['--json', '--cwd', '--contexts', '--verbose', '--no-color']);
  examples(save, [
    'claude-exec save-pattern 047',
    'claude-exec save-pattern 047 --name session_to_token_auth',
    'claude-exec save-pattern 047 --json | jq -r .file',
  ]);

  const patterns = program
    .command('patterns')
    .description('the saved patterns: list, show, validate, remove');
  applies(patterns, 'workspace');
  examples(patterns, [
    'claude-exec patterns list',
    'claude-exec patterns show session_to_token_auth',
    'claude-exec patterns validate',
  ]);

  const list = patterns
    .command('list')
    .description('the saved patterns (user < workspace layers): task kind, source chain, questions, cost')
    .action(async (_o: unknown, cmd: Command) => {
      const { opts, io } = commandContext(cmd);
      const { loadPatterns } = await import('../../patterns/file.js');
      const { patterns: all, issues } = await loadPatterns(opts.cwd);
      if (issues.length)
        io.err(
          `warning: ${issues.length} invalid pattern file(s) left out (\`claude-exec patterns validate\` lists them)`,
        );
      const rows = all.map((p) => ({
        name: p.name,
        task_kind: p.task_kind,
        layer: p.layer,
        file: p.file,
        source_chain: p.source.chain_id,
        questions: p.questions.length,
        decisions: p.decisions.length,
        calls: p.calls,
        cost_usd: p.cost_usd,
        uncertainty_path: p.uncertainty_path,
      }));
      if (opts.json) printJson(io, { schema: 'claude-exec/patterns-list@1', patterns: rows, issues });
      else if (rows.length === 0)
        io.out('no patterns saved (`claude-exec save-pattern ID` saves one from a complete chain)');
      else {
        const { renderTable } = await import('../../ui/table.js');
        io.out(
          renderTable({
            head: ['name', 'task', 'layer', 'chain', 'questions', 'cost', 'uncertainty path'],
            rows: rows.map((r) => [
              r.name,
              r.task_kind,
              r.layer,
              r.source_chain,
              String(r.questions),
              usd(r.cost_usd),
              pct(r.uncertainty_path) || '-',
            ]),
            color: opts.color,
            flex: [1],
          }),
        );
      }
    });
  applies(list, 'workspace');
  examples(list, [
    'claude-exec patterns list',
    "claude-exec patterns list --json | jq -r '.patterns[].name'",
  ]);

  const show = patterns
    .command('show')
    .description(
      'one pattern: its questions and answers, decisions, discovery prompts, uncertainty path, lessons',
    )
    .argument('<name>', 'pattern name')
    .action(async (name: string, _o: unknown, cmd: Command) => {
      const { opts, io } = commandContext(cmd);
      const [{ loadPatterns }, { findPattern }] = await Promise.all([
        import('../../patterns/file.js'),
        import('../../patterns/manage.js'),
      ]);
      const p = findPattern((await loadPatterns(opts.cwd)).patterns, name);
      if (opts.json) printJson(io, { schema: 'claude-exec/pattern@1', ...p, overrides: p.overrides ?? null });
      else io.out(showText(p));
    });
  applies(show, 'workspace');
  examples(show, [
    'claude-exec patterns show session_to_token_auth',
    'claude-exec patterns show session_to_token_auth --json | jq .questions',
  ]);

  const validate = patterns
    .command('validate')
    .description('check pattern files (default: both layers of this workspace); exit 2 on any problem')
    .argument('[paths...]', 'pattern files or directories')
    .action(async (paths: string[], _o: unknown, cmd: Command) => {
      const { opts, io } = commandContext(cmd);
      const { validatePatterns } = await import('../../patterns/manage.js');
      const r = await validatePatterns(paths, opts.cwd);
      if (r.issues.length) io.err(r.issues.map((i) => `${i.file}: ${i.field}: ${i.problem}`).join('\n'));
      if (opts.json) printJson(io, { schema: 'claude-exec/patterns-validate@1', ...r });
      else
        io.out(
          r.ok
            ? `${r.files} pattern${r.files === 1 ? '' : 's'} OK`
            : `${r.valid} of ${r.files} pattern files OK, ${r.issues.length} problem(s)`,
        );
      if (!r.ok) process.exitCode = ExitCode.usage;
    });
  applies(validate, 'workspace');
  examples(validate, [
    'claude-exec patterns validate',
    'claude-exec patterns validate patterns/session_to_token_auth.md',
  ]);

  const remove = patterns
    .command('remove')
    .description('delete a saved pattern (the workspace one when both layers have it)')
    .argument('<name>', 'pattern name')
    .action(async (name: string, _o: unknown, cmd: Command) => {
      const { opts, io } = commandContext(cmd);
      const { removePattern } = await import('../../patterns/manage.js');
      const r = await removePattern(opts.cwd, name);
      if (opts.json) printJson(io, { schema: 'claude-exec/patterns-remove@1', ...r });
      else io.out(`removed ${r.name} (${r.layer}: ${r.file})`);
    });
  applies(remove, 'workspace');
  examples(remove, ['claude-exec patterns remove session_to_token_auth']);
}
