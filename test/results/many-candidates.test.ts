import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createResult } from '../../src/results/store.ts';
import { postgresAvailable, STORE_KINDS, testApp, type TestApp } from '../helpers/stores.ts';

// An item with more results than a page reads whole (100) takes the index walk, with other data
// filters probed per candidate (matches rare among 800 candidates), and a multi-valued item filter
// (`item=a,b`) yet another; all must agree with the planner's path (`item:like`), which never uses
// the filter index.
for (const kind of STORE_KINDS) {
  describe(`an item with many results (${kind})`, () => {
    let app: TestApp | undefined;
    const get = async (url: string) => (await app!.inject({ url })).json();
    before(async () => {
      if (kind === 'postgres' && !(await postgresAvailable())) return;
      app = await testApp(kind);
      for (let i = 0; i < 800; i++) {
        const data: [string, string][] = [['item', 'big-1'], ['arch', ['x86_64', 'aarch64', 'noarch'][i % 3]], ['scenario', `s${i % 4}`]];
        await createResult(app.store, {
          testcase: { name: `tc.${i % 7}` }, outcome: i % 5 ? 'PASSED' : 'FAILED', note: null, ref_url: null,
          submit_time: 1_700_000_000_000_000 + (i % 90) * 1_000_000, data, groups: [],
        });
      }
    });
    after(() => app?.dispose());

    for (const q of ['', '&arch=noarch', '&arch=noarch&scenario=s1', '&arch=x86_64,noarch&outcome=FAILED', '&testcases=tc.3&arch=aarch64',
      '&arch=noarch&scenario=s1&outcome=FAILED']) {
      it(`/results and /results/latest agree for ${q || 'item only'}`, async (t) => {
        if (!app) return t.skip('PostgreSQL unavailable');
        for (const item of ['item=big-1', 'item=big-1,none-such']) {
          for (const page of ['&limit=30', '&limit=30&page=2', '&limit=1000', '&limit=25&_sort=asc:submit_time']) {
            const indexed = await get(`/api/v2.0/results?${item}${q}${page}`);
            const planned = await get(`/api/v2.0/results?item:like=big-1${q}${page}`);
            assert.deepEqual(indexed.data, planned.data, `${item}${q}${page}`);
            assert.equal(indexed.next === null, planned.next === null);
          }
          for (const distinct of ['', '&_distinct_on=scenario', '&_distinct_on=arch,scenario']) {
            const latest = await get(`/api/v2.0/results/latest?${item}${q}${distinct}`);
            assert.ok(latest.data.length > 0);
            const planned = await get(`/api/v2.0/results/latest?item:like=big-1${q}${distinct}`);
            assert.deepEqual(latest.data, planned.data, `${item}${q}${distinct}`);
          }
        }
      });
    }
  });
}
