import { sql, type SqlBool } from 'kysely';
import type { Store } from '../store/connection.ts';
import { runShape, valueSlots } from '../store/statements.ts';
import type { ResultFilters } from '../results/filters.ts';
import { latestResultsOfEach } from '../results/store.ts';
import type { ResultRow } from '../results/serialize.ts';
import { toWaiverRow } from '../waivers/store.ts';
import type { WaiverRow } from '../waivers/serialize.ts';
import { subjectKey } from './engine.ts';
import { DISTINCT_LATEST_RESULTS_ON, type Subject } from './model.ts';
import { resultQueries } from './subjects.ts';

// Greenwave asks ResultsDB for `since=1900-01-01T00:00:00.000000,<when>`.
const SINCE_1900 = Date.UTC(1900, 0, 1) * 1000;

/**
 * The latest results of each subject as of `when`: one /results/latest query per result query of its
 * type (distinct on scenario, architecture and variant), concatenated as Greenwave does.
 */
export async function latestResultsOf(store: Store, subjects: readonly Subject[], when: number | null): Promise<Map<string, ResultRow[]>> {
  const unique = new Map(subjects.map((s) => [subjectKey(s), s]));
  // Every result query of every subject, answered together; each subject's blocks in query order.
  const queries = [...unique].flatMap(([key, s]) => resultQueries(s).map((q) => ({ key, filters: filtersFor(q, when) })));
  const blocks = await latestResultsOfEach(store, queries.map((q) => q.filters));
  const out = new Map<string, ResultRow[]>([...unique.keys()].map((key) => [key, []]));
  queries.forEach((q, i) => out.get(q.key)!.push(...blocks[i]!));
  return out;
}

function filtersFor(query: Record<string, string>, when: number | null): ResultFilters {
  return {
    since: when === null ? undefined : { start: SINCE_1900, end: when },
    outcomes: [],
    groups: [],
    testcases: [],
    testcasesLike: [],
    data: Object.entries(query).map(([key, v]) => ({ key, values: v.split(','), like: false })),
    sort: 'desc',
    distinctOn: [...DISTINCT_LATEST_RESULTS_ON],
    page: 0,
    limit: 0,
  };
}

/** Waiver rows naming one of the subjects: its identifier, and its type's id or any alias. */
function forSubjects(store: Store, lists: SubjectLists) {
  const { inListOpaque } = store.dialect;
  return sql<SqlBool>`${inListOpaque(sql.ref('subject_identifier'), lists.ids)} and ${inListOpaque(sql.ref('subject_type'), lists.types)}`;
}

interface SubjectLists { ids: string[]; types: string[] }

/** The identifiers of the subjects, and their types with every alias. */
const subjectLists = (subjects: readonly Subject[]): SubjectLists => ({
  ids: [...new Set(subjects.map((s) => s.identifier))],
  types: [...new Set(subjects.flatMap((s) => [s.type.id, ...s.type.aliases]))],
});

/** Every waiver of the subjects for the product version filed up to `when`; the engine picks the current ones. */
export async function waiversOf(store: Store, subjects: readonly Subject[], productVersion: string, when: number | null): Promise<WaiverRow[]> {
  if (!subjects.length) return [];
  let q = store.db.selectFrom('waiver').selectAll().where(forSubjects(store, subjectLists(subjects))).where(store.dialect.inListOpaque(sql.ref('product_version'), [productVersion]));
  if (when !== null) q = q.where('timestamp', '<=', when);
  return (await q.execute()).map(toWaiverRow);
}

/**
 * A token that changes whenever a result or waiver a decision on these subjects could read is added,
 * by any process: rows of both are never updated or deleted, so their counts only grow. Counted over
 * one (key, value) of every result query, a superset of what the queries match. One statement,
 * to be read before the facts (a row committed in between then only costs a recomputation). Null when
 * a result query has no key at all (every result would match).
 */
export async function factsToken(store: Store, subjects: readonly Subject[], productVersion: string): Promise<string | null> {
  // The pair naming the subject itself is the selective one (`{type: X, item: NVR}` names the type first).
  const chosen = subjects.flatMap((s) =>
    resultQueries(s).map((q) => Object.entries(q).find(([, v]) => v === s.identifier) ?? Object.entries(q)[0]),
  );
  if (!subjects.length || chosen.some((pair) => pair === undefined)) return null;
  const pairs = chosen as [string, string][];
  const { inListOpaque } = store.dialect;
  const { values, slots } = valueSlots();
  const keys = slots([...new Set(pairs.map(([k]) => k))]);
  const pairValues = slots([...new Set(pairs.flatMap(([, v]) => v.split(',')))]);
  const lists = subjectLists(subjects);
  const subjectSlots = { ids: slots(lists.ids), types: slots(lists.types) };
  const [version] = slots([productVersion]);
  // Asked before every cached decision: built once per list lengths (store/statements.ts).
  const shape = `factsToken${JSON.stringify([keys.length, pairValues.length, lists.ids.length, lists.types.length])}`;
  const [row] = await runShape(store, shape, values, () =>
    store.db.selectNoFrom((eb) => [
      eb.selectFrom('result_data').select(eb.fn.countAll().as('n')).where(inListOpaque(sql.ref('key'), keys)).where(inListOpaque(sql.ref('value'), pairValues)).as('results'),
      eb.selectFrom('waiver').select(eb.fn.countAll().as('n')).where(forSubjects(store, subjectSlots)).where(inListOpaque(sql.ref('product_version'), [version!])).as('waivers'),
    ]),
  );
  return `${row!.results}/${row!.waivers}`;
}
