import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ResultFilters } from '../../src/results/filters.ts';
import { createResult, latestResults, latestResultsOfEach } from '../../src/results/store.ts';
import { seededRandom } from '../helpers/random.ts';
import { freshStore, postgresAvailable, STORE_KINDS } from '../helpers/stores.ts';

const filters = (data: Record<string, string>, over: Partial<ResultFilters> = {}): ResultFilters => ({
  outcomes: [], groups: [], testcases: [], testcasesLike: [], sort: 'desc', page: 0, limit: 0,
  data: Object.entries(data).map(([key, v]) => ({ key, values: v.split(','), like: false })),
  distinctOn: ['scenario', 'system_architecture'],
  ...over,
});

// Decisions ask for several result queries of several subjects at once; the batched read must give
// each query exactly what latestResults gives it alone.
for (const kind of STORE_KINDS) {
  describe(`latestResultsOfEach (${kind})`, () => {
    let ctx: Awaited<ReturnType<typeof freshStore>> | undefined;
    before(async () => {
      if (kind === 'postgres' && !(await postgresAvailable())) return;
      ctx = await freshStore(kind);
      const rnd = seededRandom(5);
      for (let i = 0; i < 120; i++) {
        const nvr = ['a-1-1', 'b-1-1'][rnd(2)]!;
        const data: [string, string][] = [];
        if (rnd(4)) data.push(['item', nvr], ['type', ['koji_build', 'brew-build', 'bodhi_update'][rnd(3)]!]);
        // Some results name the build as their original_spec_nvr too (or only).
        if (!data.length || rnd(3) === 0) data.push(['original_spec_nvr', nvr]);
        if (rnd(3)) data.push(['scenario', `s${rnd(3)}`]);
        if (rnd(2)) data.push(['system_architecture', ['x86_64', 'aarch64'][rnd(2)]!]);
        await createResult(ctx.store, {
          testcase: { name: `tc.${rnd(4)}` }, outcome: 'PASSED', note: null, ref_url: null,
          submit_time: 1_700_000_000_000_000 + rnd(20) * 1_000_000, data, groups: [],
        });
      }
    });
    after(() => ctx?.dispose());

    const SETS: [string, ResultFilters[]][] = [
      ['one build', [filters({ item: 'a-1-1', type: 'koji_build,brew-build' }), filters({ original_spec_nvr: 'a-1-1' })]],
      ['two builds', ['a-1-1', 'b-1-1'].flatMap((n) => [filters({ item: n, type: 'koji_build,brew-build' }), filters({ original_spec_nvr: n })])],
      ['as of a time', [filters({ item: 'b-1-1', type: 'koji_build' }, { since: { start: 0, end: 1_700_000_009_000_000 } }),
        filters({ original_spec_nvr: 'b-1-1' }, { since: { start: 0, end: 1_700_000_009_000_000 } })]],
      ['no distinct keys', [filters({ item: 'a-1-1' }, { distinctOn: [] }), filters({ original_spec_nvr: 'b-1-1' }, { distinctOn: [] })]],
      ['mixed shapes (each alone)', [filters({ item: 'a-1-1', type: 'koji_build' }, { outcomes: ['PASSED'] }), filters({ original_spec_nvr: 'a-1-1' })]],
    ];
    for (const [name, sets] of SETS) {
      it(`gives each query what it gets alone: ${name}`, async (t) => {
        if (!ctx) return t.skip('PostgreSQL unavailable');
        const together = await latestResultsOfEach(ctx.store, sets);
        const alone = await Promise.all(sets.map((f) => latestResults(ctx!.store, f)));
        const ids = (blocks: { id: number }[][]) => blocks.map((b) => b.map((r) => r.id));
        assert.deepEqual(ids(together), ids(alone));
        assert.ok(together.every((b) => b.length > 0), 'every query finds results');
      });
    }
    it('a result found by two queries is in both answers', async (t) => {
      if (!ctx) return t.skip('PostgreSQL unavailable');
      const [byItem, bySpec] = await latestResultsOfEach(ctx.store, [filters({ item: 'a-1-1' }, { distinctOn: ['nokey'] }), filters({ original_spec_nvr: 'a-1-1' }, { distinctOn: ['nokey'] })]);
      const shared = byItem!.filter((r) => bySpec!.some((s) => s.id === r.id));
      assert.ok(shared.length > 0);
    });
  });
}
