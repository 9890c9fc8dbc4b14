/**
 * Pattern files: what a finished chain learned, saved for similar tasks. Markdown with
 * a YAML frontmatter block, validated strictly like prompt files (unknown keys, a missing field,
 * a name that is not the file's stem are issues `{file, field, problem}`), in layers user
 * (`$CLAUDE_EXEC_USER_PATTERNS`, else `~/.config/claude-exec/patterns`) < workspace (`patterns/`):
 * a workspace pattern replaces a user one of the same name. The body is the extractor's account.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type matter from 'gray-matter';
import { grayMatter } from '../config/grayMatter.js';
import { z } from 'zod';
import type { PromptIssue } from '../errors.js';

export type PatternLayer = 'user' | 'workspace';
export const PATTERN_NAME_RE = /^[a-z][a-z0-9_]*$/;

const text = z.string().trim().min(1, 'must not be empty');
const unit = z.number().min(0).max(1);

/** The frontmatter, strict. Costs in USD, durations in ms, confidence 0..1. */
export const PatternFrontmatterSchema = z.strictObject({
  name: z.string().regex(PATTERN_NAME_RE, 'must be snake_case (a-z, 0-9 and _, starting with a letter)'),
  /** The task one level more abstract than the goal it came from (pattern_extractor's `task_shape`). */
  task_kind: text,
  /** Words a similar task would use (matched with a boost). */
  keywords: z.array(text).default([]),
  source: z.strictObject({ chain_id: z.string(), chain_uid: z.string(), goal: text }),
  created_at: z.string(),
  /** The clarifying questions that were answered, with the answers (proposed defaults next time). */
  questions: z
    .array(z.strictObject({ question: text, answer: z.string(), why: z.string().default('') }))
    .default([]),
  /** The decisions taken (proposals next time, to be confirmed or revised). */
  decisions: z
    .array(z.strictObject({ key: text, choice: text, rationale: z.string().default('') }))
    .default([]),
  /** The discovery prompts that reduced the most uncertainty (confidence gain, 0..1 points), best first. */
  discovery_prompts: z
    .array(z.strictObject({ name: text, confidence_gain: z.number().min(-1).max(1).nullable() }))
    .default([]),
  /** Prompts the chain generated and relied on (prompts/custom/). */
  generated_prompts: z.array(text).default([]),
  /** Overall confidence after each change, in order (e.g. 0.45 → 0.68 → 0.84 → 0.95). */
  uncertainty_path: z.array(unit).default([]),
  approval_iterations: z.number().int().min(0),
  /** Wall time from the chain's creation to its last save (ms), and its model time (sum of call latencies). */
  duration_ms: z.number().min(0),
  model_time_ms: z.number().min(0),
  calls: z.number().int().min(0),
  cost_usd: z.number().min(0).nullable(),
  /** Lessons the extractor tied to evidence in the record. */
  lessons: z.array(text).default([]),
  /** The prompts a similar chain should start with after new_case. */
  suggested_prompts: z.array(text).default([]),
});
export type PatternFrontmatter = z.infer<typeof PatternFrontmatterSchema>;

export interface PatternDoc extends PatternFrontmatter {
  body: string;
  file: string;
  layer: PatternLayer;
  /** A same-named pattern of the user layer that this workspace one replaces. */
  overrides?: string;
}

const refuse = () => {
  throw new Error('only YAML frontmatter is allowed');
};
const MATTER_OPTIONS = {
  language: 'yaml',
  engines: { javascript: refuse, js: refuse, coffee: refuse, coffeescript: refuse, cson: refuse },
};

/**
 * Parses one pattern file. Never throws: every problem is an issue, and `doc` is set only when
 * there are none. The file's stem must equal `name`.
 */
export function parsePatternFile(
  raw: string,
  file: string,
  layer: PatternLayer,
): { doc?: PatternDoc; issues: PromptIssue[] } {
  let parsed: matter.GrayMatterFile<string>;
  try {
    parsed = grayMatter()(raw, MATTER_OPTIONS as never);
  } catch (err) {
    return {
      issues: [
        { file, field: 'frontmatter', problem: `not valid YAML: ${(err as Error).message.split('\n')[0]}` },
      ],
    };
  }
  if (!raw.trimStart().startsWith('---'))
    return {
      issues: [{ file, field: 'frontmatter', problem: 'missing (the file must start with a --- block)' }],
    };
  const result = PatternFrontmatterSchema.safeParse(parsed.data);
  const issues: PromptIssue[] = result.success
    ? []
    : result.error.issues.map((i) => ({
        file,
        field: i.path.join('.') || (i.code === 'unrecognized_keys' ? i.keys.join(', ') : 'frontmatter'),
        problem: i.message,
      }));
  if (result.success && path.basename(file, '.md') !== result.data.name)
    issues.push({
      file,
      field: 'name',
      problem: `must equal the file name stem "${path.basename(file, '.md')}"`,
    });
  if (issues.length || !result.success) return { issues };
  return { doc: { ...result.data, body: parsed.content.trim(), file, layer }, issues };
}

/** The file text of a pattern: frontmatter (YAML) then the body. */
export function serializePattern(fm: PatternFrontmatter, body: string): string {
  return grayMatter().stringify(`${body.trim()}\n`, JSON.parse(JSON.stringify(fm)) as object);
}

/** `$CLAUDE_EXEC_USER_PATTERNS`, else `~/.config/claude-exec/patterns`. */
export function userPatternsDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.CLAUDE_EXEC_USER_PATTERNS || path.join(os.homedir(), '.config', 'claude-exec', 'patterns');
}

/** The workspace's pattern directory. */
export function workspacePatternsDir(workspace: string): string {
  return path.join(workspace, 'patterns');
}

async function patternFiles(dir: string): Promise<string[]> {
  try {
    return (await fs.readdir(dir, { withFileTypes: true }))
      .filter(
        (e) =>
          e.isFile() &&
          e.name.endsWith('.md') &&
          !e.name.startsWith('.') &&
          e.name.toLowerCase() !== 'readme.md',
      )
      .map((e) => path.join(dir, e.name))
      .sort();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return [];
    throw err;
  }
}

/** Reads and validates the pattern files in `dir` as one layer (invalid files become issues). */
export async function readPatternDir(
  dir: string,
  layer: PatternLayer,
): Promise<{ docs: PatternDoc[]; issues: PromptIssue[]; files: number }> {
  const files = await patternFiles(dir);
  const docs: PatternDoc[] = [];
  const issues: PromptIssue[] = [];
  for (const file of files) {
    const r = parsePatternFile(await fs.readFile(file, 'utf8'), file, layer);
    issues.push(...r.issues);
    if (r.doc) docs.push(r.doc);
  }
  return { docs, issues, files: files.length };
}

/**
 * The layered patterns of `workspace`: user < workspace (a later layer's pattern replaces a
 * same-named one and records it in `overrides`). Sorted by name. Invalid files come back as issues.
 * `workspaceLayer: false` (an untrusted workspace) reads the user layer only.
 */
export async function loadPatterns(
  workspace: string,
  opts: { userDir?: string; workspaceLayer?: boolean } = {},
): Promise<{ patterns: PatternDoc[]; issues: PromptIssue[] }> {
  const user = await readPatternDir(opts.userDir ?? userPatternsDir(), 'user');
  const ws =
    opts.workspaceLayer === false
      ? { docs: [], issues: [], files: 0 }
      : await readPatternDir(workspacePatternsDir(workspace), 'workspace');
  const byName = new Map<string, PatternDoc>();
  for (const d of user.docs) byName.set(d.name, d);
  for (const d of ws.docs) {
    const earlier = byName.get(d.name);
    byName.set(d.name, earlier ? { ...d, overrides: earlier.file } : d);
  }
  return {
    patterns: [...byName.values()].sort((a, b) => (a.name < b.name ? -1 : 1)),
    issues: [...user.issues, ...ws.issues],
  };
}
