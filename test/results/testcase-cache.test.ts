import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ResultFilters } from '../../src/results/filters.ts';
import { createResult, getResult, latestResults, listResults, upsertTestcase, type NewResult } from '../../src/results/store.ts';
import { testcasesOf } from '../../src/results/testcases.ts';
import { openStore, type Store } from '../../src/store/connection.ts';
import { migrate } from '../../src/store/migrate.ts';
import { freshStore, postgresAvailable, STORE_KINDS } from '../helpers/stores.ts';

const byItem = (item: string): ResultFilters => ({
  outcomes: [], groups: [], testcases: [], testcasesLike: [], sort: 'desc', page: 0, limit: 20, distinctOn: [],
  data: [{ key: 'item', values: [item], like: false }],
});
const result = (testcase: NewResult['testcase'], item: string, t = 0): NewResult => ({
  testcase, outcome: 'PASSED', note: null, ref_url: null, submit_time: 1_700_000_000_000_000 + t, data: [['item', item]], groups: [],
});
const epochOf = async (store: Store) =>
  Number((await store.db.selectFrom('testcase_epoch').select('epoch').where('id', '=', 1).executeTakeFirstOrThrow()).epoch);

// Reads take a testcase's name and ref_url from a cache in the process. Two stores on one database
// stand for two server processes: a change made through one shows in the other's very next read.
for (const kind of STORE_KINDS) {
  describe(`testcases of read results, across processes (${kind})`, () => {
    let a: Store | undefined;
    let b: Store;
    let cleanup: () => Promise<void>;
    before(async () => {
      if (kind === 'postgres') {
        if (!(await postgresAvailable())) return;
        const ctx = await freshStore('postgres');
        a = ctx.store;
        b = openStore(ctx.url, { poolSize: 2 });
        cleanup = async () => { await b.close(); await ctx.dispose(); };
      } else {
        const dir = mkdtempSync(join(tmpdir(), 'rdb-tc-'));
        a = openStore(`sqlite:${join(dir, 'db.sqlite')}`);
        await migrate(a);
        b = openStore(`sqlite:${join(dir, 'db.sqlite')}`);
        cleanup = async () => { await a!.close(); await b.close(); rmSync(dir, { recursive: true, force: true }); };
      }
    });
    after(() => cleanup?.());

    it('a ref_url changed by another process shows in the next read of every kind', async (t) => {
      if (!a) return t.skip('PostgreSQL unavailable');
      const first = await createResult(a, result({ name: 'cache.tc', ref_url: 'http://one' }, 'cache-1'));
      await createResult(a, result({ name: 'cache.tc' }, 'cache-1', 1));
      assert.equal((await listResults(a, byItem('cache-1')))[0]!.testcase.ref_url, 'http://one');
      const before = await epochOf(a);

      await upsertTestcase(b.db, { name: 'cache.tc', ref_url: 'http://two' }, 'non-null');
      assert.equal(await epochOf(a), before + 1);
      assert.deepEqual((await listResults(a, byItem('cache-1'))).map((r) => r.testcase.ref_url), ['http://two', 'http://two']);
      assert.equal((await latestResults(a, byItem('cache-1')))[0]!.testcase.ref_url, 'http://two');
      assert.equal((await getResult(a, first.id))!.testcase.ref_url, 'http://two');

      // Through a result naming its testcase with a new ref_url (the transaction path).
      await createResult(b, result({ name: 'cache.tc', ref_url: null }, 'cache-2'));
      assert.equal((await getResult(a, first.id))!.testcase.ref_url, null);
      assert.equal(await epochOf(a), before + 2);
    });

    it('an unchanged ref_url leaves the epoch alone; a new testcase is read without one', async (t) => {
      if (!a) return t.skip('PostgreSQL unavailable');
      await createResult(a, result({ name: 'steady.tc', ref_url: 'http://s' }, 'steady'));
      const before = await epochOf(a);
      await upsertTestcase(b.db, { name: 'steady.tc', ref_url: 'http://s' }, 'non-null');
      await createResult(b, result({ name: 'steady.tc', ref_url: 'http://s' }, 'steady', 1));
      await createResult(b, result({ name: 'fresh.tc', ref_url: 'http://f' }, 'steady', 2));
      assert.equal(await epochOf(a), before);
      assert.deepEqual((await listResults(a, byItem('steady'))).map((r) => [r.testcase.name, r.testcase.ref_url]),
        [['fresh.tc', 'http://f'], ['steady.tc', 'http://s'], ['steady.tc', 'http://s']]);
    });

    it('a change rolled back leaves ref_url and epoch as they were', async (t) => {
      if (!a) return t.skip('PostgreSQL unavailable');
      const r = await createResult(a, result({ name: 'rollback.tc', ref_url: 'http://kept' }, 'rb'));
      const before = await epochOf(a);
      await assert.rejects(createResult(b, result({ name: 'rollback.tc', ref_url: 'http://lost' }, 'rb', 1), async () => {
        throw new Error('boom');
      }));
      assert.equal(await epochOf(a), before);
      assert.equal((await getResult(a, r.id))!.testcase.ref_url, 'http://kept');
    });

    it('a read at an older epoch may use the cache; one at a newer epoch reads the testcase again', async (t) => {
      if (!a) return t.skip('PostgreSQL unavailable');
      const r = await createResult(a, result({ name: 'epoch.tc', ref_url: 'http://e1' }, 'ep'));
      const id = Number((await a.db.selectFrom('testcase').select('id').where('name', '=', 'epoch.tc').executeTakeFirstOrThrow()).id);
      const e1 = await epochOf(a);
      assert.equal((await testcasesOf(a, [id], e1))(id).ref_url, 'http://e1');
      await upsertTestcase(b.db, { name: 'epoch.tc', ref_url: 'http://e2' }, 'non-null');
      // Rows read before the change (their epoch e1) may name the ref_url they were read with.
      assert.equal((await testcasesOf(a, [id], e1))(id).ref_url, 'http://e1');
      assert.equal((await testcasesOf(a, [id], e1 + 1))(id).ref_url, 'http://e2');
      assert.equal((await getResult(a, r.id))!.testcase.ref_url, 'http://e2');
    });
  });
}
