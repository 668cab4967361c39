/**
 * Koji: an XML-RPC client for the two calls gating needs (getBuild, getTaskRequest), and the pure
 * helpers around a build (NVR check, creation time, SCM URL), with Greenwave's error wording.
 */
import type { KojiBuildFact } from './model.ts';
import { connectionError, requestUpstream, unexpectedStatus, type UpstreamFailure, type UpstreamReply } from './remoteFiles.ts';
import { decodeResponse, encodeCall } from './xmlrpc.ts';

/** name-version-release: at least three dash-separated parts, none empty (the name may contain dashes). */
export const NVR_PATTERN = /^[^-]+(?:-[^-]+){2,}$/;

export function isValidNvr(nvr: string): boolean {
  return typeof nvr === 'string' && NVR_PATTERN.test(nvr);
}

/** A failed Koji call, for the callers that throw (getTaskRequest); `status` is 502 or 504. */
export class KojiError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
    this.name = 'KojiError';
  }
}

export interface KojiClientOptions {
  url: string;
  /** Per attempt, body included. */
  timeoutMs?: number;
  /** Total attempts when an attempt times out (3 = at most 3 requests); other failures are not retried. */
  retries?: number;
}

type CallResult = { kind: 'value'; value: unknown } | UpstreamFailure;

export class KojiClient {
  readonly url: string;
  private readonly timeoutMs: number;
  private readonly attempts: number;

  constructor(opts: KojiClientOptions) {
    this.url = opts.url;
    this.timeoutMs = opts.timeoutMs ?? 15_000;
    const retries = opts.retries ?? 3;
    this.attempts = Number.isFinite(retries) ? Math.max(1, Math.trunc(retries)) : 1;
  }

  /** Never throws: a failure is a `{kind: 'error'}` fact, which the engine turns into a 502/504. */
  async getBuild(nvr: string): Promise<KojiBuildFact> {
    const r = await this.call('getBuild', [nvr]);
    return r.kind === 'error' ? r : buildFact(r.value);
  }

  /** `[source, target, opts]` for a build task; null when Koji answers anything but an array. Throws KojiError. */
  async getTaskRequest(taskId: number): Promise<unknown[] | null> {
    const r = await this.call('getTaskRequest', [taskId]);
    if (r.kind === 'error') throw new KojiError(r.status, r.message);
    return Array.isArray(r.value) ? r.value : null;
  }

  private async call(method: string, params: unknown[]): Promise<CallResult> {
    const init: RequestInit = { method: 'POST', headers: { 'content-type': 'text/xml' }, body: encodeCall(method, params) };
    let reply: UpstreamReply;
    let attempt = 0;
    do {
      reply = await requestUpstream(this.url, init, this.timeoutMs);
      attempt++;
    } while (reply.kind === 'error' && reply.timedOut && attempt < this.attempts);
    if (reply.kind === 'error') return { kind: 'error', status: reply.status, message: reply.message };
    if (reply.status !== 200) return unexpectedStatus(reply.status, this.url, reply.body);
    return decodeReply(reply.body);
  }
}

function decodeReply(body: string): CallResult {
  let res: ReturnType<typeof decodeResponse>;
  try {
    res = decodeResponse(body);
  } catch {
    return connectionError('invalid XML-RPC response');
  }
  if ('fault' in res) return { kind: 'error', status: 502, message: `Koji XMLRPC fault due to: '${res.fault.faultString}'` };
  return { kind: 'value', value: res.value };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !Buffer.isBuffer(v);
}

/** getBuild answers a struct, or nil for an unknown build (Greenwave also takes an empty struct as none). */
function buildFact(value: unknown): KojiBuildFact {
  if (value === null || (isRecord(value) && Object.keys(value).length === 0)) return { kind: 'not-found' };
  if (!isRecord(value)) return connectionError('invalid XML-RPC response');
  return {
    kind: 'found',
    source: buildSource(value),
    creation_time: typeof value.creation_time === 'string' ? value.creation_time : null,
    task_id: toInteger(value.task_id),
  };
}

/** `source`, else the URL the build was submitted with (`extra.source.original_url`). */
function buildSource(build: Record<string, unknown>): string | null {
  if (typeof build.source === 'string' && build.source) return build.source;
  const extra = build.extra;
  const source = isRecord(extra) ? extra.source : undefined;
  const original = isRecord(source) ? source.original_url : undefined;
  return typeof original === 'string' && original ? original : null;
}

function toInteger(v: unknown): number | null {
  if (typeof v === 'number' && Number.isSafeInteger(v)) return v;
  if (typeof v === 'bigint' && Number.isSafeInteger(Number(v))) return Number(v);
  return null;
}

// `2021-10-02 12:34:56[.123456][Z|+02:00|+0200]`, with a space or a T.
const KOJI_TIME = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:(Z)|([+-])(\d{2}):?(\d{2}))?$/i;

/** µs since the epoch of a Koji creation_time; a time without an offset is UTC. Null when unparsable. */
export function parseKojiTime(s: string | null): number | null {
  if (typeof s !== 'string') return null;
  const m = KOJI_TIME.exec(s.trim());
  if (!m) return null;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const ms = utcMillis(year, month, day, hour, minute, second);
  if (ms === null) return null;
  const offsetMinutes = m[9] ? offset(m[9], Number(m[10]), Number(m[11])) : 0;
  if (offsetMinutes === null) return null;
  const micros = Number((m[7] ?? '').slice(0, 6).padEnd(6, '0')); // finer digits are dropped, not rounded
  return (ms - offsetMinutes * 60_000) * 1000 + micros;
}

/** Null for a date or time that does not exist (Feb 30, 24:00, leap seconds). */
function utcMillis(year: number, month: number, day: number, hour: number, minute: number, second: number): number | null {
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day); // unlike Date.UTC, years 0–99 stay themselves
  d.setUTCHours(hour, minute, second, 0);
  const same = d.getUTCFullYear() === year && d.getUTCMonth() === month - 1 && d.getUTCDate() === day
    && d.getUTCHours() === hour && d.getUTCMinutes() === minute && d.getUTCSeconds() === second;
  return same ? d.getTime() : null;
}

function offset(sign: string, hours: number, minutes: number): number | null {
  if (hours > 23 || minutes > 59) return null;
  return (sign === '-' ? -1 : 1) * (hours * 60 + minutes);
}

export type ScmUrl = { namespace: string; name: string; rev: string };

/**
 * Greenwave's reading of a build's SCM URL (`git+https://src.fedoraproject.org/rpms/bash.git#abc123`
 * → rpms, bash, abc123): the namespace is the path's second-to-last component ('' for a shorter path),
 * the revision is the URL fragment (required), the name the last component without `.git`.
 */
export function parseScmUrl(source: string, nvr: string, kojiUrl: string): ScmUrl | { error: string } {
  const url = pyUrlParse(source);
  const parts = url.path.split('/');
  const namespace = parts.length < 3 ? '' : parts[parts.length - 2]!;
  if (!url.fragment) {
    return {
      error: `Failed to parse SCM URL "${source}" from Koji build "${nvr}" at "${kojiUrl}" `
        + '(missing URL fragment with SCM revision information)',
    };
  }
  const name = parts[parts.length - 1]!.replace(/\.git$/, '');
  return { namespace, name, rev: url.fragment };
}

// Python's urllib.parse.uses_params: only these schemes get `;params` cut off the last path segment.
const USES_PARAMS = new Set(['', 'ftp', 'hdl', 'prospero', 'http', 'imap', 'https', 'shttp', 'rtsp', 'rtspu', 'sip', 'sips', 'mms', 'sftp', 'tel']);

/** Python's urllib.parse.urlparse, as far as path and fragment go (WHATWG URL differs for git+https). */
function pyUrlParse(input: string): { scheme: string; path: string; fragment: string } {
  let rest = input.replace(/^[\x00-\x20]+/, '').replace(/[\t\r\n]/g, '');
  let scheme = '';
  const colon = rest.indexOf(':');
  if (colon > 0 && /^[A-Za-z][A-Za-z0-9+\-.]*$/.test(rest.slice(0, colon))) {
    scheme = rest.slice(0, colon).toLowerCase();
    rest = rest.slice(colon + 1);
  }
  if (rest.startsWith('//')) {
    const end = rest.slice(2).search(/[/?#]/);
    rest = end < 0 ? '' : rest.slice(2 + end);
  }
  let fragment = '';
  const hash = rest.indexOf('#');
  if (hash >= 0) [rest, fragment] = [rest.slice(0, hash), rest.slice(hash + 1)];
  const query = rest.indexOf('?');
  if (query >= 0) rest = rest.slice(0, query);
  if (USES_PARAMS.has(scheme) && rest.includes(';')) rest = rest.slice(0, paramsStart(rest));
  return { scheme, path: rest, fragment };
}

/** Python's _splitparams: the `;` in the last path segment (or the first one when there is no `/`). */
function paramsStart(path: string): number {
  const slash = path.lastIndexOf('/');
  const i = slash >= 0 ? path.indexOf(';', slash) : path.indexOf(';');
  return i < 0 ? path.length : i;
}
