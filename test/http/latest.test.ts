/** GET /api/v2.0/results/latest: newest result per testcase, and per `_distinct_on` keys (§2.7), on both stores. */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { STORE_KINDS, testApp, postgresAvailable, type TestApp } from '../helpers/stores.ts';
import { assertValidation, get, getOk, ids, OUTCOME_MSG, postResult } from '../helpers/http.ts';

const L = '/api/v2.0/results/latest';

/** `body.data` ids, grouped as `expected` groups them: results sharing a submit_time may come in any order. */
function assertGroups(body: { data: { id: number }[] }, expected: number[][]): void {
  const got = ids(body);
  assert.equal(got.length, expected.flat().length, `got ${got.join(',')}, want ${JSON.stringify(expected)}`);
  let at = 0;
  const regrouped = expected.map((g) => {
    const part = got.slice(at, (at += g.length));
    return [...part].sort((a, b) => a - b);
  });
  assert.deepEqual(regrouped, expected.map((g) => [...g].sort((a, b) => a - b)));
}

for (const kind of STORE_KINDS) {
  describe(`/results/latest per testcase (${kind})`, async () => {
    let app: TestApp;
    const A: number[] = [0]; // A[n] = id of the n-th seeded result
    before(async () => {
      if (kind === 'postgres' && !(await postgresAvailable())) return;
      app = await testApp(kind);
      const seed = [
        { testcase: 'lat.a', outcome: 'PASSED', submit_time: '2022-01-01T01:00:00.0', data: { item: 'i1' }, groups: ['lg'] },
        { testcase: 'lat.b', outcome: 'PASSED', submit_time: '2022-01-01T02:00:00.0', data: { item: 'i1' } },
        { testcase: 'lat.a', outcome: 'FAILED', submit_time: '2022-01-01T03:00:00.0', data: { item: 'i2' }, groups: ['lg2'] },
        { testcase: 'lat.c', outcome: 'INFO', submit_time: '2022-01-01T04:00:00.0', data: { item: 'i1' } },
        { testcase: 'lat.c', outcome: 'PASSED', submit_time: '2022-01-01T04:00:00.0', data: { item: 'i1' } },
        { testcase: 'other.d', outcome: 'PASSED', submit_time: '2022-01-01T00:30:00.0', data: { item: 'i3' } },
      ];
      for (const r of seed) A.push((await postResult(app, r)).id);
    });
    after(() => app?.dispose());

    it('without filters: the newest of every testcase, ties both kept, newest first; only a data key', async (t) => {
      if (!app) return t.skip('PostgreSQL unavailable');
      const body = await getOk(app, L);
      assert.deepEqual(Object.keys(body), ['data']);
      assertGroups(body, [[A[4], A[5]], [A[3]], [A[2]], [A[6]]]);
      const full = body.data.find((r: { id: number }) => r.id === A[3]);
      assert.deepEqual(full, await getOk(app, `/api/v2.0/results/${A[3]}`));
    });

    it('outcome, page, limit and _sort are ignored', async (t) => {
      if (!app) return t.skip('PostgreSQL unavailable');
      for (const q of ['outcome=FAILED', 'outcome=passed,info', 'limit=1', 'page=3&limit=1', '_sort=asc:submit_time']) {
        const body = await getOk(app, `${L}?${q}`);
        assert.deepEqual(Object.keys(body), ['data']);
        assertGroups(body, [[A[4], A[5]], [A[3]], [A[2]], [A[6]]]);
      }
    });

    it('outcome is still validated', async (t) => {
      if (!app) return t.skip('PostgreSQL unavailable');
      for (const q of ['outcome=bogus', 'outcome=bogus&_distinct_on=scenario&item=i1']) {
        assertValidation(await get(app, `${L}?${q}`), [{ input: 'bogus', loc: ['outcome'], msg: OUTCOME_MSG, type: 'value_error' }]);
      }
    });

    /** [query, expected groups of ids (by seed position)] */
    const CASES: [string, number[][]][] = [
      ['testcases=lat.a', [[3]]],
      ['testcases=lat.a,lat.b', [[3], [2]]],
      ['testcases=lat.a&testcases=lat.b', [[3]]],
      ['testcases:like=lat.*', [[4, 5], [3], [2]]],
      ['testcases:like=*', [[4, 5], [3], [2], [6]]],
      ['testcases:like=LAT.*', []],
      ['testcases:like=lat.a&testcases=lat.b', [[3], [2]]],
      ['groups=lg', [[1]]],
      ['groups=lg,lg2', [[3]]],
      ['item=i1', [[4, 5], [2], [1]]],
      ['item=i1&testcases=lat.a', [[1]]],
      ['item:like=i*&testcases=lat.a', [[3]]],
      ['since=2022-01-01T02:00:00', [[4, 5], [3], [2]]],
      ['since=2022-01-01T00:00:00,2022-01-01T02:00:00', [[2], [1], [6]]],
      ['item=nope', []],
      ['item=nope&_distinct_on=scenario', []],
    ];
    for (const [query, expected] of CASES) {
      it(`?${query}`, async (t) => {
        if (!app) return t.skip('PostgreSQL unavailable');
        assertGroups(await getOk(app, `${L}?${query}`), expected.map((g) => g.map((n) => A[n])));
      });
    }
  });

  describe(`/results/latest with _distinct_on (${kind})`, async () => {
    let app: TestApp;
    let minute = 0;
    /** Posts results in order, each a minute after the previous one; returns their ids. */
    async function seed(rows: [string, Record<string, unknown>, string?][]): Promise<number[]> {
      const out: number[] = [];
      for (const [testcase, data, outcome] of rows) {
        minute++;
        const submit_time = `2023-01-01T${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}:00.0`;
        out.push((await postResult(app, { testcase, outcome: outcome ?? 'PASSED', data, submit_time, groups: ['dg'] })).id);
      }
      return out;
    }
    let B: number[] = [];
    let M: number[] = [];
    let V: number[] = [];
    before(async () => {
      if (kind === 'postgres' && !(await postgresAvailable())) return;
      app = await testApp(kind);
      // The upstream test distinct_on_more_specific_cases_3.
      B = await seed([
        ['tc_1', { item: 'grub', scenario: 's_1' }, 'PASSED'],
        ['tc_2', { item: 'grub', scenario: 's_1' }, 'PASSED'],
        ['tc_2', { item: 'grub', scenario: 's_2' }, 'PASSED'],
        ['tc_3', { item: 'grub' }, 'PASSED'],
        ['tc_1', { item: 'grub' }, 'FAILED'],
        ['tc_1', { item: 'grub', scenario: 's_1' }, 'INFO'],
      ]);
      M = await seed([
        ['tc_m', { item: 'multi', type: 'koji_build', scenario: 's1', arch: 'x86_64' }],
        ['tc_m', { item: 'multi', type: 'koji_build', scenario: 's1', arch: 'aarch64' }],
        ['tc_m', { item: 'multi', type: 'koji_build', scenario: 's1', arch: 'x86_64' }],
        ['tc_m', { item: 'multi', type: 'koji_build', scenario: 's2' }],
        ['tc_m', { item: 'multi', type: 'koji_build' }],
        ['tc_m', { item: 'multi', type: 'koji_build' }],
        ['tc_m', { item: 'multi', type: 'brew-build', scenario: 's3' }],
        ['tc_n', { item: 'multi', type: 'koji_build', scenario: 's1', arch: 'x86_64' }],
      ]);
      V = await seed([
        ['tc_v', { item: 'several', scenario: 'a' }],
        ['tc_v', { item: 'several', scenario: ['a', 'b'] }],
      ]);
    });
    after(() => app?.dispose());

    it('the upstream example distinct_on_more_specific_cases_3, in exact order', async (t) => {
      if (!app) return t.skip('PostgreSQL unavailable');
      const body = await getOk(app, `${L}?item=grub&_distinct_on=scenario`);
      assert.deepEqual(ids(body), [B[5], B[4], B[3], B[2], B[1]]);
      assert.deepEqual(body.data.map((r: any) => [r.data.scenario?.[0] ?? '-', r.testcase.name, r.outcome]), [
        ['s_1', 'tc_1', 'INFO'], ['-', 'tc_1', 'FAILED'], ['-', 'tc_3', 'PASSED'], ['s_2', 'tc_2', 'PASSED'], ['s_1', 'tc_2', 'PASSED'],
      ]);
      // outcome stays ignored with _distinct_on
      assert.deepEqual(ids(await getOk(app, `${L}?item=grub&_distinct_on=scenario&outcome=FAILED`)), ids(body));
      // without _distinct_on: newest per testcase only
      assert.deepEqual(ids(await getOk(app, `${L}?item=grub`)), [B[5], B[3], B[2]]);
    });

    it('several keys: one result per (testcase, value of each key), a missing key is a group of its own', async (t) => {
      if (!app) return t.skip('PostgreSQL unavailable');
      assert.deepEqual(ids(await getOk(app, `${L}?item=multi&testcases=tc_m&_distinct_on=scenario,arch`)), [M[6], M[5], M[3], M[2], M[1]]);
      assert.deepEqual(ids(await getOk(app, `${L}?item=multi&testcases=tc_m&_distinct_on=scenario`)), [M[6], M[5], M[3], M[2]]);
      assert.deepEqual(ids(await getOk(app, `${L}?item=multi&_distinct_on=arch`)), [M[7], M[6], M[2], M[1]]);
      assert.deepEqual(ids(await getOk(app, `${L}?item=multi&_distinct_on=nokey`)), [M[7], M[6]]);
    });

    it('the Greenwave query', async (t) => {
      if (!app) return t.skip('PostgreSQL unavailable');
      const q = `item=multi&type=koji_build,brew-build&_distinct_on=scenario,system_architecture,system_variant`;
      assert.deepEqual(ids(await getOk(app, `${L}?${q}`)), [M[7], M[6], M[5], M[3], M[2]]);
      assert.deepEqual(ids(await getOk(app, `${L}?${q}&testcases=tc_m&since=2023-01-01T00:08:00,2023-01-01T00:11:00`)), [M[4], M[3], M[2]]);
      assert.deepEqual(ids(await getOk(app, `${L}?${q.replace('koji_build,', '')}`)), [M[6]]);
    });

    it('a result winning several combinations is listed once', async (t) => {
      if (!app) return t.skip('PostgreSQL unavailable');
      assert.deepEqual(ids(await getOk(app, `${L}?item=several&_distinct_on=scenario`)), [V[1]]);
    });

    it('any other filter allows _distinct_on', async (t) => {
      if (!app) return t.skip('PostgreSQL unavailable');
      for (const q of ['testcases=tc_v', 'testcases:like=tc_v', 'since=2023-01-01T00:15:00', 'groups=dg', 'item=several', 'scenario:like=*']) {
        const r = await get(app, `${L}?${q}&_distinct_on=scenario`);
        assert.equal(r.status, 200, `${q}: ${r.text}`);
        assert.ok(ids(r.json).includes(V[1]), q);
      }
    });

    it('_distinct_on without another filter is a 400 (outcome, page, limit, _sort do not count)', async (t) => {
      if (!app) return t.skip('PostgreSQL unavailable');
      for (const q of ['_distinct_on=scenario', '_distinct_on=scenario&outcome=PASSED', '_distinct_on=scenario,arch&limit=5&page=1&_sort=asc:submit_time']) {
        const r = await get(app, `${L}?${q}`);
        assert.equal(r.status, 400, q);
        assert.deepEqual(r.json, { message: "Please, provide at least one filter beside '_distinct_on'" });
      }
    });
  });
}
