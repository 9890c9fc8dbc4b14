/**
 * `claude-exec prompts list|show|search|validate|stats`: browse, lint and measure the prompt
 * library. Data comes from src/features/library/prompts.ts; the `--json` documents are in
 * src/contract/prompts.ts; this module only renders. `validate` sets exit code 2 when any file is invalid.
 */
import path from 'node:path';
import type { Command } from 'commander';
import { ExitCode, UsageError, type PromptIssue } from '../../errors.js';
import type {
  PromptListEntry,
  PromptStat,
  PromptStatsReport,
  SearchEntry,
} from '../../features/library/prompts.js';
import type { PromotionCandidate } from '../../features/library/promote.js';
import type { PromptDoc } from '../../library/parse.js';
import { commandContext } from '../globals.js';
import { applies, examples } from '../help.js';
import { printJson, type Io } from '../io.js';
import { grouped } from '../../ui/number.js';
import { registerEval } from './prompts-eval.js';

async function table(
  head: string[],
  rows: string[][],
  color: boolean,
  flex: number[] = [],
  align?: ('left' | 'right')[],
): Promise<string> {
  const { renderTable } = await import('../../ui/table.js');
  return renderTable({ head, rows, color, flex, align });
}

function source(e: PromptListEntry): string {
  return e.overrides.length ? `${e.layer} (overrides ${e.overrides.join(', ')})` : e.layer;
}

/** Tables grouped by category: name, cost, tools, source layer, purpose. */
export async function renderPromptList(
  entries: (PromptListEntry & { measured_cost?: string | null })[],
  color: boolean,
): Promise<string> {
  const parts: string[] = [];
  const categories = [...new Set(entries.map((e) => e.category))];
  for (const category of categories) {
    const rows = entries
      .filter((e) => e.category === category)
      .map((e) => [
        e.name,
        e.measured_cost && e.measured_cost !== e.cost_estimate
          ? `${e.measured_cost} (measured; declared ${e.cost_estimate})`
          : e.cost_estimate,
        e.tools,
        source(e),
        e.purpose,
      ]);
    parts.push(
      `${category} (${rows.length})\n${await table(['name', 'cost', 'tools', 'source', 'purpose'], rows, color, [4, 3])}`,
    );
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

function gainCell(p: PromptStat): string {
  if (p.avg_confidence_gain === null) return '-';
  const pts = `${p.avg_confidence_gain >= 0 ? '+' : ''}${(p.avg_confidence_gain * 100).toFixed(1)} pts`;
  return `${pts} ${p.dimensions.length ? `(${p.dimensions.length === 4 ? 'all' : p.dimensions.join(', ')})` : '(areas)'}`;
}

/** The stats table (one row per prompt) and the promotion offers, as text. */
export async function renderStats(
  report: PromptStatsReport & { promotion_candidates?: PromotionCandidate[] },
  color: boolean,
): Promise<string> {
  if (report.prompts.length === 0) return `no prompt runs in ${report.chains} chains`;
  const rows = report.prompts.map((p) => [
    p.name + (p.generated ? ' *' : ''),
    `${p.runs}/${p.chains}`,
    String(p.failures) +
      (p.retries || p.rejected
        ? ` (${[p.retries ? `${p.retries} retried` : '', p.rejected ? `${p.rejected} rejected` : ''].filter(Boolean).join(', ')})`
        : ''),
    p.median_tokens === null
      ? '-'
      : `${grouped(Math.round(p.median_tokens))}${p.cost_class ? ` (${p.cost_class})` : ''}`,
    (p.median_cost_usd === null ? 'unpriced' : money(p.median_cost_usd)) +
      (p.unpriced_calls ? ` (+${p.unpriced_calls} unpriced)` : ''),
    gainCell(p),
    p.citation_rate === null ? '-' : `${p.cited}/${p.findings} (${Math.round(p.citation_rate * 100)}%)`,
  ]);
  const head = [
    'prompt',
    'runs/chains',
    'failures',
    'median uncached (class)',
    'median cost',
    'confidence gain (dims)',
    'findings cited',
  ];
  const lines = [
    `${await table(head, rows, color, [0], ['left', 'right', 'right', 'right', 'right', 'right', 'right'])}`,
    `${report.chains} chains${report.prompts.some((p) => p.generated) ? '; * = generated by a chain' : ''}`,
  ];
  for (const c of report.promotion_candidates ?? []) {
    lines.push(
      `offered for promotion: ${c.name} (${c.chains} chains, +${(c.avg_confidence_gain * 100).toFixed(1)} pts per run) — claude-exec prompts promote ${c.name} --category <folder>`,
    );
  }
  return lines.join('\n');
}

/**
 * The invalid prompt files, said the way a chain will treat them: a chain refuses to start (exit
 * 2) while any is invalid, so the listing must not suggest they are merely skipped.
 */
function warnIssues(io: Io, issues: PromptIssue[]): void {
  if (!issues.length) return;
  const files = [...new Set(issues.map((i) => path.relative(process.cwd(), i.file) || i.file))];
  const named = `${files.slice(0, 3).join(', ')}${files.length > 3 ? `, … ${files.length - 3} more` : ''}`;
  io.err(
    `warning: ${files.length} invalid prompt file(s), not listed here: ${named} — every chain refuses to start (exit 2) until they are fixed or removed`,
  );
  io.err('`claude-exec prompts validate` shows each problem as file: field: problem.');
}

export function register(program: Command): void {
  const prompts = program.command('prompts').description('browse, lint and measure the prompt library');
  applies(prompts, 'workspace');
  examples(prompts, [
    'claude-exec prompts list --category debug',
    'claude-exec prompts search "flaky test"',
    'claude-exec prompts validate prompts/',
  ]);

  const list = prompts
    .command('list')
    .description('list the prompts by category, with cost, tools and the layer each comes from')
    .option('--category <name>', 'only this category')
    .action(async (options: { category?: string }, cmd: Command) => {
      const { opts, io } = commandContext(cmd);
      const app = await import('../../features/library/prompts.js');
      const { catalog, issues } = await app.openLibrary(opts.cwd);
      warnIssues(io, issues);
      const categories = [...new Set(catalog.prompts.map((p) => p.category))].sort();
      if (options.category !== undefined && !categories.includes(options.category)) {
        throw new UsageError(`no category "${options.category}"`, `Categories: ${categories.join(', ')}.`);
      }
      const { readCostClasses } = await import('../../cost/promptCosts.js');
      const measured = readCostClasses((opts.contexts ?? [path.join(opts.cwd, 'contexts')])[0]!);
      const entries = app
        .listPrompts(catalog, { category: options.category })
        .map((e) => ({ ...e, measured_cost: measured[e.name] ?? null }));
      await (
        await import('../trust.js')
      ).noteUntrustedListing(
        opts.cwd,
        catalog.prompts.filter((p) => p.layer === 'workspace').length,
        'prompts (layer "workspace")',
        io,
      );
      if (opts.json) printJson(io, { schema: 'claude-exec/prompts-list@1', categories, prompts: entries });
      else io.out(await renderPromptList(entries, opts.color));
    });
  applies(list, ['--json', '--cwd', '--contexts', '--verbose', '--no-color']);
  examples(list, [
    'claude-exec prompts list',
    'claude-exec prompts list --category testing',
    "claude-exec prompts list --json | jq -r '.prompts[].name'",
  ]);

  const show = prompts
    .command('show')
    .description('print one prompt: frontmatter and body')
    .argument('<name>', 'prompt name')
    .action(async (name: string, _options: unknown, cmd: Command) => {
      const { opts, io } = commandContext(cmd);
      const app = await import('../../features/library/prompts.js');
      const { catalog, issues } = await app.openLibrary(opts.cwd);
      warnIssues(io, issues);
      const doc = app.showPrompt(catalog, name);
      if (opts.json)
        printJson(io, { schema: 'claude-exec/prompt@1', ...doc, overrides: doc.overrides ?? [] });
      else {
        if (doc.name !== name) io.err(`${name} was merged into ${doc.name}; showing ${doc.name}`);
        io.out(renderPromptDoc(doc));
      }
    });
  applies(show, 'workspace');
  examples(show, [
    'claude-exec prompts show trace_existing_flow',
    'claude-exec prompts show code_reviewer --json | jq -r .body',
  ]);

  const search = prompts
    .command('search')
    .description('find prompts for a need, in plain words (stemmed, fuzzy; name and purpose count most)')
    .argument('<text...>', 'what you need, e.g. "flaky test" or "add rate limiting"')
    .action(async (words: string[], _options: unknown, cmd: Command) => {
      const { opts, io } = commandContext(cmd);
      const app = await import('../../features/library/prompts.js');
      const { catalog, issues } = await app.openLibrary(opts.cwd);
      warnIssues(io, issues);
      const query = words.join(' ');
      const hits: SearchEntry[] = app.searchLibrary(catalog, query);
      if (opts.json) printJson(io, { schema: 'claude-exec/prompts-search@1', query, hits });
      else if (hits.length === 0)
        io.out(`no prompt matches "${query}" (\`claude-exec prompts list\` shows them all)`);
      else
        io.out(
          await table(
            ['name', 'score', 'category', 'cost', 'purpose'],
            hits
              .slice(0, 10)
              .map((h) => [h.name, h.score.toFixed(1), h.category, h.cost_estimate, h.purpose]),
            opts.color,
            [4],
            ['left', 'right'],
          ),
        );
    });
  applies(search, 'workspace');
  examples(search, [
    'claude-exec prompts search memory leak',
    'claude-exec prompts search "add rate limiting" --json | jq -r \'.hits[0].name\'',
  ]);

  const validate = prompts
    .command('validate')
    .description('check prompt files (default: every layer of this workspace); exit 2 on any problem')
    .argument('[paths...]', 'prompt files or directories')
    .action(async (paths: string[], _options: unknown, cmd: Command) => {
      const { opts, io } = commandContext(cmd);
      const app = await import('../../features/library/prompts.js');
      const report = await app.validatePrompts(paths, { cwd: opts.cwd });
      if (report.issues.length) io.err(renderIssues(report.issues));
      if (opts.json) printJson(io, { schema: 'claude-exec/prompts-validate@1', ...report });
      else if (report.ok) io.out(`${report.files} prompt${report.files === 1 ? '' : 's'} OK`);
      else io.out(`${report.valid} of ${report.files} prompt files OK, ${report.issues.length} problem(s)`);
      if (!report.ok) process.exitCode = ExitCode.usage;
    });
  applies(validate, 'workspace');
  examples(validate, [
    'claude-exec prompts validate',
    'claude-exec prompts validate prompts/custom/my_prompt.md   # in CI: exit 2 on a problem',
  ]);

  const stats = prompts
    .command('stats')
    .description(
      'per prompt across chains: runs, failures, median tokens and cost, confidence gained, findings cited; offers generated prompts for promotion',
    )
    .action(async (_options: unknown, cmd: Command) => {
      const { opts, io } = commandContext(cmd);
      const [app, { promotionCandidates }] = await Promise.all([
        import('../../features/library/prompts.js'),
        import('../../features/library/promote.js'),
      ]);
      const report = await app.promptStats(opts.contexts ?? [path.join(opts.cwd, 'contexts')]);
      for (const s of report.skipped) io.err(`warning: skipped ${s.error}`);
      const { catalog } = await app.openLibrary(opts.cwd);
      const full = { ...report, promotion_candidates: promotionCandidates(report.prompts, catalog) };
      if (opts.json) printJson(io, { schema: 'claude-exec/prompts-stats@1', ...full });
      else io.out(await renderStats(full, opts.color));
    });
  applies(stats, 'read');
  examples(stats, [
    'claude-exec prompts stats',
    'claude-exec prompts stats --contexts ci/contexts --json',
    "claude-exec prompts stats --json | jq -r '.promotion_candidates[].name'",
  ]);

  const promote = prompts
    .command('promote')
    .description(
      'move a generated prompt from prompts/custom/ into a workspace library folder, with its history ' +
        '(it must have run in 3+ chains with +5 pts mean confidence gain and at most 25% failures, ' +
        'and pass its eval cases at least as often as its previous version)',
    )
    .argument('<name>', 'generated prompt name')
    .option('--category <folder>', 'library folder to move it to (prompts/<folder>/)', 'discovery')
    .option('--force', 'promote even when it misses a threshold')
    .action(async (name: string, options: { category: string; force?: boolean }, cmd: Command) => {
      const { opts, io } = commandContext(cmd);
      const [app, { promotePrompt }] = await Promise.all([
        import('../../features/library/prompts.js'),
        import('../../features/library/promote.js'),
      ]);
      const { catalog, issues } = await app.openLibrary(opts.cwd);
      warnIssues(io, issues);
      const r = await promotePrompt(opts.cwd, catalog, name, {
        category: options.category,
        contextDirs: opts.contexts ?? [path.join(opts.cwd, 'contexts')],
        force: options.force,
      });
      if (opts.json)
        printJson(io, {
          schema: 'claude-exec/prompts-promote@1',
          name: r.name,
          from: r.from,
          to: r.to,
          category: r.category,
          history: r.history,
          shortfalls: r.shortfalls,
        });
      else {
        for (const s of r.shortfalls) io.err(`warning: promoted despite: ${s}`);
        io.out(
          `promoted ${r.name}: ${path.relative(opts.cwd, r.from)} → ${path.relative(opts.cwd, r.to)} (history in ${path.relative(opts.cwd, r.history)})`,
        );
      }
    });
  applies(promote, 'workspace');

  registerEval(prompts);
  examples(promote, [
    'claude-exec prompts promote queue_retry_mapper --category discovery',
    'claude-exec prompts promote my_prompt --force --json',
  ]);
}
