// The only place that knows how the bench writes the seeded data set into the schema: when the
// schema gains tables (e.g. a "latest" projection), adapt this file alone.
import pg from 'pg';
import { DATA_KEYS, ITEMS, SEED_SPAN_US, SEED_START_US, TESTCASES, itemName, prng, syntheticResult, testcaseName } from './data.ts';

const BATCH = 10_000;
// Two writers: one PostgreSQL backend maintaining the indexes is CPU-bound on one core.
const WRITERS = 2;

export async function seed(url: string, n: number, log: (msg: string) => void): Promise<void> {
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
    const pending: Promise<unknown>[] = clients.map(() => Promise.resolve());
    for (let start = 1, b = 0; start <= n; start += BATCH, b = (b + 1) % WRITERS) {
      const end = Math.min(n, start + BATCH - 1);
      const res = { id: [] as number[], tc: [] as number[], t: [] as number[], outcome: [] as string[], ref: [] as string[], data: [] as string[] };
      const data = { id: [] as number[], seq: [] as number[], key: [] as string[], value: [] as string[], t: [] as number[], tc: [] as number[] };
      for (let id = start; id <= end; id++) {
        const item = Math.floor(r() * ITEMS);
        const s = syntheticResult(r, item, itemName(item), id);
        res.id.push(id);
        res.tc.push(s.testcaseIdx + 1); // ids as seeded above
        // Ids follow submit order, as they do in a live database; jitter stays inside one step.
        const t = Math.floor(SEED_START_US + (id - 1) * step + r() * step);
        res.t.push(t);
        res.outcome.push(s.outcome);
        res.ref.push(s.ref_url);
        res.data.push(JSON.stringify(DATA_KEYS.map((k, i) => [k, s.values[i]])));
        s.values.forEach((v, seq) => {
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
          `INSERT INTO result (id, testcase_id, submit_time, outcome, ref_url, data_json, groups_json)
           SELECT *, '[]' FROM unnest($1::bigint[], $2::int[], $3::bigint[], $4::text[], $5::text[], $6::text[])`,
          [res.id, res.tc, res.t, res.outcome, res.ref, res.data],
        );
        await c.query(
          `INSERT INTO result_data (result_id, seq, key, value, submit_time, testcase_id)
           SELECT * FROM unnest($1::bigint[], $2::int[], $3::text[], $4::text[], $5::bigint[], $6::int[])`,
          [data.id, data.seq, data.key, data.value, data.t, data.tc],
        );
        log(`seeded ${end}/${n} results`);
      })();
      // Handled here so a failing writer cannot crash the process before its turn to be awaited.
      pending[b].catch(() => {});
    }
    await Promise.all(pending);
    await client.query(`SELECT setval(pg_get_serial_sequence('result', 'id'), $1)`, [Math.max(n, 1)]);
    // VACUUM as well as ANALYZE: a live database has been vacuumed by autovacuum, so index-only scans
    // find the visibility map set; a freshly loaded table would send them to the heap instead.
    log('VACUUM ANALYZE');
    await client.query('VACUUM ANALYZE');
  } finally {
    await Promise.all(clients.map((c) => c.end().catch(() => {})));
  }
}
