/**
 * RemoteRule and valid_since over HTTP: a real Koji XML-RPC server and a real file server, started
 * locally, queried by the decision endpoint.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DEFAULTS, type GatingConfig } from '../../src/config/config.ts';
import { parseServerPolicies } from '../../src/gating/policyYaml.ts';
import { createGating } from '../../src/gating/service.ts';
import { buildApp } from '../../src/http/app.ts';
import { allowedOutcomes } from '../../src/results/outcomes.ts';
import { post, postResult } from '../helpers/http.ts';
import { startFakeKoji, startFileServer, type FakeKoji, type FileServer } from '../helpers/koji.ts';
import { freshStore, type TestApp } from '../helpers/stores.ts';
import { insertRow } from '../helpers/waivers.ts';

const POLICIES = `
--- !Policy
id: remote_gate
product_versions: [fedora-*]
decision_contexts: [gate]
subject_type: koji_build
rules:
  - !RemoteRule {required: true}
--- !Policy
id: dated
product_versions: [fedora-*]
decision_contexts: [dated]
subject_type: koji_build
rules:
  - !PassingTestCaseRule {test_case_name: old.test, valid_until: 2021-10-02}
  - !PassingTestCaseRule {test_case_name: new.test, valid_since: 2021-10-02}
`;

const GATING_YAML = `--- !Policy
id: from_dist_git
product_versions: [fedora-*]
decision_contexts: [gate]
rules:
  - !PassingTestCaseRule {test_case_name: pkg.smoke}
--- !Policy
id: other_context
product_versions: [fedora-*]
decision_contexts: [elsewhere]
rules:
  - !PassingTestCaseRule {test_case_name: never.required}
`;

describe('RemoteRule and Koji over HTTP (sqlite)', () => {
  let app: TestApp;
  let koji: FakeKoji;
  let files: FileServer;
  const build = (name: string, source: string | null, created = '2021-10-05 10:00:00.000000') =>
    ({ name, nvr: `${name}-1.0-1.fc40`, source, creation_time: created, task_id: 7 });

  before(async () => {
    files = await startFileServer({
      '/rpms/good/raw/abc/gating.yaml': GATING_YAML,
      '/rpms/broken/raw/abc/gating.yaml': '--- !Policy\nid: b\ndecision_contexts: [gate]\nrules: [1]\n',
      '/rpms/flaky/raw/abc/gating.yaml': { status: 500, body: 'boom' },
    });
    koji = await startFakeKoji({
      builds: {
        'good-1.0-1.fc40': build('good', 'git+https://src.example/rpms/good.git#abc'),
        'broken-1.0-1.fc40': build('broken', 'git+https://src.example/rpms/broken.git#abc'),
        'absent-1.0-1.fc40': build('absent', 'git+https://src.example/rpms/absent.git#abc'),
        'flaky-1.0-1.fc40': build('flaky', 'git+https://src.example/rpms/flaky.git#abc'),
        'norev-1.0-1.fc40': build('norev', 'git+https://src.example/rpms/norev.git'),
        'old-1.0-1.fc40': build('old', null, '2021-10-01 23:59:59'),
      },
    });
    const config: GatingConfig = { ...DEFAULTS.gating, kojiUrl: koji.url, remoteRulePolicies: { '*': `${files.url}/{pkg_namespace}{pkg_name}/raw/{rev}/gating.yaml` } };
    const { store, dispose } = await freshStore('sqlite');
    const gating = createGating({ store, config, policyDir: null, policies: parseServerPolicies(POLICIES, 'remote.yaml') });
    const a = await buildApp({ store, outcomes: allowedOutcomes([]), maxLimit: 1000, bodyLimit: 1 << 20, logger: false, gating });
    app = Object.assign(a, { store, dispose: async () => { await a.close(); await dispose(); } });
  });
  after(async () => {
    await app?.dispose();
    await koji?.close();
    await files?.close();
  });

  const decide = (nvr: string, context = 'gate') =>
    post(app, '/api/v1.0/decision', { decision_context: context, product_version: 'fedora-40', subject_type: 'koji_build', subject_identifier: nvr });

  it('fetches gating.yaml at the Koji build\'s revision and applies the matching remote policy', async () => {
    const nvr = 'good-1.0-1.fc40';
    await postResult(app, { testcase: 'pkg.smoke', outcome: 'PASSED', data: { item: nvr, type: 'koji_build' } });
    const r = await decide(nvr);
    assert.equal(r.status, 200, r.text);
    const source = `${files.url}/rpms/good/raw/abc/gating.yaml`;
    assert.deepEqual(r.json.satisfied_requirements.map((x: any) => [x.type, x.testcase, x.source]), [
      ['fetched-gating-yaml', 'fetched-gating-yaml', source],
      ['test-result-passed', 'pkg.smoke', source],
    ]);
    assert.equal(r.json.summary, 'All required tests (1 total) have passed or been waived');
    assert.deepEqual(r.json.applicable_policies, ['remote_gate']);
    assert.ok(koji.calls.some((c) => c.method === 'getBuild' && c.params[0] === nvr));
    assert.ok(files.requests.includes('/rpms/good/raw/abc/gating.yaml'));
  });

  it('a missing file of a required RemoteRule is missing-gating-yaml, waivable', async () => {
    const nvr = 'absent-1.0-1.fc40';
    let r = await decide(nvr);
    assert.deepEqual(r.json.unsatisfied_requirements, [{
      type: 'missing-gating-yaml', testcase: 'missing-gating-yaml', subject_type: 'koji_build', subject_identifier: nvr, scenario: null,
      sources: [`${files.url}/rpms/absent/raw/abc/gating.yaml`],
    }]);
    assert.equal(r.json.summary, '1 error due to missing remote rule file');
    await insertRow(app, { subject_identifier: nvr, testcase: 'missing-gating-yaml', timestamp: Date.now() * 1000 - 1000 });
    r = await decide(nvr);
    assert.equal(r.json.policies_satisfied, true);
    assert.deepEqual(r.json.satisfied_requirements, []);
  });

  it('an invalid file is invalid-gating-yaml with details; an upstream 500 fails the decision with 502', async () => {
    const bad = await decide('broken-1.0-1.fc40');
    assert.deepEqual(bad.json.unsatisfied_requirements.map((x: any) => x.type), ['invalid-gating-yaml']);
    assert.match(bad.json.unsatisfied_requirements[0].details, /Expected list of Rule objects/);
    const flaky = await decide('flaky-1.0-1.fc40');
    assert.equal(flaky.status, 502);
    assert.equal(flaky.json.message, `Got unexpected status code 500 for ${files.url}/rpms/flaky/raw/abc/gating.yaml: boom`);
  });

  it('Koji without the build or a source URL without #rev: failed-fetch-gating-yaml', async () => {
    const nf = await decide('unknown-1.0-1.fc40');
    assert.deepEqual(nf.json.unsatisfied_requirements.map((x: any) => [x.type, x.error]), [
      ['failed-fetch-gating-yaml', "Koji build not found for subject_type 'koji_build', subject_identifier 'unknown-1.0-1.fc40'"],
    ]);
    const norev = await decide('norev-1.0-1.fc40');
    assert.match(norev.json.unsatisfied_requirements[0].error, /missing URL fragment with SCM revision information/);
  });

  it('valid_since / valid_until use the build\'s creation time; an unknown build is a 404', async () => {
    const old = await decide('old-1.0-1.fc40', 'dated');
    assert.deepEqual(old.json.unsatisfied_requirements.map((x: any) => x.testcase), ['old.test']);
    const recent = await decide('good-1.0-1.fc40', 'dated');
    assert.deepEqual(recent.json.unsatisfied_requirements.map((x: any) => x.testcase), ['new.test']);
    const missing = await decide('nobuild-1.0-1.fc40', 'dated');
    assert.equal(missing.status, 404);
    assert.equal(missing.json.message, `Failed to find Koji build for "nobuild-1.0-1.fc40" at "${koji.url}"`);
    const invalid = await decide('nonvr', 'dated');
    assert.deepEqual([invalid.status, invalid.json.message], [400, "Invalid NVR format: 'nonvr'"]);
  });
});
