/** Greenwave policy parsing: server files, remote gating.yaml, the on-demand policy, GET /policies JSON, rule times. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PolicyError, type Policy } from '../../src/gating/model.ts';
import { parseOnDemandPolicy, parsePolicyTime, parseRemotePolicies, parseServerPolicies, policyToJson } from '../../src/gating/policyYaml.ts';

const US = 1000; // µs per ms

/** A minimal valid server policy body (no tag), with extra lines appended. */
const base = (extra = '', id = 'x') =>
  `id: ${id}\nproduct_versions: [fedora-*]\ndecision_context: gate\nsubject_type: koji_build\nrules: []\n${extra}`;

const server = (text: string) => parseServerPolicies(text, 'p.yaml');

function serverError(text: string, message: string): void {
  assert.throws(() => server(text), (e: unknown) => e instanceof PolicyError && e.message === message ? true : assert.fail(`${(e as Error).message}\n!= ${message}`));
}

function remoteError(text: string, message: string): void {
  assert.throws(() => parseRemotePolicies(text, 'https://x/gating.yaml'), (e: unknown) => e instanceof PolicyError && e.message === message ? true : assert.fail(`${(e as Error).message}\n!= ${message}`));
}

function onDemandError(body: Record<string, unknown>, message: string): void {
  assert.throws(() => parseOnDemandPolicy({ product_version: 'fedora-40', ...body }), (e: unknown) => e instanceof PolicyError && e.message === message ? true : assert.fail(`${(e as Error).message}\n!= ${message}`));
}

describe('server policies', () => {
  it('reads every key of the documented example', () => {
    const [p] = server(`--- !Policy
id: fedora_stable_critpath
product_versions: [fedora-*, epel-9]
decision_contexts: [bodhi_update_push_stable, bodhi_update_push_stable_critpath]
subject_types: [koji_build, brew-build]
excluded_packages: [python2-*]
packages: [bash, 'kernel*']
relevance_key: k
relevance_value: v
rules:
  - !PassingTestCaseRule {test_case_name: dist.rpmdeplint}
  - !PassingTestCaseRule {test_case_name: compose.install, scenario: x86_64.uefi, valid_since: 2021-10-02, valid_until: '2022-01-01T00:00:00Z'}
  - !RemoteRule {required: true, sources: ['https://a/{pkg_name}', 'https://b/{rev}']}
  - !RemoteRule
`);
    assert.deepEqual(p, {
      kind: 'server', id: 'fedora_stable_critpath', product_versions: ['fedora-*', 'epel-9'], decision_context: null,
      decision_contexts: ['bodhi_update_push_stable', 'bodhi_update_push_stable_critpath'], subject_type: null,
      subject_types: ['koji_build', 'brew-build'],
      rules: [
        { type: 'PassingTestCaseRule', test_case_name: 'dist.rpmdeplint', scenario: null, valid_since: null, valid_until: null },
        { type: 'PassingTestCaseRule', test_case_name: 'compose.install', scenario: 'x86_64.uefi', valid_since: Date.UTC(2021, 9, 2) * US, valid_until: Date.UTC(2022, 0, 1) * US },
        { type: 'RemoteRule', required: true, sources: ['https://a/{pkg_name}', 'https://b/{rev}'] },
        { type: 'RemoteRule', required: false, sources: [] },
      ],
      excluded_packages: ['python2-*'], packages: ['bash', 'kernel*'], relevance_key: 'k', relevance_value: 'v',
      source: null, file: 'p.yaml',
    } satisfies Policy);
  });

  it('takes the single forms of decision context and subject type, with list defaults', () => {
    const [p] = server(base());
    assert.equal(p!.decision_context, 'gate');
    assert.deepEqual(p!.decision_contexts, []);
    assert.equal(p!.subject_type, 'koji_build');
    assert.deepEqual(p!.subject_types, []);
    assert.deepEqual([p!.rules, p!.excluded_packages, p!.packages], [[], [], []]);
    assert.deepEqual([p!.relevance_key, p!.relevance_value], [null, null]);
  });

  it('reads every document of a multi-document file, untagged ones too, and skips empty ones', () => {
    const ps = server(`--- !Policy\n${base('', 'a')}---\n---\n${base('', 'b')}--- ~\n`);
    assert.deepEqual(ps.map((p) => p.id), ['a', 'b']);
    assert.deepEqual(server(''), []);
  });

  it('str()-converts scalars for string attributes, as Greenwave does', () => {
    const [p] = server(`id: 1\nproduct_versions: ['40']\ndecision_context: 2.50\nsubject_type: true\nrules: [!PassingTestCaseRule {test_case_name: 007}]\n`);
    assert.equal(p!.id, '1');
    assert.equal(p!.decision_context, '2.50');
    assert.equal(p!.subject_type, 'true');
    assert.equal((p!.rules[0] as { test_case_name: string }).test_case_name, '007');
  });

  it('reads YAML 1.1 booleans for required, as PyYAML does', () => {
    const [p] = server(base('').replace('rules: []', 'rules: [!RemoteRule {required: yes}, !RemoteRule {required: Off}]'));
    assert.deepEqual(p!.rules.map((r) => r.type === 'RemoteRule' && r.required), [true, false]);
  });

  it('requires exactly one decision context form and one subject type form', () => {
    const without = (key: string) => base().split('\n').filter((l) => !l.startsWith(`${key}:`)).join('\n');
    serverError(without('decision_context'), "p.yaml: Policy 'x': No decision contexts provided");
    serverError(base('decision_contexts: [a]\n'), 'p.yaml: Policy \'x\': Both properties "decision_contexts" and "decision_context" were set');
    serverError(without('decision_context') + 'decision_contexts: []\n', "p.yaml: Policy 'x': No decision contexts provided");
    serverError(without('subject_type'), "p.yaml: Policy 'x': No subject types provided");
    serverError(base('subject_types: [a]\n'), 'p.yaml: Policy \'x\': Both properties "subject_types" and "subject_type" were set');
  });

  it('names missing required attributes, untitled when the id is missing', () => {
    serverError('product_versions: [a]\ndecision_context: c\nsubject_type: k\nrules: []\n', "p.yaml: Policy 'untitled': Attribute 'id' is required");
    serverError('id: x\ndecision_context: c\nsubject_type: k\nrules: []\n', "p.yaml: Policy 'x': Attribute 'product_versions' is required");
    serverError('id: x\nproduct_versions: [a]\ndecision_context: c\nsubject_type: k\n', "p.yaml: Policy 'x': Attribute 'rules' is required");
    serverError(base('').replace('rules: []', 'rules: [!PassingTestCaseRule {scenario: s}]'), "p.yaml: Policy 'x': Attribute 'rules': YAML object !PassingTestCaseRule: Attribute 'test_case_name' is required");
  });

  it('rejects wrong types with SafeYAML wording', () => {
    serverError(base().replace('[fedora-*]', '[1]'), "p.yaml: Policy 'x': Attribute 'product_versions': Expected list of str objects");
    serverError(base().replace('[fedora-*]', 'fedora-40'), "p.yaml: Policy 'x': Attribute 'product_versions': Expected list of str objects");
    serverError(base('excluded_packages: {a: 1}\n'), "p.yaml: Policy 'x': Attribute 'excluded_packages': Expected list of str objects");
    serverError(base().replace('decision_context: gate', 'decision_context: [a]'), "p.yaml: Policy 'x': Attribute 'decision_context': Expected a string value, got: ['a']");
    serverError(base().replace('rules: []', 'rules: !RemoteRule {}'), "p.yaml: Policy 'x': Attribute 'rules': Expected list of Rule objects");
    serverError(base().replace('rules: []', 'rules: [{test_case_name: t}]'), "p.yaml: Policy 'x': Attribute 'rules': Expected list of Rule objects");
    serverError(base().replace('rules: []', 'rules: [!RemoteRule {required: 1}]'), "p.yaml: Policy 'x': Attribute 'rules': YAML object !RemoteRule: Attribute 'required': Expected a boolean value, got: 1");
    serverError(base().replace('rules: []', 'rules: [!RemoteRule {sources: https://a}]'), "p.yaml: Policy 'x': Attribute 'rules': YAML object !RemoteRule: Attribute 'sources': Expected list of str objects");
    serverError(base().replace('rules: []', 'rules: [!PassingTestCaseRule {test_case_name: t, valid_since: soon}]'), "p.yaml: Policy 'x': Attribute 'rules': YAML object !PassingTestCaseRule: Attribute 'valid_since': Could not parse string as date/time, got: soon");
  });

  it('rejects unknown keys at the policy level and inside rules (deviation 13)', () => {
    serverError(base('excluded_package: [python2-*]\n'), "p.yaml: Policy 'x': Unknown attribute 'excluded_package'");
    serverError(base('blacklist: [a]\n'), "p.yaml: Policy 'x': Unknown attribute 'blacklist'");
    serverError(base().replace('rules: []', 'rules: [!PassingTestCaseRule {test_case_name: t, scenarios: s}]'), "p.yaml: Policy 'x': Attribute 'rules': YAML object !PassingTestCaseRule: Unknown attribute 'scenarios'");
    serverError(base().replace('rules: []', 'rules: [!RemoteRule {require: true}]'), "p.yaml: Policy 'x': Attribute 'rules': YAML object !RemoteRule: Unknown attribute 'require'");
  });

  it('refuses obsolete and unknown rule tags', () => {
    serverError(base().replace('rules: []', 'rules: [!PackageSpecificBuild {test_case_name: t}]'), 'p.yaml: Policy \'x\': Attribute \'rules\': !PackageSpecificBuild is obsolete. Please use the "packages" allowlist instead.');
    serverError(base().replace('rules: []', 'rules: [!FedoraAtomicCi {}]'), 'p.yaml: Policy \'x\': Attribute \'rules\': !FedoraAtomicCi is obsolete. Please use the "packages" allowlist instead.');
    serverError(base().replace('rules: []', 'rules: [!PassingTestCase {test_case_name: t}]'), "p.yaml: Policy 'x': Attribute 'rules': Unknown rule tag !PassingTestCase (expected !PassingTestCaseRule or !RemoteRule)");
  });

  it('reports YAML syntax errors, non-mapping roots and duplicate keys', () => {
    assert.throws(() => server('id: [x\nrules: []\n'), (e: unknown) => e instanceof PolicyError && /^p\.yaml: YAML Parser Error: Flow sequence .* at line 2, column 1$/.test(e.message));
    serverError('- a\n- b\n', 'p.yaml: Expected mapping for !Policy tagged object');
    serverError('--- !Policy just text\n', 'p.yaml: Expected mapping for !Policy tagged object');
    assert.throws(() => server(`${base()}id: y\n`), (e: unknown) => e instanceof PolicyError && /^p\.yaml: YAML Parser Error: Map keys must be unique/.test(e.message));
  });

  it('follows aliases without expanding them exponentially', () => {
    const [p] = server(`id: x\nproduct_versions: &pv [fedora-*]\ndecision_contexts: *pv\nsubject_type: k\nrules: []\n`);
    assert.deepEqual(p!.decision_contexts, ['fedora-*']);
    let bomb = 'a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n';
    for (let i = 1; i < 30; i++) bomb += `a${i}: &a${i} [${Array(10).fill(`*a${i - 1}`).join(', ')}]\n`;
    const started = Date.now();
    serverError(`${base()}${bomb}`, "p.yaml: Policy 'x': Unknown attribute 'a0'");
    assert.ok(Date.now() - started < 2000);
  });
});

describe('remote policies (gating.yaml)', () => {
  it('defaults product_versions to * and subject types to any; no id needed, no tag needed', () => {
    const ps = parseRemotePolicies('--- !Policy\ndecision_context: gate\nrules: [!PassingTestCaseRule {test_case_name: t}]\n---\nid: two\ndecision_contexts: [a, b]\nrules: []\n', 'https://x/gating.yaml');
    assert.equal(ps.length, 2);
    assert.deepEqual(
      { ...ps[0]!, rules: ps[0]!.rules.length },
      {
        kind: 'remote', id: null, product_versions: ['*'], decision_context: 'gate', decision_contexts: [], subject_type: null, subject_types: [],
        rules: 1, excluded_packages: [], packages: [], relevance_key: null, relevance_value: null, source: 'https://x/gating.yaml', file: null,
      },
    );
    assert.deepEqual([ps[1]!.id, ps[1]!.decision_contexts], ['two', ['a', 'b']]);
    assert.equal(parseRemotePolicies('decision_context: g\nrules: []\n', null)[0]!.source, null);
  });

  it('accepts either subject type form but not both', () => {
    assert.deepEqual(parseRemotePolicies('decision_context: g\nsubject_types: [a]\nrules: []\n', null)[0]!.subject_types, ['a']);
    remoteError('decision_context: g\nsubject_type: a\nsubject_types: [a]\nrules: []\n', 'Policy \'untitled\': Both properties "subject_types" and "subject_type" were set');
  });

  it('rejects a RemoteRule, naming the policy or untitled, without a file prefix', () => {
    remoteError('decision_context: g\nrules: [!RemoteRule {}]\n', "Policy 'untitled': RemoteRule is not allowed in remote policies");
    remoteError('id: mine\ndecision_context: g\nrules: [!RemoteRule {required: true}]\n', "Policy 'mine': RemoteRule is not allowed in remote policies");
  });

  it('still requires rules and a decision context, and has no relevance keys', () => {
    remoteError('decision_context: g\n', "Policy 'untitled': Attribute 'rules' is required");
    remoteError('rules: []\n', "Policy 'untitled': No decision contexts provided");
    remoteError('decision_context: g\nrules: []\nrelevance_key: k\n', "Policy 'untitled': Unknown attribute 'relevance_key'");
    remoteError('{', 'YAML Parser Error: Flow map must end with a } at line 1, column 2');
  });
});

describe('on-demand policy', () => {
  it('starts from Greenwave defaults and ignores non-policy keys of the request', () => {
    const p = parseOnDemandPolicy({
      product_version: 'fedora-40', subject_identifier: 'bash-1-1', verbose: true, when: 'x', ignore_result: [1], ignore_waiver: [2],
      rules: [{ type: 'PassingTestCaseRule', test_case_name: 'dist.rpmlint' }, { type: 'RemoteRule' }],
    });
    assert.deepEqual(p, {
      kind: 'on-demand', id: 'on-demand-policy', product_versions: ['fedora-40'], decision_context: 'on-demand-policy', decision_contexts: [],
      subject_type: null, subject_types: [],
      rules: [
        { type: 'PassingTestCaseRule', test_case_name: 'dist.rpmlint', scenario: null, valid_since: null, valid_until: null },
        { type: 'RemoteRule', required: false, sources: [] },
      ],
      excluded_packages: [], packages: [], relevance_key: null, relevance_value: null, source: null, file: null,
    } satisfies Policy);
  });

  it('applies the policy attributes present in the body', () => {
    const p = parseOnDemandPolicy({
      product_version: 'fedora-40', id: 7, product_versions: ['rhel-*'], decision_contexts: ['a', 'b'], subject_type: 'koji_build',
      excluded_packages: ['python2-*'], packages: ['bash'],
      rules: [
        { type: 'PassingTestCaseRule', test_case_name: 't', scenario: 's', valid_since: '2021-10-02', valid_until: '2021-10-03T00:00:00+01:00' },
        { type: 'RemoteRule', required: true, sources: ['https://a'] },
      ],
    });
    assert.equal(p.id, '7');
    assert.deepEqual(p.product_versions, ['rhel-*']);
    assert.deepEqual([p.decision_context, p.decision_contexts], [null, ['a', 'b']]);
    assert.deepEqual([p.subject_type, p.subject_types], [null, []]);
    assert.deepEqual([p.excluded_packages, p.packages], [['python2-*'], ['bash']]);
    assert.deepEqual(p.rules, [
      { type: 'PassingTestCaseRule', test_case_name: 't', scenario: 's', valid_since: Date.UTC(2021, 9, 2) * US, valid_until: Date.UTC(2021, 9, 2, 23) * US },
      { type: 'RemoteRule', required: true, sources: ['https://a'] },
    ]);
  });

  it("answers Greenwave's from_value messages", () => {
    onDemandError({ rules: [{ test_case_name: 't' }] }, "Attribute 'rules': Key 'type' is required for each list item");
    onDemandError({ rules: [{ type: '', test_case_name: 't' }] }, "Attribute 'rules': Key 'type' is required for each list item");
    onDemandError({ rules: [{ type: 'Passing' }] }, "Attribute 'rules': Key 'type' for an list item is not valid: Passing");
    onDemandError({ rules: [{ type: 'PassingTestCaseRule' }] }, "Attribute 'rules': Attribute 'test_case_name' is required");
    onDemandError({ rules: [{ type: 'PassingTestCaseRule', test_case_name: null }] }, "Attribute 'rules': Attribute 'test_case_name' is required");
    onDemandError({ rules: [{ type: 'RemoteRule', required: 'true' }] }, "Attribute 'rules': Attribute 'required': Expected a boolean value, got: true");
    onDemandError({ rules: [{ type: 'RemoteRule', required: 1 }] }, "Attribute 'rules': Attribute 'required': Expected a boolean value, got: 1");
    onDemandError({ rules: 'dist.rpmlint' }, "Attribute 'rules': Expected list of Rule objects");
    onDemandError({ rules: { type: 'RemoteRule' } }, "Attribute 'rules': Expected list of Rule objects");
    onDemandError({ rules: ['dist.rpmlint'] }, "Attribute 'rules': Expected list of Rule objects");
    onDemandError({ rules: [{ type: 'PassingTestCaseRule', test_case_name: 't', scenarios: 's' }] }, "Attribute 'rules': Unknown attribute 'scenarios'");
    onDemandError({ rules: [{ type: 'PackageSpecificBuild' }] }, 'Attribute \'rules\': !PackageSpecificBuild is obsolete. Please use the "packages" allowlist instead.');
    onDemandError({ rules: [{ type: 'PassingTestCaseRule', test_case_name: 't', valid_since: 'never' }] }, "Attribute 'rules': Attribute 'valid_since': Could not parse string as date/time, got: never");
    onDemandError({ rules: [], excluded_packages: 'python2-*' }, "Attribute 'excluded_packages': Expected list of str objects");
  });
});

describe('policyToJson', () => {
  it("has exactly Greenwave's keys, rules keyed `rule`, no validity dates", () => {
    const [p] = server(`id: x\nproduct_versions: [f-*]\ndecision_contexts: [a]\nsubject_type: koji_build\nrules:\n  - !PassingTestCaseRule {test_case_name: t, valid_since: 2021-01-01}\n  - !RemoteRule {sources: [u]}\n`);
    const json = policyToJson(p!);
    assert.deepEqual(Object.keys(json), [
      'id', 'product_versions', 'decision_context', 'decision_contexts', 'subject_type', 'subject_types', 'rules', 'excluded_packages', 'packages',
      'relevance_key', 'relevance_value',
    ]);
    assert.deepEqual(json, {
      id: 'x', product_versions: ['f-*'], decision_context: null, decision_contexts: ['a'], subject_type: 'koji_build', subject_types: [],
      rules: [
        { rule: 'PassingTestCaseRule', test_case_name: 't', scenario: null },
        { rule: 'RemoteRule', required: false, sources: ['u'] },
      ],
      excluded_packages: [], packages: [], relevance_key: null, relevance_value: null,
    });
  });
});

describe('parsePolicyTime', () => {
  const ms = (s: string) => parsePolicyTime(s)! / US;

  it('reads dates, times, fractions and offsets; naive means UTC', () => {
    assert.equal(ms('2021-10-02'), Date.UTC(2021, 9, 2));
    assert.equal(ms('2021-10-02T12:00:00'), Date.UTC(2021, 9, 2, 12));
    assert.equal(parsePolicyTime('2021-10-02 12:00:00.5'), Date.UTC(2021, 9, 2, 12) * US + 500_000);
    assert.equal(parsePolicyTime('2021-10-02T12:00:00.1234567'), Date.UTC(2021, 9, 2, 12) * US + 123_456);
    assert.equal(ms('2021-10-02T12:00:00Z'), Date.UTC(2021, 9, 2, 12));
    assert.equal(ms('2021-10-02T12:00:00+02:00'), Date.UTC(2021, 9, 2, 10));
    assert.equal(ms('2021-10-02T12:00-0530'), Date.UTC(2021, 9, 2, 17, 30));
    assert.equal(ms('2021-1-2'), Date.UTC(2021, 0, 2));
    assert.equal(parsePolicyTime(new Date(Date.UTC(2021, 9, 2))), Date.UTC(2021, 9, 2) * US);
    assert.equal(parsePolicyTime(null), null);
  });

  it('refuses what is not a date/time', () => {
    for (const bad of ['soon', '2021-13-01', '2021-02-30', '2021-10-02T25:00:00', '2021-10-02T12:00:00+25:00', '']) {
      assert.throws(() => parsePolicyTime(bad), (e: unknown) => e instanceof PolicyError && e.message === `Could not parse string as date/time, got: ${bad}`);
    }
    assert.throws(() => parsePolicyTime(5), (e: unknown) => e instanceof PolicyError && e.message === 'Could not parse string as date/time, got: 5');
  });
});
