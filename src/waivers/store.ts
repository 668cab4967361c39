import { sql, type Expression, type ExpressionBuilder, type SqlBool } from 'kysely';
import type { Store } from '../store/connection.ts';
import type { Database } from '../store/schema.ts';
import type { WaiverRow } from './serialize.ts';
import { FILTER_KEYS, type Criteria } from './validate.ts';

/**
 * Which waivers a newer one obsoletes. `per-user`: same subject, testcase, scenario, username and
 * product version (GET /waivers/, +by-subjects-and-testcases, as upstream). `per-product-version`:
 * same subject, testcase, scenario and product version (+filtered; upstream left the product version
 * out, so another version's waiver could hide the one asked for: deviations item 9).
 */
export type Grouping = 'per-user' | 'per-product-version';

export interface Selection {
  /** OR-ed; absent = no restriction. */
  anyOf?: Criteria[];
  /** AND-ed with the rest. */
  all?: Criteria;
  /** Without it: only current waivers (the newest of their group) that have not expired at `now`. */
  includeObsolete: boolean;
  grouping: Grouping;
  now: number;
}

type EB = ExpressionBuilder<Database & { w: Database['waiver'] }, 'w'>;

function matches(eb: EB, c: Criteria): Expression<SqlBool> {
  if (c.never) return eb.or([]);
  const conds: Expression<SqlBool>[] = [];
  for (const k of FILTER_KEYS) if (c.eq[k] !== undefined) conds.push(eb(`w.${k}`, '=', c.eq[k]!));
  if (c.since.start !== null) conds.push(eb('w.timestamp', '>=', c.since.start));
  if (c.since.end !== null) conds.push(eb('w.timestamp', '<=', c.since.end));
  return eb.and(conds);
}

function where(eb: EB, s: Selection): Expression<SqlBool> {
  const conds: Expression<SqlBool>[] = [];
  if (s.anyOf) conds.push(eb.or(s.anyOf.map((c) => matches(eb, c))));
  if (s.all) conds.push(matches(eb, s.all));
  if (!s.includeObsolete) {
    // Current = no newer waiver in the group, over all rows (not only the selected ones). A probe on the
    // waiver_subject index per candidate; the same SQL on both stores (IS NOT DISTINCT FROM: NULL
    // scenario is a group of its own).
    let newer = eb
      .selectFrom('waiver as n')
      .select(sql.lit(1).as('one'))
      .whereRef('n.subject_type', '=', 'w.subject_type')
      .whereRef('n.subject_identifier', '=', 'w.subject_identifier')
      .whereRef('n.testcase', '=', 'w.testcase')
      .where((n) => n('n.scenario', 'is not distinct from', n.ref('w.scenario')))
      .whereRef('n.product_version', '=', 'w.product_version')
      .whereRef('n.id', '>', 'w.id');
    if (s.grouping === 'per-user') newer = newer.whereRef('n.username', '=', 'w.username');
    conds.push(eb.not(eb.exists(newer)));
    // An expired current waiver waives nothing, and does not bring back the one it replaced.
    conds.push(eb.or([eb('w.expires_at', 'is', null), eb('w.expires_at', '>', s.now)]));
  }
  return eb.and(conds);
}

/** Selected waivers, newest first; with `page`, one page of them. */
export async function listWaivers(store: Store, s: Selection, page?: { offset: number; limit: number }): Promise<WaiverRow[]> {
  let q = store.db
    .selectFrom('waiver as w')
    .selectAll('w')
    .where((eb) => where(eb, s))
    .orderBy('w.timestamp', 'desc')
    .orderBy('w.id', 'desc');
  if (page) q = q.limit(page.limit).offset(page.offset);
  return (await q.execute()).map(toWaiverRow);
}

export async function countWaivers(store: Store, s: Selection): Promise<number> {
  const row = await store.db
    .selectFrom('waiver as w')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where((eb) => where(eb, s))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function getWaiver(store: Store, id: number): Promise<WaiverRow | undefined> {
  const row = await store.db.selectFrom('waiver').selectAll().where('id', '=', id).executeTakeFirst();
  return row && toWaiverRow(row);
}

export type NewWaiver = Omit<WaiverRow, 'id'>;

/** Writes all waivers in one transaction: all of them or none. */
export async function insertWaivers(store: Store, waivers: NewWaiver[]): Promise<WaiverRow[]> {
  return store.db.transaction().execute(async (trx) => {
    const out: WaiverRow[] = [];
    for (const w of waivers) out.push(toWaiverRow(await trx.insertInto('waiver').values(w).returningAll().executeTakeFirstOrThrow()));
    return out;
  });
}

/** bigint columns may come back as strings from some drivers; waived is 0/1 on both stores. */
export function toWaiverRow(r: Record<keyof WaiverRow, unknown>): WaiverRow {
  return {
    id: Number(r.id),
    subject_type: r.subject_type as string,
    subject_identifier: r.subject_identifier as string,
    testcase: r.testcase as string,
    scenario: r.scenario as string | null,
    product_version: r.product_version as string,
    waived: Number(r.waived),
    username: r.username as string,
    proxied_by: r.proxied_by as string | null,
    comment: r.comment as string,
    timestamp: Number(r.timestamp),
    expires_at: r.expires_at === null ? null : Number(r.expires_at),
  };
}
