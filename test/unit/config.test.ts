import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError, DEFAULTS, resolveConfig } from '../../src/config/config.ts';

const dir = mkdtempSync(join(tmpdir(), 'resultsdb-config-'));
let n = 0;
function configFile(text: string): string {
  const p = join(dir, `c${n++}.yaml`);
  writeFileSync(p, text);
  return p;
}

describe('config file: identity and permissions', () => {
  it('reads superusers, permissions, oidc, proxy_auth and results.require_auth', () => {
    const c = resolveConfig(
      {
        config: configFile(`
superusers: [bodhi]
permissions:
  - name: kernel-qe
    maintainers: [alice@example.com]
    testcases: ["kernel-qe.*"]
    testcases_ignore: ["kernel-qe.unwaivable.*"]
    users: [alice]
    groups: [devel]
oidc:
  issuer: https://id.example.com/realms/x
  audience: resultsdb
proxy_auth:
  user_header: X-Remote-User
  trusted_proxies: [127.0.0.1, 10.0.0.0/8]
results:
  require_auth: true
`),
      },
      {},
    );
    assert.deepEqual(c.auth.superusers, ['bodhi']);
    assert.equal(c.auth.permissions[0].testcases_ignore?.[0], 'kernel-qe.unwaivable.*');
    assert.equal(c.auth.oidc?.issuer, 'https://id.example.com/realms/x');
    assert.deepEqual(c.auth.proxyAuth?.trusted_proxies, ['127.0.0.1', '10.0.0.0/8']);
    assert.equal(c.auth.resultsRequireAuth, true);
  });

  it('defaults to no identity methods, no permissions and open result writes', () => {
    const c = resolveConfig({}, {});
    assert.deepEqual(c.auth, { superusers: [], permissions: [], oidc: null, proxyAuth: null, resultsRequireAuth: false });
  });

  const bad: [string, RegExp][] = [
    ['oidc:\n  isuer: x\n', /unknown key: oidc\.isuer$/],
    ['oidc:\n  audience: x\n', /wrong value .*: oidc/],
    ['permissions:\n  - testcases: [a]\n    user: [x]\n', /unknown key: permissions\.0\.user$/],
    ['permissions:\n  - users: [x]\n', /permissions\.0/],
    ['results:\n  require_auth: "yes"\n', /wrong value .*: results\.require_auth$/],
    ['superusers: bodhi\n', /wrong value .*: superusers$/],
    ['proxy_auth:\n  user_header: X-Remote-User\n  trusted_proxies: []\n', /proxy_auth\.trusted_proxies$/],
  ];
  for (const [text, message] of bad) {
    it(`names the offending key: ${JSON.stringify(text)}`, () => {
      assert.throws(() => resolveConfig({ config: configFile(text) }, {}), (e: Error) => e instanceof ConfigError && message.test(e.message));
    });
  }
});

describe('config file: gating.decision_cache_mb', () => {
  it('defaults to 64 MiB; 0 turns the cache off; a negative size names the key', () => {
    assert.equal(resolveConfig({}, {}).gating.decisionCacheBytes, 64 * 1024 * 1024);
    assert.equal(resolveConfig({ config: configFile('gating:\n  decision_cache_mb: 0\n') }, {}).gating.decisionCacheBytes, 0);
    assert.equal(resolveConfig({ config: configFile('gating:\n  decision_cache_mb: 0.5\n') }, {}).gating.decisionCacheBytes, 512 * 1024);
    assert.throws(
      () => resolveConfig({ config: configFile('gating:\n  decision_cache_mb: -1\n') }, {}),
      (e: Error) => e instanceof ConfigError && /gating\.decision_cache_mb$/.test(e.message),
    );
  });
});

describe('config file: PostgreSQL connections', () => {
  it('db_pool_size and db_pipelines default to 10 and 2; 0 pipelines turns them off; a negative count names the key', () => {
    const defaults = resolveConfig({ config: configFile('port: 5001\n') }, {});
    assert.deepEqual([defaults.dbPoolSize, defaults.dbPipelines], [10, 2]);
    const set = resolveConfig({ config: configFile('db_pool_size: 4\ndb_pipelines: 0\n') }, {});
    assert.deepEqual([set.dbPoolSize, set.dbPipelines], [4, 0]);
    assert.throws(
      () => resolveConfig({ config: configFile('db_pipelines: -1\n') }, {}),
      (e: Error) => e instanceof ConfigError && /db_pipelines/.test(e.message),
    );
  });
});

describe('layers: flags over environment over file over defaults', () => {
  it('an empty host or database, in any layer, counts as unset: never every interface, never an in-memory store', () => {
    const file = configFile('host: 10.0.0.1\ndatabase: sqlite:/tmp/from-file.sqlite\n');
    const env = { RESULTSDB_HOST: '', RESULTSDB_DATABASE_URL: '', RESULTSDB_CONFIG: file };
    assert.deepEqual(pick(resolveConfig({}, env)), ['10.0.0.1', 'sqlite:/tmp/from-file.sqlite']);
    assert.deepEqual(pick(resolveConfig({ host: '', database: '' }, { RESULTSDB_HOST: '', RESULTSDB_DATABASE_URL: '' })),
      [DEFAULTS.host, DEFAULTS.database]);
    assert.deepEqual(pick(resolveConfig({ host: '::1' }, { RESULTSDB_HOST: '0.0.0.0', RESULTSDB_DATABASE_URL: 'sqlite:/tmp/env.sqlite' })),
      ['::1', 'sqlite:/tmp/env.sqlite']);
  });

  it('a --port flag makes a bad RESULTSDB_PORT irrelevant; without the flag it is an error naming the variable', () => {
    assert.equal(resolveConfig({ port: 5353 }, { RESULTSDB_PORT: 'abc' }).port, 5353);
    assert.throws(() => resolveConfig({}, { RESULTSDB_PORT: 'abc' }), /RESULTSDB_PORT must be a port number/);
    assert.equal(resolveConfig({}, { RESULTSDB_PORT: '5400' }).port, 5400);
  });
});

const pick = (c: { host: string; database: string }) => [c.host, c.database];
