import { pyRepr } from '../results/pyformat.ts';

/**
 * Python 3.11+ `datetime.fromisoformat`, which WaiverDB parses `since` with: a date YYYY-MM-DD or
 * YYYYMMDD, optionally any one separator character and a time HH[:MM[:SS[.f…]]] (or without colons),
 * then Z or ±HH[:MM[:SS[.f…]]]. ISO week dates are not accepted. Unlike upstream (which compared an
 * aware datetime with naive UTC columns), an offset is converted to UTC. Returns µs since the epoch.
 */
export function fromIsoformat(s: string): number | null {
  const date = /^(\d{4})-(\d{2})-(\d{2})/.exec(s) ?? /^(\d{4})(\d{2})(\d{2})/.exec(s);
  if (!date) return null;
  const rest = s.slice(date[0].length);
  if (rest !== '' && rest.length < 3) return null; // a separator and at least HH
  const time = rest === '' ? { h: 0, m: 0, sec: 0, us: 0, offset: 0 } : parseTime(rest.slice(1));
  if (!time) return null;
  const [y, mo, d] = [Number(date[1]), Number(date[2]), Number(date[3])];
  const leap = y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
  if (y < 1 || mo < 1 || mo > 12 || d < 1 || d > days[mo - 1]) return null;
  const day = new Date(0);
  day.setUTCFullYear(y, mo - 1, d); // not Date.UTC: it maps years 0..99 to 19xx
  const secs = day.getTime() / 1000 + time.h * 3600 + time.m * 60 + time.sec;
  return Number(BigInt(secs) * 1_000_000n + BigInt(time.us - time.offset));
}

const CLOCK = /^(\d{2})(?:(:?)(\d{2})(?:\2(\d{2})(?:[.,](\d+))?)?)?$/;

function clock(s: string): { h: number; m: number; sec: number; us: number } | null {
  const c = CLOCK.exec(s);
  if (!c) return null;
  const [h, m, sec] = [Number(c[1]), Number(c[3] ?? 0), Number(c[4] ?? 0)];
  const us = c[5] ? Number(c[5].slice(0, 6).padEnd(6, '0')) : 0;
  return h > 23 || m > 59 || sec > 59 ? null : { h, m, sec, us };
}

function parseTime(s: string): { h: number; m: number; sec: number; us: number; offset: number } | null {
  const tzAt = s.search(/[Z+-]/);
  const t = clock(tzAt < 0 ? s : s.slice(0, tzAt));
  if (!t) return null;
  if (tzAt < 0) return { ...t, offset: 0 };
  if (s[tzAt] === 'Z') return tzAt === s.length - 1 ? { ...t, offset: 0 } : null;
  const tz = clock(s.slice(tzAt + 1));
  if (!tz) return null;
  const offset = ((tz.h * 60 + tz.m) * 60 + tz.sec) * 1e6 + tz.us;
  return { ...t, offset: s[tzAt] === '-' ? -offset : offset };
}

/** Thrown for a bad `since`; answered 400 `{"message": {"since": ...}}` as upstream's BadRequest({'since': …}). */
export class SinceError extends Error {}

/**
 * `since`: `start` or `start,end` (split at the first comma, both inclusive, either may be empty).
 * Absent or empty means no bound, as upstream's `if query.since`.
 */
export function parseWaiverSince(raw: string | null | undefined): { start: number | null; end: number | null } {
  if (!raw) return { start: null, end: null };
  const comma = raw.indexOf(',');
  const parts = comma < 0 ? [raw, ''] : [raw.slice(0, comma), raw.slice(comma + 1)];
  const [start, end] = parts.map((p) => {
    if (!p) return null;
    const us = fromIsoformat(p);
    if (us === null) throw new SinceError(`Invalid isoformat string: ${pyRepr(p)}`);
    return us;
  });
  return { start, end };
}
