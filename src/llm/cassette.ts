/**
 * Cassettes: every request a chain sends to the Messages API and the response it got, in order,
 * beside the context file (`chain-NNN-….cassette.jsonl.gz`), so the chain can be replayed offline
 * (src/features/replay/replay.ts) and a change to a prompt, the memory or the tools shows where the requests
 * would differ.
 *
 * Format: gzip members appended one per record (a multi-member gzip file is one valid gzip stream),
 * each holding one JSON line: first a `header` (the chain, its goal, the flags that shape its
 * requests, the workspace's starting commit), then one `exchange` per HTTP request in the order the
 * requests were sent, and one `gate` per human gate the chain passed (questions answered, the
 * solution decided, a file change decided), so a replay gives the same answers at the gates
 * (src/features/replay/replayGates.ts). No header of the request is kept (so neither `x-api-key` nor `authorization`);
 * the values of the known secrets are replaced with `[redacted]` wherever they appear.
 */
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { gunzipSync, gzipSync } from 'node:zlib';

export const CASSETTE_VERSION = 1;

export interface CassetteHeader {
  kind: 'header';
  cassette: typeof CASSETTE_VERSION;
  chain_id: string;
  goal: string;
  /** The workspace's HEAD commit when the chain started, or null (no git, no commit). */
  commit: string | null;
  /** Workspace-relative path of the workspace inside its repository ('' at the top). */
  prefix: string;
  /** The workspace's absolute path when recorded (a replay runs elsewhere; compared as one placeholder). */
  workspace: string;
  created_at: string;
  /** The flags of the run that shape its requests (e.g. --yes, --model M, --workflow W). */
  flags: string[];
}

export interface CassetteExchange {
  kind: 'exchange';
  /** 0-based order in which the requests were sent. */
  seq: number;
  request: { method: string; path: string; body: unknown };
  response: { status: number; content_type: string | null; request_id: string | null; body: string };
}

/** What a gate was answered with: the answers by question id, the solution decision, or a file change's. */
export type GateAnswer =
  | { gate: 'questions'; answers: Record<string, string> }
  | { gate: 'solution'; response: 'approved' | 'rejected' | 'more-info'; note: string | null }
  | { gate: 'file-change'; path: string; approved: boolean; reason: string | null; all: boolean };

export type CassetteGate = {
  kind: 'gate';
  /** Exchanges sent before the gate was answered. */
  after: number;
  /** Who answered: at a terminal, a recorded answer (`answer`/`approve`), --yes, or a fork repeating its source. */
  by: 'user' | 'recorded' | 'yes' | 'fork';
} & GateAnswer;

export type CassetteRecord = CassetteHeader | CassetteExchange | CassetteGate;

/** Where the cassette of the chain saved in `contextFile` is. */
export function cassettePath(contextFile: string): string {
  return contextFile.replace(/\.json$/, '.cassette.jsonl.gz');
}

/** `text` with every secret value (8 characters or more) replaced with `[redacted]`. */
function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) if (s.length >= 8) out = out.split(s).join('[redacted]');
  return out;
}

/**
 * Records the exchanges of an SDK client: give `recorder.fetch` to the SDK as its `fetch`. Nothing
 * is written until `open` names the file (a client is made before its chain exists); requests made
 * before are not recorded.
 */
export class CassetteRecorder {
  private file: string | null = null;
  private seq = 0;
  private writes: Promise<void> = Promise.resolve();

  constructor(private readonly secrets: readonly string[]) {}

  /**
   * Starts (or, for a file that exists, continues) the cassette `file`; a new file starts with
   * `header`. Throws the file system's error when the header cannot be written.
   */
  open(file: string, header: Omit<CassetteHeader, 'kind' | 'cassette'>): void {
    if (existsSync(file)) {
      this.seq = readCassette(file).filter((r) => r.kind === 'exchange').length;
    } else {
      appendFileSync(
        file,
        gzipSync(`${JSON.stringify({ kind: 'header', cassette: CASSETTE_VERSION, ...header })}\n`),
      );
    }
    this.file = file;
  }

  /** Appends how a gate was answered (nothing while no cassette is open). Never throws: a chain does not fail for its cassette. */
  gate(answer: GateAnswer, by: CassetteGate['by']): void {
    if (!this.file) return;
    try {
      const record: CassetteGate = { kind: 'gate', after: this.seq, by, ...answer };
      appendFileSync(this.file, gzipSync(`${JSON.stringify(record)}\n`));
    } catch {
      // the recording misses this gate; the replay then stops at it
    }
  }

  /** Resolves once every exchange recorded so far is written. */
  flushed(): Promise<void> {
    return this.writes;
  }

  /**
   * A fetch that forwards to the global fetch and records the exchange once its body is read. A
   * string body (the SDK's JSON) is handed over as its UTF-8 bytes: the bytes fetch would send (a
   * lone surrogate becomes U+FFFD either way), without fetch's scan of the string for lone
   * surrogates first (tenths of a ms for a request of 60 KB).
   */
  readonly fetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const file = this.file;
    const sent = typeof init?.body === 'string' ? { ...init, body: Buffer.from(init.body, 'utf8') } : init;
    if (!file) return fetch(input, sent);
    // The order in which requests are sent (concurrent steps answer in either order).
    const seq = this.seq++;
    const res = await fetch(input, sent);
    const url = new URL(typeof input === 'string' || input instanceof URL ? input : input.url);
    const bodyText = typeof init?.body === 'string' ? init.body : null;
    let body: unknown = bodyText;
    try {
      body = bodyText === null ? null : JSON.parse(redact(bodyText, this.secrets));
    } catch {
      body = bodyText === null ? null : redact(bodyText, this.secrets);
    }
    const copy = res.clone();
    const record = copy.text().then(
      (text) => {
        const exchange: CassetteExchange = {
          kind: 'exchange',
          seq,
          request: { method: init?.method ?? 'GET', path: url.pathname, body },
          response: {
            status: res.status,
            content_type: res.headers.get('content-type'),
            request_id: res.headers.get('request-id'),
            body: redact(text, this.secrets),
          },
        };
        appendFileSync(file, gzipSync(`${JSON.stringify(exchange)}\n`));
      },
      () => undefined,
    );
    this.writes = this.writes.then(() => record);
    return res;
  };
}

function readRecords(file: string): CassetteRecord[] {
  const lines = gunzipSync(readFileSync(file)).toString('utf8').split('\n').filter(Boolean);
  const records = lines.map((l) => JSON.parse(l) as CassetteRecord);
  const header = records[0];
  if (header?.kind !== 'header') throw new Error(`${file} is not a claude-exec cassette (no header)`);
  if (header.cassette > CASSETTE_VERSION)
    throw new Error(
      `${file} was written by a newer claude-exec (cassette version ${header.cassette}; this version reads ${CASSETTE_VERSION})`,
    );
  return records;
}

/**
 * The header and exchanges of cassette `file`, exchanges sorted by `seq` (gates left out: `readGates`).
 * Throws Error for a file that is not a cassette (no header first, or a newer version).
 */
export function readCassette(file: string): [CassetteHeader, ...CassetteExchange[]] {
  const records = readRecords(file);
  const exchanges = records
    .filter((r): r is CassetteExchange => r.kind === 'exchange')
    .sort((a, b) => a.seq - b.seq);
  return [records[0] as CassetteHeader, ...exchanges];
}

/** The gates of cassette `file`, in the order they were answered. Throws as `readCassette`. */
export function readGates(file: string): CassetteGate[] {
  return readRecords(file).filter((r): r is CassetteGate => r.kind === 'gate');
}
