import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { buildApp } from '../../src/http/app.ts';
import { allowedOutcomes } from '../../src/results/outcomes.ts';
import { openStore, type Store } from '../../src/store/connection.ts';
import { factsToken, latestResultsOf, waiversOf } from '../../src/gating/store.ts';
import { BUILTIN_SUBJECT_TYPES } from '../../src/gating/subjects.ts';
import { freshStore, postgresAvailable } from '../helpers/stores.ts';

/**
 * PostgreSQL keeps one generic plan of a prepared statement only when it estimates it no costlier than
 * the plans made for the values at hand. A row count as a parameter, or a rare value it can see, made
 * it re-plan the hot reads on every run (0.1–0.3 ms of its CPU each). These tests read the server's
 * own record of how each statement was planned, over a data set with real statistics.
 */
const RESULTS = 30_000;
// Not a multiple of 3: every item has results on each architecture.
const ITEMS = 1_499;
const item = (i: number) => `pkg-${i % ITEMS}-1.0-1.fc40`;

async function seed(store: Store): Promise<void> {
  await sql`insert into testcase (name) select 'plan.tc.' || i from generate_series(1, 60) i`.execute(store.db);
  const rows = sql`select i, 1 + i % 60 as tc, 1700000000000000 + i::bigint * 1000000 as t,
      'pkg-' || (i % ${ITEMS}) || '-1.0-1.fc40' as it, (array['x86_64', 'aarch64', 's390x'])[1 + i % 3] as a
    from generate_series(1, ${RESULTS}) i`;
  await sql`insert into result (id, testcase_id, submit_time, outcome, data_json, groups_json)
    select i, tc, t, (array['PASSED', 'FAILED', 'INFO'])[1 + i % 3],
      '{"arch":["' || a || '"],"item":["' || it || '"],"type":["koji_build"]}', '[]' from (${rows}) s`.execute(store.db);
  await sql`insert into result_data (result_id, seq, key, value, submit_time, testcase_id)
    select i, k.seq, k.key, k.value, t, tc from (${rows}) s
    cross join lateral (values (0, 'arch', a), (1, 'item', it), (2, 'type', 'koji_build')) as k(seq, key, value)`.execute(store.db);
  // The item cover's copies of the texts (store/itemCover.ts), as writes leave them.
  await sql`update result_data as d set members_json = r.members_json, data_json = r.data_json, groups_json = r.groups_json
    from result as r where r.id = d.result_id and d.key = 'item'`.execute(store.db);
  await sql`select setval(pg_get_serial_sequence('result', 'id'), ${RESULTS})`.execute(store.db);
  // Steady state: statistics gathered and the visibility map set, as autovacuum leaves a table.
  await sql`vacuum analyze`.execute(store.db);
}

type Plans = Map<string, { generic: number; custom: number }>;

describe('hot reads are planned once by PostgreSQL (postgres)', () => {
  let ctx: Awaited<ReturnType<typeof freshStore>> | undefined;
  // One connection (no pipelined ones): every statement is prepared on the backend whose record is read.
  let store: Store;
  let app: Awaited<ReturnType<typeof buildApp>>;
  before(async () => {
    if (!(await postgresAvailable())) return;
    ctx = await freshStore('postgres');
    await seed(ctx.store);
    store = openStore(ctx.url, { poolSize: 1, pipelines: 0 });
    app = await buildApp({ store, outcomes: allowedOutcomes([]), maxLimit: 1000, bodyLimit: 1 << 20, logger: false });
  });
  after(async () => {
    await app?.close();
    await store?.close();
    await ctx?.dispose();
  });

  const plans = async (): Promise<Plans> => {
    const { rows } = await sql<{ statement: string; generic_plans: string; custom_plans: string }>`
      select statement, generic_plans, custom_plans from pg_prepared_statements`.execute(store.db);
    return new Map(rows.map((r) => [r.statement, { generic: Number(r.generic_plans), custom: Number(r.custom_plans) }]));
  };

  /** The prepared statements `read` ran at least `runs` times over, with how each was planned. */
  async function statementsOf(read: (i: number) => Promise<unknown>, runs = 8): Promise<Plans> {
    const before = await plans();
    for (let i = 0; i < runs; i++) await read(i);
    const used: Plans = new Map();
    for (const [text, p] of await plans()) {
      const was = before.get(text) ?? { generic: 0, custom: 0 };
      const delta = { generic: p.generic - was.generic, custom: p.custom - was.custom };
      if (delta.generic + delta.custom >= runs) used.set(text, delta);
    }
    return used;
  }

  /** The plan PostgreSQL prepares for `text` whatever its values (its generic plan), as JSON text. */
  const genericPlan = async (text: string): Promise<string> => {
    const params = new Set(text.match(/\$\d+/g) ?? []).size;
    await sql.raw(`prepare plan_check as ${text}`).execute(store.db);
    try {
      await sql`set plan_cache_mode = force_generic_plan`.execute(store.db);
      const args = params ? `(${Array(params).fill('null').join(', ')})` : '';
      const { rows } = await sql.raw<{ 'QUERY PLAN': unknown }>(`explain (format json) execute plan_check${args}`).execute(store.db);
      return JSON.stringify(rows[0]!['QUERY PLAN']);
    } finally {
      await sql`reset plan_cache_mode`.execute(store.db);
      await sql`deallocate plan_check`.execute(store.db);
    }
  };

  /** A walk of an index that stops after the rows wanted: never every result read or gathered. */
  const assertWalks = async (text: string) => {
    const plan = await genericPlan(text);
    assert.doesNotMatch(plan, /"Node Type":"(Seq Scan|Bitmap Heap Scan)","Parent Relationship":"[^"]*","Parallel Aware":false,"Async Capable":false,"Relation Name":"result(_data)?"/, `${text}\n${plan}`);
  };

  const get = async (url: string) => {
    const res = await app.inject({ method: 'GET', url });
    assert.equal(res.statusCode, 200, res.body);
    assert.ok(res.json().data.length > 0, `${url}: no results`);
  };

  // `covered`: read from the item cover's index alone, neither the results' rows nor their testcases.
  const hotReads: [string, (i: number) => Promise<unknown>, covered?: 'covered'][] = [
    ['results by item', (i) => get(`/api/v2.0/results?item=${item(i * 7)}&limit=20`), 'covered'],
    ['latest by item', (i) => get(`/api/v2.0/results/latest?item=${item(i * 7)}`), 'covered'],
    ['latest by item, distinct on', (i) => get(`/api/v2.0/results/latest?item=${item(i * 7)}&_distinct_on=arch,scenario`), 'covered'],
    ['two data keys', (i) => get(`/api/v2.0/results?item=${item(i * 3)}&arch=${['x86_64', 'aarch64', 's390x'][i % 3]}`), 'covered'],
    ['unfiltered', () => get('/api/v2.0/results')],
    ['one testcase', (i) => get(`/api/v2.0/results?testcases=plan.tc.${1 + i}`)],
  ];
  for (const [name, read, covered] of hotReads) {
    it(`${name}: one generic plan, no re-planning per run${covered ? ', from the item cover alone' : ''}`, async (t) => {
      if (!ctx) return t.skip('PostgreSQL unavailable');
      const used = await statementsOf(read);
      assert.ok(used.size > 0, 'no prepared statement ran for this read');
      for (const [text, p] of used) {
        assert.ok(p.generic > 0, `planned afresh on every run (${p.custom} times): ${text}`);
        await assertWalks(text);
        const plan = await genericPlan(text);
        const readsResults = /from "result(_data)?" as/.test(text);
        if (readsResults) assert.doesNotMatch(plan, /"Relation Name":"testcase"/, `a join per result to its testcase: ${text}\n${plan}`);
        if (!covered) continue;
        assert.match(plan, /"Node Type":"Index Only Scan"[^{}]*"Index Name":"result_data_item_cover"/, `${text}\n${plan}`);
        // The result's row only within the SubPlan for texts an entry lacks (none here, but it must be there).
        const rowReads = plan.match(/"Relation Name":"result"/g)?.length ?? 0;
        assert.ok(rowReads <= 3, `${rowReads} reads of result rows: ${text}\n${plan}`);
      }
    });
  }

  it('a decision’s reads (token, latest results, waivers) over several builds: one generic plan each', async (t) => {
    if (!ctx) return t.skip('PostgreSQL unavailable');
    const kojiBuild = BUILTIN_SUBJECT_TYPES.find((s) => s.id === 'koji_build')!;
    const subjects = (i: number) => [0, 1, 2].map((k) => ({ type: kojiBuild, identifier: item(i * 5 + k) }));
    const used = await statementsOf(async (i) => {
      assert.ok(await factsToken(store, subjects(i), 'fedora-40'));
      const latest = await latestResultsOf(store, subjects(i), null);
      assert.ok([...latest.values()].every((rows) => rows.length > 0));
      await waiversOf(store, subjects(i), 'fedora-40', null);
    });
    assert.ok(used.size >= 3, `expected the token, results and waivers statements, got ${used.size}`);
    for (const [text, p] of used) assert.ok(p.generic > 0, `planned afresh on every run (${p.custom} times): ${text}`);
  });

  it('a page within a time range walks the time order and stops, whatever the range spans', async (t) => {
    if (!ctx) return t.skip('PostgreSQL unavailable');
    for (const read of [
      (i: number) => get(`/api/v2.0/results?testcases=plan.tc.${1 + i}&since=2023-11-14T22:13:20,2023-11-20T00:00:00`),
      (i: number) => get(`/api/v2.0/results?since=2023-11-14T22:13:20,2023-11-20T00:00:${10 + i}`),
      (i: number) => get(`/api/v2.0/results?item=${item(i)}&since=2023-11-14T22:13:20`),
    ]) {
      const used = await statementsOf(read);
      assert.ok(used.size > 0, 'no prepared statement ran for this read');
      for (const text of used.keys()) await assertWalks(text);
    }
  });
});
