import { sql, type Kysely } from 'kysely';

const BATCH = 1000;

/**
 * Sets `column` of every result row to `value(row)` (rows for which it is undefined are left alone),
 * for migrations that rewrite a stored form. In batches in id order, one UPDATE … FROM (VALUES …) per
 * batch, which both stores accept; memory stays bounded however many results there are.
 */
export async function rewriteResults<R extends { id: number }>(
  db: Kysely<any>, columns: readonly (keyof R & string)[], column: string, value: (row: R) => string | undefined,
): Promise<void> {
  let after = 0;
  for (;;) {
    const rows = (await db.selectFrom('result').select(['id', ...columns] as string[]).where('id', '>', after)
      .orderBy('id').limit(BATCH).execute()) as R[];
    if (!rows.length) return;
    after = Number(rows.at(-1)!.id);
    const changed = rows.flatMap((r) => {
      const v = value(r);
      return v === undefined ? [] : [sql`(${Number(r.id)}, ${v})`];
    });
    if (!changed.length) continue;
    await sql`UPDATE result SET ${sql.ref(column)} = v.column2 FROM (VALUES ${sql.join(changed)}) AS v
      WHERE result.id = CAST(v.column1 AS bigint)`.execute(db);
  }
}
