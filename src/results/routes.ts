import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { HttpError, sendJson, sendJsonText, STATUS_MESSAGES } from '../http/errors.ts';
import { hostUrl, pageLinks, requestUrl } from '../http/links.ts';
import { first, firstList, parseQuery, type QueryPairs } from '../http/querystring.ts';
import { declareRoute } from '../http/routing.ts';
import { fieldError, ValidationFailed } from '../http/validation.ts';
import type { Store } from '../store/connection.ts';
import type { AuthSettings, Authenticator, Identity } from '../auth/identity.ts';
import { verifyAuthorization } from '../auth/permissions.ts';
import { parseLossless } from '../http/body.ts';
import { hasAnyFilter, likePattern, parsePaging, parseResultFilters, type ResultFilters } from './filters.ts';
import * as S from './schemas.ts';
import { resultJson, resultsListJson, serializeGroup, serializeTestcase } from './serialize.ts';
import * as store from './store.ts';
import { BadRequest, tooLargeToIndex, validateCreateGroup, validateCreateResult, validateCreateTestcase } from './validate.ts';

export interface ResultsApiOptions {
  store: Store;
  outcomes: readonly string[];
  maxLimit: number;
  /** Runs inside the write transaction of every new result (the message outbox hooks in here). */
  afterResultInsert?: store.WriteHook;
  auth: AuthSettings;
  authenticator: Authenticator;
}

const V2 = '/api/v2.0';
const LANDING_MESSAGE =
  'Everything is fine. But choose wisely, for while the true Grail will bring you life, the false Grail will take it from you.';

export function registerResultsApi(app: FastifyInstance, opts: ResultsApiOptions): void {
  const { store: db, outcomes, maxLimit } = opts;
  // Writes are open by default (ResultsDB v2 compatibility). With results.require_auth the caller is
  // authenticated before anything else is looked at (401), then the body is validated (400), then the
  // caller must be allowed for the testcase by the waiver permission rules (403).
  const requireAuth = opts.auth.resultsRequireAuth;
  const caller = (req: FastifyRequest): Promise<Identity | null> =>
    requireAuth ? opts.authenticator.authenticate(req) : Promise.resolve(null);
  const filtersOf = (pairs: QueryPairs) => parseResultFilters(pairs, outcomes, maxLimit);
  /** Runs a write; a value the store could not index is the client's 400 naming the field, not a 500. */
  const indexable = async <T>(write: () => Promise<T>, what: Parameters<typeof tooLargeToIndex>[1]): Promise<T> => {
    try {
      return await write();
    } catch (e) {
      const refused = db.dialect.tooLargeToIndex(e);
      if (refused) throw new ValidationFailed([tooLargeToIndex(refused.index ?? undefined, what)]);
      throw e;
    }
  };

  const landing = async (req: FastifyRequest, reply: FastifyReply) => {
    const host = hostUrl(req);
    return sendJson(reply, 300, {
      documentation: 'http://docs.resultsdb20.apiary.io/',
      groups: `${host}${V2}/groups`,
      message: LANDING_MESSAGE,
      outcomes,
      results: `${host}${V2}/results`,
      testcases: `${host}${V2}/testcases`,
    });
  };
  declareRoute(app, V2, { GET: { handler: landing, schema: { summary: 'API landing page (status 300)' } } });
  declareRoute(app, `${V2}/`, { GET: { handler: landing, schema: { hide: true } } });

  declareRoute(app, `${V2}/healthcheck`, {
    GET: {
      schema: { summary: 'Checks the database', response: { 200: S.Message, 503: S.Message } },
      handler: async (_req, reply) => {
        try {
          await db.ping();
          return sendJson(reply, 200, { message: 'Health check OK' });
        } catch {
          return sendJson(reply, 503, { message: 'Unable to communicate with database' });
        }
      },
    },
  });

  const sendResultsPage = async (req: FastifyRequest, reply: FastifyReply, f: ResultFilters) => {
    const rows = await store.listResults(db, f);
    const host = hostUrl(req);
    const { prev, next } = pageLinks(requestUrl(req), rows.length > f.limit);
    const page = rows.slice(0, Math.max(f.limit, 0));
    return sendJsonText(reply, 200, resultsListJson(host, page, { next: JSON.stringify(next), prev: JSON.stringify(prev) }));
  };

  declareRoute(app, `${V2}/results`, {
    GET: {
      schema: { summary: 'Lists results, newest first', querystring: S.ResultsQuery, response: { 200: S.ResultsPage } },
      handler: (req, reply) => sendResultsPage(req, reply, filtersOf(parseQuery(req.url))),
    },
    POST: {
      schema: { summary: 'Stores a result', body: S.CreateResultBody, response: { 201: S.Result, 400: S.ValidationError } },
      handler: async (req, reply) => {
        const identity = await caller(req);
        const body = objectBody(req, 'CreateResultParams');
        const input = (() => {
          try {
            return validateCreateResult(body, outcomes, parseLossless(req)?.data);
          } catch (e) {
            if (e instanceof BadRequest) throw new HttpError(400, e.message);
            throw e;
          }
        })();
        if (identity) {
          verifyAuthorization(identity, input.testcase.name, opts.auth.permissions);
          // The authenticated user replaces any `username` the client sent: it must not be forgeable.
          input.data = [...input.data.filter(([k]) => k !== 'username'), ['username', identity.user]];
        }
        const row = await indexable(() => store.createResult(db, input, opts.afterResultInsert), { result: input });
        return sendJsonText(reply, 201, resultJson(hostUrl(req), row));
      },
    },
  });

  declareRoute(app, `${V2}/results/latest`, {
    GET: {
      schema: {
        summary: 'Newest result per testcase (and per _distinct_on data keys) of the filtered set',
        querystring: S.ResultsQuery,
        response: { 200: S.LatestResults },
      },
      handler: async (req, reply) => {
        const f = filtersOf(parseQuery(req.url));
        if (f.distinctOn.length && !hasAnyFilter(f)) {
          throw new HttpError(400, "Please, provide at least one filter beside '_distinct_on'");
        }
        const host = hostUrl(req);
        const rows = await store.latestResults(db, f);
        return sendJsonText(reply, 200, resultsListJson(host, rows));
      },
    },
  });

  declareRoute(app, `${V2}/results/:id`, {
    GET: {
      schema: { summary: 'One result', response: { 200: S.Result, 404: S.Message } },
      handler: async (req, reply) => {
        const raw = (req.params as { id: string }).id;
        const id = /^\d{1,15}$/.test(raw) ? Number(raw) : NaN;
        const row = Number.isSafeInteger(id) ? await store.getResult(db, id) : undefined;
        if (!row) throw new HttpError(404, 'Result not found');
        return sendJsonText(reply, 200, resultJson(hostUrl(req), row));
      },
    },
  });

  declareRoute(app, `${V2}/groups`, {
    GET: {
      schema: { summary: 'Lists groups, newest first', querystring: S.GroupsQuery, response: { 200: S.GroupsPage } },
      handler: async (req, reply) => {
        const pairs = parseQuery(req.url);
        const page = parsePaging(pairs, maxLimit);
        // Unlike testcase names, descriptions and uuids are matched untrimmed (upstream's get_groups):
        // blank descriptions are skipped, and `description` present keeps `description:like` unused.
        const description = first(pairs, 'description');
        const likes = description ? undefined : first(pairs, 'description:like');
        const nonBlank = (v: string | undefined) => (v ? v.split(',').filter((s) => s.trim()) : []);
        const uuids = first(pairs, 'uuid');
        const rows = await store.listGroups(db, uuids ? uuids.split(',') : [], {
          ...page,
          exact: nonBlank(description),
          like: nonBlank(likes).map(likePattern),
        });
        return sendPage(req, reply, rows, page.limit, (g) => serializeGroup(hostUrl(req), g));
      },
    },
    POST: {
      schema: { summary: 'Creates or updates a group', body: S.CreateGroupBody, response: { 201: S.Group } },
      handler: async (req, reply) => {
        // Groups carry no testcase, so any authenticated caller may upsert one.
        await caller(req);
        const g = validateCreateGroup(objectBody(req, 'CreateGroupParams'));
        await indexable(() => store.upsertGroup(db.db, g, 'truthy'), { group: g.uuid });
        return sendJson(reply, 201, serializeGroup(hostUrl(req), (await store.getGroup(db, g.uuid))!));
      },
    },
  });

  declareRoute(app, `${V2}/groups/:uuid`, {
    GET: {
      schema: { summary: 'One group', response: { 200: S.Group, 404: S.Message } },
      handler: async (req, reply) => {
        const g = await store.getGroup(db, (req.params as { uuid: string }).uuid);
        if (!g) throw new HttpError(404, 'Group not found');
        return sendJson(reply, 200, serializeGroup(hostUrl(req), g));
      },
    },
  });

  declareRoute(app, `${V2}/groups/:uuid/results`, {
    GET: {
      schema: { summary: "A group's results", querystring: S.ResultsQuery, response: { 200: S.ResultsPage, 404: S.Message } },
      handler: async (req, reply) => {
        const uuid = (req.params as { uuid: string }).uuid;
        const f = filtersOf(parseQuery(req.url));
        if (!(await store.getGroup(db, uuid))) throw new HttpError(404, `Group not found: ${uuid}`);
        return sendResultsPage(req, reply, { ...f, groups: [uuid] });
      },
    },
  });

  declareRoute(app, `${V2}/testcases`, {
    GET: {
      schema: { summary: 'Lists testcases by name', querystring: S.TestcasesQuery, response: { 200: S.TestcasesPage } },
      handler: async (req, reply) => {
        const pairs = parseQuery(req.url);
        const page = parsePaging(pairs, maxLimit);
        const rows = await store.listTestcases(db, {
          ...page,
          exact: firstList(pairs, 'name'),
          like: firstList(pairs, 'name:like').map(likePattern),
        });
        return sendPage(req, reply, rows, page.limit, (t) => serializeTestcase(hostUrl(req), t));
      },
    },
    POST: {
      schema: { summary: 'Creates or updates a testcase', body: S.CreateTestcaseBody, response: { 201: S.Testcase } },
      handler: async (req, reply) => {
        const identity = await caller(req);
        const t = validateCreateTestcase(objectBody(req, 'CreateTestcaseParams'));
        if (identity) verifyAuthorization(identity, t.name, opts.auth.permissions);
        const row = await indexable(() => store.upsertTestcase(db.db, t, 'non-null'), { testcase: t.name });
        return sendJson(reply, 201, serializeTestcase(hostUrl(req), row));
      },
    },
  });

  // Testcase names may contain '/', so the rest of the path is the name; a trailing '/results' selects
  // the testcase's results, as upstream's route order does.
  declareRoute(app, `${V2}/testcases/*`, {
    GET: {
      schema: { summary: 'One testcase, or with a trailing /results its results', response: { 404: S.Message } },
      handler: async (req, reply) => {
        const rest = (req.params as { '*': string })['*'];
        const m = /^(.+)\/results$/.exec(rest);
        const name = m ? m[1] : rest;
        // The results' query is validated before the testcase is looked up (upstream's @validate()).
        const f = m ? filtersOf(parseQuery(req.url)) : undefined;
        const t = name ? await store.getTestcase(db, name) : undefined;
        if (!t) throw new HttpError(404, 'Testcase not found');
        if (!f) return sendJson(reply, 200, serializeTestcase(hostUrl(req), t));
        return sendResultsPage(req, reply, { ...f, testcases: [name] });
      },
    },
  });
}

function sendPage<T>(req: FastifyRequest, reply: FastifyReply, rows: T[], limit: number, ser: (t: T) => unknown) {
  const { prev, next } = pageLinks(requestUrl(req), rows.length > limit);
  return sendJson(reply, 200, { data: rows.slice(0, Math.max(limit, 0)).map(ser), next, prev });
}

/** The JSON body as an object; anything else is a 400 naming the body, as pydantic's model_type error. */
function objectBody(req: FastifyRequest, model: string): Record<string, unknown> {
  const body = req.body;
  if (body === undefined) throw new HttpError(415, STATUS_MESSAGES[415]);
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new ValidationFailed([fieldError(body, [], 'model_type', `Input should be a valid dictionary or instance of ${model}`)]);
  }
  return body as Record<string, unknown>;
}
