/** GET /api/v2.0/results and /results/<id>: order and every filter of §2.5, on both stores. */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { STORE_KINDS, testApp, postgresAvailable, type TestApp } from '../helpers/stores.ts';
import { assertValidation, get, getOk, ids, OUTCOME_MSG, postResult, resultBody } from '../helpers/http.ts';

const SEED = [
  {
    testcase: 'dist.rpmlint', outcome: 'PASSED', submit_time: '2021-01-03T10:00:00.0',
    data: { item: 'foo-1', type: 'koji_build', arch: ['x86_64', 'noarch'], moo: 'boo' }, groups: ['g1'],
  },
  {
    testcase: 'dist.rpmdeplint', outcome: 'FAILED', submit_time: '2021-01-03T11:00:00.0',
    data: { item: 'foo-1', type: 'bodhi_update', arch: 'i686', moo: 'woof' }, groups: ['g1', 'g2'],
  },
  {
    testcase: 'other.test', outcome: 'INFO', submit_time: '2021-01-03T12:00:00.0',
    data: { item: 'bar-2', arch: 'noarch', Moo: 'BOO', empty: '', sp: 'a b', br: '[a]*?' }, groups: ['g2'],
  },
  {
    testcase: 'Dist.Upper', outcome: 'NEEDS_INSPECTION', submit_time: '2021-01-03T13:00:00.0',
    data: { item: 'foo-1', callback: 'x', pct: '50%', _: '1' },
  },
  { testcase: 'dist_x', outcome: 'AMAZING', submit_time: '2021-01-04T00:00:00.5', data: { item: 'baz_3', moo: 'Boo' } },
];

/** [query string, expected results as 1-based SEED positions, in response order] */
const FILTERS: [string, number[]][] = [
  // default order and _sort
  ['', [5, 4, 3, 2, 1]],
  ['_sort=asc:submit_time', [1, 2, 3, 4, 5]],
  ['_sort=desc:submit_time', [5, 4, 3, 2, 1]],
  ['_sort=bogus', [5, 4, 3, 2, 1]],
  ['_sort=asc:id', [5, 4, 3, 2, 1]],
  ['_sort=asc:submit_time&_sort=desc:submit_time', [1, 2, 3, 4, 5]],
  ['_distinct_on=item', [5, 4, 3, 2, 1]],
  // testcases, exact and comma lists; only the first occurrence counts; empty items dropped
  ['testcases=dist.rpmlint', [1]],
  ['testcases=dist.rpmlint,other.test', [3, 1]],
  ['testcases=dist.rpmlint&testcases=other.test', [1]],
  ['testcases=,', [5, 4, 3, 2, 1]],
  ['testcases=', [5, 4, 3, 2, 1]],
  ['testcases=dist.rpmlint,', [1]],
  ['testcases=nope', []],
  // testcases:like: * is the wildcard, % and _ stay SQL wildcards, case-sensitive on every store
  ['testcases:like=dist.*', [2, 1]],
  ['testcases:like=dist.*&testcases=other.test', [3, 2, 1]],
  ['testcases:like=dist._pmlint', [1]],
  ['testcases:like=dist%', [5, 2, 1]],
  ['testcases:like=dist_*', [5, 2, 1]],
  ['testcases:like=DIST.*', []],
  ['testcases:like=Dist.*', [4]],
  ['testcases:like=*lint', [2, 1]],
  ['testcases:like=*deplint,other.*', [3, 2]],
  ['testcases:like=*deplint&testcases:like=other.*', [2]],
  ['testcases:like=dist.rpmlint', [1]],
  // a backslash escapes a wildcard, as in PostgreSQL's LIKE
  ['testcases:like=dist%5C_*', [5]],
  ['testcases:like=dist%5C%25', []],
  // outcome: upper-cased, comma list, first occurrence only, empty = no filter
  ['outcome=passed', [1]],
  ['outcome=PASSED,failed', [2, 1]],
  ['outcome=PASSED&outcome=FAILED', [1]],
  ['outcome=', [5, 4, 3, 2, 1]],
  ['outcome=amazing', [5]],
  ['outcome=QUEUED', []],
  // groups
  ['groups=g1', [2, 1]],
  ['groups=g1,g2', [3, 2, 1]],
  ['groups=g2&groups=g1', [3, 2]],
  ['groups=nope', []],
  ['groups=nope,g2', [3, 2]],
  ['groups=,', [5, 4, 3, 2, 1]],
  // since: inclusive bounds, many ISO 8601 forms, offsets converted to UTC (deviation 4)
  ['since=2021-01-03T11:00:00', [5, 4, 3, 2]],
  ['since=2021-01-03T11:00:00,2021-01-03T12:00:00', [3, 2]],
  ['since=2021-01-03T10:00:00,2021-01-03T10:00:00', [1]],
  ['since=2021-01-03T10:00:00,2021-01-03T11:00:00,garbage', [2, 1]],
  ['since=2021-01-03%2011:00:00', [5, 4, 3, 2]],
  ['since=2021-01-03T11:00:00Z', [5, 4, 3, 2]],
  ['since=2021-01-03T11:00:00.000000', [5, 4, 3, 2]],
  ['since=2021-01-03T11:00:00.000001', [5, 4, 3]],
  [`since=${encodeURIComponent('2021-01-03T12:00:00+01:00')}`, [5, 4, 3, 2]],
  [`since=${encodeURIComponent('2021-01-03T12:00:00+01')}`, [5, 4, 3, 2]],
  [`since=${encodeURIComponent('2021-01-03T10:30:00-00:30,2021-01-03T12:00:00+01:00')}`, [2]],
  ['since=2021-01-04', [5]],
  ['since=2021-01-04T00:00:00.5', [5]],
  ['since=2021-01-04T00:00:00.500001', []],
  ['since=2021', [5, 4, 3, 2, 1]],
  ['since=2021-01', [5, 4, 3, 2, 1]],
  ['since=20210103', [5, 4, 3, 2, 1]],
  ['since=2030', []],
  ['since=2000,2021-01-03T10:59:59.999999', [1]],
  ['since=2021-01-04&since=2000', [5]],
  // data filters: exact, OR inside one parameter, AND across, repeated parameters merged
  ['item=foo-1', [4, 2, 1]],
  ['item=foo-1,bar-2', [4, 3, 2, 1]],
  ['item=foo-1&type=koji_build', [1]],
  ['item=foo-1&type=koji_build,bodhi_update', [2, 1]],
  ['arch=noarch&arch=i686', [3, 2, 1]],
  ['arch=noarch,i686', [3, 2, 1]],
  ['arch=x86_64,noarch', [3, 1]],
  ['moo=boo', [1]],
  ['moo=boo,fake', [1]],
  ['moo=boo,woof', [2, 1]],
  ['Moo=BOO', [3]],
  ['moo=BOO', []],
  ['empty=', [3]],
  ['item=', []],
  ['item=foo', []],
  ['moo:like=*oo*', [5, 2, 1]],
  ['moo:like=*fake*,*oo*', [5, 2, 1]],
  ['moo:like=b*&moo:like=w*', [2, 1]],
  ['item%3Alike=bar*', [3]],
  ['moo:like=b*', [1]],
  ['moo:like=B*', [5]],
  ['moo:like=b_o', [1]],
  ['moo:like=*O*', []],
  ['pct:like=50%', [4]],
  ['pct:like=5%', [4]],
  ['item:like=baz_3', [5]],
  ['item:like=ba__3', [5]],
  // characters special to SQLite's GLOB are literals in a LIKE pattern
  ['br:like=[a]*', [3]],
  ['br:like=*%5B*', [3]],
  ['br:like=*?', [3]],
  ['br:like=?*', []],
  ['br:like=[a]%5C*%5C?', []],
  ['br:like=[a]*%5C?', [3]],
  ['br:like=[b]*', []],
  // the query string is decoded before splitting: + is a space, %2C a comma
  ['sp=a+b', [3]],
  ['sp=a%20b', [3]],
  ['sp:like=a+*', [3]],
  ['item=foo-1%2Cbar-2', [4, 3, 2, 1]],
  // a modifier other than like is ignored; more than one colon matches nothing
  ['item:foo=foo-1', [4, 2, 1]],
  ['item:foo=bar-2&item=foo-1', []],
  ['item:foo=bar-2&item=bar-2', [3]],
  ['a:b:c=x', []],
  ['item:like:x=foo-1', []],
  // every non-reserved parameter is a data filter, including accidental ones
  ['callback=x', [4]],
  ['callback=nope', []],
  ['_=1', [4]],
  ['foo=bar', []],
  // everything together
  ['item=foo-1&outcome=failed&groups=g1&testcases:like=dist.*&since=2021-01-03T10:30:00', [2]],
  ['limit=2&limit=5', [5, 4]],
];

for (const kind of STORE_KINDS) {
  describe(`GET /results filters (${kind})`, async () => {
    let app: TestApp;
    let seeded: { id: number }[] = [];
    before(async () => {
      if (kind === 'postgres' && !(await postgresAvailable())) return;
      app = await testApp(kind);
      seeded = [];
      for (const r of SEED) seeded.push(await postResult(app, r));
    });
    after(() => app?.dispose());

    for (const [query, expected] of FILTERS) {
      it(`?${query} → ${expected.length ? expected.map((n) => `R${n}`).join(',') : 'nothing'}`, async (t) => {
        if (!app) return t.skip('PostgreSQL unavailable');
        const body = await getOk(app, `/api/v2.0/results?${query}`);
        assert.deepEqual(ids(body), expected.map((n) => seeded[n - 1].id));
      });
    }

    it('a result in a listing is the full serialized result', async (t) => {
      if (!app) return t.skip('PostgreSQL unavailable');
      const body = await getOk(app, '/api/v2.0/results?testcases=dist.rpmdeplint');
      assert.deepEqual(body, {
        data: [
          resultBody({
            id: seeded[1].id,
            testcase: 'dist.rpmdeplint',
            outcome: 'FAILED',
            submit_time: '2021-01-03T11:00:00',
            data: { arch: ['i686'], item: ['foo-1'], moo: ['woof'], type: ['bodhi_update'] },
            groups: ['g1', 'g2'],
          }),
        ],
        next: null,
        prev: null,
      });
    });

    it('an unknown outcome is a 400 listing every allowed outcome in order', async (t) => {
      if (!app) return t.skip('PostgreSQL unavailable');
      for (const [q, input] of [['outcome=bogus', 'bogus'], ['outcome=PASSED,bogus', 'PASSED,bogus'], ['outcome=bogus&outcome=PASSED', 'bogus']]) {
        assertValidation(await get(app, `/api/v2.0/results?${q}`), [{ input, loc: ['outcome'], msg: OUTCOME_MSG, type: 'value_error' }]);
      }
      // The first occurrence decides: a bad second one is ignored.
      assert.equal((await get(app, '/api/v2.0/results?outcome=PASSED&outcome=bogus')).status, 200);
    });

    it('an invalid since is a 400 "must be in ISO8601 format"', async (t) => {
      if (!app) return t.skip('PostgreSQL unavailable');
      for (const since of ['foo', '', '2021-W01', '2021-01-03T10:00:00,', '2021-13-01', '202101', '2021-01-03T25:00:00', ',2021']) {
        assertValidation(await get(app, `/api/v2.0/results?since=${encodeURIComponent(since)}`), [
          { input: since, loc: ['since'], msg: 'Value error, must be in ISO8601 format', type: 'value_error' },
        ]);
      }
    });

    it('/results/<id> answers the result, and 404 "Result not found" for unknown, non-numeric or huge ids', async (t) => {
      if (!app) return t.skip('PostgreSQL unavailable');
      const one = await getOk(app, `/api/v2.0/results/${seeded[2].id}`);
      assert.deepEqual(one, resultBody({
        id: seeded[2].id,
        testcase: 'other.test',
        outcome: 'INFO',
        submit_time: '2021-01-03T12:00:00',
        data: { Moo: ['BOO'], arch: ['noarch'], br: ['[a]*?'], empty: [''], item: ['bar-2'], sp: ['a b'] },
        groups: ['g2'],
      }));
      for (const id of ['424242', 'abc', '99999999999', '99999999999999999999999', '0', '-1', '1.5', '1e3', '%201', '1%20']) {
        const r = await get(app, `/api/v2.0/results/${id}`);
        assert.equal(r.status, 404, id);
        assert.deepEqual(r.json, { message: 'Result not found' }, id);
      }
    });
  });
}
