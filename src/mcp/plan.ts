/**
 * MCP tools as the model sees them, the pure part: their names (`mcp__<server>__<tool>`, within
 * the Messages API's tool-name pattern), which listed tools a server's config lets in (allow-list,
 * write tools), their input schemas as sent, and the catalog lines the selector plans with.
 */
import { createHash } from 'node:crypto';
import type { McpServerConfig } from '../config/schema.js';

/**
 * The pattern a tool name keeps to: the Messages API's characters (it takes up to 128), at most 64
 * long, so that the `mcp__claude-exec__` prefix the claude-code backend adds still fits.
 */
export const TOOL_NAME = /^[a-zA-Z0-9_-]{1,64}$/;
const MAX_NAME = 64;
/** Characters of a tool's description sent to the model and shown in the catalog. */
const MAX_DESCRIPTION_CHARS = 1000;
const MAX_CATALOG_DESCRIPTION = 160;

/** A tool as a server lists it (`tools/list`): the fields read here. */
export interface ListedTool {
  name: string;
  description?: string | undefined;
  inputSchema?: unknown;
}

/** A server tool the model may call. */
export interface PlannedTool {
  /** The name sent to the model: `mcp__<server>__<tool>`, sanitized. */
  name: string;
  server: string;
  /** The name the server knows it by. */
  tool: string;
  description: string;
  /** JSON Schema of its input, as the server gave it (type object). */
  inputSchema: Record<string, unknown>;
  /** Named in the server's `write_tools`: offered only in implementation steps. */
  write: boolean;
}

/**
 * Pure: `mcp__<server>__<tool>` with every character outside `[a-zA-Z0-9_-]` replaced by `_`; a
 * name past 64 characters keeps its first 55 and ends in `_` and 8 hex digits of the sha256 of the
 * whole name, so two long names stay apart.
 */
export function mcpToolName(server: string, tool: string): string {
  const name = `mcp__${server}__${tool}`.replace(/[^a-zA-Z0-9_-]/g, '_');
  if (name.length <= MAX_NAME) return name;
  const hash = createHash('sha256').update(`${server}\0${tool}`).digest('hex').slice(0, 8);
  return `${name.slice(0, MAX_NAME - 9)}_${hash}`;
}

/** Pure: the schema sent as `input_schema`: the server's, without `$schema`; `{type: object}` when it gave none. */
export function inputSchemaOf(schema: unknown): Record<string, unknown> | null {
  if (schema === undefined || schema === null) return { type: 'object', properties: {} };
  if (typeof schema !== 'object' || Array.isArray(schema)) return null;
  const out = { ...(schema as Record<string, unknown>) };
  delete out.$schema;
  return out.type === 'object' ? out : null;
}

/**
 * Pure: the tools of server `server` the model may call, in the server's order, and one warning
 * for each thing left out: a tool outside the `tools` allow-list is left out silently; a name
 * in `tools` or `write_tools` the server does not list, a tool whose input schema is not an
 * object, and a name already taken (by `taken` or an earlier tool) are warned about.
 */
export function planServerTools(
  server: string,
  config: Pick<McpServerConfig, 'tools' | 'write_tools'>,
  listed: readonly ListedTool[],
  taken: ReadonlySet<string> = new Set(),
): { tools: PlannedTool[]; warnings: string[] } {
  const warnings: string[] = [];
  const names = new Set(listed.map((t) => t.name));
  for (const key of ['tools', 'write_tools'] as const) {
    for (const n of config[key] ?? [])
      if (!names.has(n))
        warnings.push(`MCP server ${server}: ${key} names "${n}", which the server does not offer`);
  }
  const allowed = config.tools ? new Set(config.tools) : null;
  const write = new Set(config.write_tools);
  const used = new Set(taken);
  const tools: PlannedTool[] = [];
  for (const t of listed) {
    if (allowed && !allowed.has(t.name)) continue;
    const schema = inputSchemaOf(t.inputSchema);
    if (!schema) {
      warnings.push(`MCP server ${server}: tool "${t.name}" left out: its input schema is not an object`);
      continue;
    }
    const name = mcpToolName(server, t.name);
    if (used.has(name)) {
      warnings.push(`MCP server ${server}: tool "${t.name}" left out: its name ${name} is taken`);
      continue;
    }
    used.add(name);
    const about = (t.description ?? '').trim() || `Tool ${t.name} of the MCP server ${server}.`;
    tools.push({
      name,
      server,
      tool: t.name,
      description:
        about.length > MAX_DESCRIPTION_CHARS ? `${about.slice(0, MAX_DESCRIPTION_CHARS - 1)}…` : about,
      inputSchema: schema,
      write: write.has(t.name),
    });
  }
  return { tools, warnings };
}

const flat = (s: string) => s.replace(/\s+/g, ' ').trim();

/**
 * Pure: the catalog section on MCP tools (empty without tools), so that the selector can plan
 * with them: one line each, `name [read|write] description` (cut at 160 characters). The same
 * tools give byte-identical text (the cached prefix).
 */
export function mcpCatalogSection(tools: readonly PlannedTool[]): string {
  if (tools.length === 0) return '';
  const lines = tools.map((t) => {
    const d = flat(t.description);
    return `${t.name} [${t.write ? 'write' : 'read'}] ${d.length > MAX_CATALOG_DESCRIPTION ? `${d.slice(0, MAX_CATALOG_DESCRIPTION - 1)}…` : d}`;
  });
  return (
    `\nMCP tools: tools of the user's MCP servers. [read] ones may be called in every step that has tools, [write] ones only in implementation steps; ` +
    'choose prompts whose work they help (e.g. discovery that can look up a ticket). Line: name [read|write] what it does.\n' +
    `${lines.join('\n')}\n`
  );
}

/**
 * Pure: `value` with every `${NAME}` replaced by `env[NAME]` (an unset name by ''), and the names
 * that were unset, so the caller can warn.
 */
export function expandEnvRefs(
  value: string,
  env: Record<string, string | undefined>,
): { value: string; unset: string[] } {
  const unset: string[] = [];
  const out = value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, name: string) => {
    const v = env[name];
    if (v === undefined) unset.push(name);
    return v ?? '';
  });
  return { value: out, unset };
}
