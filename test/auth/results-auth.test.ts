/** results.require_auth: who may write results, groups and testcases, and the stored `username`. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { AuthSettings } from '../../src/auth/identity.ts';
import { createApiToken } from '../../src/auth/tokenStore.ts';
import { get, getOk, post, rowCounts } from '../helpers/http.ts';
import { postgresAvailable, STORE_KINDS, testApp, type TestApp } from '../helpers/stores.ts';

const pgOk = await postgresAvailable();

const AUTH: AuthSettings = {
  superusers: [],
  permissions: [{ name: 'dist', testcases: ['dist.*'], users: ['alice'] }],
  oidc: null,
  proxyAuth: null,
  resultsRequireAuth: true,
};
const NO_CREDENTIALS = { message: 'Authentication failed:\n- Authentication method token failed: 401 Unauthorized: No bearer token' };
const DENIED = (user: string, testcase: string) => ({ message: `User ${user} is not authorized to submit results for the test case ${testcase}` });
const result = (testcase: string, data: Record<string, unknown> = { item: 'bash-5.2-1.fc40' }) => ({ testcase: { name: testcase }, outcome: 'PASSED', data });

for (const kind of STORE_KINDS) {
  describe(`results.require_auth (${kind})`, { skip: kind === 'postgres' && !pgOk && 'PostgreSQL unavailable' }, () => {
    let app: TestApp;
    let alice: Record<string, string>;
    let carol: Record<string, string>;
    before(async () => {
      app = await testApp(kind, { auth: AUTH });
      alice = { authorization: `Bearer ${(await createApiToken(app.store, { user: 'alice' })).token}` };
      carol = { authorization: `Bearer ${(await createApiToken(app.store, { user: 'carol' })).token}` };
    });
    after(() => app?.dispose());

    it('POST /results without credentials: 401 JSON, nothing written', async () => {
      const before = await rowCounts(app);
      const r = await post(app, '/api/v2.0/results', result('dist.rpmlint'));
      assert.equal(r.status, 401);
      assert.deepEqual(r.json, NO_CREDENTIALS);
      assert.match(String(r.headers['content-type']), /^application\/json/);
      assert.deepEqual(await rowCounts(app), before);
    });

    it('authentication comes first: an invalid body without credentials is a 401, not a 400', async () => {
      const r = await post(app, '/api/v2.0/results', { testcase: 'dist.x' });
      assert.equal(r.status, 401);
      assert.deepEqual(r.json, NO_CREDENTIALS);
    });

    it('then validation: an authenticated caller with an invalid body gets the 400, even when not allowed', async () => {
      const r = await post(app, '/api/v2.0/results', { testcase: 'other.x' }, carol);
      assert.equal(r.status, 400);
      assert.ok(Array.isArray(r.json.validation_error), r.text);
    });

    it('a caller not allowed for the testcase: 403, nothing written', async () => {
      const before = await rowCounts(app);
      const r = await post(app, '/api/v2.0/results', result('dist.rpmlint'), carol);
      assert.equal(r.status, 403);
      assert.deepEqual(r.json, DENIED('carol', 'dist.rpmlint'));
      const r2 = await post(app, '/api/v2.0/results', result('other.x'), alice);
      assert.deepEqual(r2.json, DENIED('alice', 'other.x'));
      assert.deepEqual(await rowCounts(app), before);
    });

    it('an allowed caller: 201 and the user name stored as data key username', async () => {
      const r = await post(app, '/api/v2.0/results', result('dist.rpmlint', { item: 'bash-5.2-1.fc40', arch: 'x86_64' }), alice);
      assert.equal(r.status, 201, r.text);
      assert.deepEqual(r.json.data, { arch: ['x86_64'], item: ['bash-5.2-1.fc40'], username: ['alice'] });
      const stored = await getOk(app, `/api/v2.0/results/${r.json.id}`);
      assert.deepEqual(stored.data.username, ['alice']);
    });

    it('a client-sent username is replaced, in the result and in the filter index', async () => {
      for (const forged of ['mallory', ['mallory', 'alice'], 42]) {
        const r = await post(app, '/api/v2.0/results', result('dist.forge', { item: 'forge-1', username: forged }), alice);
        assert.equal(r.status, 201, r.text);
        assert.deepEqual(r.json.data, { item: ['forge-1'], username: ['alice'] });
      }
      assert.deepEqual((await getOk(app, '/api/v2.0/results?item=forge-1&username=mallory')).data, []);
      assert.deepEqual((await getOk(app, '/api/v2.0/results?username=42')).data, []);
      assert.equal((await getOk(app, '/api/v2.0/results?item=forge-1&username=alice')).data.length, 3);
    });

    it('POST /testcases: 401 without credentials, 403 for a testcase the caller may not submit, 201 when allowed', async () => {
      const none = await post(app, '/api/v2.0/testcases', { name: 'dist.new' });
      assert.equal(none.status, 401);
      assert.deepEqual(none.json, NO_CREDENTIALS);
      const denied = await post(app, '/api/v2.0/testcases', { name: 'dist.new' }, carol);
      assert.equal(denied.status, 403);
      assert.deepEqual(denied.json, DENIED('carol', 'dist.new'));
      assert.equal((await get(app, '/api/v2.0/testcases/dist.new')).status, 404);
      const ok = await post(app, '/api/v2.0/testcases', { name: 'dist.new', ref_url: 'https://x' }, alice);
      assert.equal(ok.status, 201, ok.text);
      assert.equal(ok.json.ref_url, 'https://x');
      assert.deepEqual((await post(app, '/api/v2.0/testcases', { name: 'other.new' }, alice)).json, DENIED('alice', 'other.new'));
    });

    it('POST /groups: 401 without credentials; any authenticated caller may upsert', async () => {
      const none = await post(app, '/api/v2.0/groups', { uuid: 'g-auth', description: 'x' });
      assert.equal(none.status, 401);
      assert.deepEqual(none.json, NO_CREDENTIALS);
      assert.equal((await get(app, '/api/v2.0/groups/g-auth')).status, 404);
      const ok = await post(app, '/api/v2.0/groups', { uuid: 'g-auth', description: 'by carol' }, carol);
      assert.equal(ok.status, 201, ok.text);
      assert.equal(ok.json.description, 'by carol');
    });

    it('reads stay open', async () => {
      assert.equal((await get(app, '/api/v2.0/results')).status, 200);
      assert.equal((await get(app, '/api/v2.0/testcases')).status, 200);
      assert.equal((await get(app, '/api/v2.0/groups')).status, 200);
    });
  });

  describe(`results writes open by default (${kind})`, { skip: kind === 'postgres' && !pgOk && 'PostgreSQL unavailable' }, () => {
    let plain: TestApp;
    let configured: TestApp;
    before(async () => {
      plain = await testApp(kind);
      // Permissions and methods configured, but require_auth off: writes are still open.
      configured = await testApp(kind, { auth: { ...AUTH, resultsRequireAuth: false } });
    });
    after(async () => {
      await plain?.dispose();
      await configured?.dispose();
    });

    it('anyone may POST results, testcases and groups; a client username is kept; bodies are identical', async () => {
      const body = { ...result('other.x', { item: 'i', username: 'mallory' }), submit_time: '2024-05-02T10:11:12.000000' };
      const requests: [string, unknown][] = [
        ['/api/v2.0/results', body],
        ['/api/v2.0/testcases', { name: 'other.y' }],
        ['/api/v2.0/groups', { uuid: 'g-open' }],
      ];
      for (const [url, payload] of requests) {
        const a = await post(plain, url, payload);
        const b = await post(configured, url, payload, { authorization: 'Bearer rubbish' });
        assert.equal(a.status, 201, a.text);
        assert.equal(b.status, 201, b.text);
        assert.equal(b.text, a.text);
        if (url.endsWith('results')) assert.deepEqual(a.json.data.username, ['mallory']);
      }
    });

    it('validation errors are unchanged (400, not 401)', async () => {
      const r = await post(configured, '/api/v2.0/results', { testcase: 'x' });
      assert.equal(r.status, 400);
    });
  });
}
