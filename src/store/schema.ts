import type { Generated } from 'kysely';

/** Row types of every table; the one place the schema's shape is written down for TypeScript. */
export interface Database {
  testcase: { id: Generated<number>; name: string; ref_url: string | null };
  result_group: { id: Generated<number>; uuid: string; description: string | null; ref_url: string | null };
  result: {
    id: Generated<number>;
    testcase_id: number;
    /** Microseconds since the epoch, UTC: exact, compact, and identical on both stores. */
    submit_time: number;
    outcome: string;
    note: string | null;
    ref_url: string | null;
    /** JSON array of [key, value] pairs in the order sent; the filters use result_data. */
    data_json: string;
    /** JSON array of group uuids in the order sent. */
    groups_json: string;
  };
  /** The filter index: one row per distinct (key, value) of a result, with its submit_time and testcase. */
  result_data: { result_id: number; seq: number; key: string; value: string; submit_time: number; testcase_id: number };
  groups_to_results: { result_id: number; seq: number; group_uuid: string };
}
