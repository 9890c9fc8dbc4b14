/**
 * chains, status, show, rollback.
 */
import path from 'node:path';
import type { Command } from 'commander';
import { UsageError } from '../../errors.js';
import { commandContext } from '../globals.js';
import { printJson } from '../io.js';
import type { GlobalOptions } from '../io.js';

const dirsOf = (opts: GlobalOptions) => opts.contexts ?? [path.join(opts.cwd, 'contexts')];
const minutes = (ms: number | null) => (ms === null ? '…' : ms < 60_000 ? `${Math.round(ms / 1000)} s` : `${Math.round(ms / 60_000)} min`);

export function register(program: Command): void {
  program
    .command('chains')
    .description('list the chains in the contexts directory')
    .action(async (_o, cmd: Command) => {
      const { opts, io } = commandContext(cmd);
      const { listChains } = await import('../../app/chains.js');
      const rows = await listChains(dirsOf(opts), (m) => io.err(`warning: ${m}`));
      if (opts.json) return printJson(io, rows);
      if (rows.length === 0) return io.out('No chains yet. Start one with: claude-exec "your task"');
      const { default: Table } = await import('cli-table3');
      const table = new Table({ head: ['id', 'status', 'phase', 'cost', 'tokens', 'updated', 'goal'], style: { head: opts.color ? ['cyan'] : [], border: opts.color ? ['grey'] : [] } });
      for (const r of rows) table.push([r.chain_id, r.status, r.current_phase, `$${r.cost_usd.toFixed(4)}`, r.tokens.toLocaleString('en-US'), r.updated_at.slice(0, 16).replace('T', ' '), r.goal.slice(0, 50)]);
      io.out(table.toString());
    });

  program
    .command('status')
    .description('progress of one chain (default: the newest): phases with durations, cost, confidence, what it waits for')
    .argument('[id]', 'chain id')
    .action(async (id: string | undefined, _o, cmd: Command) => {
      const { opts, io } = commandContext(cmd);
      const { loadChain, chainStatus } = await import('../../app/chains.js');
      const s = chainStatus((await loadChain(dirsOf(opts), id)).ctx);
      if (opts.json) return printJson(io, s);
      io.out(`Chain ${s.chain_id} progress (${s.status}): ${s.goal}`);
      for (const p of s.phases) io.out(`${p.done ? '✓' : '…'} ${p.phase} (${minutes(p.duration_ms)}, ${p.prompts.length} prompts)${p.exit_reason ? ` — ${p.exit_reason}` : ''}`);
      io.out(`Total time: ${minutes(s.total_duration_ms)}`);
      io.out(`Total cost: $${s.cost_usd.toFixed(4)}${s.unpriced_calls ? ` (+${s.unpriced_calls} unpriced calls)` : ''} · ${s.tokens.toLocaleString('en-US')} tokens`);
      io.out(`Confidence: ${Math.round(s.confidence.overall * 100)}% (requirements ${Math.round(s.confidence.requirements * 100)}%)`);
      if (s.pending?.kind === 'questions') for (const q of s.open_questions) io.out(`  ${q.id}: ${q.question} [default: ${q.default_answer}]`);
      if (s.pending?.kind === 'approval') io.out(`Waiting for approval: claude-exec approve ${s.chain_id} (or --reject "why" / --more-info "question")`);
      if (s.pending?.kind === 'file-change') io.out(`Waiting for approval of a change to ${s.pending.path}:\n${s.pending.diff}`);
      if (s.error) io.out(`Error: ${s.error}`);
    });

  program
    .command('show')
    .description('the whole context of a chain (JSON), or with --memory what a prompt of it is shown now')
    .argument('<id>', 'chain id')
    .option('--memory', 'print the chain memory a prompt would get as {{context}} now (its current phase, the memory budget)')
    .option('--prompt <name>', 'with --memory: render it for this prompt (default: the one the chain runs next)')
    .addHelpText(
      'after',
      '\nExamples:\n  claude-exec show 047                       # the context file, joined with its journal\n  claude-exec show 047 --memory              # what the next prompt sees\n  claude-exec show 047 --memory --prompt code_reviewer --json',
    )
    .action(async (id: string, o: { memory?: boolean; prompt?: string }, cmd: Command) => {
      const { opts, io } = commandContext(cmd);
      if (!o.memory) {
        if (o.prompt !== undefined) throw new UsageError('--prompt goes with --memory', 'Example: claude-exec show 047 --memory --prompt code_reviewer');
        const { loadChain } = await import('../../app/chains.js');
        return printJson(io, (await loadChain(dirsOf(opts), id)).ctx);
      }
      const [{ chainMemory }, { loadConfig }] = await Promise.all([import('../../app/memoryView.js'), import('../../config/load.js')]);
      const view = await chainMemory(dirsOf(opts), id, { budgetTokens: loadConfig(opts.cwd).config.limits.context_tokens, prompt: o.prompt });
      if (opts.json) return printJson(io, view);
      const left = Object.entries(view.omitted).map(([k, n]) => `${n} ${k}`).join(', ');
      io.err(`chain ${view.chain_id} · ${view.phase}${view.prompt ? ` · for ${view.prompt}` : ''} · ${view.tokens.toLocaleString('en-US')} of ${view.budget_tokens.toLocaleString('en-US')} tokens${left ? ` · left out: ${left}` : ''}`);
      io.out(view.text);
    });

  program
    .command('rollback')
    .description("restore the workspace files to the chain's pre-implementation checkpoint")
    .argument('<id>', 'chain id')
    .action(async (id: string, _o, cmd: Command) => {
      const { opts, io } = commandContext(cmd);
      const { rollbackChain } = await import('../../app/chains.js');
      const r = await rollbackChain(dirsOf(opts), id);
      if (opts.json) return printJson(io, r);
      io.out(`Chain ${r.chain_id}: restored ${r.restored.length} file(s), removed ${r.removed.length} new file(s) from ${r.git_ref}`);
      for (const f of r.restored) io.out(`  restored ${f}`);
      for (const f of r.removed) io.out(`  removed  ${f}`);
      for (const f of r.kept) io.out(`  kept     ${f} (git-ignored, so the checkpoint has no copy of it)`);
    });
}
