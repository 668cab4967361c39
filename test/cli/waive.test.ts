/** End to end: `resultsdb waive` and `resultsdb waivers` against a real server process. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApiToken } from '../../src/auth/tokenStore.ts';
import { openStore } from '../../src/store/connection.ts';
import { runCli, startServer, type Run, type ServerProcess } from '../helpers/processes.ts';

let server: ServerProcess;
let tmp = '';
const tokens: Record<string, string> = {};

before(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'resultsdb-waive-'));
  const config = join(tmp, 'config.yaml');
  await writeFile(config, 'superusers: [bodhi]\npermissions:\n  - {name: dist, testcases: ["dist.*"], users: [alice, packager]}\n');
  server = await startServer(['--database', `sqlite:${tmp}/t.sqlite`, '--config', config]);
  // The server has migrated the file; tokens are written straight into it.
  const store = openStore(`sqlite:${tmp}/t.sqlite`);
  for (const user of ['alice', 'bodhi']) tokens[user] = (await createApiToken(store, { user })).token;
  await store.close();
});

after(async () => {
  await server?.stop();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

function cli(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return runCli([...args, '--url', server.url], { RESULTSDB_URL: '', RESULTSDB_TOKEN: '', ...env });
}

const waive = (subject: string, ...extra: string[]) => waiveAs(subject, {}, ...extra);
function waiveAs(subject: string, over: { testcase?: string; productVersion?: string }, ...extra: string[]): string[] {
  return [
    'waive', '--subject-type', 'koji_build', '--subject-identifier', subject, '--testcase', over.testcase ?? 'dist.rpmlint',
    '--product-version', over.productVersion ?? 'fedora-40', '--comment', 'known false positive', ...extra,
  ];
}

async function list(query: string): Promise<any[]> {
  const res = await fetch(`${server.url}/api/v1.0/waivers/?${query}`);
  assert.equal(res.status, 200);
  return (await res.json()).data;
}

/** Exit `code` with one `resultsdb: …` line matching `pattern` on stderr and nothing on stdout. */
function assertFailed(run: Run, code: number, pattern: RegExp): void {
  assert.equal(run.code, code, `exit code; stderr: ${run.stderr}`);
  assert.match(run.stderr, /^resultsdb: [^\n]+\n$/);
  assert.match(run.stderr, pattern);
  assert.equal(run.stdout, '');
}

test('waive: creates the waiver and prints it readably', async () => {
  const run = await cli([...waive('bash-5.2-1.fc40'), '--token', tokens.alice]);
  assert.equal(run.code, 0, run.stderr);
  const [w] = await list('subject_identifier=bash-5.2-1.fc40');
  assert.equal(run.stdout, [
    `id:              ${w.id}`,
    'subject:         koji_build bash-5.2-1.fc40',
    'testcase:        dist.rpmlint',
    'scenario:        (all)',
    'product version: fedora-40',
    'waived:          yes',
    'username:        alice',
    'comment:         known false positive',
    `timestamp:       ${w.timestamp}`,
    '',
  ].join('\n'));
});

test('waive --json with --no-waived, --scenario, --expires-at (token from RESULTSDB_TOKEN)', async () => {
  const run = await cli([...waive('zsh-5.9-1.fc40', '--no-waived', '--scenario', 'x86_64', '--expires-at', '2031-01-01T02:00:00+02:00', '--json')],
    { RESULTSDB_TOKEN: tokens.alice });
  assert.equal(run.code, 0, run.stderr);
  const body = JSON.parse(run.stdout);
  assert.deepEqual([body.waived, body.scenario, body.expires_at, body.username], [false, 'x86_64', '2031-01-01T00:00:00', 'alice']);
  assert.deepEqual((await list('subject_identifier=zsh-5.9-1.fc40'))[0], body);
});

test('waive --username: a superuser proxies; anyone else gets the server message, exit 1', async () => {
  const ok = await cli([...waive('vim-9.1-1.fc40', '--username', 'packager'), '--token', tokens.bodhi]);
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /^username: +packager\nproxied by: +bodhi\n/m);
  const denied = await cli([...waive('vim-9.1-1.fc40', '--username', 'packager'), '--token', tokens.alice]);
  assertFailed(denied, 1, /^resultsdb: server returned 403: user alice does not have the proxyuser ability\n$/);
});

test('waive: 401 without a token, 403 for a testcase the user may not waive, validation errors', async () => {
  const [anonymous, forbidden, empty] = await Promise.all([
    cli(waive('a-1-1')),
    cli(waiveAs('a-1-1', { testcase: 'kernel.boot' }, '--token', tokens.alice)),
    cli(waiveAs('a-1-1', { productVersion: '' }, '--token', tokens.alice)),
  ]);
  assertFailed(anonymous, 1, /server returned 401: Authentication failed: - Authentication method token failed: 401 Unauthorized: No bearer token/);
  assertFailed(forbidden, 1, /server returned 403: User alice is not authorized to submit results for the test case kernel\.boot$/m);
  assertFailed(empty, 1, /server returned 400: product_version: String should have at least 1 character$/m);
  assert.deepEqual(await list('subject_identifier=a-1-1'), []);
});

test('usage errors exit 2 before any request', async () => {
  const [missing, expires, limit] = await Promise.all([
    cli(['waive', '--subject-type', 'koji_build']),
    cli([...waive('b-1-1'), '--expires-at', 'tomorrow']),
    cli(['waivers', '--limit', '0']),
  ]);
  assertFailed(missing, 2, /required option '--subject-identifier <id>' not specified/);
  assertFailed(expires, 2, /--expires-at must be an ISO 8601 time/);
  assertFailed(limit, 2, /--limit must be an integer from 1/);
});

test('waivers: a table of current waivers, filters, --include-obsolete, paging, --json', async () => {
  const subject = 'curl-8.6-1.fc40';
  // Created over HTTP: `waive` itself is covered above.
  for (const [testcase, waived] of [['dist.rpmlint', true], ['dist.abicheck', true], ['dist.rpmlint', false]] as const) {
    const res = await fetch(`${server.url}/api/v1.0/waivers/`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens.alice}` },
      body: JSON.stringify({ subject_type: 'koji_build', subject_identifier: subject, testcase, waived, product_version: 'fedora-40', comment: 'c' }),
    });
    assert.equal(res.status, 201);
  }
  const current = await list(`subject_identifier=${subject}`);
  assert.equal(current.length, 2);
  const [table, all, first, json, none, badSince] = await Promise.all([
    cli(['waivers', '--subject-identifier', subject]),
    cli(['waivers', '--subject-identifier', subject, '--include-obsolete', '--testcase', 'dist.rpmlint', '--username', 'alice']),
    cli(['waivers', '--subject-identifier', subject, '--limit', '1']),
    cli(['waivers', '--subject-identifier', subject, '--json']),
    cli(['waivers', '--subject-identifier', 'nothing-1-1', '--since', '2024-01-01,']),
    cli(['waivers', '--since', 'yesterday']),
  ]);
  assert.equal(table.code, 0, table.stderr);
  const lines = table.stdout.trimEnd().split('\n');
  assert.match(lines[0], /^ID +TIMESTAMP +WAIVED +SUBJECT TYPE +SUBJECT IDENTIFIER +TESTCASE +SCENARIO +PRODUCT VERSION +USERNAME +EXPIRES$/);
  assert.equal(lines.length, 3);
  assert.match(lines[1], new RegExp(`^${current[0].id} +\\S+ +no +koji_build +${subject} +dist\\.rpmlint +fedora-40 +alice$`));
  assert.match(lines[2], new RegExp(`^${current[1].id} +\\S+ +yes +koji_build +${subject} +dist\\.abicheck +fedora-40 +alice$`));

  assert.equal(all.stdout.trimEnd().split('\n').length, 3);

  assert.equal(first.code, 0, first.stderr);
  assert.equal(first.stdout.trimEnd().split('\n').at(-1), `next page: ${server.url}/api/v1.0/waivers/?page=2&subject_identifier=${subject}&limit=1`);
  assert.deepEqual(first.stdout.split('\n').slice(0, 2).map((l) => l.split(/ +/)[0]), ['ID', String(current[0].id)]);

  assert.deepEqual(JSON.parse(json.stdout).data, current);

  assert.equal(none.stdout, 'no waivers\n');
  assertFailed(badSince, 1, /server returned 400: \{"since":"Invalid isoformat string: 'yesterday'"\}/);
});
