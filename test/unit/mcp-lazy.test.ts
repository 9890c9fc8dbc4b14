/**
 * The MCP SDK is loaded only when `mcp_servers` is configured: no module that the CLI entry loads
 * at start-up or with any command, following static imports only (type-only imports are erased),
 * imports it. Reads the source files; the dynamic `import()` in src/engine/run.ts is the way in.
 */
import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'src');

/** Pure: the specifiers `source` imports statically (not `import type`, not `import()`). */
export function staticImports(source: string): string[] {
  const out: string[] = [];
  for (const m of source.matchAll(
    /^\s*(?:import|export)\s+(type\s+)?(?:[^'";]*?\s+from\s+)?['"]([^'"]+)['"]/gm,
  )) {
    if (!m[1]) out.push(m[2]!);
  }
  return out;
}

/** Source files reachable from `entry` through static imports of relative paths, and the packages they import. */
function closure(entry: string): { files: Set<string>; packages: Set<string> } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const todo = [entry];
  while (todo.length) {
    const file = todo.pop()!;
    if (files.has(file)) continue;
    files.add(file);
    for (const spec of staticImports(readFileSync(file, 'utf8'))) {
      if (!spec.startsWith('.')) {
        packages.add(spec);
        continue;
      }
      const ts = path.resolve(path.dirname(file), spec).replace(/\.js$/, '.ts');
      if (existsSync(ts)) todo.push(ts);
    }
  }
  return { files, packages };
}

describe('the MCP SDK is loaded lazily', () => {
  it('staticImports sees value imports and re-exports, not type-only or dynamic ones', () => {
    const src =
      "import a from './a.js';\nimport { b, type C } from \"./b.js\";\nimport type { D } from './d.js';\nexport { e } from './e.js';\nconst f = await import('./f.js');\nimport './g.js';\n";
    expect(staticImports(src)).toEqual(['./a.js', './b.js', './e.js', './g.js']);
  });

  it('nothing the CLI entry or a command module imports statically reaches it', () => {
    const entries = [
      path.join(SRC, 'cli', 'main.ts'),
      path.join(SRC, 'engine', 'run.ts'),
      path.join(SRC, 'engine', 'drive.ts'),
      path.join(SRC, 'engine', 'promptRun.ts'),
    ];
    for (const entry of entries) {
      const { files, packages } = closure(entry);
      expect(
        [...packages].filter((p) => p.startsWith('@modelcontextprotocol/')),
        entry,
      ).toEqual([]);
      expect(files.has(path.join(SRC, 'mcp', 'connect.ts')), entry).toBe(false);
    }
    // The control: the module that talks to servers does import it.
    expect(
      [...closure(path.join(SRC, 'mcp', 'connect.ts')).packages].filter((p) =>
        p.startsWith('@modelcontextprotocol/sdk'),
      ),
    ).toHaveLength(3);
  });
});
