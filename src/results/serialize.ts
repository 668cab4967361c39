import { byCodePoint } from '../http/json.ts';
import { quotePath, quoteQueryValue } from '../http/links.ts';
import type { Group, Testcase } from './schemas.ts';
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
  /** (key, value) in submission order; a key may repeat. */
  readonly data: [string, string][];
  /** `data` already in its wire form (dataJson), as stored: written out as it is. */
  dataJson?: string;
  readonly groups: string[];
  /** `groups` as stored (their JSON text): written out as it is. */
  groupsJson?: string;
  /** note, outcome, ref_url and submit_time in their wire form (membersJson), as stored. */
  membersJson?: string;
}

const testcaseHref = (host: string, name: string) => `${host}/api/v2.0/testcases/${quotePath(name)}`;

export function serializeTestcase(host: string, t: TestcaseRow): Testcase {
  return { href: testcaseHref(host, t.name), name: t.name, ref_url: t.ref_url };
}

export function serializeGroup(host: string, g: GroupRow): Group {
  const uuid = quotePath(g.uuid);
  return {
    description: g.description,
    href: `${host}/api/v2.0/groups/${uuid}`,
    ref_url: g.ref_url,
    results: `${host}/api/v2.0/results?groups=${quoteQueryValue(g.uuid)}`,
    results_count: g.results_count,
    uuid: g.uuid,
  };
}

const byKey = (a: [string, string], b: [string, string]) => byCodePoint(a[0], b[0]);
const q = JSON.stringify;

/**
 * A result's `data` in its wire form: an object of value lists, keys sorted, the values of a key in
 * submission order (the sort is stable). Written by hand: an object would put integer-like keys first.
 * Results are immutable, so the store keeps this text and pages are written without rebuilding it.
 */
export function dataJson(pairs: readonly [string, string][]): string {
  if (!pairs.length) return '{}';
  const sorted = pairs.length > 1 ? [...pairs].sort(byKey) : pairs;
  let out = '{';
  let prev: string | undefined;
  for (const [k, v] of sorted) {
    if (k === prev) out += ',' + q(v);
    else out += (prev === undefined ? '' : '],') + q(k) + ':[' + q(v);
    prev = k;
  }
  return out + ']}';
}

/** The (key, value) pairs of a dataJson text, keys in the text's order. */
export function pairsOf(text: string): [string, string][] {
  return (!text.includes('\\') && unescapedPairs(text)) || parsedPairs(text);
}

function parsedPairs(text: string): [string, string][] {
  const out: [string, string][] = [];
  const obj = JSON.parse(text) as Record<string, string[]>;
  for (const k of Object.keys(obj)) for (const v of obj[k]!) out.push([k, v]);
  return out;
}

/**
 * pairsOf for a text without a backslash, hence without escapes: every `"` then delimits a string,
 * and the strings are cut out as they are (JSON.parse was most of the cost of "latest" with distinct
 * keys). Undefined when the text is not exactly dataJson's form.
 */
function unescapedPairs(text: string): [string, string][] | undefined {
  const out: [string, string][] = [];
  if (text === '{}') return out;
  if (!text.startsWith('{"')) return undefined;
  let at = 1; // at a key's opening quote
  for (;;) {
    const keyEnd = text.indexOf('"', at + 1);
    if (keyEnd < 0 || !text.startsWith(':["', keyEnd + 1)) return undefined;
    const key = text.slice(at + 1, keyEnd);
    at = keyEnd + 4; // just inside the first value
    for (;;) {
      const valueEnd = text.indexOf('"', at);
      if (valueEnd < 0) return undefined;
      out.push([key, text.slice(at, valueEnd)]);
      const next = text.charCodeAt(valueEnd + 1);
      if (next === 44 /* , */ && text.charCodeAt(valueEnd + 2) === 34 /* " */) at = valueEnd + 3;
      else if (next === 93 /* ] */) { at = valueEnd + 2; break; }
      else return undefined;
    }
    if (at === text.length - 1 && text.charCodeAt(at) === 125 /* } */) return out;
    if (text.charCodeAt(at) !== 44 /* , */ || text.charCodeAt(at + 1) !== 34) return undefined;
    at += 1;
  }
}

/**
 * A result's members from "note" to "submit_time" in their wire form (`,"note":…,"outcome":…,
 * "ref_url":…,"submit_time":"…"`): nothing in them depends on the host or changes once the result
 * is written, so the store keeps this text beside the result (result.members_json) and pages write
 * it out as it is. Its fields are read back by parsing it (parseMembers).
 */
export function membersJson(r: Pick<ResultRow, 'note' | 'outcome' | 'ref_url' | 'submit_time'>): string {
  return ',"note":' + q(r.note) + ',"outcome":' + q(r.outcome) + ',"ref_url":' + q(r.ref_url) + ',"submit_time":"' + formatTime(r.submit_time) + '"';
}

const OUTCOME_NEEDLE = ',"outcome":"';

/**
 * The outcome of a membersJson text, cut out without parsing the rest (decisions read only this).
 * A JSON string has every `"` of its own escaped, so `,"outcome":"` is only ever the member itself;
 * an outcome with an escape of its own is parsed.
 */
export function outcomeOfMembers(text: string): string {
  const start = text.indexOf(OUTCOME_NEEDLE) + OUTCOME_NEEDLE.length;
  const end = text.indexOf('"', start);
  const outcome = text.slice(start, end);
  return start < OUTCOME_NEEDLE.length || outcome.includes('\\') ? parseMembers(text).outcome : outcome;
}

/** The fields of a membersJson text. */
export function parseMembers(text: string): { note: string | null; outcome: string; ref_url: string | null } {
  return JSON.parse('{' + text.slice(1) + '}') as { note: string | null; outcome: string; ref_url: string | null };
}

/** How many strings ResultWriter writes a result in. */
const PIECES = 10;

type TestcaseTails = Map<string, { ref_url: string | null; tail: string }>;

/**
 * `,"testcase":{…}}` texts by host, then testcase name: a page of an item's results names a testcase
 * per result, and the next page the same ones again. The host comes from request headers, so the
 * whole is dropped when it grows past TAILS_KEPT entries.
 */
const tailsByHost = new Map<string, TestcaseTails>();
let tailsKept = 0;
const TAILS_KEPT = 20_000;

function tailsOf(host: string): TestcaseTails {
  let tails = tailsByHost.get(host);
  if (!tails) tailsByHost.set(host, (tails = new Map()));
  return tails;
}

/** Writes results' JSON; the parts that depend on the host or the testcase only are made once. */
class ResultWriter {
  private readonly hrefStart: string;
  private readonly testcases: TestcaseTails;

  constructor(private readonly host: string) {
    const href = q(`${host}/api/v2.0/results/`);
    this.hrefStart = ',"href":' + href.slice(0, -1);
    this.testcases = tailsOf(host);
  }

  /** `,"testcase":{…}}`: the result's closing member. */
  private testcaseTail(t: TestcaseRow): string {
    const known = this.testcases.get(t.name);
    if (known && known.ref_url === t.ref_url) return known.tail;
    const tail = ',"testcase":{"href":' + q(testcaseHref(this.host, t.name)) + ',"name":' + q(t.name) + ',"ref_url":' + q(t.ref_url) + '}}';
    if (++tailsKept > TAILS_KEPT) {
      tailsByHost.clear(); // a page under way keeps filling its own map, now dropped
      tailsKept = 1;
    }
    this.testcases.set(t.name, { ref_url: t.ref_url, tail });
    return tail;
  }

  write(r: ResultRow): string {
    const parts: string[] = new Array(PIECES);
    this.pieces(r, parts, 0);
    return parts.join('');
  }

  /** The result's JSON as PIECES strings from `parts[at]` on: joined once with the rest of the page. */
  private pieces(r: ResultRow, parts: string[], at: number): void {
    const id = String(r.id);
    parts[at] = '{"data":';
    parts[at + 1] = r.dataJson ?? dataJson(r.data);
    parts[at + 2] = ',"groups":';
    parts[at + 3] = r.groupsJson ?? q(r.groups);
    parts[at + 4] = this.hrefStart;
    parts[at + 5] = id;
    parts[at + 6] = '","id":';
    parts[at + 7] = id;
    parts[at + 8] = r.membersJson ?? membersJson(r);
    parts[at + 9] = this.testcaseTail(r.testcase);
  }

  /**
   * `before`, the results as a JSON list's members, then `after`, as one string made by one join of
   * every piece: pages are tens of kB, and concatenating them (`+`) leaves cells for the collector,
   * and wrapping a finished list (`'{' + list + '}'`) copies it all again when it is sent.
   */
  list(rows: readonly ResultRow[], before: string, after: string): string {
    if (!rows.length) return before + after;
    // `before`, then per result its pieces and one more slot: a comma, or `after` for the last.
    const parts: string[] = new Array(1 + rows.length * (PIECES + 1));
    parts[0] = before;
    for (let i = 0, at = 1; i < rows.length; i++, at += PIECES + 1) {
      this.pieces(rows[i]!, parts, at);
      parts[at + PIECES] = i + 1 < rows.length ? ',' : after;
    }
    return parts.join('');
  }
}

/**
 * One result as JSON text, exactly what flaskJson writes for its ResultsDB v2.0 object (keys sorted,
 * compact) but before the ASCII escaping, which the response body gets as a whole (flaskBody).
 */
export const resultJson = (host: string, r: ResultRow): string => new ResultWriter(host).write(r);

/** A list of results as JSON text (see resultJson). */
export const resultsJson = (host: string, rows: readonly ResultRow[]): string => new ResultWriter(host).list(rows, '[', ']');

/**
 * A list response's JSON text: `{"data":[results…]}` with `members` (JSON texts) beside "data", keys
 * sorted, written in one piece (ResultWriter.list).
 */
export function resultsListJson(host: string, rows: readonly ResultRow[], members: Record<string, string> = {}): string {
  const keys = Object.keys(members).sort(byCodePoint);
  const member = (k: string) => q(k) + ':' + members[k];
  const before = keys.filter((k) => byCodePoint(k, 'data') < 0).map(member);
  const after = keys.filter((k) => byCodePoint(k, 'data') > 0).map(member);
  const open = '{' + [...before, ''].join(',') + '"data":[';
  return new ResultWriter(host).list(rows, open, ']' + ['', ...after].join(',') + '}');
}
