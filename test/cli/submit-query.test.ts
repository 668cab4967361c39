/** End to end: the real server in a child process, the CLI as another child process, assertions via fetch. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, runCli, startServer, type Run, type ServerProcess } from '../helpers/processes.ts';

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));

let server: ServerProcess;
let url = '';
let tmp = '';

before(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'resultsdb-cli-'));
  server = await startServer(['--database', `sqlite:${tmp}/t.sqlite`]);
  url = server.url;
});

after(async () => {
  await server?.stop();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

/** Runs `resultsdb <args>` against the test server (unless `--url` is among the args). */
function cli(args: string[], env: Record<string, string> = {}): Promise<Run> {
  const withUrl = args.includes('--url') || 'RESULTSDB_URL' in env ? args : [...args, '--url', url];
  return runCli(withUrl, { RESULTSDB_URL: '', ...env });
}

async function get(path: string): Promise<any> {
  const res = await fetch(`${url}/api/v2.0${path}`);
  assert.equal(res.status, 200, `GET ${path}: ${res.status}`);
  return res.json();
}

/** Exit 2 with exactly one `resultsdb: …` line on stderr and nothing on stdout. */
function assertUsageError(run: Run, pattern: RegExp): void {
  assert.equal(run.code, 2, `exit code; stderr: ${run.stderr}`);
  assert.match(run.stderr, /^resultsdb: [^\n]+\n$/);
  assert.match(run.stderr, pattern);
  assert.equal(run.stdout, '');
}

async function submitJunit(file: string, ...extra: string[]): Promise<{ run: Run; uuid: string }> {
  const run = await cli(['submit', '--junit', fixture(file), ...extra]);
  assert.equal(run.code, 0, run.stderr);
  const m = /^(\d+) results in group ([0-9a-f-]{36})\n$/.exec(run.stdout);
  assert.ok(m, `summary line: ${JSON.stringify(run.stdout)}`);
  return { run, uuid: m[2] };
}

test('submit from flags: repeated --data becomes a list, item/type/note/ref_url/group/submit_time are sent', async () => {
  const group = randomUUID();
  const run = await cli([
    'submit', '--testcase', 'cli.flags', '--outcome', 'PASSED', '--item', 'foo-1.0-1.fc40', '--type', 'koji_build',
    '--note', 'all good', '--ref-url', 'https://ci.example.com/1', '--data', 'k=v', '--data', 'k=w', '--data', 'empty=',
    '--group', group, '--submit-time', '2024-01-02T03:04:05',
  ]);
  assert.equal(run.code, 0, run.stderr);
  const m = /^(\d+) (\S+)\n$/.exec(run.stdout);
  assert.ok(m, `id and href: ${JSON.stringify(run.stdout)}`);
  assert.match(m[2], new RegExp(`/api/v2.0/results/${m[1]}$`));

  const r = await get(`/results/${m[1]}`);
  assert.equal(r.testcase.name, 'cli.flags');
  assert.equal(r.outcome, 'PASSED');
  assert.equal(r.note, 'all good');
  assert.equal(r.ref_url, 'https://ci.example.com/1');
  assert.deepEqual(r.groups, [group]);
  assert.match(r.submit_time, /^2024-01-02T03:04:05/);
  assert.deepEqual(r.data, { item: ['foo-1.0-1.fc40'], type: ['koji_build'], k: ['v', 'w'], empty: [''] });
});

test('submit --json prints the created result; --submit-time with an offset is converted', async () => {
  const run = await cli(['submit', '--testcase', 'cli.json', '--outcome', 'FAILED', '--submit-time', '2024-01-02T05:04:05+02:00', '--json']);
  assert.equal(run.code, 0, run.stderr);
  const body = JSON.parse(run.stdout);
  assert.equal(body.outcome, 'FAILED');
  assert.equal(body.testcase.name, 'cli.json');
  assert.match(body.submit_time, /^2024-01-02T03:04:05/);
  assert.equal((await get(`/results/${body.id}`)).outcome, 'FAILED');
});

test('submit --junit: one result per testcase, all in one new group, mapped outcomes and notes', async () => {
  const { uuid } = await submitJunit('junit-pytest.xml', '--item', 'pkg-1.0', '--type', 'koji_build');

  const group = await get(`/groups/${uuid}`);
  assert.equal(group.description, 'JUnit junit-pytest.xml');
  const { data } = await get(`/results?groups=${uuid}&limit=50`);
  const byName = Object.fromEntries(data.map((r: any) => [r.testcase.name, r]));
  assert.deepEqual(Object.keys(byName).sort(), [
    'pytest.tests.test_io.test_read[latin-1]', 'pytest.tests.test_io.test_read[utf-8]',
    'pytest.tests.test_math.test_add', 'pytest.tests.test_math.test_divide', 'pytest.tests.test_math.test_windows_only',
  ]);
  assert.equal(byName['pytest.tests.test_math.test_add'].outcome, 'PASSED');
  assert.equal(byName['pytest.tests.test_math.test_divide'].outcome, 'FAILED');
  assert.equal(byName['pytest.tests.test_math.test_divide'].note, 'ZeroDivisionError: division by zero');
  assert.equal(byName['pytest.tests.test_math.test_windows_only'].outcome, 'INFO');
  assert.equal(byName['pytest.tests.test_io.test_read[utf-8]'].outcome, 'ERROR');
  assert.deepEqual(byName['pytest.tests.test_math.test_add'].data, { item: ['pkg-1.0'], type: ['koji_build'], junit_time: ['0.001'] });
  for (const r of data) assert.deepEqual(r.groups, [uuid]);
});

test('submit --junit --json with nested suites and a prefix', async () => {
  const run = await cli(['submit', '--junit', fixture('junit-surefire-nested.xml'), '--item', 'app-2.3', '--testcase-prefix', 'mvn', '--json']);
  assert.equal(run.code, 0, run.stderr);
  const out = JSON.parse(run.stdout);
  assert.equal(out.count, 5);
  assert.equal(out.results.length, 5);
  assert.equal(out.group.description, 'JUnit junit-surefire-nested.xml');
  assert.deepEqual(
    out.results.map((r: any) => [r.testcase.name, r.outcome]),
    [
      ['mvn.com.example.ParserTest.parsesEmptyInput', 'PASSED'],
      ['mvn.com.example.ParserTest.rejectsGarbage', 'FAILED'],
      ['mvn.com.example.ParserTest.flakyNetwork', 'PASSED'],
      ['mvn.com.example.io.ReaderTest.readsLargeFiles', 'INFO'],
      ['mvn.Nested.com.example.io.ReaderTest$Nested.readsUtf8', 'PASSED'],
    ],
  );
  assert.equal((await get(`/results?groups=${out.group.uuid}`)).data.length, 5);
});

test('bad arguments: exit 2 with one line on stderr, nothing sent', async () => {
  const before = (await get('/results?limit=1')).data[0]?.id;
  assertUsageError(await cli(['submit', '--outcome', 'PASSED']), /--testcase is required/);
  assertUsageError(await cli(['submit', '--testcase', 'x']), /--outcome is required/);
  assertUsageError(await cli(['submit', '--testcase', 'x', '--outcome', 'PASSED', '--data', 'novalue']), /--data expects KEY=VALUE/);
  assertUsageError(await cli(['submit', '--testcase', 'x', '--outcome', 'PASSED', '--url', 'not a url']), /invalid --url/);
  assertUsageError(await cli(['submit', '--testcase', 'x', '--outcome', 'PASSED', '--submit-time', 'yesterday']), /--submit-time must be ISO 8601/);
  assertUsageError(await cli(['submit', '--junit', fixture('junit-pytest.xml')]), /requires --item/);
  assertUsageError(await cli(['submit', '--junit', fixture('junit-malformed.xml'), '--item', 'x']), /junit-malformed\.xml: malformed XML at line \d+/);
  assertUsageError(await cli(['submit', '--junit', fixture('junit-empty.xml'), '--item', 'x']), /no <testcase> elements/);
  assertUsageError(await cli(['submit', '--junit', join(tmp, 'missing.xml'), '--item', 'x']), /cannot read .*ENOENT/);
  assertUsageError(await cli(['query', '--distinct-on', 'item']), /only applies with --latest/);
  assertUsageError(await cli(['query', '--sort', 'sideways']), /--sort must be asc or desc/);
  assertUsageError(await cli(['query', '--limit', '0']), /--limit must be an integer/);
  assertUsageError(await cli(['query', '--data', 'x']), /--data expects KEY=VALUE/);
  assert.equal((await get('/results?limit=1')).data[0]?.id, before);
});

test('server errors and connection failures: exit 1 with one line on stderr', async () => {
  const bad = await cli(['submit', '--testcase', 'x', '--outcome', 'NOT_AN_OUTCOME']);
  assert.equal(bad.code, 1, bad.stderr);
  assert.match(bad.stderr, /^resultsdb: server returned 400 for POST \/api\/v2\.0\/results: [^\n]*outcome[^\n]*\n$/);

  const closed = await freePort();
  const down = await cli(['query', '--url', `http://127.0.0.1:${closed}`]);
  assert.equal(down.code, 1);
  assert.match(down.stderr, /^resultsdb: cannot connect to http:\/\/127\.0\.0\.1:\d+: ECONNREFUSED\n$/);
});

test('a server that is not resultsdb (a login page answering 200, a reset connection) is an error, never success', async () => {
  const { createServer } = await import('node:http');
  const login = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<html>Sign in</html>'));
  const other = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok": true}'));
  const reset = createServer((req) => req.socket.destroy());
  const listen = (s: import('node:http').Server) => new Promise<string>((r) => s.listen(0, '127.0.0.1', () => r(`http://127.0.0.1:${(s.address() as { port: number }).port}`)));
  try {
    const [html, json, gone] = [await listen(login), await listen(other), await listen(reset)];
    for (const args of [['submit', '--testcase', 'a', '--outcome', 'PASSED'], ['submit', '--junit', fixture('junit-pytest.xml'), '--item', 'x'], ['query'], ['query', '--json']]) {
      const r = await cli([...args, '--url', html]);
      assert.equal(r.code, 1, `${args.join(' ')}: ${r.stdout}`);
      assert.match(r.stderr, /^resultsdb: [^\n]*without a JSON object[^\n]*is it a resultsdb server\?[^\n]*\n$/, args.join(' '));
    }
    const notResult = await cli(['submit', '--testcase', 'a', '--outcome', 'PASSED', '--url', json]);
    assert.equal(notResult.code, 1);
    assert.match(notResult.stderr, /no result id/);
    const lost = await cli(['submit', '--testcase', 'a', '--outcome', 'PASSED', '--url', gone]);
    assert.equal(lost.code, 1, lost.stderr);
    assert.match(lost.stderr, /^resultsdb: [^\n]+\n$/);
  } finally {
    for (const s of [login, other, reset]) s.close();
  }
});

test('query into a reader that goes away (| head) ends quietly with exit 0', async () => {
  const { spawn } = await import('node:child_process');
  const { BIN } = await import('../helpers/processes.ts');
  await cli(['submit', '--junit', fixture('junit-pytest.xml'), '--item', 'epipe-1.0']);
  for (const extra of [[], ['--json']]) {
    const child = spawn(process.execPath, [BIN, 'query', '--limit', '100', '--url', url, ...extra], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (c) => (stderr += c));
    const [code] = await new Promise<[number | null]>((r) => child.on('exit', (c) => r([c])));
    assert.deepEqual([code, stderr], [0, ''], extra.join(' '));
  }
});

test('query: aligned table, filters, paging, --json and RESULTSDB_URL', async () => {
  const { uuid } = await submitJunit('junit-pytest.xml', '--item', 'table-1.0');

  const all = await cli(['query', '--groups', uuid]);
  assert.equal(all.code, 0, all.stderr);
  const lines = all.stdout.trimEnd().split('\n');
  assert.match(lines[0], /^ID +SUBMIT TIME +OUTCOME +TESTCASE +ITEM$/);
  assert.equal(lines.length, 6);
  // every row's OUTCOME and TESTCASE cells start under their headers
  for (const line of lines.slice(1)) {
    assert.match(line.slice(lines[0].indexOf('OUTCOME')), /^(PASSED|FAILED|INFO|ERROR) /);
    assert.match(line.slice(lines[0].indexOf('TESTCASE')), /^pytest\.\S+ +table-1\.0$/);
  }

  const like = await cli(['query', '--groups', uuid, '--testcases-like', 'pytest.tests.test_math.*', '--outcome', 'PASSED,FAILED']);
  assert.equal(like.code, 0, like.stderr);
  assert.deepEqual(like.stdout.trimEnd().split('\n').slice(1).map((l) => l.split(/ {2,}/)[2]).sort(), ['FAILED', 'PASSED']);

  const data = await cli(['query', '--data', 'item:like=table-*', '--item', 'table-1.0', '--testcases', 'pytest.tests.test_math.test_add']);
  assert.equal(data.stdout.trimEnd().split('\n').length, 2, data.stdout + data.stderr);

  const paged = await cli(['query', '--groups', uuid, '--limit', '2', '--sort', 'asc']);
  assert.equal(paged.code, 0, paged.stderr);
  const pagedLines = paged.stdout.trimEnd().split('\n');
  assert.equal(pagedLines.length, 4);
  assert.match(pagedLines[3], /^next page: http:\/\/\S+page=1/);

  const json = await cli(['query', '--groups', uuid, '--json'], { RESULTSDB_URL: url });
  assert.equal(json.code, 0, json.stderr);
  const body = JSON.parse(json.stdout);
  assert.equal(body.data.length, 5);
  assert.equal(body.next, null);

  const latest = await cli(['query', '--latest', '--testcases', 'pytest.tests.test_math.test_add', '--item', 'table-1.0', '--distinct-on', 'item', '--json']);
  assert.equal(latest.code, 0, latest.stderr);
  assert.deepEqual(JSON.parse(latest.stdout).data.map((r: any) => r.testcase.name), ['pytest.tests.test_math.test_add']);

  const none = await cli(['query', '--testcases', 'no.such.testcase']);
  assert.deepEqual([none.code, none.stdout], [0, 'no results\n']);
});

test('submit --help documents the JUnit mapping', async () => {
  const run = await cli(['submit', '--help']);
  assert.match(run.stdout, /ERROR if the testcase has <error>, else FAILED if <failure>, else INFO if <skipped>, else PASSED/);
  assert.match(run.stdout, /\[PREFIX\.\]SUITE\.CLASSNAME\.NAME/);
});
