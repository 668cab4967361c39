import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { pickLatest } from '../../src/results/latest.ts';
import { dataJson, pairsOf, type ResultRow } from '../../src/results/serialize.ts';
import { seededRandom } from '../helpers/random.ts';
import { postgresAvailable, STORE_KINDS, testApp, type TestApp } from '../helpers/stores.ts';

const row = (id: number, tc: string, t: number, data: [string, string][] = []): ResultRow => ({
  id, submit_time: t, outcome: 'PASSED', note: null, ref_url: null, testcase: { name: tc, ref_url: null }, data, groups: [],
});

describe('pickLatest', () => {
  it('keeps every result sharing the newest time of a testcase', () => {
    const rows = [row(1, 'a', 10), row(2, 'a', 20), row(3, 'a', 20), row(4, 'b', 5)];
    assert.deepEqual(pickLatest(rows, []).map((r) => r.id), [3, 2, 4]);
  });
  it('with distinct keys: one per combination, a missing key is its own value, the newer id breaks ties', () => {
    const rows = [
      row(1, 'a', 10, [['scenario', 's1']]),
      row(2, 'a', 10, [['scenario', 's1']]),
      row(3, 'a', 5, []),
      row(4, 'a', 1, [['scenario', 's2'], ['scenario', 's1']]),
      row(5, 'a', 2, [['scenario', 's2']]),
    ];
    assert.deepEqual(pickLatest(rows, ['scenario']).map((r) => r.id), [2, 3, 5]);
  });
  it('a result with several values wins each combination once and is listed once', () => {
    const rows = [row(1, 'a', 10, [['arch', 'x'], ['arch', 'y']]), row(2, 'a', 5, [['arch', 'z']])];
    assert.deepEqual(pickLatest(rows, ['arch']).map((r) => r.id), [1, 2]);
  });

  it('reading stored data texts agrees with a plain reading of the pairs, rows of both kinds mixed', () => {
    const rnd = seededRandom(11);
    // Values and key names that look like the text's own syntax, so a needle found in the wrong place shows.
    const alphabet = ['a', 'b', 'x', '"', '\\', ',', ':', '[', ']', '"arch":["', '":["', '"]', 'é', '\n', '😀'];
    const word = () => Array.from({ length: rnd(3) }, () => alphabet[rnd(alphabet.length)]).join('');
    // Keys that are prefixes of others, and keys whose texts need escapes.
    const keys = ['arch', 'scenario', 'arch2', 'ar', 'a"b', '":["', 'k\\'];
    const escaped = (k: string) => /["\\]/.test(k);
    let fast = 0;
    for (let round = 0; round < 800; round++) {
      // Any order (the text's keys are sorted), and now and then a key twice.
      const distinctOn = keys.filter(() => rnd(2)).sort(() => rnd(3) - 1);
      if (distinctOn.length && !rnd(3)) distinctOn.splice(rnd(distinctOn.length), 0, distinctOn[rnd(distinctOn.length)]!);
      const rows = Array.from({ length: 1 + rnd(12) }, (_, i) => {
        const pairs: [string, string][] = [];
        for (const k of keys) {
          // The keys that need escapes (their texts take the pairs) now and then only.
          const n = escaped(k) && rnd(6) ? 0 : rnd(4) === 0 ? 2 : rnd(3) === 0 ? 0 : 1;
          // Plain values most of the time, so many texts have no backslash (the path read from the text).
          for (let j = 0; j < n; j++) pairs.push([k, rnd(2) ? `v${rnd(3)}` : word()]);
        }
        const distinct = [...new Map(pairs.map((p) => [JSON.stringify(p), p])).values()];
        const stored = rnd(2) === 1;
        const text = dataJson(distinct);
        if (stored && !text.includes('\\')) fast++;
        const r = row(i + 1, `tc${rnd(2)}`, rnd(4), stored ? pairsOf(text) : distinct);
        return stored ? { ...r, dataJson: text } : r;
      });
      // Often newest first, as the store reads an item's results; or by time only, older ids first.
      const order = rnd(3);
      if (order === 1) rows.sort((a, b) => b.submit_time - a.submit_time || b.id - a.id);
      if (order === 2) rows.sort((a, b) => b.submit_time - a.submit_time || a.id - b.id);
      assert.deepEqual(pickLatest(rows, distinctOn).map((r) => r.id), referenceLatest(rows, distinctOn), JSON.stringify({ distinctOn, rows }));
    }
    assert.ok(fast > 400, `${fast} rows read from the text`);
  });
});

/** Latest by brute force: every combination of each row's values, the newest (then highest id) of each. */
function referenceLatest(rows: ResultRow[], distinctOn: string[]): number[] {
  const best = new Map<string, ResultRow[]>();
  for (const r of rows) {
    let combos: unknown[][] = [[r.testcase.name]];
    for (const k of distinctOn) {
      const values = [...new Set(r.data.filter(([key]) => key === k).map(([, v]) => v))];
      combos = combos.flatMap((c) => (values.length ? values : [null]).map((v) => [...c, v]));
    }
    for (const key of combos.map((c) => JSON.stringify(c))) {
      const cur = best.get(key)?.[0];
      const newer = !cur || r.submit_time > cur.submit_time || (r.submit_time === cur.submit_time && distinctOn.length > 0 && r.id > cur.id);
      if (newer) best.set(key, [r]);
      else if (r.submit_time === cur.submit_time && !distinctOn.length) best.get(key)!.push(r);
    }
  }
  const winners = [...new Set([...best.values()].flat())];
  return winners.sort((a, b) => b.submit_time - a.submit_time || b.id - a.id).map((r) => r.id);
}

/** Both ways of answering /results/latest (in memory from candidate ids, or a SQL window) must agree. */
for (const kind of STORE_KINDS) {
  describe(`latest: in-memory and SQL paths agree (${kind})`, () => {
    let app: TestApp | undefined;
    before(async () => {
      if (kind === 'postgres' && !(await postgresAvailable())) return;
      app = await testApp(kind);
      const rnd = seededRandom(7);
      for (let i = 0; i < 80; i++) {
        const data: Record<string, unknown> = { item: 'pkg-1', type: 'koji_build' };
        if (rnd(4)) data.scenario = `s${rnd(3)}`;
        if (rnd(3) === 0) data.arch = ['x86_64', 'aarch64'].slice(0, 1 + rnd(2));
        else if (rnd(2)) data.arch = 'noarch';
        // Few distinct times, so ties on the newest time happen.
        const body = { testcase: `tc.${rnd(4)}`, outcome: 'PASSED', data, submit_time: 1_700_000_000_000 + rnd(6) * 1000 };
        const res: { statusCode: number } = await app.inject({ method: "POST", url: "/api/v2.0/results", payload: body });
        assert.equal(res.statusCode, 201);
      }
      // Results carrying one or both of two items, for a driver filter with several values.
      const both = ['pkg-2', 'pkg-3'];
      const rows: [string, string[], number][] = [
        ['mv.0', both, 5], ['mv.0', ['pkg-2'], 4], ['mv.1', ['pkg-3'], 6], ['mv.1', both, 6], ['mv.2', ['pkg-2'], 3], ['mv.2', both, 2],
      ];
      for (const [testcase, item, s] of rows) {
        const body = { testcase, outcome: 'PASSED', data: { item }, submit_time: 1_700_000_000_000 + s * 1000 };
        assert.equal((await app.inject({ method: 'POST', url: '/api/v2.0/results', payload: body })).statusCode, 201);
      }
    });
    after(() => app?.dispose());

    // /results too: the filter-index walk (item=…) and the planner's path (item:like=…) must agree.
    for (const q of ['', '&arch=noarch', '&outcome=PASSED', '&testcases=tc.1,tc.2', '&testcases:like=tc.*&scenario=s1',
      '&since=2023-11-14T22:13:22,2023-11-14T22:13:24', '&arch=x86_64&scenario:like=s*', '&_sort=asc:submit_time', '&groups=nogroup',
      '&arch=noarch&outcome=FAILED', '&arch=nope', '&arch=x86_64&type=koji_build&outcome=PASSED']) {
      it(`/results pages agree for ${q || 'item only'}`, async (t) => {
        if (!app) return t.skip('PostgreSQL unavailable');
        for (const page of ['&limit=7', '&limit=7&page=1', '&limit=7&page=3', '&limit=1000']) {
          const get = async (f: string) => (await app!.inject({ url: `/api/v2.0/results?${f}${q}${page}` })).json();
          const indexed = await get('item=pkg-1');
          const planned = await get('item:like=pkg-1');
          assert.deepEqual(indexed.data, planned.data, page);
          assert.equal(indexed.next === null, planned.next === null);
        }
      });
    }

    for (const distinct of ['', '&_distinct_on=scenario', '&_distinct_on=scenario,arch', '&_distinct_on=arch,nokey']) {
      it(`same answer for ${distinct || 'no _distinct_on'}`, async (t) => {
        if (!app) return t.skip('PostgreSQL unavailable');
        const get = async (q: string) => (await app!.inject({ url: `/api/v2.0/results/latest?${q}${distinct}` })).json().data;
        const memory = await get('item=pkg-1');
        const sql = await get('item:like=pkg-1');
        assert.ok(memory.length > 3);
        assert.deepEqual(memory, sql);
        assert.deepEqual(await get('item=pkg-1&type=koji_build'), memory);
        assert.deepEqual(await get('testcases:like=tc.*'), memory);
      });
    }

    it('several values of the only filter: a result carrying two of them is ranked once', async (t) => {
      if (!app) return t.skip('PostgreSQL unavailable');
      const get = async (q: string) => (await app!.inject({ url: `/api/v2.0/results/latest?${q}` })).json().data as { id: number }[];
      const onIndex = await get('item=pkg-2,pkg-3');
      assert.equal(onIndex.length, 4);
      assert.equal(new Set(onIndex.map((r) => r.id)).size, onIndex.length);
      assert.deepEqual(onIndex, await get('item:like=pkg-2,pkg-3'));
      assert.deepEqual(onIndex, await get('item=pkg-2,pkg-3&since=1900-01-01T00:00:00'));
    });
  });
}
