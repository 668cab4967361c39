// The only place that knows how the bench writes the seeded data set into the schema: when the
// schema gains tables (e.g. a "latest" projection), adapt this file alone.
import pg from 'pg';
import { dataJson, membersJson } from '../src/results/serialize.ts';
import { carriesTexts } from '../src/store/itemCover.ts';
import {
  DATA_KEYS,
  POLICY_TESTCASES,
  PRODUCT_VERSION,
  SEED_SPAN_US,
  SEED_START_US,
  TESTCASES,
  gatedItem,
  gatedResult,
  isGated,
  itemName,
  policyTestcase,
  prng,
  syntheticResult,
  testcaseName,
  type Shape,
} from './data.ts';

const BATCH = 10_000;
// Two writers: one PostgreSQL backend maintaining the indexes is CPU-bound on one core.
const WRITERS = 2;

export interface Seeded {
  waivers: number;
  /** Gated builds: the subjects of the decision scenarios. */
  gatedSubjects: number;
  policyTestcases: number;
}

/** Seeds `n` results spread over the items of `shape`. */
export async function seed(url: string, n: number, shape: Shape, log: (msg: string) => void): Promise<Seeded> {
  const clients = Array.from({ length: WRITERS }, () => new pg.Client({ connectionString: url }));
  const client = clients[0]!;
  try {
    for (const c of clients) {
      await c.connect();
      // A bulk load has nothing to lose on a crash; skipping the WAL flush per batch saves time.
      await c.query('SET synchronous_commit = off');
    }
    const tcIds = Array.from({ length: TESTCASES }, (_, i) => i + 1);
    await client.query(
      'INSERT INTO testcase (id, name) SELECT * FROM unnest($1::int[], $2::text[])',
      [tcIds, tcIds.map((id) => testcaseName(id - 1))],
    );
    await client.query(`SELECT setval(pg_get_serial_sequence('testcase', 'id'), $1)`, [TESTCASES]);

    const r = prng(42);
    const step = SEED_SPAN_US / n;
    // How many results each item has so far: a gated item's k-th result fills its k-th slot.
    const perItem = new Int32Array(shape.items);
    // Testcases that failed on each gated build: the ones its packager would waive.
    const failed = new Map<number, string[]>();
    const pending: Promise<unknown>[] = clients.map(() => Promise.resolve());
    for (let start = 1, b = 0; start <= n; start += BATCH, b = (b + 1) % WRITERS) {
      const end = Math.min(n, start + BATCH - 1);
      const res = { id: [] as number[], tc: [] as number[], t: [] as number[], outcome: [] as string[], ref: [] as string[], data: [] as string[], members: [] as string[] };
      const data = {
        id: [] as number[], seq: [] as number[], key: [] as string[], value: [] as string[], t: [] as number[], tc: [] as number[],
        // The item cover's copies (src/store/itemCover.ts), as the server writes them.
        members: [] as (string | null)[], dataJson: [] as (string | null)[], groups: [] as (string | null)[],
      };
      for (let id = start; id <= end; id++) {
        const item = shape.pickItem(r);
        const s = isGated(item) ? gatedResult(r, item, itemName(item), id, perItem[item]!++) : syntheticResult(r, item, itemName(item), id);
        if (isGated(item) && s.outcome === 'FAILED') failed.set(item, [...(failed.get(item) ?? []), s.testcase]);
        res.id.push(id);
        res.tc.push(s.testcaseIdx + 1); // ids as seeded above
        // Ids follow submit order, as they do in a live database; jitter stays inside one step.
        const t = Math.floor(SEED_START_US + (id - 1) * step + r() * step);
        res.t.push(t);
        res.outcome.push(s.outcome);
        res.ref.push(s.ref_url);
        const texts = [membersJson({ note: null, outcome: s.outcome, ref_url: s.ref_url, submit_time: t }), dataJson(DATA_KEYS.map((k, i) => [k, s.values[i]!])), '[]'] as const;
        res.data.push(texts[1]);
        res.members.push(texts[0]);
        s.values.forEach((v, seq) => {
          const covered = carriesTexts(DATA_KEYS[seq]!, v, texts);
          data.members.push(covered ? texts[0] : null);
          data.dataJson.push(covered ? texts[1] : null);
          data.groups.push(covered ? texts[2] : null);
          data.id.push(id);
          data.seq.push(seq);
          data.key.push(DATA_KEYS[seq]!);
          data.value.push(v);
          data.t.push(t);
          data.tc.push(res.tc[res.tc.length - 1]!);
        });
      }
      // Build the next batch in JS while PostgreSQL is still inserting earlier ones.
      await pending[b];
      const c = clients[b]!;
      pending[b] = (async () => {
        await c.query(
          `INSERT INTO result (id, testcase_id, submit_time, outcome, ref_url, data_json, members_json, groups_json)
           SELECT *, '[]' FROM unnest($1::bigint[], $2::int[], $3::bigint[], $4::text[], $5::text[], $6::text[], $7::text[])`,
          [res.id, res.tc, res.t, res.outcome, res.ref, res.data, res.members],
        );
        await c.query(
          `INSERT INTO result_data (result_id, seq, key, value, submit_time, testcase_id, members_json, data_json, groups_json)
           SELECT * FROM unnest($1::bigint[], $2::int[], $3::text[], $4::text[], $5::bigint[], $6::int[], $7::text[], $8::text[], $9::text[])`,
          [data.id, data.seq, data.key, data.value, data.t, data.tc, data.members, data.dataJson, data.groups],
        );
        log(`seeded ${end}/${n} results`);
      })();
      // Handled here so a failing writer cannot crash the process before its turn to be awaited.
      pending[b].catch(() => {});
    }
    await Promise.all(pending);
    await client.query(`SELECT setval(pg_get_serial_sequence('result', 'id'), $1)`, [Math.max(n, 1)]);
    const w = await seedWaivers(client, shape, failed);
    log(`seeded ${w} waivers`);
    // VACUUM as well as ANALYZE: a live database has been vacuumed by autovacuum, so index-only scans
    // find the visibility map set; a freshly loaded table would send them to the heap instead.
    log('VACUUM ANALYZE');
    await client.query('VACUUM ANALYZE');
    return { waivers: w, gatedSubjects: shape.gatedItems, policyTestcases: POLICY_TESTCASES };
  } finally {
    await Promise.all(clients.map((c) => c.end().catch(() => {})));
  }
}

/**
 * Waivers as WaiverDB stores them: three per gated build for fedora-40, the first on a testcase that
 * failed for it when one did (one in four for a scenario rather than the whole testcase), a later
 * revocation of that first waiver for one build in five, a fedora-39 waiver for one in four, and one
 * waiver on every third other item, so the decision's waiver lookup runs against a table of some size.
 */
async function seedWaivers(client: pg.Client, shape: Shape, failed: Map<number, string[]>): Promise<number> {
  const r = prng(43);
  const w = {
    type: [] as string[], id: [] as string[], tc: [] as string[], scenario: [] as (string | null)[],
    pv: [] as string[], waived: [] as number[], user: [] as string[], comment: [] as string[], t: [] as number[],
  };
  const add = (item: number, tc: string, o: { scenario?: string | null; pv?: string; waived?: number; at?: number } = {}) => {
    const at = o.at ?? Math.floor(SEED_START_US + r() * SEED_SPAN_US);
    w.type.push('koji_build');
    w.id.push(itemName(item));
    w.tc.push(tc);
    w.scenario.push(o.scenario ?? null);
    w.pv.push(o.pv ?? PRODUCT_VERSION);
    w.waived.push(o.waived ?? 1);
    w.user.push(`packager${item % 97}`);
    w.comment.push(o.waived === 0 ? 'waived by mistake' : 'known flaky test, see the linked bug');
    w.t.push(at);
    return at;
  };
  const policyNames = Array.from({ length: POLICY_TESTCASES }, (_, j) => testcaseName(policyTestcase(j)));
  for (let g = 0; g < shape.gatedItems; g++) {
    const item = gatedItem(g);
    const start = Math.floor(r() * POLICY_TESTCASES);
    const names = [...new Set([...(failed.get(item) ?? []), ...[0, 7, 14].map((j) => policyNames[(start + j) % POLICY_TESTCASES]!)])].slice(0, 3);
    const scenarios = names.map(() => (r() < 0.25 ? 'fedora.updates-server.x86_64.64bit' : null));
    const firstAt = add(item, names[0]!, { scenario: scenarios[0] });
    names.slice(1).forEach((tc, j) => add(item, tc, { scenario: scenarios[j + 1] }));
    if (g % 5 === 0) add(item, names[0]!, { scenario: scenarios[0], waived: 0, at: firstAt + 3_600_000_000 });
    if (g % 4 === 0) add(item, names[1]!, { pv: 'fedora-39' });
  }
  for (let item = 0; item < shape.items; item++) {
    if (!isGated(item) && item % 3 === 0) add(item, testcaseName(Math.floor(r() * TESTCASES)));
  }
  await client.query(
    `INSERT INTO waiver (subject_type, subject_identifier, testcase, scenario, product_version, waived, username, comment, timestamp)
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::int[], $7::text[], $8::text[], $9::bigint[])`,
    [w.type, w.id, w.tc, w.scenario, w.pv, w.waived, w.user, w.comment, w.t],
  );
  return w.id.length;
}
