/**
 * Times are integer microseconds since the Unix epoch, UTC. Beyond ±2^53 µs (roughly years
 * 1685..2255) a double cannot hold every microsecond, so such values are rounded to the nearest
 * representable one; parsers compute in BigInt so only that final rounding happens.
 */
import { isLosslessNumber } from 'lossless-json';

const US_PER_S = 1_000_000n;
// Python datetime's range: 0001-01-01T00:00:00 .. 9999-12-31T23:59:59.999999.
const MIN_US = -62_135_596_800_000_000n;
const MAX_US = 253_402_300_799_999_999n;
// MAX_US rounds up into year 10000 as a double; clamp to the largest double below it instead.
const MAX_US_NUM = 253_402_300_799_999_968;

const p = (n: number, w = 2) => String(n).padStart(w, '0');

/** Python `datetime.isoformat()` of the naive UTC datetime `us` µs after the epoch. */
export function formatTime(us: number): string {
  let micro: number;
  let secs: number;
  if (Number.isSafeInteger(us)) {
    micro = ((us % 1e6) + 1e6) % 1e6; // floor modulo, exact (unlike Math.floor(us / 1e6))
    secs = (us - micro) / 1e6;
  } else {
    const b = BigInt(Math.floor(us));
    const m = ((b % US_PER_S) + US_PER_S) % US_PER_S;
    micro = Number(m);
    secs = Number((b - m) / US_PER_S);
  }
  const sod = ((secs % 86400) + 86400) % 86400;
  const time = `${dayText((secs - sod) / 86400)}${p(Math.floor(sod / 3600))}:${p(Math.floor(sod / 60) % 60)}:${p(sod % 60)}`;
  // The fraction only when non-zero, as isoformat does.
  return micro === 0 ? time : `${time}.${p(micro, 6)}`;
}

const dayTexts = new Map<number, string>();

/** `YYYY-MM-DDT` of a day counted from the epoch; remembered, as a page's results share a few days. */
function dayText(day: number): string {
  let text = dayTexts.get(day);
  if (text === undefined) {
    const d = new Date(day * 86_400_000);
    text = `${p(d.getUTCFullYear(), 4)}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())}T`;
    if (dayTexts.size >= 10_000) dayTexts.clear();
    dayTexts.set(day, text);
  }
  return text;
}

// Re-anchored on the wall clock only when it was stepped by over a second, so successive calls
// keep sub-millisecond precision and never go backwards because of jitter between the clocks.
let anchorMs = performance.timeOrigin;

/** Current time in µs since the epoch. */
export function nowMicros(): number {
  const mono = performance.now();
  const wall = Date.now();
  if (Math.abs(anchorMs + mono - wall) > 1000) anchorMs = wall - mono;
  return Math.round((anchorMs + mono) * 1000);
}

// Python `re`'s `$` also matches before one final "\n"; emulated as (?=\n?$).
const ISO8601_RE = new RegExp(
  String.raw`^(?<year>[0-9]{4})(?:(?:-(?<monthdash>[0-9]{1,2})|(?<month>[0-9]{2})(?!\n?$))` +
    String.raw`(?:(?:-(?<daydash>[0-9]{1,2})|(?<day>[0-9]{2}))` +
    String.raw`(?:[ T](?<hour>[0-9]{2})(?::?(?<minute>[0-9]{2}))?` +
    String.raw`(?::?(?<second>[0-9]{1,2})(?:[.,](?<frac>[0-9]+))?)?` +
    String.raw`(?<tz>Z|(?<tzSign>[-+])(?<tzHour>[0-9]{2}):?(?<tzMinute>[0-9]{2})?)?)?)?)?(?=\n?$)`,
);

/**
 * `iso8601.parse_date` (pyiso8601 2.x regex, reproduced verbatim): YYYY, YYYY-M[M], YYYYMMDD,
 * YYYY-M[M]-D[D] (and the mixed YYYY-MMDD / YYYYMM-DD the regex lets through; bare YYYYMM is
 * rejected), then optionally ' ' or 'T' and HH[[:]MM][[:]S[S][(.|,)fraction]] and Z / ±HH[[:]MM].
 * Unlike upstream (which drops the offset), the offset is converted to UTC.
 */
export function parseIso8601(s: string): number | null {
  const g = ISO8601_RE.exec(s)?.groups;
  if (!g) return null;
  const n = (v: string | undefined, dflt: number) => (v === undefined ? dflt : Number(v));
  const off = g.tzSign ? (Number(g.tzHour) * 60 + n(g.tzMinute, 0)) * 60e6 : 0;
  return toMicros(
    Number(g.year), n(g.month ?? g.monthdash, 1), n(g.day ?? g.daydash, 1),
    n(g.hour, 0), n(g.minute, 0), n(g.second, 0), fracMicros(g.frac), g.tzSign === '-' ? -off : off,
  );
}

/** `since` query parameter: `start` or `start,end` (anything after a second comma is ignored). */
export function parseSince(raw: string): { start: number; end: number | null } | null {
  const parts = raw.split(',');
  const start = parseIso8601(parts[0]);
  if (start === null) return null;
  if (parts.length < 2) return { start, end: null };
  const end = parseIso8601(parts[1]); // upstream also rejects an empty end ("2021-01-01,")
  return end === null ? null : { start, end };
}

// strptime('%Y-%m-%dT%H:%M:%S.%f' + ('Z' | '' | '%z' | '+00')) with Python's field regexes
// (1-digit fields allowed, case-insensitive 'T'/'Z'); hours alone only as the literal '+00'.
const SUBMIT_RE = new RegExp(
  String.raw`^(\d{4})-(1[0-2]|0[1-9]|[1-9])-(3[01]|[12]\d|0[1-9]|[1-9]| [1-9])[Tt]` +
    String.raw`(2[0-3]|[01]\d|\d):([0-5]\d|\d):(6[01]|[0-5]\d|\d)\.(\d{1,6})` +
    // %z: ±HH[:]MM[[:]SS[.ffffff]] with consistent colons (\10), or '+00'.
    String.raw`(?:[Zz]|([+-])(\d\d)(?:(:?)([0-5]\d)(?:\10([0-5]\d)(?:\.(\d{1,6}))?)?)?)?$`,
);
// Whitespace Python's int() strips: ASCII \t-\r and space, plus Unicode spaces (not \x1c-\x1f).
const PY_WS = String.raw`[\t-\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*`;
const INT_RE = new RegExp(`^${PY_WS}([+-]?[0-9]+(?:_[0-9]+)*)${PY_WS}$`);

/** POST /results `submit_time`: null, milliseconds since the epoch (number or digit string), or a datetime string. */
export function parseSubmitTime(v: unknown): { ok: true; us: number | null } | { ok: false } {
  if (v === null || v === undefined) return { ok: true, us: null };
  let ms: bigint;
  if (typeof v === 'boolean') ms = v ? 1n : 0n; // bool is an int in Python
  else if (typeof v === 'bigint') ms = v;
  else if (typeof v === 'number' || isLosslessNumber(v)) {
    const lit = typeof v === 'number' ? null : v.value;
    if (lit !== null && !/[.eE]/.test(lit)) ms = BigInt(lit);
    else {
      // Python float: only integral values are usable (upstream crashed on fractional ones).
      const f = lit === null ? (v as number) : Number(lit);
      if (!Number.isInteger(f)) return { ok: false };
      ms = BigInt(f);
    }
  } else if (typeof v === 'string') {
    const m = SUBMIT_RE.exec(v);
    if (m && (m[11] !== undefined || m[8] === undefined || (m[8] === '+' && m[9] === '00'))) {
      const off = (+m[9] * 3600 + +(m[11] ?? 0) * 60 + +(m[12] ?? 0)) * 1e6 + fracMicros(m[13]);
      const us = toMicros(+m[1], +m[2], +m[3], +m[4], +m[5], +m[6], fracMicros(m[7]), m[8] === '-' ? -off : m[8] ? off : 0);
      return us === null ? { ok: false } : { ok: true, us };
    }
    const i = INT_RE.exec(v);
    if (!i) return { ok: false };
    ms = BigInt(i[1].replaceAll('_', ''));
  } else return { ok: false };
  return clamp(ms * 1000n);
}

function clamp(us: bigint): { ok: true; us: number } | { ok: false } {
  if (us < MIN_US || us > MAX_US) return { ok: false };
  return { ok: true, us: Math.min(Number(us), MAX_US_NUM) };
}

/** Fraction digits → µs, truncated like upstream. */
function fracMicros(f: string | undefined): number {
  return f ? Number(f.slice(0, 6).padEnd(6, '0')) : 0;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Validated local fields minus their UTC offset → UTC µs, or null when invalid or outside years 1..9999. */
function toMicros(
  y: number, mo: number, d: number, h: number, mi: number, s: number, us: number, offsetUs: number,
): number | null {
  const leap = y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
  if (y < 1 || mo < 1 || mo > 12 || d < 1 || d > (mo === 2 && leap ? 29 : DAYS_IN_MONTH[mo - 1])) return null;
  if (h > 23 || mi > 59 || s > 59) return null;
  if (Math.abs(offsetUs) >= 86_400e6) return null; // Python's timezone() needs |offset| < 24h
  const date = new Date(0);
  date.setUTCFullYear(y, mo - 1, d); // not Date.UTC: it maps years 0..99 to 19xx
  const secs = date.getTime() / 1000 + h * 3600 + mi * 60 + s;
  const r = clamp(BigInt(secs) * US_PER_S + BigInt(us - offsetUs));
  return r.ok ? r.us : null;
}
