/**
 * The layers of src/, lowest first: the top-level entries (a folder, or a single file) of each.
 * A file may import its own layer (without cycles) or a lower one. Read by .dependency-cruiser.cjs
 * (the rules `npm run deps:check` enforces) and scripts/import-graph.ts (`npm run deps:graph`).
 *
 * durable.ts sits with errors.ts and log.ts: it needs only errors.ts, and the log appends through it.
 * demo/ sits with the use cases: the `demo` command runs the engine against the fake Messages API
 * server it ships, so it needs the engine below it, and only the faces (ui/, web/, cli/) use it.
 *
 */

/** @type {string[][]} */
const layers = [
  ['errors.ts', 'durable.ts', 'log.ts'],
  ['config'],
  ['chain', 'tools', 'git'],
  ['phases', 'workflows', 'cost', 'memory', 'library', 'llm', 'hooks', 'mcp', 'evals', 'patterns'],
  ['engine'],
  ['features', 'demo'],
  ['contract'],
  ['ui'],
  ['web'],
  ['cli'],
];

/**
 * The files that compose the modules' state schemas (src/<module>/state.ts, schema only): they may
 * import those files from any layer (see .dependency-cruiser.cjs).
 */
const composers = ['src/chain/schema.ts', 'src/chain/init.ts', 'src/config/schema.ts'];

module.exports = { layers, composers };
