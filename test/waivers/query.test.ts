/** GET /api/v1.0/waivers/: filters, since, ordering, paging links (Flask-SQLAlchemy paginate + url_for). */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { assertValidation, get, getOk } from '../helpers/http.ts';
import { ids, insertRow, perStore, uniq, us, V1, W } from '../helpers/waivers.ts';

const EMPTY = { data: [], first: null, last: null, next: null, prev: null };

perStore('GET /waivers/', { maxLimit: 50 }, (ctx) => {
  it('each filter is an exact match, filters are AND-ed, an empty value filters nothing', async (t) => {
    if (ctx.skip(t)) return;
    const n = uniq();
    const a = await insertRow(ctx.app, { subject_identifier: n, testcase: 'dist.a', scenario: 's1', username: 'alice' });
    const b = await insertRow(ctx.app, { subject_identifier: n, testcase: 'dist.b', product_version: 'fedora-41', username: 'bob', proxied_by: 'bodhi' });
    const c = await insertRow(ctx.app, { subject_identifier: n, subject_type: 'bodhi_update', testcase: 'dist.a', username: 'carol' });
    const q = async (query: string) => ids(await getOk(ctx.app, `${W}?subject_identifier=${n}&${query}`));
    assert.deepEqual(await q(''), [c, b, a]);
    assert.deepEqual(await q('subject_type=koji_build'), [b, a]);
    assert.deepEqual(await q('testcase=dist.a'), [c, a]);
    assert.deepEqual(await q('scenario=s1'), [a]);
    assert.deepEqual(await q('product_version=fedora-41'), [b]);
    assert.deepEqual(await q('username=carol'), [c]);
    assert.deepEqual(await q('proxied_by=bodhi'), [b]);
    assert.deepEqual(await q('testcase=dist.a&subject_type=koji_build'), [a]);
    assert.deepEqual(await q('testcase=dist.a&username=bob'), []);
    assert.deepEqual(await q('testcase=&scenario=&username='), [c, b, a]);
    assert.deepEqual(await q('testcase=dist.a&testcase=dist.b'), [c, a], 'first value of a repeated key');
  });

  it('newest timestamp first, then highest id', async (t) => {
    if (ctx.skip(t)) return;
    const n = uniq();
    const old = await insertRow(ctx.app, { subject_identifier: n, testcase: 'a', timestamp: us('2024-01-01T00:00:00') });
    const late = await insertRow(ctx.app, { subject_identifier: n, testcase: 'b', timestamp: us('2024-03-01T00:00:00') });
    const same1 = await insertRow(ctx.app, { subject_identifier: n, testcase: 'c', timestamp: us('2024-02-01T00:00:00') });
    const same2 = await insertRow(ctx.app, { subject_identifier: n, testcase: 'd', timestamp: us('2024-02-01T00:00:00') });
    assert.deepEqual(ids(await getOk(ctx.app, `${W}?subject_identifier=${n}`)), [late, same2, same1, old]);
  });

  it('since: start, start,end (both inclusive), open ends, dates, offsets converted to UTC', async (t) => {
    if (ctx.skip(t)) return;
    const n = uniq();
    const jan = await insertRow(ctx.app, { subject_identifier: n, testcase: 'a', timestamp: us('2024-01-10T10:00:00') });
    const feb = await insertRow(ctx.app, { subject_identifier: n, testcase: 'b', timestamp: us('2024-02-10T10:00:00.5') });
    const mar = await insertRow(ctx.app, { subject_identifier: n, testcase: 'c', timestamp: us('2024-03-10T10:00:00') });
    const q = async (since: string) => ids(await getOk(ctx.app, `${W}?subject_identifier=${n}&since=${encodeURIComponent(since)}`));
    assert.deepEqual(await q('2024-02-10T10:00:00.500000'), [mar, feb]);
    assert.deepEqual(await q('2024-02-10T10:00:00.500001'), [mar]);
    assert.deepEqual(await q('2024-01-10T10:00:00,2024-02-10T10:00:00.5'), [feb, jan]);
    assert.deepEqual(await q(',2024-02-01'), [jan]);
    assert.deepEqual(await q('2024-02-01,'), [mar, feb]);
    assert.deepEqual(await q('20240201'), [mar, feb]);
    assert.deepEqual(await q('2024-03-10T11:00:00+01:00'), [mar]);
    assert.deepEqual(await q('2024-03-10T11:00:00+02:00'), [mar]);
    assert.deepEqual(await q('2024-03-10T10:00:00-00:01'), []);
    assert.deepEqual(await q('2024-03-10 10:00Z'), [mar]);
    assert.deepEqual(await q(','), [mar, feb, jan]);
    assert.deepEqual(await q(''), [mar, feb, jan]);
  });

  it('a bad since is a 400 naming the bad part with Python repr', async (t) => {
    if (ctx.skip(t)) return;
    for (const [since, part] of [['123', "'123'"], ['2024-01-01,yesterday', "'yesterday'"], ["it's", `"it's"`], ['2024-13-01', "'2024-13-01'"], ['2024-01-01T25:00', "'2024-01-01T25:00'"]]) {
      const r = await get(ctx.app, `${W}?since=${encodeURIComponent(since)}`);
      assert.deepEqual([r.status, r.json], [400, { message: { since: `Invalid isoformat string: ${part}` } }], since);
    }
  });

  it('paging: exact first/last/prev/next links, page first then the request parameters in order', async (t) => {
    if (ctx.skip(t)) return;
    const n = uniq();
    const rows = [];
    for (let i = 0; i < 5; i++) rows.unshift(await insertRow(ctx.app, { subject_identifier: n, testcase: `t${i}`, timestamp: us(`2024-01-0${i + 1}`) }));
    const base = `${V1}/waivers/?page=`;
    const p1 = await getOk(ctx.app, `${W}?limit=2&subject_identifier=${n}`);
    assert.deepEqual(p1, {
      data: p1.data, first: `${base}1&limit=2&subject_identifier=${n}`, last: `${base}3&limit=2&subject_identifier=${n}`,
      next: `${base}2&limit=2&subject_identifier=${n}`, prev: null,
    });
    assert.deepEqual(ids(p1), rows.slice(0, 2));
    // `page` given: removed from its place, put first.
    const p2 = await getOk(ctx.app, `${W}?subject_identifier=${n}&page=2&limit=2`);
    assert.deepEqual(ids(p2), rows.slice(2, 4));
    assert.deepEqual([p2.first, p2.last, p2.prev, p2.next], [1, 3, 1, 3].map((p) => `${base}${p}&subject_identifier=${n}&limit=2`));
    const p3 = await getOk(ctx.app, `${W}?subject_identifier=${n}&page=3&limit=2`);
    assert.deepEqual([ids(p3), p3.next, p3.prev], [rows.slice(4), null, `${base}2&subject_identifier=${n}&limit=2`]);
    // Past the end, page 0, limit below 1: everything null.
    for (const q of ['page=4&limit=2', 'page=0', 'page=-1', 'limit=0', 'limit=-3', 'page=99999999999999999999']) {
      assert.deepEqual(await getOk(ctx.app, `${W}?subject_identifier=${n}&${q}`), EMPTY, q);
    }
  });

  it('paging: no waivers at all on page 1 gives first page=1 and last page=0; default limit 10', async (t) => {
    if (ctx.skip(t)) return;
    assert.deepEqual(await getOk(ctx.app, `${W}?testcase=no.such.test`), {
      data: [], first: `${V1}/waivers/?page=1&testcase=no.such.test`, last: `${V1}/waivers/?page=0&testcase=no.such.test`, next: null, prev: null,
    });
    const n = uniq();
    for (let i = 0; i < 11; i++) await insertRow(ctx.app, { subject_identifier: n, testcase: `t${i}` });
    const p = await getOk(ctx.app, `${W}?subject_identifier=${n}`);
    assert.equal(p.data.length, 10);
    assert.equal(p.next, `${V1}/waivers/?page=2&subject_identifier=${n}`);
  });

  it('links: repeated keys keep their first value, values are urlencoded as Werkzeug does', async (t) => {
    if (ctx.skip(t)) return;
    const r = await getOk(ctx.app, `${W}?testcase=a+b%2Fc%3A%C3%A4%26%3D&callback=&testcase=other&x=1&page=1&x=2&y`);
    assert.equal(r.first, `${V1}/waivers/?page=1&testcase=a+b/c:%C3%A4%26%3D&callback=&x=1&y=`);
  });

  it('limit is clamped to max_limit; the links keep the requested limit', async (t) => {
    if (ctx.skip(t)) return;
    const n = uniq();
    for (let i = 0; i < 52; i++) await insertRow(ctx.app, { subject_identifier: n, testcase: `t${i}` });
    const p = await getOk(ctx.app, `${W}?subject_identifier=${n}&limit=100`);
    assert.equal(p.data.length, 50);
    assert.equal(p.next, `${V1}/waivers/?page=2&subject_identifier=${n}&limit=100`);
    assert.equal(p.last, `${V1}/waivers/?page=2&subject_identifier=${n}&limit=100`);
  });

  it('bad page, limit and include_obsolete are validation errors, all reported', async (t) => {
    if (ctx.skip(t)) return;
    assertValidation(await get(ctx.app, `${W}?limit=ten&page=1.5&include_obsolete=maybe`), [
      { input: 'maybe', loc: ['include_obsolete'], msg: 'Input should be a valid boolean, unable to interpret input', type: 'bool_parsing' },
      { input: '1.5', loc: ['page'], msg: 'Input should be a valid integer, unable to parse string as an integer', type: 'int_parsing' },
      { input: 'ten', loc: ['limit'], msg: 'Input should be a valid integer, unable to parse string as an integer', type: 'int_parsing' },
    ]);
    assertValidation(await get(ctx.app, `${W}?testcase=a%00&scenario=s`), [
      { input: 'a\u0000', loc: ['testcase'], msg: 'Value error, NUL characters are not allowed', type: 'value_error' },
    ]);
    assertValidation(await get(ctx.app, `${W}?include_obsolete=`), [
      { input: '', loc: ['include_obsolete'], msg: 'Input should be a valid boolean, unable to interpret input', type: 'bool_parsing' },
    ]);
  });

  it('include_obsolete takes pydantic bool words, case-insensitively', async (t) => {
    if (ctx.skip(t)) return;
    const n = uniq();
    const old = await insertRow(ctx.app, { subject_identifier: n });
    const cur = await insertRow(ctx.app, { subject_identifier: n });
    for (const v of ['1', 'true', 'True', 'YES', 'on', 't', 'y']) {
      assert.deepEqual(ids(await getOk(ctx.app, `${W}?subject_identifier=${n}&include_obsolete=${v}`)), [cur, old], v);
    }
    for (const v of ['0', 'false', 'No', 'off', 'f', 'n']) {
      assert.deepEqual(ids(await getOk(ctx.app, `${W}?subject_identifier=${n}&include_obsolete=${v}`)), [cur], v);
    }
  });
});
