import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Kysely } from 'kysely';
import type { ResultFilters } from '../../src/results/filters.ts';
import { resultsJson, membersJson, dataJson } from '../../src/results/serialize.ts';
import { createResult, getResult, latestResults, latestResultsOfEach, listResults, type NewResult } from '../../src/results/store.ts';
import { COVER_MAX_BYTES } from '../../src/store/itemCover.ts';
import { migrate } from '../../src/store/migrate.ts';
import { freshStore, postgresAvailable, STORE_KINDS } from '../helpers/stores.ts';

const filters = (data: Record<string, string>, over: Partial<ResultFilters> = {}): ResultFilters => ({
  outcomes: [], groups: [], testcases: [], testcasesLike: [], sort: 'desc', page: 0, limit: 100, distinctOn: [],
  data: Object.entries(data).map(([key, v]) => ({ key, values: v.split(','), like: false })),
  ...over,
});

const LONG_NOTE = 'n'.repeat(COVER_MAX_BYTES);
const LONG_ITEM = 'pkg-long-' + 'x'.repeat(COVER_MAX_BYTES - 200);

/**
 * Results of two items, some whose texts do not fit an index entry (a long note, a long item value),
 * one with two item values, written both ways a result is written (its own statement, a transaction).
 */
function results(): NewResult[] {
  const out: NewResult[] = [];
  for (let i = 0; i < 24; i++) {
    const item = i % 8 === 7 ? LONG_ITEM : `pkg-${i % 2}`;
    const data: [string, string][] = [['item', item], ['arch', ['x86_64', 'aarch64'][i % 2]!], ['scenario', `s${i % 3}`]];
    if (i === 5) data.push(['item', 'pkg-0']);
    if (i === 0) out.push(...many());
    out.push({
      // A new testcase goes through the transaction, a known one through insertAlone (PostgreSQL).
      testcase: i % 4 === 0 ? { name: `cover.tc${i % 5}`, ref_url: `http://tc/${i % 5}` } : { name: `cover.tc${i % 5}` },
      outcome: ['PASSED', 'FAILED'][i % 2]!,
      note: i % 6 === 1 ? LONG_NOTE : `note ${i} é`,
      ref_url: `http://ci/${i}`,
      submit_time: 1_700_000_000_000_000 + (i % 10) * 1_000_000,
      data,
      groups: i % 5 === 3 ? [{ uuid: `00000000-0000-4000-8000-00000000000${i % 7}` }] : [],
    });
  }
  return out;
}

/** More results of one item than a page by item reads whole (WHOLE_ROWS_CAP.page): the probing walk. */
const many = (): NewResult[] => Array.from({ length: 130 }, (_, i) => ({
  testcase: { name: `cover.many${i % 3}` }, outcome: 'PASSED', note: null, ref_url: null,
  submit_time: 1_700_000_000_000_000 + (i % 50) * 1_000_000,
  data: [['item', 'pkg-many'], ['arch', ['x86_64', 'aarch64', 's390x'][i % 3]!]], groups: [],
}));

for (const kind of STORE_KINDS) {
  describe(`the item cover (${kind})`, () => {
    let ctx: Awaited<ReturnType<typeof freshStore>> | undefined;
    const written: { id: number; r: NewResult }[] = [];
    before(async () => {
      if (kind === 'postgres' && !(await postgresAvailable())) return;
      ctx = await freshStore(kind);
      for (const r of results()) written.push({ id: (await createResult(ctx.store, r)).id, r });
    });

    /** The ids of the page `f` asks for, worked out from what was written. */
    const expectedPage = (f: ResultFilters) => {
      const dir = f.sort === 'asc' ? 1 : -1;
      return written
        .filter(({ r }) => f.data.every((d) => r.data.some(([k, v]) => k === d.key && d.values.includes(v))))
        .filter(({ r }) => !f.since || r.submit_time >= f.since.start)
        .sort((a, b) => dir * (a.r.submit_time - b.r.submit_time || a.id - b.id))
        .slice(f.page * f.limit, f.page * f.limit + f.limit + 1)
        .map((w) => w.id);
    };
    after(() => ctx?.dispose());

    const entries = () =>
      (ctx!.store.db as unknown as Kysely<any>).selectFrom('result_data as d').innerJoin('result as r', 'r.id', 'd.result_id')
        .select(['d.key', 'd.value', 'd.members_json', 'd.data_json', 'd.groups_json', 'r.members_json as m', 'r.data_json as dj', 'r.groups_json as g'])
        .execute();

    it('item entries carry their result’s texts when they fit, other entries never', async (t) => {
      if (!ctx) return t.skip('PostgreSQL unavailable');
      let covered = 0;
      let uncovered = 0;
      for (const e of await entries()) {
        const fits = Buffer.byteLength(e.value + e.m + e.dj + e.g) <= COVER_MAX_BYTES;
        if (e.key === 'item' && fits) {
          covered++;
          assert.deepEqual([e.members_json, e.data_json, e.groups_json], [e.m, e.dj, e.g]);
        } else {
          if (e.key === 'item') uncovered++;
          assert.deepEqual([e.members_json, e.data_json, e.groups_json], [null, null, null], `${e.key}=${e.value.slice(0, 20)}`);
        }
      }
      assert.ok(covered >= 15 && uncovered >= 5, `${covered} covered, ${uncovered} not`);
    });

    // Every read the cover serves, checked against the same results read from their rows by id.
    const reads: [string, () => ResultFilters][] = [
      ['a page by item', () => filters({ item: 'pkg-1' })],
      ['a page by a long item', () => filters({ item: LONG_ITEM })],
      ['a page by item and another key', () => filters({ item: 'pkg-1', scenario: 's1' })],
      ['a later page by item and another key, oldest first', () => filters({ item: 'pkg-0', arch: 'x86_64' }, { sort: 'asc', limit: 2, page: 1 })],
      ['a page by an item of many results and another key', () => filters({ item: 'pkg-many', arch: 's390x' }, { limit: 7, page: 2 })],
      ['a page by an item of many results and two other keys', () => filters({ item: 'pkg-many', arch: 's390x,aarch64' }, { limit: 30 })],
      ['a page by item within a time range, oldest first', () => filters({ item: 'pkg-0' }, { since: { start: 1_700_000_002_000_000, end: null }, sort: 'asc', limit: 3, page: 1 })],
    ];
    for (const [name, f] of reads) {
      it(`${name}: the results as their rows give them`, async (t) => {
        if (!ctx) return t.skip('PostgreSQL unavailable');
        const got = await listResults(ctx.store, f());
        assert.ok(got.length > 0);
        assert.deepEqual(got.map((r) => r.id), expectedPage(f()));
        const byId = await Promise.all(got.map((r) => getResult(ctx!.store, r.id)));
        assert.equal(resultsJson('http://h', got), resultsJson('http://h', byId.map((r) => r!)));
        assert.ok(got.every((r) => r.data.some(([k, v]) => k === 'item' && v === f().data[0]!.values[0])));
      });
    }

    it('a page and "latest" by item include results whose texts did not fit, with their texts', async (t) => {
      if (!ctx) return t.skip('PostgreSQL unavailable');
      const page = await listResults(ctx.store, filters({ item: 'pkg-1' }));
      const long = page.filter((r) => r.note === LONG_NOTE);
      assert.ok(long.length >= 2, 'the long notes are listed');
      for (const r of long) assert.equal(r.membersJson, membersJson(r));
      const inLong = await listResults(ctx.store, filters({ item: LONG_ITEM }));
      assert.equal(inLong.length, 3);
      for (const r of inLong) assert.equal(r.dataJson, dataJson(r.data));
    });

    it('"latest" by item, with and without distinct keys, and for several items at once, as from the rows', async (t) => {
      if (!ctx) return t.skip('PostgreSQL unavailable');
      for (const f of [filters({ item: 'pkg-1' }), filters({ item: 'pkg-0' }, { distinctOn: ['scenario'] }), filters({ item: 'pkg-1', arch: 'aarch64' }, { distinctOn: ['scenario'] }), filters({ item: LONG_ITEM }, { testcases: ['cover.tc2', 'cover.tc4'] })]) {
        const got = await latestResults(ctx.store, f);
        assert.ok(got.length > 0, JSON.stringify(f.data));
        if (f.testcases.length) assert.ok(got.every((r) => f.testcases.includes(r.testcase.name)));
        const byId = await Promise.all(got.map((r) => getResult(ctx!.store, r.id)));
        assert.equal(resultsJson('http://h', got), resultsJson('http://h', byId.map((r) => r!)));
      }
      const each = await latestResultsOfEach(ctx.store, [filters({ item: 'pkg-0' }), filters({ item: 'pkg-1' }), filters({ item: LONG_ITEM })]);
      const alone = await Promise.all([filters({ item: 'pkg-0' }), filters({ item: 'pkg-1' }), filters({ item: LONG_ITEM })].map((f) => latestResults(ctx!.store, f)));
      assert.deepEqual(each.map((rows) => resultsJson('http://h', rows)), alone.map((rows) => resultsJson('http://h', rows)));
      assert.ok(each.every((rows) => rows.length > 0));
    });
  });

  describe(`migration 005: item entries written before it get their result’s texts (${kind})`, () => {
    let ctx: Awaited<ReturnType<typeof freshStore>> | undefined;
    before(async () => {
      if (kind === 'postgres' && !(await postgresAvailable())) return;
      ctx = await freshStore(kind, '004_result_members_json');
    });
    after(() => ctx?.dispose());

    it('copies them where they fit, leaves the rest without', async (t) => {
      if (!ctx) return t.skip('PostgreSQL unavailable');
      // The schema before 005: result_data without the text columns.
      const db = ctx.store.db as unknown as Kysely<any>;
      const { id: tc } = await db.insertInto('testcase').values({ name: 'm5/tc' }).returning('id').executeTakeFirstOrThrow();
      const rows = [
        { item: 'a', note: 'short' },
        { item: 'b', note: LONG_NOTE },
        { item: LONG_ITEM, note: 'short' },
      ];
      for (const [i, r] of rows.entries()) {
        const members = membersJson({ note: r.note, outcome: 'PASSED', ref_url: null, submit_time: 1_700_000_000_000_000 + i });
        const data = dataJson([['item', r.item], ['arch', 'x86_64']]);
        const { id } = await db.insertInto('result')
          .values({ testcase_id: tc, submit_time: 1_700_000_000_000_000 + i, outcome: 'PASSED', note: r.note, data_json: data, groups_json: '[]', members_json: members })
          .returning('id').executeTakeFirstOrThrow();
        await db.insertInto('result_data').values([
          { result_id: id, seq: 0, key: 'item', value: r.item, submit_time: 1_700_000_000_000_000 + i, testcase_id: tc },
          { result_id: id, seq: 1, key: 'arch', value: 'x86_64', submit_time: 1_700_000_000_000_000 + i, testcase_id: tc },
        ]).execute();
      }
      assert.deepEqual(await migrate(ctx.store, '005_item_cover'), ['005_item_cover']);
      const got = await db.selectFrom('result_data as d').innerJoin('result as r', 'r.id', 'd.result_id')
        .select(['d.key', 'd.value', 'd.members_json', 'd.data_json', 'd.groups_json', 'r.members_json as m', 'r.data_json as dj'])
        .orderBy('d.result_id').orderBy('d.seq').execute();
      assert.equal(got.length, 6);
      assert.deepEqual([got[0]!.members_json, got[0]!.data_json, got[0]!.groups_json], [got[0]!.m, got[0]!.dj, '[]']);
      for (const e of got.slice(1)) assert.deepEqual([e.members_json, e.data_json, e.groups_json], [null, null, null], `${e.key}=${e.value.slice(0, 10)}`);
      // Reads by item give every one of them whole.
      await migrate(ctx.store);
      for (const r of rows) {
        const [one] = await listResults(ctx.store, filters({ item: r.item }));
        assert.equal(one!.note, r.note);
      }
    });
  });
}
