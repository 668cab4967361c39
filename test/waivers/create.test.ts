/** POST /api/v1.0/waivers/: creation, bulk all-or-nothing, legacy subjects, result_id, auth and proxying. */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { createApiToken } from '../../src/auth/tokenStore.ts';
import { assertValidation, get, getOk, post, postResult, request } from '../helpers/http.ts';
import { as, body, create, PERMISSIONS, perStore, refused, uniq, W, waiverCount } from '../helpers/waivers.ts';

const TIMESTAMP = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{6})?$/;

/** The exact waiver JSON for `fields`, taking id and timestamp from `got` (checked for shape). */
function expected(got: any, fields: Record<string, unknown>) {
  assert.equal(typeof got.id, 'number');
  assert.match(got.timestamp, TIMESTAMP);
  return {
    comment: 'known issue',
    id: got.id,
    product_version: 'fedora-40',
    proxied_by: null,
    scenario: null,
    subject_type: 'koji_build',
    testcase: 'dist.rpmlint',
    timestamp: got.timestamp,
    username: 'alice',
    waived: true,
    ...fields,
  };
}

perStore('POST /waivers/', {}, (ctx) => {
  it('creates one waiver: 201 with the exact waiver, the same as GET /waivers/<id>', async (t) => {
    if (ctx.skip(t)) return;
    const nvr = uniq();
    const r = await post(ctx.app, W, body({ subject_identifier: nvr, _unknown: 'ignored' }), as('alice'));
    assert.equal(r.status, 201, r.text);
    assert.equal(r.headers['content-type'], 'application/json');
    assert.deepEqual(r.json, expected(r.json, { subject_identifier: nvr, subject: { type: 'koji_build', item: nvr } }));
    assert.ok(!('expires_at' in r.json), 'no expires_at key without an expiry');
    assert.deepEqual(await getOk(ctx.app, `${W}${r.json.id}`), r.json);
  });

  it('stores scenario, waived=false and an expiry converted to UTC', async (t) => {
    if (ctx.skip(t)) return;
    const nvr = uniq();
    const w = await create(ctx.app, body({ subject_identifier: nvr, scenario: 'x86_64', waived: false, expires_at: '2030-01-02T01:30:00+02:00' }));
    assert.deepEqual(w, expected(w, {
      subject_identifier: nvr, subject: { type: 'koji_build', item: nvr }, scenario: 'x86_64', waived: false, expires_at: '2030-01-01T23:30:00',
    }));
  });

  it('a list creates every waiver, in order, and answers the list', async (t) => {
    if (ctx.skip(t)) return;
    const [a, b] = [uniq(), uniq()];
    const before = await waiverCount(ctx.app);
    const out = await create(ctx.app, [body({ subject_identifier: a }), body({ subject_identifier: b, testcase: 'dist.abicheck' })]);
    assert.ok(Array.isArray(out));
    assert.deepEqual(out.map((w: any) => [w.subject_identifier, w.testcase]), [[a, 'dist.rpmlint'], [b, 'dist.abicheck']]);
    assert.ok(out[1].id > out[0].id);
    assert.equal(await waiverCount(ctx.app), before + 2);
    // A one-item list still answers a list.
    assert.ok(Array.isArray(await create(ctx.app, [body({ subject_identifier: uniq() })])));
  });

  it('a list is all-or-nothing: a bad 2nd item writes nothing', async (t) => {
    if (ctx.skip(t)) return;
    const r = await refused(ctx.app, [body({ subject_identifier: uniq() }), body({ comment: '' })]);
    assert.equal(r.status, 400);
    assert.deepEqual(r.json.validation_error.map((e: any) => e.loc), [['CreateWaiver'], ['list[CreateWaiver]', 1, 'comment']]);
    // Failures found after validation too: an unknown result id, a forbidden proxy.
    const unknown = await refused(ctx.app, [body({ subject_identifier: uniq() }), { result_id: 999999, product_version: 'f', comment: 'c' }]);
    assert.deepEqual([unknown.status, unknown.json], [400, { message: 'Result id not found in Resultsdb' }]);
    const proxy = await refused(ctx.app, [body({ subject_identifier: uniq() }), body({ username: 'bob' })]);
    assert.deepEqual([proxy.status, proxy.json], [403, { message: 'user alice does not have the proxyuser ability' }]);
  });

  it('legacy subject dicts map to type and identifier; brew-build is stored as koji_build', async (t) => {
    if (ctx.skip(t)) return;
    const n = uniq();
    const cases: [unknown, string, Record<string, string>][] = [
      [{ type: 'koji_build', item: n }, 'koji_build', { type: 'koji_build', item: n }],
      [{ type: 'brew-build', item: n }, 'koji_build', { type: 'koji_build', item: n }],
      [{ original_spec_nvr: n }, 'koji_build', { type: 'koji_build', item: n }],
      [{ 'productmd.compose.id': n }, 'compose', { 'productmd.compose.id': n }],
      [{ type: 'bodhi_update', item: n }, 'bodhi_update', { type: 'bodhi_update', item: n }],
      // the koji special case wins over original_spec_nvr, as upstream checks it first
      [{ type: 'koji_build', item: n, original_spec_nvr: 'other' }, 'koji_build', { type: 'koji_build', item: n }],
    ];
    for (const [subject, type, dict] of cases) {
      const w = await create(ctx.app, { subject, testcase: 'dist.rpmlint', product_version: 'fedora-40', comment: 'c' });
      assert.deepEqual([w.subject_type, w.subject_identifier, w.subject], [type, n, dict], JSON.stringify(subject));
    }
    const alias = await create(ctx.app, body({ subject_type: 'brew-build', subject_identifier: n }));
    assert.equal(alias.subject_type, 'koji_build');
    // A compose waiver's legacy subject is the productmd key.
    const compose = await create(ctx.app, body({ subject_type: 'compose', subject_identifier: 'Fedora-40-20240101.n.0' }));
    assert.deepEqual(compose.subject, { 'productmd.compose.id': 'Fedora-40-20240101.n.0' });
  });

  it('a legacy subject without a usable type and item is a 400 (upstream: 500), writing nothing', async (t) => {
    if (ctx.skip(t)) return;
    const msg = { message: 'subject must have "type" and "item", "original_spec_nvr" or "productmd.compose.id"' };
    for (const subject of [{}, { item: 'x-1-1' }, { type: 'koji_build' }]) {
      const r = await refused(ctx.app, { subject, testcase: 'dist.rpmlint', product_version: 'f', comment: 'c' });
      assert.deepEqual([r.status, r.json], [400, msg], JSON.stringify(subject));
    }
  });

  it('NUL characters and keys too long to index are 400s on both stores, never a 500', async (t) => {
    if (ctx.skip(t)) return;
    const nul = body({ subject_identifier: 'a\u0000b' });
    assertValidation(await refused(ctx.app, nul), [
      { input: 'a\u0000b', loc: ['CreateWaiver', 'subject_identifier'], msg: 'Value error, NUL characters are not allowed', type: 'value_error' },
      { input: nul, loc: ['list[CreateWaiver]'], msg: 'Input should be a valid list', type: 'list_type' },
    ]);
    const long = 'é'.repeat(426); // 852 bytes
    const r = await refused(ctx.app, body({ subject_identifier: long }));
    assert.deepEqual([r.status, r.json], [400, { message: 'subject_identifier is too long: at most 850 bytes (UTF-8)' }]);
    const legacy = await refused(ctx.app, { subject: { type: 'koji_build', item: 'x'.repeat(5000) }, testcase: 'dist.x', product_version: 'f', comment: 'c' });
    assert.equal(legacy.status, 400);
    await create(ctx.app, body({ subject_identifier: 'é'.repeat(425), testcase: 't'.repeat(850) }));
  });

  it('result_id: subject, testcase and scenario come from our own result', async (t) => {
    if (ctx.skip(t)) return;
    const n = uniq();
    const koji = await postResult(ctx.app, { testcase: 'dist.depcheck', outcome: 'FAILED', data: { item: n, type: 'koji_build', scenario: 'fedora.x86_64' } });
    const w = await create(ctx.app, { result_id: koji.id, product_version: 'fedora-40', comment: 'c' });
    assert.deepEqual([w.subject_type, w.subject_identifier, w.testcase, w.scenario], ['koji_build', n, 'dist.depcheck', 'fedora.x86_64']);

    const cases: [Record<string, unknown>, string][] = [
      [{ original_spec_nvr: n, type: 'bodhi_update', item: 'FEDORA-1' }, 'koji_build'],
      [{ type: 'brew-build', item: n }, 'koji_build'],
      [{ type: 'bodhi_update', item: n }, 'bodhi_update'],
    ];
    for (const [data, type] of cases) {
      const res = await postResult(ctx.app, { testcase: 'dist.x', outcome: 'PASSED', data });
      const v = await create(ctx.app, { result_id: String(res.id), product_version: 'fedora-40', comment: 'c' }); // lax int
      assert.deepEqual([v.subject_type, v.subject_identifier, v.testcase, v.scenario], [type, n, 'dist.x', null], JSON.stringify(data));
    }
  });

  it('result_id: unknown id and results without subject data are 400s', async (t) => {
    if (ctx.skip(t)) return;
    const r = await refused(ctx.app, { result_id: 987654321, product_version: 'f', comment: 'c' });
    assert.deepEqual([r.status, r.json], [400, { message: 'Result id not found in Resultsdb' }]);
    const huge = await refused(ctx.app, { result_id: 2 ** 62, product_version: 'f', comment: 'c' });
    assert.deepEqual([huge.status, huge.json], [400, { message: 'Result id not found in Resultsdb' }]);
    const msg = 'It is not possible to submit a waiver by id for this result. Please try again specifying a subject and a testcase.';
    for (const data of [{ item: 'a-1-1' }, { type: 'koji_build' }, {}]) {
      const res = await postResult(ctx.app, { testcase: 'dist.y', outcome: 'PASSED', data });
      const bad = await refused(ctx.app, { result_id: res.id, product_version: 'f', comment: 'c' });
      assert.deepEqual([bad.status, bad.json], [400, { message: msg }], JSON.stringify(data));
    }
  });

  it('401 without credentials, after validation; a bearer API token authenticates', async (t) => {
    if (ctx.skip(t)) return;
    const r = await refused(ctx.app, body(), {});
    assert.equal(r.status, 401);
    assert.match(r.json.message, /^Authentication failed:\n- Authentication method token failed/);
    // An invalid body is reported before authentication, as upstream validates first.
    const invalid = await refused(ctx.app, { comment: 'c' }, {});
    assert.equal(invalid.status, 400);
    const { token } = await createApiToken(ctx.app.store, { user: 'tina' });
    const w = await post(ctx.app, W, body({ subject_identifier: uniq() }), { authorization: `Bearer ${token}` });
    assert.equal(w.status, 201, w.text);
    assert.equal(w.json.username, 'tina');
  });

  it('a superuser proxies: username is the given user, proxied_by the caller; an empty username is no proxying', async (t) => {
    if (ctx.skip(t)) return;
    const w = await create(ctx.app, body({ subject_identifier: uniq(), username: 'packager' }), 'bodhi');
    assert.deepEqual([w.username, w.proxied_by], ['packager', 'bodhi']);
    const plain = await create(ctx.app, body({ subject_identifier: uniq(), username: '' }), 'carol');
    assert.deepEqual([plain.username, plain.proxied_by], ['carol', null]);
    const r = await refused(ctx.app, body({ username: 'packager' }), as('carol'));
    assert.deepEqual([r.status, r.json], [403, { message: 'user carol does not have the proxyuser ability' }]);
  });

  it('bad JSON is a 400, a non-JSON body a 415, never a 500', async (t) => {
    if (ctx.skip(t)) return;
    const bad = await request(ctx.app, 'POST', W, { body: '{"comment": ', headers: { 'content-type': 'application/json', ...as('alice') } });
    assert.equal(bad.status, 400, bad.text);
    assert.equal(typeof bad.json.message, 'string');
    const text = await request(ctx.app, 'POST', W, { body: 'comment=x', headers: { 'content-type': 'text/plain', ...as('alice') } });
    assert.equal(text.status, 415, text.text);
    const none = await request(ctx.app, 'POST', W, { headers: as('alice') });
    assert.equal(none.status, 415, none.text);
  });

  it('JSONP on POST: the created waiver wrapped in the callback', async (t) => {
    if (ctx.skip(t)) return;
    const r = await post(ctx.app, `${W}?callback=done`, body({ subject_identifier: uniq() }), as('alice'));
    assert.equal(r.status, 201);
    assert.equal(r.headers['content-type'], 'application/javascript; charset=utf-8');
    const m = /^done\((.*)\)$/s.exec(r.text);
    assert.ok(m, r.text);
    assert.equal(JSON.parse(m[1]).username, 'alice');
    assert.deepEqual((await get(ctx.app, `${W}${JSON.parse(m[1]).id}`)).json.id, JSON.parse(m[1]).id);
  });
});

perStore('POST /waivers/ with permissions', { auth: { permissions: PERMISSIONS, superusers: ['bodhi', 'kim'] } }, (ctx) => {
  const denied = (user: string, tc: string) => ({ message: `User ${user} is not authorized to submit results for the test case ${tc}` });

  it('a listed user or a member of a listed group may waive; anyone else gets 403', async (t) => {
    if (ctx.skip(t)) return;
    await create(ctx.app, body({ subject_identifier: uniq() }), 'alice');
    const byGroup = await post(ctx.app, W, body({ subject_identifier: uniq() }), as('gina', ['other', 'qa-team']));
    assert.equal(byGroup.status, 201, byGroup.text);
    const r = await refused(ctx.app, body(), as('bob', ['other']));
    assert.deepEqual([r.status, r.json], [403, denied('bob', 'dist.rpmlint')]);
    // testcases_ignore takes the entry away; a testcase no entry covers is allowed to nobody.
    const ignored = await refused(ctx.app, body({ testcase: 'dist.unwaivable' }), as('alice'));
    assert.deepEqual([ignored.status, ignored.json], [403, denied('alice', 'dist.unwaivable')]);
    const uncovered = await refused(ctx.app, body({ testcase: 'other.test' }), as('alice'));
    assert.equal(uncovered.status, 403);
  });

  it('an unauthorized 2nd item writes nothing', async (t) => {
    if (ctx.skip(t)) return;
    const r = await refused(ctx.app, [body({ subject_identifier: uniq() }), body({ testcase: 'kernel.boot' })], as('alice'));
    assert.deepEqual([r.status, r.json], [403, denied('alice', 'kernel.boot')]);
  });

  it('proxying: the permission check is made for the proxied user, without the caller groups', async (t) => {
    if (ctx.skip(t)) return;
    // bodhi itself may not waive dist.*, alice may: allowed.
    const w = await create(ctx.app, body({ subject_identifier: uniq(), username: 'alice' }), 'bodhi');
    assert.deepEqual([w.username, w.proxied_by], ['alice', 'bodhi']);
    // kim may waive kernel.*, alice may not: denied for alice.
    const r = await refused(ctx.app, body({ testcase: 'kernel.boot', username: 'alice' }), as('kim'));
    assert.deepEqual([r.status, r.json], [403, denied('alice', 'kernel.boot')]);
    // The caller's qa-team membership does not carry over to the proxied user.
    const g = await refused(ctx.app, body({ username: 'zed' }), as('bodhi', ['qa-team']));
    assert.deepEqual([g.status, g.json], [403, denied('zed', 'dist.rpmlint')]);
  });

  it('result_id waivers are checked against the testcase of the result', async (t) => {
    if (ctx.skip(t)) return;
    const res = await postResult(ctx.app, { testcase: 'kernel.boot', outcome: 'FAILED', data: { item: uniq(), type: 'koji_build' } });
    const r = await refused(ctx.app, { result_id: res.id, product_version: 'f', comment: 'c' }, as('alice'));
    assert.deepEqual([r.status, r.json], [403, denied('alice', 'kernel.boot')]);
    assert.equal((await post(ctx.app, W, { result_id: res.id, product_version: 'f', comment: 'c' }, as('kim'))).status, 201);
  });
});
