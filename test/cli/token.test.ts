/** `resultsdb token create|list|revoke`, and the printed token used against a server. */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseDuration } from '../../src/cli/token.ts';
import { buildApp } from '../../src/http/app.ts';
import { allowedOutcomes } from '../../src/results/outcomes.ts';
import { runCli, startServer, stopAll, type Run } from '../helpers/processes.ts';
import { freshStore, postgresAvailable } from '../helpers/stores.ts';

const pgOk = await postgresAvailable();

let tmp: string;
before(async () => void (tmp = await mkdtemp(join(tmpdir(), 'resultsdb-token-'))));
after(async () => {
  await stopAll();
  await rm(tmp, { recursive: true, force: true });
});

const TOKEN = /^rdb_[A-Za-z0-9]{16}_[A-Za-z0-9_-]{43}$/;

/** The token `create` printed: its last stdout line. */
function printedToken(run: Run): string {
  assert.equal(run.code, 0, run.stderr);
  const lines = run.stdout.trimEnd().split('\n');
  const token = lines.at(-1)!;
  assert.match(token, TOKEN);
  return token;
}

/** Neither the token, nor its secret part, nor the secret's hash. */
function assertNoSecret(text: string, token: string): void {
  const secret = token.split('_').slice(2).join('_');
  const hash = createHash('sha256').update(secret).digest('hex');
  assert.ok(!text.includes(secret) && !text.includes(hash), 'the output shows the secret or its hash');
}

const result = { testcase: { name: 'dist.rpmlint' }, outcome: 'PASSED', data: { item: 'bash-5.2-1.fc40' } };

describe('parseDuration', () => {
  it('takes a positive count of s, m, h, d or w', () => {
    assert.equal(parseDuration('3600s'), 3600_000);
    assert.equal(parseDuration('90m'), 90 * 60_000);
    assert.equal(parseDuration('12h'), 12 * 3600_000);
    assert.equal(parseDuration('30d'), 30 * 86400_000);
    assert.equal(parseDuration('2w'), 14 * 86400_000);
  });

  it('rejects anything else', () => {
    for (const bad of ['', '30', 'd', '0d', '-1d', '1.5h', '30 d', '30D', '3y', '1d2h', '999999999999w']) {
      assert.throws(() => parseDuration(bad), /DURATION must be/, bad);
    }
  });
});

// The two stores' flows spawn the CLI a few times each; they run side by side.
describe('resultsdb token', { concurrency: true }, () => {
  describe('SQLite file, against a running server', { concurrency: true }, () => {
    it('create → use → list → revoke → rejected', async () => {
      const db = join(tmp, 'tokens.sqlite');
      const config = join(tmp, 'auth.yaml');
      await writeFile(config, `database: sqlite:${db}\nresults:\n  require_auth: true\npermissions:\n  - testcases: ['dist.*']\n    groups: [qa]\n`);

      // --database on a file that does not exist yet: migrations are applied first.
      const made = await runCli(['token', 'create', '--database', `sqlite:${db}`, '--user', 'alice', '--group', 'qa', '--group', 'ci', '--expires', '30d', '--description', 'CI bot']);
      const token = printedToken(made);
      const [summary] = made.stdout.split('\n');
      assert.match(summary, /^token 1 for user alice, groups: qa, ci, expires: \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ /);
      const expires = Date.parse(/expires: (\S+)/.exec(summary)![1]);
      assert.ok(Math.abs(expires - (Date.now() + 30 * 86400_000)) < 60_000, summary);

      // Independent steps run side by side: each CLI call is a process start.
      const [srv, second] = await Promise.all([
        startServer(['--config', config]),
        // A second token without groups or expiry, through the config file's database.
        runCli(['token', 'create', '--config', config, '--user', 'bob']),
      ]);
      const other = printedToken(second);
      assert.notEqual(other, token);
      const send = (headers: Record<string, string>) =>
        fetch(`${srv.url}/api/v2.0/results`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(result) });
      assert.equal((await send({})).status, 401);
      const ok = await send({ authorization: `Bearer ${token}` });
      assert.equal(ok.status, 201);
      assert.deepEqual((await ok.json()).data.username, ['alice']);

      const [table, json] = await Promise.all([
        runCli(['token', 'list', '--config', config]),
        // The environment variable instead of a flag.
        runCli(['token', 'list', '--json'], { RESULTSDB_DATABASE_URL: `sqlite:${db}` }),
      ]);
      assert.equal(table.code, 0, table.stderr);
      const rows = table.stdout.trimEnd().split('\n');
      assert.match(rows[0], /^ID\s+USER\s+GROUPS\s+CREATED\s+EXPIRES\s+REVOKED\s+DESCRIPTION$/);
      assert.match(rows[1], /^1\s+alice\s+qa,ci\s+\S+Z\s+\S+Z\s+-\s+CI bot$/);
      assert.match(rows[2], /^2\s+bob\s+-\s+\S+Z\s+never\s+-$/);
      assert.equal(rows.length, 3);
      assertNoSecret(table.stdout, token);
      assertNoSecret(table.stdout, other);

      assert.equal(json.code, 0, json.stderr);
      const listed = JSON.parse(json.stdout);
      assert.deepEqual(listed.map((t: any) => [t.id, t.user, t.groups, t.description, t.revoked]), [
        [1, 'alice', ['qa', 'ci'], 'CI bot', null],
        [2, 'bob', [], null, null],
      ]);
      assert.deepEqual(Object.keys(listed[0]).sort(), ['created', 'description', 'expires', 'groups', 'id', 'revoked', 'user']);
      assert.equal(listed[1].expires, null);
      assertNoSecret(json.stdout, token);
      assertNoSecret(json.stdout, other);

      const [revoked, unknown] = await Promise.all([
        runCli(['token', 'revoke', '1', '--database', `sqlite:${db}`]),
        runCli(['token', 'revoke', '99', '--database', `sqlite:${db}`]),
      ]);
      assert.equal(revoked.code, 0, revoked.stderr);
      assert.equal(revoked.stdout, 'token 1 revoked\n');
      assert.equal(unknown.code, 1);
      assert.equal(unknown.stderr, 'resultsdb: no token with id 99\n');
      const rejected = await send({ authorization: `Bearer ${token}` });
      assert.equal(rejected.status, 401);
      assert.match((await rejected.json()).message, /Authentication method token failed: 401 Unauthorized: Token revoked/);
      assert.equal((await send({ authorization: `Bearer ${other}` })).status, 403, 'bob is in no allowed group');
      assertNoSecret(srv.log(), token);
      await srv.stop();
    });

    it('a bad --expires exits 2 with one line, before touching the database', async () => {
      const db = join(tmp, 'usage.sqlite');
      const bad = await runCli(['token', 'create', '--database', `sqlite:${db}`, '--user', 'alice', '--expires', '3x']);
      assert.equal(bad.code, 2);
      assert.equal(bad.stdout, '');
      assert.equal(bad.stderr.trimEnd().split('\n').length, 1, bad.stderr);
      assert.match(bad.stderr, /^resultsdb: .*--expires.*DURATION must be/);
      assert.equal(existsSync(db), false);
    });
  });

  describe('PostgreSQL, against the app', { skip: !pgOk && 'PostgreSQL unavailable' }, () => {
    it('create, use against the app, revoke', async () => {
      const { store, url, dispose } = await freshStore('postgres');
      const app = await buildApp({
        store,
        outcomes: allowedOutcomes([]),
        maxLimit: 1000,
        bodyLimit: 1 << 20,
        logger: false,
        auth: { superusers: [], permissions: [{ testcases: ['dist.*'], users: ['carol'] }], oidc: null, proxyAuth: null, resultsRequireAuth: true },
      });
      try {
        const token = printedToken(await runCli(['token', 'create', '--database', url, '--user', 'carol', '--expires', '12h']));
        const send = () =>
          app.inject({ method: 'POST', url: '/api/v2.0/results', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, payload: result });
        const ok = await send();
        assert.equal(ok.statusCode, 201, ok.payload);
        assert.deepEqual(ok.json().data.username, ['carol']);

        const json = await runCli(['token', 'list', '--json', '--database', url]);
        const [listed] = JSON.parse(json.stdout);
        assert.equal(listed.user, 'carol');
        assert.ok(Math.abs(Date.parse(listed.expires) - Date.parse(listed.created) - 12 * 3600_000) < 60_000, json.stdout);
        assertNoSecret(json.stdout, token);

        assert.equal((await runCli(['token', 'revoke', String(listed.id), '--database', url])).code, 0);
        const rejected = await send();
        assert.equal(rejected.statusCode, 401);
        assert.match(rejected.json().message, /Token revoked/);
      } finally {
        await app.close();
        await dispose();
      }
    });
  });
});
