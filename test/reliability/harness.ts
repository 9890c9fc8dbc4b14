/**
 * The reliability suite's harness: the built binary against the fake Messages API playing the
 * Express scenario (test/helpers/scenario.ts), with hooks to make the model hostile, the server
 * faulty or stalled, and the workspace's config, home directory and files whatever a test needs.
 * Every wait polls a condition with a deadline; nothing asserts on time.
 */
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import type { ChainContext } from '../../src/chain/schema.js';
import { USER_ONLY_KEYS } from '../../src/config/schema.js';
import {
  cliEnv,
  FIXTURE_TEST_COMMAND,
  pollContext,
  runCli,
  spawnCli,
  TEST_KEY,
  trustWorkspace,
  writeUserConfig,
  type CliResult,
} from '../helpers/e2e.js';
import {
  startFakeAnthropic,
  type FakeReply,
  type FakeServer,
  type RecordedRequest,
} from '../helpers/fake-anthropic.js';
import { createScenario, readTurn, type ScenarioOptions, type Turn } from '../helpers/scenario.js';
import { makeTempWorkspace, type TempWorkspace } from '../helpers/workspace.js';

export { GOAL } from '../helpers/scenario.js';

/** Timeout of a reliability test: several processes each, on two shared cores. */
export const RELIABILITY_TIMEOUT_MS = 240_000;

/** Not under /tmp: the test command's sandbox mounts a private /tmp, which would hide planted files. */
export const SCRATCH = existsSync('/var/tmp') ? '/var/tmp' : undefined;

/** A reply override: return a reply to replace the scenario's, or undefined to keep it. */
type Override = (
  turn: Turn,
  req: RecordedRequest,
  index: number,
) => FakeReply | undefined | Promise<FakeReply | undefined>;

export interface World {
  server: FakeServer;
  ws: TempWorkspace;
  /** The directory holding the workspace (and a planted home, `.env` files, an outside dir). */
  base: string;
  env: Record<string, string>;
  run(...args: string[]): Promise<CliResult>;
  spawn(...args: string[]): ReturnType<typeof spawnCli>;
  /** POST /v1/messages requests received, SDK retries and faults included. */
  messages(): RecordedRequest[];
  /**
   * Writes claude-exec.config.json in the workspace and trusts it; keys only the user may set
   * (sandbox, backend, …) go to the user config of `env` instead.
   */
  config(json: Record<string, unknown>): void;
  contextsDir: string;
  /** The only context file, parsed and validated (throws on a torn or invalid file). */
  chain(): { file: string; ctx: ChainContext };
  close(): Promise<void>;
}

export interface WorldOptions extends ScenarioOptions {
  override?: Override;
  /** Extra environment of the CLI (e.g. HOME). */
  env?: Record<string, string>;
  contexts?: string;
  /**
   * The user config's test command (default FIXTURE_TEST_COMMAND: the fixture's runner without npm
   * in front); `'detect'` leaves it out, so the chain detects `npm test` from package.json.
   */
  testCommand?: string[] | 'detect';
}

export async function makeWorld(opts: WorldOptions = {}): Promise<World> {
  const scenario = createScenario(opts);
  const responder = async (req: RecordedRequest, index: number): Promise<FakeReply> => {
    const turn = readTurn(req.body ?? {});
    if (turn && opts.override) {
      const replaced = await opts.override(turn, req, index);
      if (replaced) return replaced;
    }
    return scenario.responder(req, index);
  };
  const base = mkdtempSync(path.join(SCRATCH ?? (await import('node:os')).tmpdir(), 'claude-exec-rel-'));
  const [server, ws] = await Promise.all([
    startFakeAnthropic({ responder }),
    makeTempWorkspace({ parent: base }),
  ]);
  const env = cliEnv({ ANTHROPIC_BASE_URL: server.url, ANTHROPIC_API_KEY: TEST_KEY, ...opts.env });
  const testCommand = opts.testCommand ?? FIXTURE_TEST_COMMAND;
  const userDefaults = testCommand === 'detect' ? {} : { test_command: testCommand };
  writeUserConfig(env, userDefaults);
  const contextsDir = opts.contexts ?? path.join(ws.root, 'contexts');
  const extra = opts.contexts ? ['--contexts', opts.contexts] : [];
  return {
    server,
    ws,
    base,
    env,
    contextsDir,
    run: (...args) => runCli([...args, ...extra], ws.root, env),
    spawn: (...args) => spawnCli([...args, ...extra], ws.root, env),
    messages: () => server.requests.filter((r) => r.method === 'POST' && r.path === '/v1/messages'),
    config: (json) => {
      const user = Object.fromEntries(
        Object.entries(json).filter(([k]) => (USER_ONLY_KEYS as readonly string[]).includes(k)),
      );
      const workspace = Object.fromEntries(Object.entries(json).filter(([k]) => !(k in user)));
      writeUserConfig(env, { ...userDefaults, ...user });
      writeFileSync(path.join(ws.root, 'claude-exec.config.json'), JSON.stringify(workspace));
      trustWorkspace(ws.root, env);
    },
    chain() {
      const files = contextFiles(contextsDir);
      if (files.length !== 1) throw new Error(`expected one context file, found ${files.length}`);
      return { file: files[0]!, ctx: pollContext(files[0]!) };
    },
    async close() {
      await server.close();
      rmSync(base, { recursive: true, force: true });
    },
  };
}

/** Context files of a directory (none when it does not exist). */
export function contextFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => /^chain-\d+-.*\.json$/.test(f))
    .sort()
    .map((f) => path.join(dir, f));
}

/** Everything in a contexts directory the product does not keep there (a driver's lock and owner file count as stray). */
export function strayFiles(dir: string): string[] {
  // What the product keeps in a contexts directory: context files, their journals and logs, their
  // specs and PR descriptions, the originals kept without git, the id reservations, the chain index and the measured
  // prompt costs. Anything else (a temp file) is stray.
  return readdirSync(dir).filter(
    (f) =>
      !/^chain-\d+-.*\.(json|journal\.jsonl|log|md|pr\.md|originals)$/.test(f) &&
      !['.ids', '.index', '.gitkeep', '.prompt-costs.json'].includes(f),
  );
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `probe` until it returns a value (not undefined); throws after `ms`. */
export async function until<T>(what: string, probe: () => T | undefined, ms = 90_000): Promise<T> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    let v: T | undefined;
    try {
      v = probe();
    } catch {
      v = undefined;
    }
    if (v !== undefined) return v;
    await sleep(20);
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Every text the requests carried (system, messages, tool results), for leak checks. */
export function requestText(requests: RecordedRequest[]): string {
  return requests.map((r) => JSON.stringify(r.body)).join('\n');
}

/** Plants secrets in `<base>/home` (returned) and a `.env` in `base`, above the workspace. */
export function plantSecrets(base: string, secret: string): { home: string; files: string[] } {
  const home = path.join(base, 'home');
  const files = [
    '.ssh/id_rsa',
    '.aws/credentials',
    '.config/gcloud/application_default_credentials.json',
    '.env',
  ].map((rel) => path.join(home, rel));
  for (const f of files) {
    mkdirSync(path.dirname(f), { recursive: true });
    writeFileSync(f, `${secret} in ${path.basename(f)}\n`);
  }
  writeFileSync(path.join(base, '.env'), `PARENT=${secret}\n`);
  files.push(path.join(base, '.env'));
  return { home, files };
}

export const read = (file: string) => readFileSync(file, 'utf8');
