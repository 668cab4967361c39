/** prev/next links built on the raw URL (§2.3), paging edge cases, deviation 3 (no short pages) and 5 (limit clamp). */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { STORE_KINDS, testApp, postgresAvailable, type TestApp } from '../helpers/stores.ts';
import { membersJson } from '../../src/results/serialize.ts';
import { assertValidation, get, getOk, HOST, ids, postResult, V2 } from '../helpers/http.ts';

const R = `${V2}/results`;

/** Follows `next` from `url` to the end; returns the ids of every page. */
async function walk(app: TestApp, url: string): Promise<number[][]> {
  const pages: number[][] = [];
  for (let next: string | null = url; next; ) {
    const body = await getOk(app, next);
    pages.push(ids(body));
    next = body.next === null ? null : body.next.slice(HOST.length);
    assert.ok(pages.length < 100, 'next never ends');
  }
  return pages;
}

for (const kind of STORE_KINDS) {
  describe(`pagination links (${kind})`, async () => {
    let app: TestApp;
    let seeded: number[] = []; // newest first
    before(async () => {
      if (kind === 'postgres' && !(await postgresAvailable())) return;
      app = await testApp(kind);
      for (let i = 1; i <= 5; i++) {
        const r = await postResult(app, {
          testcase: 'page.tc', outcome: 'PASSED', submit_time: `2022-01-0${i}T00:00:00.0`, data: { item: 'x', callback: 'cb' },
        });
        seeded.unshift(r.id);
      }
    });
    after(() => app?.dispose());

    /** [request path+query, expected page (indexes into seeded), prev, next] */
    const CASES: [string, number[], string | null, string | null][] = [
      ['/api/v2.0/results', [0, 1, 2, 3, 4], null, null],
      ['/api/v2.0/results?limit=2', [0, 1], null, `${R}?limit=2&page=1`],
      ['/api/v2.0/results?page=1&limit=2', [2, 3], `${R}?page=0&limit=2`, `${R}?page=2&limit=2`],
      ['/api/v2.0/results?limit=2&page=1', [2, 3], `${R}?limit=2&page=0`, `${R}?limit=2&page=2`],
      ['/api/v2.0/results?page=2&limit=2', [4], `${R}?page=1&limit=2`, null],
      ['/api/v2.0/results?page=0&limit=2', [0, 1], null, `${R}?page=1&limit=2`],
      ['/api/v2.0/results?page=1', [], `${R}?page=0`, null],
      ['/api/v2.0/results?page=1&limit=4', [4], `${R}?page=0&limit=4`, null],
      ['/api/v2.0/results?limit=5', [0, 1, 2, 3, 4], null, null],
      ['/api/v2.0/results?limit=4', [0, 1, 2, 3], null, `${R}?limit=4&page=1`],
      // other parameters are kept exactly as sent, unescaped characters included
      ['/api/v2.0/results?limit=1&testcases:like=page*&item=x', [0], null, `${R}?limit=1&testcases:like=page*&item=x&page=1`],
      ['/api/v2.0/results?limit=1&item=%78', [0], null, `${R}?limit=1&item=%78&page=1`],
      ['/api/v2.0/results?limit=1&item=x,y', [0], null, `${R}?limit=1&item=x,y&page=1`],
      // callback is removed from the links (it is still a data filter)
      ['/api/v2.0/results?callback=cb&limit=1', [0], null, `${R}?limit=1&page=1`],
      ['/api/v2.0/results?limit=1&callback=cb', [0], null, `${R}?limit=1&page=1`],
      ['/api/v2.0/results?limit=1&callback=cb&item=x', [0], null, `${R}?limit=1&item=x&page=1`],
      ['/api/v2.0/results?page=1&callback=cb&limit=1', [1], `${R}?page=0&limit=1`, `${R}?page=2&limit=1`],
      // limit 0 and -1: no data but a next link
      ['/api/v2.0/results?limit=0', [], null, `${R}?limit=0&page=1`],
      ['/api/v2.0/results?limit=-1', [], null, `${R}?limit=-1&page=1`],
      // past the end: empty, prev still points one page back
      ['/api/v2.0/results?limit=2&page=5', [], `${R}?limit=2&page=4`, null],
      // page=-1 reads like page 0, but the link regex does not see it: page is appended
      ['/api/v2.0/results?page=-1&limit=2', [0, 1], null, `${R}?page=-1&limit=2&page=1`],
      // a page past any possible offset is an empty page with an exact prev link, not a 500
      ['/api/v2.0/results?page=99999999999999999999&limit=1', [], `${R}?page=99999999999999999998&limit=1`, null],
      ['/api/v2.0/results?limit=1000&page=9007199254740991', [], `${R}?limit=1000&page=9007199254740990`, null],
      // a repeated page: the first one counts, every occurrence is rewritten
      ['/api/v2.0/results?page=1&limit=2&page=3', [2, 3], `${R}?page=0&limit=2&page=0`, `${R}?page=2&limit=2&page=2`],
    ];
    for (const [url, page, prev, next] of CASES) {
      it(url, async (t) => {
        if (!app) return t.skip('PostgreSQL unavailable');
        const body = await getOk(app, url);
        assert.deepEqual(Object.keys(body), ['data', 'next', 'prev']);
        assert.deepEqual(ids(body), page.map((i) => seeded[i]));
        assert.equal(body.prev, prev, 'prev');
        assert.equal(body.next, next, 'next');
      });
    }

    it('following next walks every result once', async (t) => {
      if (!app) return t.skip('PostgreSQL unavailable');
      assert.deepEqual(await walk(app, '/api/v2.0/results?limit=2'), [[seeded[0], seeded[1]], [seeded[2], seeded[3]], [seeded[4]]]);
    });

    it('huge page numbers on the groups and testcases lists are empty pages too', async (t) => {
      if (!app) return t.skip('PostgreSQL unavailable');
      for (const what of ['groups', 'testcases']) {
        const body = await getOk(app, `/api/v2.0/${what}?page=99999999999999999999`);
        assert.deepEqual(body, { data: [], next: null, prev: `${V2}/${what}?page=99999999999999999998` });
      }
    });

    it('page and limit must be integers', async (t) => {
      if (!app) return t.skip('PostgreSQL unavailable');
      const intErr = (input: string, field: string) => ({
        input, loc: [field], msg: 'Input should be a valid integer, unable to parse string as an integer', type: 'int_parsing',
      });
      for (const path of ['/api/v2.0/results', '/api/v2.0/groups', '/api/v2.0/testcases', '/api/v2.0/testcases/page.tc/results']) {
        assertValidation(await get(app, `${path}?limit=abc`), [intErr('abc', 'limit')]);
        assertValidation(await get(app, `${path}?page=1.5`), [intErr('1.5', 'page')]);
        assertValidation(await get(app, `${path}?limit=&page=x`), [intErr('x', 'page'), intErr('', 'limit')]);
        assertValidation(await get(app, `${path}?limit=.0`), [intErr('.0', 'limit')]);
      }
    });

    it('an all-zero fraction is an integer, as pydantic reads it ("1.0", "1.")', async (t) => {
      if (!app) return t.skip('PostgreSQL unavailable');
      const one = await getOk(app, '/api/v2.0/results?limit=1.00&page=1.');
      assert.deepEqual(ids(one), [seeded[1]]);
      // The link rewrites the digits only, as upstream's page regex does.
      assert.equal(one.next, `${R}?limit=1.00&page=2.`);
    });
  });

  describe(`a result with several matching values never shortens a page (deviation 3) (${kind})`, async () => {
    let app: TestApp;
    let seeded: number[] = [];
    before(async () => {
      if (kind === 'postgres' && !(await postgresAvailable())) return;
      app = await testApp(kind);
      for (const arch of [['x86_64', 'noarch', 'i686'], ['x86_64', 'noarch'], ['noarch'], ['i686', 'x86_64'], ['s390x']]) {
        seeded.unshift((await postResult(app, { testcase: 'dev3', outcome: 'PASSED', data: { arch, item: ['a', 'b'] } })).id);
      }
    });
    after(() => app?.dispose());

    it('?arch=x86_64,noarch,i686&limit=1 keeps next and walks all four results', async (t) => {
      if (!app) return t.skip('PostgreSQL unavailable');
      const first = await getOk(app, '/api/v2.0/results?arch=x86_64,noarch,i686&limit=1');
      assert.equal(first.data.length, 1);
      assert.equal(first.next, `${R}?arch=x86_64,noarch,i686&limit=1&page=1`);
      const pages = await walk(app, '/api/v2.0/results?arch=x86_64,noarch,i686&limit=1');
      assert.deepEqual(pages, [[seeded[1]], [seeded[2]], [seeded[3]], [seeded[4]]]);
    });

    it('the same with repeated parameters, :like and two multi-valued filters', async (t) => {
      if (!app) return t.skip('PostgreSQL unavailable');
      const want = [[seeded[1], seeded[2]], [seeded[3], seeded[4]]];
      assert.deepEqual(await walk(app, '/api/v2.0/results?arch=x86_64&arch=noarch&arch=i686&limit=2'), want);
      assert.deepEqual(await walk(app, '/api/v2.0/results?arch:like=*6*,*arch&limit=2'), want);
      assert.deepEqual(await walk(app, '/api/v2.0/results?arch=x86_64,noarch,i686&item=a,b&limit=2'), want);
    });
  });

  describe(`limit is clamped to the configured maximum, next still walks (deviation 5) (${kind})`, async () => {
    let app: TestApp;
    let seeded: number[] = [];
    before(async () => {
      if (kind === 'postgres' && !(await postgresAvailable())) return;
      app = await testApp(kind, { maxLimit: 3 });
      for (let i = 0; i < 7; i++) seeded.unshift((await postResult(app, { testcase: `clamp.${i}`, outcome: 'PASSED', groups: [`clamp-${i}`] })).id);
    });
    after(() => app?.dispose());

    it('results: limit=10 gives pages of 3 and links that keep limit=10', async (t) => {
      if (!app) return t.skip('PostgreSQL unavailable');
      const first = await getOk(app, '/api/v2.0/results?limit=10');
      assert.equal(first.data.length, 3);
      assert.equal(first.next, `${R}?limit=10&page=1`);
      assert.deepEqual(await walk(app, '/api/v2.0/results?limit=10'), [seeded.slice(0, 3), seeded.slice(3, 6), seeded.slice(6)]);
      assert.equal((await getOk(app, '/api/v2.0/results')).data.length, 3); // the default 20 is clamped too
      assert.equal((await getOk(app, '/api/v2.0/results?limit=2')).data.length, 2);
    });

    it('groups and testcases lists are clamped as well', async (t) => {
      if (!app) return t.skip('PostgreSQL unavailable');
      const tcs = await getOk(app, '/api/v2.0/testcases?limit=100');
      assert.deepEqual(tcs.data.map((x: { name: string }) => x.name), ['clamp.0', 'clamp.1', 'clamp.2']);
      assert.equal(tcs.next, `${V2}/testcases?limit=100&page=1`);
      const groups = await getOk(app, '/api/v2.0/groups?limit=100&page=2');
      assert.deepEqual(groups.data.map((x: { uuid: string }) => x.uuid), ['clamp-0']);
      assert.equal(groups.next, null);
    });

    it('/results/latest stays unpaginated', async (t) => {
      if (!app) return t.skip('PostgreSQL unavailable');
      const body = await getOk(app, '/api/v2.0/results/latest?limit=1');
      assert.deepEqual(ids(body), seeded);
    });
  });

  describe(`the default maximum is 1000 (${kind})`, async () => {
    let app: TestApp;
    before(async () => {
      if (kind === 'postgres' && !(await postgresAvailable())) return;
      app = await testApp(kind);
      // Written straight into the store: 1001 POSTs would only slow the suite down.
      const { id } = await app.store.db.insertInto('testcase').values({ name: 'bulk', ref_url: null }).returning('id').executeTakeFirstOrThrow();
      const rows = Array.from({ length: 1001 }, (_, i) => {
        const r = { submit_time: 1_600_000_000_000_000 + i * 1000, outcome: 'PASSED', note: null, ref_url: null };
        return { ...r, testcase_id: Number(id), data_json: '{}', groups_json: '[]', members_json: membersJson(r) };
      });
      for (let i = 0; i < rows.length; i += 250) await app.store.db.insertInto('result').values(rows.slice(i, i + 250)).execute();
    });
    after(() => app?.dispose());

    it('the default limit is 20', async (t) => {
      if (!app) return t.skip('PostgreSQL unavailable');
      const body = await getOk(app, '/api/v2.0/results');
      assert.equal(body.data.length, 20);
      assert.equal(body.data[0].submit_time, '2020-09-13T12:26:41');
      assert.equal(body.next, `${R}?page=1`);
      assert.equal(body.prev, null);
    });

    it('limit=5000 answers 1000 results, then the last one', async (t) => {
      if (!app) return t.skip('PostgreSQL unavailable');
      const first = await getOk(app, '/api/v2.0/results?limit=5000');
      assert.equal(first.data.length, 1000);
      assert.equal(first.next, `${R}?limit=5000&page=1`);
      const second = await getOk(app, '/api/v2.0/results?limit=5000&page=1');
      assert.equal(second.data.length, 1);
      assert.equal(second.data[0].submit_time, '2020-09-13T12:26:40');
      assert.equal(second.next, null);
      assert.equal(new Set([...ids(first), ...ids(second)]).size, 1001);
    });
  });
}
