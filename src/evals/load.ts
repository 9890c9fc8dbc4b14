/**
 * Finding eval cases: `<library>/evals/<prompt>/<case>.yaml` in each library layer (built-in, user,
 * config prompt_dirs, and the workspace's `prompts/` once trusted). A later layer's case of the
 * same prompt and name replaces the earlier one. Folders whose name starts with `_` or `.` hold
 * fixtures, not cases.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { UsageError } from '../errors.js';
import type { Layer } from '../library/parse.js';
import { parseEvalCase, type EvalCase } from './case.js';
import { fixtureLayers } from './fixture.js';

export interface EvalCaseFile {
  prompt: string;
  /** The file's stem. */
  name: string;
  file: string;
  layer: Layer;
  /**
   * The directories the fixture is built from (absolute, inside the layer's evals folder), its
   * bases first and the fixture itself last (./fixture.ts), or null without a fixture.
   */
  fixture: string[] | null;
  /** The `after` overlay directory of each `tests_fail_before_pass_after` assertion, by its index (absolute, inside the evals folder). */
  afterDirs: Map<number, string>;
  spec: EvalCase;
}

async function dirs(dir: string): Promise<string[]> {
  const entries = await fs.readdir(dir, { withFileTypes: true }).catch(() => []);
  return entries
    .filter((e) => e.isDirectory() && !/^[_.]/.test(e.name))
    .map((e) => e.name)
    .sort();
}

/** The directory `given` (field `field` of `file`) in evals root `root`: absolute, inside `root`, existing. Throws UsageError. */
async function caseDir(given: string, field: string, file: string, root: string): Promise<string> {
  const dir = path.resolve(path.dirname(file), given);
  const rel = path.relative(root, dir);
  if (rel.startsWith('..') || path.isAbsolute(rel))
    throw new UsageError(
      `${file}: ${field}: ${given} is outside ${root}`,
      'Keep fixtures inside the evals folder, e.g. prompts/evals/_fixtures/.',
    );
  const stat = await fs.stat(dir).catch(() => null);
  if (!stat?.isDirectory())
    throw new UsageError(
      `${file}: ${field}: no directory ${dir}`,
      'Create the directory or fix the path (relative to the case file).',
    );
  return dir;
}

/** The `after` overlays of `spec`'s tests_fail_before_pass_after assertions, by index. Throws UsageError. */
async function afterDirsOf(spec: EvalCase, file: string, root: string): Promise<Map<number, string>> {
  const dirsByIndex = new Map<number, string>();
  for (const [i, a] of spec.assert.entries())
    if (a.type === 'tests_fail_before_pass_after')
      dirsByIndex.set(i, await caseDir(a.after, `assert.${i}.after`, file, root));
  return dirsByIndex;
}

/**
 * The cases of `layers` (in override order), of the prompts in `only` when given (else of every
 * prompt that has a folder). Throws UsageError for an invalid case file or fixture path.
 */
export async function loadEvalCases(
  layers: readonly { dir: string; layer: Layer }[],
  only?: readonly string[],
): Promise<EvalCaseFile[]> {
  const byKey = new Map<string, EvalCaseFile>();
  for (const { dir, layer } of layers) {
    const root = path.join(dir, 'evals');
    for (const prompt of await dirs(root)) {
      if (only && !only.includes(prompt)) continue;
      const files = (await fs.readdir(path.join(root, prompt)).catch(() => [] as string[]))
        .filter((f) => /\.ya?ml$/.test(f) && !f.startsWith('.'))
        .sort();
      for (const f of files) {
        const file = path.join(root, prompt, f);
        const spec = parseEvalCase(await fs.readFile(file, 'utf8'), file);
        const name = f.replace(/\.ya?ml$/, '');
        const fixture = spec.inputs.workspace
          ? await fixtureLayers(await caseDir(spec.inputs.workspace, 'inputs.workspace', file, root), root)
          : null;
        byKey.set(`${prompt}/${name}`, {
          prompt,
          name,
          file,
          layer,
          fixture,
          afterDirs: await afterDirsOf(spec, file, root),
          spec,
        });
      }
    }
  }
  return [...byKey.values()].sort((a, b) =>
    a.prompt === b.prompt ? (a.name < b.name ? -1 : 1) : a.prompt < b.prompt ? -1 : 1,
  );
}
