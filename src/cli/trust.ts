/**
 * The trust gate of commands that drive a chain: before any call and before any chain file, a
 * workspace that ships files needing trust (src/config/trust.ts) is trusted by `--trust`, asked
 * about on a terminal (showing what the files would change), or refused with exit 2 naming them.
 */
import {
  grantTrust,
  inspectTrust,
  trustSummary,
  untrustedError,
  usesWorkspaceFiles,
  type TrustReport,
} from '../config/trustStore.js';
import type { Io } from './io.js';

/** The question's text: what the files would change. */
export function trustQuestion(report: TrustReport): string {
  const head =
    report.state === 'changed'
      ? `Files of ${report.workspace} changed since you trusted it:`
      : `${report.workspace} ships files that would change what claude-exec runs or tells the model:`;
  return [head, ...trustSummary(report).map((l) => `  ${l}`)].join('\n');
}

/**
 * Decides whether the workspace's own files count for this run. Returns true when they may be
 * used (trusted, nothing to trust, `--trust`, or the user agreed at the terminal). Throws
 * UntrustedWorkspaceError (exit 2) without a terminal and without `--trust`, or when the user declines.
 */
export async function ensureTrust(
  workspace: string,
  opts: { trust: boolean; io: Io; env?: NodeJS.ProcessEnv; ask?: (message: string) => Promise<boolean> },
): Promise<boolean> {
  const env = opts.env ?? process.env;
  const report = inspectTrust(workspace, env);
  if (usesWorkspaceFiles(report.state)) return true;
  if (opts.trust) {
    grantTrust(report, new Date(), env);
    opts.io.err(`${trustQuestion(report)}\ntrusted (--trust); stored in your trust store.`);
    return true;
  }
  if (!opts.io.interactive) throw untrustedError(report);
  opts.io.err(trustQuestion(report));
  const ask =
    opts.ask ??
    (async (message: string) =>
      (await import('@inquirer/prompts')).confirm(
        { message, default: false },
        { input: process.stdin, output: process.stderr },
      ));
  if (!(await ask('Trust this workspace and use these files?'))) throw untrustedError(report, true);
  grantTrust(report, new Date(), env);
  return true;
}

/**
 * For listings that show the workspace's own prompts or workflows as data: a note on stderr when
 * the workspace has some (`workspaceItems` > 0) and is not trusted, so nobody takes them for what a chain uses.
 */
export async function noteUntrustedListing(
  workspace: string,
  workspaceItems: number,
  what: string,
  io: Io,
): Promise<void> {
  if (workspaceItems === 0) return;
  const { isTrusted } = await import('../config/trustStore.js');
  if (!isTrusted(workspace))
    io.err(
      `note: this workspace is not trusted: its ${what} are listed as data, and chains do not use them until you trust it (\`claude-exec trust --show\`)`,
    );
}
