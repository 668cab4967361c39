/** The Greenwave API over HTTP, on both stores: decisions from our own results and waivers. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DEFAULTS } from '../../src/config/config.ts';
import { parseServerPolicies } from '../../src/gating/policyYaml.ts';
import { createGating } from '../../src/gating/service.ts';
import { buildApp } from '../../src/http/app.ts';
import { allowedOutcomes } from '../../src/results/outcomes.ts';
import { HOST, post, postResult, request, get } from '../helpers/http.ts';
import { freshStore, postgresAvailable, STORE_KINDS, type TestApp } from '../helpers/stores.ts';
import { insertRow, us } from '../helpers/waivers.ts';

const POLICIES = `
--- !Policy
id: fedora_gate
product_versions: [fedora-*]
decision_contexts: [bodhi_update_push_stable, bodhi_update_push_testing]
subject_type: koji_build
excluded_packages: [python2-*]
rules:
  - !PassingTestCaseRule {test_case_name: dist.rpmdeplint}
  - !PassingTestCaseRule {test_case_name: dist.abicheck}
--- !Policy
id: compose_gate
product_versions: ['*']
decision_context: compose_gate
subject_type: compose
rules:
  - !PassingTestCaseRule {test_case_name: compose.install, scenario: uefi}
`;

const D = '/api/v1.0/decision';
let seq = 0;
const nvr = () => `pkg${++seq}x${process.hrtime.bigint() % 100000n}-1.0-1.fc40`;

for (const kind of STORE_KINDS) {
  describe(`Greenwave API (${kind})`, () => {
    let app: TestApp | undefined;
    before(async () => {
      if (kind === 'postgres' && !(await postgresAvailable())) return;
      const { store, dispose } = await freshStore(kind);
      const gating = createGating({ store, config: DEFAULTS.gating, policyDir: null, policies: parseServerPolicies(POLICIES, 'test.yaml') });
      const a = await buildApp({ store, outcomes: allowedOutcomes([]), maxLimit: 1000, bodyLimit: 1 << 20, logger: false, gating });
      app = Object.assign(a, { store, dispose: async () => { await a.close(); await dispose(); } });
    });
    after(() => app?.dispose());
    const ready = (t: { skip: (m: string) => void }) => {
      if (!app) t.skip('PostgreSQL unavailable');
      return app;
    };
    const decide = async (a: TestApp, body: unknown) => {
      const r = await post(a, D, body);
      assert.equal(r.status, 200, r.text);
      return r.json;
    };
    const base = (item: string) => ({ decision_context: 'bodhi_update_push_stable', product_version: 'fedora-40', subject_type: 'koji_build', subject_identifier: item });

    it('a failed and a missing test; a waiver; then all passed', async (t) => {
      const a = ready(t);
      if (!a) return;
      const item = nvr();
      const failed = await postResult(a, { testcase: 'dist.rpmdeplint', outcome: 'FAILED', data: { item, type: 'koji_build', arch: 'x86_64' } });
      let d = await decide(a, base(item));
      assert.equal(d.policies_satisfied, false);
      assert.equal(d.summary, 'Of 2 required tests, 1 result missing, 1 test failed');
      assert.deepEqual(d.applicable_policies, ['fedora_gate']);
      assert.deepEqual(d.unsatisfied_requirements, [
        { type: 'test-result-failed', testcase: 'dist.rpmdeplint', subject_type: 'koji_build', subject_identifier: item, source: null, result_id: failed.id,
          item: { type: 'koji_build', item }, scenario: null, system_architecture: null, system_variant: null },
        { type: 'test-result-missing', testcase: 'dist.abicheck', subject_type: 'koji_build', subject_identifier: item, scenario: null, source: null, item: { type: 'koji_build', item } },
      ]);
      const w = await insertRow(a, { subject_identifier: item, testcase: 'dist.abicheck', timestamp: Date.now() * 1000 - 1000 });
      await postResult(a, { testcase: 'dist.rpmdeplint', outcome: 'PASSED', data: { item, type: 'brew-build' } });
      d = await decide(a, base(item));
      assert.equal(d.policies_satisfied, true);
      assert.equal(d.summary, 'All required tests (2 total) have passed or been waived');
      assert.deepEqual(d.satisfied_requirements.map((r: any) => [r.type, r.waiver_id ?? null]), [['test-result-passed', null], ['test-result-missing-waived', w]]);
    });

    it('results found through original_spec_nvr count as the build\'s', async (t) => {
      const a = ready(t);
      if (!a) return;
      const item = nvr();
      await postResult(a, { testcase: 'dist.rpmdeplint', outcome: 'PASSED', data: { original_spec_nvr: item } });
      await postResult(a, { testcase: 'dist.abicheck', outcome: 'PASSED', data: { item, type: 'koji_build' } });
      assert.equal((await decide(a, base(item))).policies_satisfied, true);
      // The subject-dict form with item_key detection.
      const d = await decide(a, { decision_context: 'bodhi_update_push_stable', product_version: 'fedora-40', subject: [{ original_spec_nvr: item }] });
      assert.equal(d.policies_satisfied, true);
    });

    it('`when` decides as of that instant, for results and waivers', async (t) => {
      const a = ready(t);
      if (!a) return;
      const item = nvr();
      await postResult(a, { testcase: 'dist.rpmdeplint', outcome: 'FAILED', submit_time: '2024-01-01T10:00:00.000000', data: { item, type: 'koji_build' } });
      await postResult(a, { testcase: 'dist.rpmdeplint', outcome: 'PASSED', submit_time: '2024-01-03T10:00:00.000000', data: { item, type: 'koji_build' } });
      await postResult(a, { testcase: 'dist.abicheck', outcome: 'PASSED', submit_time: '2024-01-01T10:00:00.000000', data: { item, type: 'koji_build' } });
      await insertRow(a, { subject_identifier: item, testcase: 'dist.rpmdeplint', timestamp: us('2024-01-02T00:00:00') });
      await insertRow(a, { subject_identifier: item, testcase: 'dist.rpmdeplint', waived: 0, timestamp: us('2024-01-02T12:00:00') });
      const at = async (when: string) => (await decide(a, { ...base(item), when })).satisfied_requirements.map((r: any) => r.type);
      assert.deepEqual(await at('2024-01-01T12:00:00'), ['test-result-passed']);
      assert.deepEqual(await at('2024-01-02T06:00:00.000000'), ['test-result-failed-waived', 'test-result-passed']);
      assert.deepEqual(await at('2024-01-02T18:00:00+00:00'), ['test-result-passed']);
      assert.deepEqual(await at('2024-01-04T00:00:00Z'), ['test-result-passed', 'test-result-passed']);
    });

    it('verbose adds the latest results (ResultsDB form) and current waivers (WaiverDB form)', async (t) => {
      const a = ready(t);
      if (!a) return;
      const item = nvr();
      const r1 = await postResult(a, { testcase: 'dist.rpmdeplint', outcome: 'PASSED', data: { item, type: 'koji_build', scenario: 's1' } });
      const r2 = await postResult(a, { testcase: 'other.test', outcome: 'FAILED', data: { item, type: 'koji_build' } });
      const w = await insertRow(a, { subject_identifier: item, testcase: 'dist.abicheck', timestamp: Date.now() * 1000 - 1000 });
      await insertRow(a, { subject_identifier: item, testcase: 'x', product_version: 'fedora-39', timestamp: Date.now() * 1000 - 1000 });
      const d = await decide(a, { ...base(item), verbose: true });
      assert.deepEqual(d.results.map((r: any) => r.id).sort(), [r1.id, r2.id].sort());
      assert.equal(d.results.find((r: any) => r.id === r1.id).href, `${HOST}/api/v2.0/results/${r1.id}`);
      assert.deepEqual(d.results.find((r: any) => r.id === r1.id).data.scenario, ['s1']);
      assert.deepEqual(d.waivers.map((x: any) => x.id), [w]);
      assert.equal(d.waivers[0].subject.item, item);
      assert.equal(d.satisfied_requirements[0].scenario, 's1');
    });

    it('excluded packages, decision_context lists, several subjects, bodhi_update without policy', async (t) => {
      const a = ready(t);
      if (!a) return;
      const py = `python2-foo${++seq}-1.0-1.fc40`;
      const item = nvr();
      const d = await decide(a, {
        decision_context: ['nothing', 'bodhi_update_push_testing'], product_version: 'fedora-40',
        subject: [{ type: 'koji_build', item: py }, { type: 'brew-build', item }, { type: 'bodhi_update', item: 'FEDORA-2024-x' }],
      });
      assert.deepEqual(d.applicable_policies, ['fedora_gate', 'fedora_gate']);
      assert.deepEqual(d.satisfied_requirements, [{ type: 'excluded', subject_identifier: py, policy: 'fedora_gate', source: null }]);
      assert.equal(d.unsatisfied_requirements.length, 2);
      assert.equal(d.unsatisfied_requirements[0].subject_type, 'koji_build');
    });

    it('compose subjects: scenario rule and productmd.compose.id', async (t) => {
      const a = ready(t);
      if (!a) return;
      const id = `Fedora-40-2024${++seq}.n.0`;
      await postResult(a, { testcase: 'compose.install', outcome: 'PASSED', data: { 'productmd.compose.id': id, scenario: 'uefi' } });
      await postResult(a, { testcase: 'compose.install', outcome: 'FAILED', data: { 'productmd.compose.id': id, scenario: 'bios' } });
      const d = await decide(a, { decision_context: 'compose_gate', product_version: 'fedora-40', subject_type: 'compose', subject_identifier: id });
      assert.equal(d.policies_satisfied, true);
      assert.deepEqual(d.satisfied_requirements.map((r: any) => r.scenario), ['uefi']);
    });

    it('on-demand rules: no applicable_policies, request excluded_packages applied, parse errors', async (t) => {
      const a = ready(t);
      if (!a) return;
      const item = nvr();
      await postResult(a, { testcase: 'custom.test', outcome: 'PASSED', data: { item, type: 'koji_build' } });
      const d = await decide(a, { product_version: 'fedora-40', subject_type: 'koji_build', subject_identifier: item, rules: [{ type: 'PassingTestCaseRule', test_case_name: 'custom.test' }] });
      assert.equal(d.policies_satisfied, true);
      assert.equal('applicable_policies' in d, false);
      const ex = await decide(a, { product_version: 'fedora-40', subject_type: 'koji_build', subject_identifier: item, excluded_packages: ['pkg*'], rules: [{ type: 'PassingTestCaseRule', test_case_name: 'nope' }] });
      assert.equal(ex.satisfied_requirements[0].type, 'excluded');
      const bad = await post(a, D, { product_version: 'fedora-40', subject_type: 'koji_build', subject_identifier: item, rules: [{ test_case_name: 'x' }] });
      assert.equal(bad.status, 400);
      assert.deepEqual(bad.json, { message: "Failed to parse on demand policy: Attribute 'rules': Key 'type' is required for each list item" });
    });

    it('request validation: Greenwave\'s statuses and messages', async (t) => {
      const a = ready(t);
      if (!a) return;
      const item = nvr();
      const cases: [unknown, number, string][] = [
        [{}, 415, 'No JSON payload in request'],
        [{ decision_context: 'x', subject_type: 'koji_build', subject_identifier: item }, 400, 'Missing required product version'],
        [{ product_version: 'fedora-40', subject_type: 'koji_build', subject_identifier: item }, 400, 'Either decision_context or rules is required.'],
        [{ ...base(item), rules: [{ type: 'PassingTestCaseRule', test_case_name: 'a' }] }, 400, 'Cannot have both decision_context and rules'],
        [{ decision_context: 'c', product_version: 'fedora-40', subject_identifier: item }, 400, 'Missing required "subject_type" parameter'],
        [{ decision_context: 'c', product_version: 'fedora-40', subject_type: 'koji_build' }, 400, 'Missing required "subject_identifier" parameter'],
        [{ decision_context: 'c', product_version: 'fedora-40', subject: 'x' }, 400, 'Invalid subject, must be a list of dicts'],
        [{ decision_context: 'c', product_version: 'fedora-40', subject: [{ foo: 'bar' }] }, 400, 'Could not detect subject_identifier'],
        [{ decision_context: 'c', product_version: 'fedora-40', subject: [{ type: 'koji_build', item: 5 }] }, 400, 'Subject item/identificator must be a string'],
        [{ ...base(item), verbose: 'yes' }, 400, 'Invalid verbose flag, must be a bool'],
        [{ ...base(item), verbose: null }, 400, 'Invalid verbose flag, must be a bool'],
        [{ ...base(item), when: 'yesterday' }, 400, 'Invalid "when" parameter, must be in ISO8601 format'],
        [{ ...base(item), decision_context: 'unknown_gate' }, 404, 'Found no applicable policies for koji_build subjects at gating point(s) unknown_gate in fedora-40'],
        [{ ...base(item), product_version: 'epel-9' }, 404, 'Found no applicable policies for koji_build subjects at gating point(s) bodhi_update_push_stable in epel-9'],
      ];
      for (const [body, status, message] of cases) {
        const r = await post(a, D, body);
        assert.equal(r.status, status, `${JSON.stringify(body)}: ${r.text}`);
        assert.deepEqual(r.json, { message }, JSON.stringify(body));
      }
      const notJson = await request(a, 'POST', D, { body: 'x', headers: { 'content-type': 'text/plain' } });
      assert.equal(notJson.status, 415);
      assert.match(notJson.json.message, /Content-Type was not 'application\/json'/);
      const broken = await request(a, 'POST', D, { body: '{"a":', headers: { 'content-type': 'application/json' } });
      assert.equal(broken.status, 400);
      assert.match(broken.json.message, /^Failed to decode JSON object/);
    });

    it('GET /policies, /subject_types, /about, /version, the landing page, JSONP, HSTS', async (t) => {
      const a = ready(t);
      if (!a) return;
      const p = await get(a, '/api/v1.0/policies');
      assert.equal(p.status, 200);
      assert.deepEqual(p.json.policies.map((x: any) => x.id), ['fedora_gate', 'compose_gate']);
      assert.deepEqual(p.json.policies[0].rules[0], { rule: 'PassingTestCaseRule', test_case_name: 'dist.rpmdeplint', scenario: null });
      assert.equal(p.headers['strict-transport-security'], 'max-age=31536000; includeSubDomains');
      const st = await get(a, '/api/v1.0/subject_types');
      assert.deepEqual(st.json.subject_types.map((x: any) => x.id), ['bodhi_update', 'compose', 'koji_build', 'redhat-container-image', 'redhat-module']);
      assert.deepEqual(st.json.subject_types[2].aliases, ['brew-build']);
      const about = await get(a, '/api/v1.0/about');
      assert.equal(typeof about.json.version, 'string');
      const v = await get(a, '/api/v1.0/version');
      assert.equal(v.status, 302);
      assert.equal(v.headers.location, `${HOST}/api/v1.0/about`);
      const land = await get(a, '/api/v1.0/');
      assert.deepEqual(land.json.outcomes_passed, ['PASSED', 'INFO']);
      assert.deepEqual(land.json.outcomes_incomplete, ['QUEUED', 'RUNNING']);
      assert.equal(land.json.resultsdb_api, `${HOST}/api/v2.0`);
      assert.deepEqual((await get(a, '/')).json, land.json);
      const js = await get(a, '/api/v1.0/policies?callback=cb');
      assert.equal(js.headers['content-type'], 'application/javascript; charset=utf-8');
      assert.ok(js.text.startsWith('cb({"policies":['));
      const opt = await request(a, 'OPTIONS', D);
      assert.equal(opt.status, 200);
      assert.match(String(opt.headers.allow), /POST/);
      const wrong = await get(a, D);
      assert.equal(wrong.status, 405);
      assert.deepEqual(wrong.json, { message: 'The method is not allowed for the requested URL.' });
      const hc = await get(a, '/healthcheck');
      assert.equal(hc.status, 200);
    });

    it('POST /validate-gating-yaml: OK, parent warning, errors', async (t) => {
      const a = ready(t);
      if (!a) return;
      const v = (body: string) => request(a, 'POST', '/api/v1.0/validate-gating-yaml', { body, headers: { 'content-type': 'application/x-yaml' } });
      const ok = await v('--- !Policy\nid: r\nproduct_versions: [fedora-*]\ndecision_context: bodhi_update_push_stable\nrules:\n  - !PassingTestCaseRule {test_case_name: a}\n');
      assert.equal(ok.status, 200);
      assert.deepEqual(ok.json, { message: 'All OK' });
      const warn = await v('--- !Policy\nid: r\ndecision_contexts: [zz, aa, bodhi_update_push_stable]\nrules: []\n');
      assert.deepEqual(warn.json, {
        message: 'Greenwave could not find a parent policy(ies) for following decision context(s): aa, zz. Please change your policy so that it will match a decision context in the parent policies.',
      });
      const none = await request(a, 'POST', '/api/v1.0/validate-gating-yaml', { body: '' });
      assert.equal(none.status, 400);
      assert.deepEqual(none.json, { message: 'No policies defined' });
      const bad = await v('--- !Policy\nid: r\ndecision_context: x\nrules:\n  - !RemoteRule {}\n');
      assert.equal(bad.status, 400);
      assert.match(bad.json.message, /RemoteRule is not allowed in remote policies/);
      const typo = await v('--- !Policy\nid: r\ndecision_context: x\nrules: []\nexcluded_package: [a]\n');
      assert.equal(typo.status, 400);
      assert.match(typo.json.message, /excluded_package/);
      // Deviation 13: a repeated id, and a root that is not a policy, are errors too; untagged roots are policies.
      const doc = (head: string, id: string) => `--- ${head}\nid: ${id}\ndecision_context: bodhi_update_push_stable\nrules: []\n`;
      const twice = await v(doc('!Policy', 'a') + doc('!Policy', 'b') + doc('', 'a'));
      assert.equal(twice.status, 400);
      assert.deepEqual(twice.json, { message: "Policy 'a': duplicate policy id" });
      for (const [head, message] of [
        ['!Polciy', "YAML Parser Error: could not determine a constructor for the tag '!Polciy'"],
        ['!RemoteRule', 'Expected !Policy tagged object, got !RemoteRule'],
      ]) {
        const r = await v(doc(head, 'c'));
        assert.equal(r.status, 400, head);
        assert.deepEqual(r.json, { message }, head);
      }
      assert.deepEqual((await v(doc('', 'a') + doc('!Policy', 'b'))).json, { message: 'All OK' });
    });
  });
}
