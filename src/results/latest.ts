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

function groupKeys(r: Candidate, keys: readonly string[]): string[] {
  let combos: (string | null)[][] = [[]];
  for (const k of keys) {
    const values = [...new Set(r.data.filter(([dk]) => dk === k).map(([, v]) => v))];
    const options = values.length ? values : [null];
    combos = combos.flatMap((c) => options.map((v) => [...c, v]));
  }
  return combos.map((c) => JSON.stringify([r.testcase, ...c]));
}
