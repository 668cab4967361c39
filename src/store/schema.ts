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
    /** `data` in its wire form (results/serialize.ts dataJson): sorted keys, values in the order sent. The filters use result_data. */
    data_json: string;
    /** JSON array of group uuids in the order sent. */
    groups_json: string;
    /** note, outcome, ref_url and submit_time in their wire form (results/serialize.ts membersJson), written out as they are. */
    members_json: string;
  };
  /**
   * The filter index: one row per distinct (key, value) of a result, with its submit_time and testcase;
   * an `item` row also carries copies of its result's texts when they fit (store/itemCover.ts).
   */
  result_data: {
    result_id: number; seq: number; key: string; value: string; submit_time: number; testcase_id: number;
    members_json: string | null; data_json: string | null; groups_json: string | null;
  };
  /** One row (id 1): how many times a testcase's ref_url changed (results/testcases.ts). */
  testcase_epoch: { id: number; epoch: number };
  groups_to_results: { result_id: number; seq: number; group_uuid: string };
  waiver: {
    id: Generated<number>;
    subject_type: string;
    subject_identifier: string;
    testcase: string;
    scenario: string | null;
    product_version: string;
    /** 1 = waived, 0 = revoked (a negative waiver). */
    waived: number;
    username: string;
    proxied_by: string | null;
    comment: string;
    /** µs since the epoch, UTC. */
    timestamp: number;
    /** µs since the epoch, UTC; null = never expires (deviations item 10). */
    expires_at: number | null;
  };
  api_token: {
    id: Generated<number>;
    selector: string;
    /** sha256 hex of the token's secret part. */
    secret_hash: string;
    username: string;
    /** JSON array of group names the token vouches for. */
    groups_json: string;
    description: string | null;
    created_at: number;
    expires_at: number | null;
    revoked_at: number | null;
  };
}
