import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Kysely } from 'kysely';
import { migrate } from '../../src/store/migrate.ts';
import { getResult } from '../../src/results/store.ts';
import { membersJson, resultJson, type ResultRow } from '../../src/results/serialize.ts';
import { freshStore, postgresAvailable, STORE_KINDS } from '../helpers/stores.ts';

// Text that needs escaping, non-ASCII and none at all.
const notes = [null, 'plain', 'quote " and \\ backslash', 'line\nbreak', 'é 😀', ''];

for (const kind of STORE_KINDS) {
  describe(`migration 004: results written before it get members_json (${kind})`, () => {
    let ctx: Awaited<ReturnType<typeof freshStore>> | undefined;
    before(async () => {
      if (kind === 'postgres' && !(await postgresAvailable())) return;
      ctx = await freshStore(kind, '003_data_wire_form');
    });
    after(() => ctx?.dispose());

    it('fills every row, in batches, and reads give the fields the row was written with', async (t) => {
      if (!ctx) return t.skip('PostgreSQL unavailable');
      // The schema before 004: no members_json column yet.
      const db = ctx.store.db as unknown as Kysely<any>;
      const { id: tc } = await db.insertInto('testcase').values({ name: 'm4/tc', ref_url: 'http://tc' }).returning('id').executeTakeFirstOrThrow();
      const fields = (i: number) => ({
        submit_time: 1_700_000_000_000_000 + i * 1_000_001 - (i % 3 ? 0 : 500_000),
        outcome: ['PASSED', 'FAILED', 'NEEDS_INSPECTION'][i % 3]!,
        note: notes[i % notes.length]!,
        ref_url: i % 4 ? `http://ci/${i}` : null,
      });
      const rows = Array.from({ length: 2500 }, (_, i) => ({ ...fields(i), testcase_id: tc, data_json: `{"n":["${i}"]}`, groups_json: '[]' }));
      for (let i = 0; i < rows.length; i += 500) await db.insertInto('result').values(rows.slice(i, i + 500)).execute();
      assert.deepEqual(await migrate(ctx.store, '004_result_members_json'), ['004_result_members_json']);

      const stored = await db.selectFrom('result').select(['id', 'members_json']).orderBy('id').execute();
      assert.equal(stored.length, 2500);
      stored.forEach((r, i) => assert.equal(r.members_json, membersJson(fields(i)), `row ${i}`));
      await migrate(ctx.store); // the later ones, which reads need
      for (let i = 0; i < 2500; i += 97) {
        const id = Number(stored[i]!.id);
        const got: ResultRow = (await getResult(ctx.store, id))!;
        const f = fields(i);
        assert.deepEqual([got.outcome, got.note, got.ref_url, got.submit_time], [f.outcome, f.note, f.ref_url, f.submit_time]);
        const built = { ...f, id, testcase: { name: 'm4/tc', ref_url: 'http://tc' }, data: [['n', String(i)]] as [string, string][], groups: [] };
        assert.equal(resultJson('http://h', got), resultJson('http://h', built), `row ${i}`);
      }
    });
  });
}
