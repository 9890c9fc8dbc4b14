/**
 * The layers of src/, lowest first: the top-level entries (a folder, or a single file) of each.
 * A file may import its own layer (without cycles) or a lower one. Read by .dependency-cruiser.cjs
 * (the rules `npm run deps:check` enforces) and scripts/import-graph.ts (`npm run deps:graph`).
 *
 * demo/ sits with the use cases: the `demo` command runs the engine against the fake Messages API
 * server it ships, so it needs the engine below it, and only the faces (ui/, web/, cli/) use it.
 *
 * @type {string[][]}
 */
module.exports = [
  ['errors.ts', 'log.ts'],
  ['config', 'durable.ts'],
  ['chain', 'tools', 'git'],
  ['phases', 'workflows', 'cost', 'memory', 'library', 'llm', 'hooks', 'mcp', 'evals', 'patterns'],
  ['engine'],
  ['features', 'demo'],
  ['contract'],
  ['ui'],
  ['web'],
  ['cli'],
];
