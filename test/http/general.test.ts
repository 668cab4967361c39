/** Behaviour shared by every v2.0 endpoint: landing page, healthcheck, error bodies, methods, hrefs, JSON form. */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { STORE_KINDS, testApp, postgresAvailable, type TestApp } from '../helpers/stores.ts';
import { get, getOk, HOST, ids, OUTCOMES, post, postResult, request, rowCounts, V2 } from '../helpers/http.ts';

const LANDING = {
  documentation: 'http://docs.resultsdb20.apiary.io/',
  groups: `${V2}/groups`,
  message:
    'Everything is fine. But choose wisely, for while the true Grail will bring you life, the false Grail will take it from you.',
  outcomes: OUTCOMES,
  results: `${V2}/results`,
  testcases: `${V2}/testcases`,
};

for (const kind of STORE_KINDS) {
  describe(`general behaviour (${kind})`, async () => {
    let app: TestApp;
    before(async () => {
      if (kind === 'postgres' && !(await postgresAvailable())) return;
      app = await testApp(kind);
    });
    after(() => app?.dispose());

    it('landing page answers 300 with links and outcomes in order, with and without trailing slash', async (t) => {
      if (!app) return t.skip('PostgreSQL unavailable');
      for (const url of ['/api/v2.0', '/api/v2.0/']) {
        const r = await get(app, url);
        assert.equal(r.status, 300, url);
        assert.deepEqual(r.json, LANDING);
      }
    });

    it('healthcheck answers 200', async (t) => {
      if (!app) return t.skip('PostgreSQL unavailable');
      const r = await get(app, '/api/v2.0/healthcheck');
      assert.equal(r.status, 200);
      assert.deepEqual(r.json, { message: 'Health check OK' });
    });

    it('JSON bodies: content type without charset, keys sorted at every level, compact, trailing newline', async (t) => {
      if (!app) return t.skip('PostgreSQL unavailable');
      const created = await postResult(app, {
        testcase: { name: 'general.sorted', ref_url: 'http://tc' },
        outcome: 'PASSED',
        data: { zeta: 'z', alpha: 'a', Mid: 'm' },
        submit_time: '2022-01-01T00:00:00.5',
      });
      const r = await get(app, `/api/v2.0/results/${created.id}`);
      assert.equal(r.headers['content-type'], 'application/json');
      assert.equal(
        r.text,
        `{"data":{"Mid":["m"],"alpha":["a"],"zeta":["z"]},"groups":[],"href":"${V2}/results/${created.id}","id":${created.id},` +
          `"note":null,"outcome":"PASSED","ref_url":null,"submit_time":"2022-01-01T00:00:00.500000",` +
          `"testcase":{"href":"${V2}/testcases/general.sorted","name":"general.sorted","ref_url":"http://tc"}}\n`,
      );
      const list = await get(app, '/api/v2.0/results?testcases=general.sorted');
      assert.match(list.text, /^\{"data":\[\{"data":.*\],"next":null,"prev":null\}\n$/);
    });

    it('non-ASCII is escaped as \\uXXXX like jsonify', async (t) => {
      if (!app) return t.skip('PostgreSQL unavailable');
      const created = await postResult(app, { testcase: 'general.unicode', outcome: 'PASSED', note: 'žluť' });
      const r = await get(app, `/api/v2.0/results/${created.id}`);
      assert.ok(r.text.includes('"note":"\\u017elu\\u0165"'), r.text);
      assert.equal(r.json.note, 'žluť');
    });

    it('unknown routes and trailing-slash variants are 404 {"message": "Not found"}', async (t) => {
      if (!app) return t.skip('PostgreSQL unavailable');
      for (const url of [
        '/nope',
        '/api/v2.0/nope',
        '/api/v2.0/results/',
        '/api/v2.0/groups/',
        '/api/v2.0/testcases/',
        '/api/v2.0/results/latest/',
      ]) {
        const r = await get(app, url);
        assert.equal(r.status, 404, url);
        assert.deepEqual(r.json, { message: 'Not found' }, url);
      }
    });

    it('a wrong method on a known URL is 405 with a JSON message and an Allow header', async (t) => {
      if (!app) return t.skip('PostgreSQL unavailable');
      for (const [method, url, allow] of [
        ['DELETE', '/api/v2.0/results/1', 'GET, HEAD, OPTIONS'],
        ['PUT', '/api/v2.0/testcases', 'GET, HEAD, OPTIONS, POST'],
        ['PATCH', '/api/v2.0/groups', 'GET, HEAD, OPTIONS, POST'],
        ['POST', '/api/v2.0/results/latest', 'GET, HEAD, OPTIONS'],
        ['POST', '/api/v2.0/healthcheck', 'GET, HEAD, OPTIONS'],
      ]) {
        const r = await request(app, method, url, { body: '{}', headers: { 'content-type': 'application/json' } });
        assert.equal(r.status, 405, `${method} ${url}`);
        assert.equal(r.headers['content-type'], 'application/json');
        assert.deepEqual(r.json, { message: '405 Method Not Allowed: The method is not allowed for the requested URL.' });
        assert.equal(r.headers.allow, allow, `${method} ${url}`);
      }
    });

    it('OPTIONS answers 200 with the Allow header', async (t) => {
      if (!app) return t.skip('PostgreSQL unavailable');
      const r = await request(app, 'OPTIONS', '/api/v2.0/results');
      assert.equal(r.status, 200);
      assert.equal(r.headers.allow, 'GET, HEAD, OPTIONS, POST');
      const one = await request(app, 'OPTIONS', '/api/v2.0/testcases/a/b/results');
      assert.equal(one.status, 200);
      assert.equal(one.headers.allow, 'GET, HEAD, OPTIONS');
    });

    it('HEAD works like GET without a body', async (t) => {
      if (!app) return t.skip('PostgreSQL unavailable');
      const r = await request(app, 'HEAD', '/api/v2.0/results');
      assert.equal(r.status, 200);
      assert.equal(r.headers['content-type'], 'application/json');
      assert.equal(r.text, '');
      const missing = await request(app, 'HEAD', '/api/v2.0/results/424242');
      assert.equal(missing.status, 404);
    });

    it('POST with a non-JSON content type (or none) is 415 with a JSON message; nothing stored', async (t) => {
      if (!app) return t.skip('PostgreSQL unavailable');
      const before = await rowCounts(app);
      const body = JSON.stringify({ testcase: 'general.415', outcome: 'PASSED' });
      for (const headers of <Record<string, string>[]>[{ 'content-type': 'text/plain' }, { 'content-type': 'application/x-www-form-urlencoded' }, {}]) {
        for (const url of ['/api/v2.0/results', '/api/v2.0/groups', '/api/v2.0/testcases']) {
          const r = await request(app, 'POST', url, { body, headers });
          assert.equal(r.status, 415, `${url} ${JSON.stringify(headers)}: ${r.text}`);
          assert.equal(r.headers['content-type'], 'application/json');
          assert.deepEqual(r.json, {
            message: '415 Unsupported Media Type: The server does not support the media type transmitted in the request.',
          });
        }
      }
      assert.deepEqual(await rowCounts(app), before);
    });

    it('a body over the size limit is 413 with a JSON message', async (t) => {
      if (!app) return t.skip('PostgreSQL unavailable');
      const before = await rowCounts(app);
      const big = JSON.stringify({ testcase: 'general.413', outcome: 'PASSED', note: 'x'.repeat(1024 * 1024 + 10) });
      const r = await post(app, '/api/v2.0/results', big);
      assert.equal(r.status, 413);
      assert.deepEqual(r.json, { message: '413 Request Entity Too Large: The data value transmitted exceeds the capacity limit.' });
      assert.deepEqual(await rowCounts(app), before);
    });

    it('malformed or empty JSON is 400 {"message": "Bad request"} on every POST endpoint', async (t) => {
      if (!app) return t.skip('PostgreSQL unavailable');
      const before = await rowCounts(app);
      for (const url of ['/api/v2.0/results', '/api/v2.0/groups', '/api/v2.0/testcases']) {
        for (const body of ['{', '{"outcome": "PASSED",}', '', 'nope']) {
          const r = await post(app, url, body);
          assert.equal(r.status, 400, `${url} ${JSON.stringify(body)}`);
          assert.deepEqual(r.json, { message: 'Bad request' });
        }
      }
      assert.deepEqual(await rowCounts(app), before);
    });

    it('application/*+json and a charset parameter count as JSON', async (t) => {
      if (!app) return t.skip('PostgreSQL unavailable');
      for (const ct of ['application/json; charset=utf-8', 'application/vnd.api+json']) {
        const r = await post(app, '/api/v2.0/testcases', { name: 'general.ct' }, { 'content-type': ct });
        assert.equal(r.status, 201, `${ct}: ${r.text}`);
      }
    });

    it('hrefs honour X-Forwarded-Host, X-Forwarded-Scheme and X-Script-Name (prefix stripped from the path if present)', async (t) => {
      if (!app) return t.skip('PostgreSQL unavailable');
      const created = await postResult(app, { testcase: 'general.proxy', outcome: 'PASSED', groups: ['general-proxy-group'] });
      const headers = { 'x-forwarded-host': 'rdb.example.org', 'x-forwarded-scheme': 'https', 'x-script-name': '/resultsdb_api' };
      const base = 'https://rdb.example.org/resultsdb_api/api/v2.0';
      for (const prefix of ['/resultsdb_api', '']) {
        const one = await getOk(app, `${prefix}/api/v2.0/results/${created.id}`, headers);
        assert.equal(one.href, `${base}/results/${created.id}`);
        assert.equal(one.testcase.href, `${base}/testcases/general.proxy`);
        const list = await getOk(app, `${prefix}/api/v2.0/results?testcases=general.proxy&limit=0`, headers);
        assert.equal(list.next, `${base}/results?testcases=general.proxy&limit=0&page=1`);
        const group = await getOk(app, `${prefix}/api/v2.0/groups/general-proxy-group`, headers);
        assert.equal(group.href, `${base}/groups/general-proxy-group`);
        assert.equal(group.results, `${base}/results?groups=general-proxy-group`);
        const landing = await get(app, `${prefix}/api/v2.0`, headers);
        assert.equal(landing.json.results, `${base}/results`);
      }
      // Without the headers: the Host header, port included; X-Forwarded-Proto is not honoured.
      const plain = await getOk(app, `/api/v2.0/results/${created.id}`, { host: 'rdb:5001', 'x-forwarded-proto': 'https' });
      assert.equal(plain.href, `http://rdb:5001/api/v2.0/results/${created.id}`);
    });

    it('path segments are percent-encoded in hrefs, slashes kept', async (t) => {
      if (!app) return t.skip('PostgreSQL unavailable');
      const created = await postResult(app, { testcase: 'tc one/two', outcome: 'PASSED', groups: ['g one'] });
      assert.equal(created.testcase.href, `${V2}/testcases/tc%20one/two`);
      const g = await getOk(app, '/api/v2.0/groups/g%20one');
      assert.equal(g.href, `${V2}/groups/g%20one`);
      // The results link is a query: url_for's encoding (Werkzeug 3), a space as `+`.
      assert.equal(g.results, `${V2}/results?groups=g+one`);
    });

    it("a group's results link gives its uuid back exactly, whatever characters it has", async (t) => {
      if (!app) return t.skip('PostgreSQL unavailable');
      // No comma: the groups filter splits its value on commas (upstream too).
      const uuid = "a&b=c d+e#f%g/h:i?j@k!l$m'n(o)p*q;s~t_u.v-wé";
      const created = await postResult(app, { testcase: 'tc.link', outcome: 'PASSED', groups: [uuid] });
      const g = await getOk(app, `/api/v2.0/groups/${encodeURIComponent(uuid)}`);
      assert.equal(g.results, `${V2}/results?groups=a%26b%3Dc+d%2Be%23f%25g/h:i?j@k!l$m'n(o)p*q;s~t_u.v-w%C3%A9`);
      const followed = await getOk(app, g.results.slice(HOST.length));
      assert.deepEqual(ids(followed), [created.id]);
    });

    it('/api/v2.0/openapi.json is an OpenAPI 3 document listing the API paths', async (t) => {
      if (!app) return t.skip('PostgreSQL unavailable');
      const doc = await getOk(app, '/api/v2.0/openapi.json');
      assert.match(doc.openapi, /^3\./);
      for (const path of [
        '/api/v2.0/healthcheck',
        '/api/v2.0/results',
        '/api/v2.0/results/latest',
        '/api/v2.0/results/{id}',
        '/api/v2.0/groups',
        '/api/v2.0/groups/{uuid}',
        '/api/v2.0/groups/{uuid}/results',
        '/api/v2.0/testcases',
      ]) {
        assert.ok(doc.paths?.[path], `${path} missing from ${Object.keys(doc.paths ?? {}).join(' ')}`);
      }
      assert.ok(doc.paths['/api/v2.0/results'].post, 'POST /results documented');
      assert.ok(doc.paths['/api/v2.0/results'].get, 'GET /results documented');
    });

    it('/metrics counts requests by route and status', async (t) => {
      if (!app) return t.skip('PostgreSQL unavailable');
      await get(app, '/api/v2.0/results?limit=1');
      await get(app, '/api/v2.0/results/987654');
      const r = await get(app, '/metrics');
      assert.equal(r.status, 200);
      assert.match(String(r.headers['content-type']), /^text\/plain/);
      assert.match(r.text, /^resultsdb_http_requests_total\{method="GET",route="\/api\/v2\.0\/results",status="200"\} [1-9]\d*$/m);
      assert.match(r.text, /^resultsdb_http_requests_total\{method="GET",route="\/api\/v2\.0\/results\/:id",status="404"\} [1-9]\d*$/m);
      // The shared pipelined connections (PostgreSQL only, 2 by default), idle between requests.
      const gauge = (name: string) => Number(new RegExp(`^${name} (\\d+)$`, 'm').exec(r.text)?.[1]);
      assert.equal(gauge('resultsdb_store_pipelined_connections'), kind === 'postgres' ? 2 : 0, r.text);
      assert.equal(gauge('resultsdb_store_pipelined_queries'), 0, r.text);
      // WaiverDB's path serves the same registry.
      const v1 = await get(app, '/api/v1.0/metrics');
      assert.equal(v1.status, 200);
      assert.match(v1.text, /^resultsdb_http_requests_total\{method="GET",route="\/metrics",status="200"\} [1-9]\d*$/m);
    });
  });

  describe(`healthcheck without a database (${kind})`, async () => {
    let app: TestApp;
    before(async () => {
      if (kind === 'postgres' && !(await postgresAvailable())) return;
      app = await testApp(kind);
    });
    after(() => app?.dispose().catch(() => {}));

    it('answers 503 {"message": "Unable to communicate with database"} once the store is closed', async (t) => {
      if (!app) return t.skip('PostgreSQL unavailable');
      await app.store.close();
      const r = await get(app, '/api/v2.0/healthcheck');
      assert.equal(r.status, 503);
      assert.equal(r.headers['content-type'], 'application/json');
      assert.deepEqual(r.json, { message: 'Unable to communicate with database' });
      // Other endpoints fail with the generic JSON 500, never a stack trace.
      const list = await get(app, '/api/v2.0/results');
      assert.equal(list.status, 500);
      assert.deepEqual(list.json, { message: 'Internal Server Error' });
    });
  });
}
