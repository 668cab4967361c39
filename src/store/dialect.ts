import { sql, type AliasedRawBuilder, type Expression, type RawBuilder, type SqlBool } from 'kysely';
import pg from 'pg';

/** Everything that differs between SQLite and PostgreSQL, so no other module needs to know which one runs. */
export interface StoreDialect {
  name: 'sqlite' | 'postgres';
  /**
   * `column` LIKE any of the patterns: case-sensitive, `%`, `_` and backslash escapes acting as on
   * PostgreSQL, the contract store. SQLite's LIKE ignores case, so there patterns become GLOBs.
   */
  likeAny(column: Expression<string | null>, patterns: readonly string[]): RawBuilder<SqlBool>;
  /**
   * `column` equal to one of the values. PostgreSQL gets one array parameter, so the SQL text is the
   * same whatever the number of values and its prepared statement is reused; a single value is a plain
   * `=`, whose generic plan PostgreSQL estimates as it does a custom one, and so keeps (an array of
   * unknown length looks costlier, and it would re-plan every run).
   */
  inList(column: Expression<unknown>, values: readonly (string | number)[]): RawBuilder<SqlBool>;
  /**
   * inList for a statement whose plan is right for any of its values (an index walk from a given
   * item): PostgreSQL is kept from looking at them. Seeing a rare value, its plan for that value looks
   * cheaper than the generic one it would prepare, so it re-planned on every run (the same plan,
   * 0.1-0.3 ms each time); not seeing them, it plans the statement once. Text values only.
   */
  inListOpaque(column: Expression<unknown>, values: readonly string[]): RawBuilder<SqlBool>;
  /**
   * Keeps a correlated subquery a per-row probe: PostgreSQL would otherwise flatten it into a join
   * (OFFSET 0 is its optimisation fence); SQLite needs nothing (and rejects OFFSET without LIMIT).
   */
  fence<Q extends { offset(n: number): Q }>(qb: Q): Q;
  /** Column type of auto-incrementing result ids. */
  bigId: 'integer' | 'bigserial';
  /**
   * Text compared byte-wise: SQLite's default, PostgreSQL's "C" collation. Orderings then agree on both
   * stores, and PostgreSQL can answer `LIKE 'prefix%'` from a plain btree index.
   */
  text: RawBuilder<unknown>;
  /**
   * Whether `err` is the store refusing a value too large for an index entry, and then the index's
   * name when the store gave it (null when not). Undefined for any other error.
   */
  tooLargeToIndex(err: unknown): { index: string | null } | undefined;
  /**
   * Rows made from parallel lists (row i takes the i-th element of each), as table `v` with the named
   * columns, to insert from within a single statement. PostgreSQL: `unnest` of one array parameter per
   * column, so the statement text does not depend on the number of rows. Absent on SQLite: it has no
   * data-modifying WITH to use it in, and in-process round trips cost it nothing to save.
   */
  rowsOf?: <C extends string, A extends string = 'v'>(
    columns: readonly (readonly [C, 'int' | 'bigint' | 'text'])[], lists: readonly unknown[], opts?: { alias?: A; ordinality?: C },
  ) => AliasedRawBuilder<Record<C, unknown>, A>;
  /** The next value of `table`'s serial `id`, for rows written with ids known before the insert (with rowsOf). */
  nextId?: (table: string) => RawBuilder<number>;
  /** Whether `err` is the store's answer refusing a statement, which it then rolled back (not a lost connection). */
  refusedStatement(err: unknown): boolean;
}

export const postgresDialect: StoreDialect = {
  name: 'postgres',
  likeAny: (column, patterns) => sql<SqlBool>`${column} LIKE ANY(${[...patterns]})`,
  inList: (column, values) => (values.length === 1 ? sql<SqlBool>`${column} = ${values[0]}` : sql<SqlBool>`${column} = ANY(${[...values]})`),
  // A subquery's output is a value the planner cannot know: `(select $1)` is planned as unknown.
  inListOpaque: (column, values) =>
    values.length === 1
      ? sql<SqlBool>`${column} = (select ${values[0]}::text)`
      : sql<SqlBool>`${column} = ANY((select ${[...values]}::text[])::text[])`,
  fence: (qb) => qb.offset(0),
  bigId: 'bigserial',
  text: sql`text collate "C"`,
  // program_limit_exceeded: "index row size 3240 exceeds btree version 4 maximum 2704 for index "x"", or
  // past a page, "index row requires 9000 bytes, maximum size is 8191" (no index named).
  tooLargeToIndex: (err) => {
    const e = err as { code?: unknown; message?: unknown };
    if (e?.code !== '54000' || typeof e.message !== 'string' || !e.message.startsWith('index row ')) return undefined;
    return { index: /for index "([^"]+)"/.exec(e.message)?.[1] ?? null };
  },
  // `ordinality`: one more column, the row's 1-based position in the lists (the last of `columns`).
  rowsOf: (columns, lists, opts = {}) => {
    const arrays = sql.join(lists.map((list, i) => sql`${list}::${sql.raw(columns[i]![1])}[]`));
    const names = sql.join(columns.map(([c]) => sql.id(c)));
    const ordinality = opts.ordinality === undefined ? sql`` : sql` with ordinality`;
    return sql<Record<(typeof columns)[number][0], unknown>>`(select * from unnest(${arrays})${ordinality} as u(${names}))`.as(opts.alias ?? ('v' as never));
  },
  nextId: (table) => sql<number>`nextval(pg_get_serial_sequence(${sql.lit(table)}, 'id'))`,
  refusedStatement: (err) => err instanceof pg.DatabaseError,
};

export const sqliteDialect: StoreDialect = {
  name: 'sqlite',
  likeAny: (column, patterns) =>
    patterns.length
      ? sql<SqlBool>`(${sql.join(patterns.map((p) => sql`${column} GLOB ${likeToGlob(p)}`), sql` OR `)})`
      : sql<SqlBool>`0`,
  inList: (column, values) =>
    values.length ? sql<SqlBool>`${column} IN (${sql.join([...values])})` : sql<SqlBool>`0`,
  inListOpaque: (column, values) => sqliteDialect.inList(column, values),
  fence: (qb) => qb,
  bigId: 'integer',
  text: sql`text`,
  tooLargeToIndex: () => undefined,
  refusedStatement: (err) => typeof (err as { code?: unknown })?.code === 'string' && (err as { code: string }).code.startsWith('SQLITE_'),
};

/** Translates a PostgreSQL LIKE pattern (default escape `\`) to an equivalent case-sensitive GLOB. */
export function likeToGlob(pattern: string): string {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\' && i + 1 < pattern.length) out += globLiteral(pattern[++i]);
    else if (c === '%') out += '*';
    else if (c === '_') out += '?';
    else out += globLiteral(c);
  }
  return out;
}

function globLiteral(c: string): string {
  return c === '*' || c === '?' || c === '[' ? `[${c}]` : c;
}

/**
 * Marks a query whose best plan depends on its parameter values (a data filter of unknown
 * selectivity): PostgreSQL plans it afresh each time instead of reusing a prepared generic plan.
 */
export const PLAN_EACH_TIME_MARK = '/* plan-each-time */';
export const PLAN_EACH_TIME = sql.raw(PLAN_EACH_TIME_MARK);
