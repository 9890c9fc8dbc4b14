/**
 * `claude-exec workflows list|show|validate`: the workflows of this workspace (built-in < user <
 * workspace `workflows/`). Data from src/features/library/workflows.ts; `--json` documents in
 * src/contract/workflows.ts. `validate` sets exit code 2 when any file has a problem.
 */
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { ExitCode, type PromptIssue } from '../../errors.js';
import { commandContext } from '../globals.js';
import { applies, examples } from '../help.js';
import { printJson, type Io } from '../io.js';

const renderIssues = (issues: PromptIssue[]) =>
  issues.map((i) => `${i.file}: ${i.field}: ${i.problem}`).join('\n');

function warnIssues(io: Io, issues: PromptIssue[]): void {
  if (issues.length)
    io.err(
      `warning: ${issues.length} problem(s) in workflow files; those workflows are left out (\`claude-exec workflows validate\` lists them)`,
    );
}

async function open(cwd: string) {
  const [prompts, { openWorkflows, listWorkflows, findWorkflow, DEFAULT_WORKFLOW }] = await Promise.all([
    import('../../features/library/prompts.js'),
    import('../../features/library/workflows.js'),
  ]);
  const { catalog } = await prompts.openLibrary(cwd);
  const app = { listWorkflows, findWorkflow, DEFAULT_WORKFLOW };
  return { app, ...(await openWorkflows(cwd, catalog)) };
}

export function register(program: Command): void {
  const workflows = program
    .command('workflows')
    .description('list, show and check workflows: the steps a chain runs (--workflow NAME)');
  applies(workflows, 'workspace');
  examples(workflows, [
    'claude-exec workflows list',
    'claude-exec workflows show bugfix',
    'claude-exec workflows validate workflows/',
  ]);

  const list = workflows
    .command('list')
    .description('list the workflows with their step kinds and the layer each comes from')
    .action(async (_o: unknown, cmd: Command) => {
      const { opts, io } = commandContext(cmd);
      const { app, workflows: docs, issues } = await open(opts.cwd);
      warnIssues(io, issues);
      const entries = app.listWorkflows(docs);
      await (
        await import('../trust.js')
      ).noteUntrustedListing(
        opts.cwd,
        docs.filter((d) => d.layer === 'workspace').length,
        'workflows (layer "workspace")',
        io,
      );
      if (opts.json) {
        printJson(io, { schema: 'claude-exec/workflows-list@1', workflows: entries });
        return;
      }
      const { renderTable } = await import('../../ui/table.js');
      const rows = entries.map((e) => [
        e.name + (e.name === app.DEFAULT_WORKFLOW ? ' (default)' : ''),
        e.kinds.join(', '),
        e.overrides.length ? `${e.layer} (overrides ${e.overrides.join(', ')})` : e.layer,
        e.description,
      ]);
      io.out(
        `${renderTable({ head: ['name', 'steps', 'source', 'description'], rows, color: opts.color, flex: [3] })}\n${entries.length} workflows`,
      );
    });
  applies(list, 'workspace');
  examples(list, [
    'claude-exec workflows list',
    "claude-exec workflows list --json | jq -r '.workflows[].name'",
  ]);

  const show = workflows
    .command('show')
    .description('print one workflow file as it is, with the layer it comes from')
    .argument('<name>', 'workflow name')
    .action(async (name: string, _o: unknown, cmd: Command) => {
      const { opts, io } = commandContext(cmd);
      const { app, workflows: docs, issues } = await open(opts.cwd);
      warnIssues(io, issues);
      const doc = app.findWorkflow(docs, name);
      if (opts.json) printJson(io, { schema: 'claude-exec/workflow@1', ...doc });
      else
        io.out(
          [
            `# ${doc.layer}: ${doc.file}`,
            ...doc.overrides.map((o) => `# overrides ${o.layer}: ${o.file}`),
            (await readFile(doc.file, 'utf8')).trimEnd(),
          ].join('\n'),
        );
    });
  applies(show, 'workspace');
  examples(show, [
    'claude-exec workflows show review',
    'claude-exec workflows show bugfix --json | jq .steps',
  ]);

  const validate = workflows
    .command('validate')
    .description('check workflow files (default: every layer of this workspace); exit 2 on any problem')
    .argument('[paths...]', 'workflow files or directories')
    .action(async (paths: string[], _o: unknown, cmd: Command) => {
      const { opts, io } = commandContext(cmd);
      const app = await import('../../features/library/workflows.js');
      const report = await app.validateWorkflows(paths, opts.cwd);
      if (report.issues.length) io.err(renderIssues(report.issues));
      if (opts.json) printJson(io, { schema: 'claude-exec/workflows-validate@1', ...report });
      else if (report.ok) io.out(`${report.files} workflow${report.files === 1 ? '' : 's'} OK`);
      else io.out(`${report.valid} of ${report.files} workflow files OK, ${report.issues.length} problem(s)`);
      if (!report.ok) process.exitCode = ExitCode.usage;
    });
  applies(validate, 'workspace');
  examples(validate, [
    'claude-exec workflows validate',
    'claude-exec workflows validate workflows/release.yaml   # in CI: exit 2 on a problem',
  ]);
}
