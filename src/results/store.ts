import { sql, type Kysely, type SelectQueryBuilder, type Transaction } from 'kysely';
import type { Store } from '../store/connection.ts';
import type { Database } from '../store/schema.ts';
import type { StoreDialect } from '../store/dialect.ts';
import type { ResultFilters } from './filters.ts';
import type { GroupRow, ResultRow, TestcaseRow } from './serialize.ts';

type DB = Database & { r: Database['result'] };
type ResultQuery<O> = SelectQueryBuilder<DB, 'r', O>;

/**
 * Restricts `result as r` to the filters. Every filter on another table is an `IN (subquery)` semi-join,
 * so a result matching several values of one key is still one row (pages never come up short).
 */
export function applyFilters<O>(
  qb: ResultQuery<O>,
  f: ResultFilters,
  dialect: StoreDialect,
  opts: { testcases?: boolean; outcomes?: boolean } = {},
): ResultQuery<O> {
  if (f.since) {
    qb = qb.where('r.submit_time', '>=', f.since.start);
    if (f.since.end !== null) qb = qb.where('r.submit_time', '<=', f.since.end);
  }
  if (opts.outcomes !== false && f.outcomes.length) qb = qb.where('r.outcome', 'in', f.outcomes);
  if (f.groups.length) {
    qb = qb.where('r.id', 'in', (eb) =>
      eb.selectFrom('groups_to_results').select('result_id').where('group_uuid', 'in', f.groups),
    );
  }
  if (opts.testcases !== false && (f.testcases.length || f.testcasesLike.length)) {
    qb = qb.where('r.testcase_id', 'in', (eb) =>
      eb
        .selectFrom('testcase as t')
        .select('t.id')
        .where((w) =>
          w.or([
            ...(f.testcases.length ? [w('t.name', 'in', f.testcases)] : []),
            ...f.testcasesLike.map((p) => dialect.like(w.ref('t.name'), p)),
          ]),
        ),
    );
  }
  for (const d of f.data) {
    qb = qb.where('r.id', 'in', (eb) =>
      eb
        .selectFrom('result_data as d')
        .select('d.result_id')
        .where('d.key', '=', d.key)
        .where((w) =>
          d.like ? w.or(d.values.map((p) => dialect.like(w.ref('d.value'), p))) : w('d.value', 'in', d.values),
        ),
    );
  }
  return qb;
}

const RESULT_COLUMNS = ['r.id', 'r.submit_time', 'r.outcome', 'r.note', 'r.ref_url', 't.name', 't.ref_url as tc_ref_url'] as const;

/** One page of results plus one extra row, which only tells whether a next page exists. */
export async function listResults(store: Store, f: ResultFilters): Promise<ResultRow[]> {
  const dir = f.sort;
  let qb = applyFilters(store.db.selectFrom('result as r'), f, store.dialect)
    .innerJoin('testcase as t', 't.id', 'r.testcase_id')
    .select(RESULT_COLUMNS)
    .orderBy('r.submit_time', dir)
    .orderBy('r.id', dir)
    .limit(Math.max(f.limit, 0) + 1);
  if (f.page > 0) qb = qb.offset(f.page * Math.max(f.limit, 0));
  return withDetails(store.db, await qb.execute());
}

/**
 * The newest result of every testcase in the filtered set (ties on the newest time all count), or with
 * `distinctOn` the newest per (testcase, value of each key), a missing key being a value of its own.
 */
export async function latestResults(store: Store, f: ResultFilters): Promise<ResultRow[]> {
  const keys = f.distinctOn;
  let inner = applyFilters(store.db.selectFrom('result as r'), f, store.dialect, { outcomes: false });
  keys.forEach((key, i) => {
    inner = inner.leftJoin(`result_data as k${i}` as 'result_data as k0', (j) =>
      j.onRef(`k${i}.result_id` as 'k0.result_id', '=', 'r.id').on(`k${i}.key` as 'k0.key', '=', key),
    ) as unknown as typeof inner;
  });
  const partition = [sql.ref('r.testcase_id'), ...keys.map((_, i) => sql.ref(`k${i}.value`))];
  const rank = keys.length
    ? sql`row_number() over (partition by ${sql.join(partition)} order by r.submit_time desc, r.id desc)`
    : sql`rank() over (partition by r.testcase_id order by r.submit_time desc)`;
  const ranked = inner.select(['r.id', sql<number>`${rank}`.as('rk')]);
  const ids = await store.db
    .selectFrom(ranked.as('x'))
    .select('x.id')
    .distinct()
    .where('x.rk', '=', 1)
    .execute();
  const rows = await fetchByIds(store.db, ids.map((r) => r.id));
  return rows.sort((a, b) => b.submit_time - a.submit_time || b.id - a.id);
}

export async function getResult(store: Store, id: number): Promise<ResultRow | undefined> {
  return (await fetchByIds(store.db, [id]))[0];
}

async function fetchByIds(db: Kysely<Database>, ids: number[]): Promise<ResultRow[]> {
  if (!ids.length) return [];
  const rows: RawRow[] = [];
  // Bounded IN lists keep every store's parameter limit out of reach.
  for (let i = 0; i < ids.length; i += 5000) {
    rows.push(
      ...(await db
        .selectFrom('result as r')
        .innerJoin('testcase as t', 't.id', 'r.testcase_id')
        .select(RESULT_COLUMNS)
        .where('r.id', 'in', ids.slice(i, i + 5000))
        .execute()),
    );
  }
  return withDetails(db, rows);
}

type RawRow = {
  id: number;
  submit_time: number;
  outcome: string;
  note: string | null;
  ref_url: string | null;
  name: string;
  tc_ref_url: string | null;
};

/** Loads data and groups of all rows in two queries, not three per result as upstream did. */
async function withDetails(db: Kysely<Database>, rows: RawRow[]): Promise<ResultRow[]> {
  if (!rows.length) return [];
  const out = new Map<number, ResultRow>();
  for (const r of rows) {
    out.set(r.id, {
      id: r.id,
      submit_time: Number(r.submit_time),
      outcome: r.outcome,
      note: r.note,
      ref_url: r.ref_url,
      testcase: { name: r.name, ref_url: r.tc_ref_url },
      data: [],
      groups: [],
    });
  }
  const ids = [...out.keys()];
  for (let i = 0; i < ids.length; i += 5000) {
    const chunk = ids.slice(i, i + 5000);
    const [data, groups] = await Promise.all([
      db.selectFrom('result_data').select(['result_id', 'key', 'value']).where('result_id', 'in', chunk)
        .orderBy('result_id').orderBy('seq').execute(),
      db.selectFrom('groups_to_results').select(['result_id', 'group_uuid']).where('result_id', 'in', chunk)
        .orderBy('result_id').orderBy('seq').execute(),
    ]);
    for (const d of data) out.get(Number(d.result_id))!.data.push([d.key, d.value]);
    for (const g of groups) out.get(Number(g.result_id))!.groups.push(g.group_uuid);
  }
  return [...out.values()];
}

// ---- writes -------------------------------------------------------------------------------------

export interface NewResult {
  testcase: { name: string; ref_url?: string | null };
  outcome: string;
  note: string | null;
  ref_url: string | null;
  submit_time: number;
  data: [string, string][];
  groups: NewGroupRef[];
}
export type NewGroupRef = { uuid: string; description?: string | null; ref_url?: string | null };

export type WriteHook = (trx: Transaction<Database>, result: ResultRow) => Promise<void>;

/**
 * The one way a result is written: testcase and group upserts, the result, its data and group links,
 * all in one transaction, so a failure leaves nothing behind. `afterInsert` runs inside the same
 * transaction (later: the outbox row of the message bus).
 */
export async function createResult(store: Store, input: NewResult, afterInsert?: WriteHook): Promise<ResultRow> {
  return store.db.transaction().execute(async (trx) => {
    const testcase = await upsertTestcase(trx, input.testcase, 'key-present');
    for (const g of input.groups) await upsertGroup(trx, g, 'key-present');
    const { id } = await trx
      .insertInto('result')
      .values({
        testcase_id: testcase.id,
        submit_time: input.submit_time,
        outcome: input.outcome,
        note: input.note,
        ref_url: input.ref_url,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const resultId = Number(id);
    if (input.data.length) {
      await trx.insertInto('result_data')
        .values(input.data.map(([key, value], seq) => ({ result_id: resultId, seq, key, value })))
        .execute();
    }
    if (input.groups.length) {
      await trx.insertInto('groups_to_results')
        .values(input.groups.map((g, seq) => ({ result_id: resultId, seq, group_uuid: g.uuid })))
        .execute();
    }
    const row: ResultRow = {
      id: resultId,
      submit_time: input.submit_time,
      outcome: input.outcome,
      note: input.note,
      ref_url: input.ref_url,
      testcase: { name: testcase.name, ref_url: testcase.ref_url },
      data: input.data,
      groups: input.groups.map((g) => g.uuid),
    };
    if (afterInsert) await afterInsert(trx, row);
    return row;
  });
}

/**
 * `key-present`: a field given in the input overwrites, even with null (testcase/group objects inside
 * POST /results). `truthy`: only non-empty values overwrite (POST /groups). `non-null`: POST /testcases.
 */
export type OverwriteRule = 'key-present' | 'truthy' | 'non-null';

function overwrites(rule: OverwriteRule, obj: object, key: string): boolean {
  if (!Object.hasOwn(obj, key)) return false;
  const v = (obj as Record<string, unknown>)[key];
  return rule === 'key-present' || (rule === 'truthy' ? Boolean(v) : v !== null && v !== undefined);
}

export async function upsertTestcase(
  db: Kysely<Database>,
  t: { name: string; ref_url?: string | null },
  rule: OverwriteRule,
): Promise<{ id: number } & TestcaseRow> {
  const setRef = overwrites(rule, t, 'ref_url');
  const existing = await db.selectFrom('testcase').selectAll().where('name', '=', t.name).executeTakeFirst();
  if (existing && (!setRef || existing.ref_url === t.ref_url)) return existing;
  if (existing) {
    await db.updateTable('testcase').set({ ref_url: t.ref_url ?? null }).where('id', '=', existing.id).execute();
    return { ...existing, ref_url: t.ref_url ?? null };
  }
  // A concurrent writer may create the same testcase: insert-if-absent, then apply our ref_url.
  await db.insertInto('testcase').values({ name: t.name, ref_url: setRef ? t.ref_url ?? null : null })
    .onConflict((oc) => oc.column('name').doNothing()).execute();
  return upsertTestcase(db, t, rule);
}

export async function upsertGroup(db: Kysely<Database>, g: NewGroupRef, rule: OverwriteRule): Promise<void> {
  const changes: { description?: string | null; ref_url?: string | null } = {};
  if (overwrites(rule, g, 'description')) changes.description = g.description ?? null;
  if (overwrites(rule, g, 'ref_url')) changes.ref_url = g.ref_url ?? null;
  await db
    .insertInto('result_group')
    .values({ uuid: g.uuid, description: changes.description ?? null, ref_url: changes.ref_url ?? null })
    .onConflict((oc) => (Object.keys(changes).length ? oc.column('uuid').doUpdateSet(changes) : oc.column('uuid').doNothing()))
    .execute();
}

// ---- groups and testcases -----------------------------------------------------------------------

export async function groupsWithCounts(
  db: Kysely<Database>,
  groups: { uuid: string; description: string | null; ref_url: string | null }[],
): Promise<GroupRow[]> {
  if (!groups.length) return [];
  const counts = await db
    .selectFrom('groups_to_results')
    .select(['group_uuid', (eb) => eb.fn.countAll<number>().as('n')])
    .where('group_uuid', 'in', groups.map((g) => g.uuid))
    .groupBy('group_uuid')
    .execute();
  const byUuid = new Map(counts.map((c) => [c.group_uuid, Number(c.n)]));
  return groups.map((g) => ({ uuid: g.uuid, description: g.description, ref_url: g.ref_url, results_count: byUuid.get(g.uuid) ?? 0 }));
}

export interface ListFilter { exact: string[]; like: string[]; page: number; limit: number }

export async function listGroups(store: Store, uuids: string[], desc: ListFilter): Promise<GroupRow[]> {
  let qb = store.db.selectFrom('result_group').select(['uuid', 'description', 'ref_url']);
  if (uuids.length) qb = qb.where('uuid', 'in', uuids);
  if (desc.exact.length) qb = qb.where('description', 'in', desc.exact);
  else if (desc.like.length) qb = qb.where((w) => w.or(desc.like.map((p) => store.dialect.like(w.ref('description'), p))));
  qb = qb.orderBy('id', 'desc').limit(Math.max(desc.limit, 0) + 1);
  if (desc.page > 0) qb = qb.offset(desc.page * Math.max(desc.limit, 0));
  return groupsWithCounts(store.db, await qb.execute());
}

export async function getGroup(store: Store, uuid: string): Promise<GroupRow | undefined> {
  const g = await store.db.selectFrom('result_group').select(['uuid', 'description', 'ref_url']).where('uuid', '=', uuid).executeTakeFirst();
  return g && (await groupsWithCounts(store.db, [g]))[0];
}

export async function listTestcases(store: Store, f: ListFilter): Promise<TestcaseRow[]> {
  let qb = store.db.selectFrom('testcase').select(['name', 'ref_url']);
  if (f.exact.length) qb = qb.where('name', 'in', f.exact);
  else if (f.like.length) qb = qb.where((w) => w.or(f.like.map((p) => store.dialect.like(w.ref('name'), p))));
  qb = qb.orderBy('name', 'asc').limit(Math.max(f.limit, 0) + 1);
  if (f.page > 0) qb = qb.offset(f.page * Math.max(f.limit, 0));
  return qb.execute();
}

export async function getTestcase(store: Store, name: string): Promise<TestcaseRow | undefined> {
  return store.db.selectFrom('testcase').select(['name', 'ref_url']).where('name', '=', name).executeTakeFirst();
}
