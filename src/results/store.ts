import { sql, type ExpressionBuilder, type Kysely, type SqlBool, type SelectQueryBuilder } from 'kysely';
import type { Store } from '../store/connection.ts';
import type { Database } from '../store/schema.ts';
import { PLAN_EACH_TIME, type StoreDialect } from '../store/dialect.ts';
import { runShape, slotsFor, valueSlots } from '../store/statements.ts';
import { COVERED_KEY } from '../store/itemCover.ts';
import { EPOCH_COLUMN, knownTestcases, testcasesOf } from './testcases.ts';
import { hasAnyFilter, type ResultFilters } from './filters.ts';
import { pickLatest } from './latest.ts';
import { outcomeOfMembers, pairsOf, parseMembers, type GroupRow, type ResultRow, type TestcaseRow } from './serialize.ts';

// The store queries of results: reads here, writes in writes.ts; the routes reach both through this file.
export * from './writes.ts';

type DB = Database & { r: Database['result'] };
type ResultQuery<O> = SelectQueryBuilder<DB, 'r', O>;

/** Candidate result ids, when a data filter narrows the set to at most this many. */
const CANDIDATE_CAP = 5000;

/**
 * Restricts `result as r` to the filters. Every filter on another table is an `IN (subquery)` semi-join,
 * so a result matching several values of one key is still one row (pages never come up short).
 * `ids`, when given, is a candidate set already known to satisfy the filters it replaced.
 */
export function applyFilters<O>(
  qb: ResultQuery<O>,
  f: ResultFilters,
  dialect: StoreDialect,
  opts: { outcomes?: boolean; ids?: number[]; probe?: boolean; testcaseIds?: number[] } = {},
): ResultQuery<O> {
  const { inList, likeAny } = dialect;
  // `probe`: `r` is already one known result; every filter is a check on it.
  const perRow = Boolean(opts.ids || opts.probe);
  if (opts.ids) qb = qb.where(inList(sql.ref('r.id'), opts.ids));
  if (f.since) {
    qb = qb.where('r.submit_time', '>=', f.since.start);
    if (f.since.end !== null) qb = qb.where('r.submit_time', '<=', f.since.end);
  }
  if (opts.outcomes !== false && f.outcomes.length) qb = qb.where(inList(sql.ref('r.outcome'), f.outcomes));
  if (f.groups.length) {
    qb = qb.where('r.id', 'in', (eb) =>
      eb.selectFrom('groups_to_results as g').select('g.result_id').where(inList(sql.ref('g.group_uuid'), f.groups)),
    );
  }
  if (opts.testcaseIds) {
    const [only, ...more] = opts.testcaseIds;
    // One id as `=`: the generic plan of `= ANY` would walk the time index instead of this one.
    qb = qb.where(more.length ? inList(sql.ref('r.testcase_id'), opts.testcaseIds) : sql<SqlBool>`r.testcase_id = ${only}`);
  } else if (f.testcases.length || f.testcasesLike.length) {
    const name = sql.ref<string>('t.name');
    qb = qb.where('r.testcase_id', 'in', (eb) =>
      eb
        .selectFrom('testcase as t')
        .select('t.id')
        .where((w) =>
          w.or([
            ...(f.testcases.length ? [inList(name, f.testcases)] : []),
            ...(f.testcasesLike.length ? [likeAny(name, f.testcasesLike)] : []),
          ]),
        ),
    );
  }
  for (const d of f.data) {
    const value = sql.ref<string>('d.value');
    const match = d.like ? likeAny(value, d.values) : inList(value, d.values);
    if (perRow) {
      // Few candidates: probe each one, rather than a hash join over every result carrying a common
      // value such as arch=x86_64.
      qb = qb.where(({ exists, selectFrom }) =>
        exists(
          dialect.fence(
            selectFrom('result_data as d')
              .select(sql`1`.as('one'))
              .whereRef('d.result_id', '=', 'r.id')
              // The entry's submit_time too: (key, value, submit_time, result_id) is then a point lookup in
              // the filter index, where (key, value, result_id) scanned every result carrying the value.
              .whereRef('d.submit_time', '=', 'r.submit_time')
              .where('d.key', '=', d.key)
              .where(match),
          ),
        ),
      );
    } else {
      qb = qb.where('r.id', 'in', (eb) =>
        eb.selectFrom('result_data as d').select('d.result_id').where('d.key', '=', d.key).where(match),
      );
    }
  }
  return qb;
}

/**
 * Exact testcase names as ids, when names are the whole testcase filter (a `:like` pattern ORs with
 * them). A filter on ids lets PostgreSQL walk (testcase_id, submit_time) rather than every result of
 * a time range. Ids never change once committed, so a name found once is remembered; an unknown name
 * is looked up again each time, as it may exist by then. `[]`: none of the names exists.
 */
async function testcaseIdsOf(store: Store, f: ResultFilters): Promise<number[] | undefined> {
  if (!f.testcases.length || f.testcasesLike.length) return undefined;
  const known = knownTestcases(store);
  const missing = f.testcases.filter((n) => !known.has(n));
  const found = new Map<string, number>();
  if (missing.length) {
    const rows = await store.db.selectFrom('testcase').select(['id', 'name'])
      .where(store.dialect.inList(sql.ref('name'), [...new Set(missing)])).execute();
    for (const r of rows) {
      found.set(r.name, r.id);
      if (known.size < 100_000) known.set(r.name, r.id);
    }
  }
  const ids = f.testcases.map((n) => known.get(n) ?? found.get(n)).filter((id) => id !== undefined);
  return [...new Set(ids)];
}

interface Narrowed {
  rest: ResultFilters;
  ids?: number[];
}

/**
 * The equality data filter most likely to be selective: `item` when present, else the first one
 * (with `singleValue`, the first single-valued one). An `item` with several values is still the one:
 * none then has a single value, rather than another key's far longer index range being walked.
 */
function pickDriver(f: ResultFilters, singleValue: boolean): ResultFilters['data'][number] | undefined {
  const eq = f.data.filter((d) => !d.like);
  const item = eq.find((d) => d.key === 'item');
  if (item) return !singleValue || item.values.length === 1 ? item : undefined;
  return singleValue ? eq.find((d) => d.values.length === 1) : eq[0];
}

/**
 * limit+1 rows (the extra one only tells whether a next page exists), from the requested page on.
 * Row counts are literals (here and in the other reads): with a parameter, PostgreSQL's generic plan
 * assumes a tenth of the table and looks so costly that it re-plans every run instead. Except with a
 * time range: its generic plan assumes a range spans a handful of rows, and with a known count it
 * would gather them all and sort them; an unknown count keeps it walking the time order and stopping.
 */
function paged<Q extends { limit(n: unknown): Q; offset(n: unknown): Q }>(qb: Q, f: ResultFilters): Q {
  const limit = Math.max(f.limit, 0);
  const count = (n: number) => (f.since ? n : sql.lit(n));
  return f.page > 0 ? qb.limit(count(limit + 1)).offset(count(f.page * limit)) : qb.limit(count(limit + 1));
}

/**
 * Resolves the driver filter to result ids with one index range read. Every later query then starts
 * from those ids, whose plans PostgreSQL can prepare once and reuse; a filter matching too many
 * results is left to the planner instead.
 */
async function narrow(store: Store, f: ResultFilters): Promise<Narrowed> {
  const d = pickDriver(f, false);
  if (!d) return { rest: f };
  const rows = await store.db
    .selectFrom('result_data as d')
    .select('d.result_id')
    .where('d.key', '=', d.key)
    .where(store.dialect.inList(sql.ref('d.value'), d.values))
    .limit(sql.lit(CANDIDATE_CAP + 1))
    .execute();
  if (rows.length > CANDIDATE_CAP) return { rest: f };
  return { rest: { ...f, data: f.data.filter((x) => x !== d) }, ids: [...new Set(rows.map((r) => Number(r.result_id)))] };
}

// outcome, note and ref_url come within members_json: fewer columns for pg to parse and pages to
// write (bench, `_distinct_on` at a fixed 1,500 req/s: server CPU 0.57–0.61 → 0.47–0.56 ms a request;
// PostgreSQL's own CPU unchanged). The testcase comes by id, its name and ref_url from
// results/testcases.ts: no join per result.
const RESULT_COLUMNS = [
  'r.id', 'r.submit_time', 'r.members_json', 'r.data_json', 'r.groups_json', 'r.testcase_id', EPOCH_COLUMN,
] as const;

type RawRow = {
  id: number;
  submit_time: number;
  members_json: string;
  testcase_id: number;
  tc_epoch: number | string;
  data_json: string;
  groups_json: string;
};

/**
 * A result as read from the store. A class: rows are made by the thousand per second, and object
 * literals with getters (one closure pair each) cost a page more to build than to write out. Pages
 * write dataJson, groupsJson and membersJson as they are; only filters, "latest" and decisions parse them.
 */
class StoredResult implements ResultRow {
  readonly id: number;
  readonly submit_time: number;
  readonly testcase: TestcaseRow;
  readonly dataJson: string;
  readonly groupsJson: string;
  readonly membersJson: string;
  #data?: [string, string][];
  #groups?: string[];
  #members?: ReturnType<typeof parseMembers>;
  #outcome?: string;

  constructor(r: RawRow, testcase: TestcaseRow) {
    this.id = Number(r.id);
    this.submit_time = Number(r.submit_time);
    this.testcase = testcase;
    this.dataJson = r.data_json;
    this.groupsJson = r.groups_json;
    this.membersJson = r.members_json;
  }

  get outcome(): string {
    return (this.#outcome ??= outcomeOfMembers(this.membersJson));
  }

  get note(): string | null {
    return (this.#members ??= parseMembers(this.membersJson)).note;
  }

  get ref_url(): string | null {
    return (this.#members ??= parseMembers(this.membersJson)).ref_url;
  }

  get data(): [string, string][] {
    return (this.#data ??= pairsOf(this.dataJson));
  }

  get groups(): string[] {
    return (this.#groups ??= JSON.parse(this.groupsJson) as string[]);
  }
}

/** Result rows as read (RESULT_COLUMNS), with their testcases. */
async function resultRows(store: Store, rows: readonly unknown[]): Promise<ResultRow[]> {
  const raw = rows as readonly RawRow[];
  if (!raw.length) return [];
  const testcase = await testcasesOf(store, raw.map((r) => Number(r.testcase_id)), Number(raw[0]!.tc_epoch));
  return raw.map((r) => new StoredResult(r, testcase(Number(r.testcase_id))));
}

/**
 * Candidates read whole and filtered in memory: at most this many for one page of /results (beyond,
 * an index walk that stops after the page is cheaper), and for /results/latest, which needs every
 * candidate's data anyway.
 */
const WHOLE_ROWS_CAP = { page: 100, latest: 2000 };

/**
 * The candidates `ids` that pass `rest` (outcome aside: /results/latest ignores it), read whole.
 * Equality data filters are checked on the data read anyway, instead of an index probe per candidate;
 * every other filter is SQL.
 */
async function wholeCandidates(store: Store, rest: ResultFilters, ids: number[], testcaseIds: number[] | undefined): Promise<ResultRow[]> {
  const inMemory = rest.data.filter((d) => !d.like);
  const sqlRest = { ...rest, data: rest.data.filter((d) => d.like) };
  const rows = await applyFilters(store.db.selectFrom('result as r'), sqlRest, store.dialect, { outcomes: false, ids, testcaseIds })
    .select(RESULT_COLUMNS)
    .execute();
  return (await resultRows(store, rows)).filter((row) => matchesData(row, inMemory));
}

const matchesData = (row: ResultRow, filters: ResultFilters['data']) =>
  filters.every((d) => row.data.some(([k, v]) => k === d.key && d.values.includes(v)));

/** Whole rows joined to filter index entries `d` within `since`; the caller says which (key, value) entries. */
function indexedRows(store: Store, since: ResultFilters['since']) {
  const q = store.db
    .selectFrom('result_data as d')
    .innerJoin('result as r', 'r.id', 'd.result_id')
    .select(RESULT_COLUMNS);
  return entriesWithin(q, since);
}

/** `q`'s filter index entries `d` within the time range `since` (all of them without one). */
function entriesWithin<Q extends SelectQueryBuilder<any, any, any>>(q: Q, since: ResultFilters['since']): Q {
  if (!since) return q;
  const from = q.where(sql.ref('d.submit_time'), '>=', since.start) as Q;
  return since.end === null ? from : (from.where(sql.ref('d.submit_time'), '<=', since.end) as Q);
}

/**
 * RESULT_COLUMNS read from an `item` filter index entry `d` (store/itemCover.ts),
 * without the result's row. An entry without the texts (they did not fit) has them from its row.
 */
const COVERED_COLUMNS = [
  'd.result_id as id', 'd.submit_time', coveredText('members_json'), coveredText('data_json'), coveredText('groups_json'),
  'd.testcase_id', EPOCH_COLUMN,
] as const;

function coveredText(c: 'members_json' | 'data_json' | 'groups_json') {
  return sql<string>`coalesce(d.${sql.ref(c)}, (select r.${sql.ref(c)} from result as r where r.id = d.result_id))`.as(c);
}

/**
 * Whole rows of the results whose `item` is one of `values`, within `since` and of `testcaseIds`, read
 * from the item cover alone. The key is a literal: PostgreSQL's generic plan can then use the cover's
 * partial index.
 */
function coveredEntries(store: Store, values: readonly string[], since: ResultFilters['since'], testcaseIds: number[] | undefined) {
  const q = entriesWithin(store.db
    .selectFrom('result_data as d')
    .select(COVERED_COLUMNS)
    .where('d.key', '=', sql.lit(COVERED_KEY))
    .where(store.dialect.inListOpaque(sql.ref('d.value'), values)), since);
  return testcaseIds ? q.where(store.dialect.inList(sql.ref('d.testcase_id'), testcaseIds)) : q;
}

/**
 * Whether a read driven by `driver` can come from the item cover: the driver is `item`, and every
 * other filter can be checked on filter index entries (exact testcases as ids, equality data filters,
 * a time range) or is ignored by the caller (`outcomes`, for "latest").
 */
function coveredRead(f: ResultFilters, driver: ResultFilters['data'][number], testcaseIds: number[] | undefined, outcomes: boolean): boolean {
  return driver.key === COVERED_KEY && driver.values.length === 1 &&
    !(outcomes && f.outcomes.length) && !f.groups.length && !f.testcasesLike.length &&
    (!f.testcases.length || testcaseIds !== undefined) && f.data.every((d) => !d.like);
}

/** Whole rows of the results carrying the single-valued `driver`, within `f.since`, from the filter index. */
function driverRows(store: Store, driver: ResultFilters['data'][number], f: ResultFilters) {
  return indexedRows(store, f.since).where('d.key', '=', driver.key).where(store.dialect.inListOpaque(sql.ref('d.value'), [driver.values[0]!]));
}

/**
 * For /results/latest: the results passing `f`, read whole in one walk of the filter index from its
 * single-valued equality driver (`item=X`) when it has at most WHOLE_ROWS_CAP.latest candidates,
 * else undefined. Other equality data filters are checked in memory, everything else per row in SQL.
 */
async function wholeByDriver(store: Store, f: ResultFilters, testcaseIds: number[] | undefined): Promise<ResultRow[] | undefined> {
  const cap = WHOLE_ROWS_CAP.latest;
  const driver = pickDriver(f, true);
  if (!driver) return undefined;
  const s = shaped(f, testcaseIds);
  const covered = coveredRead(f, driver, testcaseIds, false);
  const rows = await runShape(store, `wholeByDriver${covered}${s.shape}`, s.values, () => {
    if (covered) {
      return coveredEntries(store, pickDriver(s.f, true)!.values, s.f.since, s.testcaseIds)
        .orderBy('d.submit_time', 'desc').orderBy('d.result_id', 'desc').limit(sql.lit(cap + 1));
    }
    const q = driverRows(store, pickDriver(s.f, true)!, s.f);
    const sqlRest = { ...s.f, since: undefined, data: s.f.data.filter((d) => d.like) };
    const filtered = applyFilters(q as unknown as ResultQuery<any>, sqlRest, store.dialect, { outcomes: false, probe: true, testcaseIds: s.testcaseIds });
    // Newest first, the filter index's own order walked backwards: pickLatest then has nothing to sort.
    return (filtered as unknown as typeof q).orderBy('d.submit_time', 'desc').orderBy('d.result_id', 'desc').limit(sql.lit(cap + 1));
  });
  if (rows.length > cap) return undefined;
  const inMemory = f.data.filter((d) => d !== driver && !d.like);
  return (await resultRows(store, rows)).filter((row) => matchesData(row, inMemory));
}

/**
 * The results passing `f`, read whole in one query when its equality driver has at most `cap`
 * candidates, counted in the same query so that nothing is read whole beyond the cap. Other equality
 * data filters are checked in memory, everything else in SQL. Undefined when nothing came back (more
 * candidates than the cap, or none passing the SQL filters): the caller's general path then decides.
 */
async function wholeIfFew(store: Store, f: ResultFilters, testcaseIds: number[] | undefined, cap: number): Promise<ResultRow[] | undefined> {
  const driver = pickDriver(f, false);
  if (!driver) return undefined;
  let q = store.db
    .with('c', (db) =>
      db.selectFrom('result_data as d').select('d.result_id as id')
        .where('d.key', '=', driver.key).where(store.dialect.inList(sql.ref('d.value'), driver.values)).limit(sql.lit(cap + 1)),
    )
    .selectFrom('result as r')
    .select(RESULT_COLUMNS)
    .where('r.id', 'in', (eb) => eb.selectFrom('c').select('c.id'))
    .where((eb) => eb(eb.selectFrom('c').select(eb.fn.countAll().as('n')), '<=', cap))
    // Never more rows than candidates; the limit also steers PostgreSQL's generic plan to index lookups.
    .limit(sql.lit(cap + 1));
  const sqlRest = { ...f, data: f.data.filter((d) => d.like) };
  q = applyFilters(q as unknown as ResultQuery<any>, sqlRest, store.dialect, { probe: true, testcaseIds }) as unknown as typeof q;
  const rows = await q.execute();
  if (!rows.length) return undefined;
  const inMemory = f.data.filter((d) => d !== driver && !d.like);
  return (await resultRows(store, rows)).filter((row) => matchesData(row, inMemory));
}

/** A page of a multi-valued driver's few candidates (wholeIfFew), sorted in memory. */
async function pageOfFew(store: Store, f: ResultFilters, testcaseIds: number[] | undefined): Promise<ResultRow[] | undefined> {
  const whole = await wholeIfFew(store, f, testcaseIds, WHOLE_ROWS_CAP.page);
  if (!whole) return undefined;
  const dir = f.sort === 'asc' ? 1 : -1;
  whole.sort((a, b) => dir * (a.submit_time - b.submit_time || a.id - b.id));
  const limit = Math.max(f.limit, 0);
  return whole.slice(f.page * limit, f.page * limit + limit + 1);
}

/** One page of results plus one extra row, which only tells whether a next page exists. */
export async function listResults(store: Store, f: ResultFilters): Promise<ResultRow[]> {
  const testcaseIds = await testcaseIdsOf(store, f);
  if (testcaseIds && !testcaseIds.length) return [];
  // Several equality data filters and no single-valued one to walk: a multi-valued item's few
  // candidates read whole and checked in memory, when few enough. Otherwise the index walk below,
  // which stops after one page (another data filter being a point lookup per candidate).
  if (f.data.length > 1 && f.data.every((d) => !d.like) && !pickDriver(f, true)) {
    const page = await pageOfFew(store, f, testcaseIds);
    if (page) return page;
  }
  const driver = pickDriver(f, true);
  if (driver || !f.data.length) {
    // The two common shapes, built once each (see store/statements.ts): an index walk, or no data filter.
    const covered = driver !== undefined && coveredRead(f, driver, testcaseIds, true);
    if (covered && f.data.length > 1) {
      const page = await coveredFewPage(store, f, driver, testcaseIds);
      if (page) return page;
    }
    const s = shaped(f, testcaseIds);
    // A first page without data filters is read whole in its walk (plainRows); a later one walks
    // past the earlier pages' ids alone, and reads only its own rows whole.
    const direct = !driver && f.page === 0;
    const page = () => indexedPage(store, s.f, s.testcaseIds) ?? plainPage(store, s.f, undefined, s.testcaseIds);
    const rows = await runShape(store, `page${covered}${direct}${s.shape}`, s.values, () =>
      covered ? coveredPage(store, s.f, s.testcaseIds) : direct ? plainRows(store, s.f, s.testcaseIds) : pageRows(store, page(), f.sort));
    return resultRows(store, rows);
  }
  const { rest, ids } = await narrow(store, f);
  if (ids && !ids.length) return [];
  return fetchPage(store, plainPage(store, rest, ids, testcaseIds), f.sort);
}

/** A page of results passing `f` (or, with `ids`, the candidates `ids` passing it), newest first unless sorted otherwise. */
function plainPage(store: Store, f: ResultFilters, ids: number[] | undefined, testcaseIds: number[] | undefined): PageQuery {
  let page = applyFilters(store.db.selectFrom('result as r'), f, store.dialect, { ids, testcaseIds })
    .select(['r.id', 'r.submit_time'])
    .orderBy('r.submit_time', f.sort)
    .orderBy('r.id', f.sort);
  page = paged(page, f);
  if (!ids && (f.data.length || (testcaseIds?.length ?? 0) > 1)) page = page.modifyFront(PLAN_EACH_TIME);
  return page as unknown as PageQuery;
}

/**
 * plainPage's rows read whole in its walk: each row read once, where a page of ids joined back to its
 * rows descended the primary key once more per row (by testcase since, PostgreSQL: 110 → 26 buffer reads).
 */
function plainRows(store: Store, f: ResultFilters, testcaseIds: number[] | undefined) {
  let q = applyFilters(store.db.selectFrom('result as r'), f, store.dialect, { testcaseIds })
    .select(RESULT_COLUMNS)
    .orderBy('r.submit_time', f.sort)
    .orderBy('r.id', f.sort);
  q = paged(q, f);
  return (testcaseIds?.length ?? 0) > 1 ? q.modifyFront(PLAN_EACH_TIME) : q;
}

/**
 * `f` and `testcaseIds` with their values (equality data values, time bounds, testcase ids) as slots,
 * for runShape; the shape names all the rest: keys, list lengths, other filters, paging and sort.
 */
function shaped(f: ResultFilters, testcaseIds: number[] | undefined) {
  const { values, slots } = valueSlots();
  // `:like` patterns stay as they are (SQLite rewrites them into GLOBs while building): part of the shape.
  const data = f.data.map((d) => (d.like ? d : { ...d, values: slots(d.values) }));
  const since = f.since && { start: slots([f.since.start])[0]!, end: f.since.end === null ? null : slots([f.since.end])[0]! };
  const ids = testcaseIds && slots(testcaseIds);
  const shape = JSON.stringify([
    f.data.map((d) => [d.key, d.like ? d.values : d.values.length]), f.since ? f.since.end === null : 0, ids?.length ?? -1,
    f.outcomes, f.groups, f.testcases, f.testcasesLike, f.sort, f.page, f.limit,
  ]);
  return { shape, values, f: { ...f, data, since }, testcaseIds: ids };
}

type PageQuery = SelectQueryBuilder<any, any, { id: number }>;

/** The whole rows of a page of result ids. */
function pageRows(store: Store, page: PageQuery, dir: 'asc' | 'desc') {
  return store.db
    .selectFrom(page.as('p'))
    .innerJoin('result as r', 'r.id', 'p.id')
    .select(RESULT_COLUMNS)
    .orderBy('r.submit_time', dir)
    .orderBy('r.id', dir);
}

async function fetchPage(store: Store, page: PageQuery, dir: 'asc' | 'desc'): Promise<ResultRow[]> {
  return resultRows(store, await pageRows(store, page, dir).execute());
}

/**
 * With a single-valued equality data filter (`item=X`, the common case), the page walks the filter
 * index in submit-time order and stops after limit+1 matches; every other filter is probed per
 * candidate. The cost follows the page, not the number of results carrying X, and the plan is the
 * same for every X, so PostgreSQL prepares it once.
 */
function indexedPage(store: Store, f: ResultFilters, testcaseIds?: number[]): PageQuery | undefined {
  const driver = pickDriver(f, true);
  if (!driver) return undefined;
  const siblings = f.data.filter((d) => d !== driver && !d.like);
  const rest: ResultFilters = { ...f, since: undefined, data: f.data.filter((d) => d !== driver && d.like) };
  let page = entriesWithin(store.db
    .selectFrom('result_data as d')
    .select('d.result_id as id')
    .where('d.key', '=', driver.key)
    .where(store.dialect.inListOpaque(sql.ref('d.value'), [driver.values[0]!])), f.since);
  for (const d of siblings) page = page.where(siblingEntry(store, d));
  if (rest.outcomes.length || hasAnyFilter(rest)) {
    const probe = applyFilters(
      store.db.selectFrom('result as r').select(sql`1`.as('one')).where('r.id', '=', sql.ref<number>('d.result_id')),
      rest,
      store.dialect,
      { probe: true, testcaseIds },
    );
    page = page.where(({ exists }) => exists(store.dialect.fence(probe)));
  }
  return paged(page.orderBy('d.submit_time', f.sort).orderBy('d.result_id', f.sort), f) as unknown as PageQuery;
}

/**
 * A page by item with other equality data filters: the item's results (at most WHOLE_ROWS_CAP.page)
 * read whole from the item cover and checked in memory, instead of a probe of the filter index per
 * candidate (bench, two-key filter: PostgreSQL 0.34 → 0.12 ms a request). Undefined beyond the cap.
 */
async function coveredFewPage(
  store: Store, f: ResultFilters, driver: ResultFilters['data'][number], testcaseIds: number[] | undefined,
): Promise<ResultRow[] | undefined> {
  const cap = WHOLE_ROWS_CAP.page;
  const s = shaped({ ...f, data: [driver], page: 0, limit: 0 }, testcaseIds);
  const rows = await runShape(store, `coveredFew${s.shape}`, s.values, () =>
    coveredEntries(store, s.f.data[0]!.values, s.f.since, s.testcaseIds)
      .orderBy('d.submit_time', f.sort).orderBy('d.result_id', f.sort).limit(sql.lit(cap + 1)));
  if (rows.length > cap) return undefined;
  const others = f.data.filter((d) => d !== driver);
  const matching = (await resultRows(store, rows)).filter((row) => matchesData(row, others));
  const limit = Math.max(f.limit, 0);
  return matching.slice(f.page * limit, f.page * limit + limit + 1);
}

/** indexedPage's page, read whole from the item cover (when coveredRead) instead of the results' rows. */
function coveredPage(store: Store, f: ResultFilters, testcaseIds: number[] | undefined) {
  const driver = pickDriver(f, true)!;
  let page = coveredEntries(store, driver.values, f.since, testcaseIds);
  for (const d of f.data) if (d !== driver) page = page.where(siblingEntry(store, d) as never);
  return paged(page.orderBy('d.submit_time', f.sort).orderBy('d.result_id', f.sort), f);
}

/**
 * Another equality data filter of the candidate `d`: its own filter index entry, found by a point
 * lookup (key, value, submit_time, result_id) beside the driver's, without reading the result.
 */
function siblingEntry(store: Store, filter: ResultFilters['data'][number]) {
  return ({ exists, selectFrom }: ExpressionBuilder<DB & { d: Database['result_data'] }, 'd'>) =>
    exists(
      store.dialect.fence(
        selectFrom('result_data as s')
          .select(sql`1`.as('one'))
          .where('s.key', '=', filter.key)
          .where(store.dialect.inListOpaque(sql.ref('s.value'), filter.values))
          .whereRef('s.submit_time', '=', 'd.submit_time')
          .whereRef('s.result_id', '=', 'd.result_id'),
      ),
    );
}

/**
 * Latest per testcase when one data filter is the whole filter: the filter index ranks its entries
 * by time per testcase on its own, and only the winners are read whole, in one query.
 */
async function latestOnIndex(store: Store, driver: ResultFilters['data'][number]): Promise<ResultRow[]> {
  const covered = driver.key === COVERED_KEY && driver.values.length === 1;
  const shape = `latestOnIndex${covered}${JSON.stringify([driver.key, driver.values.length])}`;
  const rows = await runShape(store, shape, driver.values, () => {
    if (covered) {
      // One entry per result: every winner once, read whole from the item cover.
      const ranked = coveredEntries(store, slotsFor(driver.values), undefined, undefined)
        .select(sql<number>`rank() over (partition by d.testcase_id order by d.submit_time desc)`.as('rk'));
      return store.db.selectFrom(ranked.as('x')).selectAll('x').where('x.rk', '=', sql.lit(1))
        .orderBy('x.submit_time', 'desc').orderBy('x.id', 'desc');
    }
    const ranked = store.db
      .selectFrom('result_data as d')
      .select(['d.result_id as id', sql<number>`rank() over (partition by d.testcase_id order by d.submit_time desc)`.as('rk')])
      .where('d.key', '=', driver.key)
      .where(store.dialect.inListOpaque(sql.ref('d.value'), slotsFor(driver.values)));
    // A result carrying two of the values is ranked twice, equally: distinct keeps it once.
    const winners = store.db.selectFrom(ranked.as('x')).select('x.id').distinct().where('x.rk', '=', sql.lit(1));
    return pageRows(store, winners as unknown as PageQuery, 'desc');
  });
  return resultRows(store, rows);
}

/**
 * The newest result of every testcase in the filtered set (ties on the newest time all count), or with
 * `distinctOn` the newest per (testcase, value of each key), a missing key being a value of its own.
 */
export async function latestResults(store: Store, f: ResultFilters): Promise<ResultRow[]> {
  const testcaseIds = await testcaseIdsOf(store, f);
  if (testcaseIds && !testcaseIds.length) return [];
  // Without distinct keys or other filters, the filter index alone decides (latestOnIndex): only
  // the winners are read whole, fewer than all candidates when an item has many results.
  const driver = pickDriver(f, false);
  const indexDecides = driver && !f.distinctOn.length && !hasAnyFilter({ ...f, data: f.data.filter((d) => d !== driver) });
  if (indexDecides) return latestOnIndex(store, driver);
  const whole = await wholeByDriver(store, f, testcaseIds);
  if (whole) return pickLatest(whole, f.distinctOn);
  const { rest, ids } = await narrow(store, f);
  if (ids && !ids.length) return [];
  if (ids) {
    // A bounded candidate set: read the candidates whole, pick in memory (src/results/latest.ts).
    return pickLatest(await wholeCandidates(store, rest, ids, testcaseIds), f.distinctOn);
  }
  const keys = f.distinctOn;
  let inner = applyFilters(store.db.selectFrom('result as r'), rest, store.dialect, { outcomes: false, testcaseIds });
  keys.forEach((key, i) => {
    inner = inner.leftJoin(`result_data as k${i}` as 'result_data as k0', (j) =>
      j.onRef(`k${i}.result_id` as 'k0.result_id', '=', 'r.id').on(`k${i}.key` as 'k0.key', '=', key),
    ) as unknown as typeof inner;
  });
  const partition = [sql.ref('r.testcase_id'), ...keys.map((_, i) => sql.ref(`k${i}.value`))];
  const rank = keys.length
    ? sql`row_number() over (partition by ${sql.join(partition)} order by r.submit_time desc, r.id desc)`
    : sql`rank() over (partition by r.testcase_id order by r.submit_time desc)`;
  let winners = store.db
    .selectFrom(inner.select(['r.id', sql<number>`${rank}`.as('rk')]).as('x'))
    .select('x.id')
    .distinct()
    .where('x.rk', '=', sql.lit(1));
  if (rest.data.length || (testcaseIds?.length ?? 0) > 1) winners = winners.modifyFront(PLAN_EACH_TIME);
  const rows = await store.db
    .selectFrom(winners.as('w'))
    .innerJoin('result as r', 'r.id', 'w.id')
    .select(RESULT_COLUMNS)
    .orderBy('r.submit_time', 'desc')
    .orderBy('r.id', 'desc')
    .execute();
  return resultRows(store, rows);
}

/**
 * latestResults for several filter sets at once (a decision's result queries, for every subject): when
 * each has a single-valued equality driver, other filters only equality data filters, and all share
 * one `since`, their candidates are read whole in one walk of the filter index, then split and picked
 * per set. Any other shape, or more than WHOLE_ROWS_CAP.latest candidates, runs latestResults per set.
 */
export async function latestResultsOfEach(store: Store, fs: readonly ResultFilters[]): Promise<ResultRow[][]> {
  const drivers = fs.map((f) => pickDriver(f, true));
  const since = fs[0]?.since;
  const simple = fs.every((f, i) =>
    drivers[i] && !f.outcomes.length && !f.groups.length && !f.testcases.length && !f.testcasesLike.length &&
    f.data.every((d) => !d.like) && f.since?.start === since?.start && f.since?.end === since?.end);
  const whole = simple && fs.length > 1 ? await wholeByDrivers(store, drivers as NonNullable<(typeof drivers)[number]>[], since) : undefined;
  if (!whole) return Promise.all(fs.map((f) => latestResults(store, f)));
  return fs.map((f, i) => {
    const driver = drivers[i]!;
    const others = f.data.filter((d) => d !== driver);
    const mine = whole.filter((w) => w.key === driver.key && w.value === driver.values[0] && matchesData(w.row, others));
    return pickLatest(mine.map((w) => w.row), f.distinctOn);
  });
}

/** Whole rows carrying any of the single-valued drivers, each with the driver (key, value) it was found by. */
async function wholeByDrivers(
  store: Store, drivers: ResultFilters['data'], since: ResultFilters['since'],
): Promise<{ key: string; value: string; row: ResultRow }[] | undefined> {
  const cap = WHOLE_ROWS_CAP.latest;
  const { inListOpaque } = store.dialect;
  // Every key with every value: a superset when they differ (checked below), one statement text for all.
  const values = [...new Set(drivers.map((d) => d.values[0]!))];
  const query = drivers.every((d) => d.key === COVERED_KEY)
    ? coveredEntries(store, values, since, undefined)
    : indexedRows(store, since)
      .where(inListOpaque(sql.ref('d.key'), [...new Set(drivers.map((d) => d.key))]))
      .where(inListOpaque(sql.ref('d.value'), values));
  const rows = await query
    .select(['d.key as driver_key', 'd.value as driver_value'])
    .limit(sql.lit(cap + 1))
    .execute();
  if (rows.length > cap) return undefined;
  const wanted = new Set(drivers.map((d) => JSON.stringify([d.key, d.values[0]])));
  const mine = rows.filter((r) => wanted.has(JSON.stringify([r.driver_key, r.driver_value])));
  const read = await resultRows(store, mine);
  return mine.map((r, i) => ({ key: r.driver_key, value: r.driver_value, row: read[i]! }));
}

export async function getResult(store: Store, id: number): Promise<ResultRow | undefined> {
  const row = await store.db
    .selectFrom('result as r')
    .select(RESULT_COLUMNS)
    .where('r.id', '=', id)
    .executeTakeFirst();
  return row && (await resultRows(store, [row]))[0];
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
  const { inList, likeAny } = store.dialect;
  if (uuids.length) qb = qb.where(inList(sql.ref('uuid'), uuids));
  if (desc.exact.length) qb = qb.where(inList(sql.ref('description'), desc.exact));
  else if (desc.like.length) qb = qb.where(likeAny(sql.ref<string>('description'), desc.like));
  qb = qb.orderBy('id', 'desc').limit(sql.lit(Math.max(desc.limit, 0) + 1));
  if (desc.page > 0) qb = qb.offset(sql.lit(desc.page * Math.max(desc.limit, 0)));
  return groupsWithCounts(store.db, await qb.execute());
}

export async function getGroup(store: Store, uuid: string): Promise<GroupRow | undefined> {
  const g = await store.db.selectFrom('result_group').select(['uuid', 'description', 'ref_url']).where('uuid', '=', uuid).executeTakeFirst();
  return g && (await groupsWithCounts(store.db, [g]))[0];
}

export async function listTestcases(store: Store, f: ListFilter): Promise<TestcaseRow[]> {
  let qb = store.db.selectFrom('testcase').select(['name', 'ref_url']);
  const { inList, likeAny } = store.dialect;
  if (f.exact.length) qb = qb.where(inList(sql.ref('name'), f.exact));
  else if (f.like.length) qb = qb.where(likeAny(sql.ref<string>('name'), f.like));
  qb = qb.orderBy('name', 'asc').limit(sql.lit(Math.max(f.limit, 0) + 1));
  if (f.page > 0) qb = qb.offset(sql.lit(f.page * Math.max(f.limit, 0)));
  return qb.execute();
}

export async function getTestcase(store: Store, name: string): Promise<TestcaseRow | undefined> {
  return store.db.selectFrom('testcase').select(['name', 'ref_url']).where('name', '=', name).executeTakeFirst();
}
