/**
 * Typed errors that the user can act on. Each carries the process exit code it maps to
 * (DESIGN §1) and an optional one-line hint saying how to fix it. Only `src/cli/main.ts`
 * turns them into an exit; everything else throws.
 */

/** Exit codes, stable and documented in the README (DESIGN §1). */
export const ExitCode = {
  ok: 0,
  failed: 1,
  usage: 2,
  awaitingInput: 3,
  budget: 4,
  llmApi: 5,
  interrupted: 130,
} as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/** Base class: `message` says what failed, `hint` says how to fix it. */
export class ClaudeExecError extends Error {
  readonly exitCode: ExitCodeValue;
  readonly hint: string | undefined;
  constructor(message: string, exitCode: ExitCodeValue, hint?: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.exitCode = exitCode;
    this.hint = hint;
  }
}

/** A bad flag, a missing argument, an unknown chain id. Exit 2. */
export class UsageError extends ClaudeExecError {
  constructor(message: string, hint?: string) {
    super(message, ExitCode.usage, hint);
  }
}

/** An invalid config file, `.env` or environment value. Exit 2. */
export class ConfigError extends ClaudeExecError {
  constructor(message: string, hint?: string) {
    super(message, ExitCode.usage, hint);
  }
}

/** A workspace ships files that need trust and the user has not trusted them (or declined). Exit 2. */
export class UntrustedWorkspaceError extends ClaudeExecError {
  readonly files: string[];
  constructor(message: string, files: string[], hint?: string) {
    super(message, ExitCode.usage, hint);
    this.files = files;
  }
}

/** One problem found in a prompt file: `file: field: problem`. */
export interface PromptIssue {
  file: string;
  field: string;
  problem: string;
}

/** One or more prompt files failed validation. Exit 2. */
export class PromptValidationError extends ClaudeExecError {
  readonly issues: PromptIssue[];
  constructor(issues: PromptIssue[]) {
    const lines = issues.map((i) => `${i.file}: ${i.field}: ${i.problem}`);
    super(
      lines.join('\n'),
      ExitCode.usage,
      'Fix the prompt file(s) above; `claude-exec prompts validate` lists every problem.',
    );
    this.issues = issues;
  }
}

/** A context file that cannot be read, parsed or validated, or a chain that is locked. Exit 2. */
export class ContextFileError extends ClaudeExecError {
  readonly file: string;
  constructor(file: string, message: string, hint?: string) {
    super(`${file}: ${message}`, ExitCode.usage, hint);
    this.file = file;
  }
}

/** The next call would pass `--max-cost`; the call was not made. Exit 4. */
export class BudgetExceededError extends ClaudeExecError {
  readonly spentUsd: number;
  readonly nextCallUsd: number;
  readonly maxCostUsd: number;
  /** `scope`: whose budget, e.g. "workflow step steps.1" (default: the chain's). */
  constructor(spentUsd: number, nextCallUsd: number, maxCostUsd: number, scope?: string) {
    super(
      `${scope ? `${scope} ` : ''}budget reached: spent $${spentUsd.toFixed(4)}, the next call would cost about $${nextCallUsd.toFixed(4)}, limit $${maxCostUsd.toFixed(2)}`,
      ExitCode.budget,
      // The CLI replaces this with the chain's own command (src/cli/outcome.ts hintFor).
      'Continue the chain with `claude-exec resume <chain id> --max-cost HIGHER`.',
    );
    this.spentUsd = spentUsd;
    this.nextCallUsd = nextCallUsd;
    this.maxCostUsd = maxCostUsd;
  }
}

/**
 * The Messages API failed after the SDK's own retries (auth, rate limit, overload, network).
 * `cause` is the SDK's error; `status` and `requestId` come from it. The message never
 * contains an API key. Exit 5.
 */
export class LlmApiError extends ClaudeExecError {
  readonly status: number | undefined;
  readonly requestId: string | undefined;
  constructor(
    message: string,
    opts: { status?: number; requestId?: string; hint?: string; cause?: unknown },
  ) {
    super(message, ExitCode.llmApi, opts.hint, { cause: opts.cause });
    this.status = opts.status;
    this.requestId = opts.requestId;
  }
}

/** The model did not produce a valid result after the allowed corrections; the step failed. Exit 1. */
export class StepFailedError extends ClaudeExecError {
  constructor(message: string, hint?: string) {
    super(message, ExitCode.failed, hint);
  }
}

/**
 * SIGINT/SIGTERM arrived, or Ctrl-C at a question or an approval; the context file was saved
 * as `cancelled`. Exit 130. The CLI adds the hint naming the chain (`claude-exec resume 047`).
 */
export class InterruptedError extends ClaudeExecError {
  constructor(message = 'interrupted', hint?: string) {
    super(message, ExitCode.interrupted, hint);
  }
}

/**
 * Thrown by a gate (a question round, the solution approval, a file change) when no human can
 * answer now (no terminal, no `--yes`). The chain is saved with status `awaiting-input` and the
 * process exits 3; `resume`, `approve` or `answer` continue it.
 */
export class AwaitingInputError extends ClaudeExecError {
  constructor(message: string, hint?: string) {
    super(message, ExitCode.awaitingInput, hint);
  }
}

/** What an errno code means, in words, for the messages of `FileSystemError`. */
const FS_CODES: Record<string, string> = {
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EROFS: 'read-only file system',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOENT: 'no such file or directory',
  ENOTDIR: 'a part of the path is not a directory',
  EISDIR: 'is a directory',
  EEXIST: 'already exists',
  EIO: 'input/output error',
  EMFILE: 'too many open files',
  ESHORT: 'short write (the device accepted fewer bytes than were written)',
};

/** Codes that say the disk or the directory cannot take writes at all (not the model's doing). */
export const FATAL_FS_CODES: ReadonlySet<string> = new Set(['ENOSPC', 'EDQUOT', 'EROFS', 'EIO', 'ESHORT']);

/**
 * A file could not be written (or read, created, locked) because of the file system: disk full,
 * quota, read-only, permission denied, a short write. `code` is the errno code (`ESHORT` for a
 * write that made no progress). The file that was being replaced is left as it was. Exit 1 by
 * default (a chain stopped mid-way; `resume` continues once the cause is fixed), or 2 when the
 * caller says the environment is unusable before anything started.
 */
export class FileSystemError extends ClaudeExecError {
  readonly code: string;
  readonly file: string;
  constructor(
    op: string,
    file: string,
    code: string,
    opts: {
      cause?: unknown;
      written?: number;
      expected?: number;
      exitCode?: ExitCodeValue;
      hint?: string;
    } = {},
  ) {
    const what = FS_CODES[code] ?? code;
    const bytes =
      opts.expected !== undefined ? `, ${opts.written ?? 0} of ${opts.expected} bytes written` : '';
    const kept = op === 'write' || op === 'append to' ? '; the previous version of the file is kept' : '';
    super(
      `cannot ${op} ${file}: ${what} (${code}${bytes})${kept}`,
      opts.exitCode ?? ExitCode.failed,
      opts.hint ?? fsHint(code),
      { cause: opts.cause },
    );
    this.code = code;
    this.file = file;
  }
}

function fsHint(code: string): string {
  if (code === 'ENOSPC' || code === 'EDQUOT' || code === 'ESHORT')
    return 'Free some disk space, then run the command again (`claude-exec resume ID` continues a chain).';
  if (code === 'EROFS' || code === 'EACCES' || code === 'EPERM')
    return 'Make the directory writable, or point --contexts at a writable directory.';
  return 'Fix the file system problem above, then run the command again.';
}
