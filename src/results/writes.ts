import type { Kysely, Transaction } from 'kysely';
import type { Store } from '../store/connection.ts';
import type { Database } from '../store/schema.ts';
import { carriesTexts } from '../store/itemCover.ts';
import { insertPlain } from './insertBatch.ts';
import { dataJson, membersJson, type ResultRow, type TestcaseRow } from './serialize.ts';
import { knownTestcases, testcaseChanged } from './testcases.ts';

// The writes of results, testcases and groups; reads are in store.ts.

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
  const known = knownTestcases(store);
  const name = input.testcase.name;
  // A testcase named without a new ref_url needs only its id, which never changes once committed.
  const cachedId = Object.hasOwn(input.testcase, 'ref_url') ? undefined : known.get(name);
  const dataJsonText = dataJson(input.data);
  const membersText = membersJson(input);
  if (cachedId !== undefined && !input.groups.length && !afterInsert) {
    const alone = await insertAlone(store, input, cachedId, dataJsonText, membersText);
    if (alone) return alone;
  }
  const groupsText = JSON.stringify(input.groups.map((g) => g.uuid));
  const row = await store.db.transaction().execute(async (trx) => {
    const testcase = cachedId === undefined ? await upsertTestcase(trx, input.testcase, 'key-present') : { id: cachedId, name };
    for (const g of input.groups) await upsertGroup(trx, g, 'key-present');
    const { id, tc_ref_url } = await trx
      .insertInto('result')
      .values({
        testcase_id: testcase.id,
        submit_time: input.submit_time,
        outcome: input.outcome,
        note: input.note,
        ref_url: input.ref_url,
        data_json: dataJsonText,
        groups_json: groupsText,
        members_json: membersText,
      })
      // The testcase's current ref_url comes back with the insert, as upstream re-read it.
      .returning(['id', (eb) => eb.selectFrom('testcase as t').select('t.ref_url').whereRef('t.id', '=', 'result.testcase_id').as('tc_ref_url')])
      .executeTakeFirstOrThrow();
    const resultId = Number(id);
    const pairs = distinctPairs(input.data);
    if (pairs.length) {
      const texts = { members_json: membersText, data_json: dataJsonText, groups_json: groupsText };
      const none = { members_json: null, data_json: null, groups_json: null };
      await trx.insertInto('result_data')
        .values(pairs.map(([key, value], seq) => ({
          result_id: resultId, seq, key, value, submit_time: input.submit_time, testcase_id: testcase.id,
          ...(carriesTexts(key, value, [membersText, dataJsonText, groupsText]) ? texts : none),
        })))
        .execute();
    }
    if (input.groups.length) {
      await trx.insertInto('groups_to_results')
        .values(input.groups.map((g, seq) => ({ result_id: resultId, seq, group_uuid: g.uuid })))
        .execute();
    }
    const row = writtenRow(input, resultId, tc_ref_url ?? null, dataJsonText, membersText);
    if (afterInsert) await afterInsert(trx, row);
    return { row, testcaseId: testcase.id };
  });
  // Only after the commit: an id from a rolled-back transaction never existed.
  if (known.size < 100_000) known.set(name, row.testcaseId);
  return row.row;
}

/**
 * A result of a known testcase, without groups or a write hook, written by one statement where the store
 * can (results/insertBatch.ts: PostgreSQL's data-modifying WITH, shared with results arriving meanwhile).
 * A statement is its own transaction: one round trip instead of four (BEGIN, result, data, COMMIT), all
 * or nothing as before, committed before it answers. Undefined where the store cannot: the caller's
 * transaction then writes it.
 */
async function insertAlone(
  store: Store, input: NewResult, testcaseId: number, dataJsonText: string, membersText: string,
): Promise<ResultRow | undefined> {
  const pairs = distinctPairs(input.data);
  const texts = [membersText, dataJsonText, '[]'];
  const written = insertPlain(store, {
    testcaseId, submit_time: input.submit_time, outcome: input.outcome, note: input.note, ref_url: input.ref_url,
    dataJson: dataJsonText, membersJson: membersText, pairs, covered: pairs.map(([key, value]) => carriesTexts(key, value, texts)),
  });
  if (!written) return undefined;
  const { id, tc_ref_url } = await written;
  return writtenRow(input, id, tc_ref_url, dataJsonText, membersText);
}

/** The result just written, as a read would return it. */
function writtenRow(input: NewResult, id: number, testcaseRefUrl: string | null, dataJsonText: string, membersText: string): ResultRow {
  return {
    id,
    submit_time: input.submit_time,
    outcome: input.outcome,
    note: input.note,
    ref_url: input.ref_url,
    testcase: { name: input.testcase.name, ref_url: testcaseRefUrl },
    data: input.data,
    dataJson: dataJsonText,
    membersJson: membersText,
    groups: input.groups.map((g) => g.uuid),
  };
}

/** A value repeated under one key filters like one: the index holds it once, so no result is listed twice. */
function distinctPairs(data: [string, string][]): [string, string][] {
  const seen = new Set<string>();
  return data.filter(([k, v]) => {
    const id = JSON.stringify([k, v]);
    return seen.has(id) ? false : (seen.add(id), true);
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
    // With the epoch bump (results/testcases.ts) in one transaction: every cache sees the change.
    const change = async (trx: Kysely<Database>) => {
      await trx.updateTable('testcase').set({ ref_url: t.ref_url ?? null }).where('id', '=', existing.id).execute();
      await testcaseChanged(trx);
    };
    await (db.isTransaction ? change(db) : db.transaction().execute(change));
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
