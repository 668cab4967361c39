/** `serve --policies DIR` / config `policies:` and `gating:`: loading, SIGHUP reload, bad files. */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCli, startServer, stopAll } from '../helpers/processes.ts';

let tmp: string;
before(async () => void (tmp = await mkdtemp(join(tmpdir(), 'resultsdb-policies-'))));
after(async () => {
  await stopAll();
  await rm(tmp, { recursive: true, force: true });
});

const policy = (id: string, testcase: string) =>
  `--- !Policy\nid: ${id}\nproduct_versions: [fedora-*]\ndecision_contexts: [gate]\nsubject_type: koji_build\nrules:\n  - !PassingTestCaseRule {test_case_name: ${testcase}}\n`;

const ids = async (url: string) => ((await (await fetch(`${url}/api/v1.0/policies`)).json()) as { policies: { id: string }[] }).policies.map((p) => p.id);

async function waitFor(check: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('serve with policies', () => {
  it('loads --policies DIR, reloads on SIGHUP, keeps the old set when the new one is broken', async () => {
    const dir = join(tmp, 'p1');
    await mkdir(dir);
    await writeFile(join(dir, 'a.yaml'), policy('first', 'dist.a'));
    const srv = await startServer(['--database', `sqlite:${join(tmp, 'p1.sqlite')}`, '--policies', dir]);
    assert.deepEqual(await ids(srv.url), ['first']);
    await writeFile(join(dir, 'b.yaml'), policy('second', 'dist.b'));
    srv.proc.kill('SIGHUP');
    await waitFor(async () => (await ids(srv.url)).length === 2, 'the reload');
    assert.deepEqual(await ids(srv.url), ['first', 'second']);
    // A typo makes the reload fail: the policies in force stay, and the server keeps answering.
    await writeFile(join(dir, 'b.yaml'), policy('second', 'dist.b') + 'excluded_package: [x]\n');
    srv.proc.kill('SIGHUP');
    await waitFor(async () => srv.log().includes('policy reload failed'), 'the failure to be logged');
    assert.match(srv.log(), /excluded_package/);
    assert.deepEqual(await ids(srv.url), ['first', 'second']);
    const d = await fetch(`${srv.url}/api/v1.0/decision`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ decision_context: 'gate', product_version: 'fedora-40', subject_type: 'koji_build', subject_identifier: 'x-1-1.fc40' }),
    });
    assert.equal(((await d.json()) as { summary: string }).summary, 'Of 2 required tests, 2 results missing');
  });

  it('a broken policy file stops the start, naming the file and the key', async () => {
    const dir = join(tmp, 'bad');
    await mkdir(dir);
    await writeFile(join(dir, 'bad.yaml'), policy('p', 't') + 'blacklist: [x]\n');
    const run = await runCli(['serve', '--port', '0', '--database', `sqlite:${join(tmp, 'bad.sqlite')}`, '--policies', dir]);
    assert.notEqual(run.code, 0);
    assert.match(run.stderr, /bad\.yaml/);
    assert.match(run.stderr, /blacklist/);
  });

  it('takes policies and gating settings from the config file; unknown gating keys are refused', async () => {
    const dir = join(tmp, 'p2');
    await mkdir(dir);
    await writeFile(join(dir, 'x.yaml'), policy('from_config', 't'));
    const config = join(tmp, 'gating.yaml');
    await writeFile(config, [
      `policies: ${dir}`,
      'gating:',
      '  koji_url: http://127.0.0.1:9/kojihub',
      '  outcomes_passed: [PASSED, INFO, NEEDS_INSPECTION]',
      '  remote_rule_policies: {"*": "https://git.example/{pkg_name}.yaml"}',
      '  subject_types:',
      '    - {id: container-image, item_key: image, ignore_missing_policy: true}',
    ].join('\n'));
    const srv = await startServer(['--database', `sqlite:${join(tmp, 'p2.sqlite')}`, '--config', config]);
    assert.deepEqual(await ids(srv.url), ['from_config']);
    const landing = (await (await fetch(`${srv.url}/api/v1.0/`)).json()) as Record<string, unknown>;
    assert.deepEqual(landing.outcomes_passed, ['PASSED', 'INFO', 'NEEDS_INSPECTION']);
    assert.equal(landing.koji_api, 'http://127.0.0.1:9/kojihub');
    const types = (await (await fetch(`${srv.url}/api/v1.0/subject_types`)).json()) as { subject_types: { id: string; ignore_missing_policy: boolean }[] };
    assert.equal(types.subject_types.find((t) => t.id === 'container-image')?.ignore_missing_policy, true);
    const bad = join(tmp, 'bad-gating.yaml');
    await writeFile(bad, 'gating:\n  koji: http://x\n');
    const run = await runCli(['serve', '--config', bad]);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /unknown key: gating\.koji/);
  });
});
