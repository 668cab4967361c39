import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LosslessNumber } from 'lossless-json';
import { formatTime, nowMicros, parseIso8601, parseSince, parseSubmitTime } from '../../src/results/times.ts';

const ln = (s: string) => new LosslessNumber(s);
/** parseIso8601 rendered back, for readable expectations. */
const iso = (s: string) => {
  const us = parseIso8601(s);
  return us === null ? null : formatTime(us);
};
/** parseSubmitTime rendered back: 'invalid', null (server time) or the UTC isoformat. */
const submit = (v: unknown) => {
  const r = parseSubmitTime(v);
  return !r.ok ? 'invalid' : r.us === null ? null : formatTime(r.us);
};

test('formatTime: isoformat, fraction only when non-zero', () => {
  assert.equal(formatTime(0), '1970-01-01T00:00:00');
  assert.equal(formatTime(1), '1970-01-01T00:00:00.000001');
  assert.equal(formatTime(1_661_324_097_123_000), '2022-08-24T06:54:57.123000');
  assert.equal(formatTime(1_609_671_600_000_000), '2021-01-03T11:00:00');
  assert.equal(formatTime(951_827_445_000_001), '2000-02-29T12:30:45.000001');
  assert.equal(formatTime(999_999), '1970-01-01T00:00:00.999999');
});

test('formatTime: before 1970 uses floor division', () => {
  assert.equal(formatTime(-1), '1969-12-31T23:59:59.999999');
  assert.equal(formatTime(-1_000_000), '1969-12-31T23:59:59');
  assert.equal(formatTime(-14_182_939_999_500), '1969-07-20T20:17:40.000500');
  assert.equal(formatTime(-2_203_891_200_000_000), '1900-03-01T00:00:00');
  assert.equal(formatTime(-11_670_994_677_000_000), '1600-02-29T01:02:03');
  assert.equal(formatTime(-86_400_000_000), '1969-12-31T00:00:00');
});

test('formatTime: extremes beyond 2^53', () => {
  assert.equal(formatTime(-62_135_596_800_000_000), '0001-01-01T00:00:00');
  assert.equal(formatTime(253_402_300_799_999_968), '9999-12-31T23:59:59.999968');
  assert.equal(formatTime(-62_135_596_800_000_000 + 3_600_000_000), '0001-01-01T01:00:00');
});

test('nowMicros: close to Date.now() and not going backwards', () => {
  const a = nowMicros();
  assert.ok(Number.isSafeInteger(a));
  assert.ok(Math.abs(a - Date.now() * 1000) < 1_000_000);
  let prev = a;
  for (let i = 0; i < 1000; i++) {
    const t = nowMicros();
    assert.ok(t >= prev);
    prev = t;
  }
});

test('parseIso8601: date-only forms', () => {
  assert.equal(iso('2021'), '2021-01-01T00:00:00');
  assert.equal(iso('2021-03'), '2021-03-01T00:00:00');
  assert.equal(iso('2021-3'), '2021-03-01T00:00:00');
  assert.equal(iso('2021-03-04'), '2021-03-04T00:00:00');
  assert.equal(iso('2007-5-7'), '2007-05-07T00:00:00');
  assert.equal(iso('19950204'), '1995-02-04T00:00:00');
  // Mixed forms the upstream regex lets through.
  assert.equal(iso('2021-0304'), '2021-03-04T00:00:00');
  assert.equal(iso('202103-04'), '2021-03-04T00:00:00');
});

test('parseIso8601: times, separators, fractions', () => {
  assert.equal(iso('2021-03-04T05'), '2021-03-04T05:00:00');
  assert.equal(iso('2021-03-04T05:06'), '2021-03-04T05:06:00');
  assert.equal(iso('2021-03-04T05:06:07'), '2021-03-04T05:06:07');
  assert.equal(iso('2021-03-04 05:06:07'), '2021-03-04T05:06:07');
  assert.equal(iso('2013-10-15T1831'), '2013-10-15T18:31:00');
  assert.equal(iso('2013-10-15T183123'), '2013-10-15T18:31:23');
  assert.equal(iso('20131015T18:30Z'), '2013-10-15T18:30:00');
  assert.equal(iso('2021-03-04T05:06:7'), '2021-03-04T05:06:07');
  assert.equal(iso('2021-03-04T05:06:07.5'), '2021-03-04T05:06:07.500000');
  assert.equal(iso('1997-08-29T06:14:00,000123Z'), '1997-08-29T06:14:00.000123');
  assert.equal(iso('2021-03-04T05:06:07.1234567899'), '2021-03-04T05:06:07.123456'); // truncated
  assert.equal(iso('2021-03-04T05:06:07.000000'), '2021-03-04T05:06:07');
  // Upstream regex quirk: minutes are optional, so ':06.5' is read as seconds.
  assert.equal(iso('2021-03-04T05:06.5'), '2021-03-04T05:00:06.500000');
  assert.equal(iso('2021-03-04T053'), '2021-03-04T05:00:03');
});

test('parseIso8601: offsets are converted to UTC', () => {
  assert.equal(iso('2021-03-04T05:06:07Z'), '2021-03-04T05:06:07');
  assert.equal(iso('2021-01-03T12:00:00+01:00'), '2021-01-03T11:00:00');
  assert.equal(iso('2013-10-15T22:30+04'), '2013-10-15T18:30:00');
  assert.equal(iso('2013-10-15T1130-0700'), '2013-10-15T18:30:00');
  assert.equal(iso('2013-10-15T15:00-03:30'), '2013-10-15T18:30:00');
  assert.equal(iso('1985-04-12T23:20:50.52-05:30'), '1985-04-13T04:50:50.520000');
  assert.equal(iso('2021-01-01T00:30+01:00'), '2020-12-31T23:30:00');
  assert.equal(iso('2021-03-04T05+00:00'), '2021-03-04T05:00:00');
  assert.equal(iso('2021-03-04T05:00+23:59'), '2021-03-03T05:01:00');
});

test('parseIso8601: Python $ also accepts one trailing newline', () => {
  assert.equal(iso('2021-03-04\n'), '2021-03-04T00:00:00');
  assert.equal(iso('2021-03-04\n\n'), null);
});

test('parseIso8601: invalid', () => {
  for (const s of [
    '', ' ', 'wibble', '23', '2013-', '2013-10-', '131015', '131015T142533Z', '20141', '201402',
    '20114-01-03T01:45:49', '2007-06-23X06:40:34.00Z', '2007-06-23 06:40:34.00Zrubbish',
    '2021-W01', '2021-W01-1', '2021-001', '2021-03-04t05:06', '2021-03-04T05:06:07z',
    '2021-03-04T', '2021-03-04T5', '2021-03-04T05:06:07.', '2021-03T05:00', '2021T05:00',
    ' 2021-03-04', '2021-03-04 ',
    // ranges
    '0000-01-01', '2021-00-01', '2021-13-01', '2021-01-00', '2021-01-32', '2021-02-29', '1900-02-29',
    '2021-04-31', '2021-03-04T24:00', '2021-03-04T23:60', '2021-03-04T23:59:60',
    '2021-03-04T05:06+24:00', '2021-03-04T05:06-99',
    // converted to UTC, the instant leaves years 1..9999
    '0001-01-01T00:00+01:00', '9999-12-31T23:30-01:00',
  ]) {
    assert.equal(parseIso8601(s), null, JSON.stringify(s));
  }
  assert.equal(iso('2000-02-29'), '2000-02-29T00:00:00');
  assert.equal(iso('2024-02-29'), '2024-02-29T00:00:00');
  assert.equal(iso('0001-01-01'), '0001-01-01T00:00:00');
  assert.equal(iso('0050-06-01'), '0050-06-01T00:00:00'); // not mapped to 1950 like Date.UTC would
  assert.equal(iso('9999-12-31T23:59:59.999999'), '9999-12-31T23:59:59.999968'); // nearest double below
});

test('parseSince', () => {
  const since = (s: string) => {
    const r = parseSince(s);
    return r && { start: formatTime(r.start), end: r.end === null ? null : formatTime(r.end) };
  };
  assert.deepEqual(since('2021-01-03T12:00:00+01:00'), { start: '2021-01-03T11:00:00', end: null });
  assert.deepEqual(since('2021-01-01,2021-02-01T10:00:00Z'), {
    start: '2021-01-01T00:00:00',
    end: '2021-02-01T10:00:00',
  });
  assert.deepEqual(since('2021-01-01,2021-02-01,garbage'), { start: '2021-01-01T00:00:00', end: '2021-02-01T00:00:00' });
  assert.equal(since('2021-01-01,'), null);
  assert.equal(since('2021-01-01,x'), null);
  assert.equal(since(',2021-01-01'), null);
  assert.equal(since('nope'), null);
  assert.equal(since(''), null);
  assert.equal(since('2021-01-01, 2021-02-01'), null); // no whitespace stripping upstream
});

test('parseSubmitTime: null means server time', () => {
  assert.deepEqual(parseSubmitTime(null), { ok: true, us: null });
  assert.deepEqual(parseSubmitTime(undefined), { ok: true, us: null });
});

test('parseSubmitTime: numbers are milliseconds', () => {
  assert.deepEqual(parseSubmitTime(ln('1661324097123')), { ok: true, us: 1_661_324_097_123_000 });
  assert.equal(submit(ln('1661324097123')), '2022-08-24T06:54:57.123000');
  assert.equal(submit(1661324097123), '2022-08-24T06:54:57.123000');
  assert.equal(submit(ln('0')), '1970-01-01T00:00:00');
  assert.equal(submit(ln('-1')), '1969-12-31T23:59:59.999000');
  assert.equal(submit(ln('1661324097123.0')), '2022-08-24T06:54:57.123000');
  assert.equal(submit(ln('1.661324097123e12')), '2022-08-24T06:54:57.123000');
  assert.equal(submit(ln('1661324097123.5')), 'invalid');
  assert.equal(submit(1.5), 'invalid');
  assert.equal(submit(ln('1e400')), 'invalid');
  assert.equal(submit(true), '1970-01-01T00:00:00.001000');
  assert.equal(submit(false), '1970-01-01T00:00:00');
  assert.equal(submit(5n), '1970-01-01T00:00:00.005000');
});

test('parseSubmitTime: range is years 1..9999', () => {
  assert.equal(submit(ln('-62135596800000')), '0001-01-01T00:00:00');
  assert.equal(submit(ln('-62135596800001')), 'invalid');
  // Past 2^53 µs the value is rounded to the nearest double (32 µs apart in year 9999).
  assert.equal(submit(ln('253402300799999')), '9999-12-31T23:59:59.999008');
  assert.equal(submit(ln('253402300800000')), 'invalid');
  assert.equal(submit(ln('123456789012345678901234567890')), 'invalid');
  assert.equal(submit(ln('1e20')), 'invalid');
});

test('parseSubmitTime: datetime strings', () => {
  assert.equal(submit('2020-01-01T00:00:00.5'), '2020-01-01T00:00:00.500000');
  assert.equal(submit('2020-01-01T00:00:00.123456'), '2020-01-01T00:00:00.123456');
  assert.equal(submit('2020-01-01T00:00:00.000000'), '2020-01-01T00:00:00');
  assert.equal(submit('2020-01-01T00:00:00.5Z'), '2020-01-01T00:00:00.500000');
  assert.equal(submit('2020-01-01T00:00:00.5+02:00'), '2019-12-31T22:00:00.500000');
  assert.equal(submit('2020-01-01T00:00:00.5+0200'), '2019-12-31T22:00:00.500000');
  assert.equal(submit('2020-01-01T00:00:00.5+00'), '2020-01-01T00:00:00.500000');
  assert.equal(submit('2020-01-01T00:00:00.5-05:30'), '2020-01-01T05:30:00.500000');
  // Python's %z also takes offset seconds (and a fraction) with consistent colons.
  assert.equal(submit('2020-01-01T00:00:00.5+01:02:03'), '2019-12-31T22:57:57.500000');
  assert.equal(submit('2020-01-01T00:00:00.5-010203.25'), '2020-01-01T01:02:03.750000');
  // strptime leniency: 1-digit fields, lower-case 't' / 'z', space-padded day.
  assert.equal(submit('2020-1-2T3:4:5.6'), '2020-01-02T03:04:05.600000');
  assert.equal(submit('2020-01-02t03:04:05.6z'), '2020-01-02T03:04:05.600000');
  assert.equal(submit('2020-01- 2T03:04:05.6'), '2020-01-02T03:04:05.600000');
});

test('parseSubmitTime: invalid datetime strings', () => {
  for (const s of [
    // Hours alone are only upstream's literal '+00' suffix; %z wants minutes.
    '2020-01-01T00:00:00.5+02', '2020-01-01T00:00:00.5-00', '2020-01-01T00:00:00.5+05',
    '2020-01-01T00:00:00', // fraction is required
    '2020-01-01T00:00:00.',
    '2020-01-01T00:00:00.1234567',
    '2020-01-01 00:00:00.5',
    '2020-01-01T00:00:00,5',
    '2020-02-30T00:00:00.5',
    '2020-01-01T24:00:00.5',
    '2020-01-01T00:00:60.5',
    '2020-01-01T00:00:00.5+24:00',
    '2020-01-01T00:00:00.5+02:60',
    '2020-01-01T00:00:00.5+2',
    '2020-01-01T00:00:00.5+01:0203',
    '2020-01-01T00:00:00.5+0102:03',
    '2020-01-01T00:00:00.5+01:02:60',
    '2020-01-01T00:00:00.5 ',
    '0000-01-01T00:00:00.5',
    '0001-01-01T00:00:00.5+01:00',
    'now',
    '',
  ]) {
    assert.equal(submit(s), 'invalid', JSON.stringify(s));
  }
});

test('parseSubmitTime: digit strings are milliseconds like Python int()', () => {
  assert.equal(submit('1661324097123'), '2022-08-24T06:54:57.123000');
  assert.equal(submit(' 1661324097123\n'), '2022-08-24T06:54:57.123000');
  assert.equal(submit('1_661_324_097_123'), '2022-08-24T06:54:57.123000');
  assert.equal(submit('+1000'), '1970-01-01T00:00:01');
  assert.equal(submit('-1000'), '1969-12-31T23:59:59');
  assert.equal(submit('00001000'), '1970-01-01T00:00:01');
  assert.equal(submit('\u3000\xa0\t12\u2028'), '1970-01-01T00:00:00.012000');
  for (const s of ['1__0', '_10', '10_', '1.5', '1e3', '0x10', '- 1', '', '  ', '\x1c5', '\ufeff5', '99999999999999999999']) {
    assert.equal(submit(s), 'invalid', JSON.stringify(s));
  }
});

test('parseSubmitTime: other types are invalid', () => {
  for (const v of [[], [ln('1')], {}, { a: 1 }]) assert.equal(submit(v), 'invalid');
});

test('formatTime agrees with Date over many days, each met again after others', () => {
  // formatTime remembers the text of each day it wrote; a remembered day must come back unchanged.
  const iso = (us: number) => {
    const ms = Math.floor(us / 1000);
    const frac = ((us % 1e6) + 1e6) % 1e6;
    const base = new Date(ms).toISOString().slice(0, 19);
    return frac === 0 ? base : `${base}.${String(frac).padStart(6, '0')}`;
  };
  let seed = 7;
  const rnd = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
  const times = Array.from({ length: 3000 }, () => Math.floor((rnd() - 0.3) * 4e15));
  for (const us of [...times, ...times.reverse()]) assert.equal(formatTime(us), iso(us), String(us));
});
