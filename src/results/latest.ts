import { dataKeyNeedle, soleValueJson } from './serialize.ts';

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
  const needles = distinctOn.map(dataKeyNeedle);
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
    const keys = groupKeys(r, distinctOn, needles);
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
function groupKeys(r: Candidate, keys: readonly string[], needles: readonly string[]): string | string[] {
  const testcase = r.testcase.name;
  if (!keys.length) return testcase;
  const fromText = r.dataJson === undefined ? undefined : keyFromText(r.dataJson, needles);
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
 * groupKeys' values part read straight from a stored data text (dataJson's form), without building
 * its pairs (see soleValueJson). Undefined (groupKeys then reads the pairs) when a key has several
 * values or the text has escapes.
 */
function keyFromText(text: string, needles: readonly string[]): string | undefined {
  if (text.includes('\\')) return undefined;
  let out = '';
  for (const needle of needles) {
    const value = soleValueJson(text, needle);
    if (value === undefined) return undefined;
    out += value + ',';
  }
  return out;
}
