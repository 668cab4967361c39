/**
 * Which waivers are current (A.5, deviations 9 and 10): the newest of its group, computed over all rows;
 * the group differs between GET / +by-subjects-and-testcases and +filtered; expired waivers are hidden.
 */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { getOk, post } from '../helpers/http.ts';
import { nowMicros } from '../../src/results/times.ts';
import { body, create, ids, insertRow, perStore, uniq, us, W } from '../helpers/waivers.ts';

perStore('obsolete and expired waivers', {}, (ctx) => {
  const list = async (n: string, extra = '') => ids(await getOk(ctx.app, `${W}?subject_identifier=${n}${extra}`));
  const filtered = async (filter: Record<string, unknown>, includeObsolete = false) => {
    const r = await post(ctx.app, `${W}+filtered`, { filters: [filter], include_obsolete: includeObsolete });
    assert.equal(r.status, 200, r.text);
    return ids(r);
  };

  it('GET groups by subject, testcase, scenario, username and product version', async (t) => {
    if (ctx.skip(t)) return;
    const n = uniq();
    const a1 = await insertRow(ctx.app, { subject_identifier: n, username: 'alice' });
    const b1 = await insertRow(ctx.app, { subject_identifier: n, username: 'bob' });
    const a2 = await insertRow(ctx.app, { subject_identifier: n, username: 'alice' });
    const f41 = await insertRow(ctx.app, { subject_identifier: n, username: 'alice', product_version: 'fedora-41' });
    const other = await insertRow(ctx.app, { subject_identifier: n, username: 'alice', testcase: 'dist.other' });
    const bodhi = await insertRow(ctx.app, { subject_identifier: n, subject_type: 'bodhi_update', username: 'alice' });
    const expectCurrent = [bodhi, other, f41, a2, b1].sort((x, y) => y - x);
    assert.deepEqual(await list(n), expectCurrent);
    assert.deepEqual(await list(n, '&include_obsolete=1'), [bodhi, other, f41, a2, b1, a1].sort((x, y) => y - x));
  });

  it('a NULL scenario is a group of its own, apart from every concrete scenario', async (t) => {
    if (ctx.skip(t)) return;
    const n = uniq();
    const none1 = await insertRow(ctx.app, { subject_identifier: n, scenario: null });
    const s1a = await insertRow(ctx.app, { subject_identifier: n, scenario: 's1' });
    const s2 = await insertRow(ctx.app, { subject_identifier: n, scenario: 's2' });
    const s1b = await insertRow(ctx.app, { subject_identifier: n, scenario: 's1' });
    assert.deepEqual(await list(n), [s1b, s2, none1]);
    assert.deepEqual(await filtered({ subject_identifier: n }), [s1b, s2, none1]);
    const none2 = await insertRow(ctx.app, { subject_identifier: n, scenario: null });
    assert.deepEqual(await list(n), [none2, s1b, s2]);
    assert.deepEqual(await filtered({ subject_identifier: n }, true), [none2, s1b, s2, s1a, none1]);
  });

  it('+filtered ignores the user (upstream) but keeps product versions apart (deviation 9)', async (t) => {
    if (ctx.skip(t)) return;
    const n = uniq();
    const alice = await insertRow(ctx.app, { subject_identifier: n, username: 'alice' });
    const bob = await insertRow(ctx.app, { subject_identifier: n, username: 'bob' });
    assert.deepEqual(await filtered({ subject_identifier: n }), [bob]);
    assert.deepEqual(await list(n), [bob, alice]);
    // A later waiver for fedora-41 does not hide the fedora-40 one from a fedora-40 query.
    const f41 = await insertRow(ctx.app, { subject_identifier: n, username: 'bodhi', product_version: 'fedora-41' });
    assert.deepEqual(await filtered({ subject_identifier: n, product_version: 'fedora-40' }), [bob]);
    assert.deepEqual(await filtered({ subject_identifier: n }), [f41, bob]);
  });

  it('the newest of the group is computed over all rows, not just those the filters select', async (t) => {
    if (ctx.skip(t)) return;
    const n = uniq();
    await insertRow(ctx.app, { subject_identifier: n, proxied_by: 'bodhi', timestamp: us('2024-01-01') });
    const newer = await insertRow(ctx.app, { subject_identifier: n, timestamp: us('2024-06-01') });
    assert.deepEqual(await list(n, '&proxied_by=bodhi'), []);
    assert.deepEqual(await list(n, '&since=,2024-02-01'), []);
    assert.deepEqual(await filtered({ subject_identifier: n, since: ',2024-02-01' }), []);
    assert.deepEqual(await list(n, '&since=,2024-02-01&include_obsolete=1').then((r) => r.length), 1);
    assert.deepEqual(await list(n), [newer]);
  });

  it('revocation: a newer waived=false waiver is the current one', async (t) => {
    if (ctx.skip(t)) return;
    const n = uniq();
    await create(ctx.app, body({ subject_identifier: n }));
    const revoke = await create(ctx.app, body({ subject_identifier: n, waived: false }));
    const got = await getOk(ctx.app, `${W}?subject_identifier=${n}`);
    assert.deepEqual(got.data, [revoke]);
    const f = await post(ctx.app, `${W}+filtered`, { filters: [{ subject_identifier: n }] });
    assert.deepEqual(f.json.data.map((w: any) => [w.id, w.waived]), [[revoke.id, false]]);
  });

  it('an expired current waiver is hidden and does not bring back the one it replaced; include_obsolete shows both', async (t) => {
    if (ctx.skip(t)) return;
    const n = uniq();
    const old = await insertRow(ctx.app, { subject_identifier: n });
    const expired = await insertRow(ctx.app, { subject_identifier: n, expires_at: nowMicros() - 1_000_000 });
    assert.deepEqual(await list(n), []);
    assert.deepEqual(await filtered({ subject_identifier: n }), []);
    const r = await post(ctx.app, `${W}+by-subjects-and-testcases`, { results: [{ subject: { type: 'koji_build', item: n }, testcase: 'dist.rpmlint' }] });
    assert.deepEqual(ids(r), []);
    assert.deepEqual(await list(n, '&include_obsolete=true'), [expired, old]);
    assert.deepEqual(await filtered({ subject_identifier: n }, true), [expired, old]);
    // Still readable by id, with its expiry.
    const one = await getOk(ctx.app, `${W}${expired}`);
    assert.match(one.expires_at, /^\d{4}-\d\d-\d\dT/);
  });

  it('a waiver expiring in the future is current and shows expires_at; one expiring exactly now is not', async (t) => {
    if (ctx.skip(t)) return;
    const n = uniq();
    const w = await create(ctx.app, body({ subject_identifier: n, expires_at: '2999-12-31T23:59:59Z' }));
    assert.equal(w.expires_at, '2999-12-31T23:59:59');
    assert.deepEqual((await getOk(ctx.app, `${W}?subject_identifier=${n}`)).data, [w]);
    assert.deepEqual(await filtered({ subject_identifier: n }), [w.id]);
    const m = uniq();
    await insertRow(ctx.app, { subject_identifier: m, expires_at: nowMicros() });
    assert.deepEqual(await list(m), []);
  });
});
