/** What decides "latest": a result's id, time, testcase and (for distinct keys) its data. */
export interface Candidate {
  id: number;
  submit_time: number;
  testcase: unknown;
  data: [string, string][];
}

/**
 * "Latest" over an already filtered set, without I/O: per testcase the newest results (all of them
 * when several share the newest time), or with `distinctOn` keys the single newest result per
 * (testcase, value of each key), a missing key counting as a value of its own and a result with
 * several values of a key competing in each. Newest first; each result once.
 */
export function pickLatest<R extends Candidate>(rows: R[], distinctOn: readonly string[]): R[] {
  const best = new Map<string, R[]>();
  for (const r of rows) {
    for (const key of groupKeys(r, distinctOn)) {
      const cur = best.get(key);
      const order = cur ? compare(r, cur[0], distinctOn.length > 0) : -1;
      if (order < 0) best.set(key, [r]);
      else if (order === 0) cur!.push(r);
    }
  }
  const winners = new Map<number, R>();
  for (const group of best.values()) for (const r of group) winners.set(r.id, r);
  return [...winners.values()].sort((a, b) => b.submit_time - a.submit_time || b.id - a.id);
}

/** Negative when `a` beats `b`; with distinct keys the newer id breaks a tie, without both stay. */
function compare(a: Candidate, b: Candidate, breakTies: boolean): number {
  if (a.submit_time !== b.submit_time) return b.submit_time - a.submit_time;
  return breakTies ? b.id - a.id : 0;
}

/** One key per combination of the result's values of `keys` (each value JSON-quoted, so keys are unambiguous). */
function groupKeys(r: Candidate, keys: readonly string[]): string[] {
  const testcase = JSON.stringify(r.testcase);
  if (!keys.length) return [testcase];
  // The usual case, one value per key, builds one string; several values fan out into combinations.
  let one: string | undefined = testcase;
  let combos: string[] = [];
  for (const k of keys) {
    const values = valuesOf(r.data, k);
    if (one !== undefined && values.length <= 1) {
      one += values.length ? ',' + JSON.stringify(values[0]) : ',null';
      continue;
    }
    if (one !== undefined) combos = [one];
    one = undefined;
    const parts = values.length ? values.map((v) => JSON.stringify(v)) : ['null'];
    combos = combos.flatMap((c) => parts.map((p) => `${c},${p}`));
  }
  return one !== undefined ? [one] : combos;
}

/** The distinct values of `key` in `data`, in order. */
function valuesOf(data: readonly [string, string][], key: string): string[] {
  const values: string[] = [];
  for (const [k, v] of data) if (k === key && !values.includes(v)) values.push(v);
  return values;
}
