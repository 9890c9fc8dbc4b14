/**
 * `claude-exec trust [--show|--revoke|--list]`: trust the workspace's own files (config file,
 * rules block, `.env` entries, prompts, workflows, patterns) for scripts, like `direnv allow`;
 * show what they would change; forget a workspace; list the trusted ones.
 */
import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { UsageError } from '../../errors.js';
import { commandContext } from '../globals.js';
import { applies, examples } from '../help.js';
import { printJson } from '../io.js';

export function register(program: Command): void {
  const trust = program
    .command('trust')
    .description(
      "trust this workspace's config, rules block, .env entries, prompts, workflows and patterns (stored by real path and content; a change asks again)",
    )
    .option('--show', 'print what the files would change, and store nothing')
    .option('--revoke', 'forget this workspace: its files count again only once trusted')
    .option('--list', 'list the trusted workspaces and whether their files changed since')
    .action(async (o: { show?: boolean; revoke?: boolean; list?: boolean }, cmd: Command) => {
      const { opts, io } = commandContext(cmd);
      if ([o.show, o.revoke, o.list].filter(Boolean).length > 1)
        throw new UsageError('give one of --show, --revoke, --list');
      const store = await import('../../config/trustStore.js');
      const storeFile = store.trustStorePath();
      if (o.list) {
        const entries = Object.entries(store.readTrustStore().workspaces).map(([workspace, e]) => ({
          workspace,
          trusted_at: e.trusted_at,
          files: e.files,
          state: existsSync(workspace) ? store.inspectTrust(workspace).state : ('missing' as const),
        }));
        if (opts.json)
          return printJson(io, { schema: 'claude-exec/trust-list@1', store: storeFile, workspaces: entries });
        if (!entries.length) return io.out(`No trusted workspaces (${storeFile}).`);
        for (const e of entries)
          io.out(`${e.workspace}  ${e.state}  trusted ${e.trusted_at}  ${e.files.join(', ')}`);
        return;
      }
      const report = store.inspectTrust(opts.cwd);
      const changes = store.trustSummary(report);
      const doc = (action: 'trusted' | 'shown' | 'revoked' | 'not-needed') => ({
        schema: 'claude-exec/trust@1' as const,
        workspace: report.workspace,
        action,
        state: report.state,
        files: report.inputs.map((i) => ({ file: i.file, kind: i.kind })),
        changes,
        hash: report.hash,
        store: storeFile,
      });
      if (o.revoke) {
        const removed = store.revokeTrust(opts.cwd);
        if (opts.json) return printJson(io, doc('revoked'));
        return io.out(
          removed
            ? `${report.workspace}: no longer trusted; its files count again only once trusted.`
            : `${report.workspace} was not trusted; nothing changed.`,
        );
      }
      const action = report.state === 'not-needed' ? 'not-needed' : o.show ? 'shown' : 'trusted';
      if (action === 'trusted') store.grantTrust(report, new Date());
      if (opts.json) return printJson(io, doc(action));
      if (action === 'not-needed')
        return io.out(
          `${report.workspace}: nothing here needs trust (no config file, rules block, .env settings, prompts, workflows or patterns of its own).`,
        );
      io.out(`${report.workspace} (${report.state}):`);
      for (const line of changes) io.out(`  ${line}`);
      io.out(
        action === 'trusted'
          ? `Trusted (${storeFile}); a change to these files asks again. \`claude-exec trust --revoke\` undoes it.`
          : `Not stored: \`claude-exec trust\` trusts these files.`,
      );
    });
  applies(trust, ['--json', '--cwd', '--verbose', '--no-color']);
  examples(trust, [
    'claude-exec trust --show      # what this repository would change, nothing stored',
    'claude-exec trust             # trust it (for scripts and CI; a run on a terminal asks instead)',
    'claude-exec trust --list',
    'claude-exec trust --revoke --cwd ../other-repo',
  ]);
}
