/**
 * Gates answered from the page: the same use cases as `claude-exec answer` and `approve`
 * (src/features/run/run.ts answerChain / approveChain), with the same driver lock and the same refusals.
 * The chain is driven in this process, in its own workspace and contexts directory, without a
 * terminal and without --yes, so it stops again at its next gate; its progress goes to the
 * server's stderr, one line at a time, each naming the chain. A demo chain continues with the
 * demo's scripted model (as `demo --cwd DIR` would), never with a real API.
 *
 * The reply is sent once the chain is locked and the answer accepted (or refused); the chain goes
 * on behind it and the page follows it live.
 */
import path from 'node:path';
import { answerChain, approveChain, type ChainOutcome, type DriveOptions } from '../features/run/run.js';
import { createBaseDeps } from '../engine/deps.js';
import { findChain, readChainFile } from '../chain/store.js';
import { inspectTrust, untrustedError, usesWorkspaceFiles } from '../config/trustStore.js';
import { DEMO_MODEL } from '../chain/billing.js';
import { UsageError } from '../errors.js';
import { createProgress } from '../ui/progress.js';
import type { Ui } from '../engine/ui.js';

type ApproveBody = { response: 'approved' | 'rejected' | 'more-info'; note: string | null };

export interface PageDriverOptions {
  dirs: string[];
  /** The environment chains are driven with (API key, base URL); default the process's. */
  env?: NodeJS.ProcessEnv;
  /** One line of progress or outcome, for the server's stderr. */
  log(line: string): void;
}

/** Reads `{answers: {q1: "…"}}`. Throws UsageError with the CLI's wording. */
function parseAnswers(body: unknown, id: string): Record<string, string> {
  const answers = (body as { answers?: unknown } | null)?.answers;
  if (
    !answers ||
    typeof answers !== 'object' ||
    Array.isArray(answers) ||
    Object.values(answers).some((v) => typeof v !== 'string')
  ) {
    throw new UsageError(
      'answers must be a JSON object of question id → string',
      'Send {"answers": {"q1": "Yes", "q2": "Redis"}}.',
    );
  }
  if (Object.keys(answers).length === 0)
    throw new UsageError('no answers given', `\`claude-exec pending ${id}\` lists the questions.`);
  return answers as Record<string, string>;
}

/** Reads `{response, note}` as `approve` takes it (a reason for rejected, a question for more-info). */
function parseApproval(body: unknown): ApproveBody {
  const b = (body ?? {}) as { response?: unknown; note?: unknown };
  if (b.response !== 'approved' && b.response !== 'rejected' && b.response !== 'more-info')
    throw new UsageError('response must be approved, rejected or more-info');
  const note = typeof b.note === 'string' && b.note.trim() ? b.note.trim() : null;
  if (b.response !== 'approved' && note === null)
    throw new UsageError(
      b.response === 'rejected'
        ? 'a rejection needs a reason (what should change)'
        : 'more-info needs a question',
    );
  return { response: b.response, note: b.response === 'approved' ? null : note };
}

/** A Ui without a terminal: gates stop the chain (awaiting-input); progress as plain lines. */
function pageUi(id: string, log: (line: string) => void): Ui {
  const never = () => Promise.reject(new Error('no terminal'));
  const write = (text: string) => {
    for (const line of text.split('\n')) if (line.trim()) log(`chain ${id}: ${line}`);
  };
  return {
    progress: createProgress(write, { color: false, verbose: false, live: false }),
    interactive: false,
    askQuestions: never,
    askApproval: never,
    confirmChange: never,
  };
}

type UseCase = (
  base: Awaited<ReturnType<typeof createBaseDeps>>,
  opts: DriveOptions,
) => Promise<ChainOutcome>;

export class PageDriver {
  private readonly running = new Set<Promise<unknown>>();

  constructor(private readonly opts: PageDriverOptions) {}

  /** Records answers to open questions (answered_by `user`) and continues the chain. */
  answer(id: string, body: unknown): Promise<void> {
    const answers = parseAnswers(body, id);
    return this.start(id, (base, o) => answerChain(id, answers, 'user', base, o));
  }

  /** Answers the pending approval (solution or file change) and continues the chain. */
  approve(id: string, body: unknown): Promise<void> {
    const answer = parseApproval(body);
    return this.start(id, (base, o) => approveChain(id, answer, base, o));
  }

  /** Resolves once every chain this server drives has stopped (for a clean shutdown and tests). */
  async idle(): Promise<void> {
    while (this.running.size) await Promise.allSettled([...this.running]);
  }

  /**
   * Resolves once the chain is being driven; rejects with the use case's error (unknown chain,
   * nothing waiting, unknown question, chain locked, bad config) if it refuses before that.
   */
  private async start(id: string, useCase: UseCase): Promise<void> {
    const entry = await findChain(this.opts.dirs, id);
    const ctx = await readChainFile(entry.path);
    const log = this.opts.log;
    let demo: Awaited<ReturnType<typeof import('../demo/run.js').startDemoModel>> | null = null;
    if (ctx.model === DEMO_MODEL)
      demo = await (await import('../demo/run.js')).startDemoModel(0, this.opts.env);
    let driving!: () => void;
    let isDriven = false;
    const started = new Promise<void>((resolve) => (driving = () => resolve(void (isDriven = true))));
    const run = (async () => {
      const env = demo?.env ?? this.opts.env;
      // The page never asks: the workspace's own files count only when the trust store already trusts them.
      const trust = inspectTrust(ctx.workspace, env ?? process.env);
      if (!usesWorkspaceFiles(trust.state)) throw untrustedError(trust);
      const base = await createBaseDeps(ctx.workspace, {
        ui: pageUi(ctx.chain_id, log),
        yes: false,
        env,
        trusted: true,
        ...(demo ? { backend: 'api' as const } : {}),
      });
      return useCase(base, { contextsDir: path.dirname(entry.path), verbose: false, onDriving: driving });
    })().finally(() => demo?.server.close());
    // The outcome of a chain that went on; a refusal goes back to the page instead.
    const tracked = run.then(
      (o) => log(`chain ${o.ctx.chain_id}: ${o.ctx.status}${o.error ? ` — ${o.error.message}` : ''}`),
      (err) => isDriven && log(`chain ${ctx.chain_id}: ${(err as Error).message}`),
    );
    this.running.add(tracked);
    void tracked.finally(() => this.running.delete(tracked));
    await Promise.race([started, run.then(() => undefined)]);
  }
}
