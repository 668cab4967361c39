import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { runShape, slotsFor } from '../../src/store/statements.ts';
import { freshStore, postgresAvailable, STORE_KINDS } from '../helpers/stores.ts';

for (const kind of STORE_KINDS) {
  describe(`statements built once per shape (${kind})`, () => {
    let ctx: Awaited<ReturnType<typeof freshStore>> | undefined;
    before(async () => {
      if (kind === 'postgres' && !(await postgresAvailable())) return;
      ctx = await freshStore(kind);
      await ctx.store.db.insertInto('testcase').values(['a.one', 'a.two', 'b.one', 'b.two'].map((name) => ({ name, ref_url: `https://${name}` }))).execute();
    });
    after(() => ctx?.dispose());

    // Testcases whose name is one of `names` and whose ref_url is not `skip`, with `limit` as a constant of the shape.
    const names = (names: string[], skip: string, limit: number, built: { n: number }) =>
      runShape(ctx!.store, `test-names${JSON.stringify([names.length, limit])}`, [...names, skip], () => {
        built.n++;
        const [s] = slotsFor([skip], names.length);
        return ctx!.store.db
          .selectFrom('testcase')
          .select('name')
          .where(ctx!.store.dialect.inList(sql.ref('name'), slotsFor(names)))
          .where('ref_url', '!=', s!)
          .orderBy('name')
          .limit(limit);
      }).then((rows) => rows.map((r) => r.name));

    it('builds a shape once and binds each run’s own values, lists included', async (t) => {
      if (!ctx) return t.skip('PostgreSQL unavailable');
      const built = { n: 0 };
      assert.deepEqual(await names(['a.one', 'b.two'], 'none', 10, built), ['a.one', 'b.two']);
      assert.deepEqual(await names(['a.two', 'b.one'], 'https://b.one', 10, built), ['a.two']);
      assert.deepEqual(await names(['x', 'y'], 'none', 10, built), []);
      assert.equal(built.n, 1);
      // Another list length or constant is another shape.
      assert.deepEqual(await names(['a.one', 'a.two', 'b.one'], 'none', 2, built), ['a.one', 'a.two']);
      assert.equal(built.n, 2);
    });

    it('refuses a builder that computes with a slot instead of passing it as a value', async (t) => {
      if (!ctx) return t.skip('PostgreSQL unavailable');
      const run = (shape: string, build: (limit: number) => number) =>
        runShape(ctx!.store, shape, [5], () => {
          const [limit] = slotsFor([5]);
          return ctx!.store.db.selectFrom('testcase').select('name').limit(build(limit!));
        });
      await assert.rejects(run('test-arithmetic', (limit) => limit + 1), /slot was used other than as a query value/);
      await assert.rejects(run('test-string', (limit) => Number(`${limit}`)), /slot was used other than as a query value/);
      assert.equal((await run('test-value', (limit) => limit)).length, 4);
    });
  });
}
