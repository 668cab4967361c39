/** One waiver by id, unknown URLs, about/config/permissions, JSONP and CORS under /api/v1.0. */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { assertValidation, get, getOk, post, request } from '../helpers/http.ts';
import { body, create, insertRow, NOT_FOUND, PERMISSIONS, perStore, uniq, V1, W } from '../helpers/waivers.ts';

const VERSION = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).version;
const EVIL = { name: '<b>evil</b>', testcases: ['evil.*'], users: ['"mallory"'], description: 'a & b <script>' };

perStore('waiver by id, unknown URLs', {}, (ctx) => {
  it('GET /waivers/<id>: the waiver, 404 "Waiver not found", non-integers are unknown URLs', async (t) => {
    if (ctx.skip(t)) return;
    const w = await create(ctx.app, body({ subject_identifier: uniq() }));
    assert.deepEqual(await getOk(ctx.app, `${W}${w.id}`), w);
    assert.deepEqual(await getOk(ctx.app, `${W}000${w.id}`), w);
    for (const id of ['987654321', '0', '99999999999999999999999']) {
      const r = await get(ctx.app, `${W}${id}`);
      assert.deepEqual([r.status, r.json], [404, { message: 'Waiver not found' }], id);
    }
    for (const path of ['waivers/abc', 'waivers/-1', 'waivers/1.0', 'waivers/new', 'waivers/1/x', 'nothing', 'waiver/1']) {
      const r = await get(ctx.app, `${V1.replace('http://localhost', '')}/${path}`);
      assert.deepEqual([r.status, r.json], [404, { message: NOT_FOUND }], path);
    }
    assert.deepEqual((await get(ctx.app, '/api/v1.0')).json, { message: NOT_FOUND });
    // `/api/v1.0/` is Greenwave's landing page (the gating API shares the prefix).
    assert.equal((await get(ctx.app, '/api/v1.0/')).json.api_v1, `${V1}`);
    const post404 = await post(ctx.app, '/api/v1.0/nothing', {});
    assert.deepEqual([post404.status, post404.json], [404, { message: NOT_FOUND }]);
  });

  it('/waivers redirects to /waivers/ keeping the query; wrong methods are JSON 405s', async (t) => {
    if (ctx.skip(t)) return;
    const r = await get(ctx.app, '/api/v1.0/waivers?testcase=a&page=2');
    assert.equal(r.status, 308);
    assert.equal(r.headers.location, `${V1}/waivers/?testcase=a&page=2`);
    for (const [method, url, allow] of [
      ['PUT', W, 'GET, HEAD, OPTIONS, POST'], ['POST', `${W}1`, 'GET, HEAD, OPTIONS'], ['GET', `${W}+filtered`, 'OPTIONS, POST'], ['POST', '/api/v1.0/about', 'GET, HEAD, OPTIONS'],
    ]) {
      const res = await request(ctx.app, method, url, { headers: { 'content-type': 'application/json' }, body: '{}' });
      assert.equal(res.status, 405, `${method} ${url}`);
      assert.equal(res.headers.allow, allow);
      // WaiverDB answers an HTTP error with its description alone.
      assert.equal(res.json.message, 'The method is not allowed for the requested URL.');
    }
    // A non-integer id is no route at all, whatever the method.
    assert.equal((await post(ctx.app, `${W}abc`, {})).status, 404);
  });
});

perStore('about, config, permissions, JSONP, CORS', { auth: { permissions: [...PERMISSIONS, EVIL], superusers: ['bodhi', 'kim'] } }, (ctx) => {
  it('about (trailing slash optional): version and the authentication methods', async (t) => {
    if (ctx.skip(t)) return;
    const about = { auth_method: 'token', auth_methods: ['token', 'proxy'], version: VERSION };
    assert.deepEqual(await getOk(ctx.app, '/api/v1.0/about'), about);
    assert.deepEqual(await getOk(ctx.app, '/api/v1.0/about/'), about);
  });

  it('config: superusers and an empty permission_mapping', async (t) => {
    if (ctx.skip(t)) return;
    const config = { permission_mapping: {}, superusers: ['bodhi', 'kim'] };
    assert.deepEqual(await getOk(ctx.app, '/api/v1.0/config'), config);
    assert.deepEqual(await getOk(ctx.app, '/api/v1.0/config/'), config);
  });

  it('permissions: all entries as configured, or those applying to ?testcase', async (t) => {
    if (ctx.skip(t)) return;
    assert.deepEqual(await getOk(ctx.app, '/api/v1.0/permissions'), [...PERMISSIONS, EVIL]);
    assert.deepEqual(await getOk(ctx.app, '/api/v1.0/permissions/?testcase=dist.rpmlint'), [PERMISSIONS[0]]);
    assert.deepEqual(await getOk(ctx.app, '/api/v1.0/permissions?testcase=dist.unwaivable'), []);
    assert.deepEqual(await getOk(ctx.app, '/api/v1.0/permissions?testcase=kernel.boot'), [PERMISSIONS[1]]);
    assert.deepEqual(await getOk(ctx.app, '/api/v1.0/permissions?testcase='), [...PERMISSIONS, EVIL]);
  });

  it('permissions?html=1: an escaped HTML table; a bad html value is a validation error', async (t) => {
    if (ctx.skip(t)) return;
    const r = await get(ctx.app, '/api/v1.0/permissions?html=on');
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-type'], 'text/html; charset=utf-8');
    assert.match(r.text, /<th>Name<\/th><th>Maintainers<\/th><th>Testcases<\/th><th>Groups<\/th><th>Users<\/th><th>Description<\/th>/);
    assert.match(r.text, /<td>dist<\/td><td><ul><li>qa@example.org<\/li><\/ul><\/td><td><ul><li>dist\.\*<\/li><\/ul><\/td><td><ul><li>qa-team<\/li><\/ul><\/td><td><ul><li>alice<\/li><\/ul><\/td>/);
    assert.ok(r.text.includes('<td>&lt;b&gt;evil&lt;/b&gt;</td>') && r.text.includes('&#34;mallory&#34;') && r.text.includes('a &amp; b &lt;script&gt;'));
    assert.ok(!r.text.includes('<script>'));
    const one = await get(ctx.app, '/api/v1.0/permissions?html=true&testcase=kernel.x');
    assert.ok(one.text.includes('<td>kernel</td>') && !one.text.includes('<td>dist</td>'));
    assert.equal((await get(ctx.app, '/api/v1.0/permissions?html=0')).headers['content-type'], 'application/json');
    assertValidation(await get(ctx.app, '/api/v1.0/permissions?html=maybe'), [
      { input: 'maybe', loc: ['html'], msg: 'Input should be a valid boolean, unable to interpret input', type: 'bool_parsing' },
    ]);
  });

  it('JSONP: callback=NAME wraps the JSON on every JSONP endpoint; bad names are refused', async (t) => {
    if (ctx.skip(t)) return;
    const w = await create(ctx.app, body({ subject_identifier: uniq() }));
    for (const url of [`${W}?callback=cb`, `${W}${w.id}?callback=cb`, '/api/v1.0/about?callback=cb', '/api/v1.0/config/?callback=cb', '/api/v1.0/permissions?callback=cb']) {
      const plain = await getOk(ctx.app, url.replace(/[?]callback=cb$/, ''));
      const r = await get(ctx.app, url);
      assert.equal(r.status, 200, url);
      assert.equal(r.headers['content-type'], 'application/javascript; charset=utf-8', url);
      const m = /^cb\((.*)\)$/s.exec(r.text);
      assert.ok(m, `${url}: ${r.text}`);
      const decoded = JSON.parse(m[1]);
      // GET /waivers/ links keep the callback parameter, as url_for with request.args does.
      if (url.startsWith(`${W}?`)) assert.equal(decoded.first, `${V1}/waivers/?page=1&callback=cb`);
      else assert.deepEqual(decoded, plain, url);
    }
    assert.equal((await get(ctx.app, `${W}?callback=$.jsonp_1`)).status, 200);
    assert.equal((await get(ctx.app, `${W}?callback=`)).headers['content-type'], 'application/json');
    for (const cb of ['alert(1)//', '1abc', 'a-b', '<script>']) {
      const r = await get(ctx.app, `${W}?callback=${encodeURIComponent(cb)}`);
      assert.deepEqual([r.status, r.json], [400, { message: 'Invalid callback name' }], cb);
    }
  });

  it("CORS as flask-cors' defaults: the Origin echoed with Vary, * without one; preflights; only under /api/v1.0", async (t) => {
    if (ctx.skip(t)) return;
    const id = await insertRow(ctx.app, { subject_identifier: uniq() });
    const origin = 'https://bodhi.example.org';
    for (const url of [W, `${W}${id}`, '/api/v1.0/about', `${W}999999`, '/api/v1.0/nothing']) {
      const r = await get(ctx.app, url, { origin });
      assert.equal(r.headers['access-control-allow-origin'], origin, url);
      assert.equal(r.headers.vary, 'Origin', url);
      assert.equal((await get(ctx.app, url)).headers['access-control-allow-origin'], '*', url);
    }
    const created = await post(ctx.app, W, body({ subject_identifier: uniq() }), { origin, 'x-remote-user': 'alice' });
    assert.deepEqual([created.status, created.headers['access-control-allow-origin']], [201, origin]);
    const denied = await post(ctx.app, W, body(), { origin });
    assert.deepEqual([denied.status, denied.headers['access-control-allow-origin']], [401, origin]);
    const pre = await request(ctx.app, 'OPTIONS', `${W}+filtered`, {
      headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type, authorization' },
    });
    assert.equal(pre.status, 200);
    assert.equal(pre.headers['access-control-allow-origin'], origin);
    assert.equal(pre.headers['access-control-allow-methods'], 'DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT');
    assert.equal(pre.headers['access-control-allow-headers'], 'authorization, content-type');
    const v2 = await get(ctx.app, '/api/v2.0/results', { origin });
    assert.equal(v2.headers['access-control-allow-origin'], undefined);
  });
});
