import { parseIntParam, valueError, ValidationFailed, type FieldError } from '../http/validation.ts';
import { first, firstList, type QueryPairs } from '../http/querystring.ts';
import { parseSince } from './times.ts';

/** What GET /results, /results/latest and the sub-collections select, parsed from the query string. */
export interface ResultFilters {
  since?: { start: number; end: number | null };
  outcomes: string[];
  groups: string[];
  testcases: string[];
  testcasesLike: string[];
  /** Data filters, AND-ed across entries, OR-ed inside one. `like` values are SQL LIKE patterns. */
  data: { key: string; values: string[]; like: boolean }[];
  sort: 'asc' | 'desc';
  distinctOn: string[];
  page: number;
  limit: number;
}

export const RESERVED = new Set([
  'page', 'limit', 'since', 'outcome', 'groups', 'testcases', 'testcases:like', '_sort', '_distinct_on',
]);

/** `*` is the wildcard of every `:like` filter; `%` and `_` keep their SQL meaning, as upstream. */
export const likePattern = (p: string) => p.replace(/\*/g, '%');

export function parseResultFilters(pairs: QueryPairs, outcomes: readonly string[], maxLimit: number): ResultFilters {
  const errors: FieldError[] = [];
  const { page, limit } = parsePaging(pairs, maxLimit, errors);
  const sinceRaw = first(pairs, 'since');
  let since: ResultFilters['since'];
  if (sinceRaw !== undefined) {
    const parsed = parseSince(sinceRaw);
    if (parsed) since = parsed;
    else errors.push(valueError(sinceRaw, 'since', 'must be in ISO8601 format'));
  }
  const outcomeList = firstList(pairs, 'outcome').map((o) => o.toUpperCase());
  if (outcomeList.some((o) => !outcomes.includes(o))) {
    errors.push(valueError(first(pairs, 'outcome'), 'outcome', `must be one of: ${outcomes.join(', ')}`));
  }
  if (errors.length) throw new ValidationFailed(errors);
  const sortRaw = first(pairs, '_sort');
  return {
    since,
    outcomes: outcomeList,
    groups: firstList(pairs, 'groups'),
    testcases: firstList(pairs, 'testcases'),
    testcasesLike: firstList(pairs, 'testcases:like').map(likePattern),
    data: dataFilters(pairs),
    sort: sortRaw === 'asc:submit_time' ? 'asc' : 'desc',
    distinctOn: firstList(pairs, '_distinct_on'),
    page,
    limit,
  };
}

/** `page` and `limit` of every collection; their errors are added to `errors` (or thrown without it). */
export function parsePaging(pairs: QueryPairs, maxLimit: number, errors?: FieldError[]): { page: number; limit: number } {
  const own: FieldError[] = errors ?? [];
  const attempt = (field: string, fallback: number): number => {
    try {
      return parseIntParam(first(pairs, field), field, fallback);
    } catch (e) {
      if (!(e instanceof ValidationFailed)) throw e;
      own.push(...e.errors);
      return fallback;
    }
  };
  const page = attempt('page', 0);
  const limit = Math.min(attempt('limit', 20), maxLimit);
  if (!errors && own.length) throw new ValidationFailed(own);
  return { page: reachablePage(page, limit), limit };
}

/**
 * The stores compute OFFSET page × limit as a 64-bit integer and fail beyond it. No page past 2^53 rows
 * can hold a result, so a larger page number reads as an empty page instead of a 500.
 */
export function reachablePage(page: number, limit: number): number {
  return Math.min(page, Math.floor(Number.MAX_SAFE_INTEGER / Math.max(limit, 1)));
}

/** Every non-reserved parameter filters on result data; repeated keys merge their values. */
function dataFilters(pairs: QueryPairs): ResultFilters['data'] {
  const merged = new Map<string, string[]>();
  for (const [k, v] of pairs) {
    if (RESERVED.has(k)) continue;
    merged.set(k, [...(merged.get(k) ?? []), ...v.split(',')]);
  }
  return [...merged.entries()].map(([param, values]) => {
    const parts = param.split(':');
    // `key:like` is a pattern filter, any other single modifier is ignored; with more colons the
    // whole name is the key, which no stored key can match (keys never contain ':').
    if (parts.length === 2) {
      const like = parts[1] === 'like';
      return { key: parts[0], values: like ? values.map(likePattern) : values, like };
    }
    return { key: param, values, like: false };
  });
}

export function hasAnyFilter(f: ResultFilters): boolean {
  return Boolean(f.since || f.groups.length || f.testcases.length || f.testcasesLike.length || f.data.length);
}

