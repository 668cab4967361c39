import { byCodePoint } from '../http/json.ts';

/**
 * What decides "latest": a result's id, time, testcase name and, for distinct keys, its data: the
 * stored text when there is one (read without building the pairs), else the pairs.
 */
export interface Candidate {
  id: number;
  submit_time: number;
  testcase: { name: string };
  readonly data: readonly [string, string][];
  dataJson?: string;
}

/**
 * "Latest" over an already filtered set, without I/O: per testcase the newest results (all of them
 * when several share the newest time), or with `distinctOn` keys the single newest result per
 * (testcase, value of each key), a missing key counting as a value of its own and a result with
 * several values of a key competing in each. Newest first; each result once.
 */
export function pickLatest<R extends Candidate>(rows: readonly R[], distinctOn: readonly string[]): R[] {
  // One winner per group, kept as the row itself: rows are picked by the thousand per second.
  const best = new Map<string, R>();
  // Without distinct keys, results sharing the newest time all stay: the others than `best`'s, per group.
  let tied: Map<string, R[]> | undefined;
  let fannedOut = false;
  const reading = textReading(distinctOn);
  const consider = (key: string, r: R) => {
    const cur = best.get(key);
    const order = cur ? compare(r, cur, distinctOn.length > 0) : -1;
    if (order < 0) {
      best.set(key, r);
      tied?.delete(key);
    } else if (order === 0) {
      tied ??= new Map();
      const others = tied.get(key);
      if (others) others.push(r);
      else tied.set(key, [r]);
    }
  };
  // Rows read newest first (as the filter index walks an item) leave the winners in order already.
  let newestFirst = true;
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!;
    if (i && newestFirst && compare(r, rows[i - 1]!, true) < 0) newestFirst = false;
    const keys = groupKeys(r, distinctOn, reading);
    if (typeof keys === 'string') consider(keys, r);
    else {
      fannedOut = true;
      for (const key of keys) consider(key, r);
    }
  }
  let winners = [...best.values()];
  // Newest first, each group's winner was its first row, so `best` holds them in the rows' order.
  if (newestFirst && !tied && !fannedOut) return winners;
  if (tied) for (const others of tied.values()) winners.push(...others);
  // Only a result that fanned out into several groups can win more than one.
  if (fannedOut) winners = [...new Map(winners.map((r) => [r.id, r])).values()];
  return winners.sort((a, b) => compare(a, b, true));
}

/** Negative when `a` beats `b`; with distinct keys the newer id breaks a tie, without both stay. */
function compare(a: Candidate, b: Candidate, breakTies: boolean): number {
  if (a.submit_time !== b.submit_time) return b.submit_time - a.submit_time;
  return breakTies ? b.id - a.id : 0;
}

/**
 * The result's group: one key per combination of its values of `keys`, each value JSON-quoted and
 * followed by a comma, then the testcase name as it is (the quoted values before it read unambiguously
 * from the left, so the name needs no quoting); a plain string in the usual case of at most one value
 * per key.
 */
function groupKeys(r: Candidate, keys: readonly string[], reading: TextReading): string | string[] {
  const testcase = r.testcase.name;
  if (!keys.length) return testcase;
  const fromText = r.dataJson === undefined ? undefined : keyFromText(r.dataJson, reading);
  if (fromText !== undefined) return fromText + testcase;
  const data = r.data;
  // The usual case, one value per key, builds one string; several values fan out into combinations.
  let one: string | undefined = '';
  let combos: string[] = [];
  for (const k of keys) {
    const values = valuesOf(data, k);
    if (one !== undefined && values.length <= 1) {
      one += values.length ? JSON.stringify(values[0]) + ',' : 'null,';
      continue;
    }
    if (one !== undefined) combos = [one];
    one = undefined;
    const parts = values.length ? values.map((v) => JSON.stringify(v) + ',') : ['null,'];
    combos = combos.flatMap((c) => parts.map((p) => c + p));
  }
  return one !== undefined ? one + testcase : combos.map((c) => c + testcase);
}

/** The distinct values of `key` in `data`, in order. */
function valuesOf(data: readonly (readonly [string, string])[], key: string): string[] {
  const values: string[] = [];
  for (const [k, v] of data) if (k === key && !values.includes(v)) values.push(v);
  return values;
}

/**
 * How keyFromText finds the distinct keys in a stored data text: their needles (dataKeyNeedle) in the
 * text's own key order (code points), each with its place in `distinctOn`. Distinct keys, so each is
 * searched for after the one before it, and a text is read once instead of once per key.
 */
interface TextReading {
  needles: string[];
  /** Where the value of the i-th needle goes in the group key. */
  slots: number[];
  /** The needles' order is distinctOn's. */
  inOrder: boolean;
  /** No key repeats: each needle can be searched for after the one before. */
  onward: boolean;
}

function textReading(distinctOn: readonly string[]): TextReading {
  const slots = distinctOn.map((_, i) => i).sort((a, b) => byCodePoint(distinctOn[a]!, distinctOn[b]!));
  return {
    needles: slots.map((i) => dataKeyNeedle(distinctOn[i]!)),
    slots,
    inOrder: slots.every((slot, i) => slot === i),
    onward: new Set(distinctOn).size === distinctOn.length,
  };
}

/**
 * groupKeys' values part read straight from a stored data text (dataJson's form), without building
 * its pairs (see soleValueJson). Undefined (groupKeys then reads the pairs) when a key has several
 * values or the text has escapes.
 */
function keyFromText(text: string, reading: TextReading): string | undefined {
  if (text.includes('\\')) return undefined;
  const { needles, slots, inOrder, onward } = reading;
  const values: string[] | undefined = inOrder ? undefined : new Array(needles.length);
  let out = '';
  let from = 0;
  for (let i = 0; i < needles.length; i++) {
    const found = soleValueJson(text, needles[i]!, onward ? from : 0);
    if (found === undefined) return undefined;
    if (onward && found !== 'null') from = valueEnd;
    if (values) values[slots[i]!] = found;
    else out += found + ',';
  }
  return values ? values.join(',') + ',' : out;
}

/** What finds `key` in a dataJson text without a backslash (soleValueJson). */
const dataKeyNeedle = (key: string): string => `"${key}":["`;

/** Where the last value soleValueJson found ends (just past its list's `]`). */
let valueEnd = 0;

/**
 * Reads one key of a dataJson text that has no backslash, hence no escapes: every `"` delimits a
 * string, so the key's needle (dataKeyNeedle) can only be found at that key, and a quoted value as it
 * stands is its JSON.stringify. The key's value so quoted when it has exactly one, `null` when the key
 * is absent (at or after `from`), undefined when it has several. Sets valueEnd when found.
 */
function soleValueJson(text: string, needle: string, from: number): string | undefined {
  const at = text.indexOf(needle, from);
  if (at < 0) return 'null';
  const open = at + needle.length - 1; // the value's opening quote
  const close = text.indexOf('"', open + 1);
  // `"]` ends the list after one value; `",` means more values of this key.
  if (close < 0 || text.charCodeAt(close + 1) !== 93 /* ] */) return undefined;
  valueEnd = close + 2;
  return text.slice(open, close + 1);
}
