import { sql, type Kysely } from 'kysely';
import type { Store } from '../store/connection.ts';
import type { Database } from '../store/schema.ts';
import type { TestcaseRow } from './serialize.ts';

/**
 * The testcases of result rows, from a cache in the process instead of a join per result (bench, the
 * 40 results of an item: the join cost PostgreSQL about 100 µs a query). A testcase's name never
 * changes; its ref_url does, and each change bumps testcase_epoch in its own transaction. Every read
 * of result rows carries the epoch of its snapshot (EPOCH_COLUMN): the cache's entries are current for
 * any epoch up to the one they were read at, and the cache is dropped when a newer epoch shows up.
 */

/** `(select epoch …)` as a column of a read: PostgreSQL evaluates it once per statement. */
export const EPOCH_COLUMN = sql<number | string>`(select e.epoch from testcase_epoch as e where e.id = 1)`.as('tc_epoch');

interface Cache {
  /** The epoch every entry was read at. */
  epoch: number;
  byId: Map<number, TestcaseRow>;
}

/** Entries kept per store at most; past it the cache starts over (a bound, not an expected size). */
const KEPT = 50_000;
const caches = new WeakMap<Store, Cache>();

/** Bumps the epoch: call in the transaction that changes a testcase's ref_url. */
export async function testcaseChanged(trx: Kysely<Database>): Promise<void> {
  await trx.updateTable('testcase_epoch').set((eb) => ({ epoch: eb('epoch', '+', 1) })).where('id', '=', 1).execute();
}

/**
 * The testcase of every id in `ids`, current as of `epoch` (read in the same statement as the rows
 * naming them) or later. Reads the ids the cache lacks, or all of them when the epoch moved on.
 */
export async function testcasesOf(store: Store, ids: Iterable<number>, epoch: number): Promise<(id: number) => TestcaseRow> {
  let cache = caches.get(store);
  if (!cache || epoch > cache.epoch || cache.byId.size > KEPT) caches.set(store, (cache = { epoch, byId: new Map() }));
  const byId = cache.byId;
  let missing: number[] | undefined;
  for (const id of ids) if (!byId.has(id)) (missing ??= []).push(id);
  if (!missing) return (id) => byId.get(id)!;
  const loaded = await load(store, [...new Set(missing)]);
  const current = caches.get(store)!;
  // Read after the rows, so at their epoch or later. At the cache's epoch the entries join it; at a
  // later one they start it afresh; at an earlier one (a concurrent read moved the cache on) they only
  // serve this read, being current for it.
  if (loaded.epoch === current.epoch) for (const [id, t] of loaded.byId) current.byId.set(id, t);
  else if (loaded.epoch > current.epoch) caches.set(store, loaded);
  return (id) => loaded.byId.get(id) ?? byId.get(id)!;
}

async function load(store: Store, ids: number[]): Promise<Cache> {
  const rows = await store.db
    .selectFrom('testcase')
    .select(['id', 'name', 'ref_url', EPOCH_COLUMN])
    .where(store.dialect.inList(sql.ref('id'), ids))
    .execute();
  const byId = new Map(rows.map((r) => [Number(r.id), { name: r.name, ref_url: r.ref_url }]));
  // An id read from a committed result names a committed testcase, and testcases are never deleted.
  if (byId.size < ids.length) throw new Error(`testcases missing from the store: ${ids.filter((id) => !byId.has(id)).join(', ')}`);
  // With no rows there is no epoch to read; none is needed then.
  return { epoch: rows.length ? Number(rows[0]!.tc_epoch) : -1, byId };
}

/** Testcase ids by name, per store: an id never changes once committed (see createResult). */
const idsByName = new WeakMap<Store, Map<string, number>>();
export function knownTestcases(store: Store): Map<string, number> {
  let m = idsByName.get(store);
  if (!m) idsByName.set(store, (m = new Map()));
  return m;
}
