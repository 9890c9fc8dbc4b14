/**
 * `spec ID`: the chain's spec rendered from its context (so it is current even when the file on
 * disk is older), where it is written, and its criteria and readiness as data.
 */
import { existsSync } from 'node:fs';
import type { ChainContext } from '../../chain/schema.js';
import type { SpecOutput } from '../spec.js';
import { loadStoredConfig } from '../../config/load.js';
import { coverage, readiness, readTestFiles, renderSpec, specPath, specsDirOf } from '../../engine/spec.js';

/**
 * The `claude-exec/spec@1` document of `ctx` saved in `file`; `cwd`'s config decides `specs_dir`
 * (an unreadable config falls back to beside the context file).
 */
export async function specDocument(ctx: ChainContext, file: string, cwd: string): Promise<SpecOutput> {
  let specsDir: string | null;
  try {
    specsDir = specsDirOf({ config: loadStoredConfig(cwd).config, workspace: cwd });
  } catch {
    specsDir = null;
  }
  const where = specPath(file, specsDir);
  const tests = readTestFiles(ctx);
  const criteria = coverage(ctx, tests);
  const final = ctx.current_phase === 'deployment-readiness';
  return {
    schema: 'claude-exec/spec@1',
    chain_id: ctx.chain_id,
    path: where,
    written: existsSync(where),
    test_command: ctx.test_command,
    criteria,
    uncovered: criteria.filter((c) => c.tests.length === 0).map((c) => c.id),
    readiness: readiness(ctx),
    markdown: renderSpec(ctx, tests, { final }),
  };
}
