/**
 * The import-graph rules of src/ (`npm run deps:check`; CI runs it before the tests).
 *
 * Layers, lowest first. A file may import its own layer (without cycles) or a lower one, never a
 * higher one:
 *
 *   0 errors.ts, log.ts
 *   1 config/, durable.ts
 *   2 chain/, tools/, git/
 *   3 phases/ (the machine), workflows/, cost/, memory/, library/, llm/, hooks/, mcp/, evals/, patterns/
 *   4 engine/
 *   5 features/, demo/ (the `demo` command is a use case: it runs the engine against the fake
 *     Messages API server it ships, so it sits beside the other use cases, above the engine)
 *
 * (the list itself: scripts/layers.cjs, shared with `npm run deps:graph`)
 *   6 contract/ (the --json schemas and the documents every face prints or serves)
 *   7 ui/
 *   8 web/
 *   9 cli/
 *
 * One narrow exception: chain/schema.ts composes the state schemas that modules own. Each module
 * keeps its schema in a schema-only file `src/<module>/state.ts`, which imports nothing but zod, the
 * layers below chain/ and other state files; chain/ may import exactly those files.
 *
 * Every import counts, type-only ones included (tsPreCompilationDeps), and so do dynamic `import()`s.
 */

const layers = require('./scripts/layers.cjs');

const escape = (s) => s.replace(/[.]/g, '\\.');
/** A path regex for some top-level entries of src/ (a folder or a single file). */
const under = (entries) => `^src/(${entries.map(escape).join('|')})(/|$)`;
/** A module's schema-only state file, which chain/schema.ts may compose. */
const STATE_FILE = '^src/[^/]+/state\\.ts$';

const layerRules = layers.slice(0, -1).map((entries, i) => ({
  name: `layer-${i}-imports-upward`,
  comment: `${entries.join(', ')} (layer ${i}) may import only its own layer or lower ones`,
  severity: 'error',
  from: { path: under(entries) },
  to: {
    path: under(layers.slice(i + 1).flat()),
    // chain/ composes the modules' state schemas (see the header)
    ...(entries.includes('chain') ? { pathNot: STATE_FILE } : {}),
  },
}));

module.exports = {
  forbidden: [
    {
      name: 'no-cycle',
      comment: 'No import cycles between files (type-only and dynamic imports included)',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
    ...layerRules,
    {
      name: 'state-files-stay-schema-only',
      comment:
        'A module state file (src/<module>/state.ts) imports only zod, the layers below chain/ and other state files, so chain/schema.ts can compose it without a cycle',
      severity: 'error',
      from: { path: STATE_FILE },
      to: {
        dependencyTypesNot: ['npm', 'npm-dev', 'core'],
        pathNot: [STATE_FILE, under([...layers[0], ...layers[1]])],
      },
    },
    {
      name: 'state-files-import-only-zod',
      comment: 'A module state file imports no package but zod',
      severity: 'error',
      from: { path: STATE_FILE },
      to: { dependencyTypes: ['npm', 'npm-dev', 'core'], pathNot: '(^|/)node_modules/zod/' },
    },
    {
      name: 'not-to-unresolvable',
      comment: 'An import that resolves to nothing is a typo or a missing dependency',
      severity: 'error',
      from: { path: '^src/' },
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^src/(web/static|demo/sample-app)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      extensions: ['.ts', '.js', '.json'],
      // packages' subpath exports (hono/streaming, @modelcontextprotocol/sdk/client/stdio.js)
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['module', 'main', 'types'],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
