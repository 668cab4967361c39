import { quotePath } from '../http/links.ts';
import type { Group, Result, Testcase } from './schemas.ts';
import { formatTime } from './times.ts';

/** Rows as the store returns them, and their wire forms (ResultsDB v2.0 shapes). */
export interface TestcaseRow { name: string; ref_url: string | null }
export interface GroupRow { uuid: string; description: string | null; ref_url: string | null; results_count: number }
export interface ResultRow {
  id: number;
  submit_time: number;
  outcome: string;
  note: string | null;
  ref_url: string | null;
  testcase: TestcaseRow;
  data: [string, string][];
  groups: string[];
}

export function serializeTestcase(host: string, t: TestcaseRow): Testcase {
  return { href: `${host}/api/v2.0/testcases/${quotePath(t.name)}`, name: t.name, ref_url: t.ref_url };
}

export function serializeGroup(host: string, g: GroupRow): Group {
  const uuid = quotePath(g.uuid);
  return {
    description: g.description,
    href: `${host}/api/v2.0/groups/${uuid}`,
    ref_url: g.ref_url,
    results: `${host}/api/v2.0/results?groups=${uuid}`,
    results_count: g.results_count,
    uuid: g.uuid,
  };
}

const byKey = (a: [string, string], b: [string, string]) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);

export function serializeResult(host: string, r: ResultRow): Result {
  // No prototype: a data key named "__proto__" must stay an ordinary key.
  // Keys inserted in sorted order, so the response writer needs no sorting of its own; the sort is
  // stable, so the values of one key keep their order.
  const pairs = r.data.length > 1 ? [...r.data].sort(byKey) : r.data;
  const data: Record<string, string[]> = Object.create(null);
  for (const [k, v] of pairs) (data[k] ??= []).push(v);
  return {
    data,
    groups: r.groups,
    href: `${host}/api/v2.0/results/${r.id}`,
    id: r.id,
    note: r.note,
    outcome: r.outcome,
    ref_url: r.ref_url,
    submit_time: formatTime(r.submit_time),
    testcase: serializeTestcase(host, r.testcase),
  };
}
