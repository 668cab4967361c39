import { readFileSync } from 'node:fs';
import type { FastifyInstance, FastifyReply, FastifyRequest, FastifySchema, onSendHookHandler } from 'fastify';
import type { AuthSettings, Authenticator, Identity } from '../auth/identity.ts';
import { matchingPermissions, verifyAuthorization } from '../auth/permissions.ts';
import { HttpError, methodNotAllowedMessage, sendJson, STATUS_MESSAGES } from '../http/errors.ts';
import { flaskJson } from '../http/json.ts';
import { callbackOf, sendJsonp } from '../http/jsonp.ts';
import { hostUrl } from '../http/links.ts';
import { first, parseQuery, type QueryPairs } from '../http/querystring.ts';
import { declareRoute, type RouteSpec } from '../http/routing.ts';
import { ValidationFailed, type FieldError } from '../http/validation.ts';
import { getResult } from '../results/store.ts';
import { nowMicros } from '../results/times.ts';
import type { Store } from '../store/connection.ts';
import { SinceError } from './isoformat.ts';
import * as S from './schemas.ts';
import { permissionsHtml, serializeWaiver } from './serialize.ts';
import { countWaivers, getWaiver, insertWaivers, listWaivers, type NewWaiver, type Selection } from './store.ts';
import { subjectFromResult, subjectToTypeIdentifier } from './subject.ts';
import {
  criteriaOf, queryBool, validateBySubjectsBody, validateCreateWaivers, validateFilterBody, validateWaiversQuery,
  type CreateWaiverInput, type Criteria,
} from './validate.ts';

export interface WaiversApiOptions {
  store: Store;
  authenticator: Authenticator;
  auth: AuthSettings;
  maxLimit: number;
}

const V1 = '/api/v1.0';
/** Werkzeug's NotFound description, WaiverDB's answer for every unknown URL. */
const NOT_FOUND = 'The requested URL was not found on the server. If you entered the URL manually please check your spelling and try again.';
const MAX_KEY_BYTES = 850;
const VERSION: string = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).version;

/** The WaiverDB v1.0 API under /api/v1.0. */
export function registerWaiversApi(app: FastifyInstance, opts: WaiversApiOptions): void {
  const { store: db, auth, authenticator, maxLimit } = opts;

  // flask-cors, as WaiverDB enables it, applies to every route of ours (and their errors) but no other.
  const ours = new Set<string>();
  app.addHook('onRoute', (route) => {
    if (!ours.has(route.url)) return;
    const hooks = [route.onSend ?? []].flat() as onSendHookHandler[];
    if (!hooks.includes(cors)) route.onSend = [...hooks, cors];
  });
  const route = (url: string, methods: Parameters<typeof declareRoute>[2]) => {
    ours.add(url);
    declareRoute(app, url, methods);
  };

  route(`${V1}/waivers/`, {
    GET: {
      schema: { summary: 'Lists waivers, newest first, paginated', querystring: S.WaiversQuery, response: { 200: S.WaiversPage, 400: S.ValidationError } },
      handler: guard(async (req, reply) => {
        const pairs = parseQuery(req.url);
        const cb = callbackOf(pairs);
        const q = validateWaiversQuery(pairs);
        const sel: Selection = { all: criteriaOf(q.filter), includeObsolete: q.includeObsolete, grouping: 'per-user', now: nowMicros() };
        return sendJsonp(reply, 200, await page(db, sel, q.page, Math.min(q.limit, maxLimit), `${hostUrl(req)}${V1}/waivers/`, pairs), cb);
      }),
    },
    POST: {
      schema: {
        summary: 'Creates a waiver, or a list of them all-or-nothing (authentication required)',
        body: S.CreateWaiverBody,
        response: { 201: S.CreateWaiverBody, 400: S.ValidationError, 401: S.Message, 403: S.Message },
      },
      handler: async (req, reply) => {
        const cb = callbackOf(parseQuery(req.url));
        const { waivers, many } = validateCreateWaivers(jsonBody(req));
        const identity = await authenticator.authenticate(req);
        // Every item is checked before anything is written, in order, as upstream.
        const rows: NewWaiver[] = [];
        for (const w of waivers) rows.push(await newWaiver(db, auth, identity, w));
        const created = (await insertWaivers(db, rows)).map(serializeWaiver);
        return sendJsonp(reply, 201, many ? created : created[0], cb);
      },
    },
  });

  // Werkzeug's int converter: only digits make this route; anything else is an unknown URL.
  ours.add(`${V1}/waivers/:id`);
  const waiverId = (req: FastifyRequest) => {
    const raw = (req.params as { id: string }).id;
    if (!/^[0-9]+$/.test(raw)) throw new HttpError(404, NOT_FOUND);
    return Number(raw);
  };
  app.get(`${V1}/waivers/:id`, { schema: { summary: 'One waiver', response: { 200: S.Waiver, 404: S.Message } } as FastifySchema }, async (req, reply) => {
    const cb = callbackOf(parseQuery(req.url));
    const id = waiverId(req);
    const row = Number.isSafeInteger(id) ? await getWaiver(db, id) : undefined;
    if (!row) throw new HttpError(404, 'Waiver not found');
    return sendJsonp(reply, 200, serializeWaiver(row), cb);
  });
  app.route({
    method: ['POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'],
    url: `${V1}/waivers/:id`,
    schema: { hide: true } as FastifySchema,
    handler: async (req, reply) => {
      waiverId(req);
      reply.header('allow', 'GET, HEAD, OPTIONS');
      return req.method === 'OPTIONS' ? reply.code(200).send('') : sendJson(reply, 405, { message: methodNotAllowedMessage(`${V1}/waivers/`) });
    },
  });

  route(`${V1}/waivers/+filtered`, {
    POST: {
      schema: {
        summary: "Waivers matching any of the filters, newest first, unpaginated (Greenwave's query)",
        body: S.FilterWaiversBody,
        response: { 200: S.WaiversData, 400: S.ValidationError },
      },
      handler: guard(async (req, reply) => {
        const body = validateFilterBody(jsonBody(req));
        const anyOf = body.filters.map(criteriaOf);
        const sel: Selection = { anyOf, includeObsolete: body.includeObsolete, grouping: 'per-product-version', now: nowMicros() };
        return sendJson(reply, 200, { data: (await listWaivers(db, sel)).map(serializeWaiver) });
      }),
    },
  });

  route(`${V1}/waivers/+by-subjects-and-testcases`, {
    POST: {
      schema: {
        summary: 'Deprecated predecessor of +filtered: waivers of legacy subject dicts and testcases',
        body: S.BySubjectsBody,
        response: { 200: S.WaiversData, 400: S.ValidationError },
      },
      handler: guard(async (req, reply) => {
        const cb = callbackOf(parseQuery(req.url));
        const body = validateBySubjectsBody(jsonBody(req));
        const anyOf = body.results?.length ? body.results.map(resultCriteria) : undefined;
        const all = criteriaOf({ product_version: body.product_version, username: body.username, proxied_by: body.proxied_by, since: body.since });
        const sel: Selection = { anyOf, all, includeObsolete: body.includeObsolete, grouping: 'per-user', now: nowMicros() };
        return sendJsonp(reply, 200, { data: (await listWaivers(db, sel)).map(serializeWaiver) }, cb);
      }),
    },
  });

  // about, config and permissions also answer with a trailing slash (strict_slashes=False upstream).
  const both = (path: string, spec: RouteSpec) => {
    route(`${V1}/${path}`, { GET: spec });
    route(`${V1}/${path}/`, { GET: { ...spec, schema: { ...spec.schema, hide: true } } });
  };
  both('about', {
    schema: { summary: 'Version and authentication methods', response: { 200: S.About } },
    handler: async (req, reply) => {
      const methods = authenticator.methods;
      return sendJsonp(reply, 200, { version: VERSION, auth_method: methods[0] ?? 'none', auth_methods: methods }, callbackOf(parseQuery(req.url)));
    },
  });
  both('config', {
    schema: { summary: 'Superusers (deprecated: see /permissions)', response: { 200: S.Config } },
    handler: async (req, reply) =>
      sendJsonp(reply, 200, { permission_mapping: {}, superusers: auth.superusers }, callbackOf(parseQuery(req.url))),
  });
  both('permissions', {
    schema: { summary: 'Who may waive which testcases', querystring: S.PermissionsQuery, response: { 200: S.Permissions } },
    handler: async (req, reply) => {
      const pairs = parseQuery(req.url);
      const cb = callbackOf(pairs);
      const errors: FieldError[] = [];
      const html = queryBool(pairs, 'html', errors);
      if (errors.length) throw new ValidationFailed(errors);
      const testcase = first(pairs, 'testcase');
      const list = testcase ? matchingPermissions(testcase, auth.permissions) : auth.permissions;
      if (html) return reply.code(200).header('content-type', 'text/html; charset=utf-8').send(Buffer.from(permissionsHtml(list)));
      return sendJsonp(reply, 200, list, cb);
    },
  });

  // Every other URL under the prefix is Werkzeug's 404; `/waivers` redirects to `/waivers/` as Werkzeug's
  // strict slashes do. Real routes (here or elsewhere) always win over this wildcard.
  const unknown = async (req: FastifyRequest, reply: FastifyReply) => {
    if ((req.params as { '*'?: string })['*'] === 'waivers') {
      const q = req.url.indexOf('?');
      const location = `${hostUrl(req)}${V1}/waivers/${q < 0 ? '' : req.url.slice(q)}`;
      return sendJson(reply.header('location', location), 308, { message: `Redirecting to ${location}` });
    }
    return sendJson(reply, 404, { message: NOT_FOUND });
  };
  for (const url of [V1, `${V1}/*`]) {
    ours.add(url);
    app.route({ method: ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'], url, schema: { hide: true } as FastifySchema, handler: unknown });
  }
}

/** Checks and completes one waiver to write: proxying, result id, legacy subject, permission, alias. */
async function newWaiver(db: Store, auth: AuthSettings, identity: Identity, w: CreateWaiverInput): Promise<NewWaiver> {
  let username = identity.user;
  let proxiedBy: string | null = null;
  // Proxying: the permission check is made for the user waived for, whose groups we do not know.
  let forPermission: Pick<Identity, 'user' | 'groups'> = identity;
  if (w.username) {
    if (!auth.superusers.includes(identity.user)) throw new HttpError(403, `user ${identity.user} does not have the proxyuser ability`);
    proxiedBy = identity.user;
    username = w.username;
    forPermission = { user: w.username, groups: null };
  }
  let { subject_type, subject_identifier, testcase, scenario } = w;
  if (w.result_id !== null) {
    // We are the ResultsDB WaiverDB used to ask.
    const result = Number.isSafeInteger(w.result_id) ? await getResult(db, w.result_id) : undefined;
    if (!result) throw new HttpError(400, 'Result id not found in Resultsdb');
    const derived = subjectFromResult(result.data, result.testcase.name);
    if (!derived) {
      throw new HttpError(400, 'It is not possible to submit a waiver by id for this result. Please try again specifying a subject and a testcase.');
    }
    ({ subject_type, subject_identifier, testcase, scenario } = derived);
  }
  if (w.subject) {
    const s = subjectToTypeIdentifier(w.subject);
    // Upstream fails with a 500 here; a subject type is needed to store the waiver.
    if (!s || s.type === null) {
      throw new HttpError(400, 'subject must have "type" and "item", "original_spec_nvr" or "productmd.compose.id"');
    }
    subject_type = s.type;
    subject_identifier = s.identifier;
  }
  verifyAuthorization(forPermission, testcase!, auth.permissions);
  // PostgreSQL cannot index longer keys (about 2.7 kB for the three together): a 400, not a 500.
  for (const [field, v] of [['subject_type', subject_type], ['subject_identifier', subject_identifier], ['testcase', testcase]]) {
    if (Buffer.byteLength(v!) > MAX_KEY_BYTES) throw new HttpError(400, `${field} is too long: at most ${MAX_KEY_BYTES} bytes (UTF-8)`);
  }
  return {
    subject_type: subject_type === 'brew-build' ? 'koji_build' : subject_type!,
    subject_identifier: subject_identifier!,
    testcase: testcase!,
    scenario,
    product_version: w.product_version,
    waived: w.waived ? 1 : 0,
    username,
    proxied_by: proxiedBy,
    comment: w.comment,
    timestamp: nowMicros(),
    expires_at: w.expires_at,
  };
}

/** One `results` item of +by-subjects-and-testcases; an unusable subject matches nothing. */
function resultCriteria(r: { testcase: string; subject: Parameters<typeof subjectToTypeIdentifier>[0] }): Criteria {
  const s = subjectToTypeIdentifier(r.subject);
  const since = { start: null, end: null };
  if (!s || s.type === null) return { eq: {}, since, never: true };
  return { eq: { subject_type: s.type, subject_identifier: s.identifier, ...(r.testcase ? { testcase: r.testcase } : {}) }, since };
}

/**
 * One page as WaiverDB's json_collection over Flask-SQLAlchemy's paginate: a page before the first,
 * a limit below 1, or an empty page other than the first is all nulls; links are url_for's.
 */
async function page(db: Store, sel: Selection, pageNo: number, limit: number, base: string, pairs: QueryPairs) {
  const none = { data: [], first: null, last: null, next: null, prev: null };
  if (pageNo < 1 || limit < 1) return none;
  const total = await countWaivers(db, sel);
  const offset = (pageNo - 1) * limit;
  const rows = offset < total ? await listWaivers(db, sel, { offset, limit }) : [];
  if (!rows.length && pageNo !== 1) return none;
  const pages = total === 0 ? 0 : Math.ceil(total / limit);
  const link = (n: number) => pageUrl(base, pairs, n);
  return {
    data: rows.map(serializeWaiver),
    first: link(1),
    last: link(pages),
    next: pageNo < pages ? link(pageNo + 1) : null,
    prev: pageNo > 1 ? link(pageNo - 1) : null,
  };
}

/** url_for(endpoint, page=N, **request.args): page first, then the first value of every other key, in order. */
export function pageUrl(base: string, pairs: QueryPairs, pageNo: number): string {
  const seen = new Set(['page']);
  const parts = [`page=${pageNo}`];
  for (const [k, v] of pairs) {
    if (seen.has(k)) continue;
    seen.add(k);
    parts.push(`${quotePlus(k)}=${quotePlus(v)}`);
  }
  return `${base}?${parts.join('&')}`;
}

/** Python's urlencode: quote_plus with Werkzeug's safe characters `!$'()*,/:;?@`. */
function quotePlus(s: string): string {
  let out = '';
  for (const ch of s) {
    if (/[A-Za-z0-9_.~!$'()*,/:;?@-]/.test(ch)) out += ch;
    else if (ch === ' ') out += '+';
    else {
      try {
        out += encodeURIComponent(ch);
      } catch {
        out += '%EF%BF%BD'; // a lone surrogate
      }
    }
  }
  return out;
}

/** The JSON body; none at all (no JSON content type) is Flask's 415. */
function jsonBody(req: FastifyRequest): unknown {
  if (req.body === undefined) throw new HttpError(415, STATUS_MESSAGES[415]);
  return req.body;
}

/** A bad `since` is upstream's BadRequest({'since': …}): a message that is an object. */
function guard(handler: (req: FastifyRequest, reply: FastifyReply) => Promise<unknown>) {
  return async (req: FastifyRequest, reply: FastifyReply) => {
    try {
      return await handler(req, reply);
    } catch (e) {
      if (e instanceof SinceError) return sendJson(reply, 400, { message: { since: e.message } });
      throw e;
    }
  };
}

const CORS_METHODS = 'DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT';

/**
 * flask-cors with its defaults (origins '*', send_wildcard off): a request's Origin is echoed with
 * `Vary: Origin`, a request without one gets `*`; a preflight also gets the allowed methods and
 * the requested headers.
 */
const cors: onSendHookHandler = async (req, reply, payload) => {
  const origin = req.headers.origin;
  if (origin) reply.header('access-control-allow-origin', origin).header('vary', 'Origin');
  else reply.header('access-control-allow-origin', '*');
  const wanted = String(req.headers['access-control-request-method'] ?? '').toUpperCase();
  if (req.method === 'OPTIONS' && wanted && CORS_METHODS.split(', ').includes(wanted)) {
    const headers = String(req.headers['access-control-request-headers'] ?? '').split(',').map((h) => h.trim()).filter(Boolean);
    if (headers.length) reply.header('access-control-allow-headers', headers.sort().join(', '));
    reply.header('access-control-allow-methods', CORS_METHODS);
  }
  return payload;
};
