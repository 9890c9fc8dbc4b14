/**
 * `claude-exec demo`: the whole main job with nothing set up. Copies the sample app, starts the
 * scripted model on 127.0.0.1 (./server.ts + ./script.ts), and drives a real chain against it
 * through the same code as `claude-exec "task"`: no API key, no network; every ANTHROPIC_*
 * variable of the environment is ignored, so nothing can reach a real API.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { resumeChain, startChain, type ChainOutcome } from '../features/run/run.js';
import { listChainFiles, readChainFile } from '../chain/store.js';
import { createBaseDeps } from '../engine/deps.js';
import { CONFIG_FILE, inspectTrust, recordOwnFile, usesWorkspaceFiles } from '../config/trustStore.js';
import type { Ui } from '../engine/ui.js';
import { DEMO_GOAL } from './files.js';
import { DEMO_MODEL } from '../chain/billing.js';
import { createDemoModel } from './script.js';
import { startMessagesServer, type MessagesServer } from './server.js';
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
 * Starts the scripted model on 127.0.0.1 (`latencyMs` before each reply) and returns it with the
 * environment that points a chain at it: `env` (default the process's) without any ANTHROPIC_*
 * variable or DEFAULT_MODEL, so nothing can reach a real API. Close the server when done.
 */
export async function startDemoModel(
  latencyMs: number,
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ server: MessagesServer; env: NodeJS.ProcessEnv }> {
  const server = await startMessagesServer({ responder: createDemoModel({ latencyMs }), model: DEMO_MODEL });
  const kept = Object.fromEntries(
    Object.entries(env).filter(([k]) => !k.startsWith('ANTHROPIC_') && k !== 'DEFAULT_MODEL'),
  );
  return { server, env: { ...kept, ANTHROPIC_BASE_URL: server.url } };
}

/**
 * Runs the demo to its end (or a gate pause). With `dir` holding an unfinished demo chain (after
 * Ctrl-C or a pause), continues that chain instead. Throws what `startChain` throws.
 */
export async function runDemo(opts: DemoOptions): Promise<DemoResult> {
  const resumeId = opts.dir ? await unfinishedDemoChain(opts.dir) : null;
  const { root, git } = resumeId
    ? { root: path.resolve(opts.dir!), git: existsSync(path.join(opts.dir!, '.git')) }
    : await prepareDemoWorkspace(opts.dir);
  opts.ui.progress.info(
    resumeId
      ? `Demo workspace: ${root}; continuing chain ${resumeId}`
      : `Demo workspace: ${root} (a copy of the bundled notes-api sample app${git ? ', committed to git' : ''})`,
  );
  const { server, env } = await startDemoModel(opts.latencyMs, opts.env);
  // The sample app's config file is claude-exec's own: recorded as such, it needs no trust question.
  if (!resumeId)
    recordOwnFile(
      root,
      path.join(root, CONFIG_FILE),
      readFileSync(path.join(root, CONFIG_FILE), 'utf8'),
      env,
    );
  try {
    const trusted = usesWorkspaceFiles(inspectTrust(root, env).state);
    const base = await createBaseDeps(root, {
      ui: opts.ui,
      yes: opts.yes,
      env,
      backend: 'api',
      trusted,
      ownEndpoint: server.url,
    });
    opts.ui.progress.info(`Scripted model "${DEMO_MODEL}" listening on ${server.url}; task: ${DEMO_GOAL}`);
    const driveOpts = {
      contextsDir: path.join(root, 'contexts'),
      verbose: opts.verbose,
      until: opts.until,
      model: DEMO_MODEL,
    };
    const outcome = resumeId
      ? await resumeChain(resumeId, base, driveOpts)
      : await startChain(DEMO_GOAL, base, driveOpts);
    return {
      outcome,
      workspace: root,
      git,
      requests: server.requests.filter((r) => r.path === '/v1/messages').length,
    };
  } finally {
    await server.close();
  }
}
