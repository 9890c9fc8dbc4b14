/**
 * `claude-exec prompts list|show|search|validate|stats`: browse, lint and measure the prompt
 * library. Data comes from src/app/prompts.ts; the `--json` documents are in
 * src/cli/contract/prompts.ts; this module only renders. `validate` sets exit code 2 when any file is invalid.
 */
import path from 'node:path';
import type { Command } from 'commander';
import { ExitCode, UsageError, type PromptIssue } from '../../errors.js';
import type { PromptListEntry, PromptStatsReport, SearchEntry } from '../../app/prompts.js';
import type { PromptDoc } from '../../library/parse.js';
import { commandContext } from '../globals.js';
import { applies, examples } from '../help.js';
import { printJson, type Io } from '../io.js';

async function table(head: string[], rows: string[][], color: boolean, flex: number[] = [], align?: ('left' | 'right')[]): Promise<string> {
  const { renderTable } = await import('../../ui/table.js');
  return renderTable({ head, rows, color, flex, align });
}

function source(e: PromptListEntry): string {
  return e.overrides.length ? `${e.layer} (overrides ${e.overrides.join(', ')})` : e.layer;
}

/** Tables grouped by category: name, cost, tools, source layer, purpose. */
export async function renderPromptList(entries: PromptListEntry[], color: boolean): Promise<string> {
  const parts: string[] = [];
  const categories = [...new Set(entries.map((e) => e.category))];
  for (const category of categories) {
    const rows = entries.filter((e) => e.category === category).map((e) => [e.name, e.cost_estimate, e.tools, source(e), e.purpose]);
    parts.push(`${category} (${rows.length})\n${await table(['name', 'cost', 'tools', 'source', 'purpose'], rows, color, [4, 3])}`);
  }
  parts.push(`${entries.length} prompts`);
  return parts.join('\n\n');
}

/** The prompt as a file: its frontmatter (with defaults filled in) and body, plus where it came from. */
export function renderPromptDoc(doc: PromptDoc): string {
  const list = (key: string, items: string[]) => [`${key}:`, ...items.map((i) => `  - ${i}`)];
  const overrides = (doc.overrides ?? []).map((o) => `# overrides ${o.layer}: ${o.file}`);
  return [
    `# ${doc.layer}: ${doc.file}`,
    ...overrides,
    '---',
    `name: ${doc.name}`,
    `purpose: ${doc.purpose}`,
    ...list('good_for', doc.good_for),
    ...list('uncertainty_reduction', doc.uncertainty_reduction),
    ...list('example_context_needs', doc.example_context_needs),
    `cost_estimate: ${doc.cost_estimate}`,
    `phases: [${doc.phases.join(', ')}]`,
    `tools: ${doc.tools}`,
    `tier: ${doc.tier}`,
    ...(doc.aliases.length ? [`aliases: [${doc.aliases.join(', ')}]`] : []),
    '---',
    doc.body,
  ].join('\n');
}

export function renderIssues(issues: PromptIssue[]): string {
  return issues.map((i) => `${i.file}: ${i.field}: ${i.problem}`).join('\n');
}

function money(n: number | null): string {
  return n === null ? 'unpriced' : `$${n.toFixed(4)}`;
}

export async function renderStats(report: PromptStatsReport, color: boolean): Promise<string> {
  if (report.prompts.length === 0) return `no prompt runs in ${report.chains} chains`;
  const rows = report.prompts.map((p) => [
    p.name,
    String(p.runs),
    String(p.failures),
    Math.round(p.avg_tokens).toLocaleString('en-US'),
    money(p.avg_cost_usd) + (p.unpriced_calls ? ` (+${p.unpriced_calls} unpriced)` : ''),
    p.median_tokens === null ? '-' : `${Math.round(p.median_tokens).toLocaleString('en-US')}${p.cost_class ? ` (${p.cost_class})` : ''}`,
    p.avg_confidence_gain === null ? '-' : `${p.avg_confidence_gain >= 0 ? '+' : ''}${(p.avg_confidence_gain * 100).toFixed(1)} pts`,
  ]);
  const head = ['prompt', 'runs', 'failures', 'avg tokens', 'avg cost', 'median uncached (class)', 'avg confidence gain'];
  return `${await table(head, rows, color, [0], ['left', 'right', 'right', 'right', 'right', 'right', 'right'])}\n${report.chains} chains`;
}

function warnIssues(io: Io, issues: PromptIssue[]): void {
  if (issues.length) io.err(`warning: ${issues.length} problem(s) in prompt files; those prompts are left out (\`claude-exec prompts validate\` lists them)`);
}

export function register(program: Command): void {
  const prompts = program.command('prompts').description('browse, lint and measure the prompt library');
  applies(prompts, 'workspace');
  examples(prompts, ['claude-exec prompts list --category debug', 'claude-exec prompts search "flaky test"', 'claude-exec prompts validate prompts/']);

  const list = prompts
    .command('list')
    .description('list the prompts by category, with cost, tools and the layer each comes from')
    .option('--category <name>', 'only this category')
    .action(async (options: { category?: string }, cmd: Command) => {
      const { opts, io } = commandContext(cmd);
      const app = await import('../../app/prompts.js');
      const { catalog, issues } = await app.openLibrary(opts.cwd);
      warnIssues(io, issues);
      const categories = [...new Set(catalog.prompts.map((p) => p.category))].sort();
      if (options.category !== undefined && !categories.includes(options.category)) {
        throw new UsageError(`no category "${options.category}"`, `Categories: ${categories.join(', ')}.`);
      }
      const entries = app.listPrompts(catalog, { category: options.category });
      if (opts.json) printJson(io, { schema: 'claude-exec/prompts-list@1', categories, prompts: entries });
      else io.out(await renderPromptList(entries, opts.color));
    });
  applies(list, 'workspace');
  examples(list, ['claude-exec prompts list', 'claude-exec prompts list --category testing', "claude-exec prompts list --json | jq -r '.prompts[].name'"]);

  const show = prompts
    .command('show')
    .description('print one prompt: frontmatter and body')
    .argument('<name>', 'prompt name')
    .action(async (name: string, _options: unknown, cmd: Command) => {
      const { opts, io } = commandContext(cmd);
      const app = await import('../../app/prompts.js');
      const { catalog, issues } = await app.openLibrary(opts.cwd);
      warnIssues(io, issues);
      const doc = app.showPrompt(catalog, name);
      if (opts.json) printJson(io, { schema: 'claude-exec/prompt@1', ...doc, overrides: doc.overrides ?? [] });
      else {
        if (doc.name !== name) io.err(`${name} was merged into ${doc.name}; showing ${doc.name}`);
        io.out(renderPromptDoc(doc));
      }
    });
  applies(show, 'workspace');
  examples(show, ['claude-exec prompts show trace_existing_flow', 'claude-exec prompts show code_reviewer --json | jq -r .body']);

  const search = prompts
    .command('search')
    .description('find prompts for a need, in plain words (stemmed, fuzzy; name and purpose count most)')
    .argument('<text...>', 'what you need, e.g. "flaky test" or "add rate limiting"')
    .action(async (words: string[], _options: unknown, cmd: Command) => {
      const { opts, io } = commandContext(cmd);
      const app = await import('../../app/prompts.js');
      const { catalog, issues } = await app.openLibrary(opts.cwd);
      warnIssues(io, issues);
      const query = words.join(' ');
      const hits: SearchEntry[] = app.searchLibrary(catalog, query);
      if (opts.json) printJson(io, { schema: 'claude-exec/prompts-search@1', query, hits });
      else if (hits.length === 0) io.out(`no prompt matches "${query}" (\`claude-exec prompts list\` shows them all)`);
      else io.out(await table(['name', 'score', 'category', 'cost', 'purpose'], hits.slice(0, 10).map((h) => [h.name, h.score.toFixed(1), h.category, h.cost_estimate, h.purpose]), opts.color, [4], ['left', 'right']));
    });
  applies(search, 'workspace');
  examples(search, ['claude-exec prompts search memory leak', 'claude-exec prompts search "add rate limiting" --json | jq -r \'.hits[0].name\'']);

  const validate = prompts
    .command('validate')
    .description('check prompt files (default: every layer of this workspace); exit 2 on any problem')
    .argument('[paths...]', 'prompt files or directories')
    .action(async (paths: string[], _options: unknown, cmd: Command) => {
      const { opts, io } = commandContext(cmd);
      const app = await import('../../app/prompts.js');
      const report = await app.validatePrompts(paths, { cwd: opts.cwd });
      if (report.issues.length) io.err(renderIssues(report.issues));
      if (opts.json) printJson(io, { schema: 'claude-exec/prompts-validate@1', ...report });
      else if (report.ok) io.out(`${report.files} prompt${report.files === 1 ? '' : 's'} OK`);
      else io.out(`${report.valid} of ${report.files} prompt files OK, ${report.issues.length} problem(s)`);
      if (!report.ok) process.exitCode = ExitCode.usage;
    });
  applies(validate, 'workspace');
  examples(validate, ['claude-exec prompts validate', 'claude-exec prompts validate prompts/custom/my_prompt.md   # in CI: exit 2 on a problem']);

  const stats = prompts
    .command('stats')
    .description('per prompt across chains: runs, failures, average tokens and cost, confidence gained')
    .action(async (_options: unknown, cmd: Command) => {
      const { opts, io } = commandContext(cmd);
      const app = await import('../../app/prompts.js');
      const report = await app.promptStats(opts.contexts ?? [path.join(opts.cwd, 'contexts')]);
      for (const s of report.skipped) io.err(`warning: skipped ${s.error}`);
      if (opts.json) printJson(io, { schema: 'claude-exec/prompts-stats@1', ...report });
      else io.out(await renderStats(report, opts.color));
    });
  applies(stats, 'read');
  examples(stats, ['claude-exec prompts stats', 'claude-exec prompts stats --contexts ci/contexts --json']);
}
