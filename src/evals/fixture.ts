/**
 * Fixtures built from a base and overlays. A fixture directory may hold a `.fixture-base` file:
 * one directory per line, relative to the fixture, each copied in order (each built the same way
 * first) before the fixture's own files are copied over them. So a fixture that differs from
 * another by a file or two holds only those files. Every directory stays inside the evals folder.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { UsageError } from '../errors.js';

/** The file that names a fixture's bases. */
const FIXTURE_BASE_FILE = '.fixture-base';

/**
 * The directories that make up fixture `dir` (absolute), base first, the fixture itself last;
 * each inside evals folder `root`. Throws UsageError for a base outside `root`, a missing one, or
 * a fixture that is its own base.
 */
export async function fixtureLayers(
  dir: string,
  root: string,
  seen: readonly string[] = [],
): Promise<string[]> {
  if (seen.includes(dir))
    throw new UsageError(
      `${path.join(dir, FIXTURE_BASE_FILE)}: the fixture is its own base (${[...seen, dir].join(' → ')})`,
      'Remove the loop from the .fixture-base files.',
    );
  const text = await fs.readFile(path.join(dir, FIXTURE_BASE_FILE), 'utf8').catch(() => '');
  const layers: string[] = [];
  for (const line of text.split(/\r?\n/).map((l) => l.trim())) {
    if (!line || line.startsWith('#')) continue;
    const base = path.resolve(dir, line);
    const rel = path.relative(root, base);
    if (rel.startsWith('..') || path.isAbsolute(rel))
      throw new UsageError(
        `${path.join(dir, FIXTURE_BASE_FILE)}: ${line} is outside ${root}`,
        'Keep fixtures inside the evals folder, e.g. prompts/evals/_fixtures/.',
      );
    if (!(await fs.stat(base).catch(() => null))?.isDirectory())
      throw new UsageError(
        `${path.join(dir, FIXTURE_BASE_FILE)}: no directory ${base}`,
        'Create the directory or fix the path (relative to the fixture).',
      );
    layers.push(...(await fixtureLayers(base, root, [...seen, dir])));
  }
  return [...layers, dir];
}

/** Copies `layers` (from fixtureLayers) into `dest` in order, later files over earlier ones. */
export async function copyFixture(layers: readonly string[], dest: string): Promise<void> {
  await fs.mkdir(dest, { recursive: true });
  for (const dir of layers)
    await fs.cp(dir, dest, {
      recursive: true,
      force: true,
      filter: (src) => path.basename(src) !== FIXTURE_BASE_FILE,
    });
}
