// What PostgreSQL alone sustains for one-result-per-transaction inserts from this process: the
// ceiling that POST /results can approach but not pass, since the server does this work and more.
import pg from 'pg';
import { dataJson, membersJson } from '../src/results/serialize.ts';
import { carriesTexts } from '../src/store/itemCover.ts';
import { DATA_KEYS, prng, syntheticResult } from './data.ts';

export interface Stats {
  rps: number;
  p50_ms: number;
  p99_ms: number;
}

// Named (prepared) statements: the limit is meant as the best case for writing these rows one
// transaction each. Like the server's statement for a testcase it has seen (src/results/insertBatch.ts,
// which may carry several results arriving together), one statement per result, its own transaction:
// the result row, then its data index rows (with the item cover's copies) from array parameters.
const Q = {
  tc: { name: 'sl_tc', text: 'INSERT INTO testcase (name) VALUES ($1) ON CONFLICT (name) DO NOTHING' },
  tcId: { name: 'sl_tc_id', text: 'SELECT id FROM testcase WHERE name = $1' },
  result: {
    name: 'sl_result',
    text: `WITH r AS (
      INSERT INTO result (testcase_id, submit_time, outcome, ref_url, data_json, groups_json, members_json)
      VALUES ($1, $2, $3, $4, $5, '[]', $6) RETURNING id, submit_time, testcase_id, members_json, data_json, groups_json
    )
    INSERT INTO result_data (result_id, seq, key, value, submit_time, testcase_id, members_json, data_json, groups_json)
    SELECT r.id, v.seq, v.key, v.value, r.submit_time, r.testcase_id, CASE WHEN v.covered = 1 THEN r.members_json END,
      CASE WHEN v.covered = 1 THEN r.data_json END, CASE WHEN v.covered = 1 THEN r.groups_json END
    FROM r, unnest($7::int[], $8::text[], $9::text[], $10::int[]) AS v(seq, key, value, covered)`,
  },
};
const SEQS = DATA_KEYS.map((_, i) => i);

export async function storeLimit(url: string, connections: number, durationS: number, signal: AbortSignal): Promise<Stats> {
  const clients = await Promise.all(
    Array.from({ length: connections }, async () => {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      return c;
    }),
  );
  const latencies: number[] = [];
  const testcaseIds = new Map<string, number>();
  const r = prng(7);
  let seq = 0;
  const started = performance.now();
  const deadline = started + durationS * 1000;
  try {
    await Promise.all(
      clients.map(async (c) => {
        while (performance.now() < deadline && !signal.aborted) {
          const n = seq++;
          // Fresh items, a few results each, like the POST scenario.
          const s = syntheticResult(r, Math.floor(n / 4), `store-${Math.floor(n / 4)}-1.0-1.fc41`, n);
          const t0 = performance.now();
          let tcId = testcaseIds.get(s.testcase);
          if (tcId === undefined) {
            // Once per testcase (shared by the connections), as the server learns a testcase's id once.
            await c.query({ ...Q.tc, values: [s.testcase] });
            tcId = (await c.query({ ...Q.tcId, values: [s.testcase] })).rows[0].id as number;
            testcaseIds.set(s.testcase, tcId);
          }
          const data = DATA_KEYS.map((k, i) => [k, s.values[i]!] as [string, string]);
          const fields = { submit_time: Date.now() * 1000, outcome: s.outcome, note: null, ref_url: s.ref_url };
          const texts = [membersJson(fields), dataJson(data), '[]'] as const;
          const covered = s.values.map((v, i) => (carriesTexts(DATA_KEYS[i]!, v, texts) ? 1 : 0));
          const values = [tcId, fields.submit_time, s.outcome, s.ref_url, texts[1], texts[0], SEQS, [...DATA_KEYS], s.values, covered];
          await c.query({ ...Q.result, values });
          latencies.push(performance.now() - t0);
        }
      }),
    );
  } finally {
    await Promise.all(clients.map((c) => c.end().catch(() => {})));
  }
  const elapsedS = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))] ?? 0;
  return { rps: round(latencies.length / elapsedS, 1), p50_ms: round(pct(0.5), 2), p99_ms: round(pct(0.99), 2) };
}

export const round = (x: number, digits: number): number => Number(x.toFixed(digits));
