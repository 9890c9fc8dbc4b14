/**
 * What driving a chain needs from the outside world (STYLE: use cases take a Deps object).
 * `createBaseDeps` wires the real edges: config, library, price table, Anthropic adapter,
 * terminal ui, chain logger.
 */
import path from 'node:path';
import type { Backend, Config } from '../config/schema.js';
import { instructionsSection, type InstructionFile } from '../config/instructions.js';
import { loadConfig, type LoadedConfig } from '../config/load.js';
import { loadPriceTable, type PriceTable } from '../cost/prices.js';
import { ConfigError, PromptValidationError } from '../errors.js';
import { createAnthropicClient } from '../llm/anthropic.js';
import { CassetteRecorder } from '../llm/cassette.js';
import type { LlmClient, StablePrefix } from '../llm/types.js';
import type { DetectedCheck } from '../tools/checkCommands.js';
import type { Catalog, CostClasses } from '../library/catalog.js';
import { selectablePrompts, serializeCatalog } from '../library/catalog.js';
import type { PromptDoc } from '../library/parse.js';
import { MACHINE_PROMPTS } from '../phases/machine.js';
import { loadLibrary } from '../library/load.js';
import type { Logger } from '../log.js';
import type { PlannedTool } from '../mcp/plan.js';
import type { Sandbox } from '../tools/sandbox.js';
import type { AgentTool } from '../tools/types.js';
import type { Ui } from './ui.js';

export interface BaseDeps {
  llm: LlmClient;
  catalog: Catalog;
  config: Config;
  /** project_rules.md text. */
  rules: string;
  /** AGENTS.md / CLAUDE.md read into the system prompt after the rules (src/config/instructions.ts); none when absent. */
  instructions?: InstructionFile[];
  prices: PriceTable;
  ui: Ui;
  clock: () => Date;
  /** --yes: approve gates and assume proposed answers. */
  yes: boolean;
  workspace: string;
  env: Record<string, string | undefined>;
  /** The workspace's own config, prompts, workflows and patterns count (src/config/trust.ts). */
  trusted: boolean;
}

export interface DriveDeps extends BaseDeps {
  /** The byte-identical cached prefix of every call. */
  prefix: StablePrefix;
  /** The workspace tools, in their fixed order (the same list on every call). */
  tools: AgentTool[];
  log: Logger;
  /** Set once the server has shown it does not offer `count_tokens`. */
  tokenCounting?: 'unsupported';
  /** The OS sandbox of every command run for the model (config `sandbox`). */
  sandbox: Sandbox;
  /** The MCP tools among `tools` (src/mcp/): which server each calls, and which may change things. */
  mcpTools?: readonly PlannedTool[];
  /** The chain's checks besides its tests (typecheck, lint, build: ./checks.ts); absent = none. */
  checks?: DetectedCheck[];
}

/**
 * Prompts the chain runs itself where they belong: the system prompt, the machine's prompts, and
 * the driver's (./upkeep.ts: memory health and compaction, failure diagnosis).
 */
export const CHAIN_RUN_PROMPTS: readonly string[] = [
  'phase_controller',
  ...MACHINE_PROMPTS,
  'context_health_checker',
  'context_preservation',
  'error_recovery',
  'chain_debugger',
];

/** The prompts context building's selector may choose (config quality gates run as gates, not by choice). */
export function selectorPrompts(catalog: Catalog, config: Pick<Config, 'quality_gates'>): PromptDoc[] {
  return selectablePrompts(catalog, [...CHAIN_RUN_PROMPTS, ...config.quality_gates.prompts]);
}

/** Names (and aliases) the selector may choose, canonical names resolved by the catalog. */
export function selectableNames(catalog: Catalog, config: Pick<Config, 'quality_gates'>): string[] {
  return selectorPrompts(catalog, config).flatMap((d) => [d.name, ...d.aliases]);
}

/**
 * The cached system prefix: the phase controller's instructions, the project rules and the
 * workspace's AGENTS.md / CLAUDE.md (`instructions`, each under a heading naming it), then the
 * selector's catalog (only the prompts it may choose, compact; `costClasses` are measured medians).
 * Built once per process from files that do not change during a chain.
 */
export function buildPrefix(
  catalog: Catalog,
  rules: string,
  config: Pick<Config, 'quality_gates'>,
  costClasses: CostClasses = {},
  instructions: readonly InstructionFile[] = [],
): StablePrefix {
  const controller = catalog.get('phase_controller')?.body ?? '';
  const extra = instructionsSection(instructions);
  return {
    rules: `${controller}\n\n# Project rules\n\n${rules}${extra ? `\n\n${extra}` : ''}`.trim(),
    catalog: serializeCatalog(selectorPrompts(catalog, config), costClasses),
  };
}

/**
 * The model client of `backend`: the Messages API adapter (credentials from the environment and
 * the workspace `.env`), or Claude Code, which runs with the process environment and finds its
 * own credentials (claude-exec reads none for it). Throws ConfigError (no credentials for the
 * API) or UsageError (the Claude Agent SDK is not installed).
 */
async function createLlm(
  backend: Backend,
  config: Config,
  workspace: string,
  env: Record<string, string | undefined>,
  processEnv: NodeJS.ProcessEnv,
): Promise<LlmClient> {
  if (backend === 'claude-code') {
    const { createClaudeCodeClient } = await import('../llm/claude-code/index.js');
    return createClaudeCodeClient({
      workspace,
      env: { ...processEnv },
      billing: config.claude_code.billing,
      ...(config.claude_code.executable
        ? { executable: path.resolve(workspace, config.claude_code.executable) }
        : {}),
      maxRetries: config.limits.max_retries,
      timeoutMs: config.limits.request_timeout_ms,
    });
  }
  const secrets = [env.ANTHROPIC_API_KEY, env.ANTHROPIC_AUTH_TOKEN].filter((s): s is string => !!s);
  return createAnthropicClient({
    apiKey: env.ANTHROPIC_API_KEY,
    authToken: env.ANTHROPIC_AUTH_TOKEN,
    baseURL: env.ANTHROPIC_BASE_URL,
    maxRetries: config.limits.max_retries,
    timeoutMs: config.limits.request_timeout_ms,
    // Idle until a chain opens its cassette (--record, config record): then every exchange is kept.
    recorder: new CassetteRecorder(secrets),
  });
}

/**
 * Loads everything a chain needs for `workspace` (config, library, prices, model client);
 * `backend` (--backend) overrides config `backend`. Throws ConfigError (bad config or no
 * credentials, a quality gate that names no prompt), UsageError (claude-code without its SDK) or
 * PromptValidationError (invalid prompt).
 */
export async function createBaseDeps(
  workspace: string,
  opts: {
    ui: Ui;
    yes: boolean;
    env?: NodeJS.ProcessEnv;
    backend?: Backend;
    trusted?: boolean;
    sandbox?: Config['sandbox'];
    /** An endpoint claude-exec started itself (the demo's scripted model): no warning names it. */
    ownEndpoint?: string;
  },
): Promise<BaseDeps> {
  const trusted = opts.trusted ?? false;
  const loaded = loadConfig(workspace, opts.env, {
    trusted,
    ...(opts.sandbox ? { sandbox: opts.sandbox } : {}),
  });
  const { config, env, rules, instructions } = loaded;
  const { catalog, issues } = await loadLibrary({
    workspace,
    extraDirs: config.prompt_dirs.map((d) => path.resolve(workspace, d)),
    workspaceLayer: trusted,
  });
  if (issues.length) throw new PromptValidationError(issues);
  const unknownGates = config.quality_gates.prompts.filter((name) => !catalog.get(name));
  if (unknownGates.length) {
    throw new ConfigError(
      `quality_gates.prompts: no prompt named ${unknownGates.map((n) => `"${n}"`).join(', ')}`,
      'Name prompts of the library, e.g. simplicity_checker or architecture_checker (`claude-exec prompts list --category quality`).',
    );
  }
  const backend = opts.backend ?? config.backend;
  for (const line of runNotices(loaded, backend, opts.ownEndpoint)) opts.ui.progress.warn(line);
  const llm = await createLlm(backend, config, workspace, env, opts.env ?? process.env);
  return {
    llm,
    catalog,
    config,
    rules: rules.text,
    instructions,
    prices: loadPriceTable(config.prices),
    ui: opts.ui,
    clock: () => new Date(),
    yes: opts.yes,
    workspace,
    env,
    trusted,
  };
}

/**
 * What every run says first (stderr): requests (and the credentials, when any are set) going
 * anywhere but Anthropic's API, a sandbox that is off, and workspace settings that were ignored.
 * `ownEndpoint`: an endpoint claude-exec started itself (the demo's scripted model), not warned about.
 */
export function runNotices(
  loaded: Pick<LoadedConfig, 'env' | 'sources' | 'notes' | 'config'>,
  backend: Backend,
  ownEndpoint?: string,
): string[] {
  const out = [...loaded.notes];
  const url = loaded.env.ANTHROPIC_BASE_URL;
  if (backend === 'api' && url && !isAnthropicUrl(url) && url !== ownEndpoint) {
    const credentials = loaded.env.ANTHROPIC_API_KEY || loaded.env.ANTHROPIC_AUTH_TOKEN;
    out.push(
      `requests${credentials ? ' and your credentials' : ''} go to ${url} (ANTHROPIC_BASE_URL from ${loaded.sources.base_url ?? 'the environment'}), not to Anthropic's API`,
    );
  }
  if (loaded.config.sandbox === 'off') {
    out.push(
      `sandbox is off (${loaded.sources.sandbox === '--sandbox' ? '--sandbox off' : 'your user config'}): the test command and every command run for the model run unsandboxed, with your rights, files and network`,
    );
  }
  return out;
}

/** True for Anthropic's own API host (https://api.anthropic.com). */
function isAnthropicUrl(url: string): boolean {
  try {
    const u = new URL(url);
    return u.protocol === 'https:' && u.hostname === 'api.anthropic.com';
  } catch {
    return false;
  }
}
