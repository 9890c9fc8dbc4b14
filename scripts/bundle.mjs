// Part of `npm run build`, after tsc: bundles the CLI (src/cli/main.ts) with esbuild into ESM
// chunks under dist/bundle/, split at every dynamic import, so a command loads a few files
// instead of hundreds (bin/claude-exec runs dist/bundle/main.js). The per-module files tsc wrote
// under dist/ stay: the build's snapshot script and some tests import them.
//
// Paths a module finds from its own location (`new URL('../../prompts', import.meta.url)`,
// createRequire(import.meta.url), the prompt snapshot beside dist/library/load.js) must resolve
// as they do from that module's file under dist/: in each source file, import.meta.url is
// replaced by the URL of its compiled counterpart under dist/, computed from the chunk's own URL.
import { createHash } from 'node:crypto';
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
const src = path.join(root, 'src');
const outdir = path.join(root, 'dist', 'bundle');

/** Packages left to Node at run time: optional back ends, and anything that finds files of its own. */
const external = ['@anthropic-ai/claude-agent-sdk', '@modelcontextprotocol/sdk', 'typescript', 'pino'];

/** Rewrites import.meta.url in our sources to the URL of the module's file under dist/. */
const ownUrl = {
  name: 'own-import-meta-url',
  setup(b) {
    b.onLoad({ filter: /\.ts$/ }, async (args) => {
      if (!args.path.startsWith(src + path.sep)) return undefined;
      const text = await readFile(args.path, 'utf8');
      if (!text.includes('import.meta.url')) return undefined;
      const compiled = path.join(root, 'dist', path.relative(src, args.path)).replace(/\.ts$/, '.js');
      const rel = path.relative(outdir, compiled).split(path.sep).join('/');
      return {
        contents: text.replaceAll('import.meta.url', `new URL(${JSON.stringify(rel)}, import.meta.url).href`),
        loader: 'ts',
      };
    });
  },
};

/**
 * zod's `z.locales` namespace re-exports its ~60 message locales (1.6 MB of source), and a
 * bundler must keep a namespace whole. Nothing here sets a locale (zod installs English itself,
 * from locales/en.js), so the namespace is bundled with English only.
 */
const zodEnglishOnly = {
  name: 'zod-english-only',
  setup(b) {
    b.onLoad({ filter: /[\\/]zod[\\/]v4[\\/]locales[\\/]index\.js$/ }, (args) => ({
      contents: "export { default as en } from './en.js';",
      loader: 'js',
      resolveDir: path.dirname(args.path),
    }));
  },
};

/**
 * commander requires node:child_process (with net, dgram and the streams it pulls in) when it is
 * loaded, for executable subcommands, which claude-exec does not have. The module is required
 * when commander first spawns instead; should a newer commander change that line, the bundle
 * keeps its own (the replacement only applies to the exact text).
 */
const commanderLazyChildProcess = {
  name: 'commander-lazy-child-process',
  setup(b) {
    b.onLoad({ filter: /[\\/]commander[\\/]lib[\\/]command\.js$/ }, async (args) => {
      const text = await readFile(args.path, 'utf8');
      const eager = "const childProcess = require('node:child_process');";
      const lazy =
        "let loadedChildProcess; const childProcess = { spawn: (...a) => (loadedChildProcess ??= require('node:child_process')).spawn(...a) };";
      return { contents: text.replace(eager, lazy), loader: 'js', resolveDir: path.dirname(args.path) };
    });
  },
};

await rm(outdir, { recursive: true, force: true }); // chunk names change with their content
await build({
  entryPoints: { main: path.join(src, 'cli', 'main.ts') },
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  sourcesContent: false, // like tsc's maps: they point at src/
  external,
  plugins: [ownUrl, zodEnglishOnly, commanderLazyChildProcess],
  chunkNames: '[name]-[hash]',
  // CommonJS dependencies bundled into ESM call require() for Node's built-ins.
  banner: {
    js: "import { createRequire as __ceCreateRequire } from 'node:module'; const require = __ceCreateRequire(import.meta.url);",
  },
  logLevel: 'warning',
});

// dist/build-id.txt: the SHA-256 of every JavaScript file this build wrote (the tsc output and
// the bundle), so a cache of what this build's code computed (src/chain/checked.ts: the schema
// check of a context document) is never taken for another build's.
const dist = path.join(root, 'dist');
const buildHash = createHash('sha256');
for (const f of (await readdir(dist, { recursive: true })).filter((f) => f.endsWith('.js')).sort())
  buildHash
    .update(`${f}\0`)
    .update(await readFile(path.join(dist, f)))
    .update('\0');
await writeFile(path.join(dist, 'build-id.txt'), `${buildHash.digest('hex')}\n`);
