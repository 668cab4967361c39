import assert from 'node:assert/strict';
import type { TestApp } from './stores.ts';

/** Every request below is sent with this Host header, so hrefs start with HOST. */
export const HOST = 'http://localhost';
export const V2 = `${HOST}/api/v2.0`;

export interface Res {
  status: number;
  headers: Record<string, string | string[] | number | undefined>;
  /** The raw body. */
  text: string;
  /** The body decoded, when it is JSON. */
  json: any;
}

type Headers = Record<string, string>;

function wrap(r: { statusCode: number; headers: Res['headers']; payload: string }): Res {
  let json: unknown;
  if (String(r.headers['content-type'] ?? '').startsWith('application/json') && r.payload) json = JSON.parse(r.payload);
  return { status: r.statusCode, headers: r.headers, text: r.payload, json };
}

export async function request(app: TestApp, method: string, url: string, opts: { body?: string; headers?: Headers } = {}): Promise<Res> {
  const r = await app.inject({
    method: method as 'GET',
    url,
    headers: { host: 'localhost', ...opts.headers },
    ...(opts.body === undefined ? {} : { payload: opts.body }),
  });
  return wrap(r);
}

export const get = (app: TestApp, url: string, headers: Headers = {}) => request(app, 'GET', url, { headers });

/** POSTs `payload` as JSON; a string is sent verbatim (to keep literals such as `1.0`). */
export function post(app: TestApp, url: string, payload: unknown, headers: Headers = {}): Promise<Res> {
  const body = typeof payload === 'string' ? payload : JSON.stringify(payload);
  return request(app, 'POST', url, { body, headers: { 'content-type': 'application/json', ...headers } });
}

/** POST /results that must succeed; returns the created Result. */
export async function postResult(app: TestApp, payload: unknown): Promise<any> {
  const r = await post(app, '/api/v2.0/results', payload);
  assert.equal(r.status, 201, r.text);
  return r.json;
}

/** GET that must answer 200; returns the decoded body. */
export async function getOk(app: TestApp, url: string, headers: Headers = {}): Promise<any> {
  const r = await get(app, url, headers);
  assert.equal(r.status, 200, `${url}: ${r.text}`);
  return r.json;
}

/** Ids of a result collection (or of a `{data: [...]}` body). */
export const ids = (body: { data: { id: number }[] }) => body.data.map((r) => r.id);

/** Row counts of every table, to prove a rejected request wrote nothing. */
export async function rowCounts(app: Pick<TestApp, 'store'>): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const t of ['testcase', 'result_group', 'result', 'result_data', 'groups_to_results'] as const) {
    const row = await app.store.db.selectFrom(t).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    out[t] = Number(row.n);
  }
  return out;
}

export interface ExpectedError {
  input: unknown;
  loc: (string | number)[];
  msg: string;
  type: string;
}

const PYDANTIC_URL = /^https:\/\/errors\.pydantic\.dev\/(\d+\.\d+)\/v\/([a-z_]+)$/;

/**
 * A 400 `{"validation_error": [...]}` with exactly these entries, in this order; each entry's `url`
 * must be pydantic's documentation link of its type (the version part is free).
 */
export function assertValidation(res: Res, expected: ExpectedError[]): void {
  assert.equal(res.status, 400, res.text);
  const got = res.json?.validation_error;
  assert.ok(Array.isArray(got), res.text);
  const version = PYDANTIC_URL.exec(String(got[0]?.url))?.[1];
  assert.ok(version, `no pydantic url in ${res.text}`);
  assert.deepEqual(res.json, {
    validation_error: expected.map((e) => ({ ...e, url: `https://errors.pydantic.dev/${version}/v/${e.type}` })),
  });
}

/** A Result as the API serializes it, for exact comparisons. */
export function resultBody(r: {
  id: number;
  testcase: string;
  tcRef?: string | null;
  outcome: string;
  submit_time: string;
  data?: Record<string, string[]>;
  groups?: string[];
  note?: string | null;
  ref_url?: string | null;
  host?: string;
}) {
  const v2 = `${r.host ?? HOST}/api/v2.0`;
  return {
    data: r.data ?? {},
    groups: r.groups ?? [],
    href: `${v2}/results/${r.id}`,
    id: r.id,
    note: r.note ?? null,
    outcome: r.outcome,
    ref_url: r.ref_url ?? null,
    submit_time: r.submit_time,
    testcase: { href: `${v2}/testcases/${r.testcase}`, name: r.testcase, ref_url: r.tcRef ?? null },
  };
}

/** The outcomes testApp allows: the defaults (deviation 7) then the configured AMAZING. */
export const OUTCOMES = ['PASSED', 'INFO', 'FAILED', 'NEEDS_INSPECTION', 'QUEUED', 'RUNNING', 'ERROR', 'AMAZING'];
export const OUTCOME_MSG = `Value error, must be one of: ${OUTCOMES.join(', ')}`;
