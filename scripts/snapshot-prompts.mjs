// Part of `npm run build`: writes dist/library/builtin-prompts.json, the built-in prompt library
// parsed and validated once (src/library/snapshot.ts says how the loader uses it). A prompt file
// with an issue is left out, so that the loader parses it and reports the issue at run time.
import { writeFile } from 'node:fs/promises';
import { builtinPromptsDir, readPromptDir } from '../dist/library/load.js';
import { SNAPSHOT_FILE, buildSnapshot } from '../dist/library/snapshot.js';

const root = builtinPromptsDir();
const { docs } = await readPromptDir(root, 'built-in', null);
const out = new URL(`../dist/library/${SNAPSHOT_FILE}`, import.meta.url);
await writeFile(out, `${JSON.stringify(await buildSnapshot(root, docs))}\n`);
console.log(`${SNAPSHOT_FILE}: ${docs.length} built-in prompts`);
