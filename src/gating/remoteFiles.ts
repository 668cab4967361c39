/**
 * Remote rule files (usually dist-git's gating.yaml) and the HTTP plumbing the Koji client shares:
 * every failure becomes a status (502/504) and a message worded like Greenwave's, never a throw.
 */
import type { RemoteFileFact } from './model.ts';

/** `httpStatus`: the upstream answered, with this unexpected status (not unreachable, not a timeout). */
export type UpstreamFailure = { kind: 'error'; status: number; message: string; httpStatus?: number };

/** What one HTTP exchange gave: a reply (any status), or a failure (`timedOut` tells retryable ones). */
export type UpstreamReply =
  | { kind: 'reply'; status: number; body: string }
  | (UpstreamFailure & { timedOut: boolean });

// Undici's own connect timeout can fire before ours; it is a timeout all the same.
const TIMEOUT_CODES = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

/** One request whose whole exchange, body included, must finish within `timeoutMs`. */
export async function requestUpstream(url: string, init: RequestInit, timeoutMs: number): Promise<UpstreamReply> {
  if (!isHttpUrl(url)) return { ...connectionError(`unsupported URL ${url}`), timedOut: false };
  try {
    const res = await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
    return { kind: 'reply', status: res.status, body: await res.text() };
  } catch (err) {
    if (isTimeout(err)) {
      const message = `Timeout connecting to upstream server: ${url} did not answer within ${timeoutMs} ms`;
      return { kind: 'error', status: 504, message, timedOut: true };
    }
    return { ...connectionError(failureReason(err)), timedOut: false };
  }
}

export function connectionError(reason: string): UpstreamFailure {
  return { kind: 'error', status: 502, message: `Error connecting to upstream server: ${reason}` };
}

export function unexpectedStatus(status: number, url: string, body: string): UpstreamFailure {
  return { kind: 'error', status: 502, message: `Got unexpected status code ${status} for ${url}: ${body}`, httpStatus: status };
}

/** One GET: 200 is the file, 404 is no file, anything else fails the decision. */
export async function fetchRemoteFile(url: string, opts: { timeoutMs?: number } = {}): Promise<RemoteFileFact> {
  const r = await requestUpstream(url, { method: 'GET' }, opts.timeoutMs ?? 30_000);
  if (r.kind === 'error') return { kind: 'error', status: r.status, message: r.message };
  if (r.status === 200) return { kind: 'found', body: r.body };
  if (r.status === 404) return { kind: 'missing' };
  return unexpectedStatus(r.status, url, r.body);
}

function isHttpUrl(url: string): boolean {
  try {
    const { protocol } = new URL(url);
    return protocol === 'http:' || protocol === 'https:';
  } catch {
    return false;
  }
}

function isTimeout(err: unknown): boolean {
  const cause = err instanceof Error ? err.cause : undefined;
  return errorName(err) === 'TimeoutError' || errorName(cause) === 'TimeoutError' || TIMEOUT_CODES.has(errorCode(cause));
}

/** fetch() only says "fetch failed"; the cause has the reason (`connect ECONNREFUSED 127.0.0.1:9`). */
function failureReason(err: unknown): string {
  const cause = err instanceof Error && err.cause !== undefined ? err.cause : err;
  // Trying IPv4 and IPv6 addresses in turn fails with an AggregateError that has no message of its own.
  if (cause instanceof AggregateError && !cause.message) return cause.errors.map(describe).join('; ') || describe(cause);
  return describe(cause);
}

function describe(e: unknown): string {
  if (e instanceof Error) return e.message || errorCode(e) || e.name;
  return String(e);
}

function errorName(e: unknown): string {
  return e instanceof Error ? e.name : '';
}

function errorCode(e: unknown): string {
  const code = e instanceof Error ? (e as { code?: unknown }).code : undefined;
  return typeof code === 'string' ? code : '';
}
