import type { Kysely } from 'kysely';

/**
 * testcase_epoch: one row counting the changes of testcases' ref_url, bumped in the transaction that
 * makes one. Reads name a result's testcase by id and take its name and ref_url from a cache in the
 * process (results/testcases.ts), which the epoch read with the rows tells to be current or not: every
 * process then answers with the same ref_url, without joining the testcase table for every result.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('testcase_epoch')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('epoch', 'bigint', (c) => c.notNull())
    .execute();
  await db.insertInto('testcase_epoch').values({ id: 1, epoch: 0 }).execute();
}
