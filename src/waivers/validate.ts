/**
 * Request validation with WaiverDB's pydantic v2 models and error shapes: field errors in model field
 * order, lax bool/int parsing, then the model validators (only when every field is valid).
 */
import { first, type QueryPairs } from '../http/querystring.ts';
import { fieldError, NUL_MSG, parseIntParam, ValidationFailed, type FieldError } from '../http/validation.ts';
import { parseIso8601 } from '../results/times.ts';
import { parseWaiverSince } from './isoformat.ts';
import type { SubjectDict } from './subject.ts';

type Obj = Record<string, unknown>;
type Loc = (string | number)[];

const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);
const own = (o: Obj, k: string) => (Object.hasOwn(o, k) ? o[k] : undefined);
const modelType = (input: unknown, loc: Loc, model: string) =>
  fieldError(input, loc, 'model_type', `Input should be a valid dictionary or instance of ${model}`);

/** pydantic's lax bool: true/false, 0/1 (also 0.0/1.0) and the usual words, ASCII case-insensitive. */
export function parsePyBool(v: unknown): boolean | 'bool_type' | 'bool_parsing' {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string') {
    const w = v.replace(/[A-Z]/g, (c) => c.toLowerCase());
    if (['0', 'off', 'f', 'false', 'n', 'no'].includes(w)) return false;
    if (['1', 'on', 't', 'true', 'y', 'yes'].includes(w)) return true;
    return 'bool_parsing';
  }
  if (typeof v === 'number' && Number.isInteger(v)) return v === 0 ? false : v === 1 ? true : 'bool_parsing';
  return 'bool_type';
}


const BOOL_MSG = { bool_type: 'Input should be a valid boolean', bool_parsing: 'Input should be a valid boolean, unable to interpret input' };

/** Readers of one model's fields; each pushes its error and returns undefined when the value is invalid. */
function fields(obj: Obj, loc: Loc, errors: FieldError[]) {
  const fail = (input: unknown, key: string, type: string, msg: string): undefined => {
    errors.push(fieldError(input, [...loc, key], type, msg));
    return undefined;
  };
  return {
    optStr(key: string): string | null | undefined {
      const v = own(obj, key);
      if (v === undefined || v === null) return null;
      if (typeof v !== 'string') return fail(v, key, 'string_type', 'Input should be a valid string');
      return v.includes('\u0000') ? fail(v, key, 'value_error', NUL_MSG) : v;
    },
    reqStr(key: string, minLength = 0): string | undefined {
      if (!Object.hasOwn(obj, key)) return fail(obj, key, 'missing', 'Field required');
      const v = obj[key];
      if (typeof v !== 'string') return fail(v, key, 'string_type', 'Input should be a valid string');
      if ([...v].length < minLength) {
        return fail(v, key, 'string_too_short', `String should have at least ${minLength} character${minLength === 1 ? '' : 's'}`);
      }
      return v.includes('\u0000') ? fail(v, key, 'value_error', NUL_MSG) : v;
    },
    bool(key: string, fallback: boolean): boolean | undefined {
      const v = own(obj, key);
      if (v === undefined) return fallback;
      const b = parsePyBool(v);
      return typeof b === 'boolean' ? b : fail(v, key, b, BOOL_MSG[b]);
    },
    optInt(key: string): number | null | undefined {
      const v = own(obj, key);
      if (v === undefined || v === null) return null;
      if (typeof v === 'boolean') return v ? 1 : 0;
      if (typeof v === 'number') {
        if (Number.isInteger(v)) return v;
        return fail(v, key, 'int_from_float', 'Input should be a valid integer, got a number with a fractional part');
      }
      if (typeof v === 'string') {
        const m = /^\s*([+-]?\d+)(?:\.0*)?\s*$/.exec(v);
        return m ? Number(m[1]) : fail(v, key, 'int_parsing', 'Input should be a valid integer, unable to parse string as an integer');
      }
      return fail(v, key, 'int_type', 'Input should be a valid integer');
    },
    /** An ISO 8601 time (offsets converted to UTC) as µs, for `expires_at`. */
    optTime(key: string): number | null | undefined {
      const v = own(obj, key);
      if (v === undefined || v === null) return null;
      if (typeof v !== 'string') return fail(v, key, 'datetime_type', 'Input should be a valid datetime');
      const us = parseIso8601(v);
      return us ?? fail(v, key, 'datetime_parsing', 'Input should be a valid datetime, expected ISO 8601 such as 2030-01-31T12:00:00Z');
    },
    optModel<T>(key: string, model: string, parse: (o: Obj, l: Loc, e: FieldError[]) => T | undefined): T | null | undefined {
      const v = own(obj, key);
      if (v === undefined || v === null) return null;
      return isObj(v) ? parse(v, [...loc, key], errors) : fail(v, key, 'model_type', `Input should be a valid dictionary or instance of ${model}`);
    },
  };
}

/** Runs `read` and returns its value only when it added no error. */
function model<T>(errors: FieldError[], read: () => T): T | undefined {
  const before = errors.length;
  const value = read();
  return errors.length === before ? value : undefined;
}

function testSubject(obj: Obj, loc: Loc, errors: FieldError[]): SubjectDict | undefined {
  const f = fields(obj, loc, errors);
  return model(errors, () => ({
    type: f.optStr('type'),
    item: f.optStr('item'),
    original_spec_nvr: f.optStr('original_spec_nvr'),
    'productmd.compose.id': f.optStr('productmd.compose.id'),
  }));
}

// ---- POST /waivers/ --------------------------------------------------------------------------------

export interface CreateWaiverInput {
  subject_type: string | null;
  subject_identifier: string | null;
  testcase: string | null;
  subject: SubjectDict | null;
  result_id: number | null;
  waived: boolean;
  product_version: string;
  comment: string;
  username: string | null;
  scenario: string | null;
  /** µs; resultsdb extension (deviations item 10). */
  expires_at: number | null;
}

const RESULT_ID_CONFLICTS = ['subject_identifier', 'subject_type', 'subject', 'testcase', 'scenario'] as const;

/** Upstream's three model validators, in order; the first failing one is the error. */
function createWaiverProblem(w: CreateWaiverInput): string | null {
  if (w.result_id === null) {
    if (w.testcase === null) return 'Argument testcase is missing';
  } else if (RESULT_ID_CONFLICTS.some((k) => w[k] !== null)) {
    return `result_id argument should not be used together with arguments: ${RESULT_ID_CONFLICTS.join(', ')}`;
  }
  if (w.subject !== null && (w.subject_identifier !== null || w.subject_type !== null)) {
    return 'subject argument should not be used together with arguments: subject_identifier, subject_type';
  }
  if (w.result_id === null && w.subject === null && (w.subject_identifier === null || w.subject_type === null)) {
    return 'subject must be defined using result_id or subject or both subject_identifier, subject_type';
  }
  return null;
}

function createWaiver(obj: Obj, loc: Loc, errors: FieldError[]): CreateWaiverInput | undefined {
  const f = fields(obj, loc, errors);
  const w = model(errors, () => ({
    subject_type: f.optStr('subject_type'),
    subject_identifier: f.optStr('subject_identifier'),
    testcase: f.optStr('testcase'),
    subject: f.optModel('subject', 'TestSubject', testSubject),
    result_id: f.optInt('result_id'),
    waived: f.bool('waived', true),
    product_version: f.reqStr('product_version', 1),
    comment: f.reqStr('comment', 1),
    username: f.optStr('username'),
    scenario: f.optStr('scenario'),
    expires_at: f.optTime('expires_at'),
  })) as CreateWaiverInput | undefined;
  if (!w) return undefined;
  const problem = createWaiverProblem(w);
  if (problem) {
    errors.push(fieldError(obj, loc, 'value_error', `Value error, ${problem}`));
    return undefined;
  }
  return w;
}

const LIST = 'list[CreateWaiver]';

/**
 * The body is pydantic's Union[CreateWaiver, List[CreateWaiver]]: when neither member accepts it,
 * the errors of both are reported, each prefixed with its member's name. An empty list is refused
 * (upstream would answer 201 with `[]`, writing nothing).
 */
export function validateCreateWaivers(body: unknown): { waivers: CreateWaiverInput[]; many: boolean } {
  const errors: FieldError[] = [];
  if (isObj(body)) {
    const w = createWaiver(body, ['CreateWaiver'], errors);
    if (w) return { waivers: [w], many: false };
    errors.push(fieldError(body, [LIST], 'list_type', 'Input should be a valid list'));
    throw new ValidationFailed(errors);
  }
  errors.push(modelType(body, ['CreateWaiver'], 'CreateWaiver'));
  if (!Array.isArray(body)) {
    errors.push(fieldError(body, [LIST], 'list_type', 'Input should be a valid list'));
  } else if (body.length === 0) {
    errors.push(fieldError(body, [LIST], 'too_short', 'List should have at least 1 item after validation, not 0'));
  }
  if (errors.length > 1) throw new ValidationFailed(errors);
  const waivers = (body as unknown[]).map((item, i) =>
    isObj(item) ? createWaiver(item, [LIST, i], errors) : void errors.push(modelType(item, [LIST, i], 'CreateWaiver')),
  );
  if (errors.length > 1) throw new ValidationFailed(errors);
  return { waivers: waivers as CreateWaiverInput[], many: true };
}

// ---- queries -------------------------------------------------------------------------------------

/** Exact-match filter keys, in upstream's model order. */
export const FILTER_KEYS = [
  'subject_type', 'subject_identifier', 'testcase', 'scenario', 'product_version', 'username', 'proxied_by',
] as const;
export type FilterKey = (typeof FILTER_KEYS)[number];

/** One AND-ed set of conditions; `never` matches nothing (an unrecognised legacy subject). */
export interface Criteria {
  eq: Partial<Record<FilterKey, string>>;
  since: { start: number | null; end: number | null };
  never?: boolean;
}

/** Conditions from string fields; empty strings add none, as upstream's `if query.x`. Throws SinceError. */
export function criteriaOf(f: Partial<Record<FilterKey | 'since', string | null>>): Criteria {
  const eq: Criteria['eq'] = {};
  for (const k of FILTER_KEYS) if (f[k]) eq[k] = f[k]!;
  return { eq, since: parseWaiverSince(f.since) };
}

export interface WaiversQuery {
  filter: Partial<Record<FilterKey | 'since', string>>;
  includeObsolete: boolean;
  page: number;
  limit: number;
}

/** GET /waivers/ query parameters (first value of each), errors in GetWaivers' field order. */
export function validateWaiversQuery(pairs: QueryPairs): WaiversQuery {
  const errors: FieldError[] = [];
  const includeObsolete = queryBool(pairs, 'include_obsolete', errors);
  const int = (key: string, fallback: number) => {
    try {
      return parseIntParam(first(pairs, key), key, fallback);
    } catch (e) {
      if (!(e instanceof ValidationFailed)) throw e;
      errors.push(...e.errors);
      return fallback;
    }
  };
  const page = int('page', 1);
  const limit = int('limit', 10);
  const filter: WaiversQuery['filter'] = {};
  for (const k of [...FILTER_KEYS, 'since'] as const) {
    const v = first(pairs, k);
    if (v?.includes('\u0000')) errors.push(fieldError(v, [k], 'value_error', NUL_MSG));
    else if (v !== undefined) filter[k] = v;
  }
  if (errors.length) throw new ValidationFailed(errors);
  return { filter, includeObsolete, page, limit };
}

/** A bool query parameter (absent = false); a bad value is added to `errors`. */
export function queryBool(pairs: QueryPairs, key: string, errors: FieldError[]): boolean {
  const raw = first(pairs, key);
  if (raw === undefined) return false;
  const b = parsePyBool(raw);
  if (typeof b === 'boolean') return b;
  errors.push(fieldError(raw, [key], b, BOOL_MSG[b]));
  return false;
}

type FilterFields = Partial<Record<FilterKey | 'since', string | null>>;

function filterFields(obj: Obj, loc: Loc, errors: FieldError[]): FilterFields | undefined {
  const f = fields(obj, loc, errors);
  return model(errors, () => Object.fromEntries([...FILTER_KEYS, 'since'].map((k) => [k, f.optStr(k)])) as FilterFields);
}

/** POST /waivers/+filtered: `{"filters": [≥1 filter], "include_obsolete": bool}`. */
export function validateFilterBody(body: unknown): { filters: FilterFields[]; includeObsolete: boolean } {
  if (!isObj(body)) throw new ValidationFailed([modelType(body, [], 'FilterWaivers')]);
  const errors: FieldError[] = [];
  const raw = own(body, 'filters');
  const filters: FilterFields[] = [];
  if (raw === undefined) errors.push(fieldError(body, ['filters'], 'missing', 'Field required'));
  else if (!Array.isArray(raw)) errors.push(fieldError(raw, ['filters'], 'list_type', 'Input should be a valid list'));
  else if (raw.length === 0) errors.push(fieldError(raw, ['filters'], 'too_short', 'List should have at least 1 item after validation, not 0'));
  else {
    raw.forEach((item, i) => {
      if (!isObj(item)) return void errors.push(modelType(item, ['filters', i], 'WaiverFilter'));
      const f = filterFields(item, ['filters', i], errors);
      if (f) filters.push(f);
    });
  }
  const includeObsolete = fields(body, [], errors).bool('include_obsolete', false);
  if (errors.length) throw new ValidationFailed(errors);
  return { filters, includeObsolete: includeObsolete! };
}

export interface BySubjectsInput {
  results: { testcase: string; subject: SubjectDict }[] | null;
  product_version: string | null;
  username: string | null;
  proxied_by: string | null;
  since: string | null;
  includeObsolete: boolean;
}

function testResult(obj: Obj, loc: Loc, errors: FieldError[]) {
  const f = fields(obj, loc, errors);
  return model(errors, () => {
    const testcase = f.reqStr('testcase');
    const subject = Object.hasOwn(obj, 'subject')
      ? f.optModel('subject', 'TestSubject', testSubject)
      : void errors.push(fieldError(obj, [...loc, 'subject'], 'missing', 'Field required'));
    // `subject: null` is not a TestSubject either.
    if (subject === null) errors.push(modelType(null, [...loc, 'subject'], 'TestSubject'));
    return { testcase: testcase!, subject: subject! };
  });
}

/** POST /waivers/+by-subjects-and-testcases (GetWaiversBySubjectAndTestcase). */
export function validateBySubjectsBody(body: unknown): BySubjectsInput {
  if (!isObj(body)) throw new ValidationFailed([modelType(body, [], 'GetWaiversBySubjectAndTestcase')]);
  const errors: FieldError[] = [];
  const f = fields(body, [], errors);
  const raw = own(body, 'results');
  let results: BySubjectsInput['results'] = null;
  if (Array.isArray(raw)) {
    results = [];
    raw.forEach((item, i) => {
      if (!isObj(item)) return void errors.push(modelType(item, ['results', i], 'TestResult'));
      const r = testResult(item, ['results', i], errors);
      if (r) results!.push(r);
    });
  } else if (raw !== undefined && raw !== null) errors.push(fieldError(raw, ['results'], 'list_type', 'Input should be a valid list'));
  f.optStr('testcase'); // accepted and ignored, as upstream
  const v = {
    results,
    product_version: f.optStr('product_version'),
    username: f.optStr('username'),
    proxied_by: f.optStr('proxied_by'),
    since: f.optStr('since'),
    includeObsolete: f.bool('include_obsolete', false),
  };
  if (errors.length) throw new ValidationFailed(errors);
  return v as BySubjectsInput;
}
