import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { answerJson, isSatisfied } from '../../src/gating/answers.ts';
import { DecisionError, evaluate, type Facts, type DecisionQuery } from '../../src/gating/engine.ts';
import type { Policy } from '../../src/gating/model.ts';
import { facts, HOUR, koji, ofType, passing, policy, query, remote, result, settings, T0, waiver } from '../helpers/gating.ts';

const NOW = T0 + 100 * HOUR;

function decide(policies: Policy[], q: DecisionQuery, f: Facts) {
  const e = evaluate(policies, q, f, settings, NOW);
  assert.equal(e.kind, 'decision', JSON.stringify(e));
  if (e.kind !== 'decision') throw new Error('unreachable');
  const d = e.decision;
  return {
    ...d,
    satisfied: d.answers.filter(isSatisfied).map(answerJson),
    unsatisfied: d.answers.filter((a) => !isSatisfied(a)).map(answerJson),
    types: d.answers.map((a) => answerJson(a).type),
  };
}

const NVR = 'bash-5.2-1.fc40';
const S = koji(NVR);
const P = policy({ id: 'p1', rules: [passing('dist.rpmlint'), passing('dist.abicheck')] });

describe('engine: classification of the latest results', () => {
  it('passed, failed, errored, incomplete and missing answers with their exact fields', () => {
    const policies = [policy({ id: 'p', rules: ['a', 'b', 'c', 'd', 'e', 'f'].map((t) => passing(t)) })];
    const rs = [
      result('a', 'PASSED', { id: 11, data: [['scenario', 'x'], ['system_architecture', 'x86_64'], ['scenario', 'y']] }),
      result('b', 'FAILED', { id: 12 }),
      result('c', 'ERROR', { id: 13 }),
      result('d', 'RUNNING', { id: 14, data: [['system_variant', 'Server']] }),
      result('e', 'NEEDS_INSPECTION', { id: 15 }),
      result('f', 'INFO', { id: 16 }),
    ];
    const d = decide(policies, query([S]), facts([[S, rs]]));
    assert.equal(d.policies_satisfied, false);
    const item = { type: 'koji_build', item: NVR };
    const sub = { subject_type: 'koji_build', subject_identifier: NVR };
    assert.deepEqual(d.satisfied, [
      { type: 'test-result-passed', testcase: 'a', ...sub, source: null, result_id: 11, scenario: 'x', system_architecture: 'x86_64', system_variant: null },
      { type: 'test-result-passed', testcase: 'f', ...sub, source: null, result_id: 16, scenario: null, system_architecture: null, system_variant: null },
    ]);
    const none = { scenario: null, system_architecture: null, system_variant: null };
    assert.deepEqual(d.unsatisfied, [
      { type: 'test-result-failed', testcase: 'b', ...sub, source: null, result_id: 12, item, ...none },
      { type: 'test-result-errored', testcase: 'c', ...sub, source: null, result_id: 13, error_reason: null, item, ...none },
      { type: 'test-result-missing', testcase: 'd', ...sub, source: null, result_id: 14, item, ...none, system_variant: 'Server' },
      { type: 'test-result-failed', testcase: 'e', ...sub, source: null, result_id: 15, item, ...none },
    ]);
    assert.equal(d.summary, 'Of 6 required tests, 1 test errored, 2 tests failed, 1 test incomplete');
    assert.deepEqual(d.applicable_policies, ['p']);
  });

  it('a testcase without results is missing, with the rule scenario and no result_id', () => {
    const policies = [policy({ id: 'p', rules: [passing('a', { scenario: 'uefi' })] })];
    const d = decide(policies, query([S]), facts([[S, [result('a', 'PASSED', { data: [['scenario', 'bios']] })]]]));
    assert.deepEqual(d.unsatisfied, [
      { type: 'test-result-missing', testcase: 'a', subject_type: 'koji_build', subject_identifier: NVR, scenario: 'uefi', source: null, item: { type: 'koji_build', item: NVR } },
    ]);
    assert.equal(d.summary, 'Of 1 required test, 1 result missing');
  });

  it('a scenario rule keeps only results whose scenario values contain it', () => {
    const rs = [result('a', 'FAILED', { id: 1, data: [['scenario', 'bios']] }), result('a', 'PASSED', { id: 2, data: [['scenario', 'uefi']] })];
    const d = decide([policy({ id: 'p', rules: [passing('a', { scenario: 'uefi' })] })], query([S]), facts([[S, rs]]));
    assert.deepEqual(d.types, ['test-result-passed']);
    assert.equal(d.satisfied[0].result_id, 2);
    assert.equal(d.policies_satisfied, true);
  });

  it('one answer per latest result (one per scenario), in the order given', () => {
    const rs = [result('a', 'PASSED', { id: 5, data: [['scenario', 's1']] }), result('a', 'FAILED', { id: 4, data: [['scenario', 's2']] })];
    const d = decide([policy({ id: 'p', rules: [passing('a')] })], query([S]), facts([[S, rs]]));
    assert.deepEqual(d.answers.map((a) => answerJson(a).result_id), [5, 4]);
    assert.equal(d.summary, 'Of 2 required tests, 1 test failed');
  });

  it('custom outcome classes decide the answer', () => {
    const own = { ...settings, outcomes: { passed: ['PASSED', 'NEEDS_INSPECTION'], error: [], incomplete: [] } };
    const e = evaluate([policy({ id: 'p', rules: [passing('a'), passing('b')] })], query([S]), facts([[S, [result('a', 'NEEDS_INSPECTION'), result('b', 'ERROR')]]]), own, NOW);
    assert.equal(e.kind, 'decision');
    if (e.kind === 'decision') assert.deepEqual(e.decision.answers.map((a) => answerJson(a).type), ['test-result-passed', 'test-result-failed']);
  });

  it('ignore_result drops a result after "latest" was picked (no older result comes back)', () => {
    const d = decide([P], query([S], { ignoreResults: new Set([7]) }), facts([[S, [result('dist.rpmlint', 'FAILED', { id: 7 }), result('dist.abicheck', 'PASSED', { id: 8 })]]]));
    assert.deepEqual(d.types, ['test-result-missing', 'test-result-passed']);
  });
});

describe('engine: policy selection', () => {
  const rs = (): Facts => facts([[S, [result('dist.rpmlint', 'PASSED'), result('dist.abicheck', 'PASSED')]]]);

  it('no applicable policy is a 404 naming type, contexts and version', () => {
    assert.throws(
      () => evaluate([P], query([S], { contexts: ['other', 'more'] }), rs(), settings, NOW),
      (e: unknown) => e instanceof DecisionError && e.status === 404 &&
        e.message === 'Found no applicable policies for koji_build subjects at gating point(s) other more in fedora-40',
    );
  });

  it('product version globs, subject type aliases and context lists select policies', () => {
    const policies = [
      policy({ id: 'glob', product_versions: ['fedora-4?'], rules: [passing('dist.rpmlint')] }),
      policy({ id: 'other-pv', product_versions: ['epel-*'], rules: [passing('x')] }),
      policy({ id: 'alias', subject_type: null, subject_types: ['brew-build'], decision_contexts: ['c2'], rules: [passing('dist.abicheck')] }),
      policy({ id: 'compose', subject_type: 'compose', rules: [passing('y')] }),
    ];
    const d = decide(policies, query([S], { contexts: ['gate', 'c2'] }), rs());
    assert.deepEqual(d.applicable_policies, ['glob', 'alias']);
    assert.equal(d.summary, 'All required tests (2 total) have passed or been waived');
  });

  it('a rule required by two policies is evaluated once', () => {
    const d = decide([P, policy({ id: 'p2', rules: [passing('dist.rpmlint'), passing('dist.rpmlint', { scenario: 's' })] })], query([S]), rs());
    assert.deepEqual(d.applicable_policies, ['p1', 'p2']);
    assert.deepEqual(d.types, ['test-result-passed', 'test-result-passed', 'test-result-missing']);
  });

  it('excluded_packages gives one satisfied "excluded" answer; it wins over packages', () => {
    const p = policy({ id: 'ex', excluded_packages: ['ba*'], packages: ['bash'], rules: [passing('dist.rpmlint')] });
    const d = decide([p], query([S]), rs());
    assert.deepEqual(d.satisfied, [{ type: 'excluded', subject_identifier: NVR, policy: 'ex', source: null }]);
    assert.equal(d.summary, 'No tests are required');
    assert.equal(d.policies_satisfied, true);
  });

  it('a packages allow-list that misses contributes nothing but stays applicable', () => {
    const d = decide([policy({ id: 'only-zsh', packages: ['zsh'], rules: [passing('nothing-here')] })], query([S]), rs());
    assert.deepEqual(d.answers, []);
    assert.deepEqual(d.applicable_policies, ['only-zsh']);
    assert.equal(d.summary, 'No tests are required');
  });

  it('package names come from NVR-typed subjects only (compose ids are never excluded)', () => {
    const c = ofType('compose', 'bash-1-1');
    const p = policy({ id: 'c', subject_type: 'compose', excluded_packages: ['*'], rules: [passing('a')] });
    const d = decide([p], query([c]), facts([[c, []]]));
    assert.deepEqual(d.types, ['test-result-missing']);
    assert.deepEqual(d.unsatisfied[0].item, { 'productmd.compose.id': 'bash-1-1' });
  });

  it('bodhi_update without a policy is skipped (ignore_missing_policy); others still decided', () => {
    const u = ofType('bodhi_update', 'FEDORA-2024-1');
    const d = decide([P], query([S, u]), rs());
    assert.deepEqual(d.applicable_policies, ['p1']);
    assert.equal(d.answers.length, 2);
  });

  it('several subjects: answers per subject, applicable policies repeated', () => {
    const S2 = koji('zsh-5.9-1.fc40');
    const d = decide([P], query([S, S2]), facts([[S, [result('dist.rpmlint', 'PASSED'), result('dist.abicheck', 'PASSED')]], [S2, []]]));
    assert.deepEqual(d.applicable_policies, ['p1', 'p1']);
    assert.deepEqual(d.answers.map((a) => answerJson(a).subject_identifier), [NVR, NVR, 'zsh-5.9-1.fc40', 'zsh-5.9-1.fc40']);
    assert.equal(d.summary, 'Of 4 required tests, 2 results missing');
  });

  it('on-demand requests: any subject type, no applicable_policies', () => {
    const od = policy({ id: 'on-demand-policy', kind: 'on-demand', subject_type: null, product_versions: ['fedora-40'], decision_context: 'on-demand-policy', decision_contexts: [], rules: [passing('a')] });
    const c = ofType('whatever', 'x');
    const d = decide([od], query([c], { contexts: null }), facts([[c, [result('a', 'PASSED')]]]));
    assert.equal(d.applicable_policies, undefined);
    assert.equal(d.policies_satisfied, true);
  });
});

describe('engine: waivers', () => {
  const failing = () => facts([[S, [result('dist.rpmlint', 'FAILED', { id: 21, data: [['scenario', 'x']] })]]]);
  const one = [policy({ id: 'p', rules: [passing('dist.rpmlint')] })];

  it('a matching waiver turns a failure into -waived with waiver_id and without item', () => {
    const w = waiver(S, 'dist.rpmlint');
    const d = decide(one, query([S]), { ...failing(), waivers: [w] });
    assert.deepEqual(d.satisfied, [{
      type: 'test-result-failed-waived', testcase: 'dist.rpmlint', subject_type: 'koji_build', subject_identifier: NVR, source: null,
      result_id: 21, scenario: 'x', system_architecture: null, system_variant: null, waiver_id: w.id,
    }]);
    assert.equal(d.policies_satisfied, true);
    assert.equal(d.summary, 'All required tests (1 total) have passed or been waived');
  });

  it('scenario must be empty or equal; testcase, identifier and product version must match', () => {
    const cases = [
      [waiver(S, 'dist.rpmlint', { scenario: 'y' }), false],
      [waiver(S, 'dist.rpmlint', { scenario: 'x' }), true],
      [waiver(S, 'dist.other'), false],
      [waiver(koji('bash-5.2-2.fc40'), 'dist.rpmlint'), false],
      [waiver(S, 'dist.rpmlint', { product_version: 'fedora-39' }), false],
      [waiver(S, 'dist.rpmlint', { subject_type: 'brew-build' }), true],
    ] as const;
    for (const [w, waives] of cases) {
      const d = decide(one, query([S]), { ...failing(), waivers: [w] });
      assert.equal(d.policies_satisfied, waives, JSON.stringify(w));
    }
  });

  it('missing, errored and incomplete answers are waivable too', () => {
    const policies = [policy({ id: 'p', rules: [passing('m'), passing('e'), passing('i')] })];
    const f = facts([[S, [result('e', 'ERROR'), result('i', 'QUEUED')]]]);
    const d = decide(policies, query([S]), { ...f, waivers: ['m', 'e', 'i'].map((t) => waiver(S, t)) });
    assert.deepEqual(d.types, ['test-result-missing-waived', 'test-result-errored-waived', 'test-result-missing-waived']);
    assert.equal(d.summary, 'All required tests (3 total) have passed or been waived');
  });

  it('only the newest waiver of a group counts: a revocation (waived=false) un-waives', () => {
    const d = decide(one, query([S]), { ...failing(), waivers: [waiver(S, 'dist.rpmlint'), waiver(S, 'dist.rpmlint', { waived: 0, timestamp: T0 + 2 * HOUR })] });
    assert.equal(d.policies_satisfied, false);
  });

  it('as of `when`: later waivers are unseen and a later replacement does not hide the earlier waiver', () => {
    const w1 = waiver(S, 'dist.rpmlint', { timestamp: T0 + HOUR });
    const revoked = waiver(S, 'dist.rpmlint', { waived: 0, timestamp: T0 + 3 * HOUR });
    const at = (when: number) => decide(one, query([S], { when }), { ...failing(), waivers: [w1, revoked] }).policies_satisfied;
    assert.equal(at(T0 + 2 * HOUR), true);
    assert.equal(at(T0 + 4 * HOUR), false);
    assert.equal(at(T0 + HOUR / 2), false);
  });

  it('an expired waiver waives nothing after its expiry, but does before it', () => {
    const w = waiver(S, 'dist.rpmlint', { expires_at: T0 + 5 * HOUR });
    assert.equal(decide(one, query([S]), { ...failing(), waivers: [w] }).policies_satisfied, false);
    assert.equal(decide(one, query([S], { when: T0 + 4 * HOUR }), { ...failing(), waivers: [w] }).policies_satisfied, true);
  });

  it('ignore_waiver drops the current waiver without bringing back an older one', () => {
    const old = waiver(S, 'dist.rpmlint', { timestamp: T0 + HOUR });
    const cur = waiver(S, 'dist.rpmlint', { timestamp: T0 + 2 * HOUR });
    const d = decide(one, query([S], { ignoreWaivers: new Set([cur.id]) }), { ...failing(), waivers: [old, cur] });
    assert.equal(d.policies_satisfied, false);
  });

  it('verbose: every latest result and the current waived waivers of the subjects', () => {
    const w = waiver(S, 'unrelated');
    const rs = [result('dist.rpmlint', 'PASSED', { id: 31 }), result('other', 'FAILED', { id: 32 }), result('dist.rpmlint', 'PASSED', { id: 31 })];
    const d = decide(one, query([S], { verbose: true }), facts([[S, rs]], { waivers: [w, waiver(S, 'x', { waived: 0 })] }));
    assert.deepEqual(d.results!.map((r) => r.id), [31, 32]);
    assert.deepEqual(d.waivers!.map((x) => x.id), [w.id]);
  });
});

describe('engine: valid_since / valid_until', () => {
  const build = (creation: string) => facts([[S, []]], { koji: new Map([[NVR, { kind: 'found', source: null, creation_time: creation, task_id: 1 }]]) });
  const rules = [passing('old', { valid_until: Date.UTC(2021, 9, 2) * 1000 }), passing('new', { valid_since: Date.UTC(2021, 9, 2) * 1000 })];
  const p = [policy({ id: 'p', rules })];

  it('asks for the Koji build first', () => {
    const e = evaluate(p, query([S]), facts([[S, []]]), settings, NOW);
    assert.deepEqual(e, { kind: 'needs', koji: [NVR], files: [] });
  });

  it('a rule applies from valid_since (inclusive) and until valid_until (exclusive)', () => {
    assert.deepEqual(decide(p, query([S]), build('2021-10-01 23:59:59')).answers.map((a) => answerJson(a).testcase), ['old']);
    assert.deepEqual(decide(p, query([S]), build('2021-10-02 00:00:00')).answers.map((a) => answerJson(a).testcase), ['new']);
  });

  it('a missing build is a 404; an invalid NVR a 400; a Koji failure its own status', () => {
    const nf = facts([[S, []]], { koji: new Map([[NVR, { kind: 'not-found' }]]) });
    assert.throws(() => evaluate(p, query([S]), nf, settings, NOW), { status: 404, message: `Failed to find Koji build for "${NVR}" at "https://koji.example.com/kojihub"` });
    const bad = koji('bash');
    assert.throws(() => evaluate(p, query([bad]), facts([[bad, []]]), settings, NOW), { status: 400, message: "Invalid NVR format: 'bash'" });
    const err = facts([[S, []]], { koji: new Map([[NVR, { kind: 'error', status: 504, message: 'Timeout connecting to upstream server: x' }]]) });
    assert.throws(() => evaluate(p, query([S]), err, settings, NOW), { status: 504 });
  });
});

describe('engine: RemoteRule', () => {
  const parent = [policy({ id: 'parent', decision_contexts: ['gate'], rules: [remote()] })];
  const src = 'git+https://src.example.com/rpms/bash.git#abc123';
  const URL1 = 'https://git.example.com/rpms/bash/raw/abc123/gating.yaml';
  const withBuild = (f: Partial<Facts> = {}) =>
    facts([[S, [result('remote.test', 'PASSED', { id: 41 })]]], { koji: new Map([[NVR, { kind: 'found', source: src, creation_time: null, task_id: 1 }]]), ...f });
  const file = (body: string) => new Map([[URL1, { kind: 'found' as const, body }]]);
  const GOOD = '--- !Policy\nid: remote\nproduct_versions: [fedora-*]\ndecision_contexts: [gate]\nrules:\n  - !PassingTestCaseRule {test_case_name: remote.test}\n  - !PassingTestCaseRule {test_case_name: remote.missing}\n';

  it('needs the Koji build, then the file', () => {
    assert.deepEqual(evaluate(parent, query([S]), facts([[S, []]]), settings, NOW), { kind: 'needs', koji: [NVR], files: [] });
    assert.deepEqual(evaluate(parent, query([S]), withBuild(), settings, NOW), { kind: 'needs', koji: [], files: [URL1] });
  });

  it('a fetched file adds fetched-gating-yaml and its matching policies answers, with source', () => {
    const d = decide(parent, query([S]), withBuild({ files: file(GOOD) }));
    assert.deepEqual(d.satisfied, [
      { type: 'fetched-gating-yaml', testcase: 'fetched-gating-yaml', subject_type: 'koji_build', subject_identifier: NVR, source: URL1 },
      { type: 'test-result-passed', testcase: 'remote.test', subject_type: 'koji_build', subject_identifier: NVR, source: URL1, result_id: 41, scenario: null, system_architecture: null, system_variant: null },
    ]);
    assert.equal(d.unsatisfied[0].type, 'test-result-missing');
    assert.equal(d.unsatisfied[0].source, URL1);
    assert.equal(d.summary, 'Of 2 required tests, 1 result missing');
  });

  it('remote policies for other contexts or versions are ignored', () => {
    const other = GOOD.replace('decision_contexts: [gate]', 'decision_contexts: [elsewhere]');
    assert.deepEqual(decide(parent, query([S]), withBuild({ files: file(other) })).types, ['fetched-gating-yaml']);
    const pv = GOOD.replace('[fedora-*]', '[epel-*]');
    assert.equal(decide(parent, query([S]), withBuild({ files: file(pv) })).summary, 'No tests are required');
  });

  it('an invalid file: fetched + invalid-gating-yaml with details; a waiver removes the error', () => {
    const d = decide(parent, query([S]), withBuild({ files: file('--- !Policy\nid: x\n') }));
    assert.deepEqual(d.types, ['fetched-gating-yaml', 'invalid-gating-yaml']);
    assert.equal(typeof d.unsatisfied[0].details, 'string');
    assert.equal(d.summary, '1 error due to invalid remote rule file');
    const w = decide(parent, query([S]), withBuild({ files: file('--- !Policy\nid: x\n'), waivers: [waiver(S, 'invalid-gating-yaml')] }));
    assert.deepEqual(w.types, ['fetched-gating-yaml']);
    assert.equal(w.policies_satisfied, true);
  });

  it('no file: nothing when not required, missing-gating-yaml with the URLs tried when required', () => {
    const missing = new Map([[URL1, { kind: 'missing' as const }]]);
    assert.deepEqual(decide(parent, query([S]), withBuild({ files: missing })).answers, []);
    const req = [policy({ id: 'parent', rules: [remote({ required: true })] })];
    const d = decide(req, query([S]), withBuild({ files: missing }));
    assert.deepEqual(d.unsatisfied, [{ type: 'missing-gating-yaml', testcase: 'missing-gating-yaml', subject_type: 'koji_build', subject_identifier: NVR, scenario: null, sources: [URL1] }]);
    assert.equal(d.summary, '1 error due to missing remote rule file');
  });

  it('templates are tried in order: a 404 moves on to the next', () => {
    const rule = [policy({ id: 'parent', rules: [remote({ sources: ['https://a.example/{subject_id}.yaml', 'https://b.example/{pkg_name}.yaml'] })] })];
    const f = withBuild({ files: new Map([['https://a.example/bash-5.2-1.fc40.yaml', { kind: 'missing' }]]) });
    assert.deepEqual(evaluate(rule, query([S]), f, settings, NOW), { kind: 'needs', koji: [], files: ['https://b.example/bash.yaml'] });
  });

  it('Koji problems give failed-fetch-gating-yaml (no build, an HTTP error, a source without #rev); Koji down or a file error fails the decision', () => {
    const nf = facts([[S, []]], { koji: new Map([[NVR, { kind: 'not-found' }]]) });
    const d = decide(parent, query([S]), nf);
    assert.deepEqual(d.unsatisfied, [{
      type: 'failed-fetch-gating-yaml', testcase: 'failed-fetch-gating-yaml', subject_type: 'koji_build', subject_identifier: NVR,
      scenario: null, sources: [], error: `Koji build not found for subject_type 'koji_build', subject_identifier '${NVR}'`,
    }]);
    assert.equal(d.summary, '1 error while trying to fetch remote rule file');
    const norev = facts([[S, []]], { koji: new Map([[NVR, { kind: 'found', source: 'git+https://x/rpms/bash.git', creation_time: null, task_id: 1 }]]) });
    assert.deepEqual(decide(parent, query([S]), norev).types, ['failed-fetch-gating-yaml']);
    // Koji answering an HTTP error is a failed fetch; Koji unreachable or timing out fails the decision.
    const kojiStatus = facts([[S, []]], { koji: new Map([[NVR, { kind: 'error', status: 502, message: 'Got unexpected status code 503 for k: busy', httpStatus: 503 }]]) });
    assert.deepEqual(decide(parent, query([S]), kojiStatus).unsatisfied.map((a) => [a.type, a.error]),
      [['failed-fetch-gating-yaml', 'Got unexpected status code 503 for k: busy']]);
    for (const [status, message] of [[502, 'Error connecting to upstream server: connect ECONNREFUSED'], [504, 'Timeout connecting to upstream server: k did not answer within 10 ms']] as const) {
      const down = facts([[S, []]], { koji: new Map([[NVR, { kind: 'error', status, message }]]) });
      assert.throws(() => evaluate(parent, query([S]), down, settings, NOW), { status, message });
    }
    const broken = withBuild({ files: new Map([[URL1, { kind: 'error', status: 502, message: 'Got unexpected status code 500 for x: y' }]]) });
    assert.throws(() => evaluate(parent, query([S]), broken, settings, NOW), { status: 502, message: 'Got unexpected status code 500 for x: y' });
  });

  it('a build without a source URL skips Koji templates (no file found)', () => {
    const nosrc = facts([[S, []]], { koji: new Map([[NVR, { kind: 'found', source: null, creation_time: null, task_id: 1 }]]) });
    assert.deepEqual(decide(parent, query([S]), nosrc).answers, []);
  });

  it('containers namespace drops -container; sha256: is stripped from subject_id', () => {
    const c = koji('foo-container-1-1');
    const f = facts([[c, []]], { koji: new Map([['foo-container-1-1', { kind: 'found', source: 'git://x/containers/foo-container#r1', creation_time: null, task_id: 1 }]]) });
    assert.deepEqual(evaluate(parent, query([c]), f, settings, NOW), { kind: 'needs', koji: [], files: ['https://git.example.com/containers/foo/raw/r1/gating.yaml'] });
    const img = ofType('container-image', 'sha256:abc');
    const p = [policy({ id: 'i', subject_type: 'container-image', rules: [remote({ sources: ['https://r.example/{subject_id}'] })] })];
    assert.deepEqual(evaluate(p, query([img]), facts([[img, []]]), settings, NOW), { kind: 'needs', koji: [], files: ['https://r.example/abc'] });
  });

  it('a rule in the remote file identical to a server rule counts once', () => {
    const both = [policy({ id: 'parent', rules: [passing('remote.test'), remote()] })];
    const d = decide(both, query([S]), withBuild({ files: file(GOOD) }));
    assert.deepEqual(d.types, ['test-result-passed', 'fetched-gating-yaml', 'test-result-missing']);
  });
});
