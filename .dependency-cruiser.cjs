/**
 * The import-graph rules of src/ (`npm run deps:check`; CI runs it before the tests).
 *
 * Layers, lowest first (the list: scripts/layers.cjs, shared with `npm run deps:graph`). A file may
 * import its own layer (without cycles) or a lower one, never a higher one:
 *
 *   0 errors.ts, durable.ts, log.ts (the log appends through durable.ts, which needs only errors.ts)
 *   1 config/
 *   2 chain/, tools/, git/
 *   3 phases/ (the machine), workflows/, cost/, memory/, library/, llm/, hooks/, mcp/, evals/, patterns/
 *   4 engine/
 *   5 features/, demo/ (the `demo` command is a use case: it runs the engine against the fake
 *     Messages API server it ships, so it sits beside the other use cases, above the engine)
 *   6 contract/ (the --json schemas and the documents every face prints or serves)
 *   7 ui/
 *   8 web/
 *   9 cli/
 *
 * One narrow exception: each module owns the zod schema of its own state (and of its config
 * section) in a schema-only file `src/<module>/state.ts`, which imports nothing but zod, layers 0-1
 * and other state files. The files that compose those schemas (COMPOSERS: the chain's context
 * schema, the new chain's first context, the config schema) may import exactly those files.
 *
 * Every import counts, type-only ones included (tsPreCompilationDeps), and so do dynamic `import()`s.
 */

const { layers, composers: COMPOSERS } = require('./scripts/layers.cjs');

const escape = (s) => s.replace(/[.]/g, '\\.');
/** A path regex for some top-level entries of src/ (a folder or a single file). */
const under = (entries) => `^src/(${entries.map(escape).join('|')})(/|$)`;
/** A module's schema-only state file, which the COMPOSERS may import. */
const STATE_FILE = '^src/[^/]+/state\\.ts$';

const fileRe = (files) => `^(${files.map(escape).join('|')})$`;

const layerRules = layers.slice(0, -1).flatMap((entries, i) => {
  const higher = under(layers.slice(i + 1).flat());
  const composers = COMPOSERS.filter((f) => new RegExp(under(entries)).test(f));
  const rule = {
    name: `layer-${i}-imports-upward`,
    comment: `${entries.join(', ')} (layer ${i}) may import only its own layer or lower ones`,
    severity: 'error',
    from: { path: under(entries), ...(composers.length ? { pathNot: fileRe(composers) } : {}) },
    to: { path: higher },
  };
  if (!composers.length) return [rule];
  return [
    rule,
    {
      ...rule,
      name: `layer-${i}-composer-imports-upward`,
      comment: `${composers.join(', ')} may import a higher layer's state.ts files only`,
      from: { path: fileRe(composers) },
      to: { path: higher, pathNot: STATE_FILE },
    },
  ];
});

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
        'A module state file (src/<module>/state.ts) imports only zod, layers 0-1 and other state files, so the schemas that compose it stay free of cycles',
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
