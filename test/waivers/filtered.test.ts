/** POST /api/v1.0/waivers/+filtered (Greenwave's query) and the deprecated +by-subjects-and-testcases. */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { assertValidation, post, request } from '../helpers/http.ts';
import { ids, insertRow, perStore, uniq, us, W } from '../helpers/waivers.ts';

const F = `${W}+filtered`;
const B = `${W}+by-subjects-and-testcases`;

perStore('+filtered', {}, (ctx) => {
  const filtered = async (payload: unknown) => {
    const r = await post(ctx.app, F, payload);
    assert.equal(r.status, 200, r.text);
    return ids(r);
  };

  it('filters are OR-ed, keys inside one filter AND-ed; newest first, unpaginated', async (t) => {
    if (ctx.skip(t)) return;
    const [n, m] = [uniq(), uniq()];
    const a = await insertRow(ctx.app, { subject_identifier: n, testcase: 'dist.a', timestamp: us('2024-01-03') });
    const b = await insertRow(ctx.app, { subject_identifier: n, testcase: 'dist.b', scenario: 's', timestamp: us('2024-01-01') });
    const c = await insertRow(ctx.app, { subject_identifier: m, testcase: 'dist.a', username: 'bob', proxied_by: 'bodhi', timestamp: us('2024-01-02') });
    const d = await insertRow(ctx.app, { subject_identifier: m, subject_type: 'compose', testcase: 'dist.a', product_version: 'fedora-41' });
    assert.deepEqual(await filtered({ filters: [{ subject_identifier: n, testcase: 'dist.a' }, { subject_identifier: m, testcase: 'dist.a', subject_type: 'koji_build' }] }), [a, c]);
    assert.deepEqual(await filtered({ filters: [{ subject_identifier: n, scenario: 's' }] }), [b]);
    assert.deepEqual(await filtered({ filters: [{ subject_identifier: m, username: 'bob' }, { subject_identifier: m, product_version: 'fedora-41' }] }), [c, d]);
    assert.deepEqual(await filtered({ filters: [{ subject_identifier: m, proxied_by: 'bodhi' }] }), [c]);
    assert.deepEqual(await filtered({ filters: [{ subject_identifier: n, since: '2024-01-02' }, { subject_identifier: m, since: ',2024-01-02T00:00:00' }] }), [a, c, d]);
    // Empty strings and nulls add no condition; unknown keys are ignored.
    assert.deepEqual(await filtered({ filters: [{ subject_identifier: n, testcase: '', scenario: null, bogus: 1 }] }), [a, b]);
    // {} matches every current waiver.
    const all = await filtered({ filters: [{}] });
    for (const id of [a, b, c, d]) assert.ok(all.includes(id));
    assert.deepEqual([a, c, b].map((id) => all.indexOf(id)), [a, c, b].map((id) => all.indexOf(id)).sort((x, y) => x - y), 'newest first');
    // Not a JSONP endpoint upstream: the callback is ignored.
    const js = await post(ctx.app, `${F}?callback=cb`, { filters: [{ subject_identifier: n }] });
    assert.equal(js.headers['content-type'], 'application/json');
  });

  it('a bad since is a 400 with the message object', async (t) => {
    if (ctx.skip(t)) return;
    const r = await post(ctx.app, F, { filters: [{}, { since: '2024-01-01,soon' }] });
    assert.deepEqual([r.status, r.json], [400, { message: { since: "Invalid isoformat string: 'soon'" } }]);
  });

  it('validation errors in pydantic shape', async (t) => {
    if (ctx.skip(t)) return;
    assertValidation(await post(ctx.app, F, {}), [{ input: {}, loc: ['filters'], msg: 'Field required', type: 'missing' }]);
    assertValidation(await post(ctx.app, F, { filters: [] }), [
      { input: [], loc: ['filters'], msg: 'List should have at least 1 item after validation, not 0', type: 'too_short' },
    ]);
    assertValidation(await post(ctx.app, F, { filters: {}, include_obsolete: 'sometimes' }), [
      { input: {}, loc: ['filters'], msg: 'Input should be a valid list', type: 'list_type' },
      { input: 'sometimes', loc: ['include_obsolete'], msg: 'Input should be a valid boolean, unable to interpret input', type: 'bool_parsing' },
    ]);
    assertValidation(await post(ctx.app, F, { filters: ['x', { testcase: 5, since: false }] }), [
      { input: 'x', loc: ['filters', 0], msg: 'Input should be a valid dictionary or instance of WaiverFilter', type: 'model_type' },
      { input: 5, loc: ['filters', 1, 'testcase'], msg: 'Input should be a valid string', type: 'string_type' },
      { input: false, loc: ['filters', 1, 'since'], msg: 'Input should be a valid string', type: 'string_type' },
    ]);
    assertValidation(await post(ctx.app, F, { filters: [{ subject_identifier: '\u0000' }] }), [
      { input: '\u0000', loc: ['filters', 0, 'subject_identifier'], msg: 'Value error, NUL characters are not allowed', type: 'value_error' },
    ]);
    assertValidation(await post(ctx.app, F, [{}]), [
      { input: [{}], loc: [], msg: 'Input should be a valid dictionary or instance of FilterWaivers', type: 'model_type' },
    ]);
    const text = await request(ctx.app, 'POST', F, { body: 'x', headers: { 'content-type': 'text/plain' } });
    assert.equal(text.status, 415);
  });

  it('include_obsolete accepts lax bools', async (t) => {
    if (ctx.skip(t)) return;
    const n = uniq();
    const old = await insertRow(ctx.app, { subject_identifier: n });
    const cur = await insertRow(ctx.app, { subject_identifier: n });
    assert.deepEqual(await filtered({ filters: [{ subject_identifier: n }], include_obsolete: 'yes' }), [cur, old]);
    assert.deepEqual(await filtered({ filters: [{ subject_identifier: n }], include_obsolete: 0 }), [cur]);
  });
});

perStore('+by-subjects-and-testcases', {}, (ctx) => {
  const bySubjects = async (payload: unknown, url = B) => {
    const r = await post(ctx.app, url, payload);
    assert.equal(r.status, 200, r.text);
    return ids(r);
  };

  it('legacy subject dicts and testcases select waivers; an unusable subject matches nothing', async (t) => {
    if (ctx.skip(t)) return;
    const n = uniq();
    const koji = await insertRow(ctx.app, { subject_identifier: n, testcase: 'dist.a' });
    const koji2 = await insertRow(ctx.app, { subject_identifier: n, testcase: 'dist.b' });
    const compose = await insertRow(ctx.app, { subject_type: 'compose', subject_identifier: n, testcase: 'dist.a' });
    const update = await insertRow(ctx.app, { subject_type: 'bodhi_update', subject_identifier: n, testcase: 'dist.a' });
    const q = (subject: unknown, testcase = 'dist.a') => bySubjects({ results: [{ subject, testcase }] });
    assert.deepEqual(await q({ type: 'koji_build', item: n }), [koji]);
    assert.deepEqual(await q({ type: 'brew-build', item: n }), [koji]);
    assert.deepEqual(await q({ original_spec_nvr: n }, 'dist.b'), [koji2]);
    assert.deepEqual(await q({ 'productmd.compose.id': n }), [compose]);
    assert.deepEqual(await q({ type: 'bodhi_update', item: n }), [update]);
    // An empty testcase does not restrict; results are OR-ed.
    assert.deepEqual(await q({ type: 'koji_build', item: n }, ''), [koji2, koji]);
    assert.deepEqual(await bySubjects({ results: [{ subject: { original_spec_nvr: n }, testcase: 'dist.b' }, { subject: { 'productmd.compose.id': n }, testcase: 'dist.a' }] }), [compose, koji2]);
    for (const subject of [{}, { item: n }, { type: 'koji_build' }]) assert.deepEqual(await q(subject), [], JSON.stringify(subject));
  });

  it('product_version, username, proxied_by and since narrow it; no results means every waiver', async (t) => {
    if (ctx.skip(t)) return;
    const n = uniq();
    const s = { type: 'koji_build', item: n };
    const a = await insertRow(ctx.app, { subject_identifier: n, testcase: 'a', timestamp: us('2024-01-01') });
    const b = await insertRow(ctx.app, { subject_identifier: n, testcase: 'b', username: 'bob', proxied_by: 'bodhi', product_version: 'fedora-41', timestamp: us('2024-02-01') });
    const results = [{ subject: s, testcase: 'a' }, { subject: s, testcase: 'b' }];
    assert.deepEqual(await bySubjects({ results }), [b, a]);
    assert.deepEqual(await bySubjects({ results, product_version: 'fedora-41' }), [b]);
    assert.deepEqual(await bySubjects({ results, username: 'alice' }), [a]);
    assert.deepEqual(await bySubjects({ results, proxied_by: 'bodhi' }), [b]);
    assert.deepEqual(await bySubjects({ results, since: '2024-01-15' }), [b]);
    assert.deepEqual(await bySubjects({ results, testcase: 'ignored' }), [b, a]);
    const all = await bySubjects({ results: [], username: 'bob', product_version: 'fedora-41', proxied_by: 'bodhi' });
    assert.ok(all.includes(b) && !all.includes(a));
    assert.ok((await bySubjects({})).includes(a));
    const bad = await post(ctx.app, B, { results, since: 'x' });
    assert.deepEqual([bad.status, bad.json], [400, { message: { since: "Invalid isoformat string: 'x'" } }]);
  });

  it('obsolete waivers are grouped per user (as GET), include_obsolete shows them; JSONP', async (t) => {
    if (ctx.skip(t)) return;
    const n = uniq();
    const s = { type: 'koji_build', item: n };
    const old = await insertRow(ctx.app, { subject_identifier: n });
    const bob = await insertRow(ctx.app, { subject_identifier: n, username: 'bob' });
    const cur = await insertRow(ctx.app, { subject_identifier: n });
    const results = [{ subject: s, testcase: 'dist.rpmlint' }];
    assert.deepEqual(await bySubjects({ results }), [cur, bob]);
    assert.deepEqual(await bySubjects({ results, include_obsolete: true }), [cur, bob, old]);
    const js = await post(ctx.app, `${B}?callback=jQuery.cb_1`, { results });
    assert.equal(js.headers['content-type'], 'application/javascript; charset=utf-8');
    assert.match(js.text, /^jQuery\.cb_1\(\{"data":\[\{.*\}\]\}\)$/s);
  });

  it('validation: results items need testcase and subject', async (t) => {
    if (ctx.skip(t)) return;
    assertValidation(await post(ctx.app, B, { results: [{}, { subject: {}, testcase: 1 }, { testcase: 'x', subject: null }, 'r'] }), [
      { input: {}, loc: ['results', 0, 'testcase'], msg: 'Field required', type: 'missing' },
      { input: {}, loc: ['results', 0, 'subject'], msg: 'Field required', type: 'missing' },
      { input: 1, loc: ['results', 1, 'testcase'], msg: 'Input should be a valid string', type: 'string_type' },
      { input: null, loc: ['results', 2, 'subject'], msg: 'Input should be a valid dictionary or instance of TestSubject', type: 'model_type' },
      { input: 'r', loc: ['results', 3], msg: 'Input should be a valid dictionary or instance of TestResult', type: 'model_type' },
    ]);
    assertValidation(await post(ctx.app, B, { results: {}, username: 3, include_obsolete: 'x' }), [
      { input: {}, loc: ['results'], msg: 'Input should be a valid list', type: 'list_type' },
      { input: 3, loc: ['username'], msg: 'Input should be a valid string', type: 'string_type' },
      { input: 'x', loc: ['include_obsolete'], msg: 'Input should be a valid boolean, unable to interpret input', type: 'bool_parsing' },
    ]);
    assertValidation(await post(ctx.app, B, { results: [{ testcase: 't', subject: { item: 1 } }] }), [
      { input: 1, loc: ['results', 0, 'subject', 'item'], msg: 'Input should be a valid string', type: 'string_type' },
    ]);
    assertValidation(await post(ctx.app, B, 'null'), [
      { input: null, loc: [], msg: 'Input should be a valid dictionary or instance of GetWaiversBySubjectAndTestcase', type: 'model_type' },
    ]);
  });
});
