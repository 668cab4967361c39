/** /groups and /testcases: listings, filters, order, upserts (§2.8, §2.9) and their /results sub-collections. */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { STORE_KINDS, testApp, postgresAvailable, type TestApp } from '../helpers/stores.ts';
import { assertValidation, get, getOk, ids, post, postResult, rowCounts, type Res, V2 } from '../helpers/http.ts';

const UUID1 = /^[0-9a-f]{8}-[0-9a-f]{4}-1[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

const groupBody = (uuid: string, description: string | null, ref_url: string | null, results_count: number, quoted = uuid) => ({
  description,
  href: `${V2}/groups/${quoted}`,
  ref_url,
  results: `${V2}/results?groups=${quoted}`,
  results_count,
  uuid,
});
const tcBody = (name: string, ref_url: string | null, quoted = name) => ({ href: `${V2}/testcases/${quoted}`, name, ref_url });

for (const kind of STORE_KINDS) {
  describe(`groups (${kind})`, async () => {
    let app: TestApp;
    before(async () => {
      if (kind === 'postgres' && !(await postgresAvailable())) return;
      app = await testApp(kind);
      for (const [uuid, description] of [['u1', 'alpha'], ['u2', 'beta'], ['u3', 'alphabet'], ['u4', null], ['U5', 'Alpha']]) {
        assert.equal((await post(app, '/api/v2.0/groups', { uuid, description })).status, 201);
      }
    });
    after(() => app?.dispose());

    const uuids = (body: { data: { uuid: string }[] }) => body.data.map((g) => g.uuid);

    /** [query, expected uuids in order] */
    const LIST: [string, string[]][] = [
      ['', ['U5', 'u4', 'u3', 'u2', 'u1']],
      ['uuid=u1,u3', ['u3', 'u1']],
      ['uuid=u1&uuid=u2', ['u1']],
      ['uuid=nope', []],
      ['description=alpha', ['u1']],
      ['description=alpha,beta', ['u2', 'u1']],
      ['description=alpha,,', ['u1']],
      // Descriptions and uuids are matched untrimmed (upstream's get_groups; only testcase names are trimmed).
      ['description=%20beta%20,alpha', ['u1']],
      ['description:like=%20alpha*', []],
      ['uuid=%20u1', []],
      ['uuid=u1,', ['u1']],
      ['uuid=,', []],
      // A present but blank `description` filters nothing and still keeps `description:like` unused; an empty one does not.
      ['description=,&description:like=alpha*', ['U5', 'u4', 'u3', 'u2', 'u1']],
      ['description=&description:like=alpha*', ['u3', 'u1']],
      ['description=ALPHA', []],
      ['description:like=alpha*', ['u3', 'u1']],
      ['description:like=*bet*,alpha', ['u3', 'u2', 'u1']],
      ['description:like=*pha*', ['U5', 'u3', 'u1']],
      ['description:like=Alpha', ['U5']],
      ['description:like=alph_', ['u1']],
      ['description:like=%25bet', ['u3']],
      ['description=beta&description:like=alpha*', ['u2']],
      ['uuid=u1,u2&description=beta', ['u2']],
    ];
    for (const [query, expected] of LIST) {
      it(`GET /groups?${query}`, async (t) => {
        if (!app) return t.skip('PostgreSQL unavailable');
        assert.deepEqual(uuids(await getOk(app, `/api/v2.0/groups?${query}`)), expected);
      });
    }

    it('listing: exact group bodies and pagination links', async (t) => {
      if (!app) return t.skip('PostgreSQL unavailable');
      const first = await getOk(app, '/api/v2.0/groups?limit=2');
      assert.deepEqual(first, {
        data: [groupBody('U5', 'Alpha', null, 0), groupBody('u4', null, null, 0)],
        next: `${V2}/groups?limit=2&page=1`,
        prev: null,
      });
      const last = await getOk(app, '/api/v2.0/groups?limit=2&page=2');
      assert.deepEqual(uuids(last), ['u1']);
      assert.equal(last.prev, `${V2}/groups?limit=2&page=1`);
      assert.equal(last.next, null);
    });

    it('POST {} creates a group with a generated UUID1 and answers 201', async (t) => {
      if (!app) return t.skip('PostgreSQL unavailable');
      for (const body of [{}, { uuid: '' }, { uuid: null }, { description: null, ref_url: '' }]) {
        const r = await post(app, '/api/v2.0/groups', body);
        assert.equal(r.status, 201, r.text);
        const uuid = r.json.uuid;
        assert.equal(uuid.length, 36);
        assert.match(uuid, UUID1);
        assert.deepEqual(r.json, groupBody(uuid, null, null, 0));
        assert.deepEqual(await getOk(app, `/api/v2.0/groups/${uuid}`), r.json);
      }
    });

    it('POST upserts: only truthy description/ref_url overwrite, always 201 with the current results_count', async (t) => {
      if (!app) return t.skip('PostgreSQL unavailable');
      const steps: [Record<string, unknown>, string | null, string | null][] = [
        [{ uuid: 'FooBar', description: 'd1', ref_url: 'http://u1' }, 'd1', 'http://u1'],
        [{ uuid: 'FooBar', description: '', ref_url: null }, 'd1', 'http://u1'],
        [{ uuid: 'FooBar' }, 'd1', 'http://u1'],
        [{ uuid: 'FooBar', description: 'd2', _auth_token: 'x' }, 'd2', 'http://u1'],
        [{ uuid: 'FooBar', ref_url: 'http://u2' }, 'd2', 'http://u2'],
      ];
      for (const [body, description, ref] of steps) {
        const r = await post(app, '/api/v2.0/groups', body);
        assert.equal(r.status, 201, JSON.stringify(body));
        assert.deepEqual(r.json, groupBody('FooBar', description, ref, 0), JSON.stringify(body));
      }
      await postResult(app, { testcase: 'grp.count', outcome: 'PASSED', groups: ['FooBar'] });
      await postResult(app, { testcase: 'grp.count', outcome: 'PASSED', groups: ['FooBar', 'other'] });
      const r = await post(app, '/api/v2.0/groups', { uuid: 'FooBar' });
      assert.equal(r.status, 201);
      assert.deepEqual(r.json, groupBody('FooBar', 'd2', 'http://u2', 2));
      assert.deepEqual(await getOk(app, '/api/v2.0/groups/FooBar'), groupBody('FooBar', 'd2', 'http://u2', 2));
    });

    it('POST validation: non-string fields and non-object bodies are 400s, nothing stored', async (t) => {
      if (!app) return t.skip('PostgreSQL unavailable');
      const rejected = async (body: unknown): Promise<Res> => {
        const before = await rowCounts(app);
        const r = await post(app, '/api/v2.0/groups', body);
        assert.deepEqual(await rowCounts(app), before);
        return r;
      };
      const str = (field: string, input: unknown) => ({ input, loc: [field], msg: 'Input should be a valid string', type: 'string_type' });
      assertValidation(await rejected({ uuid: 5 }), [str('uuid', 5)]);
      assertValidation(await rejected({ description: 5 }), [str('description', 5)]);
      assertValidation(await rejected({ ref_url: [] }), [str('ref_url', [])]);
      assertValidation(await rejected({ uuid: 1, description: true, ref_url: {} }), [str('uuid', 1), str('description', true), str('ref_url', {})]);
      assertValidation(await rejected('[]'), [
        { input: [], loc: [], msg: 'Input should be a valid dictionary or instance of CreateGroupParams', type: 'model_type' },
      ]);
    });

    it('GET /groups/<uuid> 404s with "Group not found"', async (t) => {
      if (!app) return t.skip('PostgreSQL unavailable');
      const r = await get(app, '/api/v2.0/groups/nope');
      assert.equal(r.status, 404);
      assert.deepEqual(r.json, { message: 'Group not found' });
    });

    describe('/groups/<uuid>/results', () => {
      let R: number[] = [];
      before(async () => {
        if (!app) return;
        R = [];
        R.push((await postResult(app, { testcase: 'gr.a', outcome: 'PASSED', groups: ['gr1'], submit_time: '2022-05-01T00:00:00.0' })).id);
        R.push((await postResult(app, { testcase: 'gr.b', outcome: 'FAILED', groups: ['gr1', 'gr2'], submit_time: '2022-05-02T00:00:00.0' })).id);
        R.push((await postResult(app, { testcase: 'gr.a', outcome: 'PASSED', groups: ['gr2'], submit_time: '2022-05-03T00:00:00.0' })).id);
      });

      it('lists the group results newest first, identical to /results?groups=<uuid>', async (t) => {
        if (!app) return t.skip('PostgreSQL unavailable');
        const body = await getOk(app, '/api/v2.0/groups/gr1/results');
        assert.deepEqual(ids(body), [R[1], R[0]]);
        assert.deepEqual(body, await getOk(app, '/api/v2.0/results?groups=gr1'));
      });

      it('the path uuid replaces any groups= parameter; other filters apply', async (t) => {
        if (!app) return t.skip('PostgreSQL unavailable');
        assert.deepEqual(ids(await getOk(app, '/api/v2.0/groups/gr1/results?groups=gr2')), [R[1], R[0]]);
        assert.deepEqual(ids(await getOk(app, '/api/v2.0/groups/gr1/results?groups=gr2,gr1')), [R[1], R[0]]);
        assert.deepEqual(ids(await getOk(app, '/api/v2.0/groups/gr1/results?outcome=failed')), [R[1]]);
        assert.deepEqual(ids(await getOk(app, '/api/v2.0/groups/gr2/results?testcases=gr.a')), [R[2]]);
      });

      it('pagination links point at the sub-collection', async (t) => {
        if (!app) return t.skip('PostgreSQL unavailable');
        const body = await getOk(app, '/api/v2.0/groups/gr1/results?limit=1');
        assert.deepEqual(ids(body), [R[1]]);
        assert.equal(body.next, `${V2}/groups/gr1/results?limit=1&page=1`);
        assert.equal(body.prev, null);
      });

      it('a group without results is an empty page; an unknown group is 404 "Group not found: <uuid>"', async (t) => {
        if (!app) return t.skip('PostgreSQL unavailable');
        assert.deepEqual(await getOk(app, '/api/v2.0/groups/u1/results'), { data: [], next: null, prev: null });
        for (const [path, uuid] of [['nope', 'nope'], ['g%20x', 'g x']]) {
          const r = await get(app, `/api/v2.0/groups/${path}/results`);
          assert.equal(r.status, 404);
          assert.deepEqual(r.json, { message: `Group not found: ${uuid}` });
        }
      });
    });
  });

  describe(`testcases (${kind})`, async () => {
    let app: TestApp;
    const names = ['b.two', 'a.one', 'B.upper', 'a.three', 'tc one/two', 'c', 'a?b#c', 'tč'];
    before(async () => {
      if (kind === 'postgres' && !(await postgresAvailable())) return;
      app = await testApp(kind);
      for (const name of names) assert.equal((await post(app, '/api/v2.0/testcases', { name })).status, 201);
    });
    after(() => app?.dispose());

    const namesOf = (body: { data: { name: string }[] }) => body.data.map((x) => x.name);

    const LIST: [string, string[]][] = [
      ['', ['B.upper', 'a.one', 'a.three', 'a?b#c', 'b.two', 'c', 'tc one/two', 'tč']],
      ['name=a.one,c', ['a.one', 'c']],
      ['name=%20a.one%20,%20c,', ['a.one', 'c']],
      ['name=a.one&name=c', ['a.one']],
      ['name=A.ONE', []],
      ['name=tc%20one/two', ['tc one/two']],
      ['name:like=a.*', ['a.one', 'a.three']],
      ['name:like=A.*', []],
      ['name:like=*.t*', ['a.three', 'b.two']],
      ['name:like=a.one,c', ['a.one', 'c']],
      ['name:like=_.one', ['a.one']],
      ['name:like=*/*', ['tc one/two']],
      ['name=c&name:like=a.*', ['c']],
    ];
    for (const [query, expected] of LIST) {
      it(`GET /testcases?${query}`, async (t) => {
        if (!app) return t.skip('PostgreSQL unavailable');
        assert.deepEqual(namesOf(await getOk(app, `/api/v2.0/testcases?${query}`)), expected);
      });
    }

    it('listing: exact bodies, hrefs percent-encoded with slashes kept, pagination links', async (t) => {
      if (!app) return t.skip('PostgreSQL unavailable');
      assert.deepEqual(await getOk(app, '/api/v2.0/testcases?name=tc%20one/two,a?b%23c,t%C4%8D'), {
        data: [tcBody('a?b#c', null, 'a%3Fb%23c'), tcBody('tc one/two', null, 'tc%20one/two'), tcBody('tč', null, 't%C4%8D')],
        next: null,
        prev: null,
      });
      const first = await getOk(app, '/api/v2.0/testcases?limit=2');
      assert.deepEqual(namesOf(first), ['B.upper', 'a.one']);
      assert.equal(first.next, `${V2}/testcases?limit=2&page=1`);
      assert.equal(first.prev, null);
      const second = await getOk(app, '/api/v2.0/testcases?limit=2&page=1');
      assert.deepEqual(namesOf(second), ['a.three', 'a?b#c']);
      assert.equal(second.prev, `${V2}/testcases?limit=2&page=0`);
    });

    it('GET /testcases/<name> for names with slashes, spaces and reserved characters; 404 otherwise', async (t) => {
      if (!app) return t.skip('PostgreSQL unavailable');
      assert.deepEqual(await getOk(app, '/api/v2.0/testcases/tc%20one/two'), tcBody('tc one/two', null, 'tc%20one/two'));
      assert.deepEqual(await getOk(app, '/api/v2.0/testcases/a%3Fb%23c'), tcBody('a?b#c', null, 'a%3Fb%23c'));
      assert.deepEqual(await getOk(app, '/api/v2.0/testcases/t%C4%8D'), tcBody('tč', null, 't%C4%8D'));
      for (const path of ['nope', 'tc%20one', 'tc%20one/two/three', 'A.ONE', 'nope/results']) {
        const r = await get(app, `/api/v2.0/testcases/${path}`);
        assert.equal(r.status, 404, path);
        assert.deepEqual(r.json, { message: 'Testcase not found' });
      }
    });

    it('POST upserts: ref_url written unless null, always 201', async (t) => {
      if (!app) return t.skip('PostgreSQL unavailable');
      const steps: [Record<string, unknown>, string | null][] = [
        [{ name: 'tc.up' }, null],
        [{ name: 'tc.up', ref_url: 'http://u' }, 'http://u'],
        [{ name: 'tc.up' }, 'http://u'],
        [{ name: 'tc.up', ref_url: null }, 'http://u'],
        [{ name: 'tc.up', ref_url: 'http://v', _auth_token: 'x' }, 'http://v'],
        [{ name: 'tc.up', ref_url: '' }, ''],
      ];
      for (const [body, ref] of steps) {
        const r = await post(app, '/api/v2.0/testcases', body);
        assert.equal(r.status, 201, JSON.stringify(body));
        assert.deepEqual(r.json, tcBody('tc.up', ref), JSON.stringify(body));
        assert.deepEqual(await getOk(app, '/api/v2.0/testcases/tc.up'), tcBody('tc.up', ref));
      }
    });

    it('POST validation: the three name errors and a bad ref_url, nothing stored', async (t) => {
      if (!app) return t.skip('PostgreSQL unavailable');
      const rejected = async (body: unknown): Promise<Res> => {
        const before = await rowCounts(app);
        const r = await post(app, '/api/v2.0/testcases', body);
        assert.deepEqual(await rowCounts(app), before);
        return r;
      };
      assertValidation(await rejected({}), [{ input: {}, loc: ['name'], msg: 'Field required', type: 'missing' }]);
      assertValidation(await rejected({ ref_url: 'x' }), [{ input: { ref_url: 'x' }, loc: ['name'], msg: 'Field required', type: 'missing' }]);
      assertValidation(await rejected({ name: '' }), [{ input: '', loc: ['name'], msg: 'String should have at least 1 character', type: 'string_too_short' }]);
      assertValidation(await rejected({ name: 5 }), [{ input: 5, loc: ['name'], msg: 'Input should be a valid string', type: 'string_type' }]);
      assertValidation(await rejected({ name: null }), [{ input: null, loc: ['name'], msg: 'Input should be a valid string', type: 'string_type' }]);
      assertValidation(await rejected({ name: 'tc.bad', ref_url: 5 }), [{ input: 5, loc: ['ref_url'], msg: 'Input should be a valid string', type: 'string_type' }]);
      assertValidation(await rejected('"tc"'), [
        { input: 'tc', loc: [], msg: 'Input should be a valid dictionary or instance of CreateTestcaseParams', type: 'model_type' },
      ]);
    });

    describe('/testcases/<name>/results', () => {
      let R: number[] = [];
      before(async () => {
        if (!app) return;
        R = [];
        const rows: [string, string][] = [['a.one', 'PASSED'], ['b.two', 'FAILED'], ['a.one', 'FAILED'], ['c', 'PASSED'], ['tc one/two', 'PASSED'], ['tc one/two', 'INFO']];
        for (const [i, [testcase, outcome]] of rows.entries()) {
          R.push((await postResult(app, { testcase, outcome, submit_time: `2022-06-0${i + 1}T00:00:00.0` })).id);
        }
      });

      it('lists the testcase results, identical to /results?testcases=<name>', async (t) => {
        if (!app) return t.skip('PostgreSQL unavailable');
        const body = await getOk(app, '/api/v2.0/testcases/a.one/results');
        assert.deepEqual(ids(body), [R[2], R[0]]);
        assert.deepEqual(body, await getOk(app, '/api/v2.0/results?testcases=a.one'));
        assert.deepEqual(ids(await getOk(app, '/api/v2.0/testcases/tc%20one/two/results')), [R[5], R[4]]);
      });

      it('the path name replaces testcases=, but testcases:like is still OR-ed in', async (t) => {
        if (!app) return t.skip('PostgreSQL unavailable');
        assert.deepEqual(ids(await getOk(app, '/api/v2.0/testcases/a.one/results?testcases=c')), [R[2], R[0]]);
        assert.deepEqual(ids(await getOk(app, '/api/v2.0/testcases/a.one/results?testcases:like=b.*')), [R[2], R[1], R[0]]);
        assert.deepEqual(ids(await getOk(app, '/api/v2.0/testcases/a.one/results?outcome=passed')), [R[0]]);
      });

      it('pagination links keep the encoded path', async (t) => {
        if (!app) return t.skip('PostgreSQL unavailable');
        const body = await getOk(app, '/api/v2.0/testcases/tc%20one/two/results?limit=1');
        assert.deepEqual(ids(body), [R[5]]);
        assert.equal(body.next, `${V2}/testcases/tc%20one/two/results?limit=1&page=1`);
        const page1 = await getOk(app, '/api/v2.0/testcases/tc%20one/two/results?limit=1&page=1');
        assert.deepEqual(ids(page1), [R[4]]);
        assert.equal(page1.prev, `${V2}/testcases/tc%20one/two/results?limit=1&page=0`);
        assert.equal(page1.next, null);
      });

      it('an unknown testcase is 404 "Testcase not found"; a known one without results an empty page', async (t) => {
        if (!app) return t.skip('PostgreSQL unavailable');
        const r = await get(app, '/api/v2.0/testcases/nope/results');
        assert.equal(r.status, 404);
        assert.deepEqual(r.json, { message: 'Testcase not found' });
        assert.deepEqual(await getOk(app, '/api/v2.0/testcases/B.upper/results'), { data: [], next: null, prev: null });
      });

      it("a bad query of a testcase's or group's results is a 400 before the 404 of an unknown one (upstream's @validate)", async (t) => {
        if (!app) return t.skip('PostgreSQL unavailable');
        for (const base of ['/api/v2.0/testcases/nope/results', '/api/v2.0/groups/nope/results']) {
          const r = await get(app, `${base}?outcome=bogus`);
          assert.equal(r.status, 400, `${base}: ${r.text}`);
          assert.deepEqual(r.json.validation_error.map((e: { loc: unknown }) => e.loc), [['outcome']]);
        }
        // The testcase itself takes no query: nothing to validate.
        assert.equal((await get(app, '/api/v2.0/testcases/nope?outcome=bogus')).status, 404);
      });
    });
  });
}
