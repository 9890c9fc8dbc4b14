/**
 * Workspace trust, the file work: reading what a workspace ships that needs trust (./trust.ts
 * says which), and the user's trust store `trust.json` beside the user config
 * (`$XDG_CONFIG_HOME/claude-exec/trust.json`): trusted workspaces by real path with the hash of
 * the files agreed to, and the files claude-exec itself wrote into a workspace (generated prompts,
 * saved patterns), which never need trust while their content is what claude-exec wrote.
 */
import { existsSync, readdirSync, readFileSync, realpathSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import dotenv from 'dotenv';
import { z } from 'zod';
import { writeFileDurableSync } from '../durable.js';
import { ConfigError, UntrustedWorkspaceError } from '../errors.js';
import { grayMatter } from './grayMatter.js';
import { findInstructionFiles } from './instructions.js';
import {
  describeTrustInputs,
  envTrustText,
  sha256,
  trustHash,
  trustState,
  type TrustEntry,
  type TrustInput,
  type TrustState,
} from './trust.js';
import { userConfigDir } from './user.js';

const TRUST_FILE = 'trust.json';
export const CONFIG_FILE = 'claude-exec.config.json';
export const RULES_FILE = 'project_rules.md';

const TrustStoreSchema = z.object({
  version: z.literal(1).default(1),
  workspaces: z
    .record(z.string(), z.object({ hash: z.string(), trusted_at: z.string(), files: z.array(z.string()) }))
    .default({}),
  /** Real workspace path → workspace-relative file → sha256 of the content claude-exec wrote. */
  own: z.record(z.string(), z.record(z.string(), z.string())).default({}),
});
export type TrustStore = z.infer<typeof TrustStoreSchema>;

type Env = NodeJS.ProcessEnv | Record<string, string | undefined>;

/** Path of the trust store. */
export function trustStorePath(env: Env = process.env): string {
  return path.join(userConfigDir(env), TRUST_FILE);
}

/** The trust store (empty when absent). Throws ConfigError naming the file when it is not valid. */
export function readTrustStore(env: Env = process.env): TrustStore {
  const file = trustStorePath(env);
  if (!existsSync(file)) return TrustStoreSchema.parse({});
  try {
    return TrustStoreSchema.parse(JSON.parse(readFileSync(file, 'utf8')));
  } catch (err) {
    throw new ConfigError(
      `${file}: not a valid trust store (${(err as Error).message.split('\n')[0]})`,
      'Fix it or delete it (every workspace then asks for trust again).',
    );
  }
}

/** Writes the trust store durably (temp file, fsync, rename), creating its directory. */
function writeTrustStore(store: TrustStore, env: Env = process.env): void {
  const file = trustStorePath(env);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileDurableSync(file, `${JSON.stringify(store, null, 2)}\n`, { mode: 0o600 });
}

/** The real path of `dir` (the trust key); `dir` resolved when it cannot be resolved. */
function realWorkspace(dir: string): string {
  try {
    return realpathSync(dir);
  } catch {
    return path.resolve(dir);
  }
}

/** The text of the first ```claude-exec block of a rules file, or null. */
function rulesBlockText(rulesText: string): string | null {
  return /```claude-exec\r?\n([\s\S]*?)```/.exec(rulesText)?.[1] ?? null;
}

const packageDir = (rel: string) => realWorkspace(fileURLToPath(new URL(`../../${rel}`, import.meta.url)));

function readOr(file: string): string | null {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}

function filesIn(dir: string, keep: (name: string) => boolean): string[] {
  try {
    return readdirSync(dir, { withFileTypes: true })
      .filter(
        (e) => e.isFile() && !e.name.startsWith('.') && e.name.toLowerCase() !== 'readme.md' && keep(e.name),
      )
      .map((e) => path.join(dir, e.name))
      .sort();
  } catch {
    return [];
  }
}

function subdirs(dir: string): string[] {
  try {
    return readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.isDirectory() && !e.name.startsWith('.'))
      .map((e) => path.join(dir, e.name))
      .sort();
  } catch {
    return [];
  }
}

/**
 * What `workspace` ships that needs trust, leaving out files claude-exec wrote there itself
 * (`own`: relative path → sha256) while they are unchanged, with the AGENTS.md / CLAUDE.md that
 * apply to it (./instructions.ts, possibly above it in its repository), a rules block identical to the
 * package's default one, and a `prompts/` or `workflows/` folder that is the package's own.
 */
export function collectTrustInputs(workspace: string, own: Record<string, string> = {}): TrustInput[] {
  const rel = (file: string) => path.relative(workspace, file).split(path.sep).join('/');
  const out: TrustInput[] = [];
  const config = readOr(path.join(workspace, CONFIG_FILE));
  if (config !== null && own[CONFIG_FILE] !== sha256(config))
    out.push({ file: CONFIG_FILE, kind: 'config', text: config });
  const rules = readOr(path.join(workspace, RULES_FILE));
  const block = rules === null ? null : rulesBlockText(rules);
  const defaultBlock = rulesBlockText(readOr(path.join(packageDir('.'), RULES_FILE)) ?? '');
  if (block !== null && block !== defaultBlock)
    out.push({ file: RULES_FILE, kind: 'rules-block', text: block });
  for (const f of findInstructionFiles(workspace))
    if (own[f.file] !== sha256(f.text)) out.push({ file: f.file, kind: 'instructions', text: f.text });
  const envText = readOr(path.join(workspace, '.env'));
  if (envText !== null) {
    const entries = envTrustText(dotenv.parse(envText));
    if (entries) out.push({ file: '.env', kind: 'env', text: entries });
  }
  const addFile = (file: string, kind: TrustInput['kind']) => {
    const text = readOr(file);
    if (text === null) return;
    const r = rel(file);
    if (own[r] === sha256(text)) return;
    out.push({ file: r, kind, text });
  };
  const promptsDir = path.join(workspace, 'prompts');
  if (existsSync(promptsDir) && realWorkspace(promptsDir) !== packageDir('prompts')) {
    for (const category of subdirs(promptsDir))
      for (const f of filesIn(category, (n) => n.endsWith('.md'))) addFile(f, 'prompt');
    // Eval cases choose a judge model and what `prompts eval` sends (prompts/evals/NAME/*.yaml).
    for (const dir of subdirs(path.join(promptsDir, 'evals')).filter(
      (d) => !path.basename(d).startsWith('_'),
    ))
      for (const f of filesIn(dir, (n) => /\.ya?ml$/.test(n))) addFile(f, 'prompt');
  }
  const workflowsDir = path.join(workspace, 'workflows');
  if (existsSync(workflowsDir) && realWorkspace(workflowsDir) !== packageDir('workflows')) {
    for (const f of filesIn(workflowsDir, (n) => /\.(ya?ml|md)$/i.test(n))) addFile(f, 'workflow');
  }
  for (const f of filesIn(path.join(workspace, 'patterns'), (n) => n.endsWith('.md'))) addFile(f, 'pattern');
  return out;
}

/** A workspace measured against the trust store. */
export interface TrustReport {
  /** Real path (the trust key). */
  workspace: string;
  inputs: TrustInput[];
  hash: string;
  state: TrustState;
  entry?: TrustEntry;
}

/** Reads the workspace's trust inputs and the store, and says where the workspace stands. */
export function inspectTrust(workspace: string, env: Env = process.env): TrustReport {
  const real = realWorkspace(workspace);
  const store = readTrustStore(env);
  const inputs = collectTrustInputs(real, store.own[real]);
  const entry = store.workspaces[real];
  return {
    workspace: real,
    inputs,
    hash: trustHash(inputs),
    state: trustState(inputs, entry),
    ...(entry ? { entry } : {}),
  };
}

/**
 * True when the workspace's own files may be used: the user trusted exactly its current files, or
 * it has nothing that needs trust (only files claude-exec wrote). Never asks.
 */
export function usesWorkspaceFiles(state: TrustState): boolean {
  return state === 'trusted' || state === 'not-needed';
}

/** usesWorkspaceFiles for `workspace` as it is now, from the store (for commands that never ask). */
export function isTrusted(workspace: string, env: Env = process.env): boolean {
  return usesWorkspaceFiles(inspectTrust(workspace, env).state);
}

/** Records that the user trusts the workspace of `report` with its current files. */
export function grantTrust(report: TrustReport, now: Date, env: Env = process.env): TrustEntry {
  const store = readTrustStore(env);
  const entry: TrustEntry = {
    hash: report.hash,
    trusted_at: now.toISOString(),
    files: [...new Set(report.inputs.map((i) => i.file))],
  };
  store.workspaces[report.workspace] = entry;
  writeTrustStore(store, env);
  return entry;
}

/** Forgets a trusted workspace; false when it was not in the store. */
export function revokeTrust(workspace: string, env: Env = process.env): boolean {
  const store = readTrustStore(env);
  const real = realWorkspace(workspace);
  const key = store.workspaces[real]
    ? real
    : store.workspaces[path.resolve(workspace)]
      ? path.resolve(workspace)
      : null;
  if (!key) return false;
  delete store.workspaces[key];
  writeTrustStore(store, env);
  return true;
}

/**
 * Records a file claude-exec itself wrote into `workspace` (a generated prompt, a saved pattern,
 * the demo's sample config)
 * so that it needs no trust while unchanged: own files are left out of the trust inputs, so a
 * trusted workspace stays trusted and a workspace with nothing to trust still needs no question.
 */
export function recordOwnFile(workspace: string, file: string, text: string, env: Env = process.env): void {
  const real = realWorkspace(workspace);
  const store = readTrustStore(env);
  const r = path.relative(real, realWorkspace(file)).split(path.sep).join('/');
  if (r.startsWith('..') || path.isAbsolute(r)) return;
  store.own[real] = { ...store.own[real], [r]: sha256(text) };
  writeTrustStore(store, env);
}

function stems(dirs: string[], keep: (name: string) => boolean): Set<string> {
  return new Set(
    dirs.flatMap((d) => filesIn(d, keep)).map((f) => path.basename(f).replace(/\.(md|ya?ml)$/i, '')),
  );
}

/** What each trust input would change, one line each (describeTrustInputs with the package's built-in names). */
export function trustSummary(report: TrustReport): string[] {
  const builtinPrompts = stems(subdirs(packageDir('prompts')), (n) => n.endsWith('.md'));
  const builtinWorkflows = stems([packageDir('workflows')], (n) => /\.(ya?ml|md)$/i.test(n));
  const parseConfig = (i: TrustInput): Record<string, unknown> | null => {
    try {
      const json: unknown =
        i.kind === 'config' ? JSON.parse(i.text) : grayMatter()(`---\n${i.text}---\n`).data;
      return json && typeof json === 'object' && !Array.isArray(json)
        ? (json as Record<string, unknown>)
        : null;
    } catch {
      return null;
    }
  };
  return describeTrustInputs(report.inputs, { parseConfig, builtinPrompts, builtinWorkflows });
}

/** The refusal for `report` (exit 2), naming the files and the two ways to trust them. */
export function untrustedError(report: TrustReport, declined = false): UntrustedWorkspaceError {
  const files = [...new Set(report.inputs.map((i) => i.file))];
  const what = report.state === 'changed' ? 'changed since you trusted this workspace' : 'are not trusted';
  return new UntrustedWorkspaceError(
    `${declined ? 'not trusted' : `${report.workspace}: ${files.join(', ')} ${what}`}: nothing was run`,
    files,
    `These files would change what runs, where requests go or what the model is told. Review them (\`claude-exec trust --show\`), then trust the workspace with \`claude-exec trust\` or pass --trust.`,
  );
}

/**
 * A file claude-exec wrote that moved inside the workspace (`prompts promote`): the new path is
 * recorded as claude-exec's own when the old one was, with the same content.
 */
export function moveOwnFile(
  workspace: string,
  from: string,
  to: string,
  text: string,
  env: Env = process.env,
): void {
  const real = realWorkspace(workspace);
  const own = readTrustStore(env).own[real] ?? {};
  const rel = (f: string) =>
    path
      .relative(real, path.resolve(real, path.relative(workspace, f)))
      .split(path.sep)
      .join('/');
  if (own[rel(from)] === sha256(text)) recordOwnFile(workspace, to, text, env);
}
