import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { up } from '../../src/store/migrations/003_data_wire_form.ts';
import { dataJson, pairsOf } from '../../src/results/serialize.ts';
import { freshStore, postgresAvailable, STORE_KINDS } from '../helpers/stores.ts';
import { seededRandom } from '../helpers/random.ts';

describe('dataJson', () => {
  it('sorts keys (integer-like ones as strings), keeps the order of a key\'s values, and reads back', () => {
    const pairs: [string, string][] = [['item', 'b'], ['9', 'x'], ['10', 'y'], ['item', 'a'], ['__proto__', 'p'], ['é', '"q"']];
    const text = dataJson(pairs);
    assert.equal(text, '{"10":["y"],"9":["x"],"__proto__":["p"],"item":["b","a"],"é":["\\"q\\""]}');
    assert.deepEqual(new Set(pairsOf(text).map((p) => p.join('='))), new Set(pairs.map((p) => p.join('='))));
    assert.equal(dataJson([]), '{}');
  });

  it('pairsOf reads back any pairs: every key with its values in order, escaped or not', () => {
    const rnd = seededRandom(11);
    // Characters that are JSON structure, escapes, non-ASCII and control characters.
    const alphabet = ['a', 'b', 'c', '-', '.', '/', '_', 'x', 'y', 'z', '"', '\\', ',', ':', '[', ']', '{', '}', 'é', '😀', '\n', '\u0000', ' ', '1', '\ud800'];
    const word = () => Array.from({ length: rnd(4) }, () => alphabet[rnd(alphabet.length)]).join('');
    const byKey = (pairs: [string, string][]) => {
      const m = new Map<string, string[]>();
      for (const [k, v] of pairs) m.set(k, [...(m.get(k) ?? []), v]);
      return m;
    };
    let plain = 0;
    let empty = 0;
    for (let i = 0; i < 5000; i++) {
      const keys = Array.from({ length: 1 + rnd(3) }, word);
      const pairs = Array.from({ length: rnd(6) }, (): [string, string] => [keys[rnd(keys.length)]!, word()]);
      const text = dataJson(pairs);
      if (!text.includes('\\')) plain++;
      if (!pairs.length) empty++;
      const back = pairsOf(text);
      assert.equal(back.length, pairs.length, text);
      assert.deepEqual(byKey(back), byKey(pairs), text);
    }
    assert.ok(plain > 500 && plain - empty > 1000, `texts without escapes: ${plain}, of them empty: ${empty}`);
  });
});

for (const kind of STORE_KINDS) {
  describe(`migration 003: data_json pairs become the wire form (${kind})`, () => {
    let ctx: Awaited<ReturnType<typeof freshStore>> | undefined;
    before(async () => {
      if (kind === 'postgres' && !(await postgresAvailable())) return;
      ctx = await freshStore(kind);
    });
    after(() => ctx?.dispose());

    it('rewrites every row written in the old form, in batches, and leaves new ones alone', async (t) => {
      if (!ctx) return t.skip('PostgreSQL unavailable');
      const db = ctx.store.db;
      const { id: tc } = await db.insertInto('testcase').values({ name: 'm.tc', ref_url: null }).returning('id').executeTakeFirstOrThrow();
      const old = (i: number): [string, string][] => [['type', 'koji_build'], ['item', `pkg-${i}`], ['arch', 'x86_64'], ['arch', 'noarch']];
      const rows = Array.from({ length: 2500 }, (_, i) => ({
        testcase_id: tc, submit_time: 1_700_000_000_000_000 + i, outcome: 'PASSED', note: null, ref_url: null,
        // Rows already in the new form (every tenth) stay as they are.
        data_json: i % 10 ? JSON.stringify(old(i)) : dataJson([['item', `new-${i}`]]),
        groups_json: '[]',
        members_json: '',
      }));
      for (let i = 0; i < rows.length; i += 500) await db.insertInto('result').values(rows.slice(i, i + 500)).execute();
      await up(db);
      const after = await db.selectFrom('result').select(['submit_time', 'data_json']).orderBy('id').execute();
      assert.equal(after.length, 2500);
      after.forEach((r, i) => {
        const want = i % 10 ? '{"arch":["x86_64","noarch"],"item":["pkg-' + i + '"],"type":["koji_build"]}' : `{"item":["new-${i}"]}`;
        assert.equal(r.data_json, want, `row ${i}`);
      });
    });
  });
}
