/**
 * Answers of repeated decisions (Bodhi and rebuild bots ask the same question again and again) kept
 * with the store's change token they were computed under. An answer is served again only when the
 * token read at request time is the same (no result or waiver of the subjects was added since, by
 * any process) and no instant that changes it (a waiver's expiry) has passed: deviations item 12
 * holds, the cache never hides a new failure. Pure: no I/O, the caller reads the token.
 */
import type { WaiverRow } from '../waivers/serialize.ts';
import type { DecisionRequest } from './request.ts';

interface Entry {
  token: string;
  /** The answer as sent. */
  bytes: Buffer;
  /** µs since the epoch; the answer may change at this instant without a new row. */
  validUntil: number;
  /** The policy set it was computed with; a reload replaces the set. */
  policies: object;
  size: number;
}

export interface CacheStats {
  hits: number;
  misses: number;
  entries: number;
  bytes: number;
}

/** A least-recently-used map of answers, bounded by their total size. */
export class DecisionCache {
  private readonly entries = new Map<string, Entry>();
  private bytes = 0;
  readonly stats = { hits: 0, misses: 0 };

  constructor(private readonly maxBytes: number) {}

  get enabled(): boolean {
    return this.maxBytes > 0;
  }

  /** The answer stored under `key` if it still holds for this token, policy set and instant. */
  get(key: string, token: string, policies: object, now: number): Buffer | undefined {
    const e = this.entries.get(key);
    if (!e || e.token !== token || e.policies !== policies || now >= e.validUntil) {
      this.stats.misses++;
      return undefined;
    }
    this.stats.hits++;
    // Most recently used goes last, so eviction takes the first.
    this.entries.delete(key);
    this.entries.set(key, e);
    return e.bytes;
  }

  set(key: string, token: string, policies: object, validUntil: number, bytes: Buffer): void {
    // The key is a JS string: two bytes a character.
    const size = 2 * key.length + bytes.length;
    if (!this.enabled || size > this.maxBytes) return;
    this.drop(key);
    this.entries.set(key, { token, bytes, validUntil, policies, size });
    this.bytes += size;
    for (const oldest of this.entries.keys()) {
      if (this.bytes <= this.maxBytes) break;
      this.drop(oldest);
    }
  }

  snapshot(): CacheStats {
    return { ...this.stats, entries: this.entries.size, bytes: this.bytes };
  }

  private drop(key: string): void {
    const e = this.entries.get(key);
    if (!e) return;
    this.bytes -= e.size;
    this.entries.delete(key);
  }
}

/**
 * The cache key of a request whose answer depends only on the store's current rows and the policy set:
 * null for `when` (as-of answers), `verbose` (they carry testcase ref_urls, which can change) and
 * on-demand `rules`. The key is the parsed request, so spelling differences of one body do not matter
 * and the answer's echo of the subject type as asked stays part of it.
 */
export function decisionCacheKey(req: DecisionRequest, body: Record<string, unknown>): string | null {
  const q = req.query;
  if (req.onDemand || q.when !== null || q.verbose) return null;
  return JSON.stringify([
    q.productVersion,
    q.contexts,
    body.subject ?? [body.subject_type, body.subject_identifier],
    [...q.ignoreResults],
    [...q.ignoreWaivers],
  ]);
}

/**
 * Until when an answer computed at `now` from these waivers holds without a new row: the first
 * future instant at which a waiver becomes current (its timestamp) or stops waiving (its expiry).
 */
export function validUntil(waivers: readonly WaiverRow[], now: number): number {
  let until = Number.POSITIVE_INFINITY;
  for (const w of waivers) {
    if (w.timestamp > now && w.timestamp < until) until = w.timestamp;
    if (w.expires_at !== null && w.expires_at > now && w.expires_at < until) until = w.expires_at;
  }
  return until;
}
