/**
 * The per-chain deps of a drive: the workspace tools bound to this chain's gates and hooks, the
 * sandbox, the checks and the cached system prefix. The loop that drives a chain is ./loop.ts.
 */
import path from 'node:path';
import type { CostClasses } from '../library/catalog.js';
import { fileHash } from './rollbackSafety.js';
import { createSandbox, createWorkspaceTools } from '../tools/index.js';
import type { BaseDeps, DriveDeps } from './deps.js';
import { buildPrefix } from './deps.js';
import { approveChange } from './gates.js';
import { emitHook, modelTestRun } from './hooks.js';
import { keepOriginal } from './originals.js';
import type { ChainSession } from './session.js';
import { testArgv } from './testing.js';
import { chainChecks } from './checks.js';
import type { Logger } from '../log.js';
import type { McpTools } from '../mcp/index.js';

/**
 * Creates the per-chain deps (tools bound to this session's gates, the cached prefix) and records
 * on the chain which AGENTS.md / CLAUDE.md its prefix holds.
 * `costClasses`: measured cost classes for the selector's catalog (src/cost/promptCosts.ts); `mcp`:
 * the tools of the run's MCP servers, added after the workspace tools and to the catalog.
 */
export function bindDeps(
  session: ChainSession,
  base: BaseDeps,
  log: Logger,
  costClasses: CostClasses = {},
  mcp?: Pick<McpTools, 'tools' | 'planned' | 'catalog'> | null,
): DriveDeps {
  const { sandbox_env: env, sandbox_env_files: envFiles, sandbox_limits: limits } = base.config;
  const sandbox = createSandbox(base.config.sandbox, (text) => base.ui.progress.warn(text), {
    policy: { env, envFiles, limits },
  });
  const prefix = buildPrefix(base.catalog, base.rules, base.config, costClasses, base.instructions);
  if (mcp?.catalog) prefix.catalog += mcp.catalog;
  const checks = chainChecks(base.workspace, base.config);
  const deps: DriveDeps = {
    ...base,
    prefix,
    tools: [],
    log,
    sandbox,
    checks,
    ...(mcp?.planned.length ? { mcpTools: mcp.planned } : {}),
  };
  session.ctx.instructions = (base.instructions ?? []).map((f) => f.file);
  deps.tools = createWorkspaceTools({
    root: base.workspace,
    contextsDir: path.dirname(path.resolve(session.file)),
    sandbox,
    checks,
    testCommand: () => testArgv(session.ctx, base),
    limits: base.config.limits,
    approve: async (change) => {
      const decision = await approveChange(session, deps, change);
      // Without git, the file's original is kept before its first change, so that rollback works.
      if (decision.approved && (await keepOriginal(session.ctx, session.file, change.path)))
        await session.save();
      return decision;
    },
    onTestRun: (argv, r) =>
      emitHook(session, deps, 'test_run', { tests: modelTestRun(argv, r) }).then(() => undefined),
    beforeChange: (change) =>
      emitHook(session, deps, 'before_file_change', {
        files: [change.path],
        tool: change.tool,
        diff: change.diff,
      }),
    onWritten: async (rel, { isTest, unchanged }) => {
      const mem = session.ctx.session_memory;
      if (!unchanged && !mem.files_modified.includes(rel)) mem.files_modified.push(rel);
      // Before the hash below: a formatter run by the hook changes the file the chain records.
      if (!unchanged) await emitHook(session, deps, 'after_file_change', { files: [rel] });
      if (mem.files_modified.includes(rel)) {
        const hash = await fileHash(path.join(base.workspace, rel));
        if (hash) session.ctx.written[rel] = hash;
      }
      if (isTest && !mem.tests_written.includes(rel)) mem.tests_written.push(rel);
    },
  });
  if (mcp) deps.tools.push(...mcp.tools);
  return deps;
}
