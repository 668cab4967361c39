import { sql } from 'kysely';
import type { Store } from '../store/connection.ts';
import { runShape, slotsFor } from '../store/statements.ts';

/** A result of a known testcase, without groups or a write hook, ready to insert (writes.ts insertAlone). */
export interface PlainInsert {
  testcaseId: number;
  submit_time: number;
  outcome: string;
  note: string | null;
  ref_url: string | null;
  dataJson: string;
  membersJson: string;
  /** Its filter index entries, and whether each carries the texts (store/itemCover.ts). */
  pairs: readonly (readonly [string, string])[];
  covered: readonly boolean[];
}

export interface Inserted {
  id: number;
  /** The testcase's current ref_url, re-read with the insert as upstream did. */
  tc_ref_url: string | null;
}

/** Results written by one statement at most; more wait for the next one. */
const MAX_BATCH = 64;
/**
 * Statements under way at once, per process: one, the others' results waiting for the next. Bench,
 * POST at 16 connections: with two per process, two server processes wrote 1,527 req/s (PostgreSQL
 * 0.49 ms a result: concurrent inserts contending for the same index pages); with one, 2,356.
 */
const MAX_IN_FLIGHT = 1;

interface Waiting {
  insert: PlainInsert;
  resolve: (row: Inserted) => void;
  reject: (e: unknown) => void;
}

/**
 * Group commit for plain results (PostgreSQL): the results that arrive while a statement is under
 * way are written together by the next one, a single statement, so a single transaction and a
 * single wait for its commit. A result arriving at a quiet store goes at once, alone. Each caller is
 * answered after the commit of the statement that wrote its result, so nothing acknowledged is lost.
 */
class InsertBatcher {
  private readonly waiting: Waiting[] = [];
  private inFlight = 0;

  constructor(private readonly store: Store) {}

  insert(insert: PlainInsert): Promise<Inserted> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ insert, resolve, reject });
      this.next();
    });
  }

  private next(): void {
    while (this.inFlight < MAX_IN_FLIGHT && this.waiting.length) {
      const batch = this.waiting.splice(0, MAX_BATCH);
      this.inFlight++;
      void this.write(batch).finally(() => {
        this.inFlight--;
        this.next();
      });
    }
  }

  private async write(batch: Waiting[]): Promise<void> {
    try {
      const rows = await insertMany(this.store, batch.map((w) => w.insert));
      batch.forEach((w, i) => w.resolve(rows[i]!));
    } catch (e) {
      // The database refused the statement, so it wrote nothing: one bad result (a value too large to
      // index) must not fail the others, and its caller must get its own error. Each goes again alone.
      // Any other failure (the connection lost) may have come after the commit: reported, not retried.
      if (batch.length === 1 || !this.store.dialect.refusedStatement(e)) return batch.forEach((w) => w.reject(e));
      await Promise.all(batch.map((w) => insertMany(this.store, [w.insert]).then((rows) => w.resolve(rows[0]!), w.reject)));
    }
  }
}

const batchers = new WeakMap<Store, InsertBatcher>();

/** Writes `insert` (with others waiting at the time) where the store can: undefined where it cannot. */
export function insertPlain(store: Store, insert: PlainInsert): Promise<Inserted> | undefined {
  if (!store.dialect.rowsOf || !store.dialect.nextId) return undefined;
  let b = batchers.get(store);
  if (!b) batchers.set(store, (b = new InsertBatcher(store)));
  return b.insert(insert);
}

/**
 * The results `inserts`, their filter index entries and the item cover's copies, in one statement
 * (PostgreSQL's data-modifying WITH). Ids are drawn before the rows are written, so each result's
 * entries join it by its position in the lists; the same text for any number of results.
 */
async function insertMany(store: Store, inserts: readonly PlainInsert[]): Promise<Inserted[]> {
  const rowsOf = store.dialect.rowsOf!;
  const nextId = store.dialect.nextId!;
  const entries = inserts.flatMap((r, i) => r.pairs.map(([key, value], seq) => ({ ord: i + 1, seq, key, value, covered: r.covered[seq] ? 1 : 0 })));
  const values = [
    inserts.map((r) => r.testcaseId), inserts.map((r) => r.submit_time), inserts.map((r) => r.outcome), inserts.map((r) => r.note),
    inserts.map((r) => r.ref_url), inserts.map((r) => r.dataJson), inserts.map((r) => r.membersJson),
    entries.map((e) => e.ord), entries.map((e) => e.seq), entries.map((e) => e.key), entries.map((e) => e.value), entries.map((e) => e.covered),
  ];
  const rows = await runShape(store, 'insertMany', values, () => {
    const s = slotsFor(values);
    const results = rowsOf(
      [['testcase_id', 'int'], ['submit_time', 'bigint'], ['outcome', 'text'], ['note', 'text'], ['ref_url', 'text'], ['data_json', 'text'], ['members_json', 'text'], ['ord', 'bigint']],
      s.slice(0, 7), { alias: 'u', ordinality: 'ord' },
    );
    const data = rowsOf([['ord', 'int'], ['seq', 'int'], ['key', 'text'], ['value', 'text'], ['covered', 'int']], s.slice(7), { alias: 'x' });
    const copy = (c: string) => sql`case when x.covered = 1 then ${c === 'groups_json' ? sql.lit('[]') : sql.ref(`v.${c}`)} end`.as(c);
    // Kysely cannot type an INSERT … SELECT from raw row sources: `any`.
    const db = store.db as any;
    return db
      .with('v', (q: any) => q.selectFrom(results).selectAll('u').select(nextId('result').as('id')))
      .with('r', (q: any) => q.insertInto('result')
        .columns(['id', 'testcase_id', 'submit_time', 'outcome', 'note', 'ref_url', 'data_json', 'groups_json', 'members_json'])
        .expression((eb: any) => eb.selectFrom('v')
          .select(['v.id', 'v.testcase_id', 'v.submit_time', 'v.outcome', 'v.note', 'v.ref_url', 'v.data_json', sql.lit('[]').as('groups_json'), 'v.members_json'])))
      .with('d', (q: any) => q.insertInto('result_data')
        .columns(['result_id', 'seq', 'key', 'value', 'submit_time', 'testcase_id', 'members_json', 'data_json', 'groups_json'])
        .expression((eb: any) => eb.selectFrom(['v', data]).whereRef('x.ord', '=', 'v.ord')
          .select(['v.id', 'x.seq', 'x.key', 'x.value', 'v.submit_time', 'v.testcase_id', copy('members_json'), copy('data_json'), copy('groups_json')])))
      .selectFrom('v')
      .select(['v.id', (eb: any) => eb.selectFrom('testcase as t').select('t.ref_url').whereRef('t.id', '=', 'v.testcase_id').as('tc_ref_url')])
      .orderBy('v.ord');
  });
  return (rows as { id: number | string; tc_ref_url: string | null }[]).map((r) => ({ id: Number(r.id), tc_ref_url: r.tc_ref_url ?? null }));
}
