/** End to end: `resultsdb policies check DIR` on good and bad policy directories. */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { runCli } from '../helpers/processes.ts';

let tmp = '';
before(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'resultsdb-policies-cli-'));
});
after(async () => {
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

const policy = (id: string, extra = '') =>
  `--- !Policy\nid: ${id}\nproduct_versions: [fedora-*]\ndecision_contexts: [bodhi_update_push_stable]\nsubject_type: koji_build\nrules:\n  - !PassingTestCaseRule {test_case_name: dist.rpmlint}\n${extra}`;

async function dir(name: string, files: Record<string, string>): Promise<string> {
  const d = join(tmp, name);
  await mkdir(d);
  for (const [file, text] of Object.entries(files)) await writeFile(join(d, file), text);
  return d;
}

test('policies check: a valid directory prints the counts and exits 0', async () => {
  const d = await dir('good', { 'fedora.yaml': policy('a') + policy('b'), 'rhel.yaml': policy('c'), 'README.md': 'not a policy' });
  const run = await runCli(['policies', 'check', d]);
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.stdout, 'OK: 3 policies in 2 files\n');
  assert.equal(run.stderr, '');
});

test('policies check: an invalid policy names file, policy and key on one line, exit 1', async () => {
  const d = await dir('bad', { 'a.yaml': policy('a'), 'b.yaml': policy('b', 'excluded_package: [python2-*]\n') });
  const run = await runCli(['policies', 'check', d]);
  assert.equal(run.code, 1);
  assert.equal(run.stdout, '');
  assert.equal(run.stderr, `resultsdb: ${join(d, 'b.yaml')}: Policy 'b': Unknown attribute 'excluded_package'\n`);
});

test('policies check: duplicate ids and a missing directory fail with exit 1', async () => {
  const d = await dir('dup', { 'a.yaml': policy('same'), 'b.yaml': policy('same') });
  const dup = await runCli(['policies', 'check', d]);
  assert.equal(dup.code, 1);
  assert.equal(dup.stderr, `resultsdb: ${join(d, 'b.yaml')}: Policy 'same': duplicate policy id (also in ${join(d, 'a.yaml')})\n`);
  const missing = await runCli(['policies', 'check', join(tmp, 'absent')]);
  assert.equal(missing.code, 1);
  assert.equal(missing.stderr, `resultsdb: cannot read policy directory ${join(tmp, 'absent')}: no such file or directory\n`);
});
