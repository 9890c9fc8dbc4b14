/**
 * `claude-exec demo`: the whole main job with nothing set up. Copies the sample app, starts the
 * scripted model on 127.0.0.1 (./server.ts + ./script.ts), and drives a real chain against it
 * through the same code as `claude-exec "task"`: no API key, no network; every ANTHROPIC_*
 * variable of the environment is ignored, so nothing can reach a real API.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { resumeChain, startChain, type ChainOutcome } from '../app/chain.js';
import { listChainFiles, readChainFile } from '../chain/store.js';
import { createBaseDeps } from '../app/deps.js';
import type { Ui } from '../ui/types.js';
import { DEMO_GOAL } from './files.js';
import { DEMO_MODEL } from './model.js';
import { createDemoModel } from './script.js';
import { startMessagesServer } from './server.js';
import { prepareDemoWorkspace } from './workspace.js';

export interface DemoOptions {
  /** An empty directory for the workspace (--cwd); default a new temporary directory. */
  dir?: string;
  ui: Ui;
  /** Approve gates and accept the proposed answers (no terminal, or --yes). */
  yes: boolean;
  verbose: boolean;
  /** --until */
  until?: string;
  /** Pause before each reply of the model, ms (so progress can be watched on a terminal). */
  latencyMs: number;
  env?: NodeJS.ProcessEnv;
}

export interface DemoResult {
  outcome: ChainOutcome;
  workspace: string;
  git: boolean;
  /** POST /v1/messages requests the scripted model answered. */
  requests: number;
}

/** The id of the newest unfinished demo chain in `dir`'s contexts, if any. */
async function unfinishedDemoChain(dir: string): Promise<string | null> {
  const files = await listChainFiles([path.join(dir, 'contexts')]).catch(() => []);
  for (const f of files.reverse()) {
    const ctx = await readChainFile(f.path).catch(() => null);
    if (ctx && ctx.model === DEMO_MODEL && ctx.status !== 'complete') return ctx.chain_id;
  }
  return null;
}

/**
 * Runs the demo to its end (or a gate pause). With `dir` holding an unfinished demo chain (after
 * Ctrl-C or a pause), continues that chain instead. Throws what `startChain` throws.
 */
export async function runDemo(opts: DemoOptions): Promise<DemoResult> {
  const resumeId = opts.dir ? await unfinishedDemoChain(opts.dir) : null;
  const { root, git } = resumeId ? { root: path.resolve(opts.dir!), git: existsSync(path.join(opts.dir!, '.git')) } : await prepareDemoWorkspace(opts.dir);
  opts.ui.progress.info(resumeId ? `Demo workspace: ${root}; continuing chain ${resumeId}` : `Demo workspace: ${root} (a copy of the bundled notes-api sample app${git ? ', committed to git' : ''})`);
  const server = await startMessagesServer({ responder: createDemoModel({ latencyMs: opts.latencyMs }), model: DEMO_MODEL });
  try {
    const env = Object.fromEntries(Object.entries(opts.env ?? process.env).filter(([k]) => !k.startsWith('ANTHROPIC_') && k !== 'DEFAULT_MODEL'));
    const base = await createBaseDeps(root, { ui: opts.ui, yes: opts.yes, env: { ...env, ANTHROPIC_BASE_URL: server.url } });
    opts.ui.progress.info(`Scripted model "${DEMO_MODEL}" listening on ${server.url}; task: ${DEMO_GOAL}`);
    const driveOpts = { contextsDir: path.join(root, 'contexts'), verbose: opts.verbose, until: opts.until, model: DEMO_MODEL };
    const outcome = resumeId ? await resumeChain(resumeId, base, driveOpts) : await startChain(DEMO_GOAL, base, driveOpts);
    return { outcome, workspace: root, git, requests: server.requests.filter((r) => r.path === '/v1/messages').length };
  } finally {
    await server.close();
  }
}
