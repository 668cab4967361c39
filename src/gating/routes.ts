import type { FastifyInstance, FastifyRequest } from 'fastify';
import { HttpError, sendJson } from '../http/errors.ts';
import { flaskBytes, objectText, jsonText } from '../http/json.ts';
import { callbackOf, sendJsonp, sendJsonpBytes } from '../http/jsonp.ts';
import { hostUrl } from '../http/links.ts';
import { parseQuery } from '../http/querystring.ts';
import { declareRoute } from '../http/routing.ts';
import { resultsJson } from '../results/serialize.ts';
import { serializeWaiver } from '../waivers/serialize.ts';
import { answerJson, isSatisfied } from './answers.ts';
import { DecisionError, type Decision } from './engine.ts';
import { PolicyError, policyContexts } from './model.ts';
import { parseRemotePolicies, policyToJson } from './policyYaml.ts';
import { parseDecisionRequest } from './request.ts';
import * as S from './schemas.ts';
import { decisionBytes, type Gating } from './service.ts';
import { subjectTypeToJson } from './subjects.ts';

const V1 = '/api/v1.0';
// Greenwave's RESPONSE_HEADERS default.
const HSTS = 'max-age=31536000; includeSubDomains';
const DOCUMENTATION_URL = 'https://gating-greenwave.readthedocs.io';

/** The Greenwave decision API under /api/v1.0, answered from our own store. */
export function registerGatingApi(app: FastifyInstance, gating: Gating): void {
  // Bodies are read raw here: /validate-gating-yaml takes YAML of any content type, and /decision
  // answers a non-JSON or broken body with Greenwave's own messages.
  app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => done(null, body));
    scope.addHook('onSend', async (_req, reply) => {
      reply.header('strict-transport-security', HSTS);
    });
    routes(scope, gating);
  });
}

function routes(app: FastifyInstance, gating: Gating): void {
  declareRoute(app, `${V1}/decision`, {
    POST: {
      schema: { summary: 'May these subjects pass this gate? (Greenwave decision)', body: S.DecisionRequest, response: { 200: S.DecisionResponse, 400: S.Message, 404: S.Message } },
      handler: async (req, reply) => {
        const cb = callbackOf(parseQuery(req.url));
        const body = jsonBody(req);
        const request = guard(() => parseDecisionRequest(body, gating.subjectTypes));
        const host = hostUrl(req);
        const render = (d: Decision) => flaskBytes(decisionJson(d, host));
        const bytes = await decisionBytes(gating, request, body as Record<string, unknown>, render).catch((e) => {
          throw e instanceof DecisionError ? new HttpError(e.status, e.message) : e;
        });
        return sendJsonpBytes(reply, 200, bytes, cb);
      },
    },
  });
  declareRoute(app, `${V1}/policies`, {
    GET: {
      schema: { summary: 'Every loaded policy', response: { 200: S.PoliciesResponse } },
      handler: async (req, reply) => sendJsonp(reply, 200, { policies: gating.policies.map(policyToJson) }, callbackOf(parseQuery(req.url))),
    },
  });
  declareRoute(app, `${V1}/subject_types`, {
    GET: {
      schema: { summary: 'Every subject type, by id', response: { 200: S.SubjectTypesResponse } },
      handler: async (req, reply) => {
        const types = [...gating.subjectTypes].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)).map(subjectTypeToJson);
        return sendJsonp(reply, 200, { subject_types: types }, callbackOf(parseQuery(req.url)));
      },
    },
  });
  declareRoute(app, `${V1}/validate-gating-yaml`, {
    POST: {
      schema: { summary: 'Checks a gating.yaml (raw YAML body)', response: { 200: S.Message, 400: S.Message } },
      handler: async (req, reply) => sendJsonp(reply, 200, { message: validateGatingYaml(gating, rawBody(req)) }, callbackOf(parseQuery(req.url))),
    },
  });
  declareRoute(app, `${V1}/version`, {
    GET: {
      schema: { hide: true },
      handler: async (req, reply) => {
        const location = `${hostUrl(req)}${V1}/about`;
        return sendJson(reply.header('location', location), 302, { message: `Redirecting to ${location}` });
      },
    },
  });
  for (const url of ['/', `${V1}/`]) {
    declareRoute(app, url, {
      GET: {
        schema: { summary: 'Links to the APIs and how outcomes are classified', hide: url === '/' },
        handler: async (req, reply) => sendJson(reply, 200, landingPage(gating, hostUrl(req))),
      },
    });
  }
  app.get('/healthcheck', { schema: { hide: true } }, async (_req, reply) => reply.type('text/plain').send('Health check OK'));
}

/** The decision as JSON text: verbose results are written as the results API writes them. */
function decisionJson(d: Decision, host: string): string {
  const out: Record<string, string> = {
    policies_satisfied: jsonText(d.policies_satisfied),
    summary: jsonText(d.summary),
    satisfied_requirements: jsonText(d.answers.filter(isSatisfied).map(answerJson)),
    unsatisfied_requirements: jsonText(d.answers.filter((a) => !isSatisfied(a)).map(answerJson)),
  };
  if (d.applicable_policies) out.applicable_policies = jsonText(d.applicable_policies);
  if (d.results) out.results = resultsJson(host, d.results);
  if (d.waivers) out.waivers = jsonText(d.waivers.map(serializeWaiver));
  return objectText(out);
}

/** Greenwave's answers, parent-policy warning included. */
function validateGatingYaml(gating: Gating, text: string): string {
  const policies = guard(() => {
    try {
      return parseRemotePolicies(text, null);
    } catch (e) {
      if (e instanceof PolicyError) throw new DecisionError(400, e.message);
      throw e;
    }
  });
  if (!policies.length) throw new HttpError(400, 'No policies defined');
  // Deviation 13: a repeated policy id is an error here too, as in the server's own policy files.
  const ids = policies.map((p) => p.id).filter((id): id is string => id !== null && id !== undefined);
  const repeated = ids.find((id, i) => ids.indexOf(id) !== i);
  if (repeated !== undefined) throw new HttpError(400, `Policy '${repeated}': duplicate policy id`);
  const parents = new Set(gating.policies.flatMap(policyContexts));
  const missing = [...new Set(policies.flatMap(policyContexts).filter((c) => !parents.has(c)))].sort();
  if (!missing.length) return 'All OK';
  return (
    `Greenwave could not find a parent policy(ies) for following decision context(s): ${missing.join(', ')}. ` +
    'Please change your policy so that it will match a decision context in the parent policies.'
  );
}

function landingPage(g: Gating, host: string): Record<string, unknown> {
  return {
    documentation: DOCUMENTATION_URL,
    api_v1: `${host}${V1}`,
    resultsdb_api: `${host}/api/v2.0`,
    waiverdb_api: `${host}${V1}`,
    koji_api: g.settings.kojiUrl,
    outcomes_passed: g.settings.outcomes.passed,
    outcomes_error: g.settings.outcomes.error,
    outcomes_incomplete: g.settings.outcomes.incomplete,
    remote_rule_policies: g.settings.remoteRulePolicies,
  };
}

function guard<T>(f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof DecisionError) throw new HttpError(e.status, e.message);
    throw e;
  }
}

function rawBody(req: FastifyRequest): string {
  return typeof req.body === 'string' ? req.body : '';
}

/** Flask's get_json(): JSON content types only (415 otherwise), a broken body is a 400. */
function jsonBody(req: FastifyRequest): unknown {
  const type = String(req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  if (type !== 'application/json' && !/^application\/[^;]+\+json$/.test(type)) {
    throw new HttpError(415, "Did not attempt to load JSON data because the request Content-Type was not 'application/json'.");
  }
  const text = rawBody(req);
  if (!text.trim()) return null;
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new HttpError(400, `Failed to decode JSON object: ${(e as Error).message}`);
  }
}
