/**
 * chains, status, show, pending, rollback: chains read back from the contexts directories.
 */
import path from 'node:path';
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { UsageError } from '../../errors.js';
import { commandContext } from '../globals.js';
import { applies, examples } from '../help.js';
import { printJson } from '../io.js';
import { grouped } from '../../ui/number.js';
import type { GlobalOptions } from '../io.js';

const dirsOf = (opts: GlobalOptions) => opts.contexts ?? [path.join(opts.cwd, 'contexts')];
function positiveInt(flag: string, v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1)
    throw new UsageError(`${flag} ${v}: give a whole number of chains, 1 or more`);
  return n;
}

function dateMs(flag: string, v: string): number {
  const ms = Date.parse(v);
  if (Number.isNaN(ms))
    throw new UsageError(
      `${flag} ${v}: not a date`,
      'Give a date or a time, e.g. 2026-01-31 or 2026-01-31T09:00Z.',
    );
  return ms;
}

const minutes = (ms: number | null) =>
  ms === null ? '…' : ms < 60_000 ? `${Math.round(ms / 1000)} s` : `${Math.round(ms / 60_000)} min`;

export function register(program: Command): void {
  const chains = program
    .command('chains')
    .description(
      'list the chains in the contexts directory, oldest first: the newest 50 unless --all or --limit',
    )
    .option('--all', 'every chain, also those that failed before their first call (no limit)')
    .option('--limit <n>', 'the newest n chains (default 50)', (v) => positiveInt('--limit', v))
    .option(
      '--since <date>',
      'only chains updated at or after this date or time (e.g. 2026-01-31 or 2026-01-31T09:00Z)',
      (v) => dateMs('--since', v),
    )
    .option('--tree', 'sub-chains (--split) under their parent, with status, phase, confidence and cost')
    .action(async (o: { all?: boolean; limit?: number; since?: number; tree?: boolean }, cmd: Command) => {
      const { opts, io } = commandContext(cmd);
      const [{ chainsFromIndex }, { chainsJsonOfRows }] = await Promise.all([
        import('../../features/chains/chains.js'),
        import('../../contract/views/status.js'),
      ]);
      const { shown, hidden, older, warnings } = await chainsFromIndex(dirsOf(opts), {
        all: o.all,
        limit: o.limit,
        sinceMs: o.since,
      });
      for (const w of warnings) io.err(`warning: ${w}`);
      const doc = chainsJsonOfRows(shown, hidden, warnings, older);
      if (opts.json) return printJson(io, doc);
      const notes = [
        doc.hidden ? `${doc.hidden} that failed before their first call hidden` : '',
        doc.older ? `${doc.older} older not shown` : '',
      ].filter(Boolean);
      const hiddenText = notes.length ? ` (${notes.join('; ')}; --all shows every chain)` : '';
      if (doc.chains.length === 0)
        return io.out(
          `No chains yet${hiddenText}. Start one with: claude-exec "your task"  (or try: claude-exec demo)`,
        );
      const [{ renderTable }, { costText }] = await Promise.all([
        import('../../ui/table.js'),
        import('../../contract/views/chain.js'),
      ]);
      if (o.tree) {
        io.out(
          (await import('../views/tree.js')).renderTree(
            doc.chains,
            (r) => costText(r, true),
            (await import('../../ui/table.js')).terminalWidth(),
          ),
        );
        if (hiddenText) io.out(`${doc.chains.length} chains${hiddenText}`);
        return;
      }
      const tableRows = doc.chains.map((r) => [
        r.chain_id,
        r.status,
        r.current_phase,
        costText(r, true),
        grouped(r.tokens.total),
        r.updated_at.slice(0, 16).replace('T', ' '),
        r.goal,
      ]);
      io.out(
        renderTable({
          head: ['id', 'status', 'phase', 'cost', 'tokens', 'updated', 'goal'],
          rows: tableRows,
          align: ['left', 'left', 'left', 'right', 'right'],
          flex: [6, 2],
          color: opts.color,
        }),
      );
      if (hiddenText) io.out(`${doc.chains.length} chains${hiddenText}`);
    });
  applies(chains, 'read');
  examples(chains, [
    'claude-exec chains',
    'claude-exec chains --tree',
    'claude-exec chains --json | jq -r \'.chains[] | select(.status == "awaiting-input") | .chain_id\'',
    'claude-exec chains --all --contexts ci/contexts',
    'claude-exec chains --limit 200 --since 2026-01-01',
  ]);

  const status = program
    .command('status')
    .description(
      'progress of one chain (default: the newest): phases with durations, cost, confidence, what it waits for',
    )
    .argument('[id]', 'chain id')
    .option('--full', 'also every step and every call (--json: the claude-exec/chain@1 document)')
    .option(
      '--all',
      'the tree of chains and their sub-chains (--split): status, phase, confidence, cost (--json: claude-exec/chains@1)',
    )
    .action(async (id: string | undefined, o: { full?: boolean; all?: boolean }, cmd: Command) => {
      const { opts, io } = commandContext(cmd);
      if (o.all) {
        if (o.full) throw new UsageError('give --all or --full, not both');
        const [{ listChains, familyOf }, { chainsJson }, { renderTree }, { costText }, { terminalWidth }] =
          await Promise.all([
            import('../../features/chains/chains.js'),
            import('../../contract/views/status.js'),
            import('../views/tree.js'),
            import('../../contract/views/chain.js'),
            import('../../ui/table.js'),
          ]);
        const all = await listChains(dirsOf(opts), (m) => io.err(`warning: ${m}`));
        const shown = id === undefined ? all : familyOf(all, id);
        const doc = chainsJson(shown, 0, []);
        if (opts.json) return printJson(io, doc);
        return io.out(
          doc.chains.length
            ? renderTree(doc.chains, (r) => costText(r, true), terminalWidth())
            : 'No chains yet.',
        );
      }
      const [{ loadChain }, { statusJson }, { costText }] = await Promise.all([
        import('../../features/chains/chains.js'),
        import('../../contract/views/status.js'),
        import('../../contract/views/chain.js'),
      ]);
      const { ctx, file } = await loadChain(dirsOf(opts), id, (m) => io.err(`claude-exec: ${m}`));
      const full = o.full
        ? (await import('../../contract/views/detail.js')).chainJson(ctx, file, opts.flags)
        : null;
      const s = full ?? statusJson(ctx, file, opts.flags);
      if (opts.json) return printJson(io, s);
      io.out(`Chain ${s.chain_id} progress (${s.status}): ${s.goal}`);
      for (const p of s.phases)
        io.out(
          `${p.failed ? '✗' : p.done ? '✓' : '…'} ${p.phase} (${minutes(p.duration_ms)}, ${p.prompts.length} prompt${p.prompts.length === 1 ? '' : 's'})${p.exit_reason ? ` — ${p.exit_reason}` : ''}`,
        );
      io.out(`Total time: ${minutes(s.total_duration_ms)}`);
      io.out(
        `Total cost: ${costText(s)} · ${grouped(s.tokens.total)} tokens in ${s.calls} call${s.calls === 1 ? '' : 's'}`,
      );
      io.out(
        `Confidence: ${Math.round(s.confidence.overall * 100)}% (requirements ${Math.round(s.confidence.requirements * 100)}%)`,
      );
      if (s.instructions.length) {
        const { sanitizeForTerminal } = await import('../../features/chains/chainDiff.js');
        io.out(`Instructions: ${s.instructions.map(sanitizeForTerminal).join(', ')} (in the system prompt)`);
      }
      if (s.pending) {
        const waitsFor =
          s.pending.kind === 'questions'
            ? `answers to ${s.pending.questions.length} question(s)`
            : s.pending.kind === 'approval'
              ? 'approval of the solution'
              : `approval of a change to ${s.pending.path}`;
        io.out(`Waiting for ${waitsFor}: \`claude-exec pending ${s.chain_id}\` shows it`);
      }
      if (s.chain_error) io.out(`Error: ${s.chain_error}`);
      if (s.next) io.out(`Next: ${s.next}`);
      if (full) io.out((await import('../../ui/chainTables.js')).renderChainDetail(full, opts.color));
    });
  applies(status, 'read');
  examples(status, [
    'claude-exec status',
    'claude-exec status 047 --json | jq .confidence.overall',
    'claude-exec status 047 --full   # every step and call',
    "claude-exec status 047 --full --json | jq '.call_log[] | {id, prompt, request_id}'",
  ]);

  const show = program
    .command('show')
    .description(
      'the whole context of a chain (the context file joined with its journal, JSON), or with --memory what a prompt of it is shown now',
    )
    .argument('<id>', 'chain id')
    .option(
      '--memory',
      'print the chain memory a prompt would get as {{context}} now (its current phase, the memory budget)',
    )
    .option(
      '--prompt <name>',
      'with --memory: render it for this prompt (default: the one the chain runs next)',
    )
    .action(async (id: string, o: { memory?: boolean; prompt?: string }, cmd: Command) => {
      const { opts, io } = commandContext(cmd);
      if (!o.memory) {
        if (o.prompt !== undefined)
          throw new UsageError(
            '--prompt goes with --memory',
            'Example: claude-exec show 047 --memory --prompt code_reviewer',
          );
        const [{ loadChain }, { joinJournal }] = await Promise.all([
          import('../../features/chains/chains.js'),
          import('../../chain/journal.js'),
        ]);
        // Validated first (an invalid file is an error, exit 2), then printed as written: byte for
        // byte, or, when it has a journal, with the journal's calls and steps in place.
        const { file } = await loadChain(dirsOf(opts), id);
        const text = await readFile(file, 'utf8');
        const head = JSON.parse(text) as Record<string, unknown>;
        return io.raw(head.journal ? `${JSON.stringify(joinJournal(file, head), null, 2)}\n` : text);
      }
      const [{ chainMemory }, { loadStoredConfig }] = await Promise.all([
        import('../../features/chains/memoryView.js'),
        import('../../config/load.js'),
      ]);
      const view = await chainMemory(dirsOf(opts), id, {
        budgetTokens: loadStoredConfig(opts.cwd).config.limits.context_tokens,
        prompt: o.prompt,
      });
      if (opts.json) return printJson(io, view);
      const left = Object.entries(view.omitted)
        .map(([k, n]) => `${n} ${k}`)
        .join(', ');
      io.err(
        [
          `chain ${view.chain_id}`,
          view.phase,
          ...(view.prompt ? [`for ${view.prompt}`] : []),
          `${grouped(view.tokens)} of ${grouped(view.budget_tokens)} tokens`,
          ...(left ? [`left out: ${left}`] : []),
        ].join(' · '),
      );
      io.out(view.text);
    });
  applies(show, ['--json', '--cwd', '--contexts', '--verbose']);
  examples(show, [
    'claude-exec show 047 | jq .decisions',
    'claude-exec show 047 > chain-047.json',
    'claude-exec show 047 --memory              # what the next prompt sees',
    'claude-exec show 047 --memory --prompt code_reviewer --json',
  ]);

  const pending = program
    .command('pending')
    .description(
      'what a paused chain waits for: the questions with their defaults, the solution, or the diff of a file change',
    )
    .argument('<id>', 'chain id')
    .action(async (id: string, _o, cmd: Command) => {
      const { opts, io } = commandContext(cmd);
      const [{ loadChain }, { pendingJson }, { renderPending }] = await Promise.all([
        import('../../features/chains/chains.js'),
        import('../../contract/views/status.js'),
        import('../pending.js'),
      ]);
      const doc = pendingJson((await loadChain(dirsOf(opts), id)).ctx, opts.flags);
      if (opts.json) return printJson(io, doc);
      if (!doc.pending)
        return io.out(
          `Chain ${doc.chain_id} waits for nothing (${doc.status}, phase ${doc.current_phase}).${doc.next[0] ? `\nNext: ${doc.next[0]}` : ''}`,
        );
      io.out(renderPending(doc.chain_id, doc.pending, doc.next));
    });
  applies(pending, 'read');
  examples(pending, ['claude-exec pending 047', 'claude-exec pending 047 --json | jq -r .pending.diff']);

  const apply = program
    .command('apply')
    .description(
      "apply the patches of a --split chain's sub-chains (or of one sub-chain) to the workspace: all checked first, nothing half-applied",
    )
    .argument('<id>', 'the split chain (all its sub-chains, in dependency order) or one sub-chain')
    .option(
      '--workspace <dir>',
      'apply to this directory although the chain ran elsewhere (e.g. a copy or another clone)',
    )
    .action(async (id: string, o: { workspace?: string }, cmd: Command) => {
      const { opts, io } = commandContext(cmd);
      const { applyChain } = await import('../../features/split/apply.js');
      const r = await applyChain(id, dirsOf(opts), {
        cwd: opts.cwd,
        ...(o.workspace !== undefined ? { workspace: path.resolve(opts.cwd, o.workspace) } : {}),
      });
      if (opts.json) return printJson(io, { schema: 'claude-exec/apply@1', ...r });
      if (r.applied.length === 0)
        return io.out(`chain ${r.chain_id}: no sub-chain changed a file; nothing to apply`);
      io.out(
        `applied the patches of chain${r.applied.length === 1 ? '' : 's'} ${r.applied.join(', ')} to ${r.workspace}: ${r.files.length} file(s)`,
      );
      for (const f of r.files) io.out(`  ${f}`);
    });
  applies(apply, 'read');
  examples(apply, [
    'claude-exec chains --tree   # the split and its sub-chains',
    'claude-exec apply 047',
    'claude-exec apply 047 --workspace ../copy',
    'claude-exec apply 049 --json | jq -r ".files[]"',
  ]);

  const spec = program
    .command('spec')
    .description(
      "a chain's Markdown spec: acceptance criteria linked to the tests that cover them, decisions, solution, file plan, readiness",
    )
    .argument('<id>', 'chain id')
    .action(async (id: string, _o, cmd: Command) => {
      const { opts, io } = commandContext(cmd);
      const [{ loadChain }, { specDocument }] = await Promise.all([
        import('../../features/chains/chains.js'),
        import('../../contract/views/spec.js'),
      ]);
      const { ctx, file } = await loadChain(dirsOf(opts), id);
      const doc = await specDocument(ctx, file, opts.cwd);
      if (opts.json) return printJson(io, doc);
      io.out(doc.markdown.trimEnd());
      if (!doc.written)
        io.err(
          `(not written yet: chain ${ctx.chain_id} has presented no solution; this is the spec as it stands)`,
        );
      else io.err(`(${doc.path})`);
    });
  applies(spec, 'read');
  examples(spec, [
    'claude-exec spec 047',
    'claude-exec spec 047 > spec.md',
    "claude-exec spec 047 --json | jq '.criteria[] | {id, tests}'",
    'claude-exec spec 047 --json | jq .uncovered',
  ]);

  const diff = program
    .command('diff')
    .description(
      'everything the chain changed in its workspace since its checkpoint, new and deleted files included (no external diff or textconv)',
    )
    .argument('<id>', 'chain id')
    .option('--stat', 'the changed files with their line counts, without the patch')
    .action(async (id: string, o: { stat?: boolean }, cmd: Command) => {
      const { opts, io } = commandContext(cmd);
      const { chainDiff, sanitizeForTerminal } = await import('../../features/chains/chainDiff.js');
      const d = await chainDiff(dirsOf(opts), id, { stat: o.stat === true });
      if (opts.json) return printJson(io, d);
      io.err(
        `Chain ${d.chain_id}: ${d.files.length} file(s) changed in ${d.workspace} since ${d.git_ref ?? 'the originals kept without git'}`,
      );
      if (o.stat || d.patch === null) {
        const width = Math.min(60, Math.max(0, ...d.files.map((f) => f.path.length)));
        for (const f of d.files) {
          const counts = f.insertions === null ? 'binary' : `+${f.insertions} -${f.deletions}`;
          io.out(
            ` ${sanitizeForTerminal(f.path).padEnd(width)} | ${counts} (${f.status}${f.by_chain ? '' : ', not by the chain'})`,
          );
        }
        return;
      }
      io.out(sanitizeForTerminal(d.patch).trimEnd());
    });
  applies(diff, 'read');
  examples(diff, [
    'claude-exec diff 047',
    'claude-exec diff 047 --stat',
    'claude-exec diff 047 --json | jq -r \'.files[] | select(.status == "added") | .path\'',
  ]);

  const rollback = program
    .command('rollback')
    .description(
      'restore the files the chain changed to how they were before its implementation ' +
        '(git checkpoint, or the originals kept without git), in the workspace it is run in; ' +
        'files changed since the chain wrote them are kept unless --force, and whatever is overwritten is saved first',
    )
    .argument('<id>', 'chain id')
    .option(
      '--workspace <dir>',
      'restore this directory although the chain ran elsewhere (e.g. a copy or another clone)',
    )
    .option(
      '--force',
      'also restore files changed since the chain wrote them (by you or a later chain); they are saved first',
    )
    .action(async (id: string, o: { workspace?: string; force?: boolean }, cmd: Command) => {
      const { opts, io } = commandContext(cmd);
      const { planChainRollback, rollbackChain } = await import('../../features/chains/chains.js');
      const where = {
        cwd: opts.cwd,
        force: o.force === true,
        ...(o.workspace !== undefined ? { workspace: path.resolve(opts.cwd, o.workspace) } : {}),
      };
      const { plan } = await planChainRollback(dirsOf(opts), id, where);
      const changedLines = plan.changed.map(
        (c) =>
          `  ${plan.force ? 'restore' : 'keep   '} ${c.path} (${c.reason}${plan.force ? '; saved first' : ''})`,
      );
      const lines = [
        `Chain ${plan.chain_id}: rollback in ${plan.workspace} from ${plan.from === 'git' ? plan.git_ref : 'the originals kept without git'}:`,
        ...plan.restore
          .filter((f) => !plan.force || !plan.changed.some((c) => c.path === f))
          .map((f) => `  restore ${f}`),
        ...plan.remove
          .filter((f) => !plan.force || !plan.changed.some((c) => c.path === f))
          .map((f) => `  remove  ${f} (created by the chain)`),
        ...changedLines,
        ...plan.keep.map((f) => `  keep    ${f} (git-ignored, so the checkpoint has no copy of it)`),
      ];
      const forceHint =
        plan.changed.length && !plan.force
          ? `${plan.changed.length} file(s) changed since the chain wrote them are kept; \`claude-exec rollback ${plan.chain_id} --force\` restores them too (after saving them).`
          : null;
      if (!plan.restore.length && !plan.remove.length) {
        if (opts.json)
          return printJson(io, {
            schema: 'claude-exec/rollback@1',
            chain_id: plan.chain_id,
            workspace: plan.workspace,
            from: plan.from,
            git_ref: plan.git_ref,
            restored: [],
            removed: [],
            kept: plan.keep,
            changed: plan.changed,
            forced: plan.force,
            saved: null,
          });
        io.out(`Chain ${plan.chain_id}: nothing to restore in ${plan.workspace}.`);
        for (const l of changedLines) io.out(l);
        if (forceHint) io.err(forceHint);
        return;
      }
      if (!opts.yes) {
        io.err(lines.join('\n'));
        if (forceHint) io.err(forceHint);
        if (!io.interactive)
          throw new UsageError(
            `rollback changes files in ${plan.workspace}: confirm with --yes`,
            `\`claude-exec rollback ${plan.chain_id} --yes\` restores the files listed above.`,
          );
        const { confirm } = await import('@inquirer/prompts');
        if (
          !(await confirm({
            message: `Restore these ${plan.restore.length + plan.remove.length} file(s)?`,
            default: false,
          }))
        )
          return io.err('Nothing was changed.');
      }
      const r = await rollbackChain(dirsOf(opts), id, where);
      if (opts.json) return printJson(io, { schema: 'claude-exec/rollback@1', ...r });
      io.out(
        `Chain ${r.chain_id}: restored ${r.restored.length} file(s), removed ${r.removed.length} new file(s) in ${r.workspace} from ${r.git_ref ?? 'the kept originals'}`,
      );
      for (const f of r.restored) io.out(`  restored ${f}`);
      for (const f of r.removed) io.out(`  removed  ${f}`);
      if (!r.forced) for (const c of r.changed) io.out(`  kept     ${c.path} (${c.reason})`);
      for (const f of r.kept) io.out(`  kept     ${f} (git-ignored, so the checkpoint has no copy of it)`);
      if (r.saved)
        io.out(`What was there before is saved in ${r.saved.to}; to bring it back:\n  ${r.saved.command}`);
      if (forceHint) io.err(forceHint);
    });
  applies(rollback, ['--json', '--yes', '--cwd', '--contexts', '--verbose', '--no-color']);
  examples(rollback, [
    'claude-exec rollback 047            # lists what it restores, then asks',
    'claude-exec rollback 047 --yes      # without a terminal',
    'claude-exec rollback 047 --yes --force   # also files changed since (saved first)',
    'claude-exec rollback 047 --workspace ../copy --yes',
    'git status   # see what was restored',
  ]);
}
