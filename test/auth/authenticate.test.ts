/**
 * Every authentication path, driven over HTTP through POST /api/v2.0/results with results.require_auth
 * (the write that exists today): API tokens, OIDC JWTs, trusted proxy headers, and the permission rules.
 */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import pino from 'pino';
import type { AuthSettings } from '../../src/auth/identity.ts';
import { createApiToken, revokeApiToken } from '../../src/auth/tokenStore.ts';
import { nowMicros } from '../../src/results/times.ts';
import { post, rowCounts, type Res } from '../helpers/http.ts';
import { startIssuer, type TestIssuer } from '../helpers/oidc.ts';
import { postgresAvailable, STORE_KINDS, testApp, type TestApp } from '../helpers/stores.ts';

const pgOk = await postgresAvailable();

const PERMISSIONS: AuthSettings['permissions'] = [
  { name: 'dist', testcases: ['dist.*'], testcases_ignore: ['dist.private'], users: ['alice'], groups: ['qa'] },
  { name: 'koji', testcases: ['koji.?'], groups: ['packager'] },
];

const RESULT = (testcase: string) => ({ testcase: { name: testcase }, outcome: 'PASSED', data: { item: 'bash-5.2-1.fc40' } });
const DENIED = (user: string, testcase: string) => ({ message: `User ${user} is not authorized to submit results for the test case ${testcase}` });
/** WaiverDB's one-line-per-method 401 message, for token, OIDC and proxy in that order. */
const failed = (token: string, oidc: string, proxy: string) => ({
  message:
    'Authentication failed:\n' +
    `- Authentication method token failed: 401 Unauthorized: ${token}\n` +
    `- Authentication method OIDC failed: 401 Unauthorized: ${oidc}\n` +
    `- Authentication method proxy failed: 401 Unauthorized: ${proxy}`,
});
const NO_PROXY = 'No X-Remote-User header';

for (const kind of STORE_KINDS) {
  describe(`authentication and permissions for results (${kind})`, { skip: kind === 'postgres' && !pgOk && 'PostgreSQL unavailable' }, () => {
    let idp: TestIssuer;
    let app: TestApp;
    /** Every log line the app wrote, to prove no credential ends up there. */
    let logText = '';
    /** Every credential used below; none may appear in logs or response bodies. */
    const secrets: string[] = [];
    const bodies: string[] = [];
    const tok: Record<string, string> = {};

    before(async () => {
      idp = await startIssuer();
      const sink = new Writable({
        write(chunk, _enc, done) {
          logText += String(chunk);
          done();
        },
      });
      app = await testApp(kind, {
        logger: pino({ level: 'trace' }, sink),
        auth: {
          superusers: [],
          permissions: PERMISSIONS,
          // No jwks_uri: the keys are found through the issuer's discovery document.
          oidc: { issuer: idp.issuer, audience: 'resultsdb' },
          // app.inject connects from 127.0.0.1, which is not a trusted proxy here; 10.x addresses are.
          proxyAuth: { user_header: 'X-Remote-User', groups_header: 'X-Remote-Groups', trusted_proxies: ['10.0.0.0/8'] },
          resultsRequireAuth: true,
        },
      });
      const mk = async (name: string, p: Parameters<typeof createApiToken>[1]) => {
        const t = await createApiToken(app.store, p);
        tok[name] = t.token;
        secrets.push(t.token);
        return t;
      };
      await mk('alice', { user: 'alice' });
      await mk('carolQa', { user: 'carol', groups: ['qa'] });
      await mk('carol', { user: 'carol' });
      await mk('dave', { user: 'dave', groups: ['packager', 'other'] });
      const revoked = await mk('revoked', { user: 'alice' });
      assert.equal(await revokeApiToken(app.store, revoked.id), true);
      await mk('expired', { user: 'alice', expiresAt: nowMicros() - 1_000_000 });
      await mk('later', { user: 'alice', expiresAt: nowMicros() + 3600e6 });
    });
    after(async () => {
      await app?.dispose();
      await idp?.close();
    });

    /** POST /results with the given headers, remembering the body for the leak check. */
    const submit = async (testcase: string, headers: Record<string, string> = {}, remoteAddress?: string): Promise<Res> => {
      const r = await app.inject({
        method: 'POST',
        url: '/api/v2.0/results',
        headers: { host: 'localhost', 'content-type': 'application/json', ...headers },
        payload: JSON.stringify(RESULT(testcase)),
        ...(remoteAddress ? { remoteAddress } : {}),
      });
      bodies.push(r.payload);
      const json = r.headers['content-type']?.toString().startsWith('application/json') ? JSON.parse(r.payload) : undefined;
      return { status: r.statusCode, headers: r.headers, text: r.payload, json };
    };
    const bearer = (t: string) => ({ authorization: `Bearer ${t}` });
    const jwt = async (claims: Record<string, unknown>, opts: Parameters<TestIssuer['sign']>[1] = {}) => {
      const t = await idp.sign(claims, { audience: 'resultsdb', ...opts });
      secrets.push(t);
      return t;
    };
    const created = (r: Res, user: string) => {
      assert.equal(r.status, 201, r.text);
      assert.deepEqual(r.json.data.username, [user]);
    };

    describe('no credentials', () => {
      it('401 with every method’s reason, a WWW-Authenticate header, and nothing written', async () => {
        const before = await rowCounts(app);
        const r = await submit('dist.rpmlint');
        assert.equal(r.status, 401);
        assert.deepEqual(r.json, failed('No bearer token', 'No bearer token', NO_PROXY));
        assert.equal(r.headers['www-authenticate'], 'Bearer');
        assert.deepEqual(await rowCounts(app), before);
      });

      it('a non-Bearer Authorization header counts as none', async () => {
        const r = await submit('dist.rpmlint', { authorization: `Basic ${Buffer.from('alice:pw').toString('base64')}` });
        assert.deepEqual(r.json, failed('No bearer token', 'No bearer token', NO_PROXY));
      });
    });

    describe('API tokens', () => {
      it('allowed user: 201, stored with the token’s user', async () => {
        created(await submit('dist.rpmlint', bearer(tok.alice)), 'alice');
      });

      it('the bearer scheme is case-insensitive', async () => {
        created(await submit('dist.rpmlint', { authorization: `bearer ${tok.alice}` }), 'alice');
      });

      it('allowed group: the token’s groups count', async () => {
        created(await submit('dist.rpmlint', bearer(tok.carolQa)), 'carol');
        created(await submit('koji.x', bearer(tok.dave)), 'dave');
      });

      it('denied: 403 in upstream’s wording, nothing written', async () => {
        const before = await rowCounts(app);
        const r = await submit('dist.rpmlint', bearer(tok.carol));
        assert.equal(r.status, 403);
        assert.deepEqual(r.json, DENIED('carol', 'dist.rpmlint'));
        assert.deepEqual(await rowCounts(app), before);
        // dave's packager group applies to koji.? only: one character, case-sensitive
        assert.deepEqual((await submit('koji.xy', bearer(tok.dave))).json, DENIED('dave', 'koji.xy'));
        assert.deepEqual((await submit('Koji.x', bearer(tok.dave))).json, DENIED('dave', 'Koji.x'));
      });

      it('ignored pattern: testcases_ignore removes the entry, even for a listed user or group', async () => {
        assert.deepEqual((await submit('dist.private', bearer(tok.alice))).json, DENIED('alice', 'dist.private'));
        assert.deepEqual((await submit('dist.private', bearer(tok.carolQa))).json, DENIED('carol', 'dist.private'));
      });

      it('a testcase no entry covers is denied to everyone', async () => {
        assert.deepEqual((await submit('other.test', bearer(tok.alice))).json, DENIED('alice', 'other.test'));
      });

      it('unknown token: 401 Invalid token (and OIDC does not try it)', async () => {
        const unknown = `rdb_${'A'.repeat(16)}_${'b'.repeat(43)}`;
        secrets.push(unknown);
        const r = await submit('dist.rpmlint', bearer(unknown));
        assert.equal(r.status, 401);
        assert.deepEqual(r.json, failed('Invalid token', 'Not a JWT', NO_PROXY));
      });

      it('a known selector with a wrong secret is the same Invalid token', async () => {
        const wrong = tok.alice.slice(0, -4) + (tok.alice.endsWith('AAAA') ? 'BBBB' : 'AAAA');
        secrets.push(wrong);
        const r = await submit('dist.rpmlint', bearer(wrong));
        assert.deepEqual(r.json, failed('Invalid token', 'Not a JWT', NO_PROXY));
      });

      it('revoked token: 401 Token revoked', async () => {
        const r = await submit('dist.rpmlint', bearer(tok.revoked));
        assert.equal(r.status, 401);
        assert.deepEqual(r.json, failed('Token revoked', 'Not a JWT', NO_PROXY));
      });

      it('expired token: 401 Token expired; one expiring later still works', async () => {
        const r = await submit('dist.rpmlint', bearer(tok.expired));
        assert.equal(r.status, 401);
        assert.deepEqual(r.json, failed('Token expired', 'Not a JWT', NO_PROXY));
        created(await submit('dist.rpmlint', bearer(tok.later)), 'alice');
      });
    });

    describe('OIDC', () => {
      it('discovers the JWKS through <issuer>/.well-known/openid-configuration', async () => {
        created(await submit('dist.rpmlint', bearer(await jwt({ preferred_username: 'alice' }))), 'alice');
        assert.deepEqual(idp.requests.slice(0, 2), ['/.well-known/openid-configuration', '/jwks']);
      });

      it('allowed group from the realm_access.roles claim', async () => {
        created(await submit('dist.rpmlint', bearer(await jwt({ preferred_username: 'carol', realm_access: { roles: ['qa'] } }))), 'carol');
      });

      it('denied without an allowed group', async () => {
        const r = await submit('dist.rpmlint', bearer(await jwt({ preferred_username: 'carol', realm_access: { roles: ['packager'] } })));
        assert.equal(r.status, 403);
        assert.deepEqual(r.json, DENIED('carol', 'dist.rpmlint'));
      });

      const rejected: [string, Record<string, unknown>, Parameters<TestIssuer['sign']>[1], string][] = [
        ['expired JWT', { preferred_username: 'alice' }, { expiresIn: -300 }, 'JWT expired'],
        ['wrong issuer', { preferred_username: 'alice' }, { issuer: 'https://idp.example.org' }, 'unexpected "iss" claim value'],
        ['wrong audience', { preferred_username: 'alice' }, { audience: 'waiverdb' }, 'unexpected "aud" claim value'],
        ['bad signature (signed by another key)', { preferred_username: 'alice' }, { foreignKey: true }, 'signature verification failed'],
        ['no username claim', { sub: 'alice' }, {}, 'token has no preferred_username claim'],
      ];
      for (const [what, claims, opts, reason] of rejected) {
        it(`${what}: 401 naming the reason`, async () => {
          const before = await rowCounts(app);
          const r = await submit('dist.rpmlint', bearer(await jwt(claims, opts)));
          assert.equal(r.status, 401);
          assert.deepEqual(r.json, failed('Invalid token', reason, NO_PROXY));
          assert.deepEqual(await rowCounts(app), before);
        });
      }
    });

    describe('trusted proxy header', () => {
      it('from an untrusted address (127.0.0.1 vs 10.0.0.0/8): 401, the header is ignored', async () => {
        const r = await submit('dist.rpmlint', { 'x-remote-user': 'alice' });
        assert.equal(r.status, 401);
        assert.deepEqual(r.json, failed('No bearer token', 'No bearer token', 'Request did not come from a trusted proxy'));
      });

      it('from a trusted address: the header’s user; a Kerberos realm is stripped', async () => {
        created(await submit('dist.rpmlint', { 'x-remote-user': 'alice' }, '10.1.2.3'), 'alice');
        created(await submit('dist.rpmlint', { 'x-remote-user': 'alice@EXAMPLE.ORG' }, '10.1.2.3'), 'alice');
      });

      it('allowed group from the groups header; denied without it', async () => {
        created(await submit('dist.rpmlint', { 'x-remote-user': 'carol', 'x-remote-groups': 'other, qa' }, '10.1.2.3'), 'carol');
        const r = await submit('dist.rpmlint', { 'x-remote-user': 'carol' }, '10.1.2.3');
        assert.equal(r.status, 403);
        assert.deepEqual(r.json, DENIED('carol', 'dist.rpmlint'));
      });

      it('an IPv4-mapped IPv6 peer address counts as the IPv4 address', async () => {
        created(await submit('dist.rpmlint', { 'x-remote-user': 'alice' }, '::ffff:10.9.9.9'), 'alice');
      });

      it('methods are tried in order: a good token wins over the header, a bad one falls through to it', async () => {
        created(await submit('dist.rpmlint', { ...bearer(tok.alice), 'x-remote-user': 'carol' }, '10.1.2.3'), 'alice');
        // WaiverDB tries every method, so a revoked token next to a trusted header still gets in as the header's user.
        created(await submit('dist.rpmlint', { ...bearer(tok.revoked), 'x-remote-user': 'carol', 'x-remote-groups': 'qa' }, '10.1.2.3'), 'carol');
      });
    });

    describe('secrets', () => {
      it('never appear in logs or in response bodies', () => {
        assert.ok(secrets.length >= 12, 'the tests above used credentials');
        assert.ok(logText.includes('"status":401') && logText.includes('"status":201'), 'the app did log the requests');
        for (const s of secrets) {
          assert.ok(!logText.includes(s), 'a credential was logged');
          // The part that must stay secret: an API token's secret (after `rdb_<selector>_`), a JWT's signature.
          const sig = s.startsWith('rdb_') ? s.slice(21) : s.split('.')[2];
          assert.ok(sig.length >= 40);
          assert.ok(!logText.includes(sig), 'a credential’s secret part was logged');
          for (const b of bodies) assert.ok(!b.includes(s) && !b.includes(sig), `a credential is in a response body: ${b}`);
        }
      });
    });
  });
}
