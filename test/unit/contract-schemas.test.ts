/**
 * The JSON Schema files in schemas/ are generated from the zod definitions of every --json
 * output (src/contract/): this fails while the committed files are stale (`npm run schemas`).
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { jsonSchemaFiles } from '../../src/contract/files.js';

const DIR = path.resolve(import.meta.dirname, '../../schemas');

describe('schemas/', () => {
  const files = jsonSchemaFiles();

  it('holds exactly the generated files', () => {
    expect(
      readdirSync(DIR)
        .filter((f) => f.endsWith('.schema.json'))
        .sort(),
    ).toEqual(Object.keys(files).sort());
  });

  it.each(Object.keys(files))(
    '%s is up to date (run `npm run schemas` after changing src/contract/)',
    (name) => {
      expect(readFileSync(path.join(DIR, name), 'utf8')).toBe(files[name]);
    },
  );

  it('are listed in the README', () => {
    const readme = readFileSync(path.resolve(import.meta.dirname, '../../README.md'), 'utf8');
    for (const name of Object.keys(files)) expect(readme, name).toContain(`schemas/${name}`);
  });
});
