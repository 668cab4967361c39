import { compileBodyValidator, fieldError, NUL_MSG, valueError, ValidationFailed, type FieldError } from '../http/validation.ts';
import { dataValues, pyRepr } from './pyformat.ts';
import { CreateGroupBody, CreateResultBody, CreateTestcaseBody } from './schemas.ts';
import type { NewGroupRef, NewResult } from './store.ts';
import { nowMicros, parseSubmitTime } from './times.ts';
import { uuid1 } from './uuid1.ts';

/** A 400 answered with `{"message": ...}` rather than a validation_error list. */
export class BadRequest extends Error {}

const checkResult = compileBodyValidator(CreateResultBody);
const checkGroup = compileBodyValidator(CreateGroupBody);
const checkTestcase = compileBodyValidator(CreateTestcaseBody);

/** Fields whose rules go beyond the schema's types; their schema errors are replaced by these checks. */
const CUSTOM = new Set(['outcome', 'testcase', 'groups', 'submit_time']);

/**
 * Turns a POST /results body into the row to write, or throws ValidationFailed with every failing
 * field in model order. `rawData` is the `data` object decoded with number literals kept.
 */
export function validateCreateResult(
  body: Record<string, unknown>,
  outcomes: readonly string[],
  rawData: unknown = body.data,
): NewResult {
  const errors: FieldError[] = checkResult(body).filter((e) => !CUSTOM.has(String(e.loc[0])) || e.type === 'missing');
  const outcome = checkOutcome(body, outcomes, errors);
  const testcase = checkTestcaseRef(body, errors);
  const groups = checkGroups(body.groups, errors);
  const submitTime = parseSubmitTime(body.submit_time);
  if (!submitTime.ok) {
    errors.push(valueError(body.submit_time, 'submit_time',
      `Expected timestamp in milliseconds or datetime (in format YYYY-MM-DDTHH:MM:SS.ffffff), got ${pyRepr(body.submit_time)}`));
  }
  if (errors.length) throw new ValidationFailed(sortByField(errors));
  const data = rawData && typeof rawData === 'object' ? (rawData as Record<string, unknown>) : {};
  const colons = Object.keys(data).filter((k) => k.includes(':'));
  if (colons.length) throw new BadRequest(`Colon not allowed in key name: ${pyRepr(colons)}`);
  const result = {
    testcase: testcase!,
    outcome: outcome!,
    note: (body.note as string | null | undefined) ?? null,
    ref_url: (body.ref_url as string | null | undefined) ?? null,
    submit_time: (submitTime.ok ? submitTime.us : null) ?? nowMicros(),
    data: Object.entries(data).flatMap(([k, v]) => dataValues(v).map((s): [string, string] => [k, s])),
    groups: groups!,
  };
  checkStorable(body);
  return result;
}

/**
 * NUL characters, which PostgreSQL cannot hold in text, and unpaired surrogates are refused on both
 * stores, naming the field, instead of failing as a 500 (deviations item 2). Only where a string is
 * stored as sent: a data value nested in an object or list is stored as its Python repr, where a NUL
 * is written `\x00` and a surrogate `\ud800`.
 */
function checkStorable(body: Record<string, unknown>): void {
  const { data, ...rest } = body;
  const errors = [...nulErrors(rest, []), ...dataNulErrors(data)];
  if (errors.length) throw new ValidationFailed(errors);
}

function dataNulErrors(data: unknown): FieldError[] {
  if (!data || typeof data !== 'object' || Array.isArray(data)) return nulErrors(data, ['data']);
  return Object.entries(data).flatMap(([k, v]) => {
    const badKey = unstorable(k, ['data', k]);
    if (badKey.length) return badKey;
    const items = Array.isArray(v) ? v.map((x, i) => [x, [i]] as const) : [[v, []] as const];
    return items.flatMap(([x, at]) => (typeof x === 'string' ? nulErrors(x, ['data', k, ...at]) : []));
  });
}

function nulErrors(v: unknown, loc: (string | number)[]): FieldError[] {
  if (typeof v === 'string') return unstorable(v, loc);
  if (Array.isArray(v)) return v.flatMap((x, i) => nulErrors(x, [...loc, i]));
  if (v && typeof v === 'object') {
    return Object.entries(v).flatMap(([k, x]) => {
      const bad = unstorable(k, [...loc, k]);
      return bad.length ? bad : nulErrors(x, [...loc, k]);
    });
  }
  return [];
}

// Half of a UTF-16 surrogate pair alone (JSON's "\ud800"): not Unicode text, so no store can keep it
// (PostgreSQL would get U+FFFD in its place, SQLite the raw bytes, and the two would answer differently).
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const SURROGATE_MSG = 'Value error, unpaired surrogate characters are not allowed';

function unstorable(s: string, loc: (string | number)[]): FieldError[] {
  if (s.includes('\u0000')) return [fieldError(s, loc, 'value_error', NUL_MSG)];
  return LONE_SURROGATE.test(s) ? [fieldError(s, loc, 'value_error', SURROGATE_MSG)] : [];
}

/**
 * The field a write was refused for because PostgreSQL could not fit a value into the btree entry of
 * `index` (about 2.7 kB after compression; upstream's indexes had the same limit and answered 500):
 * the largest value that index holds, or of all indexed values when PostgreSQL did not name the index.
 * Compressible long values fit, as upstream; SQLite has no such limit.
 */
export function tooLargeToIndex(index: string | undefined, what: { result?: NewResult; testcase?: string; group?: string }): FieldError {
  const r = what.result;
  const candidates: { index: string; input: string; loc: (string | number)[]; what: string; size: number }[] = [];
  const add = (index: string, input: string, loc: (string | number)[], what: string, size = byteLength(input)) =>
    candidates.push({ index, input, loc, what, size });
  if (r) {
    for (const [k, v] of r.data) add('result_data_key_value_time', v, ['data', k], 'a data key and value together are', byteLength(k) + byteLength(v));
    add('testcase_name_key', r.testcase.name, ['testcase'], 'the testcase name is');
    r.groups.forEach((g, i) => add('result_group_uuid_key', g.uuid, ['groups', i], 'the group uuid is'));
  }
  if (what.testcase !== undefined) add('testcase_name_key', what.testcase, ['name'], 'the name is');
  if (what.group !== undefined) add('result_group_uuid_key', what.group, ['uuid'], 'the uuid is');
  // A group uuid is indexed twice: by its group, and by its results' links.
  const holder = index === 'groups_to_results_group' ? 'result_group_uuid_key' : index;
  const named = candidates.filter((c) => c.index === holder);
  const at = (named.length ? named : candidates).reduce((a, b) => (b.size > a.size ? b : a));
  return fieldError(at.input, at.loc, 'value_error', `Value error, ${at.what} too large to index, even compressed (PostgreSQL's limit is 2704 bytes)`);
}

const byteLength = (s: string) => Buffer.byteLength(s, 'utf8');

const FIELD_ORDER = ['outcome', 'testcase', 'groups', 'note', 'data', 'ref_url', 'submit_time'];
function sortByField(errors: FieldError[]): FieldError[] {
  const pos = (e: FieldError) => FIELD_ORDER.indexOf(String(e.loc[0]));
  return [...errors].sort((a, b) => pos(a) - pos(b));
}

function checkOutcome(body: Record<string, unknown>, outcomes: readonly string[], errors: FieldError[]) {
  const v = body.outcome;
  if (v === undefined) return undefined; // reported as missing by the schema
  if (typeof v !== 'string') return void errors.push(fieldError(v, ['outcome'], 'string_type', 'Input should be a valid string'));
  const o = v.trim().toUpperCase();
  if (!o) return void errors.push(fieldError(v, ['outcome'], 'string_too_short', 'String should have at least 1 character'));
  if (!outcomes.includes(o)) return void errors.push(valueError(v, 'outcome', `must be one of: ${outcomes.join(', ')}`));
  return o;
}

function checkTestcaseRef(body: Record<string, unknown>, errors: FieldError[]) {
  const v = body.testcase;
  if (v === undefined) return undefined;
  const isObj = v !== null && typeof v === 'object' && !Array.isArray(v);
  // Upstream's rule: any falsy value, or an object without a truthy name, is an empty testcase name.
  if (!v || (isObj && !(v as { name?: unknown }).name) || (Array.isArray(v) && !v.length)) {
    return void errors.push(valueError(v, 'testcase', 'testcase name must be non-empty'));
  }
  if (typeof v === 'string') return { name: v };
  if (!isObj) return void errors.push(fieldError(v, ['testcase'], 'dict_type', 'Input should be a valid dictionary'));
  const t = v as { name: unknown; ref_url?: unknown };
  if (typeof t.name !== 'string') return void errors.push(valueError(v, 'testcase', 'testcase name must be a string'));
  if (Object.hasOwn(t, 'ref_url') && t.ref_url !== null && typeof t.ref_url !== 'string') {
    return void errors.push(valueError(v, 'testcase', 'testcase ref_url must be a string or null'));
  }
  return Object.hasOwn(t, 'ref_url') ? { name: t.name, ref_url: t.ref_url as string | null } : { name: t.name };
}

function checkGroups(v: unknown, errors: FieldError[]): NewGroupRef[] | undefined {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) return void errors.push(fieldError(v, ['groups'], 'list_type', 'Input should be a valid list'));
  const out: NewGroupRef[] = [];
  v.forEach((g, i) => {
    if (typeof g === 'string') return void out.push({ uuid: g });
    if (g && typeof g === 'object' && !Array.isArray(g)) {
      const bad = checkGroup(g as Record<string, unknown>);
      if (bad.length) return void errors.push(...bad.map((e) => ({ ...e, loc: ['groups', i, ...e.loc] })));
      return void out.push(groupRef(g as CreateGroupBody));
    }
    // Upstream crashed with a 500 here; we name the item.
    errors.push(fieldError(g, ['groups', i], 'value_error', 'Value error, group must be a uuid string or an object'));
  });
  return out;
}

function groupRef(g: CreateGroupBody): NewGroupRef {
  const ref: NewGroupRef = { uuid: g.uuid || uuid1() };
  if (Object.hasOwn(g, 'description')) ref.description = g.description ?? null;
  if (Object.hasOwn(g, 'ref_url')) ref.ref_url = g.ref_url ?? null;
  return ref;
}

export function validateCreateGroup(body: Record<string, unknown>): NewGroupRef {
  const errors = checkGroup(body);
  if (errors.length) throw new ValidationFailed(errors);
  checkStorable(body);
  const g = body as CreateGroupBody;
  return { uuid: g.uuid || uuid1(), description: g.description ?? null, ref_url: g.ref_url ?? null };
}

export function validateCreateTestcase(body: Record<string, unknown>): CreateTestcaseBody {
  const errors = checkTestcase(body);
  if (errors.length) throw new ValidationFailed(errors);
  checkStorable(body);
  const t = body as CreateTestcaseBody;
  return t;
}

