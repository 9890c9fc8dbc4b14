/**
 * Workspace trust, the pure part: which files a workspace ships that would run code, choose where
 * requests go or change what the model is told (its config file, the ```claude-exec block of
 * project_rules.md, AGENTS.md and CLAUDE.md, `.env` entries other than the API key, prompt files,
 * workflows, patterns);
 * one hash over them; the state of a workspace against the user's trust store; and the plain
 * account of what those files would change, shown before the user agrees. The file work is in
 * ./trustStore.ts (after direnv's `allow` and VS Code's Workspace Trust: trust a path and its
 * content, ask again when the content changes).
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import { USER_ONLY_KEYS } from './schema.js';

export const TRUST_KINDS = [
  'config',
  'rules-block',
  'instructions',
  'env',
  'prompt',
  'workflow',
  'pattern',
] as const;
type TrustKind = (typeof TRUST_KINDS)[number];

/** One workspace file (or part of one) that needs trust; `file` relative to the workspace, `/`-separated. */
export interface TrustInput {
  file: string;
  kind: TrustKind;
  /** The text that takes effect: the file, the rules block, or the `.env` lines that count. */
  text: string;
}

/** A trusted workspace in the store, keyed by its real path. */
export interface TrustEntry {
  /** trustHash of the inputs the user agreed to. */
  hash: string;
  trusted_at: string;
  files: string[];
}

/**
 * `.env` names claude-exec reads besides ANTHROPIC_API_KEY, which counts without trust.
 * ANTHROPIC_AUTH_TOKEN and CLAUDE_EXEC_BACKEND are never taken from a workspace (they are listed
 * so that the user is told they are ignored).
 */
export const ENV_TRUST_NAMES = [
  'ANTHROPIC_BASE_URL',
  'ANTHROPIC_AUTH_TOKEN',
  'CLAUDE_EXEC_BACKEND',
  'COST_ALERT_THRESHOLD',
  'TOKEN_LIMIT_WARNING',
  'CLAUDE_EXEC_MAX_COST',
  'DEFAULT_MODEL',
] as const;
/** `.env` names a workspace never supplies, trusted or not: credentials other than the key, and the backend. */
export const ENV_NEVER_FROM_WORKSPACE = ['ANTHROPIC_AUTH_TOKEN', 'CLAUDE_EXEC_BACKEND'] as const;

/** sha256 (hex) of `text`. */
export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** One hash over every input (sorted by file, then kind): any change to any of them changes it. */
export function trustHash(inputs: readonly TrustInput[]): string {
  const h = createHash('sha256');
  for (const i of [...inputs].sort((a, b) =>
    a.file === b.file ? (a.kind < b.kind ? -1 : 1) : a.file < b.file ? -1 : 1,
  )) {
    h.update(`${i.kind}\0${i.file}\0${i.text.length}\0${i.text}\0`);
  }
  return `sha256:${h.digest('hex')}`;
}

/**
 * not-needed: nothing to trust · trusted: the user trusted exactly these files · changed: trusted
 * before, the files changed since · untrusted: never trusted.
 */
export type TrustState = 'not-needed' | 'trusted' | 'changed' | 'untrusted';

export function trustState(inputs: readonly TrustInput[], entry: TrustEntry | undefined): TrustState {
  if (inputs.length === 0) return 'not-needed';
  if (!entry) return 'untrusted';
  return entry.hash === trustHash(inputs) ? 'trusted' : 'changed';
}

/** The `KEY=value` pairs of the `.env` entries that need trust, one per line, sorted. */
export function envTrustText(parsed: Record<string, string>): string {
  return ENV_TRUST_NAMES.filter((k) => parsed[k] !== undefined)
    .map((k) => `${k}=${parsed[k]}`)
    .join('\n');
}

const short = (v: unknown, max = 120) => {
  const s = typeof v === 'string' ? v : JSON.stringify(v);
  return s.length > max ? `${s.slice(0, max)}…` : s;
};

/** Lines for a workspace's `hooks`: each command, at its event; they run outside the sandbox, with the user's rights. */
function hookEffects(source: string, value: unknown): string[] {
  const lines: string[] = [];
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    for (const [event, list] of Object.entries(value)) {
      for (const hook of Array.isArray(list) ? list : [list]) {
        const argv: unknown =
          hook && typeof hook === 'object' ? (hook as { command?: unknown }).command : hook;
        const shownArgv = Array.isArray(argv) ? argv.map((a) => short(a, 60)).join(' ') : short(argv);
        lines.push(
          `${source}: runs ${shownArgv} at ${event} — a hook, OUTSIDE the sandbox, with your rights, files and network`,
        );
      }
    }
  }
  return lines.length
    ? lines
    : [`${source}: sets hooks = ${short(value)} (commands run outside the sandbox)`];
}

/** Lines for the keys of one config source (parsed config file or rules block). */
function configEffects(source: string, json: Record<string, unknown>): string[] {
  const out: string[] = [];
  for (const [key, value] of Object.entries(json)) {
    if ((USER_ONLY_KEYS as readonly string[]).includes(key)) {
      out.push(
        `${source}: ${key} = ${short(value)} — ignored even when trusted (only your user config, the environment or a flag sets ${key})`,
      );
    } else if (key === 'test_command') {
      out.push(
        `${source}: runs the test command ${Array.isArray(value) ? value.map((a) => short(a, 60)).join(' ') : short(value)} (in the sandbox unless you turned it off)`,
      );
    } else if (key === 'checks' && value && typeof value === 'object' && !Array.isArray(value)) {
      for (const [name, argv] of Object.entries(value)) {
        const check = short(name, 32);
        out.push(
          Array.isArray(argv) && argv.length
            ? `${source}: runs the ${check} check ${argv.map((a) => short(a, 60)).join(' ')} (in the sandbox unless you turned it off)`
            : `${source}: turns off the ${check} check`,
        );
      }
    } else if (key === 'specs_dir') {
      out.push(`${source}: writes chain specs to ${short(value)}`);
    } else if (key === 'prompt_dirs') {
      out.push(`${source}: adds prompt directories ${short(value)}`);
    } else if (key === 'hooks') {
      out.push(...hookEffects(source, value));
    } else if (key === 'quality_gates') {
      out.push(`${source}: runs the quality gates ${short(value)}`);
    } else if (value && typeof value === 'object' && !Array.isArray(value)) {
      out.push(
        `${source}: sets ${Object.keys(value)
          .map((k) => `${key}.${k}`)
          .join(', ')}`,
      );
    } else {
      out.push(`${source}: sets ${key} = ${short(value)}`);
    }
  }
  return out;
}

/**
 * What each input would change, one line each, for the question and `claude-exec trust`.
 * `parseConfig` turns a config file's or rules block's text into its keys (null: unreadable);
 * `builtinPrompts` / `builtinWorkflows`: names a workspace file would override.
 */
export function describeTrustInputs(
  inputs: readonly TrustInput[],
  ctx: {
    parseConfig: (input: TrustInput) => Record<string, unknown> | null;
    builtinPrompts: ReadonlySet<string>;
    builtinWorkflows: ReadonlySet<string>;
  },
): string[] {
  const out: string[] = [];
  for (const i of inputs) {
    const stem = path.posix.basename(i.file).replace(/\.(md|ya?ml)$/i, '');
    switch (i.kind) {
      case 'config':
      case 'rules-block': {
        const source = i.kind === 'config' ? i.file : `${i.file} (claude-exec block)`;
        const json = ctx.parseConfig(i);
        out.push(
          ...(json
            ? configEffects(source, json)
            : [`${source}: not readable as config (a run reports the error)`]),
        );
        break;
      }
      case 'instructions':
        out.push(`${i.file}: adds its text to the system prompt of every request, as project instructions`);
        break;
      case 'env':
        for (const line of i.text.split('\n')) {
          const [name, ...rest] = line.split('=');
          const value = rest.join('=');
          if (name === 'ANTHROPIC_BASE_URL')
            out.push(`${i.file}: sends every request, with your API key, to ${short(value)}`);
          else if ((ENV_NEVER_FROM_WORKSPACE as readonly string[]).includes(name!))
            out.push(`${i.file}: ${name} — ignored even when trusted (only your environment sets it)`);
          else out.push(`${i.file}: sets ${name} = ${short(value)}`);
        }
        break;
      case 'prompt':
        if (/^prompts\/evals\/[^/]+\/[^/]+$/.test(i.file)) {
          out.push(
            `${i.file}: adds an eval case of ${i.file.split('/')[2]} (\`prompts eval\` sends its inputs to the model, its rubric to the judge model it names)`,
          );
          break;
        }
        out.push(
          ctx.builtinPrompts.has(stem)
            ? `${i.file}: replaces the built-in prompt ${stem}${stem === 'phase_controller' ? ' (the system prompt of every request)' : ''}`
            : `${i.file}: adds the prompt ${stem}, which chains may run`,
        );
        break;
      case 'workflow':
        out.push(
          ctx.builtinWorkflows.has(stem)
            ? `${i.file}: replaces the built-in workflow ${stem}`
            : `${i.file}: adds the workflow ${stem}`,
        );
        break;
      case 'pattern':
        out.push(
          `${i.file}: adds the pattern ${stem} (its answers and decisions are proposed to new chains)`,
        );
        break;
    }
  }
  return out;
}
