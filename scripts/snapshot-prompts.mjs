// Part of `npm run build`: writes dist/library/builtin-prompts.json, the built-in prompt library
// parsed and validated once (src/library/snapshot.ts says how the loader uses it), and
// dist/workflows/builtin-workflows.json, the built-in workflows parsed and checked against their
// schema (src/workflows/snapshot.ts). A file with an issue is left out, so that the loader parses
// it and reports the issue at run time; so is a workflow that would not come back the same
// from JSON. And dist/config/rules-block.json: the default project_rules.md's claude-exec block
// with its YAML parsed (src/config/rulesBlock.ts).
import { readFile, writeFile } from 'node:fs/promises';
import { isDeepStrictEqual } from 'node:util';
import { builtinPromptsDir, readPromptDir } from '../dist/library/load.js';
import { SNAPSHOT_FILE, buildSnapshot } from '../dist/library/snapshot.js';
import { builtinWorkflowsDir, workflowFilesIn } from '../dist/workflows/load.js';
import { WORKFLOW_SNAPSHOT_FILE, buildWorkflowSnapshot } from '../dist/workflows/snapshot.js';
import { RULES_BLOCK_FILE } from '../dist/config/rulesBlock.js';
import { rulesOverrides } from '../dist/config/load.js';

const root = builtinPromptsDir();
const { docs } = await readPromptDir(root, 'built-in', null);
const out = new URL(`../dist/library/${SNAPSHOT_FILE}`, import.meta.url);
await writeFile(out, `${JSON.stringify(await buildSnapshot(root, docs))}\n`);
console.log(`${SNAPSHOT_FILE}: ${docs.length} built-in prompts`);

const workflows = await buildWorkflowSnapshot(await workflowFilesIn(builtinWorkflowsDir()));
const wfOut = new URL(`../dist/workflows/${WORKFLOW_SNAPSHOT_FILE}`, import.meta.url);
await writeFile(wfOut, `${JSON.stringify(workflows)}\n`);
console.log(`${WORKFLOW_SNAPSHOT_FILE}: ${Object.keys(workflows.files).length} built-in workflows`);

const rulesOut = new URL(`../dist/config/${RULES_BLOCK_FILE}`, import.meta.url);
const rulesFile = new URL('../project_rules.md', import.meta.url);
const block = /```claude-exec\r?\n([\s\S]*?)```/.exec(await readFile(rulesFile, 'utf8'))?.[1];
if (block !== undefined) {
  const data = rulesOverrides(`\`\`\`claude-exec\n${block}\`\`\``, 'project_rules.md', null);
  if (isDeepStrictEqual(JSON.parse(JSON.stringify(data)), data)) {
    await writeFile(rulesOut, `${JSON.stringify({ version: 1, block, data })}\n`);
    console.log(`${RULES_BLOCK_FILE}: the default rules block (${Object.keys(data).length} keys)`);
  }
}
