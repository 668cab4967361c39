/** Small pieces shared by the `submit` and `query` commands: errors, URL handling, one fetch wrapper. */

/** Bad command-line input: printed as one line, exit code 2. */
export class UsageError extends Error {}

/** The server answered non-2xx or could not be reached: printed as one line, exit code 1. */
export class RequestError extends Error {}

/** What `POST /api/v2.0/results` accepts (the subset this CLI sends). */
export interface ResultBody {
  testcase: { name: string };
  outcome: string;
  note?: string;
  ref_url?: string;
  data?: Record<string, string | string[]>;
  groups?: Array<string | { uuid: string; description?: string }>;
  submit_time?: string | number;
}

export const DEFAULT_URL = 'http://127.0.0.1:5001';
export const URL_HELP = `server base URL (default: $RESULTSDB_URL or ${DEFAULT_URL})`;

/** The API root for a `--url` value; tolerates a trailing slash or an already appended `/api/v2.0`. */
export function apiRoot(url: string | undefined): string {
  const raw = url ?? (process.env.RESULTSDB_URL || DEFAULT_URL); // an empty variable counts as unset
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new UsageError(`invalid --url '${raw}'`);
  }
  if (!/^https?:$/.test(parsed.protocol)) throw new UsageError(`--url must be http(s): '${raw}'`);
  return raw.replace(/\/+$/, '').replace(/\/api\/v2\.0$/, '') + '/api/v2.0';
}

/** Collects a repeatable option into an array (commander's `fn(value, previous)` hook). */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** Splits `k=v` at the first `=`; the value may be empty, the key may not. */
export function splitKeyValue(arg: string, flag = '--data'): [string, string] {
  const i = arg.indexOf('=');
  if (i <= 0) throw new UsageError(`${flag} expects KEY=VALUE, got '${arg}'`);
  return [arg.slice(0, i), arg.slice(i + 1)];
}

/** Splits a comma-separated option value, dropping empty entries. */
export function splitList(value: string | undefined): string[] {
  return (value ?? '').split(',').map((s) => s.trim()).filter(Boolean);
}

export interface ApiResponse {
  status: number;
  /** Body exactly as received, for `--json` output. */
  text: string;
  json: any;
}

/** One HTTP call; non-2xx and network failures become RequestError with a one-line message. */
export async function request(method: 'GET' | 'POST', url: string, body?: unknown): Promise<ApiResponse> {
  const res = await send(method, url, body);
  if (!res.ok) throw new RequestError(`server returned ${res.status} for ${method} ${new URL(url).pathname}: ${serverMessage(res.json, res.text)}`);
  // A login page or another service answering 200 must not pass for success.
  if (!res.json || typeof res.json !== 'object') {
    throw new RequestError(`${new URL(url).origin} answered ${res.status} without a JSON object for ${method} ${new URL(url).pathname}: is it a resultsdb server?`);
  }
  return res;
}

/** The result a POST created, or a RequestError when the answer is not one. */
export function createdResult(res: ApiResponse, url: string): { id: number; href: string } {
  if (typeof res.json?.id !== 'number') throw new RequestError(`unexpected response from ${url}: no result id`);
  return res.json;
}

/**
 * The fetch every command makes: JSON in and out, a timeout, a bearer token when given. A network
 * failure is a RequestError; a non-2xx answer is returned (`ok` false) for the caller to word.
 */
export async function send(method: 'GET' | 'POST', url: string, body?: unknown, token?: string): Promise<ApiResponse & { ok: boolean }> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (token) headers.authorization = `Bearer ${token}`;
  let res: Response;
  try {
    res = await fetch(url, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(60_000), // a CLI must not hang forever on a stuck server
    });
  } catch (err) {
    throw new RequestError(`cannot connect to ${new URL(url).origin}: ${networkReason(err)}`);
  }
  let text: string;
  try {
    text = await res.text();
  } catch (err) {
    throw new RequestError(`connection to ${new URL(url).origin} lost while reading the answer: ${networkReason(err)}`);
  }
  let json: any = undefined;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    // non-JSON body: only useful for an error message
  }
  return { ok: res.ok, status: res.status, text, json };
}

/** Left-aligned columns two spaces apart, no trailing blanks (an empty last cell leaves no padding). */
export function table(rows: unknown[][]): string {
  const cells = rows.map((row) => row.map(cell));
  const widths = cells[0].map((_, i) => Math.max(...cells.map((row) => row[i].length)));
  return cells.map((row) => row.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd()).join('\n');
}

/** Control characters (say a newline in a testcase name) would break the alignment. */
export function cell(value: unknown): string {
  return String(value ?? '').replace(/[\u0000-\u001f\u007f]/g, ' ');
}

export function print(text: string): void {
  process.stdout.write(text.endsWith('\n') ? text : text + '\n');
}

function networkReason(err: unknown): string {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e.name === 'TimeoutError') return 'request timed out';
  return e.cause?.code ?? e.cause?.message ?? e.message ?? String(err);
}

/** ResultsDB errors carry `message` and/or `validation_error`; show them compactly on one line. */
function serverMessage(json: any, text: string): string {
  const parts = json && typeof json === 'object'
    ? ['message', 'validation_error'].filter((k) => json[k] !== undefined)
        .map((k) => (typeof json[k] === 'string' ? json[k] : `${k}: ${JSON.stringify(json[k])}`))
    : [];
  const msg = parts.length ? parts.join('; ') : text.trim() || '(empty body)';
  return oneLine(msg, 500);
}

function oneLine(s: string, max: number): string {
  const flat = s.replace(/\s*\n\s*/g, ' ');
  return flat.length > max ? flat.slice(0, max - 1) + '…' : flat;
}

/**
 * Wraps a command action so every failure ends as one `resultsdb: …` line on stderr
 * with the agreed exit code (2 usage, 1 everything else) instead of a stack trace.
 */
export function action<A extends unknown[]>(fn: (...args: A) => Promise<void>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      await fn(...args);
    } catch (err) {
      const msg = err instanceof Error ? err.message : String(err);
      process.stderr.write(`resultsdb: ${oneLine(msg, 2000)}\n`);
      process.exitCode = err instanceof UsageError ? 2 : 1;
    }
  };
}
