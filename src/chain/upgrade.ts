/**
 * Upgrades a validated context of an earlier schema version to the current one (pure). Version 1
 * had no journal (its calls and steps are inline, which version 2 reads as a head whose journal
 * is empty) and kept the solution only as the text last presented at the gate: it becomes
 * version 1 of the solution document, approved when the gate approved it.
 */
import type { ChainContext } from './schema.js';
import { SCHEMA_VERSION } from './version.js';

export function upgradeChainContext(ctx: ChainContext): ChainContext {
  if (ctx.schema_version === SCHEMA_VERSION) return ctx;
  const out: ChainContext = { ...ctx, schema_version: SCHEMA_VERSION };
  if (ctx.solution && ctx.solution_versions.length === 0) {
    const approval = ctx.approval_history.filter((a) => a.kind === 'solution').at(-1);
    out.solution_versions = [
      {
        version: 1,
        step: 0,
        prompt: 'solution_presenter',
        created_at: ctx.updated_at,
        text: ctx.solution,
        reason: null,
        status:
          approval?.user_response === 'approved'
            ? 'approved'
            : approval?.user_response === 'rejected'
              ? 'rejected'
              : 'proposed',
        decided_at: approval && approval.user_response !== 'more-info' ? approval.timestamp : null,
        presentation: ctx.solution,
        presentation_step: null,
        file_plan: null,
        file_plan_step: null,
        implementation_plan: null,
      },
    ];
  }
  return out;
}
