/**
 * Configuration schema (zod) and defaults. Pure: `validateConfig` takes parsed JSON and returns
 * the config or `path: message` issues; the file and environment work is in `./load.ts`.
 *
 * Thresholds and caps default to the values of the original design (seed §"Phase Controller",
 * DESIGN §6); `project_rules.md` may override them in a fenced ```claude-exec block.
 */
import { z } from 'zod';
import { HOOK_EVENTS } from '../hooks/state.js';

const unit = z.number().min(0).max(1);
/** A cap: a whole number of rounds, turns or prompts, 0..1000 (past any useful value; a typo must not mean "forever"). */
const count = z.number().int().min(0).max(1000);
/** Durations in ms: at least 1 s, at most 1 hour (a longer wait is a hang, not a setting). */
const millis = z.number().int().min(1000).max(3_600_000);
/** USD amounts: positive, at most 10,000 (a larger budget is a typo for a smaller one). */
const usd = z.number().positive().max(10_000);

export const ThresholdsSchema = z.object({
  /** Leave requirements clarification when requirements confidence exceeds this (seed: 90%). */
  requirements_confidence: unit.default(0.9),
  /** Ask the human clarifying questions when ambiguity exceeds this (seed: 30%). */
  ambiguity_for_questions: unit.default(0.3),
  /** Go on to solution synthesis when overall confidence reaches this (seed: 80%). */
  overall_confidence: unit.default(0.8),
  /** Compact the chain memory when it passes this share of `limits.context_tokens` (default 80%). */
  compact_memory_at: unit.default(0.8),
  /** Compact the chain memory when context health (0-10) falls below this (default 6). */
  context_health: z.number().min(0).max(10).default(6),
});

export const CapsSchema = z.object({
  /** Rounds of clarifying questions (DESIGN §6: 3). */
  clarification_rounds: count.default(3),
  /** Questions per round (DESIGN §6: 5). */
  questions_per_round: count.default(5),
  /** Controller decisions in one context-building visit. */
  context_iterations: count.default(3),
  /** Loops uncertainty analysis → context building (DESIGN §6: 3). */
  analysis_loops: count.default(3),
  /** Approval rounds (rejections / more-info) before the chain fails. */
  approval_rounds: count.default(5),
  /** Implement → run tests cycles before the chain fails (resumable). */
  implementation_iterations: count.default(4),
  /** Times test_generator is asked again when it wrote no test file before the red run. */
  test_generation_asks: count.default(2),
  /** Agent turns in one prompt run before the result tool is forced. */
  agent_turns: count.default(8),
  /** Agent turns in one implementation prompt run (writes and test runs take turns). */
  implementation_agent_turns: count.default(24),
  /** Discovery prompts run at once (DESIGN §10: k ≤ 4). */
  concurrency: z.number().int().min(1).max(8).default(4),
  /** Zod corrections sent back to the model before a step fails (DESIGN §5: 2). */
  corrections: count.default(2),
  /** Generated prompts per chain. */
  generated_prompts: count.default(2),
  /** Run context_health_checker after this many steps (project_rules.md: every ten or so; 0 = never). */
  health_check_every: count.default(10),
  /**
   * Hard bounds that hold whatever the model does: Messages API calls in one step
   * (agent turns + corrections + the forced result with room to spare: 24 + 2 + 1 < 40), workspace
   * tool calls in one step, and calls in a whole chain. Reaching one fails the step (exit 1).
   */
  step_calls: z.number().int().min(1).max(1000).default(40),
  step_tool_calls: z.number().int().min(1).max(10_000).default(150),
  chain_calls: z.number().int().min(1).max(100_000).default(1000),
});

/**
 * Ranges (README "Configuration"): out of range is a ConfigError (exit 2) naming the key, e.g.
 * `limits.test_timeout_ms: Too big: expected number to be <=3600000`.
 */
const LimitsSchema = z.object({
  max_cost_usd: usd.nullable().default(null),
  /** Warn once when a chain's cost passes this (seed .env: COST_ALERT_THRESHOLD=5.00). */
  cost_alert_threshold_usd: usd.nullable().default(null),
  /** Warn once when a chain's tokens pass this (seed .env: TOKEN_LIMIT_WARNING=80000). */
  token_limit_warning: z.number().int().positive().max(1_000_000_000).nullable().default(null),
  /**
   * A cap on `max_tokens` of every call (1..128,000, the largest output any current model allows);
   * null = none: each step gets its work's figure (16,000 answering, 32,000 writing code) within the
   * model's output limit (src/llm/thinking.ts).
   */
  max_tokens_per_call: z.number().int().min(1).max(128_000).nullable().default(null),
  /** Tool output returned to the model, in bytes (1,000..10,000,000). */
  tool_output_bytes: z.number().int().min(1000).max(10_000_000).default(32_000),
  /** One test run, in ms (1 s..1 h). */
  test_timeout_ms: millis.default(300_000),
  /** Changed or untracked files larger than this (bytes) are left out of the checkpoint and listed in the chain (e.g. a 40 MB log). 1..1e9. */
  checkpoint_file_bytes: z.number().int().min(1).max(1_000_000_000).default(5_000_000),
  /** Per request, in ms (1 s..1 h; the SDK default is 10 minutes). */
  request_timeout_ms: millis.default(600_000),
  /** SDK retries for 408/409/429/5xx and connection errors (SDK default: 2). */
  max_retries: z.number().int().min(0).max(10).default(2),
  /**
   * Budget of a prompt's `{{context}}` (the chain memory), in estimated tokens (UTF-8 bytes / 4).
   * 12,000 leaves the ≤ 9,000-token cached prefix and an agent loop of tens of turns well inside a
   * 200,000-token context window.
   */
  context_tokens: z.number().int().min(1000).max(1_000_000).default(12_000),
  /**
   * Bytes of file text a code-writing implementation step is shown beside its memory (the plan's
   * files and the tests written; src/engine/codeView.ts). 48,000 bytes ≈ 12,000 tokens: the size of
   * the memory budget, so a step sees its code without reading it file by file.
   */
  code_view_bytes: z.number().int().min(0).max(400_000).default(48_000),
  /** Bytes of diff a review or readiness step is shown (the chain's change against its checkpoint). */
  diff_view_bytes: z.number().int().min(0).max(400_000).default(40_000),
  /**
   * Estimated tokens past which the continued conversation of an implementation task clears its
   * old tool results (all but the newest 8) before its next run (src/llm/conversation.ts). 60,000
   * keeps a task's conversation, the ≤ 9,000-token prefix and a run of agent turns well inside a
   * 200,000-token context window.
   */
  conversation_tokens: z.number().int().min(1000).max(1_000_000).default(60_000),
});

/**
 * Limits of the test command's sandbox (src/tools/sandbox.ts). `processes` bounds processes and
 * threads at once (a fork bomb stops there; Go and the JVM run tens of threads per process),
 * `memory_mb` what one process may allocate (RLIMIT_DATA; 0 = no limit), `tmp_mb` the private,
 * RAM-backed /tmp.
 */
const SandboxLimitsSchema = z.object({
  processes: z.number().int().min(8).max(1_000_000).default(1024),
  memory_mb: z.number().int().min(0).max(16_777_216).default(4096),
  tmp_mb: z.number().int().min(1).max(16_777_216).default(512),
});

/**
 * One hook (README "Hooks"): argv run through execa without a shell (write `["sh", "-c", "…"]`
 * for one), in the workspace root, outside the sandbox, with the event's JSON document on stdin.
 * `timeout_ms`: 100 ms..10 minutes, default 10 s (a hook holds the chain while it runs).
 */
export const HookSchema = z.strictObject({
  command: z
    .array(z.string(), { error: 'a list of words, e.g. ["sh", "-c", "notify-send claude-exec"]' })
    .min(1, 'a list of at least one word, e.g. ["sh", "-c", "notify-send claude-exec"]')
    .refine((argv) => argv.length === 0 || argv[0]!.trim() !== '', 'the first word names the program to run'),
  timeout_ms: z.number().int().min(100).max(600_000).default(10_000),
});
export type Hook = z.infer<typeof HookSchema>;

/** Hooks by event, at most 20 per event, run in order (the user config's first, then a trusted workspace's). */
const HooksSchema = z.object(
  Object.fromEntries(HOOK_EVENTS.map((e) => [e, z.array(HookSchema).max(20).default([])])) as Record<
    (typeof HOOK_EVENTS)[number],
    z.ZodDefault<z.ZodArray<typeof HookSchema>>
  >,
);

const ModelPriceSchema = z.object({
  input_mtok: z.number().min(0),
  output_mtok: z.number().min(0),
  cache_write_5m_mtok: z.number().min(0).optional(),
  cache_write_1h_mtok: z.number().min(0).optional(),
  cache_read_mtok: z.number().min(0).optional(),
});

/** The model backends (DESIGN §5): the Messages API, or Claude Code through the optional Agent SDK. */
const BACKENDS = ['api', 'claude-code'] as const;
export type Backend = (typeof BACKENDS)[number];

const ClaudeCodeSchema = z.object({
  /** How Claude Code's calls are paid: `auto` asks Claude Code (a Claude plan login = subscription). */
  billing: z.enum(['auto', 'api', 'subscription']).default('auto'),
  /** A Claude Code executable to use instead of the Agent SDK's bundled one. */
  executable: z.string().min(1).optional(),
});

/** A tier's thinking (src/llm/thinking.ts): off, adaptive (the model decides), or a budget in tokens. */
const ThinkingSettingSchema = z.union([
  z.enum(['off', 'adaptive']),
  z.number().int().min(1024, 'a thinking budget is at least 1024 tokens'),
]);

/**
 * One MCP server whose tools the model may call (src/mcp/): a command started over stdio (argv,
 * without a shell; `env` added to a minimal inherited environment) or a streamable HTTP endpoint
 * (`headers` sent with every request). `${NAME}` in an env or header value is taken from the
 * environment. Its tools are read-only (every step with tools) unless named in `write_tools`
 * (implementation steps only); `tools`, when given, is an allow-list. `timeout_ms`: start-up and
 * each tool call (1 s..1 h; 60 s, the MCP SDK's default request timeout).
 */
export const McpServerSchema = z
  .object({
    command: z
      .array(z.string())
      .min(1, 'a list of at least one word, e.g. ["npx", "-y", "my-mcp-server"]')
      .optional(),
    env: z.record(z.string(), z.string()).optional(),
    url: z.url({ protocol: /^https?$/ }).optional(),
    headers: z.record(z.string(), z.string()).optional(),
    tools: z.array(z.string().min(1)).optional(),
    write_tools: z.array(z.string().min(1)).default([]),
    timeout_ms: millis.default(60_000),
  })
  .superRefine((s, ctx) => {
    if ((s.command === undefined) === (s.url === undefined))
      ctx.addIssue({
        code: 'custom',
        message: 'give either "command" (a stdio server) or "url" (a streamable HTTP server)',
      });
    if (s.env && !s.command)
      ctx.addIssue({ code: 'custom', path: ['env'], message: '"env" goes with "command"' });
    if (s.headers && !s.url)
      ctx.addIssue({ code: 'custom', path: ['headers'], message: '"headers" go with "url"' });
  });
export type McpServerConfig = z.infer<typeof McpServerSchema>;

/** An MCP server's name: the middle of its tools' names, `mcp__<server>__<tool>`. */
const MCP_SERVER_NAME = /^[A-Za-z0-9][A-Za-z0-9-]{0,31}$/;

export const ConfigSchema = z.object({
  /** Which backend runs the prompts (`--backend`, CLAUDE_EXEC_BACKEND). */
  backend: z.enum(BACKENDS).default('api'),
  claude_code: ClaudeCodeSchema.prefault({}),
  models: z
    .object({
      fast: z.string().default('claude-haiku-4-5'),
      default: z.string().default('claude-sonnet-4-6'),
      smart: z.string().default('claude-opus-4-6'),
    })
    .prefault({}),
  /**
   * Thinking on agent turns, per tier: the fast tier answers small questions without it; default
   * and smart think (adaptive where the model has it, else a budget). Forced calls never think.
   */
  thinking: z
    .object({
      fast: ThinkingSettingSchema.default('off'),
      default: ThinkingSettingSchema.default('adaptive'),
      smart: ThinkingSettingSchema.default('adaptive'),
    })
    .prefault({}),
  thresholds: ThresholdsSchema.prefault({}),
  caps: CapsSchema.prefault({}),
  limits: LimitsSchema.prefault({}),
  /**
   * The model a tier's call goes to when its own model fails after the SDK's retries with an
   * overload (529) or a 5xx: that call is made once more there and the rest of its step stays
   * there (src/llm/agent-loop.ts). Per tier; a tier without one has no fallback.
   */
  fallback_model: z
    .strictObject({
      fast: z.string().min(1).optional(),
      default: z.string().min(1).optional(),
      smart: z.string().min(1).optional(),
    })
    .default({}),
  /**
   * The tier of the memory's upkeep (context_health_checker, context_preservation). `default`: the
   * tier most of a chain's calls run on, so upkeep reads their cached prefix; another tier's model
   * has its own cache and writes the whole prefix again.
   */
  upkeep_tier: z.enum(['fast', 'default', 'smart']).default('default'),
  /**
   * How a prompt declared on a cheaper tier than `default` (fast) is placed. `cache-aware`: it runs
   * on the default tier's model instead when its own model's cache is cold and writing the prefix
   * there would cost more than the cheaper tier saves on the step (src/cost/tierChoice.ts; the
   * choice is logged). `declared`: always on the declared tier. A workflow step's `model` tier and
   * upkeep_tier are used as they are.
   */
  tier_policy: z.enum(['cache-aware', 'declared']).default('cache-aware'),
  /** One model for every tier of every chain (like --model), so one prompt cache serves the whole chain; null = by tier. */
  model: z.string().min(1).nullable().default(null),
  /**
   * The quality gates: `prompts`, optional gates run with code_reviewer and security_scanner once
   * the tests pass (e.g. simplicity_checker, architecture_checker, breaking_change_detector), and
   * `second_opinion`, a model or a tier (fast, default, smart) that runs code_reviewer and
   * security_scanner a second time (src/engine/secondOpinion.ts); null = none. A plain list is
   * the `prompts` (the shape before the second opinion).
   */
  quality_gates: z
    .union([
      z.array(z.string()).transform((prompts) => ({ prompts, second_opinion: null })),
      z.strictObject({
        prompts: z.array(z.string()).default([]),
        second_opinion: z.string().min(1).nullable().default(null),
      }),
    ])
    .default({ prompts: [], second_opinion: null }),
  /**
   * argv of the workspace's test command, run through execa without a shell. When absent, a chain
   * detects it from the workspace's files at its start (src/tools/testCommand.ts), or asks.
   */
  test_command: z
    .array(z.string(), {
      error: (i) =>
        typeof i.input === 'string'
          ? `a list of words, not one string: e.g. ${JSON.stringify(i.input.trim().split(/\s+/))}`
          : 'a list of words, e.g. ["npm", "test"]',
    })
    .min(1, 'a list of at least one word, e.g. ["npm", "test"]')
    .optional(),
  /**
   * The workspace's checks beyond its tests (typecheck, lint, build, or another name), each an argv
   * run without a shell in the sandbox like the test command. Set ones replace detected ones of the
   * same name (src/tools/checkCommands.ts); an empty list turns a detected check off.
   */
  checks: z
    .record(
      z
        .string()
        .regex(/^[a-z][a-z0-9_-]{0,31}$/, 'a check name: lower-case letters, digits, _ or -, e.g. typecheck'),
      z.array(z.string(), {
        error: (i) =>
          typeof i.input === 'string'
            ? `a list of words, not one string: e.g. ${JSON.stringify(i.input.trim().split(/\s+/))}`
            : 'a list of words, e.g. ["npx", "tsc", "--noEmit"]',
      }),
    )
    .default({}),
  /** Where chains' Markdown specs are written (relative to the workspace); absent = beside the context files. */
  specs_dir: z.string().min(1).optional(),
  /** Extra prompt directories, layered after the user library and before the workspace's `prompts/`. */
  prompt_dirs: z.array(z.string()).default([]),
  /** Price overrides and additions, USD per million tokens, keyed by model id. */
  prices: z.record(z.string(), ModelPriceSchema).default({}),
  /** Keep every chain's requests and responses in a cassette beside its context file (as --record). */
  record: z.boolean().default(false),
  /** The OS sandbox of the test command (src/tools/sandbox.ts): auto = when available, else warn once. User config or --sandbox only. */
  sandbox: z.enum(['auto', 'required', 'off']).default('auto'),
  /**
   * More environment variables the test command may see, besides the built-in allow-list
   * (src/tools/sandboxEnv.ts): names, or prefixes ending in `*`. Also applies without a sandbox.
   */
  sandbox_env: z
    .array(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*\*?$/, 'a variable name, or a prefix ending in *'))
    .default([]),
  /** Let the test command read the workspace's `.env*` files (some suites load them); hidden by default. */
  sandbox_env_files: z.boolean().default(false),
  sandbox_limits: SandboxLimitsSchema.prefault({}),
  /**
   * MCP servers whose tools the model may call, by name (user config only: they run with your
   * rights, outside the sandbox, and get what the model sends them).
   */
  mcp_servers: z
    .record(z.string().regex(MCP_SERVER_NAME), McpServerSchema, {
      error: (i) =>
        i.code === 'invalid_key'
          ? 'a server name is letters, digits and "-", at most 32, e.g. "tickets"'
          : undefined,
    })
    .default({}),
  /** Where Messages API requests go (user config only; ANTHROPIC_BASE_URL in the environment wins). Absent = Anthropic's. */
  base_url: z.url({ protocol: /^https?$/ }).optional(),
  /** Commands run at chain events (src/hooks/), outside the sandbox: from the user config, or a trusted workspace's. */
  hooks: HooksSchema.prefault({}),
});

/**
 * Keys only the user may set (user config, environment, flags): where requests go and what runs
 * outside the sandbox (the sandbox itself, the backend, MCP servers). A workspace's config file or
 * rules block setting one is ignored, with a note, even when the workspace is trusted.
 */
export const USER_ONLY_KEYS = [
  'sandbox',
  'sandbox_env',
  'sandbox_env_files',
  'sandbox_limits',
  'backend',
  'claude_code',
  'base_url',
  'mcp_servers',
] as const;
export type Config = z.infer<typeof ConfigSchema>;
export type Thresholds = z.infer<typeof ThresholdsSchema>;
export type Caps = z.infer<typeof CapsSchema>;
export type SandboxLimits = z.infer<typeof SandboxLimitsSchema>;

export interface ConfigResult {
  config?: Config;
  issues: string[];
}

/** Validates parsed JSON; returns the config with defaults, or `dot.path: message` issues. */
export function validateConfig(json: unknown): ConfigResult {
  const parsed = ConfigSchema.safeParse(json ?? {});
  if (parsed.success) return { config: parsed.data, issues: [] };
  return {
    issues: parsed.error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`),
  };
}

/** The defaults, as used when a workspace has no config file. */
export function defaultConfig(): Config {
  return ConfigSchema.parse({});
}
