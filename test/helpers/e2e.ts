/**
 * End-to-end harness: the BUILT binary (`node bin/claude-exec`, so `npm run build` first) spawned
 * with a clean environment against the fake Messages API, in a temporary copy of the Express
 * fixture, with stdin ignored (no terminal).
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa, type ResultPromise } from 'execa';
import { grantTrust, inspectTrust } from '../../src/config/trustStore.js';
import { joinJournal, journalName } from '../../src/chain/journal.js';
import { ChainContextSchema, type ChainContext } from '../../src/chain/schema.js';
import { upgradeChainContext } from '../../src/chain/upgrade.js';
import { startFakeAnthropic, type FakeServer, type RecordedRequest } from './fake-anthropic.js';
import { createScenario, type Scenario, type ScenarioOptions } from './scenario.js';
import { makeTempWorkspace, type TempWorkspace } from './workspace.js';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const BIN = path.join(REPO_ROOT, 'bin', 'claude-exec');
export const TEST_KEY = 'sk-ant-e2e-0123456789abcdef-SECRET';

export interface CliResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/**
 * The environment of a spawned CLI: nothing inherited but PATH and HOME, and a new empty
 * XDG_CONFIG_HOME (no user config, an empty trust store) for each call, so that runs sharing
 * one env share one trust store and nothing reaches the real ~/.config.
 */
export function cliEnv(vars: Record<string, string | undefined>): Record<string, string> {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '/tmp',
    XDG_CONFIG_HOME: mkdtempSync(path.join(os.tmpdir(), 'claude-exec-xdg-')),
    // Sandboxed test runs keep go test's build cache here (one per workspace), not in ~/.cache.
    XDG_CACHE_HOME: process.env.XDG_CACHE_HOME ?? path.join(os.tmpdir(), 'claude-exec-test-cache'),
    NO_COLOR: '1',
    CLAUDE_EXEC_USER_PROMPTS: '/nonexistent/claude-exec-user-prompts',
    CLAUDE_EXEC_USER_PATTERNS: '/nonexistent/claude-exec-user-patterns',
  };
  for (const [k, v] of Object.entries(vars)) if (v !== undefined) env[k] = v;
  return env;
}

/**
 * Trusts the current files of `root` in the trust store of `env` (its XDG_CONFIG_HOME), as
 * `claude-exec trust` does: for tests whose workspace legitimately ships config, prompts,
 * workflows or patterns. Call it after writing them (a later change asks again).
 */
export function trustWorkspace(root: string, env: Record<string, string>): void {
  grantTrust(inspectTrust(root, env), new Date(), env);
}

/** Spawns the CLI without waiting (for kill and lock tests). */
export function spawnCli(
  args: string[],
  cwd: string,
  env: Record<string, string>,
): ResultPromise<{ reject: false; stdin: 'ignore'; extendEnv: false }> {
  return execa('node', [BIN, ...args], { cwd, env, extendEnv: false, reject: false, stdin: 'ignore' });
}

/** Runs the CLI to its exit. */
export async function runCli(args: string[], cwd: string, env: Record<string, string>): Promise<CliResult> {
  const r = await spawnCli(args, cwd, env);
  return { exitCode: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) };
}

/** One test's world: a fake API playing the scenario, a fixture workspace, and `run`. */
export interface E2e {
  server: FakeServer;
  scenario: Scenario;
  ws: TempWorkspace;
  env: Record<string, string>;
  run(...args: string[]): Promise<CliResult>;
  /** Trusts the workspace's current config, prompts, workflows and patterns (as `claude-exec trust` does). */
  trust(): void;
  /** POST /v1/messages requests the server received (SDK retries included). */
  messages(): RecordedRequest[];
  close(): Promise<void>;
}

/**
 * The fixture's test runner itself (its package.json test script), set as the user config's
 * `test_command` by `setupE2e`: each test run then starts one process fewer than through `npm
 * test` (npm's own start is about a quarter of a CPU second, and a chain runs the tests many
 * times). Detection of `npm test` on real npm is proven where a test asks for it
 * (`testCommand: 'detect'`, and test/e2e/stacks.test.ts).
 */
export const FIXTURE_TEST_COMMAND = ['node', '--test'];

/** How `setupE2e` sets the harness up (beside what the scripted model does). */
export interface E2eSetup {
  /**
   * The test command written to the user config (default FIXTURE_TEST_COMMAND); `'detect'` writes
   * none, so the chain detects `npm test` from the fixture's package.json.
   */
  testCommand?: string[] | 'detect';
}

/** Writes `config` as the user config of `env` (its XDG_CONFIG_HOME). */
export function writeUserConfig(env: Record<string, string>, config: Record<string, unknown>): void {
  const dir = path.join(env.XDG_CONFIG_HOME!, 'claude-exec');
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'config.json'), JSON.stringify(config));
}

/** `make` builds the scripted model (default: the JWT scenario; e.g. createPlantedScenario). */
export async function setupE2e<S extends Scenario = Scenario>(
  opts: ScenarioOptions = {},
  make: (o: ScenarioOptions) => S = createScenario as (o: ScenarioOptions) => S,
  setup: E2eSetup = {},
): Promise<E2e & { scenario: S }> {
  const scenario = make(opts);
  const [server, ws] = await Promise.all([
    startFakeAnthropic({ responder: scenario.responder }),
    makeTempWorkspace(),
  ]);
  const env = cliEnv({ ANTHROPIC_BASE_URL: server.url, ANTHROPIC_API_KEY: TEST_KEY });
  const testCommand = setup.testCommand ?? FIXTURE_TEST_COMMAND;
  if (testCommand !== 'detect') writeUserConfig(env, { test_command: testCommand });
  return {
    server,
    scenario,
    ws,
    env,
    run: (...args) => runCli(args, ws.root, env),
    trust: () => trustWorkspace(ws.root, env),
    messages: () => server.requests.filter((r) => r.method === 'POST' && r.path === '/v1/messages'),
    close: async () => {
      await server.close();
      await ws.cleanup();
    },
  };
}

/** The context files in `<root>/contexts`, by name. */
export async function contextFiles(root: string): Promise<string[]> {
  const dir = path.join(root, 'contexts');
  return (await readdir(dir))
    .filter((f) => /^chain-\d+-.*\.json$/.test(f))
    .sort()
    .map((f) => path.join(dir, f));
}

/** Reads a context file with its journal and validates it with the schema (throws on any violation). */
export function readContext(file: string): ChainContext {
  return upgradeChainContext(
    ChainContextSchema.parse(
      joinJournal(file, JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>),
    ),
  );
}

const readOrNull = (file: string) => {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return null;
  }
};

let polled: { file: string; head: string | null; journal: string | null; ctx: ChainContext } | null = null;

/**
 * `readContext` for a poll that reads the same file every few milliseconds: while the context
 * file and its journal hold exactly the bytes last read, the chain parsed from them then (a chain
 * waits on its model most of the time, and validating a context takes milliseconds), as a copy
 * the caller may change. A file that does not parse or validate throws, as in `readContext`, and
 * is never kept.
 */
export function pollContext(file: string): ChainContext {
  const head = readOrNull(file);
  const journal = readOrNull(path.join(path.dirname(file), journalName(file)));
  if (polled && polled.file === file && polled.head === head && polled.journal === journal)
    return structuredClone(polled.ctx);
  if (head === null) throw new Error(`${file} is gone`);
  const ctx = upgradeChainContext(
    ChainContextSchema.parse(joinJournal(file, JSON.parse(head) as Record<string, unknown>)),
  );
  // Kept only when the journal did not change while the head was joined with it.
  if (readOrNull(path.join(path.dirname(file), journalName(file))) === journal)
    polled = { file, head, journal, ctx: structuredClone(ctx) };
  return ctx;
}

/** The only chain of a workspace. */
export async function onlyChain(root: string): Promise<{ file: string; ctx: ChainContext }> {
  const files = await contextFiles(root);
  if (files.length !== 1) throw new Error(`expected one context file, found ${files.length}`);
  return { file: files[0]!, ctx: readContext(files[0]!) };
}

/** Parses stdout as exactly one JSON document. */
export function jsonOut(r: CliResult): Record<string, unknown> {
  return JSON.parse(r.stdout) as Record<string, unknown>;
}

/** Phases of phase_history, in order. */
export const phasesOf = (ctx: ChainContext) => ctx.phase_history.map((p) => p.phase);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls the workspace's only context file until `ready(ctx)` (a torn read counts as a failure); throws after `timeoutMs`. */
export async function waitForChain(
  root: string,
  ready: (ctx: ChainContext) => boolean,
  timeoutMs = 150_000,
): Promise<ChainContext> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const [file] = await contextFiles(root).catch(() => []);
    if (file) {
      const ctx = pollContext(file);
      if (ready(ctx)) return ctx;
    }
    await sleep(25);
  }
  throw new Error('the chain never reached the expected state');
}
