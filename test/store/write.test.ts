import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { createResult, upsertTestcase, type NewResult } from '../../src/results/store.ts';
import { likeToGlob } from '../../src/store/dialect.ts';
import { parseDatabaseUrl } from '../../src/store/connection.ts';
import { rowCounts } from '../helpers/http.ts';
import { migrate } from '../../src/store/migrate.ts';
import { freshStore, postgresAvailable, STORE_KINDS } from '../helpers/stores.ts';

const input = (over: Partial<NewResult> = {}): NewResult => ({
  testcase: { name: 'atomic.tc', ref_url: 'https://tc' },
  outcome: 'PASSED',
  note: null,
  ref_url: null,
  submit_time: 1_700_000_000_000_000,
  data: [['item', 'x'], ['item', 'y']],
  groups: [{ uuid: 'atomic-group', description: 'd' }],
  ...over,
});

for (const kind of STORE_KINDS) {
  describe(`writing results (${kind})`, () => {
    let ctx: Awaited<ReturnType<typeof freshStore>> | undefined;
    before(async () => {
      if (kind === 'postgres' && !(await postgresAvailable())) return;
      ctx = await freshStore(kind);
    });
    after(() => ctx?.dispose());

    it('a failure inside the write transaction leaves nothing behind', async (t) => {
      if (!ctx) return t.skip('PostgreSQL unavailable');
      await assert.rejects(
        createResult(ctx.store, input(), async () => {
          throw new Error('outbox down');
        }),
        /outbox down/,
      );
      assert.deepEqual(await rowCounts(ctx), { testcase: 0, result_group: 0, result: 0, result_data: 0, groups_to_results: 0 });
    });

    it('writes the result, its data in order, its groups and upserts, and the hook sees the row', async (t) => {
      if (!ctx) return t.skip('PostgreSQL unavailable');
      let seen: number | undefined;
      const row = await createResult(ctx.store, input(), async (_trx, r) => void (seen = r.id));
      assert.equal(seen, row.id);
      assert.deepEqual(row.data, [['item', 'x'], ['item', 'y']]);
      assert.deepEqual(await rowCounts(ctx), { testcase: 1, result_group: 1, result: 1, result_data: 2, groups_to_results: 1 });
    });

    it('many concurrent writers creating the same new testcase and group all succeed', async (t) => {
      if (!ctx) return t.skip('PostgreSQL unavailable');
      const rows = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          createResult(ctx!.store, input({ testcase: { name: 'race.tc' }, groups: [{ uuid: 'race-group' }], data: [['n', String(i)]] })),
        ),
      );
      assert.equal(new Set(rows.map((r) => r.id)).size, 20);
      const tcs = await ctx.store.db.selectFrom('testcase').select('name').where('name', '=', 'race.tc').execute();
      assert.equal(tcs.length, 1);
    });

    it('a testcase from a rolled-back write is not remembered, and a changed ref_url is always current', async (t) => {
      if (!ctx) return t.skip('PostgreSQL unavailable');
      const tc = { name: 'cache.tc' };
      await assert.rejects(createResult(ctx.store, input({ testcase: tc }), async () => { throw new Error('boom'); }));
      const first = await createResult(ctx.store, input({ testcase: tc, groups: [] }));
      assert.equal(first.testcase.ref_url, null);
      // Another writer (or process) changes the ref_url; the next plain-name result shows it.
      await upsertTestcase(ctx.store.db, { name: 'cache.tc', ref_url: 'https://new' }, 'non-null');
      const second = await createResult(ctx.store, input({ testcase: tc, groups: [] }));
      assert.equal(second.testcase.ref_url, 'https://new');
    });

    it('a result of a known testcase without groups is written as the full write writes it (one statement on PostgreSQL)', async (t) => {
      if (!ctx) return t.skip('PostgreSQL unavailable');
      // Statements as Kysely runs them; BEGIN and COMMIT are the driver's and do not count.
      let statements = 0;
      const counting = { ...ctx.store, db: ctx.store.db.withPlugin({ transformQuery: (a) => a.node, transformResult: async (a) => (statements++, a.result) }) };
      const one = (name: string) => input({ testcase: { name }, groups: [], data: [['item', 'x'], ['b', 'y'], ['item', 'x'], ['é', '']] });
      const full = await createResult(counting, one('one.tc'));
      statements = 0;
      const alone = await createResult(counting, one('one.tc'));
      if (kind === 'postgres') assert.equal(statements, 1);
      assert.deepEqual({ ...alone, id: 0 }, { ...full, id: 0 });
      const indexRows = async (id: number) =>
        (await ctx!.store.db.selectFrom('result_data').select(['seq', 'key', 'value', 'submit_time', 'testcase_id']).where('result_id', '=', id).orderBy('seq').execute())
          .map((r) => ({ ...r, submit_time: Number(r.submit_time) }));
      assert.deepEqual(await indexRows(alone.id), await indexRows(full.id));
      assert.equal((await indexRows(alone.id)).length, 3);
      const read = await ctx.store.db.selectFrom('result').select(['data_json', 'groups_json', 'outcome', 'testcase_id']).where('id', 'in', [full.id, alone.id]).orderBy('id').execute();
      assert.deepEqual(read[1], read[0]);
    });

    it(`a one-statement write that fails leaves nothing behind${kind === 'sqlite' ? ' (SQLite: stored)' : ''}`, async (t) => {
      if (!ctx) return t.skip('PostgreSQL unavailable');
      await createResult(ctx.store, input({ testcase: { name: 'fail.tc' }, groups: [] }));
      const before = await rowCounts(ctx);
      // Past what a PostgreSQL index entry holds, even compressed: the data insert fails after the result's.
      const big = randomBytes(20_000).toString('base64');
      const write = createResult(ctx.store, input({ testcase: { name: 'fail.tc' }, groups: [], data: [['item', 'z'], ['big', big]] }));
      if (kind === 'sqlite') return assert.equal((await write).data[1]![1], big);
      await assert.rejects(write, (e: { code?: string }) => e.code === '54000');
      assert.deepEqual(await rowCounts(ctx), before);
    });

    it('results written at the same moment share statements, each written whole and answered with its own id or error', async (t) => {
      if (!ctx) return t.skip('PostgreSQL unavailable');
      let statements = 0;
      const counting = { ...ctx.store, db: ctx.store.db.withPlugin({ transformQuery: (a) => a.node, transformResult: async (a) => (statements++, a.result) }) };
      // The testcase known to this store: its results take the one-statement path.
      await createResult(counting, input({ testcase: { name: 'batch.tc', ref_url: 'https://b' }, groups: [] }));
      statements = 0;
      const before = await rowCounts(ctx);
      const big = randomBytes(20_000).toString('base64');
      const inputs = Array.from({ length: 40 }, (_, i) => input({
        testcase: { name: 'batch.tc' }, groups: [], note: `n${i}`, submit_time: 1_700_000_000_000_000 + i,
        data: i === 17 ? [['item', `b${i}`], ['big', big]] : [['item', `b${i}`], ['arch', i % 2 ? 'x86_64' : 'aarch64'], ['k', String(i)]],
      }));
      const settled = await Promise.allSettled(inputs.map((r) => createResult(counting, r)));
      if (kind === 'postgres') {
        // The one too large to index fails alone, with the store's own error; the others are written.
        assert.equal(settled[17]!.status, 'rejected');
        assert.equal((settled[17] as PromiseRejectedResult).reason.code, '54000');
        assert.ok(statements < 40, `${statements} statements for 40 results`);
      }
      const written = settled.flatMap((s, i) => (s.status === 'fulfilled' ? [{ row: s.value, input: inputs[i]! }] : []));
      assert.equal(written.length, kind === 'postgres' ? 39 : 40);
      assert.equal(new Set(written.map((w) => w.row.id)).size, written.length);
      const after = await rowCounts(ctx);
      assert.equal(after.result - before.result, written.length);
      assert.equal(after.result_data - before.result_data, written.reduce((n, w) => n + w.input.data.length, 0));
      for (const { row, input: sent } of written) {
        assert.equal(row.note, sent.note);
        const stored = await ctx.store.db.selectFrom('result').select(['note', 'submit_time', 'data_json']).where('id', '=', row.id).executeTakeFirstOrThrow();
        assert.deepEqual([stored.note, Number(stored.submit_time)], [sent.note, sent.submit_time]);
        const entries = await ctx.store.db.selectFrom('result_data').select(['key', 'value', 'submit_time', 'data_json'])
          .where('result_id', '=', row.id).orderBy('seq').execute();
        assert.deepEqual(entries.map((e) => [e.key, e.value, Number(e.submit_time)]), sent.data.map(([k, v]) => [k, v, sent.submit_time]));
        // The item cover's copy, on the item entry alone, when it fits (SQLite writes the big one too).
        const fits = sent !== inputs[17];
        assert.deepEqual(entries.map((e) => e.data_json), entries.map((e) => (e.key === 'item' && fits ? stored.data_json : null)));
      }
    });

    it('migrating again is a no-op', async (t) => {
      if (!ctx) return t.skip('PostgreSQL unavailable');
      assert.deepEqual(await migrate(ctx.store), []);
    });
  });
}

describe('store helpers', () => {
  it('parses database URLs', () => {
    assert.deepEqual(parseDatabaseUrl('postgres://u:p@h/db'), { kind: 'postgres', url: 'postgres://u:p@h/db' });
    assert.deepEqual(parseDatabaseUrl('postgresql://h/db'), { kind: 'postgres', url: 'postgresql://h/db' });
    assert.deepEqual(parseDatabaseUrl('sqlite:data/x.db'), { kind: 'sqlite', path: 'data/x.db' });
    assert.deepEqual(parseDatabaseUrl('sqlite:///tmp/x.db'), { kind: 'sqlite', path: '/tmp/x.db' });
    assert.deepEqual(parseDatabaseUrl('/var/lib/r.sqlite'), { kind: 'sqlite', path: '/var/lib/r.sqlite' });
    assert.throws(() => parseDatabaseUrl('mysql://h/db'), /unsupported database URL scheme: mysql/);
  });

  it('translates PostgreSQL LIKE patterns to case-sensitive GLOB', () => {
    assert.equal(likeToGlob('dist.%'), 'dist.*');
    assert.equal(likeToGlob('a_c'), 'a?c');
    assert.equal(likeToGlob('a*b?[c]'), 'a[*]b[?][[]c]');
    assert.equal(likeToGlob('100\\%'), '100%');
    assert.equal(likeToGlob('a\\_b'), 'a_b');
  });
});
