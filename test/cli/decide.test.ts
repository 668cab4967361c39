/** End to end: `resultsdb decide` against a real server process with a policy directory. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApiToken } from '../../src/auth/tokenStore.ts';
import { outcomeOf } from '../../src/cli/decide.ts';
import { openStore } from '../../src/store/connection.ts';
import { freePort, runCli, startServer, type Run, type ServerProcess } from '../helpers/processes.ts';

const POLICY = `--- !Policy
id: cli_gate
product_versions: [fedora-*]
decision_contexts: [cli_gate]
subject_type: koji_build
rules:
  - !PassingTestCaseRule {test_case_name: dist.rpmlint}
  - !PassingTestCaseRule {test_case_name: dist.abicheck}
`;

let server: ServerProcess;
let tmp = '';

before(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'resultsdb-decide-'));
  await mkdir(join(tmp, 'policies'));
  await writeFile(join(tmp, 'policies', 'cli.yaml'), POLICY);
  server = await startServer(['--database', `sqlite:${tmp}/t.sqlite`, '--policies', join(tmp, 'policies')]);
});

after(async () => {
  await server?.stop();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

function cli(args: string[]): Promise<Run> {
  return runCli(['decide', ...args, '--url', server.url], { RESULTSDB_URL: '' });
}

const decide = (...subjects: string[]) => [...subjects.flatMap((s) => ['--subject', s]), '--context', 'cli_gate', '--product-version', 'fedora-40'];

async function submit(item: string, testcase: string, outcome: string): Promise<number> {
  const res = await fetch(`${server.url}/api/v2.0/results`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ testcase: { name: testcase }, outcome, data: { item, type: 'koji_build' } }),
  });
  assert.equal(res.status, 201, await res.clone().text());
  return (await res.json()).id;
}

async function decision(body: Record<string, unknown>): Promise<any> {
  const res = await fetch(`${server.url}/api/v1.0/decision`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  assert.equal(res.status, 200);
  return res.json();
}

/** Exit `code` with one `resultsdb: …` line matching `pattern` on stderr and nothing on stdout. */
function assertFailed(run: Run, code: number, pattern: RegExp): void {
  assert.equal(run.code, code, `exit code; stderr: ${run.stderr}`);
  assert.match(run.stderr, /^resultsdb: [^\n]+\n$/);
  assert.match(run.stderr, pattern);
  assert.equal(run.stdout, '');
}

const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

test('a failing decision: verdict, policies, unsatisfied rows first with outcome and result link; exit 3; then PASSED, exit 0', async () => {
  const nvr = 'bash-5.2-1.fc40';
  const failed = await submit(nvr, 'dist.rpmlint', 'NEEDS_INSPECTION');
  const run = await cli(decide(nvr));
  assert.equal(run.code, 3, run.stderr);
  assert.equal(run.stderr, '');
  const lines = run.stdout.trimEnd().split('\n');
  assert.equal(lines[0], 'FAILED: Of 2 required tests, 1 result missing, 1 test failed');
  assert.equal(lines[1], 'Applicable policies: cli_gate');
  assert.equal(lines[2], '');
  assert.match(lines[3], /^STATUS +TESTCASE +SCENARIO +OUTCOME +RESULT +WAIVER$/);
  // The real outcome (verbose is always asked for), not the FAILED the type implies.
  assert.match(lines[4], new RegExp(`^test-result-failed +dist\\.rpmlint +NEEDS_INSPECTION +${failed} ${esc(server.url)}/api/v2\\.0/results/${failed}$`));
  assert.match(lines[5], /^test-result-missing +dist\.abicheck +MISSING$/);
  assert.equal(lines.length, 6);
  // Columns line up: OUTCOME starts at the same offset in every row.
  const at = lines[3].indexOf('OUTCOME');
  assert.deepEqual([lines[4].slice(at, at + 16), lines[5].slice(at, at + 7)], ['NEEDS_INSPECTION', 'MISSING']);

  const [rpmlint, abicheck] = [await submit(nvr, 'dist.rpmlint', 'PASSED'), await submit(nvr, 'dist.abicheck', 'INFO')];
  const passed = await cli([...decide(nvr), '--verbose']);
  assert.equal(passed.code, 0, passed.stderr);
  const out = passed.stdout.trimEnd().split('\n');
  assert.equal(out[0], 'PASSED: All required tests (2 total) have passed or been waived');
  assert.match(out[4], new RegExp(`^test-result-passed +dist\\.rpmlint +PASSED +${rpmlint} \\S+/results/${rpmlint}$`));
  assert.match(out[5], new RegExp(`^test-result-passed +dist\\.abicheck +INFO +${abicheck} \\S+/results/${abicheck}$`));
  assert.deepEqual(out.slice(6), ['', 'Waivers: none']);
});

test('--json prints exactly the decision the API gives for the same request', async () => {
  const nvr = 'zsh-5.9-1.fc40';
  await submit(nvr, 'dist.rpmlint', 'PASSED');
  const base = { subject_type: 'koji_build', subject_identifier: nvr, decision_context: 'cli_gate', product_version: 'fedora-40' };
  const [plain, verbose] = await Promise.all([cli([...decide(nvr), '--json']), cli([...decide(nvr), '--json', '--verbose'])]);
  assert.equal(plain.code, 3, plain.stderr);
  assert.deepEqual(JSON.parse(plain.stdout), await decision({ ...base, verbose: false }));
  assert.equal(plain.stdout, JSON.stringify(JSON.parse(plain.stdout), null, 2) + '\n');
  assert.equal(verbose.code, 3, verbose.stderr);
  const body = JSON.parse(verbose.stdout);
  assert.deepEqual(body, await decision({ ...base, verbose: true }));
  assert.equal(body.results.length, 1);
});

test('several --subject values use the multi-subject form and add a SUBJECT column; several --context values', async () => {
  const [a, b] = ['curl-8.6-1.fc40', 'wget-1.21-1.fc40'];
  for (const nvr of [a, b]) for (const tc of ['dist.rpmlint', 'dist.abicheck']) await submit(nvr, tc, 'PASSED');
  await submit(b, 'dist.abicheck', 'ERROR');
  const run = await cli([...decide(a, b), '--context', 'cli_gate']);
  assert.equal(run.code, 3, run.stderr);
  const lines = run.stdout.trimEnd().split('\n');
  assert.equal(lines[0], 'FAILED: Of 4 required tests, 1 test errored');
  assert.equal(lines[1], 'Applicable policies: cli_gate'); // listed once although both subjects matched it
  assert.match(lines[3], /^SUBJECT +STATUS +TESTCASE +SCENARIO +OUTCOME +RESULT +WAIVER$/);
  assert.match(lines[4], new RegExp(`^${esc(b)} +test-result-errored +dist\\.abicheck +ERROR +\\d+ `));
  assert.deepEqual(lines.slice(5).map((l) => l.split(/ +/).slice(0, 3).join(' ')), [
    `${a} test-result-passed dist.rpmlint`, `${a} test-result-passed dist.abicheck`, `${b} test-result-passed dist.rpmlint`,
  ]);
  const json = JSON.parse((await cli([...decide(a, b), '--context', 'other', '--json'])).stdout);
  const multi = { subject: [a, b].map((item) => ({ type: 'koji_build', item })), decision_context: ['cli_gate', 'other'], product_version: 'fedora-40', verbose: false };
  assert.deepEqual(json, await decision(multi));
});

test('a waived failure: WAIVER column, the real outcome, exit 0; --verbose lists the waiver; --when before the results', async () => {
  const nvr = 'vim-9.1-1.fc40';
  const failed = await submit(nvr, 'dist.rpmlint', 'FAILED');
  await submit(nvr, 'dist.abicheck', 'PASSED');
  const store = openStore(`sqlite:${tmp}/t.sqlite`);
  const { token } = await createApiToken(store, { user: 'alice' });
  await store.close();
  const res = await fetch(`${server.url}/api/v1.0/waivers/`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ subject_type: 'koji_build', subject_identifier: nvr, testcase: 'dist.rpmlint', waived: true, product_version: 'fedora-40', comment: 'known' }),
  });
  assert.equal(res.status, 201, await res.clone().text());
  const waiver = (await res.json()).id;

  const run = await cli([...decide(nvr), '--verbose']);
  assert.equal(run.code, 0, run.stderr);
  const lines = run.stdout.trimEnd().split('\n');
  assert.equal(lines[0], 'PASSED: All required tests (2 total) have passed or been waived');
  assert.match(lines[4], new RegExp(`^test-result-failed-waived +dist\\.rpmlint +FAILED +${failed} \\S+/results/${failed} +${waiver}$`));
  assert.equal(lines[7], 'Waivers:');
  assert.match(lines[8], /^ID +TIMESTAMP +WAIVED /);
  assert.match(lines[9], new RegExp(`^${waiver} +\\S+ +yes +koji_build +${esc(nvr)} +dist\\.rpmlint +fedora-40 +alice$`));

  // As of 2000 neither the results nor the waiver existed.
  const early = await cli([...decide(nvr), '--when', '2000-01-01T00:00:00Z']);
  assert.equal(early.code, 3, early.stderr);
  assert.match(early.stdout, /^FAILED: Of 2 required tests, 2 results missing\n/);
});

test('without a listed result the outcome comes from the requirement type', () => {
  const none = new Map<unknown, string>();
  const outcomes = [
    { type: 'test-result-passed', result_id: 1 }, { type: 'test-result-failed', result_id: 2 }, { type: 'test-result-errored', result_id: 3 },
    { type: 'test-result-missing', result_id: 4 }, { type: 'test-result-missing' }, { type: 'test-result-failed-waived', result_id: 5 },
    { type: 'test-result-missing-waived' }, { type: 'excluded' },
  ].map((r) => outcomeOf(r, none));
  assert.deepEqual(outcomes, ['PASSED', 'FAILED', 'ERROR', 'INCOMPLETE', 'MISSING', 'WAIVED', 'WAIVED', '']);
  assert.equal(outcomeOf({ type: 'test-result-failed', result_id: 2 }, new Map([[2, 'NEEDS_INSPECTION']])), 'NEEDS_INSPECTION');
});

test('a context without a policy prints the server message, exit 1', async () => {
  const run = await cli(['--subject', 'bash-5.2-1.fc40', '--context', 'nope', '--product-version', 'fedora-40']);
  assertFailed(run, 1, /^resultsdb: Found no applicable policies for koji_build subjects at gating point\(s\) nope in fedora-40\n$/);
});

test('bad arguments exit 2 with one line, before any request; no server is exit 1', async () => {
  const [noPv, noSubject, noContext, badWhen, empty, unreachable] = await Promise.all([
    cli(['--subject', 'a-1-1', '--context', 'cli_gate']),
    cli(['--context', 'cli_gate', '--product-version', 'fedora-40']),
    cli(['--subject', 'a-1-1', '--product-version', 'fedora-40']),
    cli([...decide('a-1-1'), '--when', 'yesterday']),
    cli([...decide('a-1-1'), '--subject', ' ']),
    freePort().then((port) => runCli(['decide', ...decide('a-1-1'), '--url', `http://127.0.0.1:${port}`])),
  ]);
  assertFailed(noPv, 2, /required option '--product-version <pv>' not specified/);
  assertFailed(noSubject, 2, /required option '--subject <id>' not specified/);
  assertFailed(noContext, 2, /required option '--context <ctx>' not specified/);
  assertFailed(badWhen, 2, /--when must be an ISO 8601 time/);
  assertFailed(empty, 2, /--subject must not be empty/);
  assertFailed(unreachable, 1, /^resultsdb: cannot connect to http:\/\/127\.0\.0\.1:\d+: ECONNREFUSED$/m);
});

test('--help documents the exit status', async () => {
  const run = await runCli(['decide', '--help']);
  assert.equal(run.code, 0);
  assert.match(run.stdout, /Exit status:\n +0 +policies satisfied\n +3 +policies not satisfied\n/);
});
