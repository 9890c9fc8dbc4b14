/**
 * Writes the JSON Schemas of every `--json` output (src/contract/) to schemas/ (run with
 * `npm run schemas` after changing a contract module; test/unit/contract-schemas.test.ts fails
 * while the committed files are stale).
 */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { jsonSchemaFiles } from '../src/contract/files.js';

const dir = path.join(path.dirname(new URL(import.meta.url).pathname), '..', 'schemas');
mkdirSync(dir, { recursive: true });
const files = jsonSchemaFiles();
for (const old of readdirSync(dir))
  if (old.endsWith('.schema.json') && !(old in files)) rmSync(path.join(dir, old));
for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
console.log(`wrote ${Object.keys(files).length} schemas to ${path.relative(process.cwd(), dir) || dir}`);
