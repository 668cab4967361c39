/**
 * Repeated decisions answered from the cache: never stale (deviations item 12). A new result or
 * waiver from any process, a waiver's expiry, a policy reload, Koji and remote files all defeat it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DEFAULTS } from '../../src/config/config.ts';
import { DecisionCache, decisionCacheKey, validUntil } from '../../src/gating/decisionCache.ts';
import { parseServerPolicies } from '../../src/gating/policyYaml.ts';
import { parseDecisionRequest } from '../../src/gating/request.ts';
import { createGating, type Gating } from '../../src/gating/service.ts';
import { mergeSubjectTypes } from '../../src/gating/subjects.ts';
import { buildApp } from '../../src/http/app.ts';
import { allowedOutcomes } from '../../src/results/outcomes.ts';
import { createResult } from '../../src/results/store.ts';
import { openStore, type Store } from '../../src/store/connection.ts';
import type { WaiverRow } from '../../src/waivers/serialize.ts';
import { get, post } from '../helpers/http.ts';
import { freshStore, postgresAvailable, STORE_KINDS, type TestApp } from '../helpers/stores.ts';
import { insertRow } from '../helpers/waivers.ts';

const POLICIES = `
--- !Policy
id: gate
product_versions: [fedora-*]
decision_context: stable
subject_type: koji_build
rules:
  - !PassingTestCaseRule {test_case_name: dist.rpmdeplint}
  - !PassingTestCaseRule {test_case_name: dist.abicheck}
`;
const STRICTER = `${POLICIES}  - !PassingTestCaseRule {test_case_name: dist.upgradepath}\n`;
const REMOTE = `
--- !Policy
id: remote
product_versions: [fedora-*]
decision_context: stable
subject_type: koji_build
rules:
  - !RemoteRule {sources: ['http://127.0.0.1:9/{subject_id}/gating.yaml']}
`;

const types = mergeSubjectTypes([]);
const request = (body: Record<string, unknown>) => parseDecisionRequest(body, types);
const body = (item: string, extra: Record<string, unknown> = {}) =>
  ({ decision_context: 'stable', product_version: 'fedora-40', subject_type: 'koji_build', subject_identifier: item, ...extra });

describe('DecisionCache', () => {
  const P = {};
  it('serves an answer only under the same token, policy set and before its end', () => {
    const c = new DecisionCache(1 << 20);
    const answer = Buffer.from('answer');
    c.set('k', '3/1', P, 1000, answer);
    assert.equal(c.get('k', '3/1', P, 999), answer);
    assert.equal(c.get('k', '4/1', P, 999), undefined);
    assert.equal(c.get('k', '3/2', P, 999), undefined);
    assert.equal(c.get('k', '3/1', {}, 999), undefined);
    assert.equal(c.get('k', '3/1', P, 1000), undefined);
    assert.equal(c.get('other', '3/1', P, 0), undefined);
    assert.deepEqual(c.stats, { hits: 1, misses: 5 });
  });

  it('evicts the least recently used answers past its size; keeps nothing when disabled', () => {
    const body = Buffer.alloc(200, 'x');
    // An entry counts 2 bytes per character of its key plus its body: 2 + 200 = 202.
    const c = new DecisionCache(3 * 202);
    for (const k of 'abc') c.set(k, 't', P, Infinity, body);
    assert.equal(c.get('a', 't', P, 0), body); // a is now the most recent
    c.set('d', 't', P, Infinity, body);
    assert.equal(c.get('b', 't', P, 0), undefined);
    for (const k of 'acd') assert.equal(c.get(k, 't', P, 0), body, k);
    assert.deepEqual({ entries: c.snapshot().entries, bytes: c.snapshot().bytes }, { entries: 3, bytes: 606 });
    c.set('big', 't', P, Infinity, Buffer.alloc(601));
    assert.equal(c.get('big', 't', P, 0), undefined);
    const z = Buffer.from('z');
    c.set('a', 't2', P, Infinity, z);
    assert.equal(c.get('a', 't2', P, 0), z);
    assert.equal(c.snapshot().bytes, 2 * 202 + 3);
    const off = new DecisionCache(0);
    off.set('a', 't', P, Infinity, body);
    assert.equal(off.enabled, false);
    assert.equal(off.get('a', 't', P, 0), undefined);
  });

  it('keys plain questions only, by what the answer depends on', () => {
    const key = (b: Record<string, unknown>) => decisionCacheKey(request(b), b);
    assert.equal(key(body('a-1-1', { verbose: true })), null);
    assert.equal(key(body('a-1-1', { when: '2024-01-01T00:00:00' })), null);
    assert.equal(key({ ...body('a-1-1', { rules: [{ type: 'PassingTestCaseRule', test_case_name: 'x' }] }), decision_context: undefined }), null);
    const k = key(body('a-1-1'));
    assert.ok(k);
    assert.equal(key({ verbose: false, ...body('a-1-1') }), k);
    assert.equal(key(body('a-1-1', { decision_context: ['stable'] })), k);
    for (const other of [
      body('a-1-2'), body('a-1-1', { product_version: 'fedora-41' }), body('a-1-1', { decision_context: ['stable', 'testing'] }),
      body('a-1-1', { subject_type: 'brew-build' }), body('a-1-1', { ignore_result: [1] }), body('a-1-1', { ignore_waiver: [1] }),
    ]) {
      assert.notEqual(key(other), k, JSON.stringify(other));
    }
    assert.notEqual(key({ decision_context: 'stable', product_version: 'fedora-40', subject: [{ type: 'koji_build', item: 'a-1-1' }] }), k);
  });

  it('an answer holds until the next waiver timestamp or expiry after it was computed', () => {
    const w = (timestamp: number, expires_at: number | null) => ({ timestamp, expires_at }) as WaiverRow;
    assert.equal(validUntil([], 100), Infinity);
    assert.equal(validUntil([w(50, null), w(60, 90)], 100), Infinity);
    assert.equal(validUntil([w(50, 300), w(60, 200), w(70, null)], 100), 200);
    assert.equal(validUntil([w(50, 300), w(150, null)], 100), 150);
    assert.equal(validUntil([w(50, 100)], 100), Infinity);
  });
});

for (const kind of STORE_KINDS) {
  describe(`decision cache over HTTP (${kind})`, () => {
    let ctx: { app: TestApp; gating: Gating; other: Store; url: string } | undefined;
    before(async () => {
      if (kind === 'postgres' && !(await postgresAvailable())) return;
      const { store, url, dispose } = await freshStore(kind);
      const gating = createGating({ store, config: DEFAULTS.gating, policyDir: null, policies: parseServerPolicies(POLICIES, 'test.yaml') });
      const a = await buildApp({ store, outcomes: allowedOutcomes([]), maxLimit: 1000, bodyLimit: 1 << 20, logger: false, gating });
      // Another process's own connections on PostgreSQL; SQLite's in-memory store has only one.
      const other = kind === 'postgres' ? openStore(url, { poolSize: 1 }) : store;
      const app = Object.assign(a, {
        store,
        dispose: async () => {
          await a.close();
          if (other !== store) await other.close();
          await dispose();
        },
      });
      ctx = { app, gating, other, url };
    });
    after(() => ctx?.app.dispose());
    const ready = (t: { skip: (m: string) => void }) => {
      if (!ctx) t.skip('PostgreSQL unavailable');
      return ctx;
    };
    let seq = 0;
    const nvr = () => `cache${++seq}x${process.hrtime.bigint() % 100000n}-1.0-1.fc40`;
    const ask = async (app: TestApp, b: Record<string, unknown>) => {
      const r = await post(app, '/api/v1.0/decision', b);
      assert.equal(r.status, 200, r.text);
      return { text: r.text, json: r.json };
    };
    const write = (store: Store, testcase: string, outcome: string, data: [string, string][]) =>
      createResult(store, { testcase: { name: testcase }, outcome, note: null, ref_url: null, submit_time: Date.now() * 1000, groups: [], data });
    const pass = (store: Store, item: string, testcase: string, outcome = 'PASSED') =>
      write(store, testcase, outcome, [['item', item], ['type', 'koji_build']]);

    it('a repeated question is answered from the cache with the same bytes; a new failure from another process is seen at once', async (t) => {
      const c = ready(t);
      if (!c) return;
      const item = nvr();
      await pass(c.app.store, item, 'dist.rpmdeplint');
      await pass(c.app.store, item, 'dist.abicheck');
      const first = await ask(c.app, body(item));
      assert.equal(first.json.policies_satisfied, true);
      const hits = c.gating.cache.stats.hits;
      const again = await ask(c.app, body(item));
      assert.equal(c.gating.cache.stats.hits, hits + 1);
      assert.equal(again.text, first.text);
      const metrics = (await get(c.app, '/metrics')).text;
      assert.match(metrics, new RegExp(`^resultsdb_decision_cache_lookups_total\\{outcome="hit"\\} ${hits + 1}$`, 'm'));
      assert.match(metrics, /^resultsdb_decision_cache_bytes [1-9]\d*$/m);
      // JSONP wraps the kept answer: cb(<the JSON without its newline>).
      const js = await post(c.app, '/api/v1.0/decision?callback=cb', body(item));
      assert.equal(js.headers['content-type'], 'application/javascript; charset=utf-8');
      assert.equal(js.text, `cb(${first.text.replace(/\n$/, '')})`);
      assert.equal(c.gating.cache.stats.hits, hits + 2);
      await pass(c.other, item, 'dist.abicheck', 'FAILED');
      const after = await ask(c.app, body(item));
      assert.equal(after.json.policies_satisfied, false);
      assert.equal(after.json.summary, 'Of 2 required tests, 1 test failed');
      assert.equal(c.gating.cache.stats.hits, hits + 2);
      // A failure found only through original_spec_nvr counts too.
      await pass(c.app.store, item, 'dist.abicheck');
      assert.equal((await ask(c.app, body(item))).json.policies_satisfied, true);
      await write(c.other, 'dist.rpmdeplint', 'FAILED', [['original_spec_nvr', item]]);
      assert.equal((await ask(c.app, body(item))).json.policies_satisfied, false);
    });

    it('a new waiver, and a waiver that expires with no new row, change the answer', async (t) => {
      const c = ready(t);
      if (!c) return;
      const item = nvr();
      await pass(c.app.store, item, 'dist.rpmdeplint');
      assert.equal((await ask(c.app, body(item))).json.policies_satisfied, false);
      const now = Date.now() * 1000;
      // Expires in 400 ms; the answer computed before must not outlive it.
      await insertRow(c.app, { subject_identifier: item, testcase: 'dist.abicheck', timestamp: now - 1000, expires_at: now + 400_000 });
      assert.equal((await ask(c.app, body(item))).json.policies_satisfied, true);
      assert.equal((await ask(c.app, body(item))).json.policies_satisfied, true);
      await new Promise((r) => setTimeout(r, 500));
      const later = await ask(c.app, body(item));
      assert.equal(later.json.policies_satisfied, false);
      assert.deepEqual(later.json.unsatisfied_requirements.map((r: any) => r.type), ['test-result-missing']);
    });

    it('a policy reload changes the answer; verbose, `when` and a disabled cache are always computed', async (t) => {
      const c = ready(t);
      if (!c) return;
      const item = nvr();
      await pass(c.app.store, item, 'dist.rpmdeplint');
      await pass(c.app.store, item, 'dist.abicheck');
      assert.equal((await ask(c.app, body(item))).json.policies_satisfied, true);
      const kept = c.gating.policies;
      c.gating.policies = parseServerPolicies(STRICTER, 'test.yaml');
      try {
        assert.equal((await ask(c.app, body(item))).json.policies_satisfied, false);
      } finally {
        c.gating.policies = kept;
      }
      assert.equal((await ask(c.app, body(item))).json.policies_satisfied, true);
      const before = { ...c.gating.cache.stats };
      await ask(c.app, body(item, { verbose: true }));
      await ask(c.app, body(item, { when: new Date().toISOString() }));
      assert.deepEqual(c.gating.cache.stats, before);

      const off = createGating({ store: c.app.store, config: { ...DEFAULTS.gating, decisionCacheBytes: 0 }, policyDir: null, policies: kept });
      const offApp = await buildApp({ store: c.app.store, outcomes: allowedOutcomes([]), maxLimit: 1000, bodyLimit: 1 << 20, logger: false, gating: off });
      try {
        const a = await ask(Object.assign(offApp, { store: c.app.store, dispose: async () => {} }), body(item));
        assert.equal(a.text, (await ask(c.app, body(item))).text);
        assert.deepEqual(off.cache.snapshot(), { hits: 0, misses: 0, entries: 0, bytes: 0 });
      } finally {
        await offApp.close();
      }
    });

    it('a decision that fetched a remote rule file is fetched again next time', async (t) => {
      const c = ready(t);
      if (!c) return;
      const g = createGating({ store: c.app.store, config: DEFAULTS.gating, policyDir: null, policies: parseServerPolicies(REMOTE, 'remote.yaml') });
      const fetched: string[] = [];
      g.fetchFile = async (url) => {
        fetched.push(url);
        return { kind: 'missing' };
      };
      const app = await buildApp({ store: c.app.store, outcomes: allowedOutcomes([]), maxLimit: 1000, bodyLimit: 1 << 20, logger: false, gating: g });
      try {
        const a = Object.assign(app, { store: c.app.store, dispose: async () => {} });
        const item = nvr();
        const first = await ask(a, body(item));
        assert.equal(fetched.length, 1);
        assert.equal((await ask(a, body(item))).text, first.text);
        assert.equal(fetched.length, 2);
        assert.equal(g.cache.snapshot().entries, 0);
      } finally {
        await app.close();
      }
    });
  });
}
