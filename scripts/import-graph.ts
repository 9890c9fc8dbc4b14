/**
 * The top-level module graph of src/ in numbers (`npm run deps:graph`): modules, layers, edges
 * between modules, edges that point up a layer (less the ones made only of the state schemas that
 * chain/ and config/ compose), and import cycles between files. It cruises src/
 * with dependency-cruiser and the rules of .dependency-cruiser.cjs (type-only and dynamic imports
 * count), then folds files into their top-level module: `src/chain/store.ts` is `chain`,
 * `src/errors.ts` is `errors`. With `--list`, also prints each upward edge and each cycle.
 *
 * `npm run deps:check` is the gate (it fails on any violation); this script only measures.
 */
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);
const { layers, composers } = require('./layers.cjs') as { layers: string[][]; composers: string[] };
/** A module's schema-only state file: the composers may import it from any layer. */
const STATE_FILE = /^src\/[^/]+\/state\.ts$/;

interface Dependency {
  resolved: string;
  circular: boolean;
  cycle?: { name: string }[];
}
interface Module {
  source: string;
  dependencies: Dependency[];
}

/** The top-level module of a file under src/, or null for anything else (packages, Node built-ins). */
function moduleOf(file: string): string | null {
  const m = /^src\/([^/]+)(\/|$)/.exec(file);
  return m ? m[1]!.replace(/\.ts$/, '') : null;
}

const layerOf = new Map(
  layers.flatMap((entries, i) => entries.map((e) => [e.replace(/\.ts$/, ''), i] as const)),
);

// Run at the repository's root (npm run does).
const out = execFileSync(
  path.join('node_modules', '.bin', 'depcruise'),
  ['src', '--config', '.dependency-cruiser.cjs', '--output-type', 'json'],
  { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
);
const modules = (JSON.parse(out) as { modules: Module[] }).modules;

const names = new Set<string>();
const edges = new Map<string, string[]>();
const cycles = new Set<string>();
for (const m of modules) {
  const from = moduleOf(m.source);
  if (!from) continue;
  names.add(from);
  for (const d of m.dependencies) {
    const to = moduleOf(d.resolved);
    if (!to) continue;
    if (to !== from) {
      const key = `${from} → ${to}`;
      const allowed = composers.includes(m.source) && STATE_FILE.test(d.resolved);
      const list = edges.get(key) ?? [];
      if (!allowed) list.push(`${m.source} → ${d.resolved}`);
      edges.set(key, list);
    }
    if (d.circular && d.cycle) {
      // One cycle, whichever file it is entered from: rotate it to start at its smallest file.
      const files = [m.source, ...d.cycle.map((c) => c.name)].slice(0, -1);
      const start = files.indexOf([...files].sort()[0]!);
      cycles.add([...files.slice(start), ...files.slice(0, start)].join(' → '));
    }
  }
}

const unplaced = [...names].filter((n) => !layerOf.has(n));
const upward = [...edges].filter(([key]) => {
  const [from, to] = key.split(' → ') as [string, string];
  return (layerOf.get(from) ?? -1) < (layerOf.get(to) ?? -1);
});
// An upward module edge made only of composed state schemas is allowed (see .dependency-cruiser.cjs).
const composed = upward.filter(([, files]) => files.length === 0);
const violating = upward.filter(([, files]) => files.length > 0);

console.log(
  `modules: ${names.size}, layers: ${layers.length}, edges: ${edges.size}, upward edges: ${violating.length} (and ${composed.length} that only compose state schemas), cycles: ${cycles.size}`,
);
if (unplaced.length) console.log(`not in any layer (scripts/layers.cjs): ${unplaced.join(', ')}`);
if (process.argv.includes('--list')) {
  for (const [key, files] of violating)
    console.log(`upward ${key}\n${files.map((f) => `    ${f}`).join('\n')}`);
  for (const c of cycles) console.log(`cycle ${c}`);
}
