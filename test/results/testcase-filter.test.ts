import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { membersJson } from '../../src/results/serialize.ts';
import { postgresAvailable, STORE_KINDS, testApp, type TestApp } from '../helpers/stores.ts';

// Exact testcase names are resolved to ids (remembered once found) before the results are read.
for (const kind of STORE_KINDS) {
  describe(`testcases filter by name (${kind})`, () => {
    let app: TestApp | undefined;
    const get = async (url: string) => (await app!.inject({ url })).json();
    before(async () => {
      if (kind === 'postgres' && !(await postgresAvailable())) return;
      app = await testApp(kind);
      for (let i = 0; i < 12; i++) {
        const body = { testcase: `tc.${i % 3}`, outcome: i % 2 ? 'PASSED' : 'FAILED', data: { item: `pkg-${i % 2}` }, submit_time: 1_700_000_000_000 + i * 1000 };
        assert.equal((await app.inject({ method: 'POST', url: '/api/v2.0/results', payload: body })).statusCode, 201);
      }
    });
    after(() => app?.dispose());

    it('one, several and unknown names select exactly their results, on every path', async (t) => {
      if (!app) return t.skip('PostgreSQL unavailable');
      for (const [names, want] of [['tc.1', 4], ['tc.0,tc.2', 8], ['tc.1,nope', 4], ['nope', 0], ['tc.1,tc.1', 4]] as const) {
        for (const extra of ['', '&item=pkg-1', '&item:like=pkg-*', '&since=2023-11-14T22:13:20', '&outcome=PASSED']) {
          const page = await get(`/api/v2.0/results?testcases=${names}${extra}&limit=100`);
          const like = `testcases:like=${names}`;
          const viaLike = await get(`/api/v2.0/results?${like}${extra}&limit=100`);
          assert.deepEqual(page.data, viaLike.data, `${names}${extra}`);
          if (!extra) assert.equal(page.data.length, want, names);
          assert.ok(page.data.every((r: { testcase: { name: string } }) => names.split(',').includes(r.testcase.name)));
          const latest = await get(`/api/v2.0/results/latest?testcases=${names}${extra}`);
          assert.deepEqual(latest.data, (await get(`/api/v2.0/results/latest?${like}${extra}`)).data, `latest ${names}${extra}`);
        }
      }
    });

    it('a name unknown at one query is found once another writer creates it', async (t) => {
      if (!app) return t.skip('PostgreSQL unavailable');
      assert.deepEqual((await get('/api/v2.0/results?testcases=later.tc')).data, []);
      // Written around this process's application, as another server process would.
      const db = app.store.db;
      const tc = await db.insertInto('testcase').values({ name: 'later.tc', ref_url: null }).returning('id').executeTakeFirstOrThrow();
      const fields = { submit_time: 1_700_000_100_000_000, outcome: 'PASSED', note: null, ref_url: null };
      const r = await db.insertInto('result')
        .values({ ...fields, testcase_id: tc.id, data_json: '{}', groups_json: '[]', members_json: membersJson(fields) })
        .returning('id').executeTakeFirstOrThrow();
      const page = await get('/api/v2.0/results?testcases=later.tc');
      assert.deepEqual(page.data.map((x: { id: number }) => x.id), [Number(r.id)]);
      assert.equal((await get('/api/v2.0/results/latest?testcases=later.tc,tc.0')).data.length, 2);
    });
  });
}
