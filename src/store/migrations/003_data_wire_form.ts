import { sql, type Kysely } from 'kysely';
import { dataJson } from '../../results/serialize.ts';

const BATCH = 1000;

/**
 * result.data_json held [key, value] pairs; it now holds `data` in its wire form (sorted keys, value
 * lists), so pages write it out as it is instead of rebuilding it for every read. Rewritten in
 * batches in id order; one UPDATE … FROM (VALUES …) per batch, which both stores accept.
 */
export async function up(db: Kysely<any>): Promise<void> {
  let after = 0;
  for (;;) {
    const rows: { id: number; data_json: string }[] = await db
      .selectFrom('result')
      .select(['id', 'data_json'])
      .where('id', '>', after)
      .orderBy('id')
      .limit(BATCH)
      .execute();
    if (!rows.length) return;
    after = Number(rows.at(-1)!.id);
    const old = rows.filter((r) => r.data_json.startsWith('['));
    if (!old.length) continue;
    const values = sql.join(old.map((r) => sql`(${Number(r.id)}, ${dataJson(JSON.parse(r.data_json))})`));
    await sql`UPDATE result SET data_json = v.column2 FROM (VALUES ${values}) AS v
      WHERE result.id = CAST(v.column1 AS bigint)`.execute(db);
  }
}
